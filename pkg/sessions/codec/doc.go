// Package codec reproduces Ktor's cookie layer byte for byte: the cookie value
// encodings, the Set-Cookie line a session transport renders, and the parsing
// of Cookie and Set-Cookie headers, as each Ktor release does.
//
// # Vocabulary
//
//	Ktor                                    here
//	CookieEncoding                          Encoding ("uri", "base64", "dquotes", "raw")
//	encodeCookieValue / decodeCookieValue   Encode / Decode
//	CookieConfiguration                     CookieConfig, DefaultCookieConfig
//	renderSetCookieHeader                   RenderSetCookie, RenderClearCookie
//	parseClientCookiesHeader                ParseCookieHeader
//	parseServerSetCookieHeader              ParseSetCookie
//
// # Releases
//
// Every function that behaves differently across Ktor releases takes a
// transform.Profile, an exact release ("2.1.3"; an alias such as "3" is the
// newest release of its line, the zero Profile the newest of all), and asks
// package ktor's table of change points. What changed, read from Ktor's
// source (first release with the new behaviour):
//
//	RAW/DQUOTES escape '='     until 1.1.x      (1.2.0: '=' is a plain character)
//	BASE64 encode              sign bug         (1.1.0: correct)
//	BASE64 decode              Latin-1, lenient (1.2.3: UTF-8; 3.1.2: '-' reads as '+';
//	                                             3.4.0: strict kotlin.io.encoding.Base64)
//	refusal wording            "couldn't"       (1.4.3: names DQUOTES; 1.5.3: "cannot")
//	server reads with          URI always       (1.6.6: the configured encoding)
//	Cookie: header names       no ()<>@:/\"[]?  (2.0.0: anything but ;={} and blanks)
//	clear cookie               Expires only     (2.1.1: every attribute; 3.0.0: + Max-Age=0)
//	extension values           the encoding     (2.1.3: RAW)
//	URI encode keeps           A-Za-z0-9        (2.1.3: + :/?#[]@!$&'()*,;=-._~+;
//	                                             2.2.0: A-Za-z0-9 -._~)
//	RAW refuses                ws ctl ;,"       (3.0.2: nothing)
//	default path, HttpOnly     none, false      (1.2.0: "/", true)
//	Max-Age / Expires          see CookieConfig and RenderSetCookie (1.0.1, 1.1.2, 1.3.0, 3.0.0)
//
// ("lenient" BASE64: a symbol outside the alphabet counts as '/', trailing
// '=' are dropped, an incomplete last group is cut.)
//
// # Errors
//
// Every failure is an *Error wrapping one of the sentinels (ErrEncoding,
// ErrProfile, ErrUnencodable, ErrCookieName, ErrMalformed, ErrConfig,
// ErrEmpty); where Ktor itself throws, Error.Ktor holds Ktor's exception text.
// Nothing in this package panics on any input.
package codec
