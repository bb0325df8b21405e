package sqlstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

// TestParseURL: the mapping parameters are taken out, everything else reaches the driver as
// written (order, escapes), and the go-sql-driver DSN form is kept as it is.
func TestParseURL(t *testing.T) {
	cases := []struct {
		url, dsn, where string
		m               Mapping
	}{
		{"postgres://app:s%40cret@db:5432/app?sslmode=disable&table=sessions&application_name=x%20y",
			"postgres://app:s%40cret@db:5432/app?sslmode=disable&application_name=x%20y", "db:5432/app",
			Mapping{Table: "sessions", IDColumn: "id", ValueColumn: "value", UpdatedUnit: Timestamp, ExpiresUnit: Timestamp, Value: Text}},
		{"postgresql://db/app?table=public.session&id_column=session_id&value_column=data&updated_column=updated_at&updated_unit=ms&value=hex",
			"postgresql://db/app", "db/app",
			Mapping{Table: "public.session", IDColumn: "session_id", ValueColumn: "data", UpdatedColumn: "updated_at", UpdatedUnit: Millis, ExpiresUnit: Timestamp, Value: Hex}},
		{"mysql://root:pw@10.0.0.5/app?table=sessions&charset=utf8mb4&expires_column=exp&expires_unit=s",
			"root:pw@tcp(10.0.0.5:3306)/app?charset=utf8mb4", "10.0.0.5:3306/app",
			Mapping{Table: "sessions", IDColumn: "id", ValueColumn: "value", ExpiresColumn: "exp", UpdatedUnit: Timestamp, ExpiresUnit: Seconds, Value: Text}},
		{"mysql://root:p@ss@tcp(127.0.0.1:3307)/app?parseTime=true&table=s&value=base64",
			"root:p@ss@tcp(127.0.0.1:3307)/app?parseTime=true", "127.0.0.1:3307/app",
			Mapping{Table: "s", IDColumn: "id", ValueColumn: "value", UpdatedUnit: Timestamp, ExpiresUnit: Timestamp, Value: Base64}},
		{"mysql://app@unix(/run/mysqld/mysqld.sock)/app?table=s",
			"app@unix(/run/mysqld/mysqld.sock)/app", "/run/mysqld/mysqld.sock/app",
			Mapping{Table: "s", IDColumn: "id", ValueColumn: "value", UpdatedUnit: Timestamp, ExpiresUnit: Timestamp, Value: Text}},
		{"sqlite:/srv/app/sessions.db?table=sessions&_pragma=journal_mode(WAL)",
			"/srv/app/sessions.db?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)", "/srv/app/sessions.db",
			Mapping{Table: "sessions", IDColumn: "id", ValueColumn: "value", UpdatedUnit: Timestamp, ExpiresUnit: Timestamp, Value: Text}},
		{"sqlite:///srv/s.db?table=t&_pragma=busy_timeout(1)", "/srv/s.db?_pragma=busy_timeout(1)", "/srv/s.db",
			Mapping{Table: "t", IDColumn: "id", ValueColumn: "value", UpdatedUnit: Timestamp, ExpiresUnit: Timestamp, Value: Text}},
	}
	for _, c := range cases {
		cfg, err := ParseURL(c.url)
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		if cfg.DSN != c.dsn || cfg.Where != c.where || cfg.Mapping != c.m {
			t.Errorf("%s:\n got %q %q %+v\nwant %q %q %+v", c.url, cfg.DSN, cfg.Where, cfg.Mapping, c.dsn, c.where, c.m)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	for url, want := range map[string]string{
		"postgres://db/app":                                  "no table",
		"postgres://db/app?table=s&table=t":                  "given twice",
		"postgres://db/app?table=s&updated_unit=hours":       `unit "hours"`,
		"postgres://db/app?table=s&value=rot13":              `value="rot13"`,
		"postgres://db/app?table=a.b.c":                      "SCHEMA.NAME",
		"postgres://db/app?table=s&id_column=a.b":            "no dot",
		"postgres://db/app?table=s&value_column=id":          "named twice",
		"postgres://db/app?table=s%00x":                      "control character",
		"postgres://u:secret@db:bad/app?table=s":             "invalid port",
		"mysql:///app?table=s":                               "no host",
		"sqlite:?table=s":                                    "no file",
		"oracle://db":                                        "want postgres://",
		"mysql://root:secret@tcp(127.0.0.1:3306)/app?table=": "no table",
	} {
		_, err := ParseURL(url)
		if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, storage.ErrConfig) {
			t.Errorf("%s: %v, want %q", url, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the password is in the message: %v", url, err)
		}
	}
}

func TestParseTime(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 30, 15, 123456000, time.UTC)
	cases := []struct {
		v    any
		u    Unit
		want time.Time
	}{
		{at, Timestamp, at},
		{"2024-05-01 12:30:15.123456", Timestamp, at},
		{[]byte("2024-05-01 12:30:15.123456"), Timestamp, at},
		{"2024-05-01T12:30:15.123456Z", Timestamp, at},
		{"2024-05-01 14:30:15.123456+02", Timestamp, at},
		{"2024-05-01 14:30:15.123456+02:00", Timestamp, at},
		{int64(1714566615), Seconds, time.Unix(1714566615, 0).UTC()},
		{"1714566615123", Millis, time.UnixMilli(1714566615123).UTC()},
		{[]byte("1714566615"), Seconds, time.Unix(1714566615, 0).UTC()},
	}
	for _, c := range cases {
		got, ok, err := parseTime(c.v, c.u)
		if err != nil || !ok || !got.Equal(c.want) {
			t.Errorf("%v (%s): %v %v %v", c.v, c.u, got, ok, err)
		}
	}
	if _, ok, err := parseTime(nil, Timestamp); ok || err != nil {
		t.Error("NULL")
	}
	for _, bad := range []struct {
		v any
		u Unit
	}{{"yesterday", Timestamp}, {int64(5), Timestamp}, {"1714566615", Timestamp}, {"x", Seconds}, {at, Millis}} {
		if _, _, err := parseTime(bad.v, bad.u); err == nil {
			t.Errorf("%v (%s): no error", bad.v, bad.u)
		}
	}
}

// FuzzParseURL: any URL either parses into a mapping that passes its own checks, with names
// free of control characters, or fails with ErrConfig; never a panic.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"postgres://db/app?table=s", "mysql://u:p@tcp(h:1)/d?table=t&value=hex", "sqlite:/x?table=y&id_column=%22",
		"mysql://h/d?table=a.b", "postgres://db/app?table=%60&updated_unit=ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		c, err := ParseURL(u)
		if err != nil {
			if !errors.Is(err, storage.ErrConfig) {
				t.Fatalf("%q: %v is not ErrConfig", u, err)
			}
			return
		}
		m := c.Mapping
		if err := m.check(); err != nil || m != c.Mapping {
			t.Fatalf("%q: mapping %+v does not check: %v", u, c.Mapping, err)
		}
		for _, d := range []Dialect{Postgres, MySQL, SQLite} {
			q := d.quote(m.Table)
			if strings.ContainsAny(q, "\x00\n\r") {
				t.Fatalf("%q: quoted %q", u, q)
			}
		}
	})
}

// FuzzParseTime: stored times are untrusted bytes; parseTime never panics and a time it
// returns is one of the accepted forms.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-05-01 12:30:15.123456", "1714566615", "2024-05-01T12:30:15Z", ""} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, u uint8) {
		unit := []Unit{Timestamp, Seconds, Millis}[int(u)%3]
		_, _, _ = parseTime(s, unit)
		_, _, _ = parseTime([]byte(s), unit)
	})
}
