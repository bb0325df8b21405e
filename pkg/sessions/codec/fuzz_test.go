package codec

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// typed fails unless err is this package's *Error wrapping one of sentinels.
func typed(t *testing.T, err error, sentinels ...error) {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("untyped error %T: %v", err, err)
	}
	if !strings.HasPrefix(err.Error(), "codec: ") {
		t.Fatalf("error without prefix: %v", err)
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error %v wraps none of %v", err, sentinels)
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "a+b%20c", "%", "%zz", "\"quoted\"", "aGVsbG8=", "aGVsbG9=", "5pel5pys", "//+YgA==",
		"YQ=", "==", " \"padded\" ", "%ED%A0%80%F0%9F", "é%z", "😀"} {
		for e := range 4 {
			f.Add(s, uint8(e), uint8(e))
		}
	}
	f.Fuzz(func(t *testing.T, s string, ei, pi uint8) {
		e := Encodings[int(ei)%len(Encodings)]
		p := profiles[int(pi)%len(profiles)]
		got, err := Decode(s, e, p)
		if err != nil {
			if e == Raw || e == DQuotes || (e == Base64 && p != "3") {
				t.Fatalf("Decode(%q, %s, %s) failed where Ktor cannot: %v", s, e, p, err)
			}
			typed(t, err, ErrMalformed)
		} else if (e == URI || e == Base64) && utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Decode(%q, %s, %s) = %q: invalid UTF-8", s, e, p, got)
		}
		// decode(encode(x)) == x wherever Ktor round-trips: x must be a
		// Java string (valid UTF-8); 1.0.0's BASE64 only for ASCII; RAW and
		// DQUOTES lose surrounding quotes and blanks of an already quoted x.
		if !utf8.ValidString(s) {
			return
		}
		enc, err := Encode(s, e, p)
		if err != nil {
			typed(t, err, ErrUnencodable)
			if e != Raw && e != DQuotes {
				t.Fatalf("Encode(%q, %s, %s): %v", s, e, p, err)
			}
			return
		}
		if e == Base64 && p == "1.0" && !isASCII(s) {
			return
		}
		if e == Raw && unquote(s) != s {
			return
		}
		back, err := Decode(enc, e, p)
		if err != nil || back != s {
			t.Fatalf("Decode(Encode(%q)) via %s/%s = %q, %v (encoded %q)", s, e, p, back, err, enc)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// safeValue: a value that survives name=value; joining unchanged.
func safeValue(v string) bool {
	return !strings.ContainsAny(v, `;"`) && strings.Trim(v, " \t\n\v\f\r") == v
}

func FuzzParseCookieHeader(f *testing.F) {
	for _, s := range []string{"Cookie: a=1; b=\"x;y\"; c=2", "$Version=1; SESSION=abc", "a=\"x\"junk; b=1", "=x; a=1",
		"a b=c", "a=\"", ";;;", "COOKIE: a=1 ; b = 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		cs, err := ParseCookieHeader(h)
		if err != nil {
			typed(t, err, ErrMalformed)
			return
		}
		var b strings.Builder
		safe := true
		for i, c := range cs {
			if c.Name == "" || strings.HasPrefix(c.Name, "$") || strings.ContainsAny(c.Name, ";={} \t\n\v\f\r") {
				t.Fatalf("bad name %q from %q", c.Name, h)
			}
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(c.Name + "=" + c.Raw)
			safe = safe && safeValue(c.Raw)
		}
		if !safe || strings.HasPrefix(strings.ToLower(b.String()), "cookie:") {
			return // a first cookie named "Cookie:..." reads back as the prefix
		}
		again, err := ParseCookieHeader(b.String())
		if err != nil || len(again) != len(cs) {
			t.Fatalf("re-parse of %q: %v, %v", b.String(), again, err)
		}
		for i := range cs {
			if again[i] != cs[i] {
				t.Fatalf("re-parse of %q: %q, want %q", b.String(), again, cs)
			}
		}
	})
}

// Before 2.0.0 a name stops at ()<>@:/\"[]?: the narrow parse never yields such a name, and
// where no name holds them it reads what the wide one reads.
func FuzzParseCookieHeaderFor(f *testing.F) {
	for _, s := range []string{"a:b=1; S=2", "c(d=\"x;S=evil\"; S=good", "a=1; b=2", "x/y=1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		narrow, err := ParseCookieHeaderFor(h, "1.6.8")
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		for _, c := range narrow {
			if c.Name == "" || strings.ContainsAny(c.Name, "()<>@:/\\\"[]?;={} \t\n\v\f\r") {
				t.Fatalf("narrow parse of %q gave the name %q", h, c.Name)
			}
		}
		if !strings.ContainsAny(h, "()<>@:/\\\"[]?") {
			wide, _ := ParseCookieHeaderFor(h, "2.0.0")
			if len(wide) != len(narrow) {
				t.Fatalf("%q: narrow %q, wide %q", h, narrow, wide)
			}
			for i := range wide {
				if wide[i] != narrow[i] {
					t.Fatalf("%q: narrow %q, wide %q", h, narrow, wide)
				}
			}
		}
	})
}

func FuzzParseSetCookie(f *testing.F) {
	for _, s := range []string{
		"SESSION=hello; Max-Age=604800; Expires=Tue, 21 Nov 2023 22:13:20 GMT; Path=/; HttpOnly; $x-enc=URI_ENCODING",
		"Set-Cookie: SESSION=; Max-Age=-1; Expires=yesterday; $x-enc=NOPE",
		"S=v; Domain=example.com; Secure; SameSite=Strict; Partitioned; $x-enc=RAW",
		"S=v; expires=Sun Nov  6 08:49:37 1994; max-age=99999999999",
		"$x-enc=RAW", "Set-Cookie: ", "S=a; S=b", "S=v; Expires=日",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		sc, err := ParseSetCookie(line)
		if err != nil {
			typed(t, err, ErrMalformed, ErrEncoding)
			return
		}
		if strings.HasPrefix(sc.Name, "$") || sc.Name == "" {
			t.Fatalf("name %q", sc.Name)
		}
		if sc.MaxAge != nil && (*sc.MaxAge < 0 || *sc.MaxAge > math.MaxInt32) {
			t.Fatalf("max age %d", *sc.MaxAge)
		}
		if sc.Expires != nil && sc.Expires.Year() < 1601 {
			t.Fatalf("expires %v", sc.Expires)
		}
		// The same line read as a Cookie: header names the same first cookie.
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "cookie:") {
			return // ParseCookieHeader would take it for its own prefix
		}
		cs, err := ParseCookieHeader(line)
		if err != nil {
			t.Fatalf("Set-Cookie parses but Cookie does not: %v", err)
		}
		if cs[0].Name != sc.Name && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "set-cookie:") {
			t.Fatalf("first cookie %q vs %q", cs[0].Name, sc.Name)
		}
		// Whatever decodes renders back (3.x RAW passes anything) and re-parses to the same value,
		// except a cookie named like the header itself ("Set-Cookie:"): Ktor renders it, but the
		// parser takes a leading "Set-Cookie:" for the header name a pasted line starts with.
		headerLike := strings.HasPrefix(strings.ToLower(sc.Name), "set-cookie:")
		if safeValue(sc.Raw) && !headerLike && !strings.ContainsAny(sc.Name, `,"`) && strings.IndexFunc(sc.Name, func(r rune) bool { return r < ' ' || ktWhitespace(r) }) < 0 {
			out, err := RenderSetCookie(sc.Name, sc.Raw, CookieConfig{Encoding: Raw}, timeZero, "3")
			if err != nil {
				t.Fatalf("render %q: %v", sc.Name, err)
			}
			back, err := ParseSetCookie(out)
			if err != nil || back.Name != sc.Name || back.Raw != strings.TrimRight(sc.Raw, " \t\n\v\f\r") || back.Encoding != Raw {
				t.Fatalf("render/parse of %q: %q %+v %v", line, out, back, err)
			}
		}
	})
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"abc/def", "SESSION=abc%2F", "a=%23i1&b=%23s2", "Cookie: a=1; b=2",
		"Set-Cookie: S=v; Path=/", "HTTP/1.1 200 OK\r\nSet-Cookie: S=v\r\n\r\nbody", "> Cookie: a=1\n< Set-Cookie: b=2", "", "YQ=="} {
		f.Add(s, "")
		f.Add(s, "SESSION")
	}
	f.Fuzz(func(t *testing.T, text, name string) {
		var names []string
		if name != "" {
			names = []string{name}
		}
		found, err := Extract(text, names)
		if err != nil {
			typed(t, err, ErrEmpty)
			if !blank(text) && !strings.Contains(strings.ToUpper(text), "HTTP/") {
				t.Fatalf("nothing found in %q", text)
			}
			return
		}
		n := strings.Count(text, "\n") + 1
		for _, x := range found {
			if x.Line < 1 || x.Line > n {
				t.Fatalf("line %d of %d", x.Line, n)
			}
			if x.Err != nil {
				typed(t, x.Err, ErrMalformed, ErrEncoding)
				continue
			}
			if !strings.Contains(text, x.Raw) || !strings.Contains(text, x.Name) {
				t.Fatalf("%+v not taken from %q", x, text)
			}
			switch x.Source {
			case "bare":
				if x.Name != "" || x.Raw == "" {
					t.Fatalf("bare %+v", x)
				}
			case "pair":
				if names != nil && x.Name != name {
					t.Fatalf("pair %+v for names %q", x, names)
				}
			case "cookie":
			case "set-cookie":
				if x.SetCookie == nil || x.SetCookie.Raw != x.Raw {
					t.Fatalf("set-cookie %+v", x)
				}
			default:
				t.Fatalf("source %q", x.Source)
			}
		}
	})
}

// blank: every line empty once trimmed and stripped of a curl -v marker.
func blank(text string) bool {
	for _, l := range lines(text) {
		l, _ = trimCurlMarker(strings.TrimSpace(l))
		if l != "" {
			return false
		}
	}
	return true
}

// FuzzLastCookie: LastCookie is the last pair of the name in
// ParseCookieHeaderFor's list, for every name in it and for one that is not,
// in both of Ktor's cookie name patterns.
func FuzzLastCookie(f *testing.F) {
	f.Add("a=1; b=2; a=\"3\"", "a")
	f.Add("Cookie: $x=1;S=%7B; S", "S")
	f.Add(" ;;= x", "x")
	f.Add("a(b=1; a=2", "a")
	f.Fuzz(func(t *testing.T, h, name string) {
		for _, p := range []transform.Profile{"1.6.8", "2.0.0", "3"} {
			cs, _ := ParseCookieHeaderFor(h, p)
			names := []string{name}
			for _, c := range cs {
				names = append(names, c.Name)
			}
			for _, n := range names {
				raw, ok, err := LastCookie(h, n, p)
				if err != nil {
					t.Fatal(err)
				}
				want, found := "", false
				for _, c := range cs {
					if c.Name == n {
						want, found = c.Raw, true
					}
				}
				if raw != want || ok != found {
					t.Fatalf("%s: LastCookie(%q, %q) = %q %v, want %q %v", p, h, n, raw, ok, want, found)
				}
			}
		}
	})
}
