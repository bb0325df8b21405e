package sessions

import (
	"errors"
	"strings"
)

// Sentinel errors, usable with errors.Is on every error of this package.
var (
	// ErrNotInstalled: the request did not go through Sessions.Handler
	// (Ktor: SessionNotYetConfiguredException / MissingApplicationPluginException).
	ErrNotInstalled = errors.New("sessions: request did not go through Sessions.Handler")
	// ErrNoProvider: no provider handles the session type or name asked for
	// (Ktor: "Session data for type `T` was not registered").
	ErrNoProvider = errors.New("sessions: no provider for this session")
	// ErrWrongType: the named provider holds sessions of another Go type.
	ErrWrongType = errors.New("sessions: provider holds another session type")
	// ErrTooLate: the response has already started, the session can no longer
	// change (Ktor: TooLateSessionSetException).
	ErrTooLate = errors.New("sessions: too late to change the session, the response has started")
	// ErrInvalid: the request carried a session that cannot be read (bad
	// encoding, tampered or undecodable value, stale or bad id). The request
	// has no session; the error only reaches the provider's error hook.
	ErrInvalid = errors.New("sessions: invalid session in request")
	// ErrStorage: the session storage failed (not a missing session: an I/O
	// or network failure).
	ErrStorage = errors.New("sessions: storage failed")
	// ErrEncode: a session value cannot be serialized, transformed or put on
	// its transport.
	ErrEncode = errors.New("sessions: cannot encode session")
	// ErrConfig: a provider or the Sessions set is misconfigured; New returns it.
	ErrConfig = errors.New("sessions: invalid configuration")
)

// Error is the error type of this package. Kind is one of the sentinels;
// Err, when not nil, is the underlying cause (a *transform.ReadError, a
// *codec.Error, a *serializer.DecodeError, a *storage.Error...). Both are
// reachable with errors.Is and errors.As.
type Error struct {
	Provider string // provider name, "" when none applies
	Type     string // Go session type, "" when none applies
	Op       string // "get", "set", "clear", "read cookie", "transform", "deserialize", "storage read", "commit", "new"...
	Kind     error  // one of the sentinels
	Err      error  // the cause, may be nil
	Detail   string // what exactly is wrong; never key bytes
}

func (e *Error) Error() string {
	s := "sessions: "
	if e.Op != "" {
		s += e.Op + ": "
	}
	if e.Provider != "" {
		s += "provider " + quote(e.Provider) + ": "
	}
	if e.Type != "" && e.Provider == "" {
		s += "type " + e.Type + ": "
	}
	s += strings.TrimPrefix(e.Kind.Error(), "sessions: ")
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func quote(s string) string { return "\"" + s + "\"" }
