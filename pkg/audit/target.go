package audit

import (
	"encoding/hex"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Input is one cookie to audit.
type Input struct {
	Name      string           // the cookie name; "" for a bare value
	Value     string           // the value as sent, before Ktor's cookie decoding
	Source    string           // "bare", "pair", "cookie", "set-cookie", "har-request", "har-response"
	Where     string           // where it was found, e.g. "line 3" or "HAR entry 12 (response)"
	SetCookie *codec.SetCookie // the Set-Cookie attributes, when it came from one
	Encoding  codec.Encoding   // the cookie encoding, "" to use $x-enc or guess (URI when it looks encoded)
	// Date is when the Set-Cookie was received (a pasted response's or a HAR entry's Date:), nil
	// when unknown: an Expires is measured from it rather than from Options.Now.
	Date *time.Time
}

// Options tune an audit.
type Options struct {
	// Known replaces the built-in list of known keys (nil = KnownKeys()).
	Known []KnownKey
	// Now is the clock for Expires; the zero time means time.Now().
	Now time.Time
}

// FoundKey is a key (or digest salt) that verifies or decrypts a cookie.
type FoundKey struct {
	Role      string `json:"role"`             // "mac", "digest-salt", "encrypt" or "sign"
	Algorithm string `json:"algorithm"`        // "HmacSHA256", "SHA-256", "AES-128"
	Format    string `json:"format,omitempty"` // encrypt: "current" (Ktor 3) or "legacy" (Ktor 1.x-2.x)
	ID        string `json:"id,omitempty"`     // the known key's id
	Source    string `json:"source,omitempty"` // where a known key comes from
	Hex       string `json:"hex"`              // the key in hex
	Text      string `json:"text,omitempty"`   // the key as text, when it was given as text
	Line      int    `json:"wordlist_line,omitempty"`
	Form      string `json:"form,omitempty"` // wordlist: the line read as "text", "hex" or "base64"
	Allows    string `json:"allows"`         // what an attacker can do with it
	Note      string `json:"note,omitempty"` // e.g. a signature in upper case that Ktor itself rejects
	bytes     []byte
}

// noHit is a slot's best line when nothing was found.
const noHit = math.MaxInt64

// slot is one thing to find: a MAC key or digest salt, an encryption key, a sign key.
type slot struct {
	best      atomic.Int64 // wordlist line of the best hit (0 = built-in list); noHit if none
	exhausted atomic.Bool  // a whole pass found nothing: skip it in the next
	hit       *FoundKey    // guarded by Target.mu
}

func (s *slot) open(line int64) bool { return line < s.best.Load() && !s.exhausted.Load() }
func (s *slot) found() bool          { return s.best.Load() != noHit }

// sigLayer is payload + "/" + hex(signature): a MAC or a digest.
type sigLayer struct {
	payload string
	msg     []byte
	sig     []byte
	upper   bool // the hex has upper-case letters: Ktor's MAC rejects it, its digest accepts it
	algs    []*hashAlg
	slot    slot
}

// encLayer is hex(iv) + "/" + hex(ct) + ":" + hex(mac).
type encLayer struct {
	iv, ct, tag []byte
	tagUpper    bool
	algs        []*hashAlg // for the tag's length
	key, sign   slot
	pt          atomic.Pointer[[]byte] // the plaintext once the key is found
	ptLine      atomic.Int64           // the wordlist line at which pt became known (0: before the run)
	inner       bool                   // nested inside a MAC or digest layer
}

// Target is one cookie being audited. Its methods are safe for concurrent use.
type Target struct {
	in        Input
	opts      Options
	known     []KnownKey
	value     string // the transport value
	decoding  string // the cookie decoding applied, "" none
	decodeErr string
	shapes    []transform.Candidate
	sig       *sigLayer
	enc       *encLayer
	mu        sync.Mutex
	seen      int
	tried     atomic.Int64
}

// NewTarget prepares a cookie: cookie decoding, shape detection, and the
// parts of each layer that do not depend on a key.
func NewTarget(in Input, o Options) *Target {
	t := &Target{in: in, opts: o, known: o.Known, seen: 1}
	if t.known == nil {
		t.known = builtin
	}
	t.value, t.decoding, t.decodeErr = transportValue(in)
	t.shapes = transform.Detect(t.value)
	if e := parseEnc(t.value); e != nil {
		t.enc = e
	} else if s := parseSig(t.value); s != nil {
		t.sig = s
		if e := parseEnc(s.payload); e != nil {
			e.inner = true
			t.enc = e
		}
	}
	return t
}

// transportValue undoes Ktor's cookie encoding: the one named by the input
// or its Set-Cookie's $x-enc, else URI decoding when the value holds a '%'.
func transportValue(in Input) (string, string, string) {
	enc := in.Encoding
	if enc == "" && in.SetCookie != nil {
		enc = in.SetCookie.Encoding
	}
	v := in.Value
	if enc == "" {
		if !strings.Contains(v, "%") {
			return v, "", ""
		}
		enc = codec.URI
	}
	d, err := codec.Decode(v, enc, transform.Profile3)
	if err != nil {
		return v, "", "the value does not decode as " + string(enc) + ": " + err.Error()
	}
	if d == v {
		return v, "", ""
	}
	return d, string(enc), ""
}

// decodeHex decodes hex in either case and says whether it had upper case.
func decodeHex(s string) ([]byte, bool, bool) {
	if s == "" || len(s)%2 != 0 {
		return nil, false, false
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, false, false
	}
	return b, strings.ToLower(s) != s, true
}

func parseSig(v string) *sigLayer {
	i := strings.LastIndexByte(v, '/')
	if i < 0 {
		return nil
	}
	sig, upper, ok := decodeHex(v[i+1:])
	if !ok {
		return nil
	}
	algs := algsOfSize(len(sig))
	if len(algs) == 0 {
		return nil
	}
	s := &sigLayer{payload: v[:i], msg: []byte(v[:i]), sig: sig, upper: upper, algs: algs}
	s.slot.best.Store(noHit)
	return s
}

func parseEnc(v string) *encLayer {
	i := strings.LastIndexByte(v, '/')
	if i < 0 {
		return nil
	}
	rest := v[i+1:]
	j := strings.LastIndexByte(rest, ':')
	if j < 0 {
		return nil
	}
	iv, _, ok1 := decodeHex(v[:i])
	ct, _, ok2 := decodeHex(rest[:j])
	tag, tagUpper, ok3 := decodeHex(rest[j+1:])
	if !ok1 || !ok2 || !ok3 || len(ct) == 0 || len(ct)%16 != 0 {
		return nil
	}
	algs := algsOfSize(len(tag))
	if len(algs) == 0 || (len(iv) != 16 && len(iv) != 24 && len(iv) != 32) {
		return nil
	}
	e := &encLayer{iv: iv, ct: ct, tag: tag, tagUpper: tagUpper, algs: algs}
	e.key.best.Store(noHit)
	e.sign.best.Store(noHit)
	return e
}

// Value is the transport value (after cookie decoding).
func (t *Target) Value() string { return t.value }

// Crackable reports whether the cookie has a layer a key could open.
func (t *Target) Crackable() bool { return t.sig != nil || t.enc != nil }

// Done reports whether every key the cookie needs was found.
func (t *Target) Done() bool {
	if t.sig != nil && !t.sig.slot.found() {
		return false
	}
	if t.enc != nil && (!t.enc.key.found() && len(t.enc.iv) == 16 || !t.enc.sign.found()) {
		return false
	}
	return true
}

// open reports whether anything is left to look for at this line.
func (t *Target) open(line int64) bool {
	if t.sig != nil && t.sig.slot.open(line) {
		return true
	}
	if t.enc != nil && (len(t.enc.iv) == 16 && t.enc.key.open(line) || t.enc.sign.open(line)) {
		return true
	}
	return false
}

// Seen counts one more occurrence of the same cookie value (deduplication).
func (t *Target) Seen() {
	t.mu.Lock()
	t.seen++
	t.mu.Unlock()
}

// AddSetCookie attaches Set-Cookie attributes to a target that had none
// (the same value seen first in a Cookie: header, then in a Set-Cookie).
func (t *Target) AddSetCookie(sc *codec.SetCookie) {
	t.mu.Lock()
	if t.in.SetCookie == nil {
		t.in.SetCookie = sc
	}
	t.mu.Unlock()
}
