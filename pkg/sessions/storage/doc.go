// Package storage holds sessions stored by id, as Ktor's session storages do.
//
// # Vocabulary
//
// Ktor's names map to ours once, here:
//
//	SessionStorage                     Storage
//	SessionStorageMemory               Memory
//	DirectoryStorage                   Directory
//	directorySessionStorage(root, c)   NewDirectoryCached(root) / NewDirectory(root)
//	CacheStorage                       Cache
//	generateSessionId()                DefaultIDGenerator(profile)
//
// # Directory layout
//
// Directory keeps Ktor's exact layout: the id is cut into pieces of two
// characters (UTF-16 code units, as Kotlin's windowedSequence counts them),
// every piece but the last is a directory, and the last piece gets ".dat":
//
//	0123456789abcdef → ROOT/01/23/45/67/89/ab/cd/ef.dat
//	abc              → ROOT/ab/c.dat
//	.                → ROOT/..dat
//
// Ids Ktor refuses (empty, or containing "..", "/", "\", "!", "?", "<", ">",
// NUL) are refused here too, before any path is built, as is anything else
// that could name a path outside the root. Writes go to a temporary file in
// the same directory, are synced and renamed into place, so a reader never
// sees half a session. Reading an unknown id leaves no empty directories
// behind (Ktor's does).
//
// # Enumeration
//
// Storages that can enumerate implement Walker: a streaming walk that yields
// one Entry per stored session without loading the whole set into memory.
// Directory walks its tree with a bounded pool of workers; Redis walks with
// SCAN. Both apply the same filters (WalkOptions) while walking, and both
// implement BatchInvalidator for purges.
//
// # Errors
//
// Every failure is an *Error naming the storage, the operation and the id;
// it wraps a sentinel (ErrNotFound, ErrBadID, ErrEmpty, ErrWrongType) or the
// underlying I/O or network error, for errors.Is and errors.As.
//
// Nothing in this package prints, logs, exits or reads the environment.
package storage
