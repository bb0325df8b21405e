package serializer

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func TestMatch(t *testing.T) {
	now := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC) // 1700000000
	js, err := DecodeJSON(`{"name":"Smith, John","items":["tea","milk"],"loginCount":3,"admin":false,` +
		`"expiration":1699999000000,"expSec":1700000500,"created":"2023-11-01T00:00:00Z","big":9007199254740993,` +
		`"nested":{"role":"ops"},"nothing":null,"ratio":0.5}`)
	if err != nil {
		t.Fatal(err)
	}
	// the Ktor text format: #i Int, #l Long, #cl list, #bd BigDecimal, #o optional
	text, err := DecodeText("loginCount=%23i3&expiration=%23l1700000600000&roles=%23cl%23sadmin%26%23sops&price=%23bd19.90", "2")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		v     Value
		expr  string
		match bool
	}{
		{js, "name=Smith, John", true},
		{js, "name=Smith", false},
		{js, "name!=Smith", true},
		{js, "name!=Smith, John", false},
		{js, "items=tea", true},
		{js, "items=milk", true},
		{js, "items=coffee", false},
		{js, "items!=tea", false},
		{js, "items!=coffee", true},
		{js, "loginCount=3", true},
		{js, "loginCount=3.0", true},
		{js, "loginCount>=3", true},
		{js, "loginCount>3", false},
		{js, "loginCount<4", true},
		{js, "loginCount<=2", false},
		{js, "admin=false", true},
		{js, "admin=true", false},
		{js, "expiration<now", true}, // ms: 1699999000 < 1700000000
		{js, "expiration>now", false},
		{js, "expiration>now-1h", true},
		{js, "expSec>now", true}, // seconds
		{js, "expSec<now+1h", true},
		{js, "created<2023-11-02", true},
		{js, "created<now-30d", false},
		{js, "created<=2023-11-01T00:00:00Z", true},
		{js, "big>9007199254740992", true}, // exact beyond float64
		{js, "big=9007199254740993", true},
		{js, "nested.role=ops", true},
		{js, "nested=ops", false},
		{js, `nested={"role":"ops"}`, true},
		{js, "nothing=null", true},
		{js, "ratio<1", true},
		{js, "missing=x", false},
		{js, "missing!=x", false}, // absent never matches
		{js, "missing<now", false},
		{js, "name<3", false},    // a string that is no number
		{js, "admin<now", false}, // a boolean is no time
		{text, "loginCount>=3", true},
		{text, "expiration>now", true},
		{text, "expiration<now+1h", true},
		{text, "roles=ops", true},
		{text, "price>19.8", true},
		{text, "price=19.9", true},
	}
	for _, c := range cases {
		m, err := ParseMatch(c.expr, now)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := m.Matches(c.v); got != c.match {
			t.Errorf("%s: %v, want %v", c.expr, got, c.match)
		}
	}
}

func TestParseMatchErrors(t *testing.T) {
	for _, expr := range []string{"", "name", "=x", "a<", "a<soon", "a>now-", "a>now-3y", "a>now*2", "<3"} {
		_, err := ParseMatch(expr, time.Unix(0, 0))
		var me *MatchError
		if !errors.As(err, &me) || !errors.Is(err, ErrArgument) {
			t.Errorf("%q: %v, want a *MatchError wrapping ErrArgument", expr, err)
		}
	}
}

func TestEpochTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"1700000000", "2023-11-14T22:13:20Z", true},
		{"1700000000000", "2023-11-14T22:13:20Z", true},
		{"100000000001", "1973-03-03T09:46:40Z", true}, // above 10^11: milliseconds
		{"99999999999", "5138-11-16T09:46:39Z", true},
		{"-5", "", false},
		{"abc", "", false},
		{"1e30", "", false},
	} {
		got, ok := EpochTime(c.in)
		if ok != c.ok || ok && got.Format(time.RFC3339) != c.want {
			t.Errorf("%s: %v %v, want %s %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// The fast JSON path takes the sessions encode --jsonl is fed (else it is no faster) and leaves
// escapes and bad input to encoding/json.
func TestDecodeJSONFastAccepts(t *testing.T) {
	for _, s := range []string{`{"userId":"u-1","name":"Zoë","roles":["admin","ops"],"loginCount":17,"admin":true,"x":null}`,
		` {"a": {"b": [1, -2.5e3, 0]} } `, `{}`, `[]`, `"s"`, `1`} {
		if _, ok := decodeJSONFast(s); !ok {
			t.Errorf("fast path refuses %s", s)
		}
	}
	for _, s := range []string{`{"a":"\n"}`, `{"a":"\u00e9"}`, "{\"a\":\"\xff\"}", `{"a":01}`, `{"a":1}x`, `{"a":1,}`, `[1 2]`, `{"a" 1}`, ``} {
		if _, ok := decodeJSONFast(s); ok {
			t.Errorf("fast path takes %q", s)
		}
	}
}

// lessUTF16 without allocation orders as UTF-16 code units do (Java's String.compareTo), also
// for runes above U+FFFF, which sort before U+E000-U+FFFF there, and invalid UTF-8.
func TestLessUTF16(t *testing.T) {
	ref := func(a, b string) bool {
		ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
		for i := 0; i < len(ua) && i < len(ub); i++ {
			if ua[i] != ub[i] {
				return ua[i] < ub[i]
			}
		}
		return len(ua) < len(ub)
	}
	words := []string{"", "a", "ab", "b", "B", "é", "\uffff", "\U0001F600", "\U0001F600a", "\ue000", "\xff", "\xffa", "userId", "user", "名前", "größe"}
	for _, a := range words {
		for _, b := range words {
			if lessUTF16(a, b) != ref(a, b) {
				t.Errorf("lessUTF16(%q, %q) = %v", a, b, lessUTF16(a, b))
			}
		}
		if foldName(a) != strings.ToLower(strings.ToUpper(a)) {
			t.Errorf("foldName(%q) = %q", a, foldName(a))
		}
	}
}
