package codec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Cookie is one name=value pair of a Cookie: header. Raw is the value as
// Ktor hands it to decodeCookieValue: one pair of surrounding double quotes
// removed, nothing decoded.
type Cookie struct {
	Name, Raw string
}

// SetCookie is a parsed Set-Cookie line, the fields of Ktor's
// parseServerSetCookieHeader with the value left undecoded.
type SetCookie struct {
	Name string
	// Raw is the value as Ktor hands it to decodeCookieValue (surrounding
	// quotes removed); decode it with Encoding, or when that is empty with
	// the default of the reader: URI before Ktor 1.4.1, RAW from 1.4.1 on.
	Raw      string
	Encoding Encoding // from an exact `$x-enc=NAME`; "" when absent
	// MaxAge as Ktor 1.5.2+ reads it, clamped to [0, 2^31-1]; nil when absent.
	MaxAge *int64
	// Expires as read by RFC 6265's date algorithm (Ktor's CookieDateParser);
	// nil when absent or unreadable, in which case ExpiresRaw still holds it.
	Expires    *time.Time
	ExpiresRaw string
	Domain     string
	Path       string
	Secure     bool
	HTTPOnly   bool
	// Extensions are the other attributes in order of appearance, values as
	// written; Value is nil for an attribute without '=' (Ktor reads "").
	Extensions []Extension
}

// pair is one match of Ktor's clientCookieHeaderPattern.
type pair struct {
	name, value string
	hasValue    bool
}

// javaSpace is the regex \s of java.util.regex: [ \t\n\x0B\f\r].
func javaSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// scanPairs runs Ktor's clientCookieHeaderPattern over h with findAll, in
// linear time. From 2.0.0 (wide) it is
//
//	(^|;)\s*([^;=\{\}\s]+)\s*(=\s*("[^"]*"|[^;]*))?
//
// and before 2.0.0 the name also excludes ()<>@:/\"[]?, so a name stops
// there (and its value, if any, is lost). A pair starts at the beginning or
// right after a ';'; what follows a quoted value up to the next ';' is
// dropped, as the regex does.
func scanPairs(h string, wide bool, fn func(pair) bool) {
	nameByte := nameByteWide
	if !wide {
		nameByte = nameByteNarrow
	}
	noQuoteFrom := len(h) + 1 // no '"' at or after this index
	start := -1               // where \s*name may begin: after `^` or a ';'
	if startsName(h, 0, nameByte) {
		start = 0
	}
	pos := 0
	for {
		if start < 0 {
			j := strings.IndexByte(h[pos:], ';')
			if j < 0 {
				return
			}
			start = pos + j + 1
		}
		q := start
		start = -1
		for q < len(h) && javaSpace(h[q]) {
			q++
		}
		ns := q
		for q < len(h) && nameByte(h[q]) {
			q++
		}
		if q == ns { // no name after this ';': look for the next one
			pos = q
			continue
		}
		p := pair{name: h[ns:q]}
		for q < len(h) && javaSpace(h[q]) {
			q++
		}
		if q < len(h) && h[q] == '=' {
			p.hasValue = true
			q++
			for q < len(h) && javaSpace(h[q]) {
				q++
			}
			vs := q
			quoted := false
			if q < len(h) && h[q] == '"' && q+1 < noQuoteFrom {
				if k := strings.IndexByte(h[q+1:], '"'); k >= 0 {
					q += 1 + k + 1
					quoted = true
				} else {
					noQuoteFrom = q + 1
				}
			}
			if !quoted {
				for q < len(h) && h[q] != ';' {
					q++
				}
			}
			p.value = h[vs:q]
		}
		if !fn(p) {
			return
		}
		pos = q
	}
}

// startsName reports whether the `^` alternative can match at 0.
func startsName(h string, i int, nameByte func(byte) bool) bool {
	for i < len(h) && javaSpace(h[i]) {
		i++
	}
	return i < len(h) && nameByte(h[i])
}

// nameByteWide is [^;=\{\}\s] (Ktor 2.0.0 on).
func nameByteWide(c byte) bool {
	return c != ';' && c != '=' && c != '{' && c != '}' && !javaSpace(c)
}

// nameByteNarrow is [^()<>@;:/\\"\[\]\?=\{\}\s] (before 2.0.0).
func nameByteNarrow(c byte) bool {
	return nameByteWide(c) && strings.IndexByte(`()<>@:/\"[]?`, c) < 0
}

// stripQuotes is the removeSurrounding("\"") of parseClientCookiesHeader.
func stripQuotes(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// trimPrefixFold removes prefix (ASCII, any case) and the blanks after it.
func trimPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return strings.TrimLeft(s[len(prefix):], " \t"), true
	}
	return s, false
}

// ParseCookieHeader reads a Cookie: header (with or without the "Cookie:"
// prefix) as Ktor's parseClientCookiesHeader does from 2.0.0, keeping every
// pair in order, duplicates included. Ktor's server keeps the LAST value of
// a name (a map, and later Cookie: headers override earlier ones). Names
// starting with '$' are skipped, as Ktor does. Like Ktor, it never fails: a
// header without pairs ("" included) is an empty list. The error result is
// always nil; it is kept for callers written against older versions.
func ParseCookieHeader(h string) ([]Cookie, error) {
	return parseCookieHeader(h, true), nil
}

// ParseCookieHeaderFor is ParseCookieHeader as p's release parses: before
// 2.0.0 a cookie name stops at any of ()<>@:/\"[]?.
func ParseCookieHeaderFor(h string, p transform.Profile) ([]Cookie, error) {
	ver, err := release("parse cookie", p)
	if err != nil {
		return nil, err
	}
	return parseCookieHeader(h, ver.Has(ktor.CookieHeaderWideNames)), nil
}

func parseCookieHeader(h string, wide bool) []Cookie {
	h = strings.TrimSpace(h)
	h, _ = trimPrefixFold(h, "Cookie:")
	out := []Cookie{}
	scanPairs(h, wide, func(p pair) bool {
		if !strings.HasPrefix(p.name, "$") {
			out = append(out, Cookie{Name: p.name, Raw: stripQuotes(p.value)})
		}
		return true
	})
	return out
}

// LastCookie is the Raw of the last pair called name in a Cookie: header
// as p's release parses it (ParseCookieHeaderFor), ok false when there is
// none, without building the list: the read of Ktor's server, which keeps
// the last value of a name. err is only for an unknown profile.
func LastCookie(h, name string, p transform.Profile) (raw string, ok bool, err error) {
	ver, err := release("parse cookie", p)
	if err != nil {
		return "", false, err
	}
	h = strings.TrimSpace(h)
	h, _ = trimPrefixFold(h, "Cookie:")
	scanPairs(h, ver.Has(ktor.CookieHeaderWideNames), func(c pair) bool {
		if c.name == name && !strings.HasPrefix(c.name, "$") {
			raw, ok = stripQuotes(c.value), true
		}
		return true
	})
	return raw, ok, nil
}

var setCookieAttrs = map[string]bool{
	"max-age": true, "expires": true, "domain": true, "path": true, "secure": true, "httponly": true, "$x-enc": true,
}

// ParseSetCookie reads a Set-Cookie line (with or without the "Set-Cookie:"
// prefix) as Ktor's parseServerSetCookieHeader does: the cookie is the first
// pair whose name does not start with '$', with the last value given for that
// name; attribute names are matched in any case, later ones win; $x-enc must
// be written exactly. Failures where Ktor throws too: no cookie pair, an
// unknown $x-enc, a Max-Age that is not a (64-bit) number.
func ParseSetCookie(line string) (SetCookie, error) {
	line = strings.TrimSpace(line)
	line, _ = trimPrefixFold(line, "Set-Cookie:")
	type entry struct {
		value    string
		hasValue bool
	}
	var order []string
	all := map[string]entry{}
	lower := map[string]entry{}
	scanPairs(line, true, func(p pair) bool {
		e := entry{stripQuotes(p.value), p.hasValue}
		if _, seen := all[p.name]; !seen {
			order = append(order, p.name)
		}
		all[p.name] = e
		lower[asciiLower(p.name)] = e
		return true
	})
	var sc SetCookie
	found := false
	for _, n := range order {
		if !strings.HasPrefix(n, "$") {
			sc.Name, sc.Raw, found = n, all[n].value, true
			break
		}
	}
	if !found {
		return SetCookie{}, newErr("parse set-cookie", "", ErrMalformed, fmt.Sprintf("no cookie name=value in %s", clip(line)),
			"java.util.NoSuchElementException: Collection contains no element matching the predicate.")
	}
	if e, ok := all["$x-enc"]; ok {
		enc, ok := parseKtorName(e.value)
		if !ok {
			return SetCookie{}, newErr("parse set-cookie", "", ErrEncoding, fmt.Sprintf("$x-enc=%s", clip(e.value)),
				"java.lang.IllegalArgumentException: No enum constant io.ktor.http.CookieEncoding."+e.value)
		}
		sc.Encoding = enc
	}
	if e, ok := lower["max-age"]; ok {
		n, err := strconv.ParseInt(e.value, 10, 64)
		if err != nil {
			return SetCookie{}, newErr("parse set-cookie", "", ErrMalformed, fmt.Sprintf("Max-Age=%s is not a number", clip(e.value)),
				fmt.Sprintf("java.lang.NumberFormatException: For input string: \"%s\"", e.value))
		}
		n = max(0, min(n, math.MaxInt32))
		sc.MaxAge = &n
	}
	if e, ok := lower["expires"]; ok {
		sc.ExpiresRaw = e.value
		if t, ok := parseCookieDate(e.value); ok {
			sc.Expires = &t
		}
	}
	sc.Domain = lower["domain"].value
	sc.Path = lower["path"].value
	_, sc.Secure = lower["secure"]
	_, sc.HTTPOnly = lower["httponly"]
	for _, n := range order {
		if n == sc.Name || setCookieAttrs[asciiLower(n)] {
			continue
		}
		x := Extension{Name: n}
		if e := all[n]; e.hasValue {
			v := e.value
			x.Value = &v
		}
		sc.Extensions = append(sc.Extensions, x)
	}
	return sc, nil
}

// clip shortens untrusted text quoted in an error.
func clip(s string) string {
	const n = 64
	if len(s) > n {
		return strconv.Quote(s[:n]) + "..."
	}
	return strconv.Quote(s)
}

// asciiLower is Ktor's toLowerCasePreservingASCIIRules: A-Z only.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
