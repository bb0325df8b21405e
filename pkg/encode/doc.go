// Package encode builds session tokens the way a Ktor provider writes them: the session (a
// payload as the serializer wrote it, typed fields, or a JSON object) is serialized with the
// provider's serializer, run through its transformers, and cookie-encoded or rendered as the whole
// Set-Cookie line of that Ktor release. `sessionctl encode` and the offline debugger page run this
// same code.
//
// # Use
//
//	p, err := kr.Provider("USER_SESSION")
//	payload, err := encode.Payload(p, encode.Session{Fields: fields})
//	r, err := encode.Token(p, payload, encode.Options{SetCookie: true, Now: now})
//
// Token writes once and renders what Options ask; Write, CookieValue and SetCookieLine are its
// steps, for a caller that wants every form of one written value (an encrypt write draws a fresh
// IV each time, so writing twice gives two different tokens).
//
// # Errors
//
// Every failure is an *Error that unwraps to one of ErrSession (the session given cannot be
// serialized: not a JSON object, a field twice, a value the format cannot hold), ErrWrite (a
// transformer refused to write, e.g. Ktor's encrypt constructor would have thrown for this key),
// ErrCookie (the value cannot be cookie-encoded, or the Set-Cookie line cannot be rendered) or
// ErrTransport (a Set-Cookie line for a provider that uses the header transport), and to the
// underlying error. Key material is never in a message.
//
// The package reads no clock, environment, file or network: Options.Now is the clock for Expires.
package encode
