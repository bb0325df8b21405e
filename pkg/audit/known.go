package audit

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

func textKey(id, text, source string) KnownKey {
	return KnownKey{ID: id, Source: source, Text: text, bytes: []byte(text)}
}

// knownKeysJSON is the list as data (known-keys.json: one entry per key with where it comes from),
// so that it grows by pull request; its "about" says how to add one.
//
//go:embed known-keys.json
var knownKeysJSON []byte

type knownEntry struct {
	ID     string  `json:"id"`
	Hex    *string `json:"hex"`
	Text   *string `json:"text"`
	Base64 *string `json:"base64"`
	Source string  `json:"source"`
	Derive *bool   `json:"derive"`
}

type knownFile struct {
	About       []string     `json:"about"`
	Keys        []knownEntry `json:"keys"`
	DigestSalts []knownEntry `json:"digest_salts"`
}

// builtin is the list, most telling first: the entries of known-keys.json in their order, then
// the keys derived from its text keys. digestSalts are tried on digest values before any wordlist.
var builtin, digestSalts = mustParseKnown(knownKeysJSON)

func mustParseKnown(b []byte) ([]KnownKey, []KnownKey) {
	ks, salts, err := parseKnown(b)
	if err != nil {
		panic("audit: the embedded known-keys.json is invalid: " + err.Error())
	}
	return ks, salts
}

// parseKnown reads the list strictly: unknown fields, a duplicate id, no source, not exactly one
// of hex/text/base64, or bad hex or base64 are errors.
func parseKnown(b []byte) (keys, salts []KnownKey, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f knownFile
	if err := dec.Decode(&f); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	read := func(list []knownEntry, derive bool) ([]KnownKey, error) {
		var out, derived []KnownKey
		for i, e := range list {
			if e.ID == "" || seen[e.ID] {
				return nil, fmt.Errorf("entry %d: missing or duplicate id %q", i, e.ID)
			}
			seen[e.ID] = true
			if strings.TrimSpace(e.Source) == "" {
				return nil, fmt.Errorf("%s: no source", e.ID)
			}
			k := KnownKey{ID: e.ID, Source: e.Source}
			n := 0
			if e.Hex != nil {
				n++
				h := *e.Hex
				if k.bytes, err = hex.DecodeString(h[:len(h)/2*2]); err != nil {
					return nil, fmt.Errorf("%s: hex: %v", e.ID, err)
				}
			}
			if e.Text != nil {
				n++
				k.Text, k.bytes = *e.Text, []byte(*e.Text)
			}
			if e.Base64 != nil {
				n++
				if k.bytes, err = base64.StdEncoding.DecodeString(*e.Base64); err != nil {
					return nil, fmt.Errorf("%s: base64: %v", e.ID, err)
				}
			}
			if n != 1 {
				return nil, fmt.Errorf("%s: want exactly one of hex, text and base64", e.ID)
			}
			if k.bytes == nil {
				k.bytes = []byte{}
			}
			out = append(out, k)
			if derive && e.Text != nil && (e.Derive == nil || *e.Derive) {
				derived = append(derived, deriveKeys(k)...)
			}
		}
		return append(out, derived...), nil
	}
	if keys, err = read(f.Keys, true); err != nil {
		return nil, nil, err
	}
	if salts, err = read(f.DigestSalts, false); err != nil {
		return nil, nil, err
	}
	return keys, salts, nil
}

// deriveKeys: the keys real apps make from a text secret when a transformer wants bytes of a given
// size: a digest of the text (MessageDigest.getInstance("SHA-256").digest(secret.toByteArray()),
// all of it or .copyOf(16); SHA-1 and MD5 cut to 16 bytes) and the text itself zero-padded or cut
// (secret.toByteArray().copyOf(16), .copyOf(32), …). Each names the key it comes from in its id
// ("sha256-16:text:secret") and source.
func deriveKeys(k KnownKey) []KnownKey {
	t := k.bytes
	s256, s1, m5 := sha256.Sum256(t), sha1.Sum(t), md5.Sum(t)
	from := " of the text of " + k.ID + " (" + k.Source + ")"
	out := []KnownKey{
		{ID: "sha256:" + k.ID, Source: "SHA-256" + from, bytes: s256[:]},
		{ID: "sha256-16:" + k.ID, Source: "SHA-256, first 16 bytes," + from, bytes: s256[:16]},
		{ID: "sha1-16:" + k.ID, Source: "SHA-1, first 16 bytes," + from, bytes: s1[:16]},
		{ID: "md5:" + k.ID, Source: "MD5" + from, bytes: m5[:]},
	}
	for _, n := range []int{16, 24, 32} {
		switch {
		case len(t) < n && len(t) > 0:
			out = append(out, KnownKey{ID: "pad" + strconv.Itoa(n) + ":" + k.ID, Source: "zero-padded to " + strconv.Itoa(n) +
				" bytes (copyOf(" + strconv.Itoa(n) + "))," + from, bytes: append(append([]byte(nil), t...), make([]byte, n-len(t))...)})
		case len(t) > n:
			out = append(out, KnownKey{ID: "cut" + strconv.Itoa(n) + ":" + k.ID, Source: "cut to " + strconv.Itoa(n) +
				" bytes (copyOf(" + strconv.Itoa(n) + "))," + from, Text: string(t[:n]), bytes: append([]byte(nil), t[:n]...)})
		}
	}
	return out
}

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
