package serializer

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// A Match is one condition on a decoded session's field, the filter of `storage list|purge|stats
// --match`:
//
//	FIELD=VALUE    the field's text is VALUE (a string without quotes, a number or boolean as
//	               written, null); for a list or set, some element is VALUE
//	FIELD!=VALUE   the field is present and the above does not hold
//	FIELD<VALUE    also <=, >, >=: numbers compared as numbers (exactly, Longs and BigDecimals
//	               included), or times: VALUE is now, now-30d, now+12h (units w d h m s), an RFC
//	               3339 time or a date (2024-01-31); a number field is then a Unix time in
//	               seconds, or in milliseconds when it is above 10^11 (after the year 5138 in
//	               seconds, 1973 in milliseconds), and a string field an RFC 3339 time or a date
//
// VALUE is everything after the operator, commas and spaces included. A session without the
// field, or whose field cannot be compared that way (a string against a number, a map), does not
// match any condition, != included: a purge never sweeps sessions it cannot read the field of.
// The field is a top-level name; name.sub reaches into a nested object.
type Match struct {
	Field string // the field name (name.sub for a nested object's)
	Op    string // =, !=, <, <=, >, >=
	Value string // as written

	num  *big.Rat  // VALUE as a number, for the ordering operators
	when time.Time // VALUE as a time, when it is one
	isT  bool
}

// MatchError is a condition that does not parse; it unwraps to ErrArgument.
type MatchError struct {
	Expr, Detail string
}

func (e *MatchError) Error() string {
	return fmt.Sprintf("match %q: %s", e.Expr, e.Detail)
}

func (e *MatchError) Unwrap() error { return ErrArgument }

// MatchSyntax is the one-line form of the condition syntax, for error messages and help.
const MatchSyntax = "FIELD=VALUE, FIELD!=VALUE, or FIELD<VALUE (<=, >, >=) with a number, now, now-30d or an RFC 3339 time"

// ParseMatch reads FIELD OP VALUE. now is the time that "now" in VALUE stands for (the package
// reads no clock).
func ParseMatch(expr string, now time.Time) (Match, error) {
	i := strings.IndexAny(expr, "=!<>")
	if i <= 0 {
		return Match{}, &MatchError{expr, "want " + MatchSyntax}
	}
	m := Match{Field: strings.TrimSpace(expr[:i])}
	rest := expr[i:]
	for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(rest, op) {
			m.Op, m.Value = op, rest[len(op):]
			break
		}
	}
	if m.Op == "" || m.Field == "" {
		return Match{}, &MatchError{expr, "want " + MatchSyntax}
	}
	if m.Op == "=" || m.Op == "!=" {
		return m, nil
	}
	v := strings.TrimSpace(m.Value)
	if r, ok := parseRat(v); ok {
		m.num = r
		return m, nil
	}
	t, err := parseWhen(v, now)
	if err != nil {
		return Match{}, &MatchError{expr, err.Error()}
	}
	m.when, m.isT = t, true
	return m, nil
}

// Matches reports whether the session v (an object) satisfies the condition.
func (m Match) Matches(v Value) bool {
	f, ok := v, true
	for _, name := range strings.Split(m.Field, ".") {
		if f, ok = f.Field(name); !ok {
			return false
		}
	}
	f = unwrapOptional(f)
	switch m.Op {
	case "=":
		return m.equalAny(f)
	case "!=":
		return !m.equalAny(f)
	}
	if isCollection(f) {
		for _, it := range f.Items {
			if m.order(unwrapOptional(it)) {
				return true
			}
		}
		return false
	}
	return m.order(f)
}

func (m Match) equalAny(f Value) bool {
	if isCollection(f) {
		for _, it := range f.Items {
			if m.equal(unwrapOptional(it)) {
				return true
			}
		}
		return false
	}
	return m.equal(f)
}

func (m Match) equal(f Value) bool {
	if s, ok := scalarText(f); ok {
		if s == m.Value {
			return true
		}
		// 3 = 3.0 = 3E0 for numbers
		if isNumber(f) {
			a, ok1 := parseRat(s)
			b, ok2 := parseRat(strings.TrimSpace(m.Value))
			return ok1 && ok2 && a.Cmp(b) == 0
		}
		return false
	}
	b, err := f.MarshalJSON()
	return err == nil && string(b) == m.Value
}

// order: the ordering operators on a scalar.
func (m Match) order(f Value) bool {
	s, ok := scalarText(f)
	if !ok {
		return false
	}
	var c int
	switch {
	case m.num != nil:
		if !isNumber(f) && f.Kind != KindString && f.Kind != KindJSONString {
			return false
		}
		r, ok := parseRat(s)
		if !ok {
			return false
		}
		c = r.Cmp(m.num)
	case m.isT:
		var t time.Time
		if isNumber(f) {
			r, ok := parseRat(s)
			if !ok {
				return false
			}
			t, ok = epochRat(r)
			if !ok {
				return false
			}
		} else if f.Kind == KindString || f.Kind == KindJSONString {
			var err error
			if t, err = parseTime(s); err != nil {
				return false
			}
		} else {
			return false
		}
		c = t.Compare(m.when)
	default:
		return false
	}
	switch m.Op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

func unwrapOptional(v Value) Value {
	for v.Kind == KindOptional && len(v.Items) == 1 {
		v = v.Items[0]
	}
	return v
}

func isCollection(v Value) bool {
	return v.Kind == KindList || v.Kind == KindSet || v.Kind == KindJSONArray
}

func isNumber(v Value) bool {
	switch v.Kind {
	case KindInt, KindLong, KindFloat, KindBigDecimal, KindBigInteger, KindJSONNumber:
		return true
	}
	return false
}

// scalarText: the text of a scalar as --match compares it; false for collections, maps, objects.
func scalarText(v Value) (string, bool) {
	switch v.Kind {
	case KindNull, KindJSONNull:
		return "null", true
	case KindOptional:
		return "null", true // an empty optional
	case KindList, KindSet, KindMap, KindObject, KindJSONArray, KindJSONObject:
		return "", false
	}
	return v.Text, true
}

func parseRat(s string) (*big.Rat, bool) {
	if s == "" || strings.ContainsAny(s, "/ ") || len(s) > 400 {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// EpochThreshold: a Unix time above it is in milliseconds (10^11 s is the year 5138; 10^11 ms
// is March 1973).
const EpochThreshold = 1e11

// EpochTime reads a number as a Unix time the way --match does: seconds, or milliseconds above
// EpochThreshold. False for what is not a number or falls outside the years 1970 to 9999.
func EpochTime(text string) (time.Time, bool) {
	r, ok := parseRat(text)
	if !ok {
		return time.Time{}, false
	}
	return epochRat(r)
}

func epochRat(r *big.Rat) (time.Time, bool) {
	if r.Sign() < 0 {
		return time.Time{}, false
	}
	if r.Cmp(new(big.Rat).SetFloat64(EpochThreshold)) > 0 {
		r = new(big.Rat).Quo(r, big.NewRat(1000, 1))
	}
	f, _ := r.Float64()
	if f > 253402300799 { // 9999-12-31T23:59:59Z
		return time.Time{}, false
	}
	sec := int64(f)
	nsec := int64((f - float64(sec)) * 1e9)
	return time.Unix(sec, nsec).UTC(), true
}

// parseWhen: now, now±DURATION, an RFC 3339 time or a date.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if rest, ok := strings.CutPrefix(s, "now"); ok {
		if rest == "" {
			return now, nil
		}
		sign := time.Duration(1)
		switch rest[0] {
		case '-':
			sign = -1
		case '+':
		default:
			return time.Time{}, fmt.Errorf("%q: want now, now-30d or now+12h", s)
		}
		d, err := parseDuration(rest[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: %v", s, err)
		}
		return now.Add(sign * d), nil
	}
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a number nor a time (now, now-30d, 2024-01-31T00:00:00Z, 2024-01-31)", s)
	}
	return t, nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

// parseDuration: whole numbers with units w, d, h, m, s (30d, 1w2d, 90m).
func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("a duration is missing (30d, 12h, 90m)")
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) || i > 9 {
			return 0, fmt.Errorf("want a duration such as 30d, 12h or 90m")
		}
		n, _ := strconv.ParseInt(s[:i], 10, 64)
		var u time.Duration
		switch s[i] {
		case 'w':
			u = 7 * 24 * time.Hour
		case 'd':
			u = 24 * time.Hour
		case 'h':
			u = time.Hour
		case 'm':
			u = time.Minute
		case 's':
			u = time.Second
		default:
			return 0, fmt.Errorf("unknown unit %q (use w, d, h, m, s)", s[i:i+1])
		}
		total += time.Duration(n) * u
		if total > 200*365*24*time.Hour {
			return 0, fmt.Errorf("longer than 200 years")
		}
		s = s[i+1:]
	}
	return total, nil
}
