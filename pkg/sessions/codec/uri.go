package codec

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
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
			out = appendJavaUTF8(out, run)
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

// appendJavaUTF8 decodes b as JDK 17's new String(bytes, UTF_8) does
// (String.decodeUTF8_UTF16) and appends the result as UTF-8. Malformed input
// becomes U+FFFD with the JDK's own grouping, which differs from Go's
// (an encoded surrogate is one U+FFFD in Java, three in Go).
func appendJavaUTF8(dst, b []byte) []byte {
	const repl = utf8.RuneError
	cont := func(c byte) bool { return c&0xc0 == 0x80 }
	sl := len(b)
	for sp := 0; sp < sl; {
		b1 := b[sp]
		sp++
		switch {
		case b1 < 0x80:
			dst = append(dst, b1)
		case b1>>5 == 0x6 && b1&0x1e != 0: // C2..DF
			if sp < sl {
				b2 := b[sp]
				if !cont(b2) {
					dst = utf8.AppendRune(dst, repl)
				} else {
					sp++
					dst = utf8.AppendRune(dst, rune(b1&0x1f)<<6|rune(b2&0x3f))
				}
				continue
			}
			dst = utf8.AppendRune(dst, repl)
			return dst
		case b1>>4 == 0xe: // E0..EF
			if sp+1 < sl {
				b2, b3 := b[sp], b[sp+1]
				if (b1 == 0xe0 && b2&0xe0 == 0x80) || !cont(b2) || !cont(b3) {
					dst = utf8.AppendRune(dst, repl)
					if !(b1 == 0xe0 && b2&0xe0 == 0x80) && cont(b2) {
						sp++ // malformed3: length 2
					}
					continue
				}
				sp += 2
				r := rune(b1&0x0f)<<12 | rune(b2&0x3f)<<6 | rune(b3&0x3f)
				if r >= 0xd800 && r <= 0xdfff {
					r = repl
				}
				dst = utf8.AppendRune(dst, r)
				continue
			}
			if sp < sl && ((b1 == 0xe0 && b[sp]&0xe0 == 0x80) || !cont(b[sp])) {
				dst = utf8.AppendRune(dst, repl)
				continue
			}
			dst = utf8.AppendRune(dst, repl)
			return dst
		case b1>>3 == 0x1e: // F0..F7
			if sp+2 < sl {
				b2, b3, b4 := b[sp], b[sp+1], b[sp+2]
				r := rune(b1&0x07)<<18 | rune(b2&0x3f)<<12 | rune(b3&0x3f)<<6 | rune(b4&0x3f)
				if !cont(b2) || !cont(b3) || !cont(b4) || r < 0x10000 || r > 0x10ffff {
					dst = utf8.AppendRune(dst, repl)
					sp += malformed4(b1, b2, b3) - 1
					continue
				}
				sp += 3
				dst = utf8.AppendRune(dst, r)
				continue
			}
			if b1 > 0xf4 || (sp < sl && malformed4_2(b1, b[sp])) {
				dst = utf8.AppendRune(dst, repl)
				continue
			}
			sp++
			dst = utf8.AppendRune(dst, repl)
			if sp < sl && !cont(b[sp]) {
				continue
			}
			return dst
		default:
			dst = utf8.AppendRune(dst, repl)
		}
	}
	return dst
}

func malformed4_2(b1, b2 byte) bool {
	return (b1 == 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 == 0xf4 && b2&0xf0 != 0x80) || b2&0xc0 != 0x80
}

// malformed4 is the JDK's length of a malformed 4-byte sequence.
func malformed4(b1, b2, b3 byte) int {
	if b1 > 0xf4 || malformed4_2(b1, b2) {
		return 1
	}
	if b3&0xc0 != 0x80 {
		return 2
	}
	return 3
}
