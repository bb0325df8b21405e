// Package urlcodec ports the parts of ktor-http's Codecs.kt that both the
// session cookie codecs (pkg/sessions/codec) and Ktor's reflection serializer
// (pkg/sessions/serializer) use. Each function is byte-identical from Ktor
// 1.0.0 to 3.5.2; which one a release calls where (URI cookies: encodeFull
// until 2.1.2, encodeFull = false in 2.1.3, encodeURLParameter from 2.2.0) is
// its callers' question, asked of package ktor's table. Encoding works on the UTF-8 bytes of the input,
// as Ktor does after its UTF-8 encoder; decoding turns each run of %XX
// escapes into bytes and decodes them the way the JDK does.
package urlcodec

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unsafe"

	"github.com/sessionctl/sessionctl/internal/javautf8"
)

const upperHex = "0123456789ABCDEF"

// The bytes each encoder leaves alone.
var (
	alphabet  [256]bool // URL_ALPHABET: a-z A-Z 0-9
	parameter [256]bool // URL_ALPHABET + OAUTH_SYMBOLS (- . _ ~)
	queryPart [256]bool // URL_ALPHABET + URL_PROTOCOL_PART
)

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		alphabet[c] = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
		parameter[c] = alphabet[c] || strings.IndexByte("-._~", b) >= 0
		queryPart[c] = alphabet[c] || strings.IndexByte(":/?#[]@!$&'()*,;=-._~+", b) >= 0
	}
}

// EncodeParameter is Ktor's String.encodeURLParameter(spaceToPlus): keeps
// A-Z a-z 0-9 - . _ ~, writes a space as '+' when spaceToPlus, and
// percent-encodes every other byte.
func EncodeParameter(s string, spaceToPlus bool) string {
	return encode(s, &parameter, spaceToPlus)
}

// EncodeQueryComponent is Ktor's String.encodeURLQueryComponent(encodeFull,
// spaceToPlus): keeps A-Z a-z 0-9, and URL_PROTOCOL_PART
// (:/?#[]@!$&'()*,;=-._~+) unless encodeFull; a space is '+' or "%20"; every
// other byte is percent-encoded. With the defaults (false, false) it keeps
// '&', '=', '#' and '+': only '%', space, controls and non-ASCII change.
func EncodeQueryComponent(s string, encodeFull, spaceToPlus bool) string {
	if encodeFull {
		return encode(s, &alphabet, spaceToPlus)
	}
	return encode(s, &queryPart, spaceToPlus)
}

// AppendParameter is EncodeParameter appending to b.
func AppendParameter(b []byte, s string, spaceToPlus bool) []byte {
	return appendEncoded(b, s, &parameter, spaceToPlus)
}

// AppendQueryComponent is EncodeQueryComponent appending to b.
func AppendQueryComponent(b []byte, s string, encodeFull, spaceToPlus bool) []byte {
	if encodeFull {
		return appendEncoded(b, s, &alphabet, spaceToPlus)
	}
	return appendEncoded(b, s, &queryPart, spaceToPlus)
}

func appendEncoded(b []byte, s string, keep *[256]bool, spaceToPlus bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case keep[c]:
			b = append(b, c)
		case c == ' ' && spaceToPlus:
			b = append(b, '+')
		default:
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

func encode(s string, keep *[256]bool, spaceToPlus bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep[s[i]] {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case keep[c]:
			b = append(b, c)
		case c == ' ' && spaceToPlus:
			b = append(b, '+')
		default:
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return string(b)
}

// HexVal is the value of one hex digit (either case), or -1.
func HexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// EscapeError is a %-escape Ktor's decoder rejects with URLDecodeException.
// Ktor counts in UTF-16 units: fewer than two units after the '%' is an
// incomplete escape, two units that are not both hex digits a wrong one.
type EscapeError struct {
	Input      string // the whole input
	Offset     int    // byte offset of the '%' in Input
	Incomplete bool   // fewer than two characters follow the '%'
	Escape     string // what Ktor quotes: the rest of the input (incomplete) or the '%' and the two characters
}

// Reason says what is wrong, without the position.
func (e *EscapeError) Reason() string {
	if e.Incomplete {
		return fmt.Sprintf("incomplete %%-escape %q", e.Escape)
	}
	return fmt.Sprintf("%%-escape %q is not two hex digits", e.Escape)
}

func (e *EscapeError) Error() string {
	return fmt.Sprintf("%s at byte %d", e.Reason(), e.Offset)
}

// Java is the message of the URLDecodeException Ktor throws for the same input,
// with its position in UTF-16 units.
func (e *EscapeError) Java() string {
	at := utf16Len(e.Input[:e.Offset])
	if e.Incomplete {
		return fmt.Sprintf("io.ktor.http.URLDecodeException: Incomplete trailing HEX escape: %s, in %s at %d", e.Escape, e.Input, at)
	}
	return fmt.Sprintf("io.ktor.http.URLDecodeException: Wrong HEX escape: %s, in %s, at %d", e.Escape, e.Input, at)
}

// DecodeQueryComponent is Ktor's String.decodeURLQueryComponent(plusIsSpace):
// '+' is a space only when plusIsSpace; each run of %XX escapes is one byte
// sequence decoded as UTF-8 the way the JDK does (malformed input becomes
// U+FFFD). A bad escape is an *EscapeError.
func DecodeQueryComponent(s string, plusIsSpace bool) (string, error) {
	start := strings.IndexByte(s, '%')
	if plusIsSpace {
		if p := strings.IndexByte(s, '+'); p >= 0 && (start < 0 || p < start) {
			start = p
		}
	}
	if start < 0 {
		return s, nil
	}
	out := make([]byte, 0, len(s))
	out = append(out, s[:start]...)
	var run []byte
	for i := start; i < len(s); {
		switch c := s[i]; {
		case c == '+' && plusIsSpace:
			out = append(out, ' ')
			i++
		case c == '%':
			// the run's bytes go straight to out; a run with a byte above
			// 0x7F is decoded again as the JDK decodes UTF-8 (ASCII is
			// unchanged by it)
			from, high := len(out), false
			for i < len(s) && s[i] == '%' {
				if err := checkEscape(s, i); err != nil {
					return "", err
				}
				b := byte(HexVal(s[i+1])<<4 | HexVal(s[i+2]))
				high = high || b >= 0x80
				out = append(out, b)
				i += 3
			}
			if high {
				run = append(run[:0], out[from:]...)
				out = javautf8.Append(out[:from], run)
			}
		default:
			j := i + 1
			for j < len(s) && s[j] != '%' && (s[j] != '+' || !plusIsSpace) {
				j++
			}
			out = append(out, s[i:j]...)
			i = j
		}
	}
	return unsafe.String(unsafe.SliceData(out), len(out)), nil // out is not used again
}

// checkEscape reports a bad escape at byte i the way Ktor sees it.
func checkEscape(s string, i int) error {
	if i+2 < len(s) && HexVal(s[i+1]) >= 0 && HexVal(s[i+2]) >= 0 {
		return nil
	}
	var units []uint16
	for _, r := range s[i+1:] {
		units = utf16.AppendRune(units, r)
		if len(units) >= 2 {
			break
		}
	}
	if len(units) < 2 {
		return &EscapeError{Input: s, Offset: i, Incomplete: true, Escape: s[i:]}
	}
	return &EscapeError{Input: s, Offset: i, Escape: "%" + string(utf16.Decode(units[:2]))}
}

// utf16Len is the length of s as a Java string.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
