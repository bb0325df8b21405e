// Package javautf8 decodes bytes as UTF-8 exactly as the JDK does (JDK 17's new String(bytes, UTF_8),
// String.decodeUTF8_UTF16): malformed input becomes U+FFFD with the JDK's own grouping, which
// differs from Go's and from Unicode's "maximal subpart" practice (an encoded surrogate is one U+FFFD
// in Java, three in Go). Ktor runs on the JVM, so every place that turns Ktor's bytes into a string
// (URL decoding, BASE64 cookies, decrypted sessions) decodes through here.
package javautf8

import "unicode/utf8"

// String is Java's new String(b, UTF_8); ok is false when a replacement happened.
func String(b []byte) (s string, ok bool) {
	if utf8.Valid(b) {
		return string(b), true
	}
	return string(Append(make([]byte, 0, len(b)+8), b)), false
}

// Append decodes b as JDK 17's new String(bytes, UTF_8) does
// (String.decodeUTF8_UTF16) and appends the result as UTF-8. Malformed input
// becomes U+FFFD with the JDK's own grouping, which differs from Go's
// (an encoded surrogate is one U+FFFD in Java, three in Go).
func Append(dst, b []byte) []byte {
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
