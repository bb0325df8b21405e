package codec

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/sessionctl/sessionctl/pkg/ktor"
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

// Encode is Ktor's encodeCookieValue of p's release. The empty Encoding
// means URI, Ktor's default.
func Encode(v string, e Encoding, p transform.Profile) (string, error) {
	ver, err := release("encode", p)
	if err != nil {
		return "", err
	}
	n, ok := e.norm()
	if !ok {
		return "", newErr("encode", "", ErrEncoding, fmt.Sprintf("%q", string(e)), "")
	}
	return encode(v, n, ver)
}

// Decode is Ktor's decodeCookieValue of p's release: what Ktor makes of a
// cookie value it received encoded with e. The empty Encoding means URI.
func Decode(v string, e Encoding, p transform.Profile) (string, error) {
	ver, err := release("decode", p)
	if err != nil {
		return "", err
	}
	n, ok := e.norm()
	if !ok {
		return "", newErr("decode", "", ErrEncoding, fmt.Sprintf("%q", string(e)), "")
	}
	return decode(v, n, ver)
}

func encode(v string, e Encoding, ver ktor.Release) (string, error) {
	switch e {
	case Raw:
		if ver.Has(ktor.RawUnchecked) {
			return v, nil
		}
		if i, r := firstEscapable(v, ver); i >= 0 {
			return "", newErr("encode", e, ErrUnencodable, fmt.Sprintf("%s at byte %d", describeRune(r), i),
				"java.lang.IllegalArgumentException: "+refusal(ver, "RAW"))
		}
		return v, nil
	case DQuotes:
		if i := strings.IndexByte(v, '"'); i >= 0 {
			return "", newErr("encode", e, ErrUnencodable, fmt.Sprintf(`'"' at byte %d`, i),
				"java.lang.IllegalArgumentException: "+refusal(ver, "DQUOTES"))
		}
		if i, _ := firstEscapable(v, ver); i >= 0 {
			return `"` + v + `"`, nil
		}
		return v, nil
	case Base64:
		if !ver.Has(ktor.Base64EncodeUnsigned) {
			return base64Encode10(v), nil
		}
		return base64Encode(v), nil
	default:
		return uriEncode(v, ver), nil
	}
}

// refusal is the message of the IllegalArgumentException encodeCookieValue
// throws for a RAW or DQUOTES value, as worded in ver.
func refusal(ver ktor.Release, enc string) string {
	verb := "couldn't"
	if ver.Has(ktor.CookieErrorCannot) {
		verb = "cannot"
	}
	space := " "
	if !ver.Has(ktor.CookieErrorDQuotes) {
		enc = "RAW" // DQUOTES said RAW too
	} else if enc == "RAW" {
		space = "  "
	}
	return "The cookie value contains characters that " + verb + " be encoded in " + enc + " format." + space + "Consider URL_ENCODING mode"
}

// appendEncoded is encode appending to b (b unchanged on error): URI and
// unchecked RAW values are written in place, the rest through encode.
func appendEncoded(b []byte, v string, e Encoding, ver ktor.Release) ([]byte, error) {
	switch {
	case e == URI:
		return appendURIEncoded(b, v, ver), nil
	case e == Raw && ver.Has(ktor.RawUnchecked):
		return append(b, v...), nil
	}
	s, err := encode(v, e, ver)
	if err != nil {
		return b, err
	}
	return append(b, s...), nil
}

func decode(v string, e Encoding, ver ktor.Release) (string, error) {
	switch e {
	case Raw, DQuotes:
		return unquote(v), nil
	case Base64:
		if ver.Has(ktor.Base64DecodeStrict) {
			return base64DecodeStrict(v)
		}
		return base64DecodeLenient(v, !ver.Has(ktor.Base64DecodeUTF8), ver.Has(ktor.Base64DecodeURLSafe)), nil
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
// the space and ; , " (and = before 1.2.0).
func shouldEscape(r rune, ver ktor.Release) bool {
	switch r {
	case ';', ',', '"':
		return true
	case '=':
		return !ver.Has(ktor.CookieEqualsAllowed)
	}
	return r < ' ' || ktWhitespace(r)
}

func firstEscapable(v string, ver ktor.Release) (int, rune) {
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
