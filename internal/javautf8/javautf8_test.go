package javautf8

import (
	"testing"
	"unicode/utf8"
)

// What JDK 17's new String(bytes, UTF_8) gives for well-formed and malformed input.
func TestString(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"héllo 日本 😀", "héllo 日本 😀", true},
		{"\xed\xa0\x80", "\ufffd", false},             // an encoded surrogate: one U+FFFD (Go: three)
		{"a\xc3", "a\ufffd", false},                   // truncated 2-byte sequence at the end
		{"\xc3(", "\ufffd(", false},                   // bad continuation: the next byte is kept
		{"\xe0\x80\x80", "\ufffd\ufffd\ufffd", false}, // overlong E0: three
		{"\xe2\x82", "\ufffd", false},                 // truncated 3-byte sequence
		{"\xf0\x9f\x98", "\ufffd", false},             // truncated 4-byte sequence
		{"\xf8\x88\x80\x80\x80", "\ufffd\ufffd\ufffd\ufffd\ufffd", false},
		{"\xff", "\ufffd", false},
	} {
		got, ok := String([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("String(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// FuzzAppend: the result is always valid UTF-8, and valid input comes back unchanged.
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "abc", "\xed\xa0\x80", "\xf0\x9f\x98\x80", "\xc3", "\xe0\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := Append(nil, b)
		if !utf8.Valid(out) {
			t.Fatalf("Append(%q) = %q: not UTF-8", b, out)
		}
		if utf8.Valid(b) && string(out) != string(b) {
			t.Fatalf("Append(%q) changed valid input to %q", b, out)
		}
	})
}
