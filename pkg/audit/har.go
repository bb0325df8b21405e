package audit

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
)

// HARCookie is one cookie of a HAR file's request or response.
type HARCookie struct {
	Entry     int    // 0-based index in log.entries
	Side      string // "request" or "response"
	URL       string // the request's URL, when it came before the cookie
	Name      string
	Value     string           // as sent, undecoded
	SetCookie *codec.SetCookie // a response cookie's attributes (from its Set-Cookie header, else the HAR fields)
	// Date is the response's Date: header (RFC 1123), nil when it has none: the time the cookie was
	// received, which its Max-Age and Expires are measured from.
	Date *time.Time
}

// harCookie is a HAR cookie object (HAR 1.2 §cookies).
type harCookie struct {
	Name     string  `json:"name"`
	Value    string  `json:"value"`
	Path     string  `json:"path"`
	Domain   string  `json:"domain"`
	Expires  *string `json:"expires"`
	HTTPOnly bool    `json:"httpOnly"`
	Secure   bool    `json:"secure"`
	SameSite string  `json:"sameSite"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// harReader walks a HAR file with json.Decoder's token API: only one
// message's headers and cookies are ever decoded whole, every other value is
// skipped token by token.
type harReader struct {
	dec   *json.Decoder
	entry int
	fn    func(HARCookie) error
}

// ReadHAR calls fn for every request and response cookie of a HAR file
// (log.entries[].request and .response), streaming: memory does not grow
// with the number of entries. A response's cookies come from its Set-Cookie
// headers when it has any (they keep Max-Age and every attribute), else
// from its cookies array; a request's from its Cookie headers, else its
// cookies array. An error from fn stops the read and is returned as is; a
// malformed file is a *HARError naming the entry and byte offset.
func ReadHAR(r io.Reader, fn func(HARCookie) error) error {
	h := &harReader{dec: json.NewDecoder(r), entry: -1, fn: fn}
	h.dec.UseNumber()
	if err := h.object("the top level", func(key string) error {
		if key != "log" {
			return h.skip()
		}
		return h.object("log", func(key string) error {
			if key != "entries" {
				return h.skip()
			}
			return h.entries()
		})
	}); err != nil {
		return err
	}
	if _, err := h.dec.Token(); err != io.EOF {
		return h.fail("data after the HAR object", nil)
	}
	if h.entry < 0 {
		return h.fail("no log.entries array: not a HAR file", nil)
	}
	return nil
}

func (h *harReader) fail(detail string, err error) error {
	var he *HARError
	if errors.As(err, &he) {
		return err
	}
	var cb *callbackError
	if errors.As(err, &cb) {
		return cb.err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
		detail = "the file ends early: " + detail
	}
	return &HARError{Entry: h.entry, Offset: h.dec.InputOffset(), Detail: detail, Err: err}
}

type callbackError struct{ err error }

func (c *callbackError) Error() string { return c.err.Error() }

func (h *harReader) token() (json.Token, error) {
	t, err := h.dec.Token()
	if err != nil {
		return nil, h.fail("invalid JSON", err)
	}
	return t, nil
}

// object reads an object, calling fn for each key with the decoder at its value.
func (h *harReader) object(what string, fn func(key string) error) error {
	t, err := h.token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return h.fail(what+" is not an object", nil)
	}
	for h.dec.More() {
		t, err := h.token()
		if err != nil {
			return err
		}
		key, ok := t.(string)
		if !ok {
			return h.fail("an object key is not a string", nil)
		}
		if err := fn(key); err != nil {
			return err
		}
	}
	_, err = h.token() // '}'
	return err
}

// skip reads one value of any kind without keeping it.
func (h *harReader) skip() error {
	depth := 0
	for {
		t, err := h.token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

func (h *harReader) entries() error {
	t, err := h.token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		return h.fail("log.entries is not an array", nil)
	}
	h.entry = 0
	for h.dec.More() {
		url := ""
		if err := h.object("the entry", func(key string) error {
			switch key {
			case "request":
				return h.message("request", &url)
			case "response":
				return h.message("response", &url)
			}
			return h.skip()
		}); err != nil {
			return err
		}
		h.entry++
	}
	_, err = h.token() // ']'
	return err
}

// message reads a request or a response and reports its cookies.
func (h *harReader) message(side string, url *string) error {
	var headers []harHeader
	var cookies []harCookie
	if err := h.object(side, func(key string) error {
		switch key {
		case "url":
			if side == "request" {
				if err := h.dec.Decode(url); err != nil {
					return h.fail(side+".url is not a string", err)
				}
				return nil
			}
		case "headers":
			if err := h.dec.Decode(&headers); err != nil {
				return h.fail(side+".headers is not an array of {name, value}", err)
			}
			return nil
		case "cookies":
			if err := h.dec.Decode(&cookies); err != nil {
				return h.fail(side+".cookies is not an array of cookies", err)
			}
			return nil
		}
		return h.skip()
	}); err != nil {
		return err
	}
	var date *time.Time
	if side == "response" {
		for _, hd := range headers {
			if strings.EqualFold(hd.Name, "Date") {
				if t, err := time.Parse(time.RFC1123, strings.TrimSpace(hd.Value)); err == nil {
					date = &t
				}
				break
			}
		}
	}
	emit := func(c HARCookie) error {
		c.Entry, c.Side, c.URL, c.Date = h.entry, side, *url, date
		if err := h.fn(c); err != nil {
			return &callbackError{err}
		}
		return nil
	}
	fromHeaders := false
	for _, hd := range headers {
		switch {
		case side == "response" && strings.EqualFold(hd.Name, "Set-Cookie"):
			// some exporters join several Set-Cookie lines with '\n'
			for _, line := range strings.Split(hd.Value, "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				sc, err := codec.ParseSetCookie(line)
				if err != nil {
					continue // the cookies array may still have it
				}
				fromHeaders = true
				if err := emit(HARCookie{Name: sc.Name, Value: sc.Raw, SetCookie: &sc}); err != nil {
					return h.fail("", err)
				}
			}
		case side == "request" && strings.EqualFold(hd.Name, "Cookie"):
			cs, _ := codec.ParseCookieHeader(hd.Value)
			if len(cs) == 0 {
				continue
			}
			fromHeaders = true
			for _, c := range cs {
				if err := emit(HARCookie{Name: c.Name, Value: c.Raw}); err != nil {
					return h.fail("", err)
				}
			}
		}
	}
	if fromHeaders {
		return nil
	}
	for _, c := range cookies {
		hc := HARCookie{Name: c.Name, Value: c.Value}
		if side == "response" {
			sc := &codec.SetCookie{Name: c.Name, Raw: c.Value, Path: c.Path, Domain: c.Domain, Secure: c.Secure, HTTPOnly: c.HTTPOnly}
			if c.SameSite != "" {
				v := c.SameSite
				sc.Extensions = append(sc.Extensions, codec.Extension{Name: "SameSite", Value: &v})
			}
			if c.Expires != nil {
				sc.ExpiresRaw = *c.Expires
				if t, err := parseHARTime(*c.Expires); err == nil {
					sc.Expires = &t
				}
			}
			hc.SetCookie = sc
		}
		if err := emit(hc); err != nil {
			return h.fail("", err)
		}
	}
	return nil
}

func parseHARTime(s string) (t time.Time, err error) {
	return time.Parse(time.RFC3339Nano, s)
}
