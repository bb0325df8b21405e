package transform

import (
	"crypto/hmac"
	"crypto/subtle"
	"hash"
	"strconv"
	"sync"
)

// MAC is Ktor's SessionTransportTransformerMessageAuthentication:
// value + "/" + lowerhex(HMAC(key, utf8(value))). It holds a keyring: writes
// use the first key, reads try every key.
type MAC struct {
	alg  hashAlg
	keys []macKey
}

type macKey struct {
	id   string
	pool sync.Pool
}

type macState struct {
	h    hash.Hash
	sum  [64]byte
	pad  hash.Hash // Encrypt's legacy reads: the dummy hash that evens out the MAC's work
	zero []byte
}

// NewMAC makes a MAC over keys (the first writes). algorithm is a JCA Mac name
// ("" = DefaultMACAlgorithm(p)), matched case-insensitively as JCA does.
// The MAC format is the same in every release; p picks only the default.
func NewMAC(keys []Key, algorithm string, p Profile) (*MAC, error) {
	if _, err := p.Release(); err != nil {
		return nil, err
	}
	if algorithm == "" {
		algorithm = DefaultMACAlgorithm(p)
	}
	a, ok := lookupMAC(algorithm)
	if !ok {
		return nil, &ConfigError{Transform: "mac", Field: "algorithm",
			Detail: "unknown Mac algorithm " + quote(algorithm) + macHint(algorithm) + "; known: " + macNames()}
	}
	ks, err := copyKeys("mac", keys)
	if err != nil {
		return nil, err
	}
	m := &MAC{alg: a, keys: make([]macKey, len(ks))}
	for i, k := range ks {
		m.keys[i].id = k.ID
		kb, nf := k.Bytes, a.newFn
		m.keys[i].pool.New = func() any { return &macState{h: hmac.New(nf, kb)} }
	}
	return m, nil
}

// Kind returns "mac".
func (m *MAC) Kind() string { return "mac" }

// Algorithm returns the canonical JCA name, e.g. "HmacSHA256".
func (m *MAC) Algorithm() string { return m.alg.mac }

// KeyIDs lists the key ids, the writing key first.
func (m *MAC) KeyIDs() []string {
	ids := make([]string, len(m.keys))
	for i := range m.keys {
		ids[i] = m.keys[i].id
	}
	return ids
}

// String describes the transformer without secrets.
func (m *MAC) String() string { return "mac(" + m.alg.mac + ")" }

// tag computes HMAC(key i, value) into dst (len = alg.size).
func (m *MAC) tag(i int, value string, dst []byte) {
	k := &m.keys[i]
	st := k.pool.Get().(*macState)
	st.h.Reset()
	st.h.Write(bytesOf(value))
	copy(dst, st.h.Sum(st.sum[:0]))
	k.pool.Put(st)
}

// Write appends "/" and the lower-case hex HMAC under the first key.
func (m *MAC) Write(value string) (string, error) {
	var t [64]byte
	n := m.alg.size
	m.tag(0, value, t[:n])
	return joinHex(value, '/', t[:n]), nil
}

func joinHex(value string, sep byte, tag []byte) string {
	out := make([]byte, len(value)+1+2*len(tag))
	copy(out, value)
	out[len(value)] = sep
	encodeHex(out[len(value)+1:], tag)
	return str(out)
}

const hexDigits = "0123456789abcdef"

// hexByte is the two lower-case hex digits of each byte.
var hexByte = func() (t [256][2]byte) {
	for i := range t {
		t[i] = [2]byte{hexDigits[i>>4], hexDigits[i&0x0f]}
	}
	return t
}()

func encodeHex(dst, src []byte) {
	if len(src) == 0 {
		return
	}
	dst = dst[:2*len(src)]
	for i, v := range src {
		p := hexByte[v]
		dst[2*i], dst[2*i+1] = p[0], p[1]
	}
}

func (m *MAC) info() ReadInfo { return ReadInfo{Transform: "mac", Algorithm: m.alg.mac} }

// verify checks value against every key without an early exit. It returns
// the payload, the index of the first key that verified (-1: none), the tag of
// key 0 (for rotation) and whether the signature had upper-case hex.
func (m *MAC) verify(value string, tag0 *[64]byte) (payload string, sel int, info ReadInfo, err error) {
	info = m.info()
	payload, sig, found := splitLast(value, '/')
	if !found {
		return "", -1, info, readErr("mac", ErrMalformed, "no '/' separator before the signature")
	}
	n := m.alg.size
	if len(sig) != 2*n {
		d := "signature is " + strconv.Itoa(len(sig)) + " characters, " + m.alg.mac + " gives " + strconv.Itoa(2*n) + " hex characters"
		if len(sig) == 0 {
			d = "empty signature after the last '/'"
		} else if h := macByHexLen(len(sig)); h != "" && isHexString(sig) {
			d += " (" + strconv.Itoa(len(sig)) + " hex characters fit " + h + ")"
		}
		return "", -1, info, readErr("mac", ErrMalformed, d)
	}
	var sb [64]byte
	got, q, ok := strictHexDecode(sig, sb[:0])
	if !ok {
		return "", -1, info, readErr("mac", ErrMalformed, "signature after the last '/' is not hex")
	}
	var t [64]byte
	sel = -1
	notFound := 1
	for i := range m.keys {
		m.tag(i, payload, t[:n])
		if i == 0 && tag0 != nil {
			copy(tag0[:], t[:n])
		}
		e := subtle.ConstantTimeCompare(t[:n], got)
		first := e & notFound
		sel = subtle.ConstantTimeSelect(first, i, sel)
		notFound &^= first
	}
	if sel < 0 {
		d := "HMAC does not match under "
		if len(m.keys) == 1 {
			d += "the key"
		} else {
			d += "any of the " + strconv.Itoa(len(m.keys)) + " keys"
		}
		return "", -1, info, readErr("mac", ErrSignature, d+" (tampered value, another key or another algorithm than "+m.alg.mac+")")
	}
	info.KeyID = m.keys[sel].id
	if q&qUpper != 0 {
		e := readErr("mac", ErrSignatureCase, "the "+m.alg.mac+" signature is right but in upper-case hex; Ktor compares lower-case hex strings and rejects it")
		e.KeyID = info.KeyID
		return "", sel, info, e
	}
	return payload, sel, info, nil
}

// Read splits at the last "/" and checks the HMAC under every key (constant
// time, no early exit). ReadInfo.KeyID names the key that verified.
func (m *MAC) Read(value string) (string, ReadInfo, error) {
	p, _, info, err := m.verify(value, nil)
	return p, info, err
}

// Rotate reads value under any key and rewrites it under the first key. The
// HMAC of the first key, computed during the read, is the new signature: a
// rotation costs one HMAC per key, not one more.
func (m *MAC) Rotate(value string) (string, string, ReadInfo, error) {
	var t0 [64]byte
	p, sel, info, err := m.verify(value, &t0)
	if err != nil {
		return "", "", info, err
	}
	if sel == 0 {
		return p, value, info, nil
	}
	return p, joinHex(p, '/', t0[:m.alg.size]), info, nil
}

// AppendRotate is Rotate appending the rewritten value to dst: no allocation.
func (m *MAC) AppendRotate(dst []byte, value string) ([]byte, ReadInfo, error) {
	var t0 [64]byte
	p, sel, info, err := m.verify(value, &t0)
	if err != nil {
		return dst, info, err
	}
	if sel == 0 {
		return append(dst, value...), info, nil
	}
	dst = append(dst, p...)
	dst = append(dst, '/')
	return appendHex(dst, t0[:m.alg.size]), info, nil
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if _, ok := asciiHex(s[i]); !ok {
			return false
		}
	}
	return true
}

func macByHexLen(n int) string {
	switch n {
	case 32:
		return "HmacMD5"
	case 40:
		return "HmacSHA1"
	case 56:
		return "HmacSHA224, HmacSHA512/224 or HmacSHA3-224"
	case 64:
		return "HmacSHA256, HmacSHA512/256 or HmacSHA3-256"
	case 96:
		return "HmacSHA384 or HmacSHA3-384"
	case 128:
		return "HmacSHA512 or HmacSHA3-512"
	}
	return ""
}
