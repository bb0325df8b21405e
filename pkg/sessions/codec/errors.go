package codec

import (
	"errors"
	"strings"
)

// Sentinels, usable with errors.Is on any error of this package.
var (
	// ErrEncoding: the name is none of Ktor's cookie encodings.
	ErrEncoding = errors.New("unknown cookie encoding")
	// ErrProfile: the profile names no known Ktor release (the detail says
	// which releases are nearest).
	ErrProfile = errors.New("unknown Ktor release")
	// ErrUnencodable: Ktor refuses to put this value in the cookie with this
	// encoding (RAW and DQUOTES).
	ErrUnencodable = errors.New("value cannot be encoded")
	// ErrCookieName: Ktor refuses this cookie or extension name.
	ErrCookieName = errors.New("invalid cookie name")
	// ErrMalformed: a value or header that does not decode or parse.
	ErrMalformed = errors.New("malformed")
	// ErrConfig: a cookie configuration Ktor would not accept.
	ErrConfig = errors.New("invalid cookie configuration")
	// ErrEmpty: Extract found nothing to read.
	ErrEmpty = errors.New("no cookie value found")
)

// Error is the error type of every failure of this package.
type Error struct {
	Op       string   // "encode", "decode", "render", "parse cookie", "parse set-cookie", "extract"
	Encoding Encoding // the encoding involved, if any
	Err      error    // one of the sentinels
	Detail   string   // what is wrong and where
	Ktor     string   // Ktor's own exception text for the same input, when Ktor throws too
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("codec: ")
	b.WriteString(e.Op)
	if e.Encoding != "" {
		b.WriteString(" ")
		b.WriteString(string(e.Encoding))
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

func newErr(op string, enc Encoding, err error, detail, ktor string) *Error {
	return &Error{Op: op, Encoding: enc, Err: err, Detail: detail, Ktor: ktor}
}
