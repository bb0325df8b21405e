package codec

import (
	"encoding/base64"
	"fmt"
	"github.com/sessionctl/sessionctl/internal/javautf8"
	"strconv"
	"unicode/utf8"
)

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// b64Inverse maps a byte to its 6-bit value; -1 outside the alphabet, -2 for '='.
var b64Inverse = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b64Alphabet); i++ {
		t[b64Alphabet[i]] = int8(i)
	}
	t['='] = -2
	return t
}()

// base64Encode is String.encodeBase64 from Ktor 1.1.0 on: standard, padded.
func base64Encode(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }

// base64Encode10 is Ktor 1.0.x's ByteReadPacket.encodeBase64, whose
// Byte.toInt() sign-extends: a byte >= 0x80 ORs ones over the bits of the
// bytes before it, so non-ASCII text comes out wrong (é → "/6k=").
func base64Encode10(v string) string {
	b := []byte(v)
	out := make([]byte, 0, (len(b)+2)/3*4)
	for i := 0; i < len(b); i += 3 {
		var d [3]int32
		read := copy3(&d, b[i:])
		pad := (3 - read) * 8 / 6
		chunk := d[0]<<16 | d[1]<<8 | d[2]
		for idx := 3; idx >= pad; idx-- {
			out = append(out, b64Alphabet[(chunk>>(6*idx))&0x3f])
		}
		for j := 0; j < pad; j++ {
			out = append(out, '=')
		}
	}
	return string(out)
}

func copy3(d *[3]int32, b []byte) int {
	n := 0
	for ; n < 3 && n < len(b); n++ {
		d[n] = int32(int8(b[n])) // Kotlin Byte.toInt(): sign-extending
	}
	return n
}

// base64DecodeLenient is Ktor's own decodeBase64 before 3.4.0: trailing '='
// dropped, any other symbol outside the alphabet read as 63, groups of four
// turned into bytes, a last lone symbol ignored. Before 1.2.3 the bytes come
// back as Latin-1 characters (latin1), from 1.2.3 they are decoded as UTF-8.
// From 3.1.2 (urlSafe) '-' reads as 62, the value of '+' ('_' is 63 either
// way).
func base64DecodeLenient(v string, latin1, urlSafe bool) string {
	end := len(v)
	for end > 0 && v[end-1] == '=' {
		end--
	}
	src := v[:end] // the UTF-8 bytes Ktor wrote into its packet
	raw := make([]byte, 0, len(src)*3/4+2)
	for i := 0; i < len(src); i += 4 {
		n := min(4, len(src)-i)
		var chunk int32
		for j := 0; j < n; j++ {
			s := b64Inverse[src[i+j]]
			if urlSafe && src[i+j] == '-' {
				s = 62
			}
			if s < 0 {
				s = 63 // BASE64_INVERSE_ALPHABET[c] = -1, masked with 0x3f
			}
			chunk |= int32(s) << ((3 - j) * 6)
		}
		// Bytes taken from stale symbols of the previous group are never
		// emitted: index 2 needs symbols 0-1, index 1 needs 1-2, index 0 2-3.
		for idx := 2; idx >= 4-n; idx-- {
			raw = append(raw, byte(chunk>>(8*idx)))
		}
	}
	if latin1 {
		out := make([]byte, 0, len(raw)*2)
		for _, c := range raw {
			out = utf8.AppendRune(out, rune(c))
		}
		return string(out)
	}
	return string(javautf8.Append(nil, raw))
}

// base64DecodeStrict is Ktor 3.4.0+'s Base64.decode(value).decodeToString():
// Kotlin's kotlin.io.encoding.Base64.Default, padding required, pad bits zero.
// Error texts are Kotlin's; indices count characters, as Kotlin does after
// mapping each character to one ISO-8859-1 byte ('?' when it has none).
func base64DecodeStrict(v string) (string, error) {
	src := make([]byte, 0, len(v))
	for _, r := range v {
		if r >= 0 && r <= 0xff {
			src = append(src, byte(r))
		} else {
			src = append(src, '?')
		}
	}
	raw, msg := kotlinBase64Decode(src)
	if msg != "" {
		return "", newErr("decode", Base64, ErrMalformed, msg, "java.lang.IllegalArgumentException: "+msg)
	}
	return string(javautf8.Append(nil, raw)), nil
}

func kotlinBase64Decode(src []byte) ([]byte, string) {
	end := len(src)
	switch end {
	case 0:
		return nil, ""
	case 1:
		return nil, "Input should have at least 2 symbols for Base64 decoding, startIndex: 0, endIndex: 1"
	}
	out := make([]byte, 0, end*3/4)
	payload, byteStart, i := 0, -8, 0
	hasPadding := false
	for i < end {
		if byteStart == -8 && i+3 < end {
			s1, s2, s3, s4 := b64Inverse[src[i]], b64Inverse[src[i+1]], b64Inverse[src[i+2]], b64Inverse[src[i+3]]
			if s1 >= 0 && s2 >= 0 && s3 >= 0 && s4 >= 0 {
				bits := int(s1)<<18 | int(s2)<<12 | int(s3)<<6 | int(s4)
				out = append(out, byte(bits>>16), byte(bits>>8), byte(bits))
				i += 4
				continue
			}
		}
		sym := src[i]
		bits := b64Inverse[sym]
		if bits < 0 {
			if bits == -2 {
				hasPadding = true
				next, msg := kotlinPadding(src, i, byteStart)
				if msg != "" {
					return nil, msg
				}
				i = next
				break
			}
			return nil, fmt.Sprintf("Invalid symbol '%c'(%s) at index %d", rune(sym), strconv.FormatInt(int64(sym), 8), i)
		}
		i++
		payload = payload<<6 | int(bits)
		byteStart += 6
		if byteStart >= 0 {
			out = append(out, byte(payload>>byteStart))
			payload &= 1<<byteStart - 1
			byteStart -= 8
		}
	}
	if byteStart == -2 {
		return nil, "The last unit of input does not have enough bits"
	}
	if byteStart != -8 && !hasPadding {
		return nil, "The padding option is set to PRESENT, but the input is not properly padded"
	}
	if payload != 0 {
		return nil, "The pad bits must be zeros"
	}
	if i < end {
		sym := src[i]
		return nil, fmt.Sprintf("Symbol '%c'(%s) at index %d is prohibited after the pad character", rune(sym), strconv.FormatInt(int64(sym), 8), i-1)
	}
	return out, ""
}

// kotlinPadding is Base64.handlePaddingSymbol: where decoding resumes after
// the pad at i, or Kotlin's message.
func kotlinPadding(src []byte, i, byteStart int) (int, string) {
	switch byteStart {
	case -8:
		return 0, fmt.Sprintf("Redundant pad character at index %d", i)
	case -2: // one symbol then '=': reported as too few bits afterwards
		return i + 1, ""
	case -4: // two symbols: "==" required
		j := i + 1
		if j == len(src) || src[j] != '=' {
			return 0, fmt.Sprintf("Missing one pad character at index %d", j)
		}
		return j + 1, ""
	default: // -6, three symbols
		return i + 1, ""
	}
}
