package audit

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestBuiltinList(t *testing.T) {
	ids := map[string]bool{}
	for _, k := range KnownKeys() {
		if ids[k.ID] {
			t.Errorf("duplicate id %s", k.ID)
		}
		ids[k.ID] = true
		if k.Source == "" {
			t.Errorf("%s: no source", k.ID)
		}
		if k.bytes == nil && k.ID != "empty" {
			t.Errorf("%s: no bytes (bad hex literal?)", k.ID)
		}
	}
	tests := []struct {
		id, hex string
	}{
		{"ktor-docs-sign", "6819b57a326945c1968f45236589"},
		{"ktor-docs-encrypt", "00112233445566778899aabbccddeeff"},
		{"ktor-docs-sign-1x", "000102030405060708090a0b0c0d0e0f"},
		{"ktor-tests-mac", "0351560605861061056105"}, // Ktor's hex() drops the odd last digit
		{"zero-32", "0000000000000000000000000000000000000000000000000000000000000000"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			k, ok := LookupKnownKey(mustHex(tc.hex))
			if !ok || k.ID != tc.id {
				t.Fatalf("LookupKnownKey(%s) = %q, %v; want %s", tc.hex, k.ID, ok, tc.id)
			}
			if k.Hex() != tc.hex {
				t.Errorf("Hex() = %s", k.Hex())
			}
		})
	}
	if k, ok := LookupKnownKey([]byte("secret")); !ok || k.Text != "secret" {
		t.Errorf("text secret not known: %+v %v", k, ok)
	}
	if _, ok := LookupKnownKey(mustHex("6819b57a326945c1968f45236588")); ok {
		t.Error("a near miss of the docs key is reported known")
	}
	// the list returned is a copy
	ks := KnownKeys()
	b := ks[0].Bytes()
	b[0] ^= 1
	if bytes.Equal(KnownKeys()[0].Bytes(), b) {
		t.Error("Bytes() is not a copy")
	}
}

// sessionctl's own example keys say "never use them in production": they are on the list, as are
// keys from public Ktor apps and the keys apps derive from a text secret.
func TestKnownListGrown(t *testing.T) {
	ex, err := os.ReadFile("../../keys.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	hexes := regexp.MustCompile(`(?m)^hex = "([0-9a-f]+)"`).FindAllStringSubmatch(string(ex), -1)
	if len(hexes) < 4 {
		t.Fatalf("%d keys in keys.example.toml", len(hexes))
	}
	for _, h := range hexes {
		if k, ok := LookupKnownKey(mustHex(h[1])); !ok || !strings.HasPrefix(k.ID, "sessionctl-example-") {
			t.Errorf("keys.example.toml's %s: %q %v", h[1], k.ID, ok)
		}
	}
	sum := sha256.Sum256([]byte("secret"))
	m5 := md5.Sum([]byte("changeme"))
	for _, tc := range []struct {
		id string
		b  []byte
	}{
		{"public-hex-abcdefg", mustHex("abcdef")},
		{"public-text-stalkerhek", []byte("stalkerhek-secret-key-change-in-prod")},
		{"sha256:text:secret", sum[:]},
		{"sha256-16:text:secret", sum[:16]},
		{"md5:text:changeme", m5[:]},
		{"pad16:text:secret", append([]byte("secret"), make([]byte, 10)...)},
		{"cut32:public-text-your-secret-key-32-chars-long-for-AES", []byte("your-secret-key-32-chars-long-fo")},
	} {
		if k, ok := LookupKnownKey(tc.b); !ok || k.ID != tc.id || k.Source == "" {
			t.Errorf("%s: LookupKnownKey = %q %v", tc.id, k.ID, ok)
		}
	}
}

// known-keys.json is read strictly, so a pull request that adds a key cannot add a broken one.
func TestParseKnownStrict(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown field", `{"keys":[{"id":"a","hex":"00","source":"s","sorce":"x"}]}`, "unknown field"},
		{"duplicate id", `{"keys":[{"id":"a","hex":"00","source":"s"},{"id":"a","text":"x","source":"s"}]}`, "duplicate id"},
		{"no source", `{"keys":[{"id":"a","hex":"00","source":" "}]}`, "no source"},
		{"two materials", `{"keys":[{"id":"a","hex":"00","text":"x","source":"s"}]}`, "exactly one"},
		{"no material", `{"keys":[{"id":"a","source":"s"}]}`, "exactly one"},
		{"bad hex", `{"keys":[{"id":"a","hex":"zz","source":"s"}]}`, "hex"},
		{"bad base64", `{"keys":[{"id":"a","base64":"!!","source":"s"}]}`, "base64"},
	} {
		if _, _, err := parseKnown([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	keys, _, err := parseKnown([]byte(`{"keys":[{"id":"a","hex":"abc","source":"s"},{"id":"t","text":"pw","source":"s"},{"id":"n","text":"pw2","source":"s","derive":false}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if keys[0].Hex() != "ab" {
		t.Errorf("hex \"abc\" read as %s: Ktor's hex() drops the odd digit", keys[0].Hex())
	}
	// t derives sha256, sha256-16, sha1-16, md5, pad16, pad24, pad32; n derives nothing
	if len(keys) != 3+7 {
		t.Errorf("%d keys", len(keys))
	}
}
