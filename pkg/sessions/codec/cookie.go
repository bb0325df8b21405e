package codec

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Extension is one extra Set-Cookie attribute (SameSite=Lax). A nil Value is
// a flag extension, rendered as its bare name (Partitioned).
type Extension struct {
	Name  string
	Value *string
}

// CookieConfig is Ktor's CookieConfiguration.
type CookieConfig struct {
	// MaxAge in seconds. 0 is a session cookie (neither Max-Age nor Expires:
	// Ktor 3's maxAgeInSeconds = null, 1.3–2.x's 0, 1.0.1–1.2.x's null
	// duration) unless ZeroMaxAge is set. Above 2^31-1 it is handled as the
	// release did (clamped, dropped, or Max-Age left out). Negative is
	// refused from 1.3.0 on, as Ktor does.
	MaxAge int64
	// ZeroMaxAge, with MaxAge 0, is Ktor's literal zero rather than "no max
	// age": maxAgeInSeconds = 0 in Ktor 3 sends Max-Age=0, duration =
	// Duration.ZERO before 1.3.0 sends Expires=now (both make the browser
	// drop the cookie); from 1.3.0 to 2.3.13 zero is the session cookie.
	ZeroMaxAge bool
	Encoding   Encoding // "" = URI
	Domain     string   // "" = none
	Path       string   // "" = none
	Secure     bool
	HTTPOnly   bool
	Extensions []Extension // rendered in this order
}

// DefaultSessionMaxAge is Ktor's DEFAULT_SESSION_MAX_AGE (and 1.0.0's
// Duration.ofDays(7)).
const DefaultSessionMaxAge = 7 * 24 * 3600

// DefaultCookieConfig is a fresh CookieConfiguration of p's release: 7
// days, encoding URI, Secure false everywhere; no path and no HttpOnly
// before 1.2.0, path "/" and HttpOnly from 1.2.0. An unknown profile gets
// the newest release's defaults.
func DefaultCookieConfig(p transform.Profile) CookieConfig {
	c := CookieConfig{MaxAge: DefaultSessionMaxAge, Encoding: URI}
	if p.Has(ktor.CookieDefaultPathHTTP) {
		c.Path, c.HTTPOnly = "/", true
	}
	return c
}

// ServerReadEncoding is the encoding Ktor's server actually decodes the
// session cookie with: before 1.6.6 it reads call.request.cookies[name],
// which always URI-decodes whatever the configured encoding; from 1.6.6
// (KTOR-524) it decodes with the configured one.
func ServerReadEncoding(configured Encoding, p transform.Profile) Encoding {
	if !p.Has(ktor.ReceiveConfiguredEnc) {
		return URI
	}
	if n, ok := configured.norm(); ok {
		return n
	}
	return configured
}

// RenderSetCookie is the Set-Cookie value (without the "Set-Cookie: " prefix)
// Ktor's SessionTransportCookie.send produces for the already transformed
// session value at the instant now:
//
//	NAME=VALUE; Max-Age=N; Expires=<HTTP date>; Domain=D; Path=P; Secure; HttpOnly; EXT=V; FLAG; $x-enc=ENC
//
// Max-Age and Expires follow the release (see maxAgeParts): Max-Age is
// clamped to 2^31-1 from 1.1.2, Expires is now + MaxAge in Ktor's 64-bit
// millisecond arithmetic (overflow wraps, as in Kotlin) and printed by the
// JVM's Gregorian calendar.
func RenderSetCookie(name, value string, c CookieConfig, now time.Time, p transform.Profile) (string, error) {
	ver, err := release("render", p)
	if err != nil {
		return "", err
	}
	enc, ok := c.Encoding.norm()
	if !ok {
		return "", newErr("render", "", ErrEncoding, fmt.Sprintf("%q", string(c.Encoding)), "")
	}
	age, err := maxAgeParts(c, now.UnixMilli(), ver)
	if err != nil {
		return "", err
	}
	r := newRenderer(ver)
	defer r.free()
	r.part(name, value, enc, true)
	if age.hasMaxAge {
		r.addInt("Max-Age=", int64(age.maxAge))
	}
	if age.hasExpires {
		r.addDate(age.expires)
	}
	r.tail(c, enc, enc)
	return r.result()
}

// ageParts are the Max-Age and Expires attributes of a Set-Cookie line.
type ageParts struct {
	maxAge                int32
	expires               int64 // Unix milliseconds
	hasMaxAge, hasExpires bool
}

// maxAgeParts gives Max-Age and Expires (each may be absent) as ver's
// SessionTransportCookie.send and renderSetCookieHeader do, now in
// milliseconds:
//
//	1.0.0          duration n: Max-Age=n if 0 < n <= 2^31-1; Expires = now + n s, always
//	1.0.1–1.1.1    null: neither; n > 2^31-1: neither; else Max-Age if n > 0, Expires = now + n s
//	1.1.2–1.2.x    null: neither; m = min(n, 2^31-1): Max-Age if m > 0, Expires = now + m s
//	1.3.0–2.3.x    0: neither; else Max-Age=min(n, 2^31-1), Expires = now + n s
//	3.0.0 on       null: neither; 0: Max-Age=0; else as 1.3.0
//
// (null is MaxAge 0 without ZeroMaxAge; 1.0.0 has no null and takes it as
// Duration.ZERO.)
func maxAgeParts(c CookieConfig, now int64, ver ktor.Release) (ageParts, error) {
	n := c.MaxAge
	if c.ZeroMaxAge && n != 0 {
		return ageParts{}, newErr("render", "", ErrConfig, fmt.Sprintf("ZeroMaxAge with max age %d: it means a literal 0", n), "")
	}
	session := n == 0 && !c.ZeroMaxAge
	render := func(m int32, ms int64, withMaxAge, withExpires bool) (ageParts, error) {
		return ageParts{maxAge: m, expires: ms, hasMaxAge: withMaxAge, hasExpires: withExpires}, nil
	}
	switch {
	case !ver.Has(ktor.CookieSessionDuration): // 1.0.0: maxAge = if (n > Int.MAX) -1 else n.toInt()
		m := int32(-1)
		if n <= math.MaxInt32 {
			m = int32(n)
		}
		return render(m, now+toMillisSaturated(n), m > 0, true)
	case !ver.Has(ktor.CookieMaxAgeClamped): // 1.0.1: takeIf { it <= Int.MAX_VALUE }
		if session || n > math.MaxInt32 {
			return ageParts{}, nil
		}
		return render(int32(n), now+toMillisSaturated(n), int32(n) > 0, true)
	case !ver.Has(ktor.CookieMaxAgeSeconds): // 1.1.2: coerceAtMost(Int.MAX_VALUE)
		if session {
			return ageParts{}, nil
		}
		m := min(n, math.MaxInt32)
		return render(int32(m), now+toMillisSaturated(m), int32(m) > 0, true)
	}
	if n < 0 {
		return ageParts{}, newErr("render", "", ErrConfig, fmt.Sprintf("max age %d is negative", n),
			fmt.Sprintf("java.lang.IllegalArgumentException: maxAgeInSeconds shouldn't be negative: %d", n))
	}
	m := int32(min(n, math.MaxInt32))
	if !ver.Has(ktor.CookieMaxAgeNullable) { // 1.3.0: 0 -> no expires; Max-Age only if > 0
		return render(m, now+n*1000, n > 0, n > 0)
	}
	if session { // 3.0.0: maxAgeInSeconds = null
		return ageParts{}, nil
	}
	return render(m, now+n*1000, true, n > 0)
}

// toMillisSaturated is TimeUnit.SECONDS.toMillis(n): n * 1000, saturated at
// the int64 limits.
func toMillisSaturated(n int64) int64 {
	switch {
	case n > math.MaxInt64/1000:
		return math.MaxInt64
	case n < math.MinInt64/1000:
		return math.MinInt64
	}
	return n * 1000
}

// RenderClearCookie is the Set-Cookie value Ktor sends to clear the session:
//   - before 2.1.1 (ResponseCookies.appendExpired): NAME=; Expires=<epoch>;
//     Domain; Path; $x-enc=URI_ENCODING, whatever the configured encoding,
//     without Secure, HttpOnly or extensions;
//   - from 2.1.1 (clearCookie()): the configuration's every attribute with an
//     empty value and Expires at the epoch; maxAge = 0 renders no Max-Age
//     before 3.0.0 and Max-Age=0 from 3.0.0.
func RenderClearCookie(name string, c CookieConfig, p transform.Profile) (string, error) {
	ver, err := release("render", p)
	if err != nil {
		return "", err
	}
	enc, ok := c.Encoding.norm()
	if !ok {
		return "", newErr("render", "", ErrEncoding, fmt.Sprintf("%q", string(c.Encoding)), "")
	}
	r := newRenderer(ver)
	defer r.free()
	if !ver.Has(ktor.ClearCookieAttributes) {
		r.part(name, "", URI, true)
		r.addDate(0)
		r.tail(CookieConfig{Domain: c.Domain, Path: c.Path}, URI, URI)
		return r.result()
	}
	r.part(name, "", enc, true)
	if ver.Has(ktor.CookieMaxAgeNullable) {
		r.add("Max-Age=0")
	}
	r.addDate(0)
	r.tail(c, enc, enc)
	return r.result()
}

// renderer builds a Set-Cookie value: parts joined by "; ", in one pooled
// buffer.
type renderer struct {
	ver ktor.Release
	b   []byte
	n   int // parts written
	err error
	bp  *[]byte
}

var renderBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func newRenderer(ver ktor.Release) renderer {
	bp := renderBufs.Get().(*[]byte)
	return renderer{ver: ver, bp: bp, b: (*bp)[:0]}
}

func (r *renderer) free() {
	if cap(r.b) <= 4096 {
		*r.bp = r.b[:0]
		renderBufs.Put(r.bp)
	}
	r.b, r.bp = nil, nil
}

// next starts a part.
func (r *renderer) next() {
	if r.n > 0 {
		r.b = append(r.b, "; "...)
	}
	r.n++
}

func (r *renderer) add(s string) {
	if r.err == nil && s != "" {
		r.next()
		r.b = append(r.b, s...)
	}
}

func (r *renderer) addInt(prefix string, n int64) {
	if r.err == nil {
		r.next()
		r.b = strconv.AppendInt(append(r.b, prefix...), n, 10)
	}
}

// addDate adds "Expires=" and the HTTP date of ms.
func (r *renderer) addDate(ms int64) {
	if r.err == nil {
		r.next()
		r.b = appendHTTPDate(append(r.b, "Expires="...), ms)
	}
}

// part is Ktor's cookiePart: name=encodeCookieValue(value, enc), the name
// checked first when it is a cookie or extension name.
func (r *renderer) part(name, value string, enc Encoding, checkName bool) {
	if r.err != nil {
		return
	}
	if checkName {
		if i, c := firstEscapable(name, r.ver); i >= 0 {
			r.err = newErr("render", "", ErrCookieName, fmt.Sprintf("%q has %s at byte %d", name, describeRune(c), i),
				"java.lang.IllegalArgumentException: Cookie name is not valid: "+name)
			return
		}
	}
	mark, n := len(r.b), r.n
	r.next()
	r.b = append(append(r.b, name...), '=')
	b, err := appendEncoded(r.b, value, enc, r.ver)
	if err != nil {
		r.b, r.n = r.b[:mark], n
		e := err.(*Error)
		e.Op = "render"
		if !checkName || name == "" {
			e.Detail = fmt.Sprintf("attribute %s: %s", name, e.Detail)
		}
		r.err = e
		return
	}
	r.b = b
}

// tail renders Domain, Path, Secure, HttpOnly, the extensions and $x-enc.
// Extension values are encoded with the cookie's encoding before Ktor
// 2.1.3 and RAW from 2.1.3 (which writes anything from 3.0.2).
func (r *renderer) tail(c CookieConfig, enc, xenc Encoding) {
	if c.Domain != "" {
		r.attr("Domain", c.Domain, Raw)
	}
	if c.Path != "" {
		r.attr("Path", c.Path, Raw)
	}
	if c.Secure {
		r.add("Secure")
	}
	if c.HTTPOnly {
		r.add("HttpOnly")
	}
	extEnc := enc
	if r.ver.Has(ktor.CookieExtensionsRaw) {
		extEnc = Raw
	}
	for _, x := range c.Extensions {
		if r.err != nil {
			break
		}
		if i, ch := firstEscapable(x.Name, r.ver); i >= 0 {
			r.err = newErr("render", "", ErrCookieName, fmt.Sprintf("extension %q has %s at byte %d", x.Name, describeRune(ch), i),
				"java.lang.IllegalArgumentException: Cookie name is not valid: "+x.Name)
			break
		}
		if x.Value == nil {
			r.add(x.Name)
			continue
		}
		r.attr(x.Name, *x.Value, extEnc)
	}
	r.add("$x-enc=" + xenc.KtorName())
}

func (r *renderer) attr(name, value string, enc Encoding) {
	if r.err != nil {
		return
	}
	mark, n := len(r.b), r.n
	r.next()
	r.b = append(append(r.b, name...), '=')
	b, err := appendEncoded(r.b, value, enc, r.ver)
	if err != nil {
		r.b, r.n = r.b[:mark], n
		e := err.(*Error)
		e.Op = "render"
		e.Detail = fmt.Sprintf("attribute %s: %s", name, e.Detail)
		r.err = e
		return
	}
	r.b = b
}

func (r *renderer) result() (string, error) {
	if r.err != nil {
		return "", r.err
	}
	return string(r.b), nil
}

var (
	weekDays = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	months   = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// httpDate is Ktor's GMTDate(ms).toHttpDate(): "Tue, 21 Nov 2023 22:13:20 GMT",
// the year zero-padded to at least four digits. GMTDate reads its fields
// from java.util.GregorianCalendar, which is Julian before 15 October 1582
// and counts years of an era (1 BC is 0001): far-off dates, which only a
// huge max age gives, are printed as the JVM prints them.
func httpDate(ms int64) string { return string(formatHTTPDate(make([]byte, 0, 29), ms)) }

// lastDate caches the date of one second: Expires changes once a second for
// every response of a provider.
var lastDate atomic.Pointer[cachedDate]

type cachedDate struct {
	sec  int64
	text string
}

// appendHTTPDate is httpDate appending to b, the last second's text cached.
func appendHTTPDate(b []byte, ms int64) []byte {
	sec := ms / 1000
	if ms%1000 < 0 {
		sec--
	}
	if c := lastDate.Load(); c != nil && c.sec == sec {
		return append(b, c.text...)
	}
	start := len(b)
	b = formatHTTPDate(b, ms)
	lastDate.Store(&cachedDate{sec: sec, text: string(b[start:])})
	return b
}

func formatHTTPDate(b []byte, ms int64) []byte {
	d := javaDate(ms)
	b = append(b, weekDays[d.weekday]...)
	b = append(b, ", "...)
	b = appendPad(b, d.day, 2)
	b = append(b, ' ')
	b = append(b, months[d.month-1]...)
	b = append(b, ' ')
	b = appendPad(b, d.year, 4)
	b = append(b, ' ')
	b = appendPad(b, d.hour, 2)
	b = append(b, ':')
	b = appendPad(b, d.minute, 2)
	b = append(b, ':')
	b = appendPad(b, d.second, 2)
	return append(b, " GMT"...)
}

type calendarDate struct{ year, month, day, weekday, hour, minute, second int }

// gregorianCutover is GregorianCalendar's default change to the Gregorian
// calendar, 1582-10-15T00:00:00Z, in Unix milliseconds.
const gregorianCutover = -12219292800000

// javaDate is what a GMT GregorianCalendar set to ms reports.
func javaDate(ms int64) calendarDate {
	const msPerDay = 86400000
	days, rem := ms/msPerDay, ms%msPerDay
	if rem < 0 {
		days, rem = days-1, rem+msPerDay
	}
	d := calendarDate{weekday: int(((days+4)%7 + 7) % 7), hour: int(rem / 3600000), minute: int(rem / 60000 % 60), second: int(rem / 1000 % 60)}
	if ms >= gregorianCutover {
		t := time.UnixMilli(ms).UTC()
		d.year, d.month, d.day = t.Year(), int(t.Month()), t.Day()
		return d
	}
	// proleptic Julian calendar from the Julian day number
	c := days + 2440588 + 32082
	q := floorDiv(4*c+3, 1461)
	e := c - floorDiv(1461*q, 4)
	m := floorDiv(5*e+2, 153)
	d.day = int(e - floorDiv(153*m+2, 5) + 1)
	d.month = int(m + 3 - 12*floorDiv(m, 10))
	y := q - 4800 + floorDiv(m, 10)
	if y <= 0 {
		y = 1 - y // YEAR is the year of the era: 1 BC, 2 BC, ...
	}
	d.year = int(y)
	return d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func appendPad(b []byte, n, width int) []byte {
	var d [24]byte
	s := strconv.AppendInt(d[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
