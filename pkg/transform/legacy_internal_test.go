package transform

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"strings"
	"testing"
)

// countedHash counts the blocks its hash processes: each block that a Write completes, and at
// Sum the rest and the padding (as hashBlocks counts them). That is the actual work of a read,
// MACs and dummies alike.
// Only after a Reset: hmac.New writes its key block into a new hash once, when a pool makes a new
// MAC state (whenever the collector emptied the pool), which is no work of a read.
type countedHash struct {
	hash.Hash
	n      int
	reset  bool
	blocks *int
}

func (c *countedHash) Write(p []byte) (int, error) {
	if bs := c.BlockSize(); c.reset {
		*c.blocks += (c.n+len(p))/bs - c.n/bs
	}
	c.n += len(p)
	return c.Hash.Write(p)
}
func (c *countedHash) Reset() { c.n, c.reset = 0, true; c.Hash.Reset() }
func (c *countedHash) Sum(b []byte) []byte {
	// hashBlocks(bs, m) counts a key block in front of m bytes: for the tail alone, one less
	if bs := c.BlockSize(); c.reset {
		*c.blocks += hashBlocks(bs, c.n%bs) - 1
	}
	return c.Hash.Sum(b)
}

func testKey(id string, n, seed int) Key {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + seed*17 + 7)
	}
	return Key{ID: id, Bytes: b}
}

// A failed legacy read does the same work whether the padding or the MAC failed, and says the
// same: every (encryption key, sign key) pair's MAC is computed (legacyMACHook counts them), each
// evened out to the hash blocks of the longest candidate, and the error text is one. Explain, for
// inspect, still tells the two apart. Without the fix a bad padding skipped the MAC (and returned
// ErrDecrypt).
func TestLegacyReadConstantWork(t *testing.T) {
	blocks := 0
	defer func(h []hashAlg) { hashAlgs = h }(hashAlgs)
	for _, a := range []struct {
		name string
		fn   func() hash.Hash
	}{{"SHA256", sha256.New}, {"SHA512", sha512.New}, {"SHA1", sha1.New}, {"SHA3-256", func() hash.Hash { return sha3.New256() }}} {
		fn := a.fn
		hashAlgs = append(hashAlgs, hashAlg{"counted-" + a.name, "HmacCounted" + a.name, fn().Size(),
			func() hash.Hash { return &countedHash{Hash: fn(), blocks: &blocks} }})
	}
	// plaintext lengths whose 16 candidate MAC lengths cross a hash block boundary (ciphertexts of
	// 64 and 144 bytes: SHA-1/256, SHA3-256), and two that do not (48; SHA-512's boundaries fall
	// on multiples of 16, so its candidates never cross one)
	for _, c := range []struct {
		sign string
		size int
	}{{"HmacCountedSHA256", 40}, {"HmacCountedSHA256", 56}, {"HmacCountedSHA1", 60}, {"HmacCountedSHA512", 120},
		{"HmacCountedSHA3-256", 130}} {
		sign, size := c.sign, c.size
		t.Run(fmt.Sprintf("%s %d bytes", sign, size), func(t *testing.T) {
			e, err := NewEncrypt(EncryptOptions{EncKeys: []Key{testKey("e1", 16, 1), testKey("e2", 16, 2)},
				SignKeys: []Key{testKey("s1", 32, 3), testKey("s2", 32, 4)}, SignAlgorithm: sign, Format: FormatLegacy, Profile: "2"})
			if err != nil {
				t.Fatal(err)
			}
			w, err := e.Write(strings.Repeat("s", size))
			if err != nil {
				t.Fatal(err)
			}
			iv, rest, _ := strings.Cut(w, "/")
			ctHex, macHex, _ := strings.Cut(rest, ":")
			n := len(ctHex) / 2
			var calls []int
			dummies := 0
			legacyMACHook = func(i, j, macLen, dummy int) {
				calls = append(calls, macLen)
				if dummy > 0 {
					dummies++
				}
				bs := e.signAlg.newFn().BlockSize()
				if got, want := hashBlocks(bs, macLen)+dummy/bs, hashBlocks(bs, n-1); got != want || dummy%bs != 0 {
					t.Errorf("key pair %d,%d: MAC of %d bytes + dummy %d = %d blocks, want %d", i, j, macLen, dummy, got, want)
				}
			}
			defer func() { legacyMACHook = nil }()
			read := func(v string) (error, []int) {
				calls, blocks = nil, 0
				_, _, err := e.Read(v)
				return err, calls
			}
			if err, c := read(w); err != nil || len(c) != 4 {
				t.Fatalf("valid value: %v, %d MACs", err, len(c))
			}
			// the hash blocks of a failed read (a failure also checks for the current format's MAC,
			// whatever failed: more than a success, which is no secret)
			work := -1
			// every change of the last byte of the second block changes the padding byte: 255 values,
			// a few of them valid paddings (their MAC fails), most invalid
			var first string
			kinds := map[error]int{}
			lens := map[int]bool{}
			flipMAC := macHex[:len(macHex)-1] + "0"
			if strings.HasSuffix(macHex, "0") {
				flipMAC = macHex[:len(macHex)-1] + "1"
			}
			variants := []string{iv + "/" + ctHex + ":" + flipMAC}
			for d := 1; d < 256; d++ {
				ct := []byte(ctHex)
				b := parseHexByte(ct[2*(n-17):]) ^ byte(d)
				const digits = "0123456789abcdef"
				ct[2*(n-17)], ct[2*(n-17)+1] = digits[b>>4], digits[b&15]
				variants = append(variants, iv+"/"+string(ct)+":"+macHex)
			}
			for _, v := range variants {
				err, c := read(v)
				if err == nil {
					t.Fatalf("%s reads", v)
				}
				if len(c) != 4 {
					t.Errorf("%v: %d MACs computed, want 4 (every key pair, padding valid or not)", err, len(c))
				}
				if work < 0 {
					work = blocks
				} else if blocks != work {
					t.Errorf("%v: %d hash blocks, the first failure hashed %d", err, blocks, work)
				}
				for _, l := range c {
					lens[l] = true
				}
				if first == "" {
					first = err.Error()
				} else if err.Error() != first {
					t.Errorf("errors differ:\n%s\n%s", first, err)
				}
				if errors.Is(err, ErrDecrypt) || !errors.Is(err, ErrSignature) {
					t.Errorf("Read tells the failure apart: %v", err)
				}
				var x *ReadError
				if xe := e.Explain(v); errors.As(xe, &x) {
					kinds[x.Err]++
				} else {
					t.Errorf("Explain: %v", xe)
				}
			}
			if kinds[ErrDecrypt] == 0 || kinds[ErrSignature] == 0 {
				t.Errorf("Explain: %v: want both bad paddings and bad MACs among the variants", kinds)
			}
			if len(lens) < 8 {
				t.Errorf("MAC lengths %v: the bad paddings' stand-ins do not cover the range", lens)
			}
			bs := e.signAlg.newFn().BlockSize()
			if cross := hashBlocks(bs, n-16) != hashBlocks(bs, n-1); (dummies > 0) != cross || cross != (size != 40 && size != 120) {
				t.Errorf("%d dummy hashes; the candidates of a %d-byte ciphertext cross a block boundary: %v", dummies, n, cross)
			}
		})
	}
}

func parseHexByte(b []byte) byte {
	v := func(c byte) byte {
		if c <= '9' {
			return c - '0'
		}
		return c - 'a' + 10
	}
	return v(b[0])<<4 | v(b[1])
}
