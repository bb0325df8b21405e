package sqlstore

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// Config is a parsed store URL: the dialect, the database/sql driver name and
// DSN, and the table mapping.
type Config struct {
	Dialect Dialect
	Driver  string // "pgx", "mysql", "sqlite": the database/sql driver the DSN is for
	DSN     string // what the driver is given: the URL without this package's parameters
	Mapping Mapping
	Where   string // the server and database, without credentials: "127.0.0.1:5432/app"
}

// params are the URL parameters this package takes; the others go to the driver.
var params = map[string]bool{
	"table": true, "id_column": true, "value_column": true, "updated_column": true,
	"updated_unit": true, "expires_column": true, "expires_unit": true, "value": true,
}

// IsURL reports whether u names a SQL store (postgres://, postgresql://,
// mysql://, sqlite:).
func IsURL(u string) bool {
	for _, p := range []string{"postgres://", "postgresql://", "mysql://", "sqlite:"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

func configErr(where string, format string, args ...any) error {
	return &storage.Error{Store: where, Op: "parse url", Err: fmt.Errorf("%w: "+format, append([]any{storage.ErrConfig}, args...)...)}
}

// ParseURL reads a store URL:
//
//	postgres://[user[:pass]@]host[:port]/db?table=T&…   (or postgresql://; the rest of the URL is pgx's)
//	mysql://[user[:pass]@]host[:port]/db?table=T&…      (a URL, made into go-sql-driver's DSN)
//	mysql://user:pass@tcp(host:port)/db?table=T&…       (go-sql-driver's own DSN form; also unix(/path))
//	sqlite:PATH?table=T&…                               (modernc.org/sqlite; PATH a file)
//
// with the mapping parameters table (required), id_column (id), value_column
// (value), updated_column, updated_unit (timestamp|s|ms), expires_column,
// expires_unit and value (text|hex|base64). Every other parameter, and the
// rest of the URL, goes to the driver as written.
func ParseURL(u string) (*Config, error) {
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return parsePostgres(u)
	case strings.HasPrefix(u, "mysql://"):
		return parseMySQL(strings.TrimPrefix(u, "mysql://"))
	case strings.HasPrefix(u, "sqlite:"):
		return parseSQLite(strings.TrimPrefix(u, "sqlite:"))
	}
	return nil, configErr("sql", "want postgres://, mysql:// or sqlite:")
}

// splitQuery takes this package's parameters out of a raw query into the table
// mapping they describe, keeping the others byte for byte in their order.
func splitQuery(where, raw string) (m Mapping, rest string, err error) {
	ours := map[string]string{}
	var keep []string
	for _, piece := range strings.Split(raw, "&") {
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		key, err1 := url.QueryUnescape(k)
		if err1 != nil || !params[key] {
			keep = append(keep, piece)
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return m, "", configErr(where, "parameter %s: %v", key, err)
		}
		if _, dup := ours[key]; dup {
			return m, "", configErr(where, "parameter %s given twice", key)
		}
		ours[key] = val
	}
	m, err = mapping(where, ours)
	return m, strings.Join(keep, "&"), err
}

func parsePostgres(u string) (*Config, error) {
	base, raw, _ := strings.Cut(u, "?")
	pu, err := url.Parse(base)
	if err != nil {
		return nil, configErr("postgres", "%v", redact(err))
	}
	where := pu.Host + pu.Path
	m, rest, err := splitQuery("postgres "+where, raw)
	if err != nil {
		return nil, err
	}
	dsn := base
	if rest != "" {
		dsn += "?" + rest
	}
	return &Config{Dialect: Postgres, Driver: "pgx", DSN: dsn, Mapping: m, Where: where}, nil
}

func parseMySQL(rest string) (*Config, error) {
	// go-sql-driver's form names the network: user:pass@tcp(host:port)/db or unix(/path)
	at := strings.LastIndex(rest, "@")
	afterAt := rest[at+1:]
	if strings.HasPrefix(afterAt, "tcp(") || strings.HasPrefix(afterAt, "unix(") ||
		strings.HasPrefix(rest, "tcp(") || strings.HasPrefix(rest, "unix(") {
		slash := strings.LastIndex(rest, "/")
		if slash < 0 {
			return nil, configErr("mysql", "DSN %q has no /database", redactDSN(rest))
		}
		head, raw, _ := strings.Cut(rest[slash:], "?")
		dsnBase := rest[:slash] + head
		cfg, err := mysql.ParseDSN(dsnBase)
		if err != nil {
			return nil, configErr("mysql", "%v", err)
		}
		where := cfg.Addr + "/" + cfg.DBName
		m, keep, err := splitQuery("mysql "+where, raw)
		if err != nil {
			return nil, err
		}
		dsn := dsnBase
		if keep != "" {
			dsn += "?" + keep
		}
		if _, err := mysql.ParseDSN(dsn); err != nil {
			return nil, configErr("mysql "+where, "%v", err)
		}
		return &Config{Dialect: MySQL, Driver: "mysql", DSN: dsn, Mapping: m, Where: where}, nil
	}
	base, raw, _ := strings.Cut(rest, "?")
	pu, err := url.Parse("mysql://" + base)
	if err != nil {
		return nil, configErr("mysql", "%v", redact(err))
	}
	host := pu.Host
	if host == "" {
		return nil, configErr("mysql", "no host: want mysql://user@host:port/db")
	}
	if pu.Port() == "" {
		host += ":3306"
	}
	db := strings.TrimPrefix(pu.Path, "/")
	where := host + "/" + db
	m, keep, err := splitQuery("mysql "+where, raw)
	if err != nil {
		return nil, err
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", host, db
	if pu.User != nil {
		cfg.User = pu.User.Username()
		cfg.Passwd, _ = pu.User.Password()
	}
	dsn := cfg.FormatDSN()
	if keep != "" {
		sep := "?"
		if strings.Contains(dsn[strings.LastIndex(dsn, "/"):], "?") {
			sep = "&"
		}
		dsn += sep + keep
	}
	if _, err := mysql.ParseDSN(dsn); err != nil {
		return nil, configErr("mysql "+where, "%v", err)
	}
	return &Config{Dialect: MySQL, Driver: "mysql", DSN: dsn, Mapping: m, Where: where}, nil
}

func parseSQLite(rest string) (*Config, error) {
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:] // sqlite:///abs/path
	}
	path, raw, _ := strings.Cut(rest, "?")
	if path == "" {
		return nil, configErr("sqlite", "no file: want sqlite:PATH?table=…")
	}
	m, keep, err := splitQuery("sqlite "+path, raw)
	if err != nil {
		return nil, err
	}
	// a live application writes the same file: wait for its locks rather than fail at once
	if !strings.Contains(keep, "busy_timeout") {
		if keep != "" {
			keep += "&"
		}
		keep += "_pragma=busy_timeout(10000)"
	}
	return &Config{Dialect: SQLite, Driver: "sqlite", DSN: path + "?" + keep, Mapping: m, Where: path}, nil
}

func mapping(where string, q map[string]string) (Mapping, error) {
	m := Mapping{
		Table: q["table"], IDColumn: q["id_column"], ValueColumn: q["value_column"],
		UpdatedColumn: q["updated_column"], ExpiresColumn: q["expires_column"],
		UpdatedUnit: Unit(q["updated_unit"]), ExpiresUnit: Unit(q["expires_unit"]), Value: Codec(q["value"]),
	}
	if m.Table == "" {
		return m, configErr(where, "no table: add table=NAME (and id_column, value_column if not id and value)")
	}
	if err := m.check(); err != nil {
		return m, &storage.Error{Store: where, Op: "parse url", Err: err}
	}
	return m, nil
}

// redact keeps a password in a URL out of a message.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func redactDSN(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at >= 0 {
		if c := strings.IndexByte(dsn[:at], ':'); c >= 0 {
			return dsn[:c] + ":xxxxx" + dsn[at:]
		}
	}
	return dsn
}

// setPassword puts pw into the DSN unless it has a password already.
func (c *Config) setPassword(pw string) error {
	switch c.Dialect {
	case Postgres:
		base, raw, _ := strings.Cut(c.DSN, "?")
		pu, err := url.Parse(base)
		if err != nil {
			return redact(err)
		}
		if pu.User == nil {
			return nil // no user in the URL: pgx takes it from PGUSER or the system user
		}
		if _, has := pu.User.Password(); has {
			return nil
		}
		pu.User = url.UserPassword(pu.User.Username(), pw)
		c.DSN = pu.String()
		if raw != "" {
			c.DSN += "?" + raw
		}
	case MySQL:
		cfg, err := mysql.ParseDSN(c.DSN)
		if err != nil {
			return err
		}
		if cfg.Passwd == "" {
			cfg.Passwd = pw
			c.DSN = cfg.FormatDSN()
		}
	}
	return nil
}
