// Package codec reproduces Ktor's cookie layer byte for byte: the cookie value
// encodings, the Set-Cookie line a session transport renders, and the parsing
// of Cookie and Set-Cookie headers, for each Ktor version profile.
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
// # Profiles
//
// Every function that behaves differently across Ktor releases takes a
// transform.Profile: "1.0" is Ktor 1.0.0, "1.6" Ktor 1.6.x, "2" Ktor 2.2 to
// 2.3.13 and "3" Ktor main (ef92e5537d, the 3.5 line). The zero profile means
// "3". What changed, read from Ktor's source:
//
//	                      1.0           1.6           2             3
//	URI encode            A-Za-z0-9     A-Za-z0-9     + -._~        + -._~
//	RAW refuses           ws ctl ;,="   ws ctl ;,"    ws ctl ;,"    nothing
//	DQUOTES quotes when   ws ctl ;,="   ws ctl ;,"    ws ctl ;,"    ws ctl ;,"
//	BASE64 encode         sign bug      UTF-8         UTF-8         UTF-8
//	BASE64 decode         lenient,      lenient,      lenient,      strict
//	                      Latin-1       UTF-8         UTF-8         (kotlin.io)
//	extension values      encoded       encoded       RAW-checked   as is
//	Max-Age               if 0<n<2^31   min(n,2^31-1) min(n,2^31-1) min(n,2^31-1)
//	clear cookie          Expires only  Expires only  + Secure...   + Max-Age=0
//	server reads with     URI always    URI always    the encoding  the encoding
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
