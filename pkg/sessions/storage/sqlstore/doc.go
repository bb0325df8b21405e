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
// Walk yields each row with a Version: the updated column as the server
// renders it as text and, when the walk read it, the stored value.
// InvalidateUnchanged deletes an entry's row only where it still has that
// Version (one conditional DELETE per batch), so a session the application
// rewrote after it matched is kept; the server's count of deleted rows is
// what is reported as removed. A DELETE under way when the caller's context
// is cancelled is waited for (Store.Grace), so an interrupted purge knows
// what it removed; a batch whose connection fails is reported as unknown.
//
// # Drivers
//
// New takes any *sql.DB; Open takes a store URL (ParseURL) and needs the
// driver registered by the program: github.com/jackc/pgx/v5/stdlib ("pgx"),
// github.com/go-sql-driver/mysql ("mysql"), modernc.org/sqlite ("sqlite").
//
// Nothing in this package prints, logs, exits or reads the environment.
package sqlstore
