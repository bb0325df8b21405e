package sessions

import (
	"errors"
	"net/http"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// Tracker is Ktor's SessionTracker over serialized sessions: it turns what
// the transport carries (after the transformers) into the session's text and
// back. ByValue (the text itself travels) and ByID (an id travels, the text
// is in a storage) are the built-in trackers; WithTracker takes any other.
//
// Ktor's trackers keep per-call state in the call's attributes (the session
// id); here the middleware hands it back: value is what Load accepted on this
// request, had is false when Load accepted nothing (no session came in, or
// the one that came in was not found). An implementation must be safe for
// concurrent use by many requests.
type Tracker interface {
	// Load returns the session text for value. An error wrapping ErrInvalid,
	// storage.ErrNotFound, storage.ErrBadID or storage.ErrEmpty means the
	// request has no session (the error hook is told why); any other error
	// is a failure that Get returns.
	Load(r *http.Request, value string) (text string, err error)
	// Store keeps text and returns what the transport sends.
	Store(r *http.Request, value string, had bool, text string) (string, error)
	// Clear ends the session Load accepted (had false: none came in).
	Clear(r *http.Request, value string, had bool) error
}

// IDClearer is a Tracker that can end a stored session by its id alone:
// Ktor 3.5's SessionTrackerById.clearById, behind ClearID.
type IDClearer interface {
	ClearID(r *http.Request, id string) error
}

// noSession reports whether a Tracker.Load error means "no session".
func noSession(err error) bool {
	return errors.Is(err, ErrInvalid) || errors.Is(err, storage.ErrNotFound) ||
		errors.Is(err, storage.ErrBadID) || errors.Is(err, storage.ErrEmpty)
}

// byValue is Ktor's SessionTrackerByValue.
type byValue struct{}

func (byValue) Load(_ *http.Request, v string) (string, error)                    { return v, nil }
func (byValue) Store(_ *http.Request, _ string, _ bool, t string) (string, error) { return t, nil }
func (byValue) Clear(*http.Request, string, bool) error                           { return nil }

// byID is Ktor's SessionTrackerById: the transport carries the id; a new
// session gets one from the generator when it is first stored.
type byID struct {
	store storage.Storage
	newID func(*http.Request) (string, error)
}

func (t *byID) Load(r *http.Request, id string) (string, error) {
	return t.store.Read(r.Context(), id)
}

func (t *byID) Store(r *http.Request, id string, had bool, text string) (string, error) {
	if !had {
		var err error
		if id, err = t.newID(r); err != nil {
			return "", &idError{err}
		}
	}
	if err := t.store.Write(r.Context(), id, text); err != nil {
		return "", err
	}
	return id, nil
}

func (t *byID) Clear(r *http.Request, id string, had bool) error {
	if !had {
		return nil
	}
	return t.store.Invalidate(r.Context(), id)
}

func (t *byID) ClearID(r *http.Request, id string) error {
	return t.store.Invalidate(r.Context(), id)
}

// idError marks a failure of the id generator (Op "new id").
type idError struct{ err error }

func (e *idError) Error() string { return e.err.Error() }
func (e *idError) Unwrap() error { return e.err }
