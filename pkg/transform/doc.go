// Package transform reproduces, byte for byte, the session transport
// transformers of Ktor (the Kotlin web framework): the digest, MAC and
// encrypt steps that Ktor applies to a serialized session before it goes into
// a cookie or header, and their chain.
//
// # Names
//
//	Ktor                                                  here
//	SessionTransportTransformer                           Transformer
//	List<SessionTransportTransformer>.transformWrite      Chain.Write (left to right)
//	List<SessionTransportTransformer>.transformRead       Chain.Read (right to left; before 1.2.1: ReadInListOrder)
//	SessionTransportTransformerDigest(salt, algorithm)    Digest, NewDigest
//	SessionTransportTransformerMessageAuthentication      MAC, NewMAC
//	SessionTransportTransformerEncrypt                    Encrypt, NewEncrypt (Format current / legacy)
//	  ivGenerator                                         EncryptOptions.IV (IVSource; FixedIV for tests)
//	  backwardCompatibleRead                              EncryptOptions.BackwardCompatibleRead
//	SecretKeySpec                                         Key (with an id: a keyring entry)
//	transformRead returning null                          a *ReadError saying which step failed and why
//
// # Wire formats
//
//	digest   value + "/" + lowerhex(H(utf8(salt) ‖ utf8(value)))
//	mac      value + "/" + lowerhex(HMAC(key, utf8(value)))
//	encrypt  lowerhex(iv) + "/" + lowerhex(AES-CBC-PKCS5(value)) + ":" + lowerhex(HMAC(signKey, X))
//	         X = ciphertext (current, Ktor 3) or plaintext (legacy, Ktor 1.x-2.x)
//
// # Releases
//
// A Profile names the exact Ktor release ("3.0.0"; an alias such as "3"
// is the newest release of its line) whose acceptance rules a transformer
// follows, quirks included. Each rule is a change point of package ktor's
// table, asked with Profile.Has:
//   - Digest signatures are decoded with Ktor's hex(): length/2 pairs of
//     UTF-16 units through Java's Character.digit, so an odd trailing
//     character is ignored and upper-case or full-width digits pass.
//   - MAC signatures are compared as lower-case hex strings: an upper-case
//     signature is rejected (ErrSignatureCase says it was otherwise right).
//   - Encrypt IV and ciphertext hex: Ktor's lenient hex() before 3.5.0,
//     Kotlin's strict hexToByteArray (either case) from 3.5.0. The MAC hex is
//     compared as a string in every release.
//   - Encrypt writes the MAC over the plaintext (FormatLegacy) before 3.0.0
//     and over the ciphertext (FormatCurrent, with backwardCompatibleRead)
//     from 3.0.0.
//   - Ktor asks the IV generator for as many bytes as the key before 3.5.1,
//     so AES-192/256 broke its constructor unless a custom ivGenerator
//     returned 16 bytes (KtorConstructError); from 3.5.1 it asks for 16.
//   - Defaults: HmacSHA1 before 1.1.2, HmacSHA256 since; digest SHA-256 in
//     1.0.x, SHA-384 from 1.1.0; no digest at all from 2.0.0.
//   - Chains read from the last transformer from 1.2.1; before, in list
//     order (Chain.ReadInListOrder, Chain.KtorCouldRead).
//   - The current format does not authenticate the IV; the legacy format
//     decrypts before it authenticates. Reads say so in ReadInfo.Warnings.
//   - Decrypted bytes become a string as Java does it: ill-formed UTF-8 turns
//     into U+FFFD, an empty ciphertext decrypts to "".
//
// A value accepted only through such a quirk is reported in ReadInfo.Quirks.
//
// # Keyrings and rotation
//
// MAC and Encrypt take several keys. Writes use the first; reads try every
// key without an early exit, compare in constant time and report the key id
// that verified (ReadInfo.KeyID, SignKeyID). Rotate reads under any key and
// rewrites under the first; for a MAC the first key's tag, computed during
// the read, is the new signature.
//
// # Errors
//
// Reads fail with *ReadError wrapping ErrMalformed, ErrSignature,
// ErrSignatureCase, ErrDecrypt or ErrOtherFormat; constructors with
// *ConfigError wrapping ErrConfig. No input makes this package panic, and no
// error contains key bytes.
package transform
