package transform

import (
	"strconv"
	"strings"
)

// sentinel is an error value that can be matched with errors.Is.
type sentinel struct{ msg string }

func (s *sentinel) Error() string { return "transform: " + s.msg }

// Sentinel errors. A failed read returns a *ReadError whose Err is one of the
// first five; constructors return a *ConfigError that unwraps to ErrConfig.
var (
	// ErrMalformed: the value does not have the shape the transformer writes
	// (no separator, bad hex, wrong length, short input).
	ErrMalformed error = &sentinel{"malformed value"}
	// ErrSignature: the value is well formed but no key's signature matches.
	ErrSignature error = &sentinel{"signature mismatch"}
	// ErrSignatureCase: the signature matches, but in upper- or mixed-case hex,
	// which Ktor rejects because it compares lower-case hex strings.
	ErrSignatureCase error = &sentinel{"signature matches but is not in Ktor's lower-case hex"}
	// ErrDecrypt: decryption or PKCS#5 padding failed under every key, after the MAC verified (the
	// current format: a wrong encryption key). A legacy-format read never returns it: a bad padding
	// and a bad MAC are one ErrSignature there (no padding oracle); Encrypt.Explain tells them apart.
	ErrDecrypt error = &sentinel{"decryption failed"}
	// ErrOtherFormat: the value is a valid encrypt value of the other encrypt
	// format (current vs legacy) than the transformer reads.
	ErrOtherFormat error = &sentinel{"value is in the other encrypt format"}
	// ErrConfig: a constructor or a write was given an unusable configuration.
	ErrConfig error = &sentinel{"invalid configuration"}
)

func sentinelText(err error) string {
	if s, ok := err.(*sentinel); ok {
		return s.msg
	}
	if err == nil {
		return "failed"
	}
	return err.Error()
}

// ReadError is the error of every failed read. Err is one of the sentinels
// (ErrMalformed, ErrSignature, ErrSignatureCase, ErrDecrypt, ErrOtherFormat).
type ReadError struct {
	Step      int    // 1-based position of the transformer in its chain; 0 when read on its own
	Transform string // "digest" | "mac" | "encrypt"
	Err       error  // a sentinel
	Detail    string // what exactly is wrong and where; never key bytes
	KeyID     string // for ErrSignatureCase / ErrOtherFormat: the key that did verify
}

func (e *ReadError) Error() string {
	var b strings.Builder
	b.WriteString("transform: ")
	if e.Step > 0 {
		b.WriteString("step ")
		b.WriteString(strconv.Itoa(e.Step))
		b.WriteString(" (")
		b.WriteString(e.Transform)
		b.WriteString("): ")
	} else if e.Transform != "" {
		b.WriteString(e.Transform)
		b.WriteString(": ")
	}
	b.WriteString(sentinelText(e.Err))
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *ReadError) Unwrap() error { return e.Err }

// ConfigError is returned by constructors (and by writes that cannot happen,
// e.g. an IV of the wrong size). It unwraps to ErrConfig.
type ConfigError struct {
	Transform string // "digest" | "mac" | "encrypt"
	Field     string // e.g. "algorithm", "keys[1]", "iv"
	Detail    string
}

func (e *ConfigError) Error() string {
	s := "transform: " + e.Transform
	if e.Field != "" {
		s += " " + e.Field
	}
	return s + ": " + e.Detail
}

func (e *ConfigError) Unwrap() error { return ErrConfig }

func readErr(kind string, err error, detail string) *ReadError {
	return &ReadError{Transform: kind, Err: err, Detail: detail}
}
