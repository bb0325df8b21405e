package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// Dialect is the SQL spoken by the server.
type Dialect string

const (
	Postgres Dialect = "postgres" // PostgreSQL (pgx)
	MySQL    Dialect = "mysql"    // MySQL and MariaDB (go-sql-driver/mysql)
	SQLite   Dialect = "sqlite"   // SQLite (modernc.org/sqlite)
)

// Unit is how a time column holds its time.
type Unit string

const (
	Timestamp Unit = "timestamp" // a SQL timestamp/datetime (the default); without a zone read as UTC
	Seconds   Unit = "s"         // epoch seconds, an integer
	Millis    Unit = "ms"        // epoch milliseconds, an integer (System.currentTimeMillis())
)

// Codec is how the value column holds the session text.
type Codec string

const (
	Text   Codec = "text"   // the text itself (a text column, or its UTF-8 bytes in bytea/BLOB), the default
	Hex    Codec = "hex"    // hex of the text's UTF-8 bytes (written lower case; read in either case)
	Base64 Codec = "base64" // standard base64 with padding of the text's UTF-8 bytes
)

// Mapping says which table and columns hold the sessions.
type Mapping struct {
	Table         string // "sessions" or "schema.sessions"
	IDColumn      string // default "id"; the primary key (or a unique column)
	ValueColumn   string // default "value"
	UpdatedColumn string // optional: the time of the last write; what ages are measured on
	UpdatedUnit   Unit   // default Timestamp
	ExpiresColumn string // optional: when the session expires; reads of an expired one find nothing
	ExpiresUnit   Unit   // default Timestamp
	Value         Codec  // default Text
}

func (m *Mapping) check() error {
	if m.IDColumn == "" {
		m.IDColumn = "id"
	}
	if m.ValueColumn == "" {
		m.ValueColumn = "value"
	}
	for _, u := range []*Unit{&m.UpdatedUnit, &m.ExpiresUnit} {
		switch *u {
		case "":
			*u = Timestamp
		case Timestamp, Seconds, Millis:
		default:
			return fmt.Errorf("%w: unit %q: want timestamp, s or ms", storage.ErrConfig, string(*u))
		}
	}
	switch m.Value {
	case "":
		m.Value = Text
	case Text, Hex, Base64:
	default:
		return fmt.Errorf("%w: value=%q: want text, hex or base64", storage.ErrConfig, string(m.Value))
	}
	if m.Table == "" {
		return fmt.Errorf("%w: no table", storage.ErrConfig)
	}
	names := map[string]string{"table": m.Table, "id_column": m.IDColumn, "value_column": m.ValueColumn,
		"updated_column": m.UpdatedColumn, "expires_column": m.ExpiresColumn}
	for k, v := range names {
		if k != "table" && strings.Contains(v, ".") {
			return fmt.Errorf("%w: %s %q: a column name has no dot", storage.ErrConfig, k, v)
		}
		for _, part := range strings.Split(v, ".") {
			if err := checkIdent(part); err != nil && (v != "" || k == "table") {
				return fmt.Errorf("%w: %s %q: %v", storage.ErrConfig, k, v, err)
			}
		}
	}
	if strings.Count(m.Table, ".") > 1 {
		return fmt.Errorf("%w: table %q: want NAME or SCHEMA.NAME", storage.ErrConfig, m.Table)
	}
	cols := map[string]bool{}
	for _, c := range []string{m.IDColumn, m.ValueColumn, m.UpdatedColumn, m.ExpiresColumn} {
		if c != "" && cols[c] {
			return fmt.Errorf("%w: column %q named twice", storage.ErrConfig, c)
		}
		cols[c] = true
	}
	return nil
}

func checkIdent(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty name")
	case len(s) > 128:
		return fmt.Errorf("longer than 128 bytes")
	case !utf8.ValidString(s):
		return fmt.Errorf("not UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("control character %q", r)
		}
	}
	return nil
}

// quote quotes an identifier (a name checked by Mapping.check) for d: the
// quote character doubled inside, so no name can end the quoting.
func (d Dialect) quote(name string) string {
	q := `"`
	if d == MySQL {
		q = "`"
	}
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = q + strings.ReplaceAll(p, q, q+q) + q
	}
	return strings.Join(parts, ".")
}

// ph is the placeholder of the n-th argument (1-based).
func (d Dialect) ph(n int) string {
	if d == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// asText is the SQL of a column cast to text, for comparing what a walk saw.
func (d Dialect) asText(col string) string {
	switch d {
	case Postgres:
		return "CAST(" + col + " AS text)"
	case MySQL:
		return "CAST(" + col + " AS CHAR)"
	}
	return "CAST(" + col + " AS TEXT)"
}

// asBytes is the SQL of a column's stored bytes, compared exactly (MySQL's
// default collations ignore case; SQLite's text and blob never compare equal).
func (d Dialect) asBytes(col string, binary bool) string {
	switch d {
	case Postgres:
		if binary {
			return col
		}
		return "CAST(" + col + " AS text)"
	case MySQL:
		return "CAST(" + col + " AS BINARY)"
	}
	return "CAST(" + col + " AS BLOB)"
}

// octets is the SQL of a column's size in bytes.
func (d Dialect) octets(col string) string {
	switch d {
	case Postgres:
		return "octet_length(" + col + ")"
	case MySQL:
		return "LENGTH(" + col + ")"
	}
	return "length(CAST(" + col + " AS BLOB))"
}

// escapeLike makes a literal into a LIKE pattern matching that prefix, with
// ESCAPE '!' (a backslash means different things in MySQL's strings).
func escapeLike(prefix string) string {
	var b strings.Builder
	for _, c := range prefix {
		if c == '!' || c == '%' || c == '_' {
			b.WriteByte('!')
		}
		b.WriteRune(c)
	}
	b.WriteByte('%')
	return b.String()
}
