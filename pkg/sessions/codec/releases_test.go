package codec

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Every change point of the cookie layer, at its boundary: the release
// before behaves the old way, the release at it the new way. The expected
// strings are what the Ktor source of each release renders.

var at = time.UnixMilli(1700000000000) // Tue, 14 Nov 2023 22:13:20 GMT

func render(t *testing.T, c CookieConfig, p transform.Profile) string {
	t.Helper()
	s, err := RenderSetCookie("S", "v", c, at, p)
	if err != nil {
		return "ERROR " + err.Error()
	}
	return s
}

func TestMaxAgeByRelease(t *testing.T) {
	const now = "Expires=Tue, 14 Nov 2023 22:13:20 GMT"
	huge := CookieConfig{MaxAge: 3000000000}
	for _, tc := range []struct {
		name string
		c    CookieConfig
		p    transform.Profile
		want string
	}{
		// 1.0.0: duration is not nullable (0 is Duration.ZERO); above Int.MAX no Max-Age but a full Expires
		{"zero 1.0.0", CookieConfig{}, "1.0.0", "S=v; " + now + "; $x-enc=URI_ENCODING"},
		{"huge 1.0.0", huge, "1.0.0", "S=v; Expires=Fri, 09 Dec 2118 03:33:20 GMT; $x-enc=URI_ENCODING"},
		// 1.0.1: a null duration is a session cookie; above Int.MAX nothing at all
		{"session 1.0.1", CookieConfig{}, "1.0.1", "S=v; $x-enc=URI_ENCODING"},
		{"zero 1.0.1", CookieConfig{ZeroMaxAge: true}, "1.0.1", "S=v; " + now + "; $x-enc=URI_ENCODING"},
		{"huge 1.1.1", huge, "1.1.1", "S=v; $x-enc=URI_ENCODING"},
		// 1.1.2: clamped, and Expires computed from the clamped value
		{"huge 1.1.2", huge, "1.1.2", "S=v; Max-Age=2147483647; Expires=Mon, 03 Dec 2091 01:27:27 GMT; $x-enc=URI_ENCODING"},
		{"zero 1.2.6", CookieConfig{ZeroMaxAge: true}, "1.2.6", "S=v; " + now + "; $x-enc=URI_ENCODING"},
		// 1.3.0: maxAgeInSeconds; 0 is a session cookie; Expires from the unclamped value
		{"zero 1.3.0", CookieConfig{ZeroMaxAge: true}, "1.3.0", "S=v; $x-enc=URI_ENCODING"},
		{"huge 1.3.0", huge, "1.3.0", "S=v; Max-Age=2147483647; Expires=Fri, 09 Dec 2118 03:33:20 GMT; $x-enc=URI_ENCODING"},
		{"zero 2.3.13", CookieConfig{ZeroMaxAge: true}, "2.3.13", "S=v; $x-enc=URI_ENCODING"},
		// 3.0.0: maxAgeInSeconds = 0 renders Max-Age=0, null nothing
		{"zero 3.0.0", CookieConfig{ZeroMaxAge: true}, "3.0.0", "S=v; Max-Age=0; $x-enc=URI_ENCODING"},
		{"session 3.0.0", CookieConfig{}, "3.0.0", "S=v; $x-enc=URI_ENCODING"},
		// Ktor's Long arithmetic wraps: Long.MAX_VALUE seconds is now - 1 s
		{"int64 3.5.2", CookieConfig{MaxAge: math.MaxInt64}, "3.5.2", "S=v; Max-Age=2147483647; Expires=Tue, 14 Nov 2023 22:13:19 GMT; $x-enc=URI_ENCODING"},
	} {
		if got := render(t, tc.c, tc.p); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	if _, err := RenderSetCookie("S", "v", CookieConfig{MaxAge: 5, ZeroMaxAge: true}, at, "3"); !errors.Is(err, ErrConfig) {
		t.Errorf("ZeroMaxAge with a max age: %v", err)
	}
}

func TestJavaCalendarDates(t *testing.T) {
	// what java.util.Date/GregorianCalendar print for these instants
	for ms, want := range map[int64]string{
		math.MinInt64:   "Sun, 02 Dec 292269055 16:47:04 GMT", // 292269055 BC
		math.MaxInt64:   "Sun, 17 Aug 292278994 07:12:55 GMT",
		-12219292800001: "Thu, 04 Oct 1582 23:59:59 GMT", // the last Julian day
		-12219292800000: "Fri, 15 Oct 1582 00:00:00 GMT",
		-62135596800000: "Mon, 03 Jan 0001 00:00:00 GMT",
		0:               "Thu, 01 Jan 1970 00:00:00 GMT",
	} {
		if got := httpDate(ms); got != want {
			t.Errorf("httpDate(%d) = %s, want %s", ms, got, want)
		}
	}
}

func TestCookieDefaultsAt120(t *testing.T) {
	if c := DefaultCookieConfig("1.1.5"); c.Path != "" || c.HTTPOnly {
		t.Errorf("1.1.5 defaults %+v: want no path, httpOnly false", c)
	}
	if c := DefaultCookieConfig("1.2.0"); c.Path != "/" || !c.HTTPOnly {
		t.Errorf("1.2.0 defaults %+v: want path /, httpOnly true", c)
	}
}

func TestEncodeByRelease(t *testing.T) {
	for _, tc := range []struct {
		in   string
		e    Encoding
		p    transform.Profile
		want string // "!" + Ktor's exception text for a refusal
	}{
		{"a=b", Raw, "1.1.5", "!java.lang.IllegalArgumentException: The cookie value contains characters that couldn't be encoded in RAW format. Consider URL_ENCODING mode"},
		{"a=b", Raw, "1.2.0", "a=b"},
		{"a=b", DQuotes, "1.1.5", `"a=b"`},
		{"a=b", DQuotes, "1.2.0", "a=b"},
		{`q"`, DQuotes, "1.4.2", "!java.lang.IllegalArgumentException: The cookie value contains characters that couldn't be encoded in RAW format. Consider URL_ENCODING mode"},
		{`q"`, DQuotes, "1.4.3", "!java.lang.IllegalArgumentException: The cookie value contains characters that couldn't be encoded in DQUOTES format. Consider URL_ENCODING mode"},
		{"a b", Raw, "1.4.3", "!java.lang.IllegalArgumentException: The cookie value contains characters that couldn't be encoded in RAW format.  Consider URL_ENCODING mode"},
		{"a b", Raw, "1.5.2", "!java.lang.IllegalArgumentException: The cookie value contains characters that couldn't be encoded in RAW format.  Consider URL_ENCODING mode"},
		{"a b", Raw, "1.5.3", "!java.lang.IllegalArgumentException: The cookie value contains characters that cannot be encoded in RAW format.  Consider URL_ENCODING mode"},
		{`q"`, DQuotes, "1.5.3", "!java.lang.IllegalArgumentException: The cookie value contains characters that cannot be encoded in DQUOTES format. Consider URL_ENCODING mode"},
		{"a b", Raw, "3.0.1", "!java.lang.IllegalArgumentException: The cookie value contains characters that cannot be encoded in RAW format.  Consider URL_ENCODING mode"},
		{"a b", Raw, "3.0.2", "a b"},
		{"é", Base64, "1.0.1", "/6k="},
		{"é", Base64, "1.1.0", "w6k="},
		{"a-b;c d+e", URI, "2.1.2", "a%2Db%3Bc+d%2Be"},
		{"a-b;c d+e", URI, "2.1.3", "a-b;c+d+e"},
		{"a-b;c d+e", URI, "2.2.0", "a-b%3Bc+d%2Be"},
	} {
		got, err := Encode(tc.in, tc.e, tc.p)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || !errors.Is(err, ErrUnencodable) {
				t.Fatalf("%s %q %s: %v", tc.e, tc.in, tc.p, err)
			}
			got = "!" + ce.Ktor
		}
		if got != tc.want {
			t.Errorf("Encode(%q, %s, %s) = %q, want %q", tc.in, tc.e, tc.p, got, tc.want)
		}
	}
}

func TestDecodeBase64ByRelease(t *testing.T) {
	for _, tc := range []struct {
		in   string
		p    transform.Profile
		want string // "!" = an error
	}{
		{"w6k=", "1.2.2", "\u00c3\u00a9"}, // Latin-1
		{"w6k=", "1.2.3", "é"},
		{"-w", "3.1.1", "\ufffd"}, // '-' read as 63: 0xff
		{"-w", "3.1.2", "\ufffd"}, // '-' read as 62: 0xfb
		{"a-", "3.1.1", "k"},      // 'a','-'=63 -> 0x6b
		{"a-", "3.1.2", "k"},
		{"aG-s", "3.1.1", "ho\ufffd"}, // 0x68 0x6f 0xec; from 3.1.2 0x68 0x6f 0xac
		{"aGVsbG8", "3.3.3", "hello"},
		{"aGVsbG8", "3.4.0", "!"},
	} {
		got, err := Decode(tc.in, Base64, tc.p)
		if err != nil {
			got = "!"
		}
		if got != tc.want {
			t.Errorf("Decode(%q, base64, %s) = %q, want %q", tc.in, tc.p, got, tc.want)
		}
	}
	// the URL-safe change at 3.1.2 in raw bytes: "-A==" is 0xfc before, 0xf8 after
	b1 := base64DecodeLenient("-A==", true, false)
	b2 := base64DecodeLenient("-A==", true, true)
	if b1 != "\u00fc" || b2 != "\u00f8" {
		t.Errorf("'-' before 3.1.2 = %q (want ü, 63), from 3.1.2 = %q (want ø, 62)", b1, b2)
	}
}

func TestReceiveEncodingAt166(t *testing.T) {
	if ServerReadEncoding(Base64, "1.6.5") != URI || ServerReadEncoding(Base64, "1.6.6") != Base64 {
		t.Error("Ktor reads the session cookie URI-decoded before 1.6.6 and with the configured encoding from 1.6.6")
	}
}

func TestCookieHeaderNamesAt200(t *testing.T) {
	h := "a:b=1; c(d=2; S=3"
	old, _ := ParseCookieHeaderFor(h, "1.6.8")
	wide, _ := ParseCookieHeaderFor(h, "2.0.0")
	if want := []Cookie{{"a", ""}, {"c", ""}, {"S", "3"}}; !reflect.DeepEqual(old, want) {
		t.Errorf("1.6.8 reads %q, want %q", old, want)
	}
	if want := []Cookie{{"a:b", "1"}, {"c(d", "2"}, {"S", "3"}}; !reflect.DeepEqual(wide, want) {
		t.Errorf("2.0.0 reads %q, want %q", wide, want)
	}
	if _, err := ParseCookieHeaderFor(h, "2.3.14"); !errors.Is(err, ErrProfile) || !strings.Contains(err.Error(), "2.3.13") {
		t.Errorf("unknown release: %v", err)
	}
}

func TestClearAndExtensionsByRelease(t *testing.T) {
	lax := "Lax x"
	c := CookieConfig{MaxAge: 60, Encoding: Base64, Path: "/", Secure: true, HTTPOnly: true, Extensions: []Extension{{"SameSite", &lax}}}
	for p, want := range map[transform.Profile]string{
		"2.1.0": "S=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; $x-enc=URI_ENCODING",
		"2.1.1": "S=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure; HttpOnly; SameSite=TGF4IHg=; $x-enc=BASE64_ENCODING",
		"2.1.3": "ERROR",
		"3.0.2": "S=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure; HttpOnly; SameSite=Lax x; $x-enc=BASE64_ENCODING",
	} {
		got, err := RenderClearCookie("S", c, p)
		if err != nil {
			got = "ERROR"
		}
		if got != want {
			t.Errorf("clear %s:\n got %s\nwant %s", p, got, want)
		}
	}
	lax = "Lax"
	if got := render(t, c, "2.1.2"); !strings.Contains(got, "SameSite=TGF4;") {
		t.Errorf("2.1.2 encodes extension values with the cookie's encoding: %s", got)
	}
	if got := render(t, c, "2.1.3"); !strings.Contains(got, "SameSite=Lax;") {
		t.Errorf("2.1.3 writes extension values RAW: %s", got)
	}
}
