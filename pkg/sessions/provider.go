package sessions

import (
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Provider is one session a Sessions handles: a name, a Go session type, a
// tracker (by value or by id) and a transport (cookie or header). Build it
// with Cookie or Header; configuration errors surface from New.
type Provider struct{ p *provider }

// Name returns the provider's cookie or header name.
func (p Provider) Name() string {
	if p.p == nil {
		return ""
	}
	return p.p.name
}

// Option configures a Provider.
type Option func(*config)

type config struct {
	profile    transform.Profile
	profileErr error
	storage    storage.Storage
	byID       bool
	chain      transform.Chain
	cookie     *codec.CookieConfig
	cookieEdit []func(*codec.CookieConfig)
	serializer any
	newID      func() (string, error)
	now        func() time.Time
	onError    func(*http.Request, error)
	onlyIfMod  bool
}

// WithProfile selects the exact Ktor release whose behaviour the provider
// reproduces ("3.0.0", or an alias transform.ParseProfile reads: "1.6",
// "2", "3" are the newest release of their line). It picks the default
// cookie configuration, serializer, id format, how the cookie is read and
// when a session is sent back, each from package ktor's table. Default: the
// newest release. An unknown release is a configuration error naming the
// nearest known ones.
func WithProfile(p string) Option {
	return func(c *config) {
		pp, err := transform.ParseProfile(p)
		if err != nil {
			c.profileErr = err
			return
		}
		c.profile = pp
	}
}

// ByValue makes the transport carry the serialized session itself
// (Ktor's SessionTrackerByValue). It is the default.
func ByValue() Option { return func(c *config) { c.byID, c.storage = false, nil } }

// ByID makes the transport carry a session id, the session itself being kept
// in st (Ktor's SessionTrackerById).
func ByID(st storage.Storage) Option { return func(c *config) { c.byID, c.storage = true, st } }

// WithTransformers sets the transformers, in Ktor's order: the first
// transformer writes first; reads undo them from the last.
func WithTransformers(ts ...transform.Transformer) Option {
	return func(c *config) { c.chain = append(transform.Chain(nil), ts...) }
}

// WithCookieConfig replaces the cookie configuration (cookie transport only).
// The default is codec.DefaultCookieConfig of the profile.
func WithCookieConfig(cc codec.CookieConfig) Option {
	return func(c *config) {
		cc.Extensions = append([]codec.Extension(nil), cc.Extensions...)
		c.cookie = &cc
	}
}

// WithCookie edits the cookie configuration in place, after the profile's
// defaults (or WithCookieConfig) are applied: Ktor's `cookie { … }` block.
func WithCookie(edit func(*codec.CookieConfig)) Option {
	return func(c *config) { c.cookieEdit = append(c.cookieEdit, edit) }
}

// WithSerializer sets the serializer; it must be a Serializer of the
// provider's session type. The default is DefaultSerializer of the profile.
func WithSerializer[T any](s Serializer[T]) Option { return func(c *config) { c.serializer = s } }

// WithIDGenerator sets the id generator of a by-id provider (Ktor's
// identity { … }). The default is storage.DefaultIDGenerator of the profile.
func WithIDGenerator(gen func() (string, error)) Option { return func(c *config) { c.newID = gen } }

// WithClock sets the clock the cookie's Expires is computed from.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithErrorHook sets a function told why a request has no session although it
// carried one (errors.Is(err, ErrInvalid)), and about failures while the
// session is written to the response (ErrStorage, ErrEncode). The library
// itself never logs. It may be called from any goroutine that serves requests.
func WithErrorHook(hook func(r *http.Request, err error)) Option {
	return func(c *config) { c.onError = hook }
}

// SendOnlyIfModified skips sending a session that was set to a value equal
// (in its serialized form) to the one the request carried: Ktor 3's
// sendOnlyIfModified.
func SendOnlyIfModified() Option { return func(c *config) { c.onlyIfMod = true } }

// provider is the type-erased provider the middleware runs.
type provider struct {
	name        string
	typ         reflect.Type
	cookie      bool
	cfg         codec.CookieConfig
	readEnc     codec.Encoding
	profile     transform.Profile
	sendOnlySet bool // Ktor 2.3.1+ send rules (old and new value)
	incomingBad bool // Ktor 1.4.1+: a session that arrived unreadable counts as incoming
	chain       transform.Chain
	store       storage.Storage
	newID       func() (string, error)
	now         func() time.Time
	onError     func(*http.Request, error)
	onlyIfMod   bool
	serialize   func(any) (string, error)
	deserialize func(string) (any, error)
	err         error
}

// Cookie builds a provider whose session travels in the cookie name:
// Ktor's cookie<T>(name) { … } (by value) or cookie<T>(name, storage)
// (with ByID).
func Cookie[T any](name string, opts ...Option) Provider { return build[T](name, true, opts) }

// Header builds a provider whose session travels in the request header name,
// the response setting the same header: Ktor's header<T>(name) { … } (by
// value) or header<T>(name, storage) (with ByID).
func Header[T any](name string, opts ...Option) Provider { return build[T](name, false, opts) }

func build[T any](name string, cookie bool, opts []Option) Provider {
	c := config{profile: transform.Profile3}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	typ := reflect.TypeFor[T]()
	p := &provider{name: name, typ: typ, cookie: cookie, profile: c.profile,
		sendOnlySet: c.profile.Has(ktor.SendOnlySet), incomingBad: c.profile.Has(ktor.IncomingUnreadable),
		chain: c.chain, store: c.storage, newID: c.newID, now: c.now, onError: c.onError, onlyIfMod: c.onlyIfMod}
	fail := func(field, format string, args ...any) Provider {
		p.err = &Error{Provider: name, Type: typ.String(), Op: "new", Kind: ErrConfig, Detail: field + ": " + fmt.Sprintf(format, args...)}
		return Provider{p}
	}
	if c.profileErr != nil {
		p.err = &Error{Provider: name, Type: typ.String(), Op: "new", Kind: ErrConfig, Detail: "profile", Err: c.profileErr}
		return Provider{p}
	}
	if rel, _ := c.profile.Release(); c.onlyIfMod && !rel.Has(ktor.SendOnlyIfModified) {
		return fail("SendOnlyIfModified", "Ktor %s has no sendOnlyIfModified (it exists from 3.5.0)", rel)
	}
	if name == "" {
		return fail("name", "empty")
	}
	for i, t := range c.chain {
		if t == nil {
			return fail("transformers", "transformer %d is nil", i+1)
		}
	}
	if c.byID && c.storage == nil {
		return fail("storage", "ByID needs a storage, got nil")
	}
	if p.now == nil {
		p.now = time.Now
	}
	if c.byID && p.newID == nil {
		p.newID = storage.DefaultIDGenerator(c.profile)
	}
	var s Serializer[T]
	switch sv := c.serializer.(type) {
	case nil:
		s = DefaultSerializer[T](c.profile)
	case Serializer[T]:
		s = sv
	default:
		return fail("serializer", "%T does not serialize %s", c.serializer, typ)
	}
	p.serialize = func(v any) (string, error) { return s.Serialize(v.(T)) }
	p.deserialize = func(text string) (any, error) { return s.Deserialize(text) }
	if cookie {
		if c.cookie != nil {
			p.cfg = *c.cookie
		} else {
			p.cfg = codec.DefaultCookieConfig(c.profile)
		}
		for _, edit := range c.cookieEdit {
			if edit != nil {
				edit(&p.cfg)
			}
		}
		p.readEnc = codec.ServerReadEncoding(p.cfg.Encoding, c.profile)
		// Render once to refuse what Ktor refuses (names, negative max age,
		// extensions) when the provider is built, not on a request.
		if _, err := codec.RenderSetCookie(name, "", p.cfg, time.Unix(0, 0), c.profile); err != nil {
			p.err = &Error{Provider: name, Type: typ.String(), Op: "new", Kind: ErrConfig, Detail: "cookie", Err: err}
			return Provider{p}
		}
	} else {
		if len(c.cookieEdit) > 0 || c.cookie != nil {
			return fail("cookie", "a header provider has no cookie configuration")
		}
		if !validHeaderName(name) {
			return fail("name", "%q is not a valid HTTP header name", name)
		}
	}
	return Provider{p}
}

// validHeaderName is Ktor's HttpHeaders.checkHeaderName: an RFC 7230 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c < 0x80 && c > ' ' && stringsContainsByte("!#$%&'*+-.^_`|~", c):
		default:
			return false
		}
	}
	return true
}

func stringsContainsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// check transforms a by-value session text and checks that the result can
// be encoded for its cookie.
func (p *provider) check(text string) (string, error) {
	out, err := p.chain.Write(text)
	if err != nil {
		return "", &Error{Provider: p.name, Type: p.typ.String(), Op: "set", Kind: ErrEncode, Detail: "transform", Err: err}
	}
	if p.cookie {
		if _, err := codec.Encode(out, p.cfg.Encoding, p.profile); err != nil {
			return "", &Error{Provider: p.name, Type: p.typ.String(), Op: "set", Kind: ErrEncode, Detail: "cookie encoding", Err: err}
		}
	}
	return out, nil
}
