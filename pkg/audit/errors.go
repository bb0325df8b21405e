package audit

import (
	"fmt"
)

type sentinel struct{ msg string }

func (s *sentinel) Error() string { return "audit: " + s.msg }

var (
	// ErrHAR: a HAR file is not valid JSON or not shaped as a HAR log.
	ErrHAR error = &sentinel{"malformed HAR file"}
	// ErrWordlist: a wordlist could not be read.
	ErrWordlist error = &sentinel{"cannot read the wordlist"}
)

// HARError says where a HAR file went wrong.
type HARError struct {
	Entry  int    // 0-based index in log.entries; -1 before the entries array
	Offset int64  // byte offset in the input where the problem was seen
	Detail string // what is wrong
	Err    error  // the underlying decoding error, if any
}

func (e *HARError) Error() string {
	where := fmt.Sprintf("at byte %d", e.Offset)
	if e.Entry >= 0 {
		where = fmt.Sprintf("entry %d, at byte %d", e.Entry, e.Offset)
	}
	msg := "audit: malformed HAR file (" + where + "): " + e.Detail
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap gives ErrHAR and the decoding error.
func (e *HARError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrHAR, e.Err}
	}
	return []error{ErrHAR}
}

// WordlistError is a wordlist that could not be read.
type WordlistError struct {
	Line int // lines read before the failure
	Err  error
}

func (e *WordlistError) Error() string {
	return fmt.Sprintf("audit: cannot read the wordlist after line %d: %v", e.Line, e.Err)
}

// Unwrap gives ErrWordlist and the read error.
func (e *WordlistError) Unwrap() []error { return []error{ErrWordlist, e.Err} }
