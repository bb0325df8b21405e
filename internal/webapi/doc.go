// Package webapi is what the offline debugger page (`sessionctl web`) asks of the library, as JSON
// in and JSON out: the page's WebAssembly build (internal/web/wasm) exposes Handle to JavaScript,
// and the tests call it directly. Each answer is computed by the same packages as the CLI
// (pkg/keyring, pkg/inspect, pkg/audit, pkg/encode), so the page says what `sessionctl inspect`,
// `audit` and `encode` say: every token's Result is the CLI's `inspect --json` line byte for byte.
//
// Operations (Handle's op):
//
//	analyze   AnalyzeRequest → AnalyzeResponse   inspect (and audit) every token of a pasted text
//	encode    EncodeRequest  → EncodeResponse    a new token, its cookie value and Set-Cookie line
//	keyring   KeysRequest    → KeyringResponse   the providers of a pasted keyring or one-off keys
//	releases  (nothing)      → ReleasesResponse  the Ktor releases the picker offers
//
// The package reads no clock, environment, file or network: a request carries its own "now", and
// a keyring's env = and file = keys are unavailable (an error naming the key). Between calls it
// keeps only the last pasted keyring, parsed (parsing TOML is slow in WebAssembly), and drops it
// at the first request that comes without one.
package webapi
