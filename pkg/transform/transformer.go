package transform

import (
	"strconv"
	"strings"
	"unsafe"
)

// Key is one keyring entry. Bytes are never printed or put in an error.
type Key struct {
	ID    string
	Bytes []byte
}

// String hides the key bytes.
func (k Key) String() string { return "key " + k.ID }

// Transformer is one of Ktor's SessionTransportTransformer: it turns a value
// into its transport form (Write) and back (Read). Implementations in this
// package are safe for concurrent use.
type Transformer interface {
	Kind() string // "digest" | "mac" | "encrypt"
	Write(value string) (string, error)
	Read(value string) (string, ReadInfo, error) // err is *ReadError
}

// Rotator is implemented by transformers that can read a value under any of
// their keys and rewrite it under the current (first) key in one step,
// sharing work between the two.
type Rotator interface {
	Rotate(value string) (payload, rewritten string, info ReadInfo, err error)
}

// AppendRotator is a Rotator that appends the rewritten value to dst instead of allocating it:
// the allocation-free path of bulk rotation.
type AppendRotator interface {
	AppendRotate(dst []byte, value string) ([]byte, ReadInfo, error)
}

// ReadInfo tells how a read went.
type ReadInfo struct {
	Transform string   `json:"transform"`             // "digest" | "mac" | "encrypt"
	Algorithm string   `json:"algorithm"`             // "HmacSHA256", "SHA-256", "AES-128/HmacSHA256"
	KeyID     string   `json:"key_id,omitempty"`      // mac: key that verified; encrypt: key that decrypted
	SignKeyID string   `json:"sign_key_id,omitempty"` // encrypt: sign key that verified
	Format    string   `json:"format,omitempty"`      // encrypt: "current" | "legacy"
	Quirks    []string `json:"quirks,omitempty"`      // accepted only through a Ktor quirk of this release
	Warnings  []string `json:"warnings,omitempty"`    // e.g. legacy format = padding oracle
}

// str views b as a string without copying; b must not change afterwards.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// bytesOf views s as bytes without copying; the result must not be written.
func bytesOf(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// splitLast is Kotlin's substringBeforeLast(sep) / substringAfterLast(sep, ""):
// without sep, before is the whole string and after is "".
func splitLast(s string, sep byte) (before, after string, found bool) {
	// IndexByte is vectorised and LastIndexByte is not: the separators of Ktor's formats sit
	// near the start (encrypt's IV) or the end (a signature), so find the first, then look for
	// another after it.
	i := strings.IndexByte(s, sep)
	if i < 0 {
		return s, "", false
	}
	for {
		j := strings.IndexByte(s[i+1:], sep)
		if j < 0 {
			return s[:i], s[i+1:], true
		}
		i += j + 1
	}
}

func copyKeys(kind string, keys []Key) ([]Key, error) { return copyKeysNamed(kind, "keys", keys) }

func copyKeysNamed(kind, field string, keys []Key) ([]Key, error) {
	if len(keys) == 0 {
		return nil, &ConfigError{Transform: kind, Field: field, Detail: "no key given (need at least one; the first one writes)"}
	}
	out := make([]Key, len(keys))
	seen := map[string]bool{}
	for i, k := range keys {
		if len(k.Bytes) == 0 {
			return nil, &ConfigError{Transform: kind, Field: keyField(field, i, k), Detail: "empty key (Java: IllegalArgumentException: Empty key)"}
		}
		if k.ID != "" && seen[k.ID] {
			return nil, &ConfigError{Transform: kind, Field: keyField(field, i, k), Detail: "duplicate key id"}
		}
		seen[k.ID] = true
		out[i] = Key{ID: k.ID, Bytes: append([]byte(nil), k.Bytes...)}
	}
	return out, nil
}

func keyField(field string, i int, k Key) string {
	if k.ID != "" {
		return field + "[" + strconv.Itoa(i) + "] (id " + quote(k.ID) + ")"
	}
	return field + "[" + strconv.Itoa(i) + "]"
}

func quote(s string) string { return "\"" + s + "\"" }
