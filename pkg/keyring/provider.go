package keyring

import (
	"fmt"
	"strings"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Provider is one configured session provider: a cookie or header name with its Ktor version, tracker,
// serializer, transformer chain and cookie configuration.
type Provider struct {
	Name       string
	Transport  string // cookie | header
	Tracker    string // value | id
	Profile    transform.Profile
	Serializer string // auto | ktor-text | json
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
	p, err := buildProvider(name, spec, kr.extOrder[name], kr.Keys, kr.iv)
	if err != nil {
		return nil, &Error{Path: kr.path, Provider: name, Err: ErrProvider, Cause: err, msg: fmt.Sprintf("%s: provider %q: %v", kr.path, name, err)}
	}
	kr.providers[name] = p
	return p, nil
}

func buildProvider(name string, spec ProviderSpec, extOrder []string, keys func([]string) ([]transform.Key, error), iv transform.IVSource) (*Provider, error) {
	prof := transform.Profile("3")
	if spec.Ktor != "" {
		p, err := transform.ParseProfile(string(spec.Ktor))
		if err != nil {
			return nil, fmt.Errorf("ktor: %w", err)
		}
		prof = p
	}
	p := &Provider{Name: name, Profile: prof, Storage: spec.Storage}
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
		p.Serializer = "ktor-text"
	case "json":
		p.Serializer = "json"
	default:
		return nil, fmt.Errorf("serializer %q: want auto, ktor-text or json", spec.Serializer)
	}
	if spec.Storage != "" && p.Tracker != "id" {
		return nil, fmt.Errorf("storage is set but tracker is %q: a storage holds sessions only for tracker = \"id\"", p.Tracker)
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
		if *c.MaxAge < 0 {
			return cc, fmt.Errorf("max_age %d: want seconds >= 0 (0 = session cookie)", *c.MaxAge)
		}
		cc.MaxAge = *c.MaxAge
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
	case "ktor-text":
		return serializer.FormatText
	case "json":
		return serializer.FormatJSON
	}
	return ""
}
