package encode

import (
	"fmt"
	"time"

	"github.com/sessionctl/sessionctl/pkg/keyring"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
)

// Session is what to encode: exactly one of its fields is set.
type Session struct {
	Payload *string            // the serialized session as the serializer wrote it, used as is
	Fields  []serializer.Field // typed fields (serializer.ParseTypedField), in order
	JSON    *string            // the fields as one JSON object
}

// Options say how the written value is rendered.
type Options struct {
	// Encoding is the cookie encoding of the printed value; "" = the provider's. codec.Raw leaves
	// the transport value as it is.
	Encoding codec.Encoding
	// SetCookie asks for the whole Set-Cookie line (cookie providers only).
	SetCookie bool
	// Now is the clock for the Set-Cookie line's Expires.
	Now time.Time
}

// Result is one written token. Its JSON form is `sessionctl encode --json`.
type Result struct {
	Name      string `json:"name"`
	Payload   string `json:"payload"`
	Value     string `json:"transport_value"`
	Cookie    string `json:"cookie_value,omitempty"`
	SetCookie string `json:"set_cookie,omitempty"`
}

// Output is what `sessionctl encode` prints without --json: the Set-Cookie header when one was
// rendered, else the cookie value, else the transport value.
func (r Result) Output() string {
	switch {
	case r.SetCookie != "":
		return "Set-Cookie: " + r.SetCookie
	case r.Cookie != "":
		return r.Cookie
	}
	return r.Value
}

// Format is the serializer format the provider writes: its setting, else its release's default.
func Format(p *keyring.Provider) serializer.Format {
	if f := p.SerializerFormat(); f != "" {
		return f
	}
	return serializer.DefaultFormat(p.Profile)
}

// Payload serializes s with the provider's serializer: a payload is used as is, typed fields and
// a JSON object are written in the provider's format (JSON as kotlinx writes it, or Ktor's text
// format of its release).
func Payload(p *keyring.Provider, s Session) (string, error) {
	n := 0
	if s.Payload != nil {
		n++
	}
	if s.Fields != nil {
		n++
	}
	if s.JSON != nil {
		n++
	}
	if n != 1 {
		return "", &Error{Provider: p.Name, Op: "session", Err: ErrSession, msg: "give exactly one of a payload, typed fields or a JSON object"}
	}
	if s.Payload != nil {
		return *s.Payload, nil
	}
	format := Format(p)
	fields := s.Fields
	if s.JSON != nil {
		v, err := serializer.DecodeJSON(*s.JSON)
		if err != nil || v.Kind != serializer.KindJSONObject {
			msg := "want a JSON object"
			if err != nil {
				msg += ": " + err.Error()
			}
			return "", &Error{Provider: p.Name, Op: "json", Err: ErrSession, Cause: err, msg: msg}
		}
		if format == serializer.FormatJSON {
			return kotlinx(p, v)
		}
		fields = v.Fields
	}
	if format == serializer.FormatJSON {
		return kotlinx(p, serializer.Value{Kind: serializer.KindObject, Fields: fields})
	}
	out, err := serializer.EncodeFieldsWith(fields, p.TextStyle, p.Profile)
	if err != nil {
		return "", &Error{Provider: p.Name, Op: "fields", Err: ErrSession, Cause: err, msg: "session fields: " + err.Error()}
	}
	return out, nil
}

// kotlinx writes v as Ktor 3's default serializer, kotlinx Json, does: it refuses NaN and
// Infinity, and escapes as it does.
func kotlinx(p *keyring.Provider, v serializer.Value) (string, error) {
	s, err := serializer.Encode(v, serializer.FormatJSON, p.Profile)
	if err != nil {
		return "", &Error{Provider: p.Name, Op: "kotlinx", Err: ErrSession, Cause: err, msg: "kotlinx Json: " + err.Error()}
	}
	return s, nil
}

// Write runs payload through the provider's transformers: the transport value.
func Write(p *keyring.Provider, payload string) (string, error) {
	v, err := p.Chain.Write(payload)
	if err != nil {
		return "", &Error{Provider: p.Name, Op: "write", Err: ErrWrite, Cause: err, msg: fmt.Sprintf("provider %s: %v", p.Name, err)}
	}
	return v, nil
}

// CookieValue cookie-encodes a transport value as the provider's release does, with enc or, when
// enc is "", the provider's encoding. A header provider's value is not cookie-encoded: it is
// returned as it is.
func CookieValue(p *keyring.Provider, value string, enc codec.Encoding) (string, error) {
	if p.Transport != "cookie" {
		return value, nil
	}
	if enc == "" {
		enc = p.Cookie.Encoding
	}
	cv, err := codec.Encode(value, enc, p.Profile)
	if err != nil {
		return "", &Error{Provider: p.Name, Op: "cookie", Err: ErrCookie, Cause: err, msg: fmt.Sprintf("cookie encoding %s: %v", enc, err)}
	}
	return cv, nil
}

// SetCookieLine renders the Set-Cookie header value (without "Set-Cookie: ") the provider's
// release sends for value at now: its cookie configuration, with enc instead of its encoding when
// enc is not "".
func SetCookieLine(p *keyring.Provider, value string, enc codec.Encoding, now time.Time) (string, error) {
	if p.Transport != "cookie" {
		return "", &Error{Provider: p.Name, Op: "set-cookie", Err: ErrTransport, msg: fmt.Sprintf("provider %s uses the header transport", p.Name)}
	}
	cc := p.Cookie
	if enc != "" {
		cc.Encoding = enc
	}
	line, err := codec.RenderSetCookie(p.Name, value, cc, now, p.Profile)
	if err != nil {
		return "", &Error{Provider: p.Name, Op: "set-cookie", Err: ErrCookie, Cause: err, msg: fmt.Sprintf("Set-Cookie: %v", err)}
	}
	return line, nil
}

// Token writes payload once and renders it as Options ask: the Set-Cookie line (SetCookie), or
// the cookie value (a cookie provider, unless Encoding is raw); the transport value always.
func Token(p *keyring.Provider, payload string, o Options) (Result, error) {
	value, err := Write(p, payload)
	if err != nil {
		return Result{}, err
	}
	r := Result{Name: p.Name, Payload: payload, Value: value}
	switch {
	case o.SetCookie:
		if r.SetCookie, err = SetCookieLine(p, value, o.Encoding, o.Now); err != nil {
			return Result{}, err
		}
	case p.Transport == "cookie" && o.Encoding != codec.Raw:
		if r.Cookie, err = CookieValue(p, value, o.Encoding); err != nil {
			return Result{}, err
		}
	}
	return r, nil
}
