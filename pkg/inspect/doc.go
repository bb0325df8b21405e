// Package inspect analyses a pasted session token the way `sessionctl inspect` and `verify` do:
// the cookie encoding, each transformer layer unwrapped (which key verified, which format), the
// payload, its serializer format and decoded session fields, the Set-Cookie attributes and expiry,
// and, without keys, the structure guessed from the value's shape. The CLI and the offline
// debugger page (WebAssembly) run this same code, so they give the same answers.
//
// # Use
//
//	kr, err := keyring.Parse("keys.toml", text, keyring.Options{})  // or nil: no keys
//	a := &inspect.Analyzer{Keyring: kr, Now: now}
//	found, err := a.Found(pasted)    // every token in a value, a header or a pasted response
//	found, left := a.Keep(found)     // the keyring's session cookies, when there are any
//	for _, f := range found { r, err := a.Analyze(f) … }  // err: the keyring's, not the token's
//	r, err := a.VerifyOne(line)      // verify: exactly one result per line
//
// A token that does not verify is not an error: Result.OK is false and Result.Error and
// Result.ErrKind say why. The error of Analyze is a keyring error (a provider that cannot be
// built, *keyring.Error).
//
// # Contract
//
// The JSON form of Result (and of Summary under "summary") is what `inspect --json` and
// `verify --json` print, a contract documented in README; JSON marshals them as the CLI does
// (no HTML escaping), byte for byte.
//
// # What the caller gives
//
// The package reads no clock, environment, file or network by itself: Analyzer.Now is the clock
// for cookie expiry, and Analyzer.OpenStore (nil on the page) looks up the session of a
// tracker = id provider through the Store interface, which the CLI implements with its directory
// and Redis stores.
package inspect
