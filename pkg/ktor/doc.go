// Package ktor knows Ktor's releases and, in one table, every point where
// the behaviour of its sessions changed: which release first wrote the MAC
// over the ciphertext, decoded hex strictly, encoded cookies with
// encodeURLParameter, defaulted to kotlinx JSON. It is modelled on Go's
// internal/godebugs table: each behaviour change is named once, with the
// release that made it and the file and line of Ktor's source that shows it.
//
// # Releases and aliases
//
// A Release is an exact Ktor release, 1.0.0 to the newest known 3.5.x.
// Parse reads one, or an alias for the newest release of a line: "1.6",
// "2", "3.x", "head". An unknown release — a patch that never existed, a
// future one, a pre-release — is a *VersionError that names the nearest
// known releases. A patch release that changed nothing behaves exactly as
// its predecessor, because every question is asked of the table.
//
// # The table
//
// Release.Has(Change) is the only way the rest of sessionctl learns how a
// release behaves: the transformers (package transform), the cookie codec,
// the serializers, the storages' id generator and the middleware all ask
// it, and none of them compares release numbers itself. Lookup and Table
// describe each change point (Info: name, first release, old and new
// behaviour, source); Spans cuts the releases into runs that behave alike,
// which is how a value is tried against every release at once.
//
// # Errors
//
// Parse fails with a *VersionError, which unwraps to ErrUnknown.
package ktor
