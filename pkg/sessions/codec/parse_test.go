package codec

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseCookieHeader(t *testing.T) {
	tests := []struct {
		in   string
		want []Cookie
	}{
		{`Cookie: a=1; b="x;y"; c=2`, []Cookie{{"a", "1"}, {"b", "x;y"}, {"c", "2"}}},
		{`a=1 ; b = 2`, []Cookie{{"a", "1 "}, {"b", "2"}}},
		{`$Version=1; SESSION=abc; $Path=/`, []Cookie{{"SESSION", "abc"}}},
		{`a="x"junk; b=1`, []Cookie{{"a", "x"}, {"b", "1"}}},
		{`flag; a=1`, []Cookie{{"flag", ""}, {"a", "1"}}},
		{`a=1;;b=2`, []Cookie{{"a", "1"}, {"b", "2"}}},
		{`=x; a=1`, []Cookie{{"a", "1"}}},
		{`a=1; a=2`, []Cookie{{"a", "1"}, {"a", "2"}}},
		{`COOKIE:a="`, []Cookie{{"a", `"`}}},
		{`a b=c; d=e`, []Cookie{{"a", ""}, {"d", "e"}}},
		{`a=b=c`, []Cookie{{"a", "b=c"}}},
		{`a="unterminated; b="x"`, []Cookie{{"a", "unterminated; b="}}}, // the quoted alternative spans the semicolon
	}
	for _, tc := range tests {
		got, err := ParseCookieHeader(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseCookieHeader(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// Ktor's parseClientCookiesHeader never throws: no pair is an empty map
	for _, in := range []string{"", "Cookie:", "; ;", "=1", "$a=1"} {
		if got, err := ParseCookieHeader(in); err != nil || got == nil || len(got) != 0 {
			t.Errorf("ParseCookieHeader(%q) = %#v, %v; want an empty list", in, got, err)
		}
	}
}

func TestParseSetCookie(t *testing.T) {
	sc, err := ParseSetCookie(`set-cookie: SESSION="a%20b"; Max-Age=99999999999; expires=Tuesday, 21-Nov-23 22:13:20 GMT; DOMAIN=example.com; Path=/x; secure; HttpOnly; SameSite=Lax; Partitioned; $x-enc=URI_ENCODING`)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2023, 11, 21, 22, 13, 20, 0, time.UTC)
	if sc.Name != "SESSION" || sc.Raw != "a%20b" || sc.Encoding != URI || sc.MaxAge == nil || *sc.MaxAge != 2147483647 ||
		sc.Expires == nil || !sc.Expires.Equal(want) || sc.Domain != "example.com" || sc.Path != "/x" || !sc.Secure || !sc.HTTPOnly {
		t.Errorf("parsed %+v", sc)
	}
	if len(sc.Extensions) != 2 || sc.Extensions[0].Name != "SameSite" || deref(sc.Extensions[0].Value) != "Lax" ||
		sc.Extensions[1].Name != "Partitioned" || sc.Extensions[1].Value != nil {
		t.Errorf("extensions %+v", sc.Extensions)
	}

	for _, tc := range []struct{ in, raw string }{
		{"S=a; Path=/; S=b", "b"}, // Ktor's map: first name, last value
		{"$x-enc=RAW; S=v", "v"},
	} {
		sc, err := ParseSetCookie(tc.in)
		if err != nil || sc.Name != "S" || sc.Raw != tc.raw {
			t.Errorf("ParseSetCookie(%q) = %+v, %v", tc.in, sc, err)
		}
	}
	sc, err = ParseSetCookie("S=v; $X-ENC=RAW; Max-Age=-5; Expires=yesterday")
	if err != nil || sc.Encoding != "" || len(sc.Extensions) != 0 || *sc.MaxAge != 0 || sc.Expires != nil || sc.ExpiresRaw != "yesterday" {
		t.Errorf("case quirks: %+v %v", sc, err)
	}

	for in, sentinel := range map[string]error{
		"":                 ErrMalformed,
		"$x-enc=RAW":       ErrMalformed,
		"S=v; Max-Age=abc": ErrMalformed,
		"S=v; Max-Age=":    ErrMalformed,
		"S=v; $x-enc=NOPE": ErrEncoding,
		"S=v; $x-enc=raw":  ErrEncoding,
		"Set-Cookie: ":     ErrMalformed,
		"S=v; max-age=1e3": ErrMalformed,
		"S=v; Max-Age=9" + strings.Repeat("9", 30): ErrMalformed,
	} {
		var ce *Error
		if _, err := ParseSetCookie(in); !errors.Is(err, sentinel) || !errors.As(err, &ce) {
			t.Errorf("ParseSetCookie(%q) error = %v, want %v", in, err, sentinel)
		}
	}
}

func TestParseCookieDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339, "" = unreadable
	}{
		{"Tue, 21 Nov 2023 22:13:20 GMT", "2023-11-21T22:13:20Z"},
		{"Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z"},
		{"Sun Nov  6 08:49:37 1994", "1994-11-06T08:49:37Z"},
		{"Thu, 01 Jan 1970 00:00:00 GMT", "1970-01-01T00:00:00Z"},
		{"2023 Nov 21 22:13:20", "2021-11-20T22:13:20Z"}, // Ktor: "2023" gives day 20, then "21" the year
		{"31 Feb 2023 1:2:3", "2023-03-03T01:02:03Z"},
		{"Tue, 21 Nov 1600 22:13:20 GMT", ""},
		{"Tue, 32 Nov 2023 22:13:20 GMT", ""},
		{"Tue, 21 Nov 2023 24:13:20 GMT", ""},
		{"yesterday", ""},
		{"21 Nov 2023 22:13:20 日", ""},
		{"", ""},
	}
	for _, tc := range tests {
		got, ok := parseCookieDate(tc.in)
		s := ""
		if ok {
			s = got.Format(time.RFC3339)
		}
		if s != tc.want {
			t.Errorf("parseCookieDate(%q) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

func TestExtract(t *testing.T) {
	curl := "HTTP/1.1 302 Found\r\nLocation: /\r\nSet-Cookie: SESSION=abc%2F1; Path=/; $x-enc=URI_ENCODING\r\n\r\n" +
		"Set-Cookie: body=ignored\r\nHTTP/2 200\r\nset-cookie: OTHER=x\r\nset-cookie: broken\r\ncontent-type: text/html\r\n\r\n<html>\r\n"
	tests := []struct {
		name  string
		in    string
		names []string
		want  []Found // compared on Source, Name, Raw, Line and whether Err is set
	}{
		{"bare", "  abc/def  ", nil, []Found{{Source: "bare", Raw: "abc/def", Line: 1}}},
		{"pair", "SESSION=abc%2Fdef", nil, []Found{{Source: "pair", Name: "SESSION", Raw: "abc%2Fdef", Line: 1}}},
		{"ktor text", "a=%23i1&b=%23s2", nil, []Found{{Source: "bare", Raw: "a=%23i1&b=%23s2", Line: 1}}},
		{"hash", "name=#sBob", nil, []Found{{Source: "bare", Raw: "name=#sBob", Line: 1}}},
		{"base64 pad", "aGVsbG8=", nil, []Found{{Source: "bare", Raw: "aGVsbG8=", Line: 1}}},
		{"base64 pad 2", "YQ==", nil, []Found{{Source: "bare", Raw: "YQ==", Line: 1}}},
		{"names match", "a=%23i1&b=%23s2", []string{"a"}, []Found{{Source: "pair", Name: "a", Raw: "%23i1&b=%23s2", Line: 1}}},
		{"names miss", "SESSION=abc", []string{"USER"}, []Found{{Source: "bare", Raw: "SESSION=abc", Line: 1}}},
		{"not a token", "a b=c", nil, []Found{{Source: "bare", Raw: "a b=c", Line: 1}}},
		{"cookie header", "cookie: a=1; SESSION=\"x\"", []string{"SESSION"}, []Found{
			{Source: "cookie", Name: "a", Raw: "1", Line: 1}, {Source: "cookie", Name: "SESSION", Raw: "x", Line: 1}}},
		{"bad cookie header", "Cookie: ;;", nil, []Found{{Source: "cookie", Line: 1, Err: ErrMalformed}}},
		{"set-cookie", "Set-Cookie: S=v; Path=/", nil, []Found{{Source: "set-cookie", Name: "S", Raw: "v", Line: 1}}},
		{"curl -v", "> Cookie: a=1\n< Set-Cookie: b=2\n<", nil, []Found{
			{Source: "cookie", Name: "a", Raw: "1", Line: 1}, {Source: "set-cookie", Name: "b", Raw: "2", Line: 2}}},
		{"curl -i", curl, []string{"SESSION"}, []Found{
			{Source: "set-cookie", Name: "SESSION", Raw: "abc%2F1", Line: 3},
			{Source: "set-cookie", Name: "OTHER", Raw: "x", Line: 7},
			{Source: "set-cookie", Name: "broken", Raw: "", Line: 8}}},
		{"set-cookie value", "SESSION=abc; Path=/; HttpOnly", nil, []Found{{Source: "set-cookie", Name: "SESSION", Raw: "abc", Line: 1}}},
		{"cookie value", "a=1; SESSION=x", []string{"a"}, []Found{{Source: "cookie", Name: "a", Raw: "1", Line: 1}, {Source: "cookie", Name: "SESSION", Raw: "x", Line: 1}}},
		{"quoted pair", `SESSION="abc%2Fdef"`, nil, []Found{{Source: "pair", Name: "SESSION", Raw: "abc%2Fdef", Line: 1}}},
		{"quoted in every form", "SESSION=\"q\"\nCookie: SESSION=\"q\"\nSet-Cookie: SESSION=\"q\"; Path=/\nSESSION=\"q\"; Path=/", nil, []Found{
			{Source: "pair", Name: "SESSION", Raw: "q", Line: 1}, {Source: "cookie", Name: "SESSION", Raw: "q", Line: 2},
			{Source: "set-cookie", Name: "SESSION", Raw: "q", Line: 3}, {Source: "set-cookie", Name: "SESSION", Raw: "q", Line: 4}}},
		{"lines", "one\n\ntwo=x\n", nil, []Found{{Source: "bare", Raw: "one", Line: 1}, {Source: "pair", Name: "two", Raw: "x", Line: 3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Extract(tc.in, tc.names)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d values %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Source != w.Source || g.Name != w.Name || g.Raw != w.Raw || g.Line != w.Line || (g.Err != nil) != (w.Err != nil) {
					t.Errorf("%d: got %+v, want %+v", i, g, w)
				}
				if w.Err != nil && !errors.Is(g.Err, w.Err) {
					t.Errorf("%d: error %v, want %v", i, g.Err, w.Err)
				}
				if g.Source == "set-cookie" && g.Err == nil && (g.SetCookie == nil || g.SetCookie.Raw != g.Raw) {
					t.Errorf("%d: SetCookie %+v", i, g.SetCookie)
				}
			}
		})
	}
	// Date: of a pasted response, before or after its Set-Cookie lines; none outside one
	resp := "Set-Cookie: D=4\nHTTP/1.1 200 OK\r\nSet-Cookie: A=1; Max-Age=60\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n\r\nbody\r\n" +
		"HTTP/1.1 200 OK\r\nDate: Wed, 15 Nov 2023 00:00:00 GMT\r\nSet-Cookie: B=2\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nSet-Cookie: C=3\r\n\r\n"
	got, err := Extract(resp, nil)
	if err != nil || len(got) != 4 {
		t.Fatalf("%v %+v", err, got)
	}
	for i, want := range []string{"", "2023-11-14T22:13:20Z", "2023-11-15T00:00:00Z", ""} {
		g := ""
		if got[i].Date != nil {
			g = got[i].Date.UTC().Format(time.RFC3339)
		}
		if g != want {
			t.Errorf("%s: Date %q, want %q", got[i].Name, g, want)
		}
	}
	for _, in := range []string{"", " \n\r\n", "HTTP/1.1 204 No Content\nServer: x\n\n"} {
		if _, err := Extract(in, nil); !errors.Is(err, ErrEmpty) {
			t.Errorf("Extract(%q) = %v, want ErrEmpty", in, err)
		}
	}
}
