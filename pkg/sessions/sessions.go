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

	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Sessions is Ktor's Sessions plugin as net/http middleware: it holds the
// providers and, through Handler, gives every request its current sessions.
// It is safe for concurrent use.
type Sessions struct {
	providers []*provider
	byName    map[string]int
	byType    map[reflect.Type]int
}

// New checks the providers and returns the middleware. Names must be unique.
// Two providers of one Go session type are refused, as Ktor 1.2.0 and later
// refuse them; only when both reproduce Ktor 1.0.0 (WithProfile("1.0"),
// which did not check) are they accepted, the first then serving the type
// and the other reached by name.
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
		if j, dup := s.byType[p.typ]; dup {
			q := s.providers[j]
			if p.profile.UniqueSessionTypes() || q.profile.UniqueSessionTypes() {
				errs = append(errs, &Error{Provider: p.name, Type: p.typ.String(), Op: "new", Kind: ErrConfig,
					Detail: "provider " + quote(q.name) + " already holds " + p.typ.String() +
						" (Ktor 1.2.0 and later: There is already registered session provider for type); give each session a Go type of its own"})
				continue
			}
		} else {
			s.byType[p.typ] = len(s.providers)
		}
		s.byName[p.name] = len(s.providers)
		s.providers = append(s.providers, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// indexOfType is the provider that serves typ: the first of that type (a
// scan beats the map for the few providers a service has).
func (s *Sessions) indexOfType(typ reflect.Type) (int, bool) {
	if len(s.providers) > 8 {
		i, ok := s.byType[typ]
		return i, ok
	}
	for i, p := range s.providers {
		if p.typ == typ {
			return i, true
		}
	}
	return 0, false
}

type ctxKey struct{}

// Handler wraps next: the request's sessions are read when first asked for
// (or, with LoadEagerly, before next runs), and every change is written to
// the response (Set-Cookie, the header, the storage) once, just before the
// first byte of the response: on the first Write, WriteHeader or Flush, or
// when next returns without writing.
func (s *Sessions) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{Context: r.Context(), s: s, w: w}
		if n := len(s.providers); n <= len(st.inline) {
			st.data = st.inline[:n]
		} else {
			st.data = make([]slot, n)
		}
		r = r.WithContext(st)
		st.req = r
		st.rw = responseWriter{ResponseWriter: w, st: st}
		for i, p := range s.providers {
			if p.eager {
				if d := st.load(i); d.loadErr != nil && p.onError != nil {
					p.onError(r, d.loadErr)
				}
			}
		}
		next.ServeHTTP(&st.rw, r)
		st.rw.commit()
	})
}

// slot is one provider's session on one request.
type slot struct {
	loaded   bool
	incoming bool   // the request carried a readable transport value
	loadedOK bool   // a session was read
	tval     string // the tracker's transport value (by id: the id) as read or stored
	hasT     bool   // false: none, or dropped (stale id, undecodable session)
	stale    int    // stale bits of the session read
	old      any    // the session read
	oldText  string // its serialized form
	new      any    // the session set
	newText  string // its serialized form
	newWire  string // built-in by value: its transformed form
	set      bool
	cleared  bool
	loadErr  error // a storage failure while loading
}

// state is the per-request session data (Ktor's SessionData). It is also
// the request's context, so that the request is copied once.
type state struct {
	context.Context
	s      *Sessions
	req    *http.Request
	w      http.ResponseWriter
	mu     sync.Mutex
	data   []slot
	inline [2]slot
	done   bool
	rw     responseWriter
}

// Value finds the state in the request's context.
func (st *state) Value(k any) any {
	if _, ok := k.(ctxKey); ok {
		return st
	}
	return st.Context.Value(k)
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

// load reads provider i's session from the request once. Called with st.mu
// held (or before the handler runs).
func (st *state) load(i int) *slot {
	d := &st.data[i]
	if d.loaded {
		return d
	}
	d.loaded = true
	p := st.s.providers[i]
	raw, ok := p.transport.Receive(st.req)
	if !ok {
		return d
	}
	stale := 0
	var text string
	var err error
	if len(p.keys) == 0 {
		text, err = p.chain.ReadFunc(raw, nil)
	} else {
		text, err = p.chain.ReadFunc(raw, func(step int, info transform.ReadInfo) { stale |= p.count(step, &info) })
	}
	if err != nil {
		st.invalid(p, "transform", err)
		return d
	}
	d.incoming = true
	stored, err := p.tracker.Load(st.req, text)
	if err != nil {
		if noSession(err) {
			// Ktor drops an id it could not find
			st.invalid(p, p.loadOp, err)
		} else {
			d.loadErr = &Error{Provider: p.name, Type: p.typ.String(), Op: p.loadOp, Kind: ErrStorage, Err: err}
			d.incoming = false
		}
		return d
	}
	v, err := p.deserialize(stored)
	if err != nil && p.deserializeTx != nil && serializer.DetectFormat(stored) == serializer.FormatText {
		if tv, terr := p.deserializeTx(stored); terr == nil {
			v, err = tv, nil
			stale |= staleSerializer
			p.stats.text.Add(1)
		}
	}
	if err != nil {
		// By id, the stored session is left alone (another service may own
		// its format): the id is dropped as if it were stale.
		st.invalid(p, "deserialize", err)
		return d
	}
	d.tval, d.hasT = text, true
	d.old, d.oldText, d.loadedOK, d.stale = v, stored, true, stale
	p.stats.read.Add(1)
	return d
}

func (st *state) invalid(p *provider, op string, err error) {
	if p.onError != nil {
		p.onError(st.req, &Error{Provider: p.name, Type: p.typ.String(), Op: op, Kind: ErrInvalid, Err: err})
	}
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
	var store, clear, asRead bool
	if p.sendOnlySet {
		// Ktor 2.3.1 on: only a set session is sent; a session that was
		// cleared, or that came in and could not be read, is cleared off.
		switch {
		case d.set:
			if p.onlyIfMod && d.incoming && d.loadedOK && d.newText == d.oldText && d.stale == 0 {
				return nil
			}
			text, store = d.newText, true
		case d.incoming && (!d.loadedOK || d.cleared):
			clear = true
		case p.rotate && d.loadedOK && d.stale != 0:
			text, store, asRead = d.oldText, true, true
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
			text, store, asRead = d.oldText, true, true
		case incoming:
			clear = true
		}
	}
	h := st.w.Header()
	switch {
	case clear:
		if err := p.transport.Clear(h, st.req); err != nil {
			return &Error{Provider: p.name, Op: "commit", Kind: ErrEncode, Err: err}
		}
		had := d.hasT
		d.hasT = false
		if err := p.tracker.Clear(st.req, d.tval, had); err != nil {
			op := "tracker clear"
			if p.byID != nil {
				op = "storage invalidate"
			}
			return &Error{Provider: p.name, Op: op, Kind: ErrStorage, Err: err}
		}
	case store:
		if asRead && d.stale&staleSerializer != 0 {
			var err error
			if text, err = p.serialize(d.old); err != nil {
				return &Error{Provider: p.name, Op: "commit", Kind: ErrEncode, Detail: "serialize", Err: err}
			}
		}
		var wire string
		switch {
		case asRead && d.stale&staleSerializer == 0 && p.byID != nil && d.hasT:
			wire = d.tval // the stored text is current: only the transport value is re-issued
		case p.byValue && d.set && text == d.newText:
			if err := p.sendTransformed(h, st.req, d.newWire); err != nil {
				return err
			}
			return nil
		default:
			var err error
			if wire, err = p.tracker.Store(st.req, d.tval, d.hasT, text); err != nil {
				op := "tracker store"
				if ie, ok := err.(*idError); ok {
					return &Error{Provider: p.name, Op: "new id", Kind: ErrStorage, Err: ie.err}
				}
				if p.byID != nil {
					op = "storage write"
				}
				return &Error{Provider: p.name, Op: op, Kind: ErrStorage, Err: err}
			}
			d.tval, d.hasT = wire, true
		}
		if err := p.sendWire(h, st.req, wire); err != nil {
			return err
		}
		if asRead && d.stale != 0 {
			p.stats.reissued.Add(1)
		}
	}
	return nil
}

// sendWire is SessionTransport.send: transform, then the transport.
func (p *provider) sendWire(h http.Header, r *http.Request, wire string) error {
	out, err := p.chain.Write(wire)
	if err != nil {
		return &Error{Provider: p.name, Op: "transform", Kind: ErrEncode, Err: err}
	}
	return p.sendTransformed(h, r, out)
}

func (p *provider) sendTransformed(h http.Header, r *http.Request, out string) error {
	if err := p.transport.Send(h, r, out); err != nil {
		op := "send"
		if p.cookie != nil {
			op = "set-cookie"
		}
		return &Error{Provider: p.name, Op: op, Kind: ErrEncode, Err: err}
	}
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
