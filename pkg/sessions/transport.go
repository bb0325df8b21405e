package sessions

import (
	"net/http"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Transport is Ktor's SessionTransport: where a session travels between the
// client and the service. Cookie and Header are the built-in transports;
// Custom takes any other. The provider's transformers are applied around it:
// Receive returns the value before they are undone, Send gets it after they
// are applied, as Ktor's SessionTransportCookie and SessionTransportHeader
// do with theirs.
//
// Send and Clear run once per response, before its first byte, with the
// response's header map: they may set headers, never write a body. An
// implementation must be safe for concurrent use by many requests.
type Transport interface {
	// Receive returns the value the request carries; ok is false when it
	// carries none. A value that cannot be read (a bad encoding) is none.
	Receive(r *http.Request) (value string, ok bool)
	// Send puts value on the response.
	Send(h http.Header, r *http.Request, value string) error
	// Clear tells the client to forget the session.
	Clear(h http.Header, r *http.Request) error
}

// cookieTransport is Ktor's SessionTransportCookie.
type cookieTransport struct {
	name    string
	cfg     codec.CookieConfig
	readEnc codec.Encoding
	profile transform.Profile
	// mayRefuse: the encoding refuses some values (RAW, DQUOTES), so Set
	// checks them
	mayRefuse bool
	now       func() time.Time
}

func (t *cookieTransport) Receive(r *http.Request) (string, bool) {
	raw, found := lastCookie(r.Header["Cookie"], t.name, t.profile)
	if !found {
		return "", false
	}
	v, err := codec.Decode(raw, t.readEnc, t.profile)
	if err != nil {
		return "", false
	}
	return v, true
}

// lastCookie is the value of the last pair called name in the Cookie header
// lines, as p's release parses them (Ktor keeps the last value of a name).
func lastCookie(lines []string, name string, p transform.Profile) (string, bool) {
	var raw string
	found := false
	for _, h := range lines {
		if v, ok, err := codec.LastCookie(h, name, p); err == nil && ok {
			raw, found = v, true
		}
	}
	return raw, found
}

func (t *cookieTransport) Send(h http.Header, _ *http.Request, value string) error {
	line, err := codec.RenderSetCookie(t.name, value, t.cfg, t.now(), t.profile)
	if err != nil {
		return err
	}
	h["Set-Cookie"] = append(h["Set-Cookie"], line)
	return nil
}

func (t *cookieTransport) Clear(h http.Header, _ *http.Request) error {
	line, err := codec.RenderClearCookie(t.name, t.cfg, t.profile)
	if err != nil {
		return err
	}
	h["Set-Cookie"] = append(h["Set-Cookie"], line)
	return nil
}

// headerTransport is Ktor's SessionTransportHeader: the request header name
// carries the session, the response sets the same header. Ktor's clear does
// nothing (a header cannot be taken back).
type headerTransport struct {
	name string // canonical form
}

func (t *headerTransport) Receive(r *http.Request) (string, bool) {
	vs := r.Header[t.name]
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

func (t *headerTransport) Send(h http.Header, _ *http.Request, value string) error {
	h[t.name] = []string{value}
	return nil
}

func (t *headerTransport) Clear(http.Header, *http.Request) error { return nil }
