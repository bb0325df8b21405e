package sessions

import (
	"fmt"
	"net/http"
	"reflect"
)

// Get returns the request's session of type T: Ktor's call.sessions.get<T>().
// ok is false when the request has no session (none sent, or one that could
// not be read: tampered, undecodable, stale; the provider's error hook says
// why). err is not nil only when the session cannot be looked at: no provider
// for T, the middleware not installed, or a storage failure.
func Get[T any](r *http.Request) (v T, ok bool, err error) {
	st, i, err := lookupType[T](r, "get")
	if err != nil {
		return v, false, err
	}
	return get[T](st, i)
}

// GetNamed is Get for the provider called name.
func GetNamed[T any](r *http.Request, name string) (v T, ok bool, err error) {
	st, i, err := lookupName[T](r, name, "get")
	if err != nil {
		return v, false, err
	}
	return get[T](st, i)
}

func get[T any](st *state, i int) (v T, ok bool, err error) {
	b, ok, err := getBoxed(st, i)
	if ok {
		v = *b.(*T)
	}
	return v, ok, err
}

// getBoxed is get with the session as the slot holds it: a *T.
func getBoxed(st *state, i int) (any, bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	d := st.load(i)
	switch {
	case d.set:
		return d.new, true, nil
	case d.cleared:
		return nil, false, nil
	case d.loadErr != nil:
		return nil, false, d.loadErr
	case d.loadedOK:
		return d.old, true, nil
	}
	return nil, false, nil
}

// Set makes v the request's session of type T: Ktor's call.sessions.set(v).
// It is written to the response before its first byte. v is serialized and
// transformed now, so an unencodable value is an error here, not later.
func Set[T any](r *http.Request, v T) error {
	st, i, err := lookupType[T](r, "set")
	if err != nil {
		return err
	}
	return set(st, i, v)
}

// SetNamed is Set for the provider called name.
func SetNamed[T any](r *http.Request, name string, v T) error {
	st, i, err := lookupName[T](r, name, "set")
	if err != nil {
		return err
	}
	return set(st, i, v)
}

func set[T any](st *state, i int, v T) error {
	pv := new(T)
	*pv = v
	return setBoxed(st, i, pv)
}

// setBoxed is set with the session as the slot holds it: a *T.
func setBoxed(st *state, i int, pv any) error {
	p := st.s.providers[i]
	text, err := p.serialize(pv)
	if err != nil {
		return &Error{Provider: p.name, Type: p.typ.String(), Op: "set", Kind: ErrEncode, Detail: "serialize", Err: err}
	}
	var wire string
	if p.byValue {
		// Transform now: the value must be able to travel (transformers,
		// cookie encoding), and the work is not done twice.
		if wire, err = p.check(text); err != nil {
			return err
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return &Error{Provider: p.name, Type: p.typ.String(), Op: "set", Kind: ErrTooLate}
	}
	d := st.load(i)
	if d.loadErr != nil {
		return d.loadErr // an id that might exist cannot be replaced blindly
	}
	d.new, d.newText, d.newWire, d.set, d.cleared = pv, text, wire, true, false
	return nil
}

// Clear removes the request's session of type T: Ktor's
// call.sessions.clear<T>(). A cookie is expired, a stored session
// invalidated, when the response starts.
func Clear[T any](r *http.Request) error {
	st, i, err := lookupType[T](r, "clear")
	if err != nil {
		return err
	}
	return clearSlot(st, i)
}

// ClearNamed is Clear for the provider called name.
func ClearNamed[T any](r *http.Request, name string) error {
	st, i, err := lookupName[T](r, name, "clear")
	if err != nil {
		return err
	}
	return clearSlot(st, i)
}

func clearSlot(st *state, i int) error {
	p := st.s.providers[i]
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return &Error{Provider: p.name, Type: p.typ.String(), Op: "clear", Kind: ErrTooLate}
	}
	d := st.load(i)
	if d.loadErr != nil {
		return d.loadErr
	}
	d.new, d.newText, d.newWire, d.set, d.cleared = nil, "", "", false, true
	return nil
}

// GetOrSet returns the request's session of type T, or sets and returns
// create() when there is none: Ktor's call.sessions.getOrSet { … }.
func GetOrSet[T any](r *http.Request, create func() T) (T, error) {
	v, ok, err := Get[T](r)
	if err != nil || ok {
		return v, err
	}
	if create == nil {
		var zero T
		return zero, &Error{Type: reflect.TypeFor[T]().String(), Op: "get or set", Kind: ErrConfig, Detail: "nil create function"}
	}
	v = create()
	return v, Set(r, v)
}

// ID returns the session id of the by-id provider of type T as the request
// carried it or as it will be sent (Ktor's call.sessionId<T>()); ok is false
// when there is none yet. A new session gets its id when the response starts.
func ID[T any](r *http.Request) (id string, ok bool, err error) {
	st, i, err := lookupType[T](r, "id")
	if err != nil {
		return "", false, err
	}
	return sessionID(st, i)
}

// IDNamed is ID for the provider called name (Ktor's call.sessionId(name)).
func IDNamed[T any](r *http.Request, name string) (id string, ok bool, err error) {
	st, i, err := lookupName[T](r, name, "id")
	if err != nil {
		return "", false, err
	}
	return sessionID(st, i)
}

func sessionID(st *state, i int) (string, bool, error) {
	p := st.s.providers[i]
	if p.byID == nil {
		return "", false, &Error{Provider: p.name, Type: p.typ.String(), Op: "id", Kind: ErrNoProvider, Detail: "the provider does not keep its session by id"}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	d := st.load(i)
	if d.loadErr != nil {
		return "", false, d.loadErr
	}
	if !d.hasT {
		return "", false, nil
	}
	return d.tval, true, nil
}

// ClearID ends the stored session id of the by-id provider of type T,
// whichever client holds it: Ktor 3.5's call.sessions.clear<T>(sessionId)
// (SessionTrackerById.clearById: storage.invalidate). It goes through the
// provider's storage, so a storage.Cache forgets the id at once. An id that
// names no session succeeds, as Ktor's invalidate does. It works after the
// response has started too.
//
// When id is the request's own session, that session ends on this request
// as well: Get no longer returns it, and a Set in the same request stores
// the new session under a new id, never under the one just ended. (Ktor
// 3.5 keeps returning the value it loaded until the call ends, and would
// store a later set under the ended id.)
func ClearID[T any](r *http.Request, id string) error {
	st, i, err := lookupType[T](r, "clear id")
	if err != nil {
		return err
	}
	return clearID(st, i, id)
}

// ClearIDNamed is ClearID for the provider called name.
func ClearIDNamed[T any](r *http.Request, name, id string) error {
	st, i, err := lookupName[T](r, name, "clear id")
	if err != nil {
		return err
	}
	return clearID(st, i, id)
}

func clearID(st *state, i int, id string) error {
	p := st.s.providers[i]
	c, ok := p.tracker.(IDClearer)
	if !ok {
		return &Error{Provider: p.name, Type: p.typ.String(), Op: "clear id", Kind: ErrNoProvider,
			Detail: "the provider does not keep its session by id (Ktor: Session provider doesn't use session IDs)"}
	}
	if err := c.ClearID(st.req, id); err != nil {
		return &Error{Provider: p.name, Type: p.typ.String(), Op: "clear id", Kind: ErrStorage, Err: err}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if d := &st.data[i]; d.loaded && d.hasT && d.tval == id {
		d.hasT = false
		if d.loadedOK {
			d.old, d.oldText, d.loadedOK = nil, "", false // came in, now gone: v3 clears the cookie
		}
	}
	return nil
}

func lookupType[T any](r *http.Request, op string) (*state, int, error) {
	st, err := fromRequest(r)
	typ := reflect.TypeFor[T]()
	if err != nil {
		err.(*Error).Op, err.(*Error).Type = op, typ.String()
		return nil, 0, err
	}
	i, ok := st.s.indexOfType(typ)
	if !ok {
		return nil, 0, &Error{Type: typ.String(), Op: op, Kind: ErrNoProvider, Detail: "no provider was registered for type " + typ.String()}
	}
	return st, i, nil
}

func lookupName[T any](r *http.Request, name, op string) (*state, int, error) {
	st, err := fromRequest(r)
	typ := reflect.TypeFor[T]()
	if err != nil {
		err.(*Error).Op, err.(*Error).Type = op, typ.String()
		return nil, 0, err
	}
	i, ok := st.s.byName[name]
	if !ok {
		return nil, 0, &Error{Provider: name, Type: typ.String(), Op: op, Kind: ErrNoProvider, Detail: "no provider was registered with this name"}
	}
	if p := st.s.providers[i]; p.typ != typ {
		return nil, 0, &Error{Provider: name, Type: typ.String(), Op: op, Kind: ErrWrongType, Detail: "it holds " + p.typ.String() + ", not " + typ.String()}
	}
	return st, i, nil
}

// CurrentSession is Ktor's CurrentSession (call.sessions) without types:
// sessions reached by provider name, their values as any. Get it with
// Current; it is valid for the request it came from.
type CurrentSession struct{ st *state }

// Current returns the request's sessions, to be reached by provider name.
func Current(r *http.Request) (*CurrentSession, error) {
	st, err := fromRequest(r)
	if err != nil {
		err.(*Error).Op = "current"
		return nil, err
	}
	return &CurrentSession{st}, nil
}

func (c *CurrentSession) index(name, op string) (int, error) {
	i, ok := c.st.s.byName[name]
	if !ok {
		return 0, &Error{Provider: name, Op: op, Kind: ErrNoProvider, Detail: "no provider was registered with this name (Ktor: Session data for `" + name + "` was not registered)"}
	}
	return i, nil
}

// Get is call.sessions.get(name): the session of the provider called name,
// ok false when there is none. It behaves as Get.
func (c *CurrentSession) Get(name string) (v any, ok bool, err error) {
	i, err := c.index(name, "get")
	if err != nil {
		return nil, false, err
	}
	b, ok, err := getBoxed(c.st, i)
	if ok {
		return c.st.s.providers[i].unbox(b), true, nil
	}
	return nil, false, err
}

// Set is call.sessions.set(name, value). v must hold the provider's Go
// session type, else the error is ErrWrongType (Ktor's tracker.validate:
// IllegalArgumentException); a nil v is refused the same way (use Clear).
func (c *CurrentSession) Set(name string, v any) error {
	i, err := c.index(name, "set")
	if err != nil {
		return err
	}
	p := c.st.s.providers[i]
	if v == nil || !p.isType(v) {
		return &Error{Provider: name, Type: p.typ.String(), Op: "set", Kind: ErrWrongType,
			Detail: fmt.Sprintf("value of type %T for a provider of %s", v, p.typ)}
	}
	return setBoxed(c.st, i, p.box(v))
}

// Clear is call.sessions.clear(name).
func (c *CurrentSession) Clear(name string) error {
	i, err := c.index(name, "clear")
	if err != nil {
		return err
	}
	return clearSlot(c.st, i)
}

// ClearID is Ktor 3.5's call.sessions.clear(name, sessionId): ClearID for
// the provider called name.
func (c *CurrentSession) ClearID(name, id string) error {
	i, err := c.index(name, "clear id")
	if err != nil {
		return err
	}
	return clearID(c.st, i, id)
}

// ID is Ktor's call.sessionId(name) for the by-id provider called name.
func (c *CurrentSession) ID(name string) (string, bool, error) {
	i, err := c.index(name, "id")
	if err != nil {
		return "", false, err
	}
	return sessionID(c.st, i)
}

// FindName is call.sessions.findName(type): the name of the provider that
// serves the Go type t (the first one, under Ktor 1.0.0's rules).
func (c *CurrentSession) FindName(t reflect.Type) (string, error) {
	i, ok := c.st.s.byType[t]
	if !ok {
		ts := "<nil>"
		if t != nil {
			ts = t.String()
		}
		return "", &Error{Type: ts, Op: "find name", Kind: ErrNoProvider, Detail: "no provider was registered for type " + ts}
	}
	return c.st.s.providers[i].name, nil
}

// Names lists the provider names, in the order given to New.
func (c *CurrentSession) Names() []string {
	out := make([]string, len(c.st.s.providers))
	for i, p := range c.st.s.providers {
		out[i] = p.name
	}
	return out
}
