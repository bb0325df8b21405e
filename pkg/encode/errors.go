package encode

import "errors"

// Sentinel errors, usable with errors.Is on every error of this package.
var (
	// ErrSession: the session given cannot be serialized (not a JSON object, a field given twice,
	// a value the provider's format cannot hold).
	ErrSession = errors.New("encode: the session cannot be serialized")
	// ErrWrite: a transformer of the provider's chain refused to write.
	ErrWrite = errors.New("encode: the provider's chain cannot write")
	// ErrCookie: the transport value cannot be cookie-encoded, or the Set-Cookie line rendered.
	ErrCookie = errors.New("encode: cannot render the cookie")
	// ErrTransport: a Set-Cookie line was asked of a provider that uses the header transport.
	ErrTransport = errors.New("encode: not a cookie provider")
)

// Error is every error of this package.
type Error struct {
	Provider string // the provider's name
	Op       string // "json", "fields", "write", "cookie", "set-cookie"
	Err      error  // one of the sentinels
	Cause    error  // the underlying error (serializer, transform, codec); may be nil
	msg      string
}

func (e *Error) Error() string { return e.msg }

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}
