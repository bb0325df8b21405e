package codec

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/sessionctl/sessionctl/internal/urlcodec"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Encoding is Ktor's CookieEncoding.
type Encoding string

// The four encodings.
const (
	URI     Encoding = "uri"     // URI_ENCODING, Ktor's default
	Base64  Encoding = "base64"  // BASE64_ENCODING
	DQuotes Encoding = "dquotes" // DQUOTES
	Raw     Encoding = "raw"     // RAW
)

// Encodings lists the encodings in Ktor's declaration order.
var Encodings = []Encoding{Raw, DQuotes, URI, Base64}

// KtorName is the CookieEncoding constant's name, as written in `$x-enc`.
func (e Encoding) KtorName() string {
	switch e {
	case URI:
		return "URI_ENCODING"
	case Base64:
		return "BASE64_ENCODING"
	case DQuotes:
		return "DQUOTES"
	case Raw:
		return "RAW"
	}
	return ""
}

// ParseEncoding reads an encoding name, ours ("uri", "base64", "dquotes",
// "raw") or Ktor's ("URI_ENCODING", "BASE64_ENCODING", "DQUOTES", "RAW"), in
// any case; "url" and "url_encoding" are accepted for URI.
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "uri", "uri_encoding", "url", "url_encoding":
		return URI, nil
	case "base64", "base64_encoding":
		return Base64, nil
	case "dquotes", "dquote":
		return DQuotes, nil
	case "raw":
		return Raw, nil
	}
	return "", newErr("parse encoding", "", ErrEncoding,
		fmt.Sprintf("%q (want uri, base64, dquotes or raw)", s), "")
}

// parseKtorName is CookieEncoding.valueOf: the exact constant name only.
func parseKtorName(s string) (Encoding, bool) {
	switch s {
	case "URI_ENCODING":
		return URI, true
	case "BASE64_ENCODING":
		return Base64, true
	case "DQUOTES":
		return DQuotes, true
	case "RAW":
		return Raw, true
	}
	return "", false
}

func (e Encoding) norm() (Encoding, bool) {
	switch e {
	case "":
		return URI, true
	case URI, Base64, DQuotes, Raw:
		return e, true
	}
	if k, ok := parseKtorName(string(e)); ok {
		return k, true
	}
	return e, false
}

// Encode is Ktor's encodeCookieValue for the profile's release. The empty
// Encoding means URI, Ktor's default.
func Encode(v string, e Encoding, p transform.Profile) (string, error) {
	ver, err := versionOf("encode", p)
	if err != nil {
		return "", err
	}
	n, ok := e.norm()
	if !ok {
		return "", newErr("encode", "", ErrEncoding, fmt.Sprintf("%q", string(e)), "")
	}
	return encode(v, n, ver)
}

// Decode is Ktor's decodeCookieValue for the profile's release: what Ktor
// makes of a cookie value it received encoded with e. The empty Encoding
// means URI.
func Decode(v string, e Encoding, p transform.Profile) (string, error) {
	ver, err := versionOf("decode", p)
	if err != nil {
		return "", err
	}
	n, ok := e.norm()
	if !ok {
		return "", newErr("decode", "", ErrEncoding, fmt.Sprintf("%q", string(e)), "")
	}
	return decode(v, n, ver)
}

func encode(v string, e Encoding, ver version) (string, error) {
	switch e {
	case Raw:
		if ver >= v3 {
			return v, nil
		}
		if i, r := firstEscapable(v, ver); i >= 0 {
			msg := "The cookie value contains characters that cannot be encoded in RAW format.  Consider URL_ENCODING mode"
			if ver == v10 {
				msg = "The cookie value contains characters that couldn't be encoded in RAW format. Consider URL_ENCODING mode"
			}
			return "", newErr("encode", e, ErrUnencodable, fmt.Sprintf("%s at byte %d", describeRune(r), i),
				"java.lang.IllegalArgumentException: "+msg)
		}
		return v, nil
	case DQuotes:
		if i := strings.IndexByte(v, '"'); i >= 0 {
			msg := "The cookie value contains characters that cannot be encoded in DQUOTES format. Consider URL_ENCODING mode"
			if ver == v10 {
				msg = "The cookie value contains characters that couldn't be encoded in RAW format. Consider URL_ENCODING mode"
			}
			return "", newErr("encode", e, ErrUnencodable, fmt.Sprintf(`'"' at byte %d`, i),
				"java.lang.IllegalArgumentException: "+msg)
		}
		if i, _ := firstEscapable(v, ver); i >= 0 {
			return `"` + v + `"`, nil
		}
		return v, nil
	case Base64:
		if ver == v10 {
			return base64Encode10(v), nil
		}
		return base64Encode(v), nil
	default:
		return uriEncode(v, ver >= v2), nil
	}
}

// appendEncoded is encode appending to b (b unchanged on error).
func appendEncoded(b []byte, v string, e Encoding, ver version) ([]byte, error) {
	switch e {
	case URI, "":
		if ver >= v2 {
			return urlcodec.AppendParameter(b, v, true), nil
		}
		return urlcodec.AppendQueryComponent(b, v, true, true), nil
	case Raw:
		if ver >= v3 {
			return append(b, v...), nil
		}
	}
	s, err := encode(v, e, ver)
	if err != nil {
		return b, err
	}
	return append(b, s...), nil
}

func decode(v string, e Encoding, ver version) (string, error) {
	switch e {
	case Raw, DQuotes:
		return unquote(v), nil
	case Base64:
		switch ver {
		case v10:
			return base64DecodeLenient(v, true), nil
		case v16, v2:
			return base64DecodeLenient(v, false), nil
		}
		return base64DecodeStrict(v)
	default:
		return uriDecode(v)
	}
}

// unquote is decodeCookieValue for RAW and DQUOTES: surrounding blanks and
// one pair of double quotes go when the value, blanks aside, is quoted.
func unquote(v string) string {
	s := strings.TrimFunc(v, ktWhitespace)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	if len(s) == 1 && s == `"` {
		// trimStart starts with and trimEnd ends with the same quote, but
		// removeSurrounding needs two: Ktor returns the trimmed `"`.
		return s
	}
	return v
}

// ktWhitespace is Kotlin's Char.isWhitespace on the JVM:
// Character.isWhitespace || Character.isSpaceChar.
func ktWhitespace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0d, r >= 0x1c && r <= 0x1f:
		return true
	case r < 0x80:
		return r == ' '
	}
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}

// shouldEscape is Ktor's Char.shouldEscapeInCookies: blanks, controls below
// the space and ; , " (and = in 1.0.0).
func shouldEscape(r rune, ver version) bool {
	switch r {
	case ';', ',', '"':
		return true
	case '=':
		return ver == v10
	}
	return r < ' ' || ktWhitespace(r)
}

func firstEscapable(v string, ver version) (int, rune) {
	for i, r := range v {
		if shouldEscape(r, ver) {
			return i, r
		}
	}
	return -1, 0
}

func describeRune(r rune) string {
	if r < ' ' || r == 0x7f || (r > ' ' && ktWhitespace(r)) {
		return fmt.Sprintf("%U", r)
	}
	return fmt.Sprintf("%q", r)
}
