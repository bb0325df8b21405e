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
	tracker    Tracker
	chain      transform.Chain
	cookie     *codec.CookieConfig
	cookieEdit []func(*codec.CookieConfig)
	serializer any
	newID      func(*http.Request) (string, error)
	now        func() time.Time
	onError    func(*http.Request, error)
	onlyIfMod  bool
	eager      bool
	rotate     bool
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
func ByValue() Option { return func(c *config) { c.byID, c.storage, c.tracker = false, nil, nil } }

// ByID makes the transport carry a session id, the session itself being kept
// in st (Ktor's SessionTrackerById).
func ByID(st storage.Storage) Option {
	return func(c *config) { c.byID, c.storage, c.tracker = true, st, nil }
}

// WithTracker makes t the provider's tracker instead of ByValue or ByID:
// Ktor's SessionProvider(name, type, transport, tracker).
func WithTracker(t Tracker) Option {
	return func(c *config) {
		c.byID, c.storage, c.tracker = false, nil, t
		if t == nil {
			c.tracker = nilTracker{}
		}
	}
}

// nilTracker marks WithTracker(nil), refused by New.
type nilTracker struct{ byValue }

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
func WithIDGenerator(gen func() (string, error)) Option {
	return func(c *config) {
		if gen == nil {
			c.newID = nil
			return
		}
		c.newID = func(*http.Request) (string, error) { return gen() }
	}
}

// WithRequestIDGenerator is WithIDGenerator with a generator that sees the
// request whose new session needs an id: Ktor 3.5's identity { call -> … }
// (SessionTrackerById's sessionIdProvider: (ApplicationCall) -> String).
func WithRequestIDGenerator(gen func(r *http.Request) (string, error)) Option {
	return func(c *config) { c.newID = gen }
}

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
// sendOnlyIfModified. A session RotateOnRead re-issues is sent all the same.
func SendOnlyIfModified() Option { return func(c *config) { c.onlyIfMod = true } }

// LoadEagerly reads the provider's session when the request comes in, before
// the handler runs, as every Ktor release does by default (Ktor's Sessions
// plugin reads every provider in onCall). The default of this package is
// lazy, Ktor 3.1+'s deferred mode (the system property
// io.ktor.server.sessions.deferred=true): a session is read only when the
// handler asks for it, and a response that never looked at it leaves it
// alone. What eager loading changes, with the send rules of the profile:
//   - from Ktor 1.4.1: a session that came in and cannot be read (undecodable,
//     stale id) is cleared off on every response, not only on the responses
//     whose handler looked at it;
//   - before Ktor 2.3.1: every session read is sent again on every response (its
//     cookie's Expires slides), as 1.x did.
//
// A storage failure while loading eagerly is told to the error hook and
// returned by Get; the response goes on (Ktor would answer 500 to every
// request, even one that never uses the session).
func LoadEagerly() Option { return func(c *config) { c.eager = true } }

// RotateOnRead re-issues, on the response, a session the request carried
// that is not in the provider's current form, so that a rotation completes
// as users come back instead of logging them out:
//   - a value verified (MAC) or decrypted and verified (Encrypt) under a key
//     of the keyring that is not its first, writing key;
//   - a value an Encrypt of the current format read in the legacy format
//     (EncryptOptions.BackwardCompatibleRead);
//   - a session the JSON serializer could not read that is in Ktor's text
//     format (Ktor 1.x/2.x, or 3's KotlinxBackwardCompatibleSessionSerializer):
//     with RotateOnRead a JSON provider reads it with TextSerializer and
//     writes it back as JSON.
//
// A session is re-issued on a response whose handler read it (with
// LoadEagerly: on every response). It is sent as if the handler had set it
// to the value read: under
// the first keys, in the current format and serializer, with a fresh cookie
// Max-Age; by id, the stored text is rewritten only when its serializer
// changes and the id stays the same. A handler that sets or clears the
// session decides instead. Sessions.Stats counts, per key id, the sessions
// each key still verifies. Every key of a keyring needs a distinct id.
func RotateOnRead() Option { return func(c *config) { c.rotate = true } }

// provider is the type-erased provider the middleware runs.
type provider struct {
	name        string
	typ         reflect.Type
	cookie      *cookieTransport // the built-in cookie transport, nil otherwise
	transport   Transport
	tracker     Tracker
	byValue     bool // the built-in by-value tracker
	byID        *byID
	profile     transform.Profile
	sendOnlySet bool // Ktor 2.3.1+ send rules (old and new value)
	incomingBad bool // Ktor 1.4.1+: a session that arrived unreadable counts as incoming
	chain       transform.Chain
	onError     func(*http.Request, error)
	onlyIfMod   bool
	eager       bool
	rotate      bool
	keys        []*stepKeys // per keyring transformer of the chain, for Stats and RotateOnRead
	stats       providerCounters

	serialize     func(any) (string, error)
	deserialize   func(string) (any, error)
	deserializeTx func(string) (any, error) // RotateOnRead of a JSON provider: the text format
	isType        func(any) bool
	box, unbox    func(any) any // T ↔ the *T the slots hold
	loadOp        string
	err           error
}

// Cookie builds a provider whose session travels in the cookie name:
// Ktor's cookie<T>(name) { … } (by value) or cookie<T>(name, storage)
// (with ByID).
func Cookie[T any](name string, opts ...Option) Provider {
	return build[T](name, kindCookie, nil, opts)
}

// Header builds a provider whose session travels in the request header name,
// the response setting the same header: Ktor's header<T>(name) { … } (by
// value) or header<T>(name, storage) (with ByID).
func Header[T any](name string, opts ...Option) Provider {
	return build[T](name, kindHeader, nil, opts)
}

// Custom builds a provider whose session travels through t: Ktor's
// register(SessionProvider(name, T::class, transport, tracker)) with a
// transport of its own. The tracker is ByValue unless ByID or WithTracker
// says otherwise; the transformers apply around t.
func Custom[T any](name string, t Transport, opts ...Option) Provider {
	return build[T](name, kindCustom, t, opts)
}

const (
	kindCookie = iota
	kindHeader
	kindCustom
)

func build[T any](name string, kind int, custom Transport, opts []Option) Provider {
	c := config{profile: transform.Profile3}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	typ := reflect.TypeFor[T]()
	p := &provider{name: name, typ: typ, profile: c.profile,
		sendOnlySet: c.profile.Has(ktor.SendOnlySet), incomingBad: c.profile.Has(ktor.IncomingUnreadable),
		chain: c.chain, onError: c.onError, onlyIfMod: c.onlyIfMod, eager: c.eager, rotate: c.rotate}
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
	now := c.now
	if now == nil {
		now = time.Now
	}
	switch {
	case c.byID:
		if c.storage == nil {
			return fail("storage", "ByID needs a storage, got nil")
		}
		gen := c.newID
		if gen == nil {
			def := storage.DefaultIDGenerator(c.profile)
			gen = func(*http.Request) (string, error) { return def() }
		}
		p.byID = &byID{store: c.storage, newID: gen}
		p.tracker, p.loadOp = p.byID, "storage read"
	case c.tracker != nil:
		if _, isNil := c.tracker.(nilTracker); isNil {
			return fail("tracker", "WithTracker(nil)")
		}
		if c.newID != nil {
			return fail("id generator", "an id generator is for ByID; a tracker of its own makes its ids")
		}
		p.tracker, p.loadOp = c.tracker, "tracker load"
	default:
		if c.newID != nil {
			return fail("id generator", "an id generator needs ByID")
		}
		p.tracker, p.byValue, p.loadOp = byValue{}, true, "load"
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
	// The slots hold *T: one allocation per session, shared by the
	// serializers of this package (which take and fill pointers).
	if bs, ok := s.(boxedSerializer[T]); ok {
		p.serialize, p.deserialize = bs.serializeBoxed, bs.deserializeBoxed
	} else {
		p.serialize = func(v any) (string, error) { return s.Serialize(*v.(*T)) }
		p.deserialize = func(text string) (any, error) {
			v, err := s.Deserialize(text)
			if err != nil {
				return nil, err
			}
			return &v, nil
		}
	}
	p.isType = func(v any) bool { _, ok := v.(T); return ok }
	p.box = func(v any) any { x := v.(T); return &x }
	p.unbox = func(v any) any { return *v.(*T) }
	if c.rotate {
		if _, isJSON := s.(jsonKind); isJSON {
			p.deserializeTx = textSerializer[T]{c.profile}.deserializeBoxed
		}
	}
	if err := p.setKeys(c.rotate); err != nil {
		p.err = err
		return Provider{p}
	}
	switch kind {
	case kindCookie:
		ct := &cookieTransport{name: name, profile: c.profile, now: now}
		if c.cookie != nil {
			ct.cfg = *c.cookie
		} else {
			ct.cfg = codec.DefaultCookieConfig(c.profile)
		}
		for _, edit := range c.cookieEdit {
			if edit != nil {
				edit(&ct.cfg)
			}
		}
		ct.readEnc = codec.ServerReadEncoding(ct.cfg.Encoding, c.profile)
		// URI and base64 encode every value; RAW and DQUOTES refuse some.
		if e, err := codec.ParseEncoding(string(ct.cfg.Encoding)); ct.cfg.Encoding != "" && (err != nil || e != codec.URI && e != codec.Base64) {
			ct.mayRefuse = true
		}
		// Render once to refuse what Ktor refuses (names, negative max age,
		// extensions) when the provider is built, not on a request.
		if _, err := codec.RenderSetCookie(name, "", ct.cfg, time.Unix(0, 0), c.profile); err != nil {
			p.err = &Error{Provider: name, Type: typ.String(), Op: "new", Kind: ErrConfig, Detail: "cookie", Err: err}
			return Provider{p}
		}
		p.cookie, p.transport = ct, ct
	case kindHeader:
		if len(c.cookieEdit) > 0 || c.cookie != nil {
			return fail("cookie", "a header provider has no cookie configuration")
		}
		if !validHeaderName(name) {
			return fail("name", "%q is not a valid HTTP header name", name)
		}
		p.transport = &headerTransport{name: http.CanonicalHeaderKey(name)}
	default:
		if len(c.cookieEdit) > 0 || c.cookie != nil {
			return fail("cookie", "a custom transport has no cookie configuration")
		}
		if custom == nil {
			return fail("transport", "nil Transport")
		}
		p.transport = custom
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
	if p.cookie != nil && p.cookie.mayRefuse {
		if _, err := codec.Encode(out, p.cookie.cfg.Encoding, p.profile); err != nil {
			return "", &Error{Provider: p.name, Type: p.typ.String(), Op: "set", Kind: ErrEncode, Detail: "cookie encoding", Err: err}
		}
	}
	return out, nil
}
