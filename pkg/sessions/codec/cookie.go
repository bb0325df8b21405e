package codec

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

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
	// MaxAge in seconds; 0 is a session cookie (neither Max-Age nor Expires,
	// Ktor 3's maxAgeInSeconds = null). Negative is refused.
	MaxAge     int64
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

// DefaultCookieConfig is a fresh CookieConfiguration of the profile's
// release: 1.0.0 has 7 days, no path and no HttpOnly; 1.6 and later
// maxAgeInSeconds 604800, path "/", httpOnly true. Secure is false and the
// encoding URI everywhere. An unknown profile gets the profile 3 defaults.
func DefaultCookieConfig(p transform.Profile) CookieConfig {
	c := CookieConfig{MaxAge: DefaultSessionMaxAge, Encoding: URI}
	if p != transform.Profile10 {
		c.Path, c.HTTPOnly = "/", true
	}
	return c
}

// ServerReadEncoding is the encoding Ktor's server actually decodes the
// session cookie with: Ktor 1.x reads call.request.cookies[name], which
// always URI-decodes whatever the configured encoding; Ktor 2.0 and later
// decode with the configured one.
func ServerReadEncoding(configured Encoding, p transform.Profile) Encoding {
	if p == transform.Profile10 || p == transform.Profile16 {
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
// Expires is now + MaxAge (never clamped); Max-Age is clamped to 2^31-1 (1.6
// and later) or, in 1.0.0, left out when over 2^31-1.
func RenderSetCookie(name, value string, c CookieConfig, now time.Time, p transform.Profile) (string, error) {
	ver, err := versionOf("render", p)
	if err != nil {
		return "", err
	}
	enc, ok := c.Encoding.norm()
	if !ok {
		return "", newErr("render", "", ErrEncoding, fmt.Sprintf("%q", string(c.Encoding)), "")
	}
	if c.MaxAge < 0 {
		return "", newErr("render", "", ErrConfig, fmt.Sprintf("max age %d is negative", c.MaxAge),
			fmt.Sprintf("java.lang.IllegalArgumentException: maxAgeInSeconds shouldn't be negative: %d", c.MaxAge))
	}
	if c.MaxAge > math.MaxInt64/1000 {
		return "", newErr("render", "", ErrConfig, fmt.Sprintf("max age %d overflows Ktor's millisecond clock", c.MaxAge), "")
	}
	r := newRenderer(ver)
	defer r.free()
	r.part(name, value, enc, true)
	if c.MaxAge > 0 {
		switch {
		case c.MaxAge <= math.MaxInt32:
			r.addInt("Max-Age=", c.MaxAge)
		case ver != v10:
			r.addInt("Max-Age=", math.MaxInt32)
		}
		r.addDate(now.UnixMilli() + c.MaxAge*1000)
	}
	r.tail(c, enc, enc)
	return r.result()
}

// RenderClearCookie is the Set-Cookie value Ktor sends to clear the session:
//   - 1.0 and 1.6 (ResponseCookies.appendExpired): NAME=; Expires=<epoch>;
//     Domain; Path; $x-enc=URI_ENCODING, whatever the configured encoding,
//     without Secure, HttpOnly or extensions;
//   - 2 (clearCookie, Ktor 2.2+): the configuration's every attribute with an
//     empty value and Expires at the epoch, no Max-Age;
//   - 3: the same plus Max-Age=0.
func RenderClearCookie(name string, c CookieConfig, p transform.Profile) (string, error) {
	ver, err := versionOf("render", p)
	if err != nil {
		return "", err
	}
	enc, ok := c.Encoding.norm()
	if !ok {
		return "", newErr("render", "", ErrEncoding, fmt.Sprintf("%q", string(c.Encoding)), "")
	}
	r := newRenderer(ver)
	defer r.free()
	if ver <= v16 {
		r.part(name, "", URI, true)
		r.addDate(0)
		r.tail(CookieConfig{Domain: c.Domain, Path: c.Path}, URI, URI)
		return r.result()
	}
	r.part(name, "", enc, true)
	if ver >= v3 {
		r.add("Max-Age=0")
	}
	r.addDate(0)
	r.tail(c, enc, enc)
	return r.result()
}

// renderer builds a Set-Cookie value: parts joined by "; ", in one buffer.
type renderer struct {
	ver version
	b   []byte
	n   int // parts written
	err error
	bp  *[]byte
}

var renderBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func newRenderer(ver version) renderer {
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
// Extension values are encoded with the cookie's encoding before Ktor 2.2,
// RAW (checked) in 2.2 to 2.3 and untouched in 3.
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
	if r.ver >= v2 {
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
// the year zero-padded to at least four digits.
func httpDate(ms int64) string { return string(appendHTTPDate(nil, ms)) }

// lastDate caches the rendering of one second: Expires changes once a
// second for every response of a provider.
var lastDate atomic.Pointer[cachedDate]

type cachedDate struct {
	sec  int64
	text string
}

func appendHTTPDate(b []byte, ms int64) []byte {
	sec := ms / 1000
	if ms%1000 < 0 {
		sec--
	}
	if c := lastDate.Load(); c != nil && c.sec == sec {
		return append(b, c.text...)
	}
	t := time.UnixMilli(ms).UTC()
	start := len(b)
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	b = append(b, weekDays[t.Weekday()]...)
	b = append(b, ", "...)
	b = appendPad(b, day, 2)
	b = append(b, ' ')
	b = append(b, months[month-1]...)
	b = append(b, ' ')
	b = appendPad(b, year, 4)
	b = append(b, ' ')
	b = appendPad(b, hour, 2)
	b = append(b, ':')
	b = appendPad(b, minute, 2)
	b = append(b, ':')
	b = appendPad(b, second, 2)
	b = append(b, " GMT"...)
	lastDate.Store(&cachedDate{sec: sec, text: string(b[start:])})
	return b
}

// appendPad writes n in decimal (as fmt.Sprint does, a minus sign
// included), zeros before it up to width characters.
func appendPad(b []byte, n, width int) []byte {
	var d [24]byte
	s := strconv.AppendInt(d[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
