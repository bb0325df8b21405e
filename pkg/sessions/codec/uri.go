package codec

import (
	"fmt"
	"github.com/sessionctl/sessionctl/internal/javautf8"
	"strings"
	"unicode/utf16"
)

const upperHex = "0123456789ABCDEF"

// uriEncode is encodeURLQueryComponent(encodeFull = true, spaceToPlus = true)
// (Ktor before 2.2: only letters and digits stay) or, with param,
// encodeURLParameter(spaceToPlus = true) (2.2 and later: also - . _ ~).
func uriEncode(v string, param bool) string {
	n := 0
	for i := 0; i < len(v); i++ {
		if !uriKeep(v[i], param) && v[i] != ' ' {
			n++
		}
	}
	if n == 0 && strings.IndexByte(v, ' ') < 0 {
		return v
	}
	b := make([]byte, 0, len(v)+2*n)
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case uriKeep(c, param):
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return string(b)
}

func uriKeep(c byte, param bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c == '-', c == '.', c == '_', c == '~':
		return param
	}
	return false
}

func hexVal(c byte) int {
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

// uriDecode is decodeURLQueryComponent(plusIsSpace = true), the same in every
// release: '+' is a space, each run of %XX escapes is one byte sequence
// decoded as UTF-8 the way the JDK does (malformed input becomes U+FFFD).
func uriDecode(v string) (string, error) {
	start := strings.IndexAny(v, "%+")
	if start < 0 {
		return v, nil
	}
	out := make([]byte, 0, len(v))
	out = append(out, v[:start]...)
	var run []byte
	for i := start; i < len(v); {
		switch c := v[i]; c {
		case '+':
			out = append(out, ' ')
			i++
		case '%':
			run = run[:0]
			for i < len(v) && v[i] == '%' {
				if err := checkEscape(v, i); err != nil {
					return "", err
				}
				run = append(run, byte(hexVal(v[i+1])<<4|hexVal(v[i+2])))
				i += 3
			}
			out = javautf8.Append(out, run)
		default:
			out = append(out, c)
			i++
		}
	}
	return string(out), nil
}

// checkEscape reports a bad escape at byte i the way Ktor does, which counts
// in UTF-16 units: fewer than two units left is "incomplete", two units that
// are not both hex digits are "wrong".
func checkEscape(v string, i int) error {
	if i+2 < len(v) && hexVal(v[i+1]) >= 0 && hexVal(v[i+2]) >= 0 {
		return nil
	}
	var units []uint16
	for _, r := range v[i+1:] {
		units = utf16.AppendRune(units, r)
		if len(units) >= 2 {
			break
		}
	}
	at := utf16Len(v[:i])
	if len(units) < 2 {
		return newErr("decode", URI, ErrMalformed,
			fmt.Sprintf("incomplete %%-escape %q at byte %d", v[i:], i),
			fmt.Sprintf("io.ktor.http.URLDecodeException: Incomplete trailing HEX escape: %s, in %s at %d", v[i:], v, at))
	}
	pair := string(utf16.Decode(units[:2]))
	return newErr("decode", URI, ErrMalformed,
		fmt.Sprintf("%%-escape %q at byte %d is not two hex digits", "%"+pair, i),
		fmt.Sprintf("io.ktor.http.URLDecodeException: Wrong HEX escape: %%%s, in %s, at %d", pair, v, at))
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
