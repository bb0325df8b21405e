package audit

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"encoding/hex"
	"hash"
)

func algByMAC(name string) *hashAlg {
	for _, a := range hashAlgs {
		if a.mac == name || a.digest == name {
			return a
		}
	}
	panic("no algorithm " + name)
}

func macCookie(payload string, key []byte, alg string) string {
	m := hmac.New(algByMAC(alg).new, key)
	m.Write([]byte(payload))
	return payload + "/" + hex.EncodeToString(m.Sum(nil))
}

func digestCookie(payload, salt, alg string) string {
	var h hash.Hash = algByMAC(alg).new()
	h.Write([]byte(salt))
	h.Write([]byte(payload))
	return payload + "/" + hex.EncodeToString(h.Sum(nil))
}

// encCookie writes Ktor's encrypt format: current = MAC over the ciphertext, legacy = over the plaintext.
func encCookie(pt string, encKey, signKey, iv []byte, signAlg string, legacy bool) string {
	blk, err := aes.NewCipher(encKey)
	if err != nil {
		panic(err)
	}
	p := 16 - len(pt)%16
	in := append([]byte(pt), bytes.Repeat([]byte{byte(p)}, p)...)
	ct := make([]byte, len(in))
	cipher.NewCBCEncrypter(blk, iv[:16]).CryptBlocks(ct, in)
	m := hmac.New(algByMAC(signAlg).new, signKey)
	if legacy {
		m.Write([]byte(pt))
	} else {
		m.Write(ct)
	}
	return hex.EncodeToString(iv) + "/" + hex.EncodeToString(ct) + ":" + hex.EncodeToString(m.Sum(nil))
}

func fixedIV(seed int) []byte {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(i*13 + seed*101 + 3)
	}
	return b
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
