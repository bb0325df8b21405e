package transform

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"hash"
	"strings"
)

// hashAlg is one hash function under its JCA names.
type hashAlg struct {
	digest string // JCA MessageDigest name
	mac    string // JCA Mac name
	size   int
	newFn  func() hash.Hash
}

var hashAlgs = []hashAlg{
	{"MD5", "HmacMD5", 16, md5.New},
	{"SHA-1", "HmacSHA1", 20, sha1.New},
	{"SHA-224", "HmacSHA224", 28, sha256.New224},
	{"SHA-256", "HmacSHA256", 32, sha256.New},
	{"SHA-384", "HmacSHA384", 48, sha512.New384},
	{"SHA-512", "HmacSHA512", 64, sha512.New},
	{"SHA-512/224", "HmacSHA512/224", 28, sha512.New512_224},
	{"SHA-512/256", "HmacSHA512/256", 32, sha512.New512_256},
	{"SHA3-224", "HmacSHA3-224", 28, func() hash.Hash { return sha3.New224() }},
	{"SHA3-256", "HmacSHA3-256", 32, func() hash.Hash { return sha3.New256() }},
	{"SHA3-384", "HmacSHA3-384", 48, func() hash.Hash { return sha3.New384() }},
	{"SHA3-512", "HmacSHA3-512", 64, func() hash.Hash { return sha3.New512() }},
}

// Aliases the JDK's SUN and SunJCE providers register (JCA lookup ignores case).
var digestAliases = map[string]string{
	"SHA": "SHA-1", "SHA1": "SHA-1", "SHA224": "SHA-224", "SHA256": "SHA-256", "SHA384": "SHA-384",
	"SHA512": "SHA-512", "SHA512/224": "SHA-512/224", "SHA512/256": "SHA-512/256",
	"1.2.840.113549.2.5": "MD5", "1.3.14.3.2.26": "SHA-1",
	"2.16.840.1.101.3.4.2.4": "SHA-224", "2.16.840.1.101.3.4.2.1": "SHA-256",
	"2.16.840.1.101.3.4.2.2": "SHA-384", "2.16.840.1.101.3.4.2.3": "SHA-512",
	"2.16.840.1.101.3.4.2.5": "SHA-512/224", "2.16.840.1.101.3.4.2.6": "SHA-512/256",
	"2.16.840.1.101.3.4.2.7": "SHA3-224", "2.16.840.1.101.3.4.2.8": "SHA3-256",
	"2.16.840.1.101.3.4.2.9": "SHA3-384", "2.16.840.1.101.3.4.2.10": "SHA3-512",
}

var macAliases = map[string]string{
	"1.2.840.113549.2.7": "HmacSHA1", "1.2.840.113549.2.8": "HmacSHA224",
	"1.2.840.113549.2.9": "HmacSHA256", "1.2.840.113549.2.10": "HmacSHA384",
	"1.2.840.113549.2.11": "HmacSHA512", "1.2.840.113549.2.12": "HmacSHA512/224",
	"1.2.840.113549.2.13":     "HmacSHA512/256",
	"2.16.840.1.101.3.4.2.13": "HmacSHA3-224", "2.16.840.1.101.3.4.2.14": "HmacSHA3-256",
	"2.16.840.1.101.3.4.2.15": "HmacSHA3-384", "2.16.840.1.101.3.4.2.16": "HmacSHA3-512",
}

func stripOID(s string) string {
	if len(s) > 4 && strings.EqualFold(s[:4], "OID.") {
		return s[4:]
	}
	return s
}

// lookupDigest finds a JCA MessageDigest name, case-insensitively.
func lookupDigest(name string) (hashAlg, bool) {
	n := stripOID(strings.TrimSpace(name))
	for k, v := range digestAliases {
		if strings.EqualFold(k, n) {
			n = v
		}
	}
	for _, a := range hashAlgs {
		if strings.EqualFold(a.digest, n) {
			return a, true
		}
	}
	return hashAlg{}, false
}

// lookupMAC finds a JCA Mac name, case-insensitively.
func lookupMAC(name string) (hashAlg, bool) {
	n := stripOID(strings.TrimSpace(name))
	for k, v := range macAliases {
		if strings.EqualFold(k, n) {
			n = v
		}
	}
	for _, a := range hashAlgs {
		if strings.EqualFold(a.mac, n) {
			return a, true
		}
	}
	return hashAlg{}, false
}

func digestNames() string {
	s := make([]string, len(hashAlgs))
	for i, a := range hashAlgs {
		s[i] = a.digest
	}
	return strings.Join(s, ", ")
}

func macNames() string {
	s := make([]string, len(hashAlgs))
	for i, a := range hashAlgs {
		s[i] = a.mac
	}
	return strings.Join(s, ", ")
}

// macHint explains a name that is not a Mac algorithm but looks like one.
func macHint(name string) string {
	if _, ok := lookupDigest(name); ok {
		return " (that is a MessageDigest name; the Mac name is Hmac + the hash, e.g. HmacSHA256)"
	}
	return ""
}

func digestHint(name string) string {
	if _, ok := lookupMAC(name); ok {
		return " (that is a Mac name; a digest takes a MessageDigest name such as SHA-256)"
	}
	return ""
}
