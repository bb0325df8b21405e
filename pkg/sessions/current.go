package sessions

import (
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
	st.mu.Lock()
	defer st.mu.Unlock()
	d := st.load(i)
	switch {
	case d.set:
		return d.new.(T), true, nil
	case d.cleared:
		return v, false, nil
	case d.loadErr != nil:
		return v, false, d.loadErr
	case d.loadedOK:
		return d.old.(T), true, nil
	}
	return v, false, nil
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
	p := st.s.providers[i]
	text, err := p.serialize(v)
	if err != nil {
		return &Error{Provider: p.name, Type: p.typ.String(), Op: "set", Kind: ErrEncode, Detail: "serialize", Err: err}
	}
	var wire string
	if p.store == nil {
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
	d.new, d.newText, d.newWire, d.set, d.cleared = v, text, wire, true, false
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
	p := st.s.providers[i]
	if p.store == nil {
		return "", false, &Error{Provider: p.name, Type: p.typ.String(), Op: "id", Kind: ErrNoProvider, Detail: "the provider keeps its session by value, it has no id"}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	d := st.load(i)
	if d.loadErr != nil {
		return "", false, d.loadErr
	}
	return d.id, d.hasID, nil
}

func lookupType[T any](r *http.Request, op string) (*state, int, error) {
	st, err := fromRequest(r)
	typ := reflect.TypeFor[T]()
	if err != nil {
		err.(*Error).Op, err.(*Error).Type = op, typ.String()
		return nil, 0, err
	}
	i, ok := st.s.byType[typ]
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
