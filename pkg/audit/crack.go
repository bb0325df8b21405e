package audit

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"strconv"
	"unicode/utf8"
)

// what a candidate is tried as
const (
	tryDigest = 1 << iota // a digest salt
	tryMAC                // a MAC key
	tryEnc                // an AES key
	trySign               // encrypt's HMAC key
	tryAll    = tryDigest | tryMAC | tryEnc | trySign
)

// cand is one candidate key and where it comes from.
type cand struct {
	b    []byte
	seq  uint64 // per worker, so HMAC pads are computed once per candidate
	line int64  // wordlist line; 0 for the built-in list
	raw  []byte // the wordlist line, made text only on a hit
	// provenance
	id, source, text, form string
	known                  bool
}

func (c *cand) foundKey(role, alg string) *FoundKey {
	fk := &FoundKey{Role: role, Algorithm: alg, Hex: hex.EncodeToString(c.b), bytes: append([]byte(nil), c.b...)}
	if c.known {
		fk.ID, fk.Source, fk.Text = c.id, c.source, c.text
	} else {
		fk.Line, fk.Form, fk.Text = int(c.line), c.form, c.text
		if fk.Text == "" && c.raw != nil {
			fk.Text = string(c.raw)
		}
	}
	return fk
}

func candFrom(fk *FoundKey) cand {
	c := cand{b: fk.bytes, line: int64(fk.Line), id: fk.ID, source: fk.Source, text: fk.Text, form: fk.Form, known: fk.Line == 0}
	return c
}

// worker holds per-goroutine hash states and buffers.
type worker struct {
	macers [12]*macer
	digs   [12]hash.Hash
	buf    [64]byte
	blk    [16]byte
	seq    uint64
	all    bool // every algorithm of a length, not only the ones Ktor apps use
	live   []*Target
}

func newWorker(all bool) *worker { return &worker{all: all} }

func (w *worker) next(c *cand) { w.seq++; c.seq = w.seq }

func (w *worker) mac(a *hashAlg, c *cand) *macer {
	m := w.macers[a.idx]
	if m == nil {
		m = newMacer(a)
		w.macers[a.idx] = m
	}
	if m.keySeq != c.seq {
		m.setKey(c.b)
		m.keySeq = c.seq
	}
	return m
}

func (w *worker) digest(a *hashAlg) hash.Hash {
	h := w.digs[a.idx]
	if h == nil {
		h = a.new()
		w.digs[a.idx] = h
	}
	h.Reset()
	return h
}

// try tests one candidate against every open slot of t that what allows.
func (w *worker) try(t *Target, c *cand, what int) {
	if s := t.sig; s != nil && what&(tryDigest|tryMAC) != 0 && s.slot.open(c.line) {
		w.trySig(t, s, c, what)
	}
	e := t.enc
	if e == nil {
		return
	}
	if what&tryEnc != 0 && len(e.iv) == aes.BlockSize && e.key.open(c.line) {
		if n := len(c.b); n == 16 || n == 24 || n == 32 {
			if pt, ok := w.decrypt(e, c.b); ok {
				t.hitEnc(w, c, pt)
			}
		}
	}
	if what&trySign != 0 && e.sign.open(c.line) {
		pt := e.pt.Load()
		for _, a := range e.algs {
			if !w.all && !a.primary {
				continue
			}
			m := w.mac(a, c)
			if subtle.ConstantTimeCompare(m.sum(e.ct, w.buf[:0]), e.tag) == 1 {
				t.hitSign(c, a, "current")
				return
			}
			if pt != nil && subtle.ConstantTimeCompare(m.sum(*pt, w.buf[:0]), e.tag) == 1 {
				t.hitSign(c, a, "legacy")
				return
			}
		}
	}
}

func (w *worker) trySig(t *Target, s *sigLayer, c *cand, what int) {
	if what&tryDigest != 0 {
		for _, a := range s.algs {
			if !w.all && !a.primary {
				continue
			}
			h := w.digest(a)
			h.Write(c.b)
			h.Write(s.msg)
			if subtle.ConstantTimeCompare(h.Sum(w.buf[:0]), s.sig) == 1 {
				t.hitSig(c, a, "digest-salt")
				return
			}
		}
	}
	if what&tryMAC != 0 {
		for _, a := range s.algs {
			if !w.all && !a.primary {
				continue
			}
			if subtle.ConstantTimeCompare(w.mac(a, c).sum(s.msg, w.buf[:0]), s.sig) == 1 {
				t.hitSig(c, a, "mac")
				return
			}
		}
	}
}

// decrypt checks the last block's PKCS#7 padding first (one AES block), then
// decrypts the whole value and keeps it only when it reads as text: valid
// UTF-8 without control characters, as every Ktor serializer writes.
func (w *worker) decrypt(e *encLayer, key []byte) ([]byte, bool) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, false
	}
	n := len(e.ct)
	blk.Decrypt(w.blk[:], e.ct[n-16:])
	prev := e.iv
	if n > 16 {
		prev = e.ct[n-32 : n-16]
	}
	subtle.XORBytes(w.blk[:], w.blk[:], prev[:16])
	p := int(w.blk[15])
	if p < 1 || p > 16 {
		return nil, false
	}
	for i := 16 - p; i < 16; i++ {
		if int(w.blk[i]) != p {
			return nil, false
		}
	}
	pt := make([]byte, n)
	cipher.NewCBCDecrypter(blk, e.iv[:16]).CryptBlocks(pt, e.ct)
	pt = pt[:n-p]
	if !plausibleText(pt) {
		return nil, false
	}
	return pt, true
}

func plausibleText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}

func (t *Target) hitSig(c *cand, a *hashAlg, role string) {
	alg := a.mac
	if role == "digest-salt" {
		alg = a.digest
	}
	fk := c.foundKey(role, alg)
	if role == "mac" && isZero(c.b) {
		fk.Note = zeroNote
	}
	if role == "mac" {
		fk.Allows = "forge sessions: sign any payload with this key and Ktor accepts it as genuine"
		if t.sig.upper {
			fk.Note = "the signature is in upper-case hex, which Ktor's MAC rejects: this exact value never verified in Ktor"
		}
	} else {
		fk.Allows = "forge sessions: the digest has no key, and with this salt anyone recomputes it for any payload"
	}
	t.mu.Lock()
	if c.line < t.sig.slot.best.Load() {
		t.sig.slot.hit = fk
		t.sig.slot.best.Store(c.line)
	}
	t.mu.Unlock()
}

func (t *Target) hitEnc(w *worker, c *cand, pt []byte) {
	fk := c.foundKey("encrypt", "AES-"+strconv.Itoa(len(c.b)*8))
	fk.Allows = "read sessions: decrypt every cookie this service encrypts with it"
	if len(c.b) != len(t.enc.iv) {
		fk.Format = "current" // Ktor 1.x-2.x used an IV as long as the key
	}
	first := false
	t.mu.Lock()
	if c.line < t.enc.key.best.Load() {
		t.enc.key.hit = fk
		if t.enc.pt.Load() == nil {
			first = true
			t.enc.ptLine.Store(c.line)
		}
		t.enc.pt.Store(&pt)
		t.enc.key.best.Store(c.line)
	}
	t.mu.Unlock()
	if first && t.enc.sign.open(0) {
		// the legacy format needs the plaintext: try the built-in list and this key as sign keys now
		all := w.all
		w.all = true
		self := *c
		w.next(&self)
		w.try(t, &self, trySign)
		for i := range t.known {
			k := knownCand(&t.known[i])
			w.next(&k)
			w.try(t, &k, trySign)
		}
		w.all = all
	}
}

func (t *Target) hitSign(c *cand, a *hashAlg, format string) {
	fk := c.foundKey("sign", a.mac)
	fk.Format = format
	if format == "current" {
		fk.Allows = "authenticate any ciphertext: with the encryption key, forge sessions; even without it, flip bits of the first plaintext block through the unauthenticated IV"
	} else {
		fk.Allows = "authenticate any plaintext: with the encryption key, forge sessions"
	}
	if isZero(c.b) {
		fk.Note = zeroNote
	}
	if t.enc.tagUpper {
		fk.Note = "the MAC is in upper-case hex, which Ktor rejects: this exact value never verified in Ktor"
	}
	t.mu.Lock()
	if c.line < t.enc.sign.best.Load() {
		t.enc.sign.hit = fk
		t.enc.sign.best.Store(c.line)
	}
	t.mu.Unlock()
}

const zeroNote = "HMAC pads a key with zeros to its block size: the empty key and every all-zero key up to that size sign alike"

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

func knownCand(k *KnownKey) cand {
	return cand{b: k.bytes, id: k.ID, source: k.Source, text: k.Text, known: true}
}

// CrackKnown tries the built-in list (or Options.Known): every known key as
// a MAC key, an AES key and a sign key under every algorithm of the right
// length, and the default digest salts and every known text as digest salts.
func (t *Target) CrackKnown() {
	if !t.Crackable() {
		return
	}
	w := newWorker(true)
	if t.sig != nil {
		for i := range digestSalts {
			c := knownCand(&digestSalts[i])
			w.next(&c)
			w.try(t, &c, tryDigest)
		}
	}
	for i := range t.known {
		c := knownCand(&t.known[i])
		w.next(&c)
		w.try(t, &c, tryAll)
	}
	t.crossTry(w)
}

// crossTry tries every key found so far in the cookie's other slots: one key
// reused for two roles.
func (t *Target) crossTry(w *worker) {
	t.mu.Lock()
	var found []*FoundKey
	if t.sig != nil && t.sig.slot.hit != nil {
		found = append(found, t.sig.slot.hit)
	}
	if t.enc != nil {
		for _, h := range []*FoundKey{t.enc.key.hit, t.enc.sign.hit} {
			if h != nil {
				found = append(found, h)
			}
		}
	}
	t.mu.Unlock()
	all := w.all
	w.all = true
	for _, fk := range found {
		c := candFrom(fk)
		w.next(&c)
		w.try(t, &c, tryMAC|tryEnc|trySign)
	}
	w.all = all
}
