// Package sqlstore keeps sessions in a SQL table, as Ktor applications do
// through their own SessionStorage (Exposed or JDBC): PostgreSQL, MySQL or
// MariaDB, and SQLite, through database/sql.
//
// # Vocabulary
//
//	SessionStorage.write(id, value)    Store.Write (an upsert on the id)
//	SessionStorage.read(id)            Store.Read (NoSuchElementException: storage.ErrNotFound)
//	SessionStorage.invalidate(id)      Store.Invalidate
//
// # The table
//
// A Mapping names the table and its columns: the id (the primary key or a
// unique column), the value, and optionally the time of the last write
// (updated, what ages are measured on) and of expiry, each a SQL timestamp
// or epoch seconds or milliseconds (Unit). The value column may be text or
// bytes (bytea, BLOB, VARBINARY: found out at New), holding the session text
// itself or its hex or base64 (Codec). Every name is quoted for its dialect
// (the quote character doubled inside), so a name is taken exactly as
// given, case and all, and can never end the quoting; values are always
// arguments, never SQL text.
//
// # Removal only of what matched
//
// Walk yields each row with a storage.Version: a SHA-256 of the updated
// column as the server renders it as text and the stored value's MD5 as the
// server computes it (SQLite: the value). RemoveUnchanged (storage's
// ConditionalRemover) removes a batch in one transaction that locks the rows
// of its ids (SELECT … FOR UPDATE; SQLite: BEGIN IMMEDIATE), deletes those
// still at their Version and commits, so a session the application rewrote
// after it matched is kept (OutcomeChanged) and each entry's outcome is
// exact. A batch that fails before its COMMIT removed nothing; one whose
// COMMIT's answer is lost has its deleted rows reported as unknown. A
// transaction under way when the caller's context is cancelled is waited for
// (Store.Grace), so an interrupted purge knows what it removed.
//
// # Drivers
//
// New takes any *sql.DB; Open takes a store URL (ParseURL) and needs the
// driver registered by the program: github.com/jackc/pgx/v5/stdlib ("pgx"),
// github.com/go-sql-driver/mysql ("mysql"), modernc.org/sqlite ("sqlite").
//
// Nothing in this package prints, logs, exits or reads the environment.
package sqlstore
