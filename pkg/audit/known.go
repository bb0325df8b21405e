package audit

import (
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
)

// KnownKey is a secret that is public: a sample key of Ktor's documentation,
// guides, samples or tests, a degenerate key (empty, all zeros, a counting
// sequence), or a common text secret. Its bytes are public too, so a report
// may show them.
type KnownKey struct {
	ID     string // stable id, e.g. "ktor-docs-sign"
	Source string // where it comes from, e.g. "Ktor documentation: sessions example sign key"
	Text   string // the text it was written as, when it is text ("" for a hex key)
	bytes  []byte
}

// Bytes returns a copy of the key.
func (k KnownKey) Bytes() []byte { return append([]byte(nil), k.bytes...) }

// Hex is the key in lower-case hex.
func (k KnownKey) Hex() string { return hex.EncodeToString(k.bytes) }

// Len is the key's length in bytes.
func (k KnownKey) Len() int { return len(k.bytes) }

// NewKnownKey makes a KnownKey from bytes (for callers that add their own list).
func NewKnownKey(id, source string, b []byte) KnownKey {
	return KnownKey{ID: id, Source: source, bytes: append([]byte(nil), b...)}
}

// ktorHex is io.ktor.util.hex(String): length/2 bytes, a trailing odd digit
// dropped. Only used on the literals below.
func ktorHex(s string) []byte {
	b, err := hex.DecodeString(s[:len(s)/2*2])
	if err != nil {
		return nil // never: the literals below are fixed, and a test checks each one
	}
	return b
}

func hexKey(id, h, source string) KnownKey {
	return KnownKey{ID: id, Source: source, bytes: ktorHex(h)}
}

func textKey(id, text, source string) KnownKey {
	return KnownKey{ID: id, Source: source, Text: text, bytes: []byte(text)}
}

func seq(n int, from byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = from + byte(i)
	}
	return b
}

// commonTexts are common text secrets, tried as their UTF-8 bytes.
var commonTexts = []string{
	"secret", "Secret", "SECRET", "secret-key", "secret_key", "secretkey", "secretKey", "SECRET_KEY",
	"mysecret", "my-secret", "my_secret", "mySecret", "my-secret-key", "my_secret_key", "mysecretkey",
	"supersecret", "super-secret", "super_secret", "supersecretkey", "topsecret",
	"changeme", "change-me", "change_me", "changeit", "change-this", "changethis", "CHANGE_ME", "replace-me",
	"ktor", "Ktor", "ktor-secret", "ktor_secret", "ktorsecret", "ktor-session", "ktor-sessions",
	"session", "sessions", "session-secret", "session_secret", "sessionsecret", "session-key", "session_key", "sessionkey",
	"sign", "sign-key", "signkey", "signing-key", "signing_key", "hmac", "hmac-secret", "hmac_secret", "hmac-key", "my-hmac-secret",
	"encrypt", "encrypt-key", "encryption-key", "encryption_key", "encryptkey",
	"key", "Key", "KEY", "mykey", "my-key", "private", "private-key",
	"password", "Password", "passw0rd", "p@ssw0rd", "pass", "admin", "root", "default", "dev", "development",
	"test", "testing", "test-secret", "test-key", "demo", "example", "sample", "local", "prod", "production",
	"123456", "1234567", "12345678", "123456789", "1234567890", "12345", "1234", "qwerty", "letmein", "abc123",
	"keyboard cat", "your-secret-key", "your-256-bit-secret", "your_secret_key", "yoursecretkey",
	"notasecret", "not-a-secret", "insecure", "unsafe", "s3cr3t", "s3cret",
	// 16/24/32-character texts people use as AES and HMAC keys
	"0123456789abcdef", "1234567890123456", "abcdefghijklmnop", "aaaaaaaaaaaaaaaa", "0000000000000000",
	"1234567890abcdef", "thisisasecretkey", "ThisIsASecretKey", "mysecretkey12345", "secretkey1234567",
	"0123456789abcdef0123456789abcdef", "12345678901234567890123456789012", "abcdefghijklmnopqrstuvwxyz012345",
	"00000000000000000000000000000000", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "123456789012345678901234",
}

// builtin is the list, most telling first.
var builtin = func() []KnownKey {
	ks := []KnownKey{
		hexKey("ktor-docs-sign", "6819b57a326945c1968f45236589",
			"Ktor documentation and samples: the sessions sign key hex(\"6819b57a326945c1968f45236589\") (session-cookie-server/client, kweet)"),
		hexKey("ktor-docs-encrypt", "00112233445566778899aabbccddeeff",
			"Ktor documentation and tests: the sessions encrypt key hex(\"00112233445566778899aabbccddeeff\")"),
		hexKey("ktor-docs-sign-1x", "000102030405060708090a0b0c0d0e0f",
			"Ktor 1.x documentation (client/server sessions): secretSignKey hex(\"000102030405060708090a0b0c0d0e0f\")"),
		hexKey("ktor-samples-hash", "6819b57a326945c1968f45236581",
			"ktor-samples (redirect-with-exception, youkube): secretHashKey hex(\"6819b57a326945c1968f45236581\")"),
		hexKey("ktor-tests-sign", "02030405060708090a0b0c",
			"Ktor's session tests: the encrypt sign key hex(\"02030405060708090a0b0c\")"),
		hexKey("ktor-tests-mac", "03515606058610610561058",
			"Ktor's session tests: the MAC key hex(\"03515606058610610561058\") (hex() drops the odd last digit)"),
		textKey("ktor-docs-sign-text", "6819b57a326945c1968f45236589",
			"the Ktor documentation's sign key written as text (\"6819b57a…\".toByteArray() instead of hex(…))"),
		textKey("ktor-docs-encrypt-text", "00112233445566778899aabbccddeeff",
			"the Ktor documentation's encrypt key written as text (\"00112233…\".toByteArray() instead of hex(…))"),
		textKey("ktor-docs-digest-salt", "my unity salt string",
			"Ktor 1.x documentation (transformers): the digest salt \"my unity salt string\""),
		{ID: "empty", Source: "the empty key (Java's SecretKeySpec refuses it; other implementations accept it)", bytes: []byte{}},
	}
	for _, n := range []int{16, 20, 24, 32, 48, 64} {
		ks = append(ks, KnownKey{ID: "zero-" + strconv.Itoa(n), Source: "all-zero " + strconv.Itoa(n) + "-byte key (ByteArray(" + strconv.Itoa(n) + "), as in Ktor's own encrypt tests)", bytes: make([]byte, n)})
	}
	for _, n := range []int{16, 24, 32, 64} {
		ks = append(ks, KnownKey{ID: "seq-" + strconv.Itoa(n), Source: "counting " + strconv.Itoa(n) + "-byte key 00 01 02 … (a placeholder)", bytes: seq(n, 0)},
			KnownKey{ID: "seq1-" + strconv.Itoa(n), Source: "counting " + strconv.Itoa(n) + "-byte key 01 02 03 … (a placeholder)", bytes: seq(n, 1)},
			KnownKey{ID: "ff-" + strconv.Itoa(n), Source: "all-0xff " + strconv.Itoa(n) + "-byte key", bytes: []byte(strings.Repeat("\xff", n))})
	}
	for _, t := range commonTexts {
		ks = append(ks, textKey("text:"+t, t, "a common text secret \""+t+"\""))
	}
	return ks
}()

// KnownKeys returns the built-in list (copies).
func KnownKeys() []KnownKey {
	out := make([]KnownKey, len(builtin))
	for i, k := range builtin {
		out[i] = k
		out[i].bytes = k.Bytes()
	}
	return out
}

// LookupKnownKey reports whether b is one of the built-in known keys. It
// compares in constant time for keys of the same length.
func LookupKnownKey(b []byte) (KnownKey, bool) {
	found := -1
	for i, k := range builtin {
		if len(k.bytes) == len(b) && subtle.ConstantTimeCompare(k.bytes, b) == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return KnownKey{}, false
	}
	k := builtin[found]
	k.bytes = k.Bytes()
	return k, true
}

// digestSalts are the salts tried on a digest value before any wordlist.
var digestSalts = []KnownKey{
	textKey("ktor-digest-default-salt", "ktor", "SessionTransportTransformerDigest's default salt \"ktor\""),
	{ID: "empty-salt", Source: "the empty salt", bytes: []byte{}},
}
