package codec

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Found is one cookie value Extract located in pasted text.
type Found struct {
	Source    string     // "bare", "pair", "cookie" or "set-cookie"
	Name      string     // the cookie name; "" for a bare value
	Raw       string     // the value, undecoded (quotes removed as Ktor does)
	SetCookie *SetCookie // the parsed line, for Source "set-cookie"
	Line      int        // 1-based line of text it came from
	Err       error      // a Cookie:/Set-Cookie: line that does not parse (an *Error)
	// Date is the Date: header of the pasted response a Set-Cookie came in (curl -i), read as
	// RFC 6265 reads cookie dates; nil outside a response or when it has none. Max-Age counts
	// from it: the response was received then, not when it was pasted.
	Date *time.Time
}

// Extract finds the cookie values in what a user pasted: a bare value,
// NAME=value, a Cookie: header, a Set-Cookie: line, or a whole HTTP response
// (curl -i; every Set-Cookie of every response in it, bodies ignored).
// Each line is read on its own:
//   - a line starting with "Cookie:" or "Set-Cookie:" (any case, optionally
//     after curl -v's "> " or "< ") is that header;
//   - a line starting with "HTTP/" opens a response: its header lines up to
//     the first blank line yield their Set-Cookie values, the body after it
//     is skipped until the next "HTTP/" line;
//   - "NAME=value" is a pair when NAME is one of names; when names is empty,
//     when NAME is a cookie-name token, the value is not empty, not only
//     '=' (base64 padding), does not start with "%23" or "#" and holds no
//     '&' (a Ktor text payload such as a=%23i1&b=%23s2 is a bare value);
//   - a pair whose value goes on after a ';' is a header value pasted
//     without its name: a Set-Cookie line when a Set-Cookie attribute
//     (Path, Max-Age, SameSite...) follows, else a Cookie header;
//   - anything else is a bare value. Lines are trimmed of blanks.
//
// names does not filter: cookies of other names in a Cookie: header, a
// Set-Cookie line or a response are returned too, and the caller picks. A
// header line that does not parse is returned with Err set, so one row can
// be shown for it; Extract itself fails only when text holds no value at all
// (ErrEmpty).
func Extract(text string, names []string) ([]Found, error) {
	var out []Found
	inHeaders, inBody := false, false
	respStart := 0 // the index in out of the first value of the current response
	var respDate *time.Time
	for n, line := range lines(text) {
		ln := n + 1
		line = strings.TrimSpace(line)
		if l, ok := trimCurlMarker(line); ok {
			line = l
		}
		if len(line) >= 5 && strings.EqualFold(line[:5], "HTTP/") {
			inHeaders, inBody = true, false
			respStart, respDate = len(out), nil
			continue
		}
		if inHeaders && line == "" {
			inHeaders, inBody = false, true
			continue
		}
		if inBody || line == "" {
			continue
		}
		if rest, ok := trimPrefixFold(line, "Set-Cookie:"); ok {
			f := setCookieFound(rest, ln)
			if inHeaders {
				f.Date = respDate
			}
			out = append(out, f)
			continue
		}
		if inHeaders {
			if rest, ok := trimPrefixFold(line, "Date:"); ok && respDate == nil {
				if t, ok := parseCookieDate(strings.TrimSpace(rest)); ok {
					respDate = &t
					for i := respStart; i < len(out); i++ { // a Date after the Set-Cookie lines
						out[i].Date = respDate
					}
				}
			}
			continue // another header of the response
		}
		if rest, ok := trimPrefixFold(line, "Cookie:"); ok {
			cs := parseCookieHeader(rest, true)
			if len(cs) == 0 {
				out = append(out, Found{Source: "cookie", Line: ln, Err: noPairs(rest)})
				continue
			}
			for _, c := range cs {
				out = append(out, Found{Source: "cookie", Name: c.Name, Raw: c.Raw, Line: ln})
			}
			continue
		}
		if name, value, ok := isPair(line, names); ok {
			if head, _, semi := strings.Cut(value, ";"); semi {
				// A header value pasted without its name: a Set-Cookie value
				// when an attribute follows, else a Cookie header.
				if _, _, ok := isPair(name+"="+head, names); ok {
					out = append(out, headerValue(line, ln)...)
					continue
				}
			}
			// one pair of surrounding quotes goes, as in a Cookie: header (NAME="…" reads the
			// same in every form)
			if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			out = append(out, Found{Source: "pair", Name: name, Raw: value, Line: ln})
			continue
		}
		out = append(out, Found{Source: "bare", Raw: line, Line: ln})
	}
	if len(out) == 0 {
		return nil, newErr("extract", "", ErrEmpty, "the input is blank or holds only a response without Set-Cookie", "")
	}
	return out, nil
}

func setCookieFound(rest string, ln int) Found {
	sc, err := ParseSetCookie(rest)
	if err != nil {
		return Found{Source: "set-cookie", Line: ln, Err: err}
	}
	return Found{Source: "set-cookie", Name: sc.Name, Raw: sc.Raw, SetCookie: &sc, Line: ln}
}

// headerValue reads "a=1; Path=/" as a Set-Cookie value when one of the
// later parts is a Set-Cookie attribute, else "a=1; b=2" as a Cookie header.
func headerValue(line string, ln int) []Found {
	_, rest, _ := strings.Cut(line, ";")
	for _, part := range strings.Split(rest, ";") {
		attr, _, _ := strings.Cut(strings.TrimSpace(part), "=")
		if a := asciiLower(strings.TrimSpace(attr)); setCookieAttrs[a] || a == "samesite" || a == "partitioned" {
			return []Found{setCookieFound(line, ln)}
		}
	}
	var out []Found
	cs := parseCookieHeader(line, true)
	if len(cs) == 0 {
		return []Found{{Source: "cookie", Line: ln, Err: noPairs(line)}}
	}
	for _, c := range cs {
		out = append(out, Found{Source: "cookie", Name: c.Name, Raw: c.Raw, Line: ln})
	}
	return out
}

// lines splits on \n, dropping a \r before it.
func lines(s string) []string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\r")
	}
	return ls
}

func trimCurlMarker(l string) (string, bool) {
	if len(l) >= 1 && (l[0] == '<' || l[0] == '>') && (len(l) == 1 || l[1] == ' ') {
		return strings.TrimSpace(l[1:]), true
	}
	return l, false
}

func isPair(line string, names []string) (string, string, bool) {
	name, value, ok := strings.Cut(line, "=")
	if !ok {
		return "", "", false
	}
	if len(names) > 0 {
		return name, value, slices.Contains(names, name)
	}
	if !isToken(name) || strings.Trim(value, "=") == "" ||
		strings.HasPrefix(value, "%23") || strings.HasPrefix(value, "#") || strings.Contains(value, "&") {
		return "", "", false
	}
	return name, value, true
}

// isToken reports an RFC 7230 token (RFC 6265's cookie-name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// noPairs is the error of a Cookie: line that holds no name=value pair.
func noPairs(h string) error {
	return newErr("parse cookie", "", ErrMalformed, fmt.Sprintf("no name=value pair in %s", clip(strings.TrimSpace(h))), "")
}
