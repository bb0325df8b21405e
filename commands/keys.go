package commands

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/audit"
	"github.com/sessionctl/sessionctl/pkg/keyring"
	"github.com/sessionctl/sessionctl/pkg/ktor"
)

func keysCommand(env Env, u *ui) *cli.Command {
	return &cli.Command{
		Name:  "keys",
		Usage: "generate keys and audit a keyring",
		Subcommands: []*cli.Command{
			{
				Name:  "generate",
				Usage: "print random keys of the right sizes as a TOML snippet",
				Description: `EXAMPLES:
   sessionctl keys generate --type encrypt --id 2026 >> keys.toml
   sessionctl keys generate --type mac --id sign-2026

The snippet holds secret key material: it is printed because you asked for it.`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "type", Value: "mac", Usage: "`mac|encrypt|digest`"},
					&cli.StringFlag{Name: "id", Usage: "key id `SUFFIX` (default: a random one)"},
					&cli.IntFlag{Name: "aes-bytes", Value: 16, Usage: "AES key size in bytes: 16, 24 or 32 (before Ktor 3.5.1 only 16 works with the default ivGenerator)"},
					&cli.IntFlag{Name: "mac-bytes", Value: 32, Usage: "HMAC key size in bytes (at least the hash size: 32 for HmacSHA256)"},
					jsonFlag(),
				},
				Action: func(c *cli.Context) error { return runKeysGenerate(c, u) },
			},
			{
				Name:  "check",
				Usage: "audit a keyring: key sizes, weak or well-known keys, reuse across roles, missing material, file permissions",
				Description: `Exits 1 when a check fails (an error), 0 when there are only warnings or nothing.

EXAMPLES:
   sessionctl keys check --keys keys.toml
   sessionctl keys check --keys keys.toml --json | jq '.findings[] | select(.severity=="error")'`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: flagKeys, Aliases: []string{"k"}, EnvVars: []string{envKeys}, Usage: "keyring `FILE`"},
					&cli.BoolFlag{Name: flagExample, Usage: "check the embedded example keyring"},
					jsonFlag(),
				},
				Action: func(c *cli.Context) error { return runKeysCheck(c, env, u) },
			},
		},
	}
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func runKeysGenerate(c *cli.Context, u *ui) error {
	id := c.String("id")
	if id == "" {
		s, err := randomHex(3)
		if err != nil {
			return ioErr(err)
		}
		id = s
	}
	aes, mac := c.Int("aes-bytes"), c.Int("mac-bytes")
	if aes != 16 && aes != 24 && aes != 32 {
		return usageErr("--aes-bytes %d: AES keys are 16, 24 or 32 bytes", aes)
	}
	if mac < 16 || mac > 256 {
		return usageErr("--mac-bytes %d: want 16 to 256 (32 or more for HmacSHA256)", mac)
	}
	type gen struct{ id, hex, comment string }
	var keys []gen
	var provider string
	switch c.String("type") {
	case "mac":
		h, err := randomHex(mac)
		if err != nil {
			return ioErr(err)
		}
		keys = append(keys, gen{"sign-" + id, h, fmt.Sprintf("HMAC key, %d bytes", mac)})
		provider = fmt.Sprintf("[[providers.SESSION.transform]]\ntype = \"mac\"\nkeys = [\"sign-%s\"]\nalgorithm = \"HmacSHA256\"\n", id)
	case "encrypt":
		e, err := randomHex(aes)
		if err != nil {
			return ioErr(err)
		}
		s, err := randomHex(mac)
		if err != nil {
			return ioErr(err)
		}
		keys = append(keys, gen{"enc-" + id, e, fmt.Sprintf("AES-%d key", aes*8)}, gen{"sign-" + id, s, fmt.Sprintf("HMAC key, %d bytes", mac)})
		provider = fmt.Sprintf("[[providers.SESSION.transform]]\ntype = \"encrypt\"\nkeys = [\"enc-%s\"]\nsign_keys = [\"sign-%s\"]\n", id, id)
	case "digest":
		provider = "[[providers.SESSION.transform]]\ntype = \"digest\"  # no key: anyone can forge a digest; prefer mac\nsalt = \"ktor\"\nalgorithm = \"SHA-384\"\n"
	default:
		return usageErr("--type %q: want mac, encrypt or digest", c.String("type"))
	}
	if c.Bool(flagJSON) {
		m := map[string]string{}
		for _, k := range keys {
			m[k.id] = k.hex
		}
		b, _ := marshalJSON(map[string]any{"keys": m})
		fmt.Fprintf(u.out, "%s\n", b)
		return nil
	}
	for _, k := range keys {
		fmt.Fprintf(u.out, "[keys.%s]  # %s\nhex = \"%s\"\n\n", k.id, k.comment, k.hex)
	}
	// the provider part is an example to adapt, so it is commented out: appending the snippet to
	// a keyring adds keys, not a provider
	fmt.Fprintf(u.out, "# in your provider's transform, current key first:\n")
	for _, l := range strings.Split(strings.TrimRight(provider, "\n"), "\n") {
		fmt.Fprintf(u.out, "#   %s\n", l)
	}
	return nil
}

type keyFinding struct {
	Severity string `json:"severity"` // error | warning
	ID       string `json:"id"`
	Key      string `json:"key,omitempty"`
	Message  string `json:"message"`
}

func runKeysCheck(c *cli.Context, env Env, u *ui) error {
	var kr *keyring.Keyring
	var findings []keyFinding
	add := func(sev, id, key, format string, a ...any) {
		findings = append(findings, keyFinding{Severity: sev, ID: id, Key: key, Message: fmt.Sprintf(format, a...)})
	}
	switch {
	case c.Bool(flagExample):
		k, err := keyring.Parse("keys.example.toml (embedded)", env.ExampleKeyring, keyOptions(env))
		if err != nil {
			return configErr(err)
		}
		kr = k
	case c.String(flagKeys) != "":
		k, warns, err := keyring.Load(c.String(flagKeys), keyOptions(env))
		if err != nil {
			return configErr(err)
		}
		for _, w := range warns {
			add("error", "file-permissions", "", "%s", w)
		}
		for _, w := range k.EncodingWarnings() {
			add("warning", "ambiguous-encoding", "", "%s", w)
		}
		kr = k
	default:
		return usageHint("give --keys FILE (or SESSIONCTL_KEYS), or --example", "which keyring?")
	}
	cfg := kr.Config()
	// roles: how each key id is used by the providers
	type use struct{ role, provider, format string }
	uses := map[string][]use{}
	for _, pn := range kr.ProviderNames() {
		spec := cfg.Providers[pn]
		for _, t := range spec.Transform {
			for _, id := range t.Keys {
				role := "mac"
				if t.Type == "encrypt" {
					role = "aes"
				}
				uses[id] = append(uses[id], use{role, pn, t.Format})
			}
			for _, id := range t.SignKeys {
				uses[id] = append(uses[id], use{"sign", pn, t.Format})
			}
			if t.Type == "digest" {
				add("warning", "digest-transformer", "", "provider %s uses the digest transformer: it has no key, anyone can forge its sessions (Ktor removed it in 2.0.0); use mac", pn)
			}
		}
		if _, err := kr.Provider(pn); err != nil {
			add("error", "provider-invalid", "", "%v", err)
		}
	}
	material := map[string][]byte{}
	for _, id := range sortedKeys(cfg.Keys) {
		b, err := kr.KeyBytes(id)
		if err != nil {
			add("error", "material-missing", id, "%v", err)
			continue
		}
		material[id] = b
		if len(uses[id]) == 0 {
			add("warning", "unused", id, "key %s is used by no provider", id)
		}
		roles := map[string]bool{}
		for _, us := range uses[id] {
			roles[us.role] = true
			switch us.role {
			case "aes":
				if len(b) != 16 && len(b) != 24 && len(b) != 32 {
					add("error", "aes-size", id, "key %s is %d bytes: AES keys are 16, 24 or 32 bytes (provider %s)", id, len(b), us.provider)
				} else if p, err := kr.Provider(us.provider); err == nil && len(b) != 16 && !p.Profile.Has(ktor.EncryptBlockSizedIV) {
					add("error", "aes-size-legacy", id, "key %s is %d bytes: Ktor %s encrypt asks its default ivGenerator for an IV as long as the key (until 3.5.1), so only AES-128 (16 bytes) works there without a custom ivGenerator (provider %s)", id, len(b), p.Profile, us.provider)
				}
			case "mac", "sign":
				if len(b) < 16 {
					add("error", "hmac-short", id, "key %s is %d bytes: an HMAC key shorter than 16 bytes is guessable; use 32 (keys generate)", id, len(b))
				} else if len(b) < 32 {
					add("warning", "hmac-short", id, "key %s is %d bytes: use at least 32 for HmacSHA256", id, len(b))
				}
			}
		}
		if len(roles) > 1 {
			add("error", "role-reuse", id, "key %s is used both as %s: use a separate key for each role", id, strings.Join(sortedKeys(roles), " and "))
		}
		if e, top := entropyBits(b), math.Log2(math.Min(float64(len(b)), 256)); len(b) >= 8 && e < 0.75*top {
			add("error", "low-entropy", id, "key %s has low entropy (%.1f bits per byte): it looks typed or patterned, not random", id, e)
		}
		if k, ok := audit.LookupKnownKey(b); ok {
			add("error", "known-key", id, "key %s is a well-known key (%s): anyone can forge or read these sessions", id, k.Source)
		}
	}
	ids := sortedKeys(material)
	for i, a := range ids {
		for _, b := range ids[i+1:] {
			if bytes.Equal(material[a], material[b]) {
				add("error", "key-reuse", a, "keys %s and %s hold the same material", a, b)
			}
		}
	}
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].Severity < findings[j].Severity })
	errs := 0
	for _, f := range findings {
		if f.Severity == "error" {
			errs++
		}
	}
	if c.Bool(flagJSON) {
		b, _ := marshalJSON(map[string]any{"file": kr.Path(), "keys": len(cfg.Keys), "providers": len(cfg.Providers),
			"ok": errs == 0, "findings": append([]keyFinding{}, findings...)})
		fmt.Fprintf(u.out, "%s\n", b)
	} else {
		st := u.st
		fmt.Fprintf(u.out, "%s %s: %s, %s\n", st.Title.Render("keys check"), termSafe(kr.Path()), count(len(cfg.Keys), "key"),
			count(len(cfg.Providers), "provider"))
		for _, f := range findings {
			mark := st.Warn.Render("warning")
			if f.Severity == "error" {
				mark = st.Bad.Render("error  ")
			}
			fmt.Fprintf(u.out, "  %s %s %s\n", mark, st.Dim.Render(fmt.Sprintf("%-18s", f.ID)), termSafe(f.Message))
		}
		if errs == 0 {
			fmt.Fprintf(u.out, "  %s\n", st.OK.Render("no errors"))
		}
	}
	if errs > 0 {
		return silentExit(ExitInvalid)
	}
	return nil
}

// entropyBits: Shannon entropy of the bytes, in bits per byte (8 = uniformly random, for long keys).
func entropyBits(b []byte) float64 {
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	h := 0.0
	for _, n := range counts {
		if n > 0 {
			p := float64(n) / float64(len(b))
			h -= p * math.Log2(p)
		}
	}
	return h
}

// count is "1 key", "2 keys".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
