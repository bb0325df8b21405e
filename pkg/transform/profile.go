package transform

import (
	"sync"

	"github.com/sessionctl/sessionctl/pkg/ktor"
)

// Profile names the exact Ktor release whose behaviour a transformer — and
// the cookie codec, the serializers, the storages and the middleware, which
// all take a Profile — reproduces, e.g. "3.0.0". ParseProfile returns an
// exact release. A Profile holding an alias ("3", "1.6", "head") stands for
// the newest release of that line, and the zero Profile for the newest
// release of all. Every behaviour question is Has, a lookup in package
// ktor's table of change points.
type Profile string

// Aliases for the newest release of each line, kept for callers that name
// a line rather than a release.
const (
	Profile10 Profile = "1.0" // the newest 1.0.x release, 1.0.1
	Profile16 Profile = "1.6" // the newest 1.6.x release, 1.6.8
	Profile2  Profile = "2"   // the newest 2.x release, 2.3.13
	Profile3  Profile = "3"   // the newest 3.x release, 3.5.2
)

// ProfileError is a Profile that names no known Ktor release. It unwraps to
// both ErrConfig and the *ktor.VersionError (ktor.ErrUnknown) that says why
// and which releases are nearest.
type ProfileError struct{ Err error }

func (e *ProfileError) Error() string   { return e.Err.Error() }
func (e *ProfileError) Unwrap() []error { return []error{ErrConfig, e.Err} }

// ParseProfile reads a Ktor version ("3.0.0", "v2.3.13", or an alias such
// as "1.6", "2", "3.x", "head": the newest release of that line) and
// returns the exact release it names. An unknown or future release is a
// *ProfileError naming the nearest known ones.
func ParseProfile(s string) (Profile, error) {
	v, err := ktor.Parse(s)
	if err != nil {
		return "", &ProfileError{Err: err}
	}
	return Profile(v.Release.String()), nil
}

// ProfileOf is the Profile of release r.
func ProfileOf(r ktor.Release) Profile { return Profile(r.String()) }

var profileCache sync.Map // Profile → ktor.Release, valid profiles only

// Release is the exact release p names: "" is the newest known release, an
// alias the newest release of its line.
func (p Profile) Release() (ktor.Release, error) {
	if p == "" {
		return ktor.Newest(), nil
	}
	if r, ok := profileCache.Load(p); ok {
		return r.(ktor.Release), nil
	}
	v, err := ktor.Parse(string(p))
	if err != nil {
		return ktor.Release{}, &ProfileError{Err: err}
	}
	if len(p) <= 16 {
		profileCache.Store(p, v.Release)
	}
	return v.Release, nil
}

// Has reports whether p's release has the behaviour of change c. A Profile
// that names no release answers as the newest release; everything that
// takes a Profile refuses such a one before it asks.
func (p Profile) Has(c ktor.Change) bool {
	r, err := p.Release()
	if err != nil {
		r = ktor.Newest()
	}
	return r.Has(c)
}

// DefaultMACAlgorithm is the Mac algorithm Ktor's
// SessionTransportTransformerMessageAuthentication uses when none is given:
// HmacSHA1 before 1.1.2, HmacSHA256 since.
func DefaultMACAlgorithm(p Profile) string {
	if p.Has(ktor.MACDefaultSHA256) {
		return "HmacSHA256"
	}
	return "HmacSHA1"
}

// DefaultDigestAlgorithm is the MessageDigest algorithm of Ktor's
// SessionTransportTransformerDigest default: SHA-256 in 1.0.x, SHA-384 from
// 1.1.0 (the class is gone from 2.0.0).
func DefaultDigestAlgorithm(p Profile) string {
	if p.Has(ktor.DigestDefaultSHA384) {
		return "SHA-384"
	}
	return "SHA-256"
}

// DefaultEncryptFormat is the format SessionTransportTransformerEncrypt
// writes: the legacy MAC over the plaintext before 3.0.0, the MAC over the
// ciphertext from 3.0.0.
func DefaultEncryptFormat(p Profile) Format {
	if p.Has(ktor.EncryptMACCiphertext) {
		return FormatCurrent
	}
	return FormatLegacy
}

// UniqueSessionTypes reports whether Ktor's Sessions plugin refuses a second
// provider of a session type already registered (SessionsConfig.register:
// "There is already registered session provider for type"), first in Ktor
// 1.2.0. Ktor 1.0.0 and 1.1.x registered it ("todo: check that type & name is
// unique"), the first one serving the type.
func (p Profile) UniqueSessionTypes() bool { return p.Has(ktor.UniqueProviders) }
