package audit

import (
	"crypto/rand"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
)

const payload = `{"name":"Alice","admin":false}`

// each built-in key cracks a cookie made with it, in every role it can play (tried alone: the list
// has a thousand keys, so the whole list per cookie is TestCrackBuiltinList's)
func TestCrackEachKnownKey(t *testing.T) {
	docEnc, docSign := mustHex("00112233445566778899aabbccddeeff"), mustHex("6819b57a326945c1968f45236589")
	for _, k := range KnownKeys() {
		k := k
		t.Run(k.ID, func(t *testing.T) {
			type tc struct {
				name, value, role, format string
			}
			cases := []tc{{"mac", macCookie(payload, k.bytes, "HmacSHA256"), "mac", ""}}
			if k.Text != "" || k.Len() == 0 {
				cases = append(cases, tc{"digest", digestCookie(payload, string(k.bytes), "SHA-384"), "digest-salt", ""})
			}
			if n := k.Len(); n == 16 || n == 24 || n == 32 {
				cases = append(cases, tc{"encrypt-current", encCookie(payload, k.bytes, docSign, fixedIV(2), "HmacSHA256", false), "encrypt", "current"})
			}
			if k.Len() == 16 {
				cases = append(cases, tc{"encrypt-legacy", encCookie(payload, k.bytes, docSign, fixedIV(3), "HmacSHA256", true), "encrypt", "legacy"})
			}
			cases = append(cases,
				tc{"sign-current", encCookie(payload, docEnc, k.bytes, fixedIV(4), "HmacSHA256", false), "sign", "current"},
				tc{"sign-legacy", encCookie(payload, docEnc, k.bytes, fixedIV(5), "HmacSHA256", true), "sign", "legacy"})
			for _, c := range cases {
				// k, and the documentation's keys that made the other half of the encrypt cookies
				tg := NewTarget(Input{Value: c.value}, Options{Known: []KnownKey{k, NewKnownKey("doc-enc", "test", docEnc), NewKnownKey("doc-sign", "test", docSign)}})
				tg.CrackKnown()
				r := tg.Report()
				var got *FoundKey
				for _, fk := range append(r.Keys, derefKey(r.Key)...) {
					if fk.Role == c.role {
						got = &fk
						break
					}
				}
				if got == nil {
					t.Errorf("%s: no %s key found: %+v", c.name, c.role, r)
					continue
				}
				if got.Hex != k.Hex() && !(c.role != "encrypt" && hmacSame(got.Hex, k.Hex())) {
					// HMAC pads keys with zeros: a key and the same key zero-padded (the empty key and
					// all-zero keys, a text and its copyOf(32)) are the same key
					t.Errorf("%s: found %s, want %s", c.name, got.Hex, k.Hex())
				}
				if c.format != "" && got.Format != c.format {
					t.Errorf("%s: format %q, want %q", c.name, got.Format, c.format)
				}
				if r.Payload == nil || *r.Payload != payload || !r.PayloadVerified {
					t.Errorf("%s: payload %v verified %v", c.name, r.Payload, r.PayloadVerified)
				}
				if !r.Failed() {
					t.Errorf("%s: a found key does not fail the audit", c.name)
				}
			}
		})
	}
}

func derefKey(k *FoundKey) []FoundKey {
	if k == nil {
		return nil
	}
	return []FoundKey{*k}
}

func TestCrackDigestSaltsAndAlgorithms(t *testing.T) {
	for _, salt := range []string{"ktor", "", "my unity salt string"} {
		for _, alg := range hashAlgs {
			v := digestCookie("id=%23s42", salt, alg.digest)
			tg := NewTarget(Input{Value: v, Encoding: codec.Raw}, Options{})
			tg.CrackKnown()
			r := tg.Report()
			if r.Key == nil || r.Key.Role != "digest-salt" || r.Key.Algorithm != alg.digest || r.Key.Text != salt && salt != "" {
				t.Errorf("salt %q %s: %+v", salt, alg.digest, r.Key)
			}
			if !hasFinding(r, "digest-transformer") {
				t.Errorf("salt %q %s: not flagged as digest", salt, alg.digest)
			}
		}
	}
}

func TestRandomKeyNotAttributed(t *testing.T) {
	for i := 0; i < 20; i++ {
		k := make([]byte, 32)
		rand.Read(k)
		k2 := make([]byte, 16)
		rand.Read(k2)
		for _, v := range []string{
			macCookie(payload, k, "HmacSHA256"),
			macCookie(payload, k, "HmacSHA1"),
			encCookie(payload, k2, k, fixedIV(i), "HmacSHA256", false),
			encCookie(payload, k2, k, fixedIV(i), "HmacSHA256", true),
		} {
			tg := NewTarget(Input{Value: v}, Options{})
			tg.CrackKnown()
			r := tg.Report()
			if r.Key != nil {
				t.Fatalf("random key attributed: %+v", r.Key)
			}
			b, _ := json.Marshal(r)
			if strings.Contains(string(b), "6819b57a326945c1968f45236589") {
				t.Fatalf("random key cookie mentions the docs key: %s", b)
			}
		}
	}
}

// the Ktor vectors: with the vector's own key as the only "known" key, every
// value Ktor wrote is cracked back to the input Ktor was given
func TestKtorVectors(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/ktor/ktor-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	type vcase struct {
		Source string            `json:"source"`
		Params map[string]any    `json:"params"`
		Input  *string           `json:"input"`
		Write  *string           `json:"transformWrite"`
		Reads  []json.RawMessage `json:"transformRead"`
	}
	for _, section := range []string{"mac_1_0_0", "mac_head", "digest_1_0_0", "encrypt_1_0_0", "encrypt_head"} {
		var cases []vcase
		if err := json.Unmarshal(v[section], &cases); err != nil {
			t.Fatalf("%s: %v", section, err)
		}
		for i, c := range cases {
			if c.Write == nil || c.Input == nil {
				continue
			}
			c := c
			t.Run(section+"/"+strconv.Itoa(i), func(t *testing.T) {
				var known []KnownKey
				var wantRole string
				str := func(k string) string { s, _ := c.Params[k].(string); return s }
				switch {
				case strings.HasPrefix(section, "mac"):
					known = []KnownKey{NewKnownKey("vector", "vector", mustHex(str("keyHex")))}
					wantRole = "mac"
				case strings.HasPrefix(section, "digest"):
					known = []KnownKey{textKey("vector", str("salt"), "vector")}
					wantRole = "digest-salt"
				default:
					known = []KnownKey{NewKnownKey("vector-enc", "vector", mustHex(str("encryptionKeyHex"))),
						NewKnownKey("vector-sign", "vector", mustHex(str("signKeyHex")))}
					wantRole = "encrypt"
				}
				tg := NewTarget(Input{Value: *c.Write, Encoding: codec.Raw}, Options{Known: known})
				tg.CrackKnown()
				if strings.HasPrefix(section, "digest") {
					// the vector's salt as a salt
					w := newWorker(true)
					k := knownCand(&known[0])
					w.next(&k)
					w.try(tg, &k, tryDigest)
				}
				r := tg.Report()
				if r.Key == nil || r.Key.Role != wantRole {
					t.Fatalf("%s: key %+v, want role %s (params %v)", *c.Write, r.Key, wantRole, c.Params)
				}
				if strings.HasPrefix(section, "encrypt") {
					wantFormat := "current"
					if c.Source == "ktor-1.0.0" {
						wantFormat = "legacy"
					}
					if len(r.Keys) != 2 || r.Keys[1].Format != wantFormat {
						t.Errorf("keys %+v, want the sign key in format %s", r.Keys, wantFormat)
					}
				}
				if r.Payload == nil || *r.Payload != *c.Input {
					t.Errorf("payload %v, want %q", r.Payload, *c.Input)
				}
			})
		}
	}
}

func hasFinding(r Report, id string) bool {
	for _, f := range r.Findings {
		if f.ID == id {
			return true
		}
	}
	return false
}

// hmacSame: two keys (hex) that HMAC makes the same key, padding them with zeros to its block.
func hmacSame(a, b string) bool {
	trim := func(h string) string {
		for strings.HasSuffix(h, "00") {
			h = h[:len(h)-2]
		}
		return h
	}
	return len(a) <= 128 && len(b) <= 128 && trim(a) == trim(b)
}

// the built-in list as CrackKnown uses it (no Options.Known): keys from every part of the list —
// Ktor's documentation, sessionctl's example keyring, public apps, degenerate keys, common texts and
// keys derived from a text — are found in MAC and encrypt cookies
func TestCrackBuiltinList(t *testing.T) {
	docSign := mustHex("6819b57a326945c1968f45236589")
	byID := map[string]KnownKey{}
	for _, k := range KnownKeys() {
		byID[k.ID] = k
	}
	for _, id := range []string{"ktor-docs-sign", "sessionctl-example-sign-2025", "sessionctl-example-enc-2025", "public-hex-abcdefg",
		"public-5230f3-encrypt", "zero-32", "text:changeme", "sha256-16:text:secret", "sha256:text:ktor", "md5:text:password",
		"sha1-16:text:changeme", "pad16:text:secret", "cut32:public-text-your-secret-key-32-chars-long-for-AES"} {
		k, ok := byID[id]
		if !ok {
			t.Errorf("%s: not on the list", id)
			continue
		}
		value, role := macCookie(payload, k.bytes, "HmacSHA256"), "mac"
		if n := k.Len(); n == 16 || n == 32 {
			value, role = encCookie(payload, k.bytes, docSign, fixedIV(7), "HmacSHA256", false), "encrypt"
		}
		tg := NewTarget(Input{Value: value}, Options{})
		tg.CrackKnown()
		r := tg.Report()
		found := false
		for _, fk := range append(r.Keys, derefKey(r.Key)...) {
			if fk.Role == role && (fk.Hex == k.Hex() || role == "mac" && hmacSame(fk.Hex, k.Hex())) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s (%s): not found by the built-in list: %+v", id, role, r.Keys)
		}
	}
}
