package codec

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var profiles = []transform.Profile{transform.Profile10, transform.Profile16, transform.Profile2, transform.Profile3}

// goldenReleases are the releases the render golden is written for: each
// side of every change point of the cookie layer.
var goldenReleases = []transform.Profile{"1.0.0", "1.0.1", "1.1.0", "1.1.2", "1.2.0", "1.3.0", "1.4.3", "1.5.3", "1.6.8",
	"2.1.0", "2.1.1", "2.1.3", "2.2.0", "2.3.13", "3.0.0", "3.0.2", "3.5.2"}

func TestEncodeByProfile(t *testing.T) {
	tests := []struct {
		in   string
		e    Encoding
		p    transform.Profile
		want string
		err  error
	}{
		{"a-b.c_d~e f", URI, transform.Profile10, "a%2Db%2Ec%5Fd%7Ee+f", nil},
		{"a-b.c_d~e f", URI, transform.Profile16, "a%2Db%2Ec%5Fd%7Ee+f", nil},
		{"a-b.c_d~e f", URI, transform.Profile2, "a-b.c_d~e+f", nil},
		{"a-b.c_d~e f", URI, transform.Profile3, "a-b.c_d~e+f", nil},
		{"a=b", Raw, transform.Profile10, "", ErrUnencodable},
		{"a=b", Raw, transform.Profile16, "a=b", nil},
		{"a b", Raw, transform.Profile2, "", ErrUnencodable},
		{"a b", Raw, transform.Profile3, "a b", nil},
		{"a\u00a0b", Raw, transform.Profile2, "", ErrUnencodable}, // Kotlin's isWhitespace includes NBSP
		{"a\x7fb", Raw, transform.Profile2, "a\x7fb", nil},
		{"a=b", DQuotes, transform.Profile10, `"a=b"`, nil},
		{"a=b", DQuotes, transform.Profile16, "a=b", nil},
		{"a\u2028b", DQuotes, transform.Profile3, "\"a\u2028b\"", nil},
		{`a"b`, DQuotes, transform.Profile3, "", ErrUnencodable},
		{"é", Base64, transform.Profile10, "/6k=", nil},
		{"é", Base64, transform.Profile16, "w6k=", nil},
		{"日本", Base64, transform.Profile10, "//+l//+s", nil}, // E6 97 A5: the last byte sign-extends over the group
		{"ab", Base64, transform.Profile10, "YWI=", nil},
		{"x", "", transform.Profile3, "x", nil},
		{"x", "bogus", transform.Profile3, "", ErrEncoding},
		{"x", URI, "9", "", ErrProfile},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s/%q", tc.p, tc.e, tc.in), func(t *testing.T) {
			got, err := Encode(tc.in, tc.e, tc.p)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("got %q, %v; want %v", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDecodeByProfile(t *testing.T) {
	tests := []struct {
		in   string
		e    Encoding
		p    transform.Profile
		want string
		ktor string // Ktor's exception text when it throws
	}{
		{"aGVsbG8", Base64, transform.Profile16, "hello", ""},
		{"!!!", Base64, transform.Profile16, "\ufffd\ufffd", ""},
		{"!!!", Base64, transform.Profile10, "\u00ff\u00ff", ""},
		{"w6k=", Base64, transform.Profile2, "é", ""},
		{"w6k=", Base64, transform.Profile10, "\u00c3\u00a9", ""},
		{"aGVsbG8", Base64, transform.Profile3, "", "java.lang.IllegalArgumentException: The padding option is set to PRESENT, but the input is not properly padded"},
		{"YQ==", Base64, transform.Profile3, "a", ""},
		{"YQ=", Base64, transform.Profile3, "", "java.lang.IllegalArgumentException: Missing one pad character at index 3"},
		{"==", Base64, transform.Profile3, "", "java.lang.IllegalArgumentException: Redundant pad character at index 0"},
		{"Y=", Base64, transform.Profile3, "", "java.lang.IllegalArgumentException: The last unit of input does not have enough bits"},
		{"YQ==YQ==", Base64, transform.Profile3, "", "java.lang.IllegalArgumentException: Symbol 'Y'(131) at index 3 is prohibited after the pad character"},
		{"日本", Base64, transform.Profile3, "", "java.lang.IllegalArgumentException: Invalid symbol '?'(77) at index 0"},
		{"7aCA", Base64, transform.Profile3, "\ufffd", ""}, // ED A0 80: one U+FFFD in Java
		{"%E6%97", URI, transform.Profile3, "\ufffd", ""},
		{"%ED%A0%80", URI, transform.Profile3, "\ufffd", ""},
		{"%F0%9F%98", URI, transform.Profile3, "\ufffd", ""},
		{"%F0%9F%98%80%80", URI, transform.Profile3, "😀\ufffd", ""},
		{"%C0%AF", URI, transform.Profile3, "\ufffd\ufffd", ""},
		{"%E0%80%AF", URI, transform.Profile3, "\ufffd\ufffd\ufffd", ""},
		{"a+b", URI, transform.Profile10, "a b", ""},
		{"é%zz", URI, transform.Profile3, "", "io.ktor.http.URLDecodeException: Wrong HEX escape: %zz, in é%zz, at 1"},
		{"😀%z", URI, transform.Profile3, "", "io.ktor.http.URLDecodeException: Incomplete trailing HEX escape: %z, in 😀%z at 2"},
		{"%4", URI, transform.Profile3, "", "io.ktor.http.URLDecodeException: Incomplete trailing HEX escape: %4, in %4 at 0"},
		{` "a" `, Raw, transform.Profile3, "a", ""},
		{` " `, DQuotes, transform.Profile3, `"`, ""},
		{` "a`, DQuotes, transform.Profile3, ` "a`, ""},
		{"\u00a0\"a\"\u3000", Raw, transform.Profile10, "a", ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s/%q", tc.p, tc.e, tc.in), func(t *testing.T) {
			got, err := Decode(tc.in, tc.e, tc.p)
			if tc.ktor != "" {
				var ce *Error
				if !errors.As(err, &ce) || !errors.Is(err, ErrMalformed) || ce.Ktor != tc.ktor {
					t.Fatalf("got %q, %v; want Ktor error %q", got, err, tc.ktor)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestParseEncoding(t *testing.T) {
	for in, want := range map[string]Encoding{"URI_ENCODING": URI, "uri": URI, "Base64_Encoding": Base64, "DQUOTES": DQuotes, " raw ": Raw} {
		if got, err := ParseEncoding(in); err != nil || got != want {
			t.Errorf("ParseEncoding(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseEncoding("hex"); !errors.Is(err, ErrEncoding) {
		t.Errorf("ParseEncoding(hex) = %v", err)
	}
	for _, e := range Encodings {
		if k, ok := parseKtorName(e.KtorName()); !ok || k != e {
			t.Errorf("KtorName round trip of %s", e)
		}
	}
}

func TestDefaultCookieConfig(t *testing.T) {
	c := DefaultCookieConfig(transform.Profile10)
	if c.MaxAge != 604800 || c.Path != "" || c.HTTPOnly || c.Secure || c.Encoding != URI {
		t.Errorf("1.0: %+v", c)
	}
	for _, p := range profiles[1:] {
		c := DefaultCookieConfig(p)
		if c.MaxAge != 604800 || c.Path != "/" || !c.HTTPOnly || c.Secure || c.Encoding != URI {
			t.Errorf("%s: %+v", p, c)
		}
	}
	if ServerReadEncoding(Base64, "1.6.5") != URI || ServerReadEncoding(Base64, "1.6.6") != Base64 ||
		ServerReadEncoding(Base64, transform.Profile16) != Base64 || ServerReadEncoding(Raw, "1.0.0") != URI {
		t.Error("ServerReadEncoding: before 1.6.6 Ktor URI-decodes the session cookie, from 1.6.6 it uses the configured encoding")
	}
}

func ptr(s string) *string { return &s }

// TestRenderGolden renders a table of configurations under every profile and
// compares with testdata/render.golden (go test -update rewrites it).
func TestRenderGolden(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	full := CookieConfig{MaxAge: 3600, Encoding: URI, Domain: "example.com", Path: "/app", Secure: true, HTTPOnly: true,
		Extensions: []Extension{{"SameSite", ptr("Lax")}, {"X-Note", ptr("a b;c")}, {"Partitioned", nil}}}
	cases := []struct {
		name, cookie, value string
		c                   CookieConfig
		clear               bool
	}{
		{"default", "SESSION", "hello", CookieConfig{}, false},
		{"specials", "SESSION", "a b-c.d_e~f;g=h", CookieConfig{MaxAge: 60, Encoding: URI}, false},
		{"base64 é", "SESSION", "é", CookieConfig{MaxAge: 60, Encoding: Base64}, false},
		{"raw blank", "SESSION", "a b", CookieConfig{MaxAge: 60, Encoding: Raw}, false},
		{"raw =", "SESSION", "a=b", CookieConfig{MaxAge: 60, Encoding: Raw}, false},
		{"dquotes =", "SESSION", "a=b", CookieConfig{MaxAge: 60, Encoding: DQuotes}, false},
		{"full", "SESSION", "v", full, false},
		{"base64 extensions", "SESSION", "v", CookieConfig{MaxAge: 60, Encoding: Base64, Extensions: []Extension{{"SameSite", ptr("Lax")}}}, false},
		{"huge max age", "SESSION", "v", CookieConfig{MaxAge: 3000000000}, false},
		{"max age 1e16", "SESSION", "v", CookieConfig{MaxAge: 1e16}, false},
		{"max age int64", "SESSION", "v", CookieConfig{MaxAge: math.MaxInt64}, false},
		{"session cookie", "SESSION", "v", CookieConfig{MaxAge: 0, Path: "/"}, false},
		{"zero max age", "SESSION", "v", CookieConfig{MaxAge: 0, ZeroMaxAge: true, Path: "/"}, false},
		{"negative", "SESSION", "v", CookieConfig{MaxAge: -5}, false},
		{"domain blank", "SESSION", "v", CookieConfig{MaxAge: 60, Domain: "a b"}, false},
		{"name =", "SES=SION", "v", CookieConfig{}, false},
		{"name blank", "SES SION", "v", CookieConfig{}, false},
		{"extension name", "SESSION", "v", CookieConfig{Extensions: []Extension{{"Same Site", ptr("x")}}}, false},
		{"clear full", "SESSION", "", full, true},
		{"clear base64", "SESSION", "", CookieConfig{MaxAge: 60, Encoding: Base64, Path: "/", HTTPOnly: true}, true},
	}
	var b strings.Builder
	for _, tc := range cases {
		for _, p := range goldenReleases {
			c := tc.c
			if tc.name == "default" {
				c = DefaultCookieConfig(p)
			}
			var got string
			var err error
			if tc.clear {
				got, err = RenderClearCookie(tc.cookie, c, p)
			} else {
				got, err = RenderSetCookie(tc.cookie, tc.value, c, now, p)
			}
			if err != nil {
				var ce *Error
				if !errors.As(err, &ce) {
					t.Fatalf("%s: untyped error %v", tc.name, err)
				}
				got = "ERROR " + ce.Ktor
			}
			fmt.Fprintf(&b, "%-18s %-6s %s\n", tc.name, p, got)
		}
	}
	golden := filepath.Join("testdata", "render.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("render differs from %s:\n%s", golden, b.String())
	}
}

func TestRenderErrors(t *testing.T) {
	now := time.Unix(0, 0)
	if _, err := RenderSetCookie("S", "v", CookieConfig{MaxAge: -1}, now, transform.Profile3); !errors.Is(err, ErrConfig) {
		t.Errorf("negative max age: %v", err)
	}
	if _, err := RenderSetCookie("S", "v", CookieConfig{Encoding: "x"}, now, transform.Profile3); !errors.Is(err, ErrEncoding) {
		t.Errorf("bad encoding: %v", err)
	}
	if _, err := RenderClearCookie("S", CookieConfig{}, "0.9"); !errors.Is(err, ErrProfile) {
		t.Errorf("bad profile: %v", err)
	}
	got, err := RenderSetCookie("S", "v", CookieConfig{MaxAge: 1}, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), transform.Profile3)
	if err != nil || got != "S=v; Max-Age=1; Expires=Sat, 01 Jan 10000 00:00:00 GMT; $x-enc=URI_ENCODING" {
		t.Errorf("year 10000: %q %v", got, err)
	}
}

// TestHTTPDateCache: the cached renderer of Expires writes what httpDate
// writes, for instants in the same second, in others, interleaved, across the
// Julian cut-over and far off.
func TestHTTPDateCache(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ms := []int64{0, -1, -999, -1000, -1001, 999, 1000, 1700000000000, 1700000000999, 1700000001000,
		math.MaxInt64, math.MinInt64, gregorianCutover, gregorianCutover - 1, -62135596800000 - 1}
	for range 2000 {
		ms = append(ms, r.Int64())
		ms = append(ms, r.Int64N(1<<46)-1<<45)
	}
	for i, m := range ms {
		for _, x := range []int64{m, m, ms[max(0, i-1)], m} {
			if got, want := string(appendHTTPDate([]byte("x"), x))[1:], httpDate(x); got != want {
				t.Fatalf("appendHTTPDate(%d) = %q, want %q", x, got, want)
			}
		}
	}
}
