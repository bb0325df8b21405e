package testsql

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestServers starts both servers and runs a statement on each: the infrastructure itself works.
func TestServers(t *testing.T) {
	for _, s := range []*Server{Postgres(t), MariaDB(t)} {
		db := s.Admin(t)
		var one int
		if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("%s: %v %d", s.Kind, err, one)
		}
		db.Close()
		name := s.CreateDatabase(t, t.Name())
		d := s.Open(t, name)
		if _, err := d.Exec("CREATE TABLE x (id VARCHAR(10) PRIMARY KEY)"); err != nil {
			t.Fatalf("%s: %v", s.Kind, err)
		}
		d.Close()
	}
}

// findPGBin takes version 15 where it is, else the highest major version that has initdb.
func TestFindPGBin(t *testing.T) {
	base := t.TempDir()
	mk := func(v string, initdb bool) {
		d := filepath.Join(base, v, "bin")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if initdb {
			if err := os.WriteFile(filepath.Join(d, "initdb"), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got, want := findPGBin(base), filepath.Join(base, "15", "bin"); got != want {
		t.Errorf("nothing installed: %s, want %s", got, want)
	}
	mk("9", true)
	mk("16", true)
	mk("17", false) // a leftover directory without the server programs
	mk("tmp", true)
	if got, want := findPGBin(base), filepath.Join(base, "16", "bin"); got != want {
		t.Errorf("9 and 16: %s, want %s", got, want)
	}
	mk("15", true)
	if got, want := findPGBin(base), filepath.Join(base, "15", "bin"); got != want {
		t.Errorf("15 installed: %s, want %s", got, want)
	}
}
