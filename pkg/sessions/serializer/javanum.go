package serializer

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sessionctl/sessionctl/internal/urlcodec"
)

// Number parsing and printing exactly as the JVM does it: Integer.parseInt,
// Long.parseLong, Double.parseDouble, new BigInteger(s), new BigDecimal(s),
// Double.toString, Float.toString, BigDecimal.toString.

// javaDigit is Character.digit(c, 10) for a UTF-16 unit: ASCII digits and
// every other BMP decimal digit (Nd), e.g. full-width '５'.
func javaDigit(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r < 0x80 || r > 0xFFFF || !unicode.Is(unicode.Nd, r) {
		return -1
	}
	k := 0
	for k < 100 && unicode.Is(unicode.Nd, r-rune(k)-1) {
		k++
	}
	return k % 10
}

// parseJavaInt is Integer.parseInt (bits 32) / Long.parseLong (bits 64).
func parseJavaInt(s string, bits int) (int64, error) {
	if s == "" {
		return 0, decErr("", -1, ErrSyntax, "empty number")
	}
	neg := false
	i := 0
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		i = 1
		if len(s) == 1 {
			return 0, decErr("", -1, ErrSyntax, "for input string %q", s)
		}
	}
	limit := uint64(1) << (bits - 1) // magnitude limit for negatives
	if !neg {
		limit--
	}
	var v uint64
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		d := javaDigit(r)
		if d < 0 {
			return 0, decErr("", -1, ErrSyntax, "for input string %q", clip(s))
		}
		if v > (limit-uint64(d))/10 {
			// keep scanning: Java reports a bad digit before an overflow only
			// if it comes first, which is what returning here reproduces
			return 0, decErr("", -1, ErrRange, "for input string %q: out of %s range", clip(s), intName(bits))
		}
		v = v*10 + uint64(d)
		i += n
	}
	if neg {
		return -int64(v), nil // v <= 1<<63 and the wrap gives MinInt64
	}
	return int64(v), nil
}

func intName(bits int) string {
	if bits == 32 {
		return "Int"
	}
	return "Long"
}

func clip(s string) string {
	if len(s) > 64 {
		i := 60
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		return s[:i] + "…"
	}
	return s
}

// parseJavaDouble is Double.parseDouble: trims chars <= ' ', optional sign,
// "NaN", "Infinity", hex floats (0x1.8p1), decimals with an optional
// exponent, an optional f/F/d/D suffix. Overflow gives ±Infinity.
func parseJavaDouble(s string) (float64, error) {
	t := strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	bad := func() (float64, error) {
		return 0, decErr("", -1, ErrSyntax, "for input string %q", clip(s))
	}
	if t == "" {
		return bad()
	}
	i := 0
	neg := false
	if t[0] == '+' || t[0] == '-' {
		neg = t[0] == '-'
		i = 1
	}
	sign := 1.0
	if neg {
		sign = -1
	}
	switch rest := t[i:]; {
	case rest == "NaN":
		return math.NaN(), nil
	case rest == "Infinity":
		return math.Inf(int(sign)), nil
	case len(rest) > 1 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X'):
		return parseJavaHexDouble(t, rest[2:], neg)
	}
	// decimal: digits [. digits] [eE [+-] digits] [fFdD]
	j := i
	nd := 0
	for j < len(t) && t[j] >= '0' && t[j] <= '9' {
		j++
		nd++
	}
	if j < len(t) && t[j] == '.' {
		j++
		for j < len(t) && t[j] >= '0' && t[j] <= '9' {
			j++
			nd++
		}
	}
	if nd == 0 {
		return bad()
	}
	mant := t[i:j]
	exp := ""
	if j < len(t) && (t[j] == 'e' || t[j] == 'E') {
		k := j + 1
		if k < len(t) && (t[k] == '+' || t[k] == '-') {
			k++
		}
		d0 := k
		for k < len(t) && t[k] >= '0' && t[k] <= '9' {
			k++
		}
		if k == d0 {
			return bad()
		}
		exp = t[j+1 : k]
		j = k
	}
	if j < len(t) && strings.IndexByte("fFdD", t[j]) >= 0 {
		j++
	}
	if j != len(t) {
		return bad()
	}
	g := mant
	if exp != "" {
		g += "e" + exp
	}
	f, err := strconv.ParseFloat(g, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return bad()
		}
	}
	return sign * f, nil
}

func parseJavaHexDouble(orig, rest string, neg bool) (float64, error) {
	bad := func() (float64, error) {
		return 0, decErr("", -1, ErrSyntax, "for input string %q", clip(orig))
	}
	j := 0
	nd := 0
	for j < len(rest) && urlcodec.HexVal(rest[j]) >= 0 {
		j++
		nd++
	}
	if j < len(rest) && rest[j] == '.' {
		j++
		for j < len(rest) && urlcodec.HexVal(rest[j]) >= 0 {
			j++
			nd++
		}
	}
	if nd == 0 || j >= len(rest) || rest[j] != 'p' && rest[j] != 'P' {
		return bad()
	}
	mant := rest[:j]
	k := j + 1
	if k < len(rest) && (rest[k] == '+' || rest[k] == '-') {
		k++
	}
	d0 := k
	for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
		k++
	}
	if k == d0 {
		return bad()
	}
	exp := rest[j+1 : k]
	if k < len(rest) && strings.IndexByte("fFdD", rest[k]) >= 0 {
		k++
	}
	if k != len(rest) {
		return bad()
	}
	if strings.HasPrefix(mant, ".") {
		mant = "0" + mant
	}
	f, err := strconv.ParseFloat("0x"+mant+"p"+exp, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return bad()
		}
	}
	if neg {
		f = -f
	}
	return f, nil
}

// formatJavaDouble is Double.toString (JDK 19+ shortest-decimal algorithm;
// identical to older JDKs for almost every value).
func formatJavaDouble(f float64) string { return formatJavaFloat(f, 64) }

// formatJavaFloat32 is Float.toString.
func formatJavaFloat32(f float32) string { return formatJavaFloat(float64(f), 32) }

func formatJavaFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	s := strconv.FormatFloat(f, 'e', -1, bits)
	digits, exp := splitE(s)
	if len(digits) == 1 {
		// Java picks the closest decimal of length 1 or 2 when the shortest
		// has one digit (4.9E-324, not 5.0E-324).
		s2 := strconv.FormatFloat(f, 'e', 1, bits)
		if g, err := strconv.ParseFloat(s2, bits); err == nil && g == f {
			digits, exp = splitE(s2)
			digits = strings.TrimRight(digits, "0")
			if digits == "" {
				digits = "0"
			}
		}
	}
	neg := f < 0
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		// plain notation, at least one digit after the point
		if exp >= 0 {
			if len(digits) > exp+1 {
				b.WriteString(digits[:exp+1])
				b.WriteByte('.')
				b.WriteString(digits[exp+1:])
			} else {
				b.WriteString(digits)
				b.WriteString(strings.Repeat("0", exp+1-len(digits)))
				b.WriteString(".0")
			}
		} else {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -exp-1))
			b.WriteString(digits)
		}
		return b.String()
	}
	b.WriteByte(digits[0])
	b.WriteByte('.')
	if len(digits) > 1 {
		b.WriteString(digits[1:])
	} else {
		b.WriteByte('0')
	}
	b.WriteByte('E')
	b.WriteString(strconv.Itoa(exp))
	return b.String()
}

// splitE splits Go's "-d.ddde±xx" into its digits (no sign, no point) and
// decimal exponent.
func splitE(s string) (string, int) {
	s = strings.TrimPrefix(s, "-")
	e := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[e+1:])
	return strings.Replace(s[:e], ".", "", 1), exp
}

// parseJavaBigInteger is new BigInteger(s) (radix 10), returned in the
// canonical form BigInteger.toString prints.
func parseJavaBigInteger(s string) (string, error) {
	if s == "" {
		return "", decErr("", -1, ErrSyntax, "zero length BigInteger")
	}
	neg := false
	i := 0
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		i = 1
	}
	if i == len(s) {
		return "", decErr("", -1, ErrSyntax, "zero length BigInteger")
	}
	var b strings.Builder
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		d := javaDigit(r)
		if d < 0 {
			if r == '-' || r == '+' {
				return "", decErr("", -1, ErrSyntax, "illegal embedded sign character in %q", clip(s))
			}
			return "", decErr("", -1, ErrSyntax, "for input string %q", clip(s))
		}
		if d != 0 || b.Len() > 0 {
			b.WriteByte(byte('0' + d))
		}
		i += n
	}
	if b.Len() == 0 {
		return "0", nil
	}
	if neg {
		return "-" + b.String(), nil
	}
	return b.String(), nil
}

// javaDecimal is a BigDecimal as unscaled digits and scale.
type javaDecimal struct {
	neg    bool
	digits string // no leading zeros; "0" for zero
	scale  int64
}

// parseJavaBigDecimal is new BigDecimal(s).
func parseJavaBigDecimal(s string) (javaDecimal, error) {
	var d javaDecimal
	bad := func(why string) (javaDecimal, error) {
		return javaDecimal{}, decErr("", -1, ErrSyntax, "%s in BigDecimal %q", why, clip(s))
	}
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	var b strings.Builder
	frac := int64(0)
	dot := false
	nd := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '.' {
			if dot {
				return bad("character array contains more than one decimal point")
			}
			dot = true
			i += n
			continue
		}
		if r == 'e' || r == 'E' {
			break
		}
		v := javaDigit(r)
		if v < 0 {
			return bad("character " + strconv.QuoteRune(r) + " is neither a decimal digit number, decimal point, nor \"e\" notation exponential mark")
		}
		nd++
		if dot {
			frac++
		}
		if v != 0 || b.Len() > 0 {
			b.WriteByte(byte('0' + v))
		}
		i += n
	}
	if nd == 0 {
		return bad("no digits found")
	}
	exp := int64(0)
	if i < len(s) { // exponent
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return bad("no exponent digits")
		}
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			v := javaDigit(r)
			if v < 0 {
				return bad("exponent contains a non-digit")
			}
			exp = exp*10 + int64(v)
			if exp > math.MaxInt32+1 {
				return bad("exponent overflow")
			}
			i += n
		}
		if eneg {
			exp = -exp
		}
		if exp > math.MaxInt32 || exp < math.MinInt32 {
			return bad("exponent overflow")
		}
	}
	d.digits = b.String()
	if d.digits == "" {
		d.digits = "0"
	}
	d.scale = frac - exp
	if d.scale > math.MaxInt32 || d.scale < math.MinInt32 {
		return bad("scale out of range")
	}
	return d, nil
}

// String is BigDecimal.toString (scientific notation when the scale is
// negative or the adjusted exponent is below -6).
func (d javaDecimal) String() string {
	var b strings.Builder
	if d.neg && d.digits != "0" {
		b.WriteByte('-')
	}
	n := int64(len(d.digits))
	adjusted := -d.scale + (n - 1)
	switch {
	case d.scale == 0:
		b.WriteString(d.digits)
	case d.scale > 0 && adjusted >= -6:
		if n > d.scale {
			b.WriteString(d.digits[:n-d.scale])
			b.WriteByte('.')
			b.WriteString(d.digits[n-d.scale:])
		} else {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", int(d.scale-n)))
			b.WriteString(d.digits)
		}
	default:
		b.WriteByte(d.digits[0])
		if n > 1 {
			b.WriteByte('.')
			b.WriteString(d.digits[1:])
		}
		b.WriteByte('E')
		if adjusted > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.FormatInt(adjusted, 10))
	}
	return b.String()
}
