package serializer

import (
	"errors"
	"strings"
	"unicode"

	"github.com/sessionctl/sessionctl/internal/urlcodec"
)

// Ports of ktor-http's Query.kt and the Codecs.kt functions (in
// internal/urlcodec) the reflection serializer calls. They are byte-identical
// from 1.0.0 to HEAD for what the session serializers use.

// encodeURLParameter is Ktor's String.encodeURLParameter: keeps A-Z a-z 0-9
// - . _ ~, optionally space as '+', percent-encodes every other UTF-8 byte.
func encodeURLParameter(s string, spaceToPlus bool) string {
	return urlcodec.EncodeParameter(s, spaceToPlus)
}

// encodeURLQueryComponent is Ktor's String.encodeURLQueryComponent() with its
// defaults (encodeFull = false, spaceToPlus = false), the encoding Ktor's
// reflection serializer puts collection elements through. Note that it keeps
// '&', '=', '#' and '+': only '%', space, controls and non-ASCII change.
func encodeURLQueryComponent(s string) string {
	return urlcodec.EncodeQueryComponent(s, false, false)
}

// decodeURLQueryComponent is Ktor's String.decodeURLQueryComponent: runs of
// %XX escapes are decoded as UTF-8 together (malformed bytes become U+FFFD
// the way Java's decoder replaces them), '+' becomes a space only when
// plusIsSpace. A truncated or non-hex escape is an error, as in Ktor
// (URLDecodeException).
func decodeURLQueryComponent(s string, plusIsSpace bool) (string, error) {
	out, err := urlcodec.DecodeQueryComponent(s, plusIsSpace)
	if err != nil {
		var ee *urlcodec.EscapeError
		if errors.As(err, &ee) {
			return "", decErr("", ee.Offset, ErrSyntax, "%s", ee.Reason())
		}
		return "", err
	}
	return out, nil
}

// isKotlinWhitespace is Kotlin/JVM Char.isWhitespace():
// Character.isWhitespace(c) || Character.isSpaceChar(c).
func isKotlinWhitespace(r rune) bool {
	if r <= 0x20 {
		return r == ' ' || r >= 0x09 && r <= 0x0D || r >= 0x1C && r <= 0x1F
	}
	if r < 0x80 {
		return false
	}
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}

func trimKotlin(s string) string {
	return strings.TrimFunc(s, isKotlinWhitespace)
}

// queryParam is one name=value pair of a parsed query string. HasValue is
// false for a segment without '=' (Ktor 1.x appends "" for it).
type queryParam struct {
	Name, Value string
	HasValue    bool
	Offset      int
}

// queryLimit is parseQueryString's default limit: pairs after the 1000th
// '&'-separated segment are ignored.
const queryLimit = 1000

// parseQueryString is Ktor's parseQueryString(query) with decode = true:
// '&'-separated segments (at most 1000), name up to the first '=', blanks
// (Kotlin isWhitespace) trimmed around name and value, segments with an empty
// name dropped, names decoded without and values with plusIsSpace.
func parseQueryString(q string) ([]queryParam, error) {
	var out []queryParam
	count := 0
	start := 0
	for count < queryLimit {
		end := strings.IndexByte(q[start:], '&')
		last := end < 0
		if last {
			end = len(q)
		} else {
			end += start
		}
		seg := q[start:end]
		if start < len(q) || !last || count > 0 {
			p, ok, err := parseQuerySegment(seg, start)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, p)
			}
		}
		if last {
			break
		}
		count++
		start = end + 1
	}
	return out, nil
}

func parseQuerySegment(seg string, off int) (queryParam, bool, error) {
	eq := strings.IndexByte(seg, '=')
	if eq < 0 {
		name := trimKotlin(seg)
		if name == "" {
			return queryParam{}, false, nil
		}
		n, err := decodeURLQueryComponent(name, false)
		if err != nil {
			return queryParam{}, false, withOffset(err, off)
		}
		return queryParam{Name: n, Offset: off}, true, nil
	}
	name := trimKotlin(seg[:eq])
	if name == "" {
		return queryParam{}, false, nil
	}
	n, err := decodeURLQueryComponent(name, false)
	if err != nil {
		return queryParam{}, false, withOffset(err, off)
	}
	v, err := decodeURLQueryComponent(trimKotlin(seg[eq+1:]), true)
	if err != nil {
		return queryParam{}, false, withOffset(err, off+eq+1)
	}
	return queryParam{Name: n, Value: v, HasValue: true, Offset: off}, true, nil
}

func withOffset(err error, base int) error {
	if de, ok := err.(*DecodeError); ok && de.Offset >= 0 {
		c := *de
		c.Offset += base
		return &c
	}
	return err
}

// formURLEncode is Ktor's List<Pair<String,String>>.formUrlEncode().
func formURLEncode(names, values []string, keepEquals bool) string {
	var b strings.Builder
	for i := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(encodeURLParameter(names[i], true))
		b.WriteByte('=')
		if keepEquals {
			// Ktor 1.4.3-1.5.4's encodeURLParameterValue: '=' stays
			b.WriteString(strings.ReplaceAll(encodeURLParameter(values[i], true), "%3D", "="))
		} else {
			b.WriteString(encodeURLParameter(values[i], true))
		}
	}
	return b.String()
}

// foldName is the key Ktor's case-insensitive Parameters map uses.
func foldName(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.ToLower(strings.ToUpper(s))
		}
	}
	return strings.ToLower(s) // ASCII: upper then lower is lower (and no allocation when already lower)
}
