// Package audit is a security audit of Ktor session cookies: it finds
// well-known and guessable secrets (a built-in list of the sample keys of
// Ktor's documentation, guides, samples and tests, empty and all-zero keys,
// common text secrets, and a dictionary run over a wordlist), and it flags
// the weaknesses of the cookie's format itself.
//
// # Vocabulary
//
// A cookie is audited as a Target. Its transport value (the cookie value
// after Ktor's cookie decoding) has a shape, the chain of Ktor transformers
// that could have written it (transform.Detect). A key found is a FoundKey,
// a weakness a Finding with an id, a severity and one line of why.
//
// Ktor names: SessionTransportTransformerDigest is "digest",
// SessionTransportTransformerMessageAuthentication is "mac",
// SessionTransportTransformerEncrypt is "encrypt" (format "current" for
// Ktor 3's MAC over the ciphertext, "legacy" for Ktor 1.x-2.x's MAC over
// the plaintext).
//
// # Use
//
//	t := audit.NewTarget(audit.Input{Name: "SESSION", Value: raw}, audit.Options{})
//	t.CrackKnown()                                   // built-in list, digest salts
//	audit.CrackWordlist(ctx, []*audit.Target{t}, f, audit.WordlistOptions{})
//	r := t.Report()                                  // findings, key, payload
//
// HAR files are read with ReadHAR, streaming: one entry's cookies at a time.
//
// # Errors
//
// The package never prints, logs or panics. A HAR file that is not valid is
// a *HARError (errors.Is(err, ErrHAR)); a wordlist that cannot be read is a
// *WordlistError (errors.Is(err, ErrWordlist)). Errors never hold key bytes.
package audit
