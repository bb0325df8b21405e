package codec

import (
	"strings"
	"time"
	"unicode/utf8"
)

// parseCookieDate is Ktor's String.fromCookieToGmtDate (1.3.0 and later): the
// RFC 6265 section 5.1.1 algorithm of CookieDateParser, with Ktor's own
// leniencies (a token's leading digits are enough: "2023" gives day 20 when
// no day was seen yet). Ktor loops forever on a character above U+00FF;
// here such a date is simply unreadable. Ktor's fallback to fixed HTTP date
// patterns only adds years before 1601 and is not reproduced.
func parseCookieDate(s string) (time.Time, bool) {
	s = strings.TrimFunc(s, ktWhitespace)
	// Work on Latin-1 code units, as Kotlin's Char does for this grammar.
	src := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff || r == utf8.RuneError {
			return time.Time{}, false
		}
		src = append(src, byte(r))
	}
	d := dateBuilder{-1, -1, -1, -1, -1, -1}
	i := 0
	for i < len(src) && isDelimiter(src[i]) {
		i++
	}
	for i < len(src) {
		j := i
		for j < len(src) && !isDelimiter(src[j]) {
			j++
		}
		d.token(src[i:j])
		for i = j; i < len(src) && isDelimiter(src[i]); i++ {
		}
	}
	if d.year >= 0 {
		switch {
		case d.year >= 70 && d.year <= 99:
			d.year += 1900
		case d.year <= 69:
			d.year += 2000
		}
	}
	if d.day < 0 || d.month < 0 || d.year < 0 || d.hour < 0 {
		return time.Time{}, false
	}
	if d.day < 1 || d.day > 31 || d.year < 1601 || d.hour > 23 || d.min > 59 || d.sec > 59 {
		return time.Time{}, false
	}
	// GMTDate(...) goes through a lenient Calendar: 31 Feb is 3 March.
	return time.Date(d.year, time.Month(d.month+1), d.day, d.hour, d.min, d.sec, 0, time.UTC), true
}

func isDelimiter(c byte) bool {
	return c == 0x09 || (c >= 0x20 && c <= 0x2f) || (c >= 0x3b && c <= 0x40) ||
		(c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e)
}

type dateBuilder struct{ day, month, year, hour, min, sec int }

func (d *dateBuilder) token(t []byte) {
	if d.hour < 0 {
		if h, m, s, ok := parseTime(t); ok {
			d.hour, d.min, d.sec = h, m, s
			return
		}
	}
	if d.day < 0 {
		if n, _, ok := leadingDigits(t, 1, 2); ok {
			d.day = n
			return
		}
	}
	if d.month < 0 && len(t) >= 3 {
		for i, m := range months {
			if strings.EqualFold(string(t[:3]), m) {
				d.month = i
				return
			}
		}
	}
	if d.year < 0 {
		if n, _, ok := leadingDigits(t, 2, 4); ok {
			d.year = n
			return
		}
	}
}

// leadingDigits takes min to max leading ASCII digits of t; what follows
// does not matter (Ktor's lexer stops there and succeeds).
func leadingDigits(t []byte, lo, hi int) (n, width int, ok bool) {
	i := 0
	for ; i < hi && i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
		n = n*10 + int(t[i]-'0')
	}
	return n, i, i >= lo
}

// parseTime is tryParseTime: 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT, anything after.
func parseTime(t []byte) (h, m, s int, ok bool) {
	field := func() (int, bool) {
		n, w, k := leadingDigits(t, 1, 2)
		if !k {
			return 0, false
		}
		t = t[w:]
		return n, true
	}
	colon := func() bool {
		if len(t) > 0 && t[0] == ':' {
			t = t[1:]
			return true
		}
		return false
	}
	if h, ok = field(); !ok || !colon() {
		return 0, 0, 0, false
	}
	if m, ok = field(); !ok || !colon() {
		return 0, 0, 0, false
	}
	if s, ok = field(); !ok {
		return 0, 0, 0, false
	}
	return h, m, s, true
}
