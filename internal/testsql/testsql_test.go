package testsql

import (
	"os"
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
