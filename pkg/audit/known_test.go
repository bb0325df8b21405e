package audit

import (
	"bytes"
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
