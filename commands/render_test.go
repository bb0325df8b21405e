package commands

import (
	"encoding/json"
	"testing"
)

func TestTermSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text: a=b&c=%1B", "plain text: a=b&c=%1B"},
		{"Zoë O'Brien → ok", "Zoë O'Brien → ok"},
		{"\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"\x1b]52;c;cHduZWQ=\x1b\\", `\x1b]52;c;cHduZWQ=\x1b\`},
		{"a\tb\nc\rd\x00e", `a\x09b\x0ac\x0dd\x00e`},
		{"del\x7f", `del\x7f`},
		{"c1 \u009b31m \u0085", `c1 \u009b31m \u0085`},
		{"raw \x9b31m \xff", `raw \x9b31m \xff`},
		{"bidi \u202eevil\u202c \u2066x\u2069 \u200f \u061c", `bidi \u202eevil\u202c \u2066x\u2069 \u200f \u061c`},
		{"truncated \xe2\x80", `truncated \xe2\x80`},
		{`already \x1b`, `already \x1b`},
	} {
		if got := termSafe(tc.in); got != tc.want {
			t.Errorf("termSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := termSafe(termSafe(tc.in)); got != tc.want {
			t.Errorf("termSafe not idempotent on %q: %q", tc.in, got)
		}
	}
}

// jsonTermSafe keeps the JSON exact: it decodes to the same value, with no raw DEL, C1 or bidi.
func TestJSONTermSafe(t *testing.T) {
	for _, s := range []string{"plain", "del\x7f c1\u009b\u0080 bidi\u202e\u2066 ok é ✓", "\x1b\x07 <&>", "\xff\x9b"} {
		raw, _ := json.Marshal(map[string]string{"k\u009b": s})
		b, err := marshalJSON(map[string]string{"k\u009b": s})
		if err != nil {
			t.Fatal(err)
		}
		var got, want map[string]string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: not JSON: %v", b, err)
		}
		json.Unmarshal(raw, &want)
		if got["k\u009b"] != want["k\u009b"] {
			t.Errorf("%q decodes to %q, want %q", b, got, want)
		}
		if termSafe(string(b)) != string(b) {
			t.Errorf("%q holds bytes a terminal acts on", b)
		}
	}
}
