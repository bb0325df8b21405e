package commands

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/keyring"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Flag names and their environment variables, side by side.
const (
	flagKeys     = "keys"
	envKeys      = "SESSIONCTL_KEYS"
	flagProvider = "provider"
	envProvider  = "SESSIONCTL_PROVIDER"
	flagExample  = "example"
	flagJSON     = "json"
	flagEncoding = "encoding"
	flagBare     = "bare"
	flagKtor     = "ktor"
	flagMACKey   = "mac-key"
	flagMACAlg   = "mac-algorithm"
	flagEncKey   = "encrypt-key"
	flagSignKey  = "sign-key"
	flagSignAlg  = "sign-algorithm"
	flagFormat   = "encrypt-format"
	flagCompat   = "backward-compatible-read"
	flagDigest   = "digest-salt"
	flagDigAlg   = "digest-algorithm"
	flagName     = "name"
	flagSerial   = "serializer"
	flagStore    = "store"
	flagNow      = "now"
)

// keyFlags: where the keys and the provider come from (a keyring file, the embedded example, or a
// one-off chain from flags).
func keyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: flagKeys, Aliases: []string{"k"}, EnvVars: []string{envKeys}, Usage: "keyring `FILE` (TOML; see keys.example.toml)"},
		&cli.StringFlag{Name: flagProvider, Aliases: []string{"p"}, EnvVars: []string{envProvider}, Usage: "the provider (cookie or header `NAME`) of the keyring to use"},
		&cli.BoolFlag{Name: flagExample, Usage: "use the embedded example keyring (keys.example.toml)"},
		&cli.StringFlag{Name: flagKtor, Usage: "the Ktor `VERSION`: an exact release (3.0.0) or the newest of a line (1.6, 2, 3); with a keyring it replaces every provider's ktor", Value: ""},
		&cli.StringSliceFlag{Name: flagMACKey, Usage: "one-off chain: MAC key as `HEX`, env:VAR or @FILE (repeat: first = current)"},
		&cli.StringFlag{Name: flagMACAlg, Usage: "one-off chain: MAC `ALGORITHM` (JCA name, default by release)"},
		&cli.StringSliceFlag{Name: flagEncKey, Usage: "one-off chain: AES key as `HEX`, env:VAR or @FILE (repeat: first = current)"},
		&cli.StringSliceFlag{Name: flagSignKey, Usage: "one-off chain: encrypt's HMAC key as `HEX`, env:VAR or @FILE (repeat)"},
		&cli.StringFlag{Name: flagSignAlg, Usage: "one-off chain: encrypt's HMAC `ALGORITHM` (default HmacSHA256)"},
		&cli.StringFlag{Name: flagFormat, Usage: "one-off chain: encrypt `FORMAT`, current (Ktor 3) or legacy (Ktor 1.x-2.x)"},
		&cli.BoolFlag{Name: flagCompat, Usage: "one-off chain: encrypt reads the other format too (Ktor's backwardCompatibleRead)"},
		&cli.StringFlag{Name: flagDigest, Usage: "one-off chain: digest with this `SALT` (Ktor 1.x)"},
		&cli.StringFlag{Name: flagDigAlg, Usage: "one-off chain: digest `ALGORITHM` (JCA name, default by release)"},
		&cli.StringFlag{Name: flagName, Usage: "one-off chain: the cookie `NAME` (default SESSION)"},
		&cli.StringFlag{Name: flagSerial, Usage: "serializer `auto|ktor-text|backward-compatible|json`; with a keyring it replaces every provider's serializer"},
	}
}

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: flagJSON, Usage: "print JSON for scripts (one object per line)"}
}

func encodingFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: flagEncoding, Usage: usage}
}

// loadKeyring: --keys, or --example, or one-off chain flags, or nothing (no keys: structure only).
// The provider name to use, when one is implied, is returned too.
func loadKeyring(c *cli.Context, env Env, u *ui) (*keyring.Keyring, string, error) {
	oneOff := c.IsSet(flagMACKey) || c.IsSet(flagEncKey) || c.IsSet(flagSignKey) || c.IsSet(flagDigest) || c.IsSet(flagDigAlg)
	path := c.String(flagKeys)
	provider := c.String(flagProvider)
	switch {
	case oneOff && (path != "" && c.IsSet(flagKeys) || c.Bool(flagExample)):
		return nil, "", usageHint("give the chain either in a keyring file or with flags", "--%s/--%s and one-off chain flags do not mix", flagKeys, flagExample)
	case c.Bool(flagExample):
		kr, err := keyring.Parse("keys.example.toml (embedded)", env.ExampleKeyring, keyOptions(env))
		if err != nil {
			return nil, "", configErr(err)
		}
		if err := applyOverrides(c, kr); err != nil {
			return nil, "", err
		}
		return kr, provider, nil
	case oneOff:
		kr, name, err := oneOffKeyring(c, keyOptions(env))
		if err != nil {
			return nil, "", configErr(err)
		}
		return kr, name, nil
	case path != "":
		kr, warns, err := keyring.Load(path, keyOptions(env))
		for _, w := range warns {
			u.warnf("%s", w)
		}
		if err != nil {
			return nil, "", configErr(err)
		}
		if err := applyOverrides(c, kr); err != nil {
			return nil, "", err
		}
		for _, w := range kr.EncodingWarnings() {
			u.warnf("%s", w)
		}
		if provider == "" && len(kr.ProviderNames()) == 1 {
			provider = kr.ProviderNames()[0]
		}
		return kr, provider, nil
	}
	if def, err := defaultKeyring(env); err != nil {
		return nil, "", ioErr(err)
	} else if def != "" {
		kr, warns, err := keyring.Load(def, keyOptions(env))
		for _, w := range warns {
			u.warnf("%s", w)
		}
		if err != nil {
			return nil, "", configErr(err)
		}
		if provider == "" && len(kr.ProviderNames()) == 1 {
			provider = kr.ProviderNames()[0]
		}
		return kr, provider, nil
	}
	if provider != "" {
		return nil, "", usageHint("name the keyring with --keys FILE (or SESSIONCTL_KEYS, or put it at $XDG_CONFIG_HOME/sessionctl/keys.toml)", "--provider %s given without a keyring", provider)
	}
	if _, err := ktorFlag(c); err != nil {
		return nil, "", err
	}
	if c.IsSet(flagSerial) {
		return nil, "", usageHint("give a keyring (--keys, --example) or a one-off chain (--mac-key…) for it to apply to", "--serializer given without a provider")
	}
	return nil, "", nil
}

// defaultKeyring: $XDG_CONFIG_HOME/sessionctl/keys.toml ($HOME/.config when XDG_CONFIG_HOME is
// unset or relative, as the XDG spec says) when that file exists; "" when it does not.
// SESSIONCTL_KEYS comes first, through the --keys flag's environment variable.
func defaultKeyring(env Env) (string, error) {
	if p := env.Getenv(envKeys); p != "" {
		return p, nil
	}
	dir := env.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home := env.Getenv("HOME")
		if home == "" {
			return "", nil
		}
		dir = filepath.Join(home, ".config")
	}
	p := filepath.Join(dir, "sessionctl", "keys.toml")
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("default keyring %s: %w", p, err)
	}
	return p, nil
}

// oneOffKeyring builds a keyring with one provider from the chain flags, in Ktor's usual order:
// encrypt, then mac, then digest.
func oneOffKeyring(c *cli.Context, o keyring.Options) (*keyring.Keyring, string, error) {
	name := c.String(flagName)
	if name == "" {
		name = "SESSION"
	}
	cfg := keyring.Config{Keys: map[string]keyring.KeySpec{}, Providers: map[string]keyring.ProviderSpec{}}
	material := map[string][]byte{}
	addKeys := func(flag, prefix string) ([]string, error) {
		var ids []string
		for i, h := range c.StringSlice(flag) {
			h = strings.TrimSpace(h)
			id := fmt.Sprintf("%s-%d", prefix, i+1)
			switch {
			case strings.HasPrefix(h, "env:"):
				// as a keyring's env = "VAR": hex:…, base64:…, text:…, bare hex, else UTF-8
				v := h[len("env:"):]
				if v == "" {
					return nil, fmt.Errorf("--%s #%d: env: needs a variable name (env:VAR)", flag, i+1)
				}
				cfg.Keys[id] = keyring.KeySpec{Env: &v}
			case strings.HasPrefix(h, "@"):
				// as a keyring's file = "PATH": the file's bytes, without a final newline
				f := h[1:]
				if f == "" {
					return nil, fmt.Errorf("--%s #%d: @ needs a file name (@FILE)", flag, i+1)
				}
				cfg.Keys[id] = keyring.KeySpec{File: &f}
			default:
				b, err := hex.DecodeString(h)
				if err != nil {
					return nil, fmt.Errorf("--%s #%d: not hex: %v (or give env:VAR or @FILE, which keep the key off the command line)", flag, i+1, err)
				}
				material[id] = b
				cfg.Keys[id] = keyring.KeySpec{Hex: &h}
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	spec := keyring.ProviderSpec{Ktor: keyring.ProfileValue(c.String(flagKtor)), Serializer: c.String(flagSerial)}
	enc, err := addKeys(flagEncKey, "encrypt")
	if err != nil {
		return nil, "", err
	}
	sign, err := addKeys(flagSignKey, "sign")
	if err != nil {
		return nil, "", err
	}
	macs, err := addKeys(flagMACKey, "mac")
	if err != nil {
		return nil, "", err
	}
	if len(enc) > 0 || len(sign) > 0 {
		t := keyring.TransformSpec{Type: "encrypt", Keys: enc, SignKeys: sign, Format: c.String(flagFormat), SignAlgorithm: c.String(flagSignAlg)}
		if c.IsSet(flagCompat) {
			b := c.Bool(flagCompat)
			t.BackwardCompatibleRead = &b
		}
		spec.Transform = append(spec.Transform, t)
	}
	if len(macs) > 0 {
		spec.Transform = append(spec.Transform, keyring.TransformSpec{Type: "mac", Keys: macs, Algorithm: c.String(flagMACAlg)})
	}
	if c.IsSet(flagDigest) || c.IsSet(flagDigAlg) {
		t := keyring.TransformSpec{Type: "digest", Algorithm: c.String(flagDigAlg)}
		if c.IsSet(flagDigest) {
			s := c.String(flagDigest)
			t.Salt = &s
		}
		spec.Transform = append(spec.Transform, t)
	}
	cfg.Providers[name] = spec
	return keyring.FromConfig("flags", cfg, []string{name}, material, o), name, nil
}

// keyOptions: what a keyring may read, the environment and files.
func keyOptions(env Env) keyring.Options {
	return keyring.Options{Getenv: env.Getenv, Open: openKeyFile, Stat: os.Stat}
}

func parseEncodingFlag(c *cli.Context) (codec.Encoding, error) {
	s := c.String(flagEncoding)
	if s == "" {
		return "", nil
	}
	e, err := codec.ParseEncoding(s)
	if err != nil {
		return "", usageErr("--encoding %q: want uri, base64, dquotes or raw", s)
	}
	return e, nil
}

// parseNow: RFC 3339 or Unix seconds.
func parseNow(s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return def, usageErr("--now %q: want RFC 3339 (2023-11-14T22:13:20Z) or Unix seconds", s)
	}
	return t, nil
}

// parseAge: Go durations plus d (days) and w (weeks): 30d, 12h, 1w2d, 90m.
func parseAge(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("%q: want a duration such as 30d, 12h or 90m", s)
		}
		j := i
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') && rest[j] != '.' {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, fmt.Errorf("%q: %v", s, err)
		}
		var u time.Duration
		switch unit {
		case "w":
			u = 7 * 24 * time.Hour
		case "d":
			u = 24 * time.Hour
		case "h":
			u = time.Hour
		case "m":
			u = time.Minute
		case "s":
			u = time.Second
		case "ms":
			u = time.Millisecond
		default:
			return 0, fmt.Errorf("%q: unknown unit %q (use w, d, h, m, s)", s, unit)
		}
		if f*float64(u) > float64(200*365*24*time.Hour) || float64(total)+f*float64(u) > float64(200*365*24*time.Hour) {
			return 0, fmt.Errorf("%q: longer than 200 years", s)
		}
		total += time.Duration(f * float64(u))
		rest = rest[j:]
	}
	return total, nil
}

// ktorFlag: the release --ktor names ("" when not given), checked now, so that an unknown or
// future release is a usage error naming the nearest known ones.
func ktorFlag(c *cli.Context) (transform.Profile, error) {
	if !c.IsSet(flagKtor) {
		return "", nil
	}
	p, err := transform.ParseProfile(c.String(flagKtor))
	if err != nil {
		return "", usageErr("--ktor: %v", err)
	}
	return p, nil
}

// applyOverrides: --ktor and --serializer with a keyring replace every provider's ktor and
// serializer, never silently ignored.
func applyOverrides(c *cli.Context, kr *keyring.Keyring) error {
	if _, err := ktorFlag(c); err != nil {
		return err
	}
	if c.IsSet(flagKtor) || c.IsSet(flagSerial) {
		kr.Override(c.String(flagKtor), c.String(flagSerial))
	}
	return nil
}
