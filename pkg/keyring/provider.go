package keyring

import (
	"fmt"
	"strings"

	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Provider is one configured session provider: a cookie or header name with its Ktor version, tracker,
// serializer, transformer chain and cookie configuration.
type Provider struct {
	Name      string
	Transport string            // cookie | header
	Tracker   string            // value | id
	Profile   transform.Profile // the exact release (an alias resolved)
	// Version is what `ktor` (or --ktor) said and what it resolved to; KtorSet is false when
	// neither was given and the provider stands for the newest known release.
	Version    ktor.Version
	KtorSet    bool
	Serializer string               // auto | ktor-text | backward-compatible | json
	TextStyle  serializer.TextStyle // the text serializer: Reflection, or BackwardCompatible
	Storage    string
	Chain      transform.Chain
	Steps      []StepInfo
	specs      []TransformSpec // as configured, to build single-key readers for bulk rotation
	keys       func([]string) ([]transform.Key, error)
	iv         transform.IVSource
	Cookie     codec.CookieConfig
}

// StepInfo describes one transformer of the chain for people: never any key material.
type StepInfo struct {
	Type      string   `json:"type"`
	Algorithm string   `json:"algorithm,omitempty"`
	Keys      []string `json:"keys,omitempty"`
	SignKeys  []string `json:"sign_keys,omitempty"`
	Format    string   `json:"format,omitempty"`
}

func (s StepInfo) String() string {
	var b strings.Builder
	b.WriteString(s.Type)
	if s.Algorithm != "" {
		b.WriteString(" " + s.Algorithm)
	}
	if s.Format != "" {
		b.WriteString(" (" + s.Format + ")")
	}
	return b.String()
}

// Provider builds the named provider (once: later calls return the same one).
func (kr *Keyring) Provider(name string) (*Provider, error) {
	if p, ok := kr.providers[name]; ok {
		return p, nil
	}
	spec, ok := kr.cfg.Providers[name]
	if !ok {
		names := kr.ProviderNames()
		if len(names) == 0 {
			return nil, &Error{Path: kr.path, Provider: name, Err: ErrNoProvider,
				msg: fmt.Sprintf("%s: no [providers.%s] (the file defines no providers)", kr.path, name)}
		}
		return nil, &Error{Path: kr.path, Provider: name, Err: ErrNoProvider,
			msg: fmt.Sprintf("%s: no provider %q (defined: %s)", kr.path, name, strings.Join(names, ", "))}
	}
	p, err := buildProvider(name, kr.override(spec), kr.extOrder[name], kr.Keys, kr.iv)
	if err != nil {
		return nil, &Error{Path: kr.path, Provider: name, Err: ErrProvider, Cause: err, msg: fmt.Sprintf("%s: provider %q: %v", kr.path, name, err)}
	}
	kr.providers[name] = p
	return p, nil
}

// ProviderAt builds the named provider as release r would run it, whatever its `ktor` says (not
// cached): inspect tries a value against every release with it.
func (kr *Keyring) ProviderAt(name string, r ktor.Release) (*Provider, error) {
	spec, ok := kr.cfg.Providers[name]
	if !ok {
		return kr.Provider(name) // the same error
	}
	spec = kr.override(spec)
	spec.Ktor = ProfileValue(r.String())
	return buildProvider(name, spec, kr.extOrder[name], kr.Keys, kr.iv)
}

// Override makes every provider built from now on use this `ktor` and/or `serializer` ("" leaves
// the file's): the CLI's --ktor and --serializer with a keyring. Providers already built are
// built again.
func (kr *Keyring) Override(ktorVersion, serializerName string) {
	kr.overKtor, kr.overSerializer = ktorVersion, serializerName
	kr.providers = map[string]*Provider{}
}

func (kr *Keyring) override(spec ProviderSpec) ProviderSpec {
	if kr.overKtor != "" {
		spec.Ktor = ProfileValue(kr.overKtor)
	}
	if kr.overSerializer != "" {
		spec.Serializer = kr.overSerializer
	}
	return spec
}

func buildProvider(name string, spec ProviderSpec, extOrder []string, keys func([]string) ([]transform.Key, error), iv transform.IVSource) (*Provider, error) {
	ver := ktor.Any()
	if spec.Ktor != "" {
		v, err := ktor.Parse(string(spec.Ktor))
		if err != nil {
			return nil, fmt.Errorf("ktor: %w", err)
		}
		ver = v
	}
	prof := transform.ProfileOf(ver.Release)
	p := &Provider{Name: name, Profile: prof, Version: ver, KtorSet: spec.Ktor != "", Storage: spec.Storage}
	switch spec.Transport {
	case "", "cookie":
		p.Transport = "cookie"
	case "header":
		p.Transport = "header"
	default:
		return nil, fmt.Errorf("transport %q: want cookie or header", spec.Transport)
	}
	switch spec.Tracker {
	case "", "value":
		p.Tracker = "value"
	case "id":
		p.Tracker = "id"
	default:
		return nil, fmt.Errorf("tracker %q: want value or id", spec.Tracker)
	}
	switch spec.Serializer {
	case "", "auto":
		p.Serializer = "auto"
	case "ktor-text", "text", "reflection":
		p.Serializer, p.TextStyle = "ktor-text", serializer.Reflection
	case "backward-compatible", "kotlinx-backward-compatible":
		if err := serializer.CheckTextStyle(serializer.BackwardCompatible, prof); err != nil {
			return nil, fmt.Errorf("serializer %q: %v", spec.Serializer, err)
		}
		p.Serializer, p.TextStyle = "backward-compatible", serializer.BackwardCompatible
	case "json":
		p.Serializer = "json"
	default:
		return nil, fmt.Errorf("serializer %q: want auto, ktor-text (reflection), backward-compatible or json", spec.Serializer)
	}
	if spec.Storage != "" && p.Tracker != "id" {
		return nil, fmt.Errorf("storage is set but tracker is %q: a storage holds sessions only for tracker = \"id\"", p.Tracker)
	}
	if spec.Store != nil {
		if spec.Storage == "" {
			return nil, fmt.Errorf("[store] is set but storage is not: give storage = \"postgres://…\" (or another store URL)")
		}
		sep := "?"
		if strings.Contains(p.Storage, "?") {
			sep = "&"
		}
		for _, kv := range spec.Store.params() {
			p.Storage += sep + kv[0] + "=" + queryEscape(kv[1])
			sep = "&"
		}
	}
	for i, t := range spec.Transform {
		tr, info, err := buildTransformer(t, prof, keys, iv)
		if err != nil {
			return nil, fmt.Errorf("transform #%d (%s): %w", i+1, t.Type, err)
		}
		p.Chain = append(p.Chain, tr)
		p.Steps = append(p.Steps, info)
		p.specs = append(p.specs, t)
	}
	cc, err := cookieConfig(spec.Cookie, extOrder, prof)
	if err != nil {
		return nil, fmt.Errorf("cookie: %w", err)
	}
	p.Cookie = cc
	p.keys, p.iv = keys, iv
	return p, nil
}

func buildTransformer(t TransformSpec, prof transform.Profile, keys func([]string) ([]transform.Key, error), iv transform.IVSource) (transform.Transformer, StepInfo, error) {
	info := StepInfo{Type: t.Type}
	switch t.Type {
	case "digest":
		if len(t.Keys) > 0 || len(t.SignKeys) > 0 || t.Format != "" || t.SignAlgorithm != "" || t.BackwardCompatibleRead != nil {
			return nil, info, fmt.Errorf("digest takes only salt and algorithm")
		}
		salt := "ktor"
		if t.Salt != nil {
			salt = *t.Salt
		}
		alg := t.Algorithm
		if alg == "" {
			alg = transform.DefaultDigestAlgorithm(prof)
		}
		info.Algorithm = alg
		d, err := transform.NewDigest(salt, alg, prof)
		return d, info, err
	case "mac":
		if len(t.SignKeys) > 0 || t.Format != "" || t.Salt != nil || t.SignAlgorithm != "" || t.BackwardCompatibleRead != nil {
			return nil, info, fmt.Errorf("mac takes only keys and algorithm")
		}
		if len(t.Keys) == 0 {
			return nil, info, fmt.Errorf("mac needs keys = [\"key-id\", …]")
		}
		ks, err := keys(t.Keys)
		if err != nil {
			return nil, info, err
		}
		alg := t.Algorithm
		if alg == "" {
			alg = transform.DefaultMACAlgorithm(prof)
		}
		info.Algorithm, info.Keys = alg, t.Keys
		m, err := transform.NewMAC(ks, alg, prof)
		return m, info, err
	case "encrypt":
		if t.Salt != nil {
			return nil, info, fmt.Errorf("encrypt takes no salt")
		}
		if len(t.Keys) == 0 || len(t.SignKeys) == 0 {
			return nil, info, fmt.Errorf("encrypt needs keys = [\"enc-id\", …] and sign_keys = [\"sign-id\", …]")
		}
		ek, err := keys(t.Keys)
		if err != nil {
			return nil, info, err
		}
		sk, err := keys(t.SignKeys)
		if err != nil {
			return nil, info, err
		}
		format := transform.DefaultEncryptFormat(prof)
		if t.Format != "" {
			f, err := transform.ParseFormat(t.Format)
			if err != nil {
				return nil, info, err
			}
			format = f
		}
		o := transform.EncryptOptions{EncKeys: ek, SignKeys: sk, EncAlgorithm: t.Algorithm, SignAlgorithm: t.SignAlgorithm,
			Format: format, Profile: prof, IV: iv}
		if t.BackwardCompatibleRead != nil {
			o.BackwardCompatibleRead = *t.BackwardCompatibleRead
		}
		sa := t.SignAlgorithm
		if sa == "" {
			sa = "HmacSHA256"
		}
		ea := t.Algorithm
		if ea == "" {
			ea = "AES"
		}
		info.Algorithm, info.Keys, info.SignKeys, info.Format = ea+"+"+sa, t.Keys, t.SignKeys, string(format)
		e, err := transform.NewEncrypt(o)
		return e, info, err
	case "":
		return nil, info, fmt.Errorf("type is missing: want encrypt, mac or digest")
	default:
		return nil, info, fmt.Errorf("type %q: want encrypt, mac or digest", t.Type)
	}
}

func cookieConfig(c *CookieSpec, extOrder []string, prof transform.Profile) (codec.CookieConfig, error) {
	cc := codec.DefaultCookieConfig(prof)
	if c == nil {
		return cc, nil
	}
	if c.MaxAge != nil {
		if c.MaxAge.Seconds < 0 {
			return cc, fmt.Errorf("max_age %d: want seconds >= 0 (0 = session cookie, \"zero\" = Ktor's maxAgeInSeconds = 0)", c.MaxAge.Seconds)
		}
		cc.MaxAge, cc.ZeroMaxAge = c.MaxAge.Seconds, c.MaxAge.Zero
	}
	if c.Encoding != "" {
		e, err := codec.ParseEncoding(c.Encoding)
		if err != nil {
			return cc, err
		}
		cc.Encoding = e
	}
	if c.Domain != nil {
		cc.Domain = *c.Domain
	}
	if c.Path != nil {
		cc.Path = *c.Path
	}
	if c.Secure != nil {
		cc.Secure = *c.Secure
	}
	if c.HTTPOnly != nil {
		cc.HTTPOnly = *c.HTTPOnly
	}
	if len(c.Extensions) > 0 {
		names := extOrder
		if len(names) != len(c.Extensions) {
			names = sortedKeys(c.Extensions)
		}
		cc.Extensions = nil
		for _, n := range names {
			switch v := c.Extensions[n].(type) {
			case string:
				s := v
				cc.Extensions = append(cc.Extensions, codec.Extension{Name: n, Value: &s})
			case bool:
				if v {
					cc.Extensions = append(cc.Extensions, codec.Extension{Name: n})
				}
			default:
				return cc, fmt.Errorf("extensions.%s: want a string, or true for a flag such as Partitioned", n)
			}
		}
	}
	return cc, nil
}

// SerializerFormat is the format a provider's payload is decoded with ("" = detect).
func (p *Provider) SerializerFormat() serializer.Format {
	switch p.Serializer {
	case "ktor-text", "backward-compatible":
		return serializer.FormatText
	case "json":
		return serializer.FormatJSON
	}
	return ""
}

// queryEscape percent-encodes a URL query value: every byte but the unreserved characters
// (RFC 3986), so that a field can never add a parameter. (net/url would do, but this package
// builds for js/wasm without the network packages.)
func queryEscape(v string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
