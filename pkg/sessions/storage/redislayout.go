package storage

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrBadValue: a stored value does not decode with the store's ValueCodec
// (not hex for value=hex, not base64 for value=base64).
var ErrBadValue = errors.New("stored value does not decode")

// ValueCodec is how a Redis value (or a hash field's value) holds the session
// text: the text itself, or the hex or base64 of its UTF-8 bytes, as Ktor
// applications' own SessionStorage implementations write it
// (value.toByteArray().toHex(), Base64.getEncoder().encodeToString(…)).
type ValueCodec string

const (
	ValueText   ValueCodec = "text"   // the text itself (the default)
	ValueHex    ValueCodec = "hex"    // hex of the text's bytes: written lower case, read in either case
	ValueBase64 ValueCodec = "base64" // standard base64 with padding of the text's bytes
)

// encode makes the session text into what is stored.
func (c ValueCodec) encode(v string) string {
	switch c {
	case ValueHex:
		return hex.EncodeToString([]byte(v))
	case ValueBase64:
		return base64.StdEncoding.EncodeToString([]byte(v))
	}
	return v
}

// decode makes what is stored into the session text.
func (c ValueCodec) decode(raw string) (string, error) {
	switch c {
	case ValueHex:
		b, err := hex.DecodeString(strings.TrimSpace(raw))
		if err != nil {
			return "", fmt.Errorf("%w: the stored value is not hex (value=hex): %v", ErrBadValue, err)
		}
		return string(b), nil
	case ValueBase64:
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
		if err != nil {
			return "", fmt.Errorf("%w: the stored value is not base64 (value=base64): %v", ErrBadValue, err)
		}
		return string(b), nil
	}
	return raw, nil
}

// decodeOrRaw is decode for a walk: a value that cannot be decoded is given as
// stored, so that a caller decoding the session fails and says so (--match
// counts it as undecodable) instead of the walk stopping.
func (c ValueCodec) decodeOrRaw(raw string) string {
	v, err := c.decode(raw)
	if err != nil {
		return raw
	}
	return v
}

// RedisLayout is how a Redis store lays out its sessions.
type RedisLayout struct {
	// Hash: all sessions in one hash (HashKey), a field per session id, as a
	// SessionStorage doing hset("sessions", id, value); otherwise a string key
	// per session (prefix + id), as SET/SETEX does.
	Hash    bool
	HashKey string
	Value   ValueCodec
}

// takeRedisLayout reads and removes the layout parameters of a Redis store URL
// (layout=string|hash, key=NAME, value=text|hex|base64) from q; a parameter
// given twice (in the URL and as a keyring field) is an error, as is key=
// without layout=hash or layout=hash without key=.
func takeRedisLayout(q url.Values) (RedisLayout, error) {
	var l RedisLayout
	get := func(name string) (string, error) {
		vs := q[name]
		q.Del(name)
		switch len(vs) {
		case 0:
			return "", nil
		case 1:
			return vs[0], nil
		}
		return "", fmt.Errorf("%w: parameter %s given twice (in the URL and as a keyring [store] field?)", ErrConfig, name)
	}
	layout, err := get("layout")
	if err != nil {
		return l, err
	}
	if l.HashKey, err = get("key"); err != nil {
		return l, err
	}
	v, err := get("value")
	if err != nil {
		return l, err
	}
	switch layout {
	case "", "string":
		if l.HashKey != "" {
			return l, fmt.Errorf("%w: key=%s is the hash of layout=hash: add layout=hash, or use prefix= for a key per session", ErrConfig, l.HashKey)
		}
	case "hash":
		l.Hash = true
		if l.HashKey == "" {
			return l, fmt.Errorf("%w: layout=hash needs key=NAME (the hash that holds a field per session)", ErrConfig)
		}
		if q.Has("prefix") || q.Has("sessions_only") {
			return l, fmt.Errorf("%w: layout=hash keeps every session in the hash key=%s: prefix= and sessions_only= do not apply", ErrConfig, l.HashKey)
		}
	default:
		return l, fmt.Errorf("%w: layout=%q: want string (a key per session) or hash", ErrConfig, layout)
	}
	switch ValueCodec(v) {
	case "":
		l.Value = ValueText
	case ValueText, ValueHex, ValueBase64:
		l.Value = ValueCodec(v)
	default:
		return l, fmt.Errorf("%w: value=%q: want text, hex or base64", ErrConfig, v)
	}
	return l, nil
}

// SetValueCodec sets how the store's values hold the session text (default
// ValueText): Write encodes, Read, Lookup and walks decode (a walk yields a
// value it cannot decode as stored).
func (r *Redis) SetValueCodec(c ValueCodec) { r.codec = c }
