package transform

import (
	"unicode"
	"unicode/utf8"
)

// hexQuirks records what a decode accepted beyond Ktor's own lower-case output.
type hexQuirks uint8

const (
	qUpper    hexQuirks = 1 << iota // A-F
	qNonASCII                       // a non-ASCII digit (full-width, Arabic-Indic, ...)
	qOdd                            // an odd trailing UTF-16 unit, ignored
)

// javaDigit16 is Java's Character.digit(ch, 16) for one UTF-16 unit.
func javaDigit16(u rune) (int, bool) {
	switch {
	case u >= '0' && u <= '9':
		return int(u - '0'), true
	case u >= 'a' && u <= 'f':
		return int(u-'a') + 10, true
	case u >= 'A' && u <= 'F':
		return int(u-'A') + 10, true
	case u < 0x80:
		return 0, false
	case u >= 0xFF21 && u <= 0xFF26: // full-width A-F
		return int(u-0xFF21) + 10, true
	case u >= 0xFF41 && u <= 0xFF46: // full-width a-f
		return int(u-0xFF41) + 10, true
	case u >= 0xD800 && u <= 0xDFFF: // a surrogate on its own is never a digit
		return 0, false
	}
	if !unicode.Is(unicode.Nd, u) {
		return 0, false
	}
	for _, r := range unicode.Nd.R16 {
		if rune(r.Lo) <= u && u <= rune(r.Hi) {
			return int(u-rune(r.Lo)) % 10, true
		}
	}
	return 0, false
}

// ktorHexDecode reproduces Ktor's io.ktor.util.hex(String) (1.0.0 to main):
// it reads length/2 pairs of UTF-16 units with Character.digit(c, 16), so an
// odd trailing unit (any character) is ignored and upper-case and other
// Unicode decimal digits are accepted. dst is reused when large enough.
func ktorHexDecode(s string, dst []byte) ([]byte, hexQuirks, bool) {
	var q hexQuirks
	// fast path: ASCII only
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		n := len(s) / 2
		if len(s)%2 == 1 {
			q |= qOdd
		}
		out := grow(dst, n)
		for i := 0; i < n; i++ {
			hi, ok1 := javaDigit16(rune(s[2*i]))
			lo, ok2 := javaDigit16(rune(s[2*i+1]))
			if !ok1 || !ok2 {
				return nil, q, false
			}
			if isUpperHex(s[2*i]) || isUpperHex(s[2*i+1]) {
				q |= qUpper
			}
			out[i] = byte(hi<<4 | lo)
		}
		return out, q, true
	}
	units := make([]rune, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			units = append(units, 0xD800, 0xDC00) // two surrogate units: never digits
			continue
		}
		units = append(units, r) // invalid bytes decode to U+FFFD, one unit, as Java would
	}
	n := len(units) / 2
	if len(units)%2 == 1 {
		q |= qOdd
	}
	out := grow(dst, n)
	for i := 0; i < n; i++ {
		a, b := units[2*i], units[2*i+1]
		hi, ok1 := javaDigit16(a)
		lo, ok2 := javaDigit16(b)
		if !ok1 || !ok2 {
			return nil, q, false
		}
		if a >= 0x80 || b >= 0x80 {
			q |= qNonASCII
		}
		if (a < 0x80 && isUpperHex(byte(a))) || (b < 0x80 && isUpperHex(byte(b))) || (a >= 0xFF21 && a <= 0xFF26) || (b >= 0xFF21 && b <= 0xFF26) {
			q |= qUpper
		}
		out[i] = byte(hi<<4 | lo)
	}
	return out, q, true
}

// strictHexDecode reproduces Kotlin's String.hexToByteArray() (HexFormat.Default,
// used by Ktor from 3.5.0): even length, ASCII hex digits of either case.
func strictHexDecode(s string, dst []byte) ([]byte, hexQuirks, bool) {
	if len(s)%2 == 1 {
		return nil, 0, false
	}
	var q hexQuirks
	out := grow(dst, len(s)/2)
	var flags uint16
	s = s[:2*len(out)]
	for i := range out {
		v := hexPair[uint16(s[2*i])|uint16(s[2*i+1])<<8]
		flags |= v
		out[i] = byte(v)
	}
	if flags&pairBad != 0 {
		return nil, 0, false
	}
	if flags&pairUpper != 0 {
		q |= qUpper
	}
	return out, q, true
}

// lowerHexOf reports whether s is exactly lower-case hex of even length.
func isLowerHex(s string) bool {
	if len(s)%2 == 1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// hexPair decodes two hex digits (the first in the low byte) with one look-up: the byte's value,
// pairBad when either is not an ASCII hex digit, pairUpper when either is one of A-F.
const (
	pairBad   = 0x100
	pairUpper = 0x200
)

var hexPair = func() *[1 << 16]uint16 {
	var t [1 << 16]uint16
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			hi, lo := hexValCase[a], hexValCase[b]
			v := uint16(hi<<4 | lo&0x0f)
			if (hi|lo)&0xe0 != 0 {
				v |= pairBad
			}
			if (hi|lo)&0x10 != 0 {
				v |= pairUpper
			}
			t[a|b<<8] = v
		}
	}
	return &t
}()

// hexValCase is hexVal with 0x10 set for the upper-case digits A-F: one table look-up both
// decodes and notes Ktor's upper-case quirk.
var hexValCase = func() (t [256]byte) {
	t = hexVal
	for c := 'A'; c <= 'F'; c++ {
		t[c] |= 0x10
	}
	return t
}()

// hexVal maps an ASCII hex digit to its value and every other byte to 0xff.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()

func asciiHex(c byte) (byte, bool) {
	v := hexVal[c]
	return v, v != 0xff
}

func isUpperHex(c byte) bool { return c >= 'A' && c <= 'F' }

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if isUpperHex(s[i]) {
			return true
		}
	}
	return false
}

func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]byte, n)
}

// appendHex appends the lower-case hex of b.
func appendHex(dst, b []byte) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, 2*len(b))...)
	encodeHex(dst[n:], b)
	return dst
}
