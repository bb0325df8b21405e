package transform

import (
	"crypto/subtle"
	"hash"
	"strconv"
	"sync"

	"github.com/sessionctl/sessionctl/pkg/ktor"
)

// Digest is Ktor's SessionTransportTransformerDigest (Ktor 1.x: deprecated
// from 1.1.0, at level ERROR from 1.2.2, removed in 2.0.0):
// value + "/" + hex(H(salt ‖ value)). Anyone can compute it: it detects
// corruption, not forgery.
type Digest struct {
	salt string
	alg  hashAlg
	warn []string
	pool sync.Pool
}

// NewDigest makes a Digest. algorithm is a JCA MessageDigest name ("" =
// DefaultDigestAlgorithm(p)), matched case-insensitively. A release from
// 2.0.0 on has no digest transformer: that is a *ConfigError.
func NewDigest(salt, algorithm string, p Profile) (*Digest, error) {
	rel, err := p.Release()
	if err != nil {
		return nil, err
	}
	if rel.Has(ktor.DigestRemoved) {
		return nil, &ConfigError{Transform: "digest", Field: "ktor", Detail: "Ktor " + rel.String() +
			" has no SessionTransportTransformerDigest (removed in 2.0.0): a digest chain is a Ktor 1.x one, name its release (e.g. ktor = \"1.6.8\")"}
	}
	if algorithm == "" {
		algorithm = DefaultDigestAlgorithm(p)
	}
	a, ok := lookupDigest(algorithm)
	if !ok {
		return nil, &ConfigError{Transform: "digest", Field: "algorithm",
			Detail: "unknown MessageDigest algorithm " + quote(algorithm) + digestHint(algorithm) + "; known: " + digestNames()}
	}
	d := &Digest{salt: salt, alg: a}
	switch {
	case rel.Has(ktor.DigestDeprecatedErr):
		d.warn = []string{"SessionTransportTransformerDigest is deprecated at level ERROR from Ktor 1.2.2 and gone from 2.0.0: a digest is not a signature, anyone can recompute it"}
	case rel.Has(ktor.DigestDeprecated):
		d.warn = []string{"SessionTransportTransformerDigest is deprecated from Ktor 1.1.0 (\"potentially vulnerable\") and gone from 2.0.0: a digest is not a signature, anyone can recompute it"}
	}
	d.pool.New = func() any { return &digestState{h: a.newFn()} }
	return d, nil
}

type digestState struct {
	h   hash.Hash
	sum [64]byte
}

// Kind returns "digest".
func (d *Digest) Kind() string { return "digest" }

// Algorithm returns the canonical JCA name, e.g. "SHA-256".
func (d *Digest) Algorithm() string { return d.alg.digest }

// String describes the transformer without secrets.
func (d *Digest) String() string { return "digest(" + d.alg.digest + ")" }

func (d *Digest) compute(st *digestState, value string) []byte {
	st.h.Reset()
	st.h.Write(bytesOf(d.salt))
	st.h.Write(bytesOf(value))
	return st.h.Sum(st.sum[:0])
}

// Write appends "/" and the lower-case hex digest.
func (d *Digest) Write(value string) (string, error) {
	st := d.pool.Get().(*digestState)
	sum := d.compute(st, value)
	out := make([]byte, 0, len(value)+1+2*len(sum))
	out = append(out, value...)
	out = append(out, '/')
	out = appendHex(out, sum)
	d.pool.Put(st)
	return str(out), nil
}

func (d *Digest) info() ReadInfo {
	return ReadInfo{Transform: "digest", Algorithm: d.alg.digest, Warnings: d.warn}
}

// Read splits at the last "/" and compares the digest in constant time. The
// signature is decoded with Ktor's lenient hex(): upper case, other Unicode
// decimal digits and one odd trailing character are accepted (and reported).
func (d *Digest) Read(value string) (string, ReadInfo, error) {
	info := d.info()
	payload, sig, found := splitLast(value, '/')
	if !found {
		return "", info, readErr("digest", ErrMalformed, "no '/' separator before the digest")
	}
	var buf [64]byte
	got, q, ok := ktorHexDecode(sig, buf[:0])
	if !ok {
		return "", info, readErr("digest", ErrMalformed, "digest after the last '/' is not hex")
	}
	st := d.pool.Get().(*digestState)
	want := d.compute(st, payload)
	eq := len(got) == len(want) && subtle.ConstantTimeCompare(got, want) == 1
	d.pool.Put(st)
	if !eq {
		if len(got) != d.alg.size {
			return "", info, readErr("digest", ErrSignature, "digest is "+strconv.Itoa(len(got))+" bytes, "+d.alg.digest+" gives "+strconv.Itoa(d.alg.size))
		}
		return "", info, readErr("digest", ErrSignature, d.alg.digest+" of the salt and value does not match")
	}
	if q&qUpper != 0 {
		info.Quirks = append(info.Quirks, "digest hex in upper case: accepted by Ktor's lenient hex decoder (Ktor writes lower case)")
	}
	if q&qNonASCII != 0 {
		info.Quirks = append(info.Quirks, "digest hex with non-ASCII digits (e.g. full-width): accepted by Ktor's hex decoder (Java Character.digit)")
	}
	if q&qOdd != 0 {
		info.Quirks = append(info.Quirks, "odd trailing character after the digest hex: ignored by Ktor's hex decoder, which reads length/2 pairs")
	}
	return payload, info, nil
}

// Rotate reads and rewrites (a digest has no key: the value is unchanged
// unless the signature was accepted only through a quirk).
func (d *Digest) Rotate(value string) (string, string, ReadInfo, error) {
	p, info, err := d.Read(value)
	if err != nil {
		return "", "", info, err
	}
	w, err := d.Write(p)
	return p, w, info, err
}
