package sessions

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"sync"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// Sessions is Ktor's Sessions plugin as net/http middleware: it holds the
// providers and, through Handler, gives every request its current sessions.
// It is safe for concurrent use.
type Sessions struct {
	providers []*provider
	byName    map[string]int
	byType    map[reflect.Type]int
}

// New checks the providers and returns the middleware. Names must be unique;
// several providers may hold the same Go type, the first one then serves
// Get/Set/Clear by type and the others are reached by name.
func New(providers ...Provider) (*Sessions, error) {
	s := &Sessions{byName: map[string]int{}, byType: map[reflect.Type]int{}}
	var errs []error
	for i, pv := range providers {
		p := pv.p
		if p == nil {
			errs = append(errs, &Error{Op: "new", Kind: ErrConfig, Detail: "provider " + strconv.Itoa(i+1) + " is the zero Provider"})
			continue
		}
		if p.err != nil {
			errs = append(errs, p.err)
			continue
		}
		if _, dup := s.byName[p.name]; dup {
			errs = append(errs, &Error{Provider: p.name, Op: "new", Kind: ErrConfig, Detail: "another provider has the same name"})
			continue
		}
		s.byName[p.name] = len(s.providers)
		if _, ok := s.byType[p.typ]; !ok {
			s.byType[p.typ] = len(s.providers)
		}
		s.providers = append(s.providers, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

type ctxKey struct{}

// Handler wraps next: the request's sessions are read when first asked for,
// and every change is written to the response (Set-Cookie, the header, the
// storage) once, just before the first byte of the response: on the first
// Write, WriteHeader or Flush, or when next returns without writing.
func (s *Sessions) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{s: s, data: make([]slot, len(s.providers))}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, st))
		st.req = r
		rw := &responseWriter{ResponseWriter: w, st: st}
		st.w = w
		next.ServeHTTP(rw, r)
		rw.commit()
	})
}

// slot is one provider's session on one request.
type slot struct {
	loaded   bool
	incoming bool   // the request carried a readable transport value
	loadedOK bool   // a session was read
	id       string // by id: the id read (dropped when stale)
	hasID    bool
	old      any    // the session read
	oldText  string // its serialized form
	new      any    // the session set
	newText  string // its serialized form
	newWire  string // by value: its transformed form
	set      bool
	cleared  bool
	loadErr  error // a storage failure while loading
}

// state is the per-request session data (Ktor's SessionData).
type state struct {
	s    *Sessions
	req  *http.Request
	w    http.ResponseWriter
	mu   sync.Mutex
	data []slot
	done bool
}

func fromRequest(r *http.Request) (*state, error) {
	if r == nil {
		return nil, &Error{Kind: ErrNotInstalled, Detail: "nil request"}
	}
	st, _ := r.Context().Value(ctxKey{}).(*state)
	if st == nil {
		return nil, &Error{Kind: ErrNotInstalled}
	}
	return st, nil
}

// load reads provider i's session from the request once. Called with st.mu held.
func (st *state) load(i int) *slot {
	d := &st.data[i]
	if d.loaded {
		return d
	}
	d.loaded = true
	p := st.s.providers[i]
	raw, ok := p.receive(st.req)
	if !ok {
		return d
	}
	text, _, err := p.chain.Read(raw)
	if err != nil {
		st.invalid(p, "transform", err)
		return d
	}
	d.incoming = true
	if p.store != nil {
		id := text
		d.id, d.hasID = id, true
		stored, err := p.store.Read(st.req.Context(), id)
		if err != nil {
			d.id, d.hasID = "", false // Ktor drops an id it could not find
			switch {
			case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrBadID), errors.Is(err, storage.ErrEmpty):
				st.invalid(p, "storage read", err)
			default:
				d.loadErr = &Error{Provider: p.name, Type: p.typ.String(), Op: "storage read", Kind: ErrStorage, Err: err}
				d.incoming = false
			}
			return d
		}
		text = stored
	}
	v, err := p.deserialize(text)
	if err != nil {
		// By id, the stored session is left alone (another service may own
		// its format): the id is dropped as if it were stale.
		d.id, d.hasID = "", false
		st.invalid(p, "deserialize", err)
		return d
	}
	d.old, d.oldText, d.loadedOK = v, text, true
	return d
}

func (st *state) invalid(p *provider, op string, err error) {
	if p.onError != nil {
		p.onError(st.req, &Error{Provider: p.name, Type: p.typ.String(), Op: op, Kind: ErrInvalid, Err: err})
	}
}

// receive is SessionTransport.receive before the transformers: the raw value
// of the cookie (decoded with the encoding Ktor's server reads with) or of
// the header.
func (p *provider) receive(r *http.Request) (string, bool) {
	if !p.cookie {
		vs := r.Header.Values(p.name)
		if len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	var raw string
	found := false
	for _, h := range r.Header.Values("Cookie") {
		cs, err := codec.ParseCookieHeaderFor(h, p.profile)
		if err != nil {
			continue
		}
		for _, c := range cs {
			if c.Name == p.name {
				raw, found = c.Raw, true // Ktor keeps the last value of a name
			}
		}
	}
	if !found {
		return "", false
	}
	v, err := codec.Decode(raw, p.readEnc, p.profile)
	if err != nil {
		return "", false
	}
	return v, true
}

// commit writes every change to the response headers and the storages, once.
func (st *state) commit() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return nil
	}
	st.done = true
	var first error
	for i, p := range st.s.providers {
		d := &st.data[i]
		if !d.loaded {
			continue // never asked for: left as it is
		}
		if err := st.send(p, d); err != nil {
			if p.onError != nil {
				p.onError(st.req, err)
			}
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// send is Ktor's sendSessionData for one provider, by release.
func (st *state) send(p *provider, d *slot) error {
	var text string
	var store, clear bool
	if p.sendOnlySet {
		// Ktor 2.3.1 on: only a set session is sent; a session that was
		// cleared, or that came in and could not be read, is cleared off.
		switch {
		case d.set:
			if p.onlyIfMod && d.incoming && d.loadedOK && d.newText == d.oldText {
				return nil
			}
			text, store = d.newText, true
		case d.incoming && (!d.loadedOK || d.cleared):
			clear = true
		}
	} else {
		// Before 2.3.1: the current session (read or set) is sent on every
		// response; one that came in and is now gone is cleared off.
		// Before 1.4.1 only a session that could be read "came in".
		incoming := d.loadedOK || (p.incomingBad && d.incoming)
		switch {
		case d.set:
			text, store = d.newText, true
		case d.loadedOK && !d.cleared:
			text, store = d.oldText, true
		case incoming:
			clear = true
		}
	}
	h := st.w.Header()
	switch {
	case clear:
		if p.cookie {
			line, err := codec.RenderClearCookie(p.name, p.cfg, p.profile)
			if err != nil {
				return &Error{Provider: p.name, Op: "commit", Kind: ErrEncode, Err: err}
			}
			h.Add("Set-Cookie", line)
		}
		if p.store != nil && d.hasID {
			id := d.id
			d.id, d.hasID = "", false
			if err := p.store.Invalidate(st.req.Context(), id); err != nil {
				return &Error{Provider: p.name, Op: "storage invalidate", Kind: ErrStorage, Err: err}
			}
		}
	case store:
		wire := text
		if p.store != nil {
			if !d.hasID {
				id, err := p.newID()
				if err != nil {
					return &Error{Provider: p.name, Op: "new id", Kind: ErrStorage, Err: err}
				}
				d.id, d.hasID = id, true
			}
			if err := p.store.Write(st.req.Context(), d.id, text); err != nil {
				return &Error{Provider: p.name, Op: "storage write", Kind: ErrStorage, Err: err}
			}
			wire = d.id
		} else if d.set && text == d.newText {
			return p.sendTransformed(h, d.newWire)
		}
		return p.sendWire(h, wire)
	}
	return nil
}

// sendWire is SessionTransport.send: transform, then the cookie or header.
func (p *provider) sendWire(h http.Header, wire string) error {
	out, err := p.chain.Write(wire)
	if err != nil {
		return &Error{Provider: p.name, Op: "transform", Kind: ErrEncode, Err: err}
	}
	return p.sendTransformed(h, out)
}

func (p *provider) sendTransformed(h http.Header, out string) error {
	if !p.cookie {
		h.Set(p.name, out)
		return nil
	}
	line, err := codec.RenderSetCookie(p.name, out, p.cfg, p.now(), p.profile)
	if err != nil {
		return &Error{Provider: p.name, Op: "set-cookie", Kind: ErrEncode, Err: err}
	}
	h.Add("Set-Cookie", line)
	return nil
}

// responseWriter commits the sessions before the first byte of the response.
type responseWriter struct {
	http.ResponseWriter
	st     *state
	failed error
	once   bool
}

func (w *responseWriter) commit() {
	if w.once {
		return
	}
	w.once = true
	w.failed = w.st.commit()
}

// WriteHeader commits the sessions, then writes the status. When writing a
// session failed (its storage is down), the status becomes 500 and the body
// is dropped, as an exception in Ktor's send pipeline would do.
func (w *responseWriter) WriteHeader(code int) {
	if !w.once {
		w.commit()
		if w.failed != nil {
			w.ResponseWriter.WriteHeader(http.StatusInternalServerError)
			return
		}
	}
	if w.failed != nil {
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.once {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed != nil {
		return 0, w.failed
	}
	return w.ResponseWriter.Write(b)
}

// Flush commits the sessions and flushes, if the underlying writer can.
func (w *responseWriter) Flush() {
	if !w.once {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok && w.failed == nil {
		f.Flush()
	}
}

// Hijack commits the sessions (nothing more can be sent through HTTP after)
// and hands over the connection, if the underlying writer can.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.commit()
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
