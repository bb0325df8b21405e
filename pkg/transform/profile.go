package transform

import (
	"fmt"
	"strings"
)

// Profile names the Ktor release whose behaviour a transformer reproduces.
type Profile string

// The supported profiles. The zero Profile ("") means Profile3.
const (
	Profile10 Profile = "1.0" // Ktor 1.0.0
	Profile16 Profile = "1.6" // Ktor 1.6.x (also stands for the later 1.x releases)
	Profile2  Profile = "2"   // Ktor 2.x
	Profile3  Profile = "3"   // Ktor 3.x as of main ef92e5537d (3.5.2 and later)
)

// ParseProfile reads a profile name: "1.0", "1.0.0", "1.6", "1", "1.x" (= 1.6),
// "2", "2.x", "2.3.13", "3", "3.x", "head".
func ParseProfile(s string) (Profile, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "v")
	t = strings.TrimPrefix(t, "ktor-")
	switch {
	case t == "1.0" || t == "1.0.0" || t == "1.0.x":
		return Profile10, nil
	case t == "1" || t == "1.x" || strings.HasPrefix(t, "1."):
		return Profile16, nil
	case t == "2" || t == "2.x" || strings.HasPrefix(t, "2."):
		return Profile2, nil
	case t == "3" || t == "3.x" || t == "head" || t == "main" || strings.HasPrefix(t, "3."):
		return Profile3, nil
	}
	return "", fmt.Errorf("%w: unknown Ktor profile %q (want 1.0, 1.6, 2 or 3)", ErrConfig, s)
}

func (p Profile) norm() Profile {
	if p == "" {
		return Profile3
	}
	return p
}

func (p Profile) valid() bool {
	switch p.norm() {
	case Profile10, Profile16, Profile2, Profile3:
		return true
	}
	return false
}

// lenientHex reports whether the profile decodes IV/ciphertext hex with Ktor's
// own hex() (length/2 pairs, Character.digit) instead of Kotlin's strict
// hexToByteArray (Ktor 3.5.0 and later).
func (p Profile) lenientHex() bool { return p.norm() != Profile3 }

// keySizedIV reports whether Ktor asks its IV generator for as many bytes as
// the encryption key (every release before 3.5.2) instead of the 16-byte block.
func (p Profile) keySizedIV() bool { return p.norm() != Profile3 }

// DefaultMACAlgorithm is the Mac algorithm Ktor's
// SessionTransportTransformerMessageAuthentication uses when none is given.
func DefaultMACAlgorithm(p Profile) string {
	if p.norm() == Profile10 {
		return "HmacSHA1"
	}
	return "HmacSHA256"
}

// DefaultDigestAlgorithm is the MessageDigest algorithm of Ktor's
// SessionTransportTransformerDigest default (removed in Ktor 2.0).
func DefaultDigestAlgorithm(p Profile) string {
	if p.norm() == Profile10 {
		return "SHA-256"
	}
	return "SHA-384"
}

// DefaultEncryptFormat is the format SessionTransportTransformerEncrypt writes.
func DefaultEncryptFormat(p Profile) Format {
	if p.norm() == Profile3 {
		return FormatCurrent
	}
	return FormatLegacy
}

// UniqueSessionTypes reports whether Ktor's Sessions plugin refuses a second
// provider of a session type already registered (SessionsConfig.register:
// "There is already registered session provider for type"), first in Ktor
// 1.2.0. Ktor 1.0.0 and 1.1.x registered it ("todo: check that type & name is
// unique"), the first one serving the type.
func (p Profile) UniqueSessionTypes() bool { return p.norm() != Profile10 }
