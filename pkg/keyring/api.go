package keyring

import "github.com/sessionctl/sessionctl/pkg/transform"

// FromConfig makes a keyring of an already decoded configuration (the CLI's one-off chain flags);
// order lists the provider names in the order they were given. material, when not nil, gives key
// ids their bytes as they are (no check: an empty key reaches the transformer, which refuses it).
func FromConfig(path string, cfg Config, order []string, material map[string][]byte, o Options) *Keyring {
	if cfg.Keys == nil {
		cfg.Keys = map[string]KeySpec{}
	}
	if cfg.Providers == nil {
		cfg.Providers = map[string]ProviderSpec{}
	}
	resolved := map[string][]byte{}
	for id, b := range material {
		resolved[id] = b
	}
	return &Keyring{path: path, cfg: cfg, order: order, resolved: resolved, getenv: o.Getenv,
		open: o.Open, stat: o.Stat, extOrder: map[string][]string{}, providers: map[string]*Provider{}}
}

// Path is the name the keyring was read from ("keys.toml", "flags").
func (kr *Keyring) Path() string { return kr.path }

// Config is the keyring as written in the file.
func (kr *Keyring) Config() Config { return kr.cfg }

// SetIV makes every encrypt transformer built from now on write with this IV source (tests,
// reproducible output); providers already built are built again.
func (kr *Keyring) SetIV(iv transform.IVSource) {
	kr.iv = iv
	kr.providers = map[string]*Provider{}
}

// Built returns the providers built so far (by Provider), in file order.
func (kr *Keyring) Built() []*Provider {
	var out []*Provider
	for _, n := range kr.order {
		if p, ok := kr.providers[n]; ok {
			out = append(out, p)
		}
	}
	return out
}

// Specs are the transformers of the provider as configured, in chain order.
func (p *Provider) Specs() []TransformSpec { return p.specs }

// BuildTransformer builds one transformer with the provider's release, keyring and IV source: for
// a reader of a chosen key subset (bulk rotation tries one key pair first).
func (p *Provider) BuildTransformer(t TransformSpec) (transform.Transformer, StepInfo, error) {
	return buildTransformer(t, p.Profile, p.keys, p.iv)
}
