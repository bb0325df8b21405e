package webapi

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/sessionctl/sessionctl/pkg/keyring"
)

// oneOffKeyring builds a keyring with one provider from one-off keys, as the CLI's chain flags
// do (commands/flags.go: the same key ids, mac-1, encrypt-1, sign-1…, and Ktor's usual order:
// encrypt, then mac, then digest). TestOneOffAsCLI compares the two.
func oneOffKeyring(k Keys) (*keyring.Keyring, string, error) {
	name := k.Name
	if name == "" {
		name = "SESSION"
	}
	cfg := keyring.Config{Keys: map[string]keyring.KeySpec{}, Providers: map[string]keyring.ProviderSpec{}}
	material := map[string][]byte{}
	addKeys := func(what string, hexes []string, prefix string) ([]string, error) {
		var ids []string
		for i, h := range hexes {
			h = strings.TrimSpace(h)
			b, err := hex.DecodeString(h)
			if err != nil {
				return nil, &Error{Kind: KindKeyring, msg: fmt.Sprintf("%s #%d: not hex: %v", what, i+1, err)}
			}
			id := fmt.Sprintf("%s-%d", prefix, i+1)
			material[id] = b
			cfg.Keys[id] = keyring.KeySpec{Hex: &h}
			ids = append(ids, id)
		}
		return ids, nil
	}
	spec := keyring.ProviderSpec{Ktor: keyring.ProfileValue(k.Ktor), Serializer: k.Serializer}
	enc, err := addKeys("encrypt key", k.EncryptKeys, "encrypt")
	if err != nil {
		return nil, "", err
	}
	sign, err := addKeys("sign key", k.SignKeys, "sign")
	if err != nil {
		return nil, "", err
	}
	macs, err := addKeys("MAC key", k.MACKeys, "mac")
	if err != nil {
		return nil, "", err
	}
	if len(enc) > 0 || len(sign) > 0 {
		spec.Transform = append(spec.Transform, keyring.TransformSpec{Type: "encrypt", Keys: enc, SignKeys: sign,
			Format: k.EncryptFormat, SignAlgorithm: k.SignAlgorithm, BackwardCompatibleRead: k.BackwardCompat})
	}
	if len(macs) > 0 {
		spec.Transform = append(spec.Transform, keyring.TransformSpec{Type: "mac", Keys: macs, Algorithm: k.MACAlgorithm})
	}
	if k.DigestSalt != nil || k.DigestAlgorithm != "" {
		spec.Transform = append(spec.Transform, keyring.TransformSpec{Type: "digest", Algorithm: k.DigestAlgorithm, Salt: k.DigestSalt})
	}
	cfg.Providers[name] = spec
	return keyring.FromConfig("one-off keys", cfg, []string{name}, material, keyring.Options{}), name, nil
}
