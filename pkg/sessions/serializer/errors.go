package serializer

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, usually inside a *DecodeError or *EncodeError.
var (
	// ErrSyntax: the payload is not well-formed (bad percent escape, a value
	// without its '#' type prefix, an unparsable number, bad JSON).
	ErrSyntax = errors.New("serializer: malformed payload")
	// ErrRange: a number does not fit the type its prefix names (#i beyond
	// Int, #l beyond Long), exactly where Ktor's parseInt/parseLong fail.
	ErrRange = errors.New("serializer: number out of range")
	// ErrUnsupported: a type prefix or Go type that the Ktor version in use
	// does not know (e.g. "##" before Ktor 1.5.0, a Go func field).
	ErrUnsupported = errors.New("serializer: unsupported type")
	// ErrDepth: nesting deeper than MaxDepth.
	ErrDepth = errors.New("serializer: nesting too deep")
	// ErrType: a value of one Kotlin type where the Go field wants another
	// (Ktor: "argument type mismatch").
	ErrType = errors.New("serializer: type mismatch")
	// ErrMissing: a field the Go struct requires is absent (Ktor 1.x:
	// "Couldn't instantiate type ... for parameters [...]").
	ErrMissing = errors.New("serializer: missing field")
	// ErrNull: #n for a field that is not nullable (not a pointer).
	ErrNull = errors.New("serializer: null for a non-nullable field")
	// ErrUnknownField: a JSON key the Go struct does not have (kotlinx Json
	// rejects unknown keys by default).
	ErrUnknownField = errors.New("serializer: unknown field")
	// ErrArgument: a caller error (nil or non-pointer target, bad typed field
	// syntax, unknown format or kind).
	ErrArgument = errors.New("serializer: invalid argument")
)

// MaxDepth caps nesting of collections, optionals, maps and objects on both
// decode and encode. Ktor itself has no cap (and overflows its stack).
const MaxDepth = 64

// DecodeError says what could not be decoded and where.
type DecodeError struct {
	Path   string // field path, e.g. "roles[2]" or "attrs{#sa}"; "" for the payload itself
	Offset int    // byte offset in the string being decoded at that level, -1 if unknown
	Err    error  // one of the sentinels
	Detail string
}

func (e *DecodeError) Error() string {
	s := e.Err.Error()
	if e.Path != "" {
		s += " at " + e.Path
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" (offset %d)", e.Offset)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *DecodeError) Unwrap() error { return e.Err }

// EncodeError says which Go value could not be written and why.
type EncodeError struct {
	Path   string // Go field path, e.g. "Roles[1]"
	Err    error  // one of the sentinels
	Detail string
}

func (e *EncodeError) Error() string {
	s := e.Err.Error()
	if e.Path != "" {
		s += " at " + e.Path
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *EncodeError) Unwrap() error { return e.Err }

func decErr(path string, off int, err error, format string, args ...any) *DecodeError {
	return &DecodeError{Path: path, Offset: off, Err: err, Detail: fmt.Sprintf(format, args...)}
}

func encErr(path string, err error, format string, args ...any) *EncodeError {
	return &EncodeError{Path: path, Err: err, Detail: fmt.Sprintf(format, args...)}
}

// withPath returns err with path prefixed when it is one of ours.
func withPath(err error, path string) error {
	var de *DecodeError
	if errors.As(err, &de) {
		c := *de
		c.Path = joinPath(path, de.Path)
		return &c
	}
	return err
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case b[0] == '[' || b[0] == '{' || b[0] == '?':
		return a + b
	}
	return a + "." + b
}
