package sessions

import (
	"strconv"
	"sync/atomic"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Stats is what the middleware counted since it was built: per provider, the
// sessions read under each key of its keyrings (how many requests each key
// still verifies, so when an old key can be dropped) and what RotateOnRead
// re-issued. The counters only grow; export them with expvar or any
// metrics library:
//
//	expvar.Publish("sessions", expvar.Func(func() any { return s.Stats() }))
type Stats struct {
	Providers []ProviderStats `json:"providers"`
}

// ProviderStats are the counters of one provider.
type ProviderStats struct {
	Provider string `json:"provider"`
	// Read counts the sessions read (transformers, tracker and serializer
	// all succeeded).
	Read uint64 `json:"read"`
	// Reissued counts the sessions sent again in the current keys and
	// format because they were read in an older one: RotateOnRead, and the
	// re-send of every session of the send rules before Ktor 2.3.1.
	Reissued uint64 `json:"reissued"`
	// TextSerializer counts the sessions a JSON provider read in Ktor's
	// text format (RotateOnRead).
	TextSerializer uint64             `json:"text_serializer"`
	Transformers   []TransformerStats `json:"transformers,omitempty"`
}

// TransformerStats are the counters of one transformer with a keyring.
type TransformerStats struct {
	Step      int    `json:"step"`      // 1-based position in the chain, Ktor's transform(...) order
	Transform string `json:"transform"` // "mac" | "encrypt"
	// Keys are the MAC's keys, or the Encrypt's encryption keys; SignKeys
	// the Encrypt's sign keys. The first of each writes.
	Keys     []KeyStats `json:"keys"`
	SignKeys []KeyStats `json:"sign_keys,omitempty"`
	// LegacyFormat counts the values an Encrypt of the current format read
	// in the legacy format (backwardCompatibleRead).
	LegacyFormat uint64 `json:"legacy_format,omitempty"`
}

// KeyStats counts one key.
type KeyStats struct {
	ID       string `json:"id"`
	Current  bool   `json:"current"`  // the key that writes
	Verified uint64 `json:"verified"` // sessions read under this key
}

// stepKeys is one keyring transformer of a provider's chain.
type stepKeys struct {
	step    int // 0-based index in the chain
	kind    string
	keyIDs  []string
	signIDs []string
	format  string // encrypt: the format it writes
	keys    []atomic.Uint64
	signs   []atomic.Uint64
	legacy  atomic.Uint64
}

type providerCounters struct {
	read, reissued, text atomic.Uint64
}

// stale bits: why a session read is not in the provider's current form.
const (
	staleKey        = 1 << iota // an old key verified or decrypted it
	staleFormat                 // the legacy encrypt format
	staleSerializer             // the text serializer read it for a JSON provider
)

// setKeys finds the keyring transformers of the chain. With RotateOnRead,
// each keyring needs distinct ids: the ids are how a read names its key.
func (p *provider) setKeys(rotate bool) error {
	for i, t := range p.chain {
		var k *stepKeys
		switch x := t.(type) {
		case *transform.MAC:
			k = &stepKeys{step: i, kind: "mac", keyIDs: x.KeyIDs()}
		case *transform.Encrypt:
			k = &stepKeys{step: i, kind: "encrypt", keyIDs: x.KeyIDs(), signIDs: x.SignKeyIDs(), format: string(x.Format())}
		default:
			continue
		}
		if rotate {
			for _, ring := range [][]string{k.keyIDs, k.signIDs} {
				if d, ok := duplicate(ring); ok {
					return &Error{Provider: p.name, Type: p.typ.String(), Op: "new", Kind: ErrConfig,
						Detail: "RotateOnRead: transformer " + strconv.Itoa(i+1) + " (" + k.kind + ") has two keys with the id " + quote(d) +
							"; a read names its key by id, so every key needs its own"}
				}
			}
		}
		k.keys = make([]atomic.Uint64, len(k.keyIDs))
		k.signs = make([]atomic.Uint64, len(k.signIDs))
		p.keys = append(p.keys, k)
	}
	return nil
}

func duplicate(ids []string) (string, bool) {
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			if ids[i] == ids[j] {
				return ids[i], true
			}
		}
	}
	return "", false
}

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// count records a successful read of step (1-based) and returns its stale bits.
func (p *provider) count(step int, info *transform.ReadInfo) int {
	for _, k := range p.keys {
		if k.step+1 != step {
			continue
		}
		stale := 0
		if j := indexOf(k.keyIDs, info.KeyID); j >= 0 {
			k.keys[j].Add(1)
			if j > 0 {
				stale |= staleKey
			}
		}
		if k.kind == "encrypt" {
			if j := indexOf(k.signIDs, info.SignKeyID); j >= 0 {
				k.signs[j].Add(1)
				if j > 0 {
					stale |= staleKey
				}
			}
			if info.Format != k.format {
				k.legacy.Add(1)
				stale |= staleFormat
			}
		}
		return stale
	}
	return 0
}

// Stats returns a snapshot of the counters, providers in the order given to
// New.
func (s *Sessions) Stats() Stats {
	out := Stats{Providers: make([]ProviderStats, len(s.providers))}
	for i, p := range s.providers {
		ps := ProviderStats{Provider: p.name, Read: p.stats.read.Load(), Reissued: p.stats.reissued.Load(), TextSerializer: p.stats.text.Load()}
		for _, k := range p.keys {
			ts := TransformerStats{Step: k.step + 1, Transform: k.kind, Keys: keyStats(k.keyIDs, k.keys)}
			if k.kind == "encrypt" {
				ts.SignKeys = keyStats(k.signIDs, k.signs)
				ts.LegacyFormat = k.legacy.Load()
			}
			ps.Transformers = append(ps.Transformers, ts)
		}
		out.Providers[i] = ps
	}
	return out
}

func keyStats(ids []string, n []atomic.Uint64) []KeyStats {
	out := make([]KeyStats, len(ids))
	for i, id := range ids {
		out[i] = KeyStats{ID: id, Current: i == 0, Verified: n[i].Load()}
	}
	return out
}
