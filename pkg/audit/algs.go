package audit

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"hash"
)

// hashAlg is one hash function under its JCA names.
type hashAlg struct {
	idx     int
	mac     string // JCA Mac name
	digest  string // JCA MessageDigest name
	size    int
	new     func() hash.Hash
	primary bool // a name Ktor apps actually use: tried in wordlist runs
}

var hashAlgs = []*hashAlg{
	{0, "HmacMD5", "MD5", 16, md5.New, true},
	{1, "HmacSHA1", "SHA-1", 20, sha1.New, true},
	{2, "HmacSHA224", "SHA-224", 28, sha256.New224, true},
	{3, "HmacSHA256", "SHA-256", 32, sha256.New, true},
	{4, "HmacSHA384", "SHA-384", 48, sha512.New384, true},
	{5, "HmacSHA512", "SHA-512", 64, sha512.New, true},
	{6, "HmacSHA512/224", "SHA-512/224", 28, sha512.New512_224, false},
	{7, "HmacSHA512/256", "SHA-512/256", 32, sha512.New512_256, false},
	{8, "HmacSHA3-224", "SHA3-224", 28, func() hash.Hash { return sha3.New224() }, false},
	{9, "HmacSHA3-256", "SHA3-256", 32, func() hash.Hash { return sha3.New256() }, false},
	{10, "HmacSHA3-384", "SHA3-384", 48, func() hash.Hash { return sha3.New384() }, false},
	{11, "HmacSHA3-512", "SHA3-512", 64, func() hash.Hash { return sha3.New512() }, false},
}

// algsOfSize lists the algorithms with an n-byte output, primary first.
func algsOfSize(n int) []*hashAlg {
	var out []*hashAlg
	for _, a := range hashAlgs {
		if a.size == n {
			out = append(out, a)
		}
	}
	return out
}

// macer computes HMAC (RFC 2104) with reusable hash states: setKey once per
// candidate key, then sum over any number of messages, without allocating.
// It is crypto/hmac's construction; crypto/hmac itself allocates per key.
type macer struct {
	in, out    hash.Hash
	ipad, opad []byte
	kbuf       []byte
	keySeq     uint64 // which candidate the pads were computed for
}

func newMacer(a *hashAlg) *macer {
	in, out := a.new(), a.new()
	bs := in.BlockSize()
	return &macer{in: in, out: out, ipad: make([]byte, bs), opad: make([]byte, bs), kbuf: make([]byte, 0, 64)}
}

func (m *macer) setKey(key []byte) {
	if len(key) > len(m.ipad) {
		m.out.Reset()
		m.out.Write(key)
		key = m.out.Sum(m.kbuf[:0])
	}
	clear(m.ipad)
	copy(m.ipad, key)
	copy(m.opad, m.ipad)
	for i := range m.ipad {
		m.ipad[i] ^= 0x36
		m.opad[i] ^= 0x5c
	}
}

// sum appends HMAC(key, msg) to dst[:0].
func (m *macer) sum(msg, dst []byte) []byte {
	m.in.Reset()
	m.in.Write(m.ipad)
	m.in.Write(msg)
	s := m.in.Sum(dst[:0])
	m.out.Reset()
	m.out.Write(m.opad)
	m.out.Write(s)
	return m.out.Sum(dst[:0])
}
