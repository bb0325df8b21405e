package urlcodec

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/sessionctl/sessionctl/internal/javautf8"
)

func TestEncode(t *testing.T) {
	for _, c := range []struct {
		in               string
		param, paramPlus string
		full, query      string
		fullPlus         string
	}{
		{"abcXYZ019", "abcXYZ019", "abcXYZ019", "abcXYZ019", "abcXYZ019", "abcXYZ019"},
		{"a b", "a%20b", "a+b", "a%20b", "a%20b", "a+b"},
		{"-._~", "-._~", "-._~", "%2D%2E%5F%7E", "-._~", "%2D%2E%5F%7E"},
		{"#s&=+%", "%23s%26%3D%2B%25", "%23s%26%3D%2B%25", "%23s%26%3D%2B%25", "#s&=+%25", "%23s%26%3D%2B%25"},
		{"日", "%E6%97%A5", "%E6%97%A5", "%E6%97%A5", "%E6%97%A5", "%E6%97%A5"},
		{"\x00\n\x7f\xff", "%00%0A%7F%FF", "%00%0A%7F%FF", "%00%0A%7F%FF", "%00%0A%7F%FF", "%00%0A%7F%FF"},
		{":/?[]@!$'()*,;", "%3A%2F%3F%5B%5D%40%21%24%27%28%29%2A%2C%3B", "%3A%2F%3F%5B%5D%40%21%24%27%28%29%2A%2C%3B",
			"%3A%2F%3F%5B%5D%40%21%24%27%28%29%2A%2C%3B", ":/?[]@!$'()*,;", "%3A%2F%3F%5B%5D%40%21%24%27%28%29%2A%2C%3B"},
		{"", "", "", "", "", ""},
	} {
		check := func(what, got, want string) {
			t.Helper()
			if got != want {
				t.Errorf("%s(%q) = %q, want %q", what, c.in, got, want)
			}
		}
		check("EncodeParameter(false)", EncodeParameter(c.in, false), c.param)
		check("EncodeParameter(true)", EncodeParameter(c.in, true), c.paramPlus)
		check("EncodeQueryComponent(full)", EncodeQueryComponent(c.in, true, false), c.full)
		check("EncodeQueryComponent()", EncodeQueryComponent(c.in, false, false), c.query)
		check("EncodeQueryComponent(full, plus)", EncodeQueryComponent(c.in, true, true), c.fullPlus)
		check("AppendParameter(true)", string(AppendParameter([]byte("x"), c.in, true))[1:], c.paramPlus)
		check("AppendQueryComponent(full, plus)", string(AppendQueryComponent([]byte("x"), c.in, true, true))[1:], c.fullPlus)
		check("AppendQueryComponent()", string(AppendQueryComponent(nil, c.in, false, false)), c.query)
	}
}

func TestDecode(t *testing.T) {
	for _, c := range []struct {
		in          string
		plusIsSpace bool
		want        string
	}{
		{"plain", true, "plain"},
		{"a+b", true, "a b"},
		{"a+b", false, "a+b"},
		{"%E6%97%a5%20x", false, "日 x"},
		{"%2B+", true, "+ "},
		{"%FF", false, "\uFFFD"},
		{"%ED%A0%80", false, "\uFFFD"},      // an encoded surrogate: the JDK writes one replacement
		{"%C3%A9%C3", false, "é\uFFFD"},     // truncated sequence at the end of a run
		{"%C3x%A9", false, "\uFFFDx\uFFFD"}, // every run is decoded on its own
		{"", true, ""},
	} {
		got, err := DecodeQueryComponent(c.in, c.plusIsSpace)
		if err != nil || got != c.want {
			t.Errorf("DecodeQueryComponent(%q, %v) = %q, %v; want %q", c.in, c.plusIsSpace, got, err, c.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct {
		in         string
		offset     int
		incomplete bool
		escape     string
		java       string
	}{
		{"%", 0, true, "%", "io.ktor.http.URLDecodeException: Incomplete trailing HEX escape: %, in % at 0"},
		{"%4", 0, true, "%4", "io.ktor.http.URLDecodeException: Incomplete trailing HEX escape: %4, in %4 at 0"},
		{"%zz", 0, false, "%zz", "io.ktor.http.URLDecodeException: Wrong HEX escape: %zz, in %zz, at 0"},
		{"é%zz", 2, false, "%zz", "io.ktor.http.URLDecodeException: Wrong HEX escape: %zz, in é%zz, at 1"},
		// two bytes follow the '%' but one UTF-16 unit: Ktor calls it incomplete
		{"😀%é", 4, true, "%é", "io.ktor.http.URLDecodeException: Incomplete trailing HEX escape: %é, in 😀%é at 2"},
		{"%4é", 0, false, "%4é", "io.ktor.http.URLDecodeException: Wrong HEX escape: %4é, in %4é, at 0"},
		{"%41%g1", 3, false, "%g1", "io.ktor.http.URLDecodeException: Wrong HEX escape: %g1, in %41%g1, at 3"},
	} {
		_, err := DecodeQueryComponent(c.in, true)
		var ee *EscapeError
		if !errors.As(err, &ee) {
			t.Errorf("DecodeQueryComponent(%q) error = %v, want an *EscapeError", c.in, err)
			continue
		}
		if ee.Offset != c.offset || ee.Incomplete != c.incomplete || ee.Escape != c.escape || ee.Java() != c.java {
			t.Errorf("DecodeQueryComponent(%q) = %+v, Java %q; want offset %d incomplete %v escape %q, Java %q",
				c.in, *ee, ee.Java(), c.offset, c.incomplete, c.escape, c.java)
		}
	}
}

// FuzzDecodeQueryComponent: any input decodes or fails with an *EscapeError
// at a '%', the output is valid UTF-8 (JDK replacement), and what the
// encoders write decodes back to valid UTF-8 input.
func FuzzDecodeQueryComponent(f *testing.F) {
	for _, s := range []string{"", "a+b", "%41", "%", "%4", "%zz", "é%zz", "😀%é", "%ED%A0%80", "%C3x%A9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := DecodeQueryComponent(s, true)
		if ref, rerr := refDecode(s); ref != out || (rerr == nil) != (err == nil) {
			t.Fatalf("DecodeQueryComponent(%q) = %q %v, the run-at-a-time decoder %q %v", s, out, err, ref, rerr)
		}
		if err != nil {
			var ee *EscapeError
			if !errors.As(err, &ee) || ee.Offset >= len(s) || s[ee.Offset] != '%' {
				t.Fatalf("DecodeQueryComponent(%q): %v", s, err)
			}
			_ = ee.Java()
			return
		}
		if !utf8.ValidString(out) && utf8.ValidString(s) {
			t.Fatalf("DecodeQueryComponent(%q) = %q: not UTF-8", s, out)
		}
		if !utf8.ValidString(s) {
			return
		}
		for _, enc := range []string{EncodeParameter(s, true), EncodeParameter(s, false), EncodeQueryComponent(s, true, true),
			EncodeQueryComponent(s, true, false)} {
			back, err := DecodeQueryComponent(enc, true)
			if err != nil || back != s {
				t.Fatalf("%q encoded as %q decodes to %q, %v", s, enc, back, err)
			}
		}
	})
}

// refDecode is DecodeQueryComponent(s, true) as it was first written: every
// run of escapes collected, then decoded with the JDK's UTF-8 rules.
func refDecode(s string) (string, error) {
	var out, run []byte
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '+':
			out = append(out, ' ')
			i++
		case c == '%':
			run = run[:0]
			for i < len(s) && s[i] == '%' {
				if err := checkEscape(s, i); err != nil {
					return "", err
				}
				run = append(run, byte(HexVal(s[i+1])<<4|HexVal(s[i+2])))
				i += 3
			}
			out = javautf8.Append(out, run)
		default:
			out = append(out, c)
			i++
		}
	}
	return string(out), nil
}
