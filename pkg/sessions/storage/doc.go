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
// behind (Ktor's does). Invalidating prunes the directories left empty, as
// Ktor's does.
//
// # Hostile trees
//
// A directory storage may be shared with a service that is compromised, or
// hold what someone planted. Below the root nothing is followed if it is a
// symbolic link: on Unix every path is resolved relative to an open directory
// (openat2 with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, else one
// openat(O_NOFOLLOW) per component), files are removed and emptied
// directories pruned with unlinkat on the parent's descriptor, so a directory
// swapped for a link while a purge runs leads nowhere (ErrSymlink). The root
// may itself be a link, resolved once when the storage is opened. A session
// file is opened without following a link and without blocking, and read only
// if it is a regular file of at most MaxSessionSize bytes (ErrNotRegular,
// ErrTooLarge). On Windows paths go through os.Root instead.
//
// # Enumeration and removal
//
// Storages that can enumerate implement Walker: a streaming walk that yields
// one Entry per stored session without loading the whole set into memory.
// Directory walks its tree with a bounded pool of workers; Redis walks with
// SCAN, using only commands that do not touch a key (see Redis). Both apply
// the same filters (WalkOptions) while walking, and implement
// BatchInvalidator (removal by id) and ConditionalRemover: a purge removes
// what its walk matched only while each session is still in the state the
// walk saw (Entry.Version), so a session a live service rewrote in between is
// kept. Both report a RemoveResult that is true also when they fail half-way:
// what was removed, what had changed, what was not a session, and what is not
// known (a batch whose reply was lost).
//
// # Errors
//
// Every failure is an *Error naming the storage, the operation and the id;
// it wraps a sentinel (ErrNotFound, ErrBadID, ErrEmpty, ErrWrongType,
// ErrNotRegular, ErrSymlink, ErrTooLarge, ErrNoPrefix) or the underlying I/O
// or network error, for errors.Is and errors.As.
//
// Nothing in this package prints, logs, exits or reads the environment.
package storage
