package keyring

import (
	"errors"
	"strings"
	"testing"
)

// TestStoreFields: a [providers.NAME.store] table adds its fields to the storage URL's query
// (escaped, in a fixed order); misspelt fields are refused by name; a table without a storage is
// an error.
func TestStoreFields(t *testing.T) {
	for _, c := range []struct{ storage, store, want string }{
		{`"postgres://app@db/app?sslmode=disable"`, "table = \"public.sessions\"\nvalue_column = \"data\"\nupdated_column = \"updated_at\"\nupdated_unit = \"ms\"",
			"postgres://app@db/app?sslmode=disable&table=public.sessions&value_column=data&updated_column=updated_at&updated_unit=ms"},
		{`"sqlite:/srv/app.db"`, "table = \"a&b=c\"\nvalue = \"hex\"", "sqlite:/srv/app.db?table=a%26b%3Dc&value=hex"},
		{`"redis://10.0.0.5:6379/0"`, "prefix = \"sess:\"", "redis://10.0.0.5:6379/0?prefix=sess%3A"},
		{`"redis://10.0.0.5:6379/0"`, "layout = \"hash\"\nkey = \"app:sessions\"\nvalue = \"base64\"", "redis://10.0.0.5:6379/0?value=base64&layout=hash&key=app%3Asessions"},
	} {
		src := "[providers.P]\ntracker = \"id\"\nstorage = " + c.storage + "\n[providers.P.store]\n" + c.store + "\n"
		kr, err := Parse("k.toml", []byte(src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := kr.Provider("P")
		if err != nil {
			t.Fatal(err)
		}
		if p.Storage != c.want {
			t.Errorf("storage %q, want %q", p.Storage, c.want)
		}
	}
	_, err := Parse("k.toml", []byte("[providers.P]\ntracker = \"id\"\nstorage = \"sqlite:/x\"\n[providers.P.store]\ntabel = \"s\"\n"), Options{})
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), `providers.P.store.tabel (did you mean "table"?)`) {
		t.Fatalf("misspelt: %v", err)
	}
	_, err = Parse("k.toml", []byte("[providers.P]\ntracker = \"id\"\nstorage = \"redis://h:1/0\"\n[providers.P.store]\nlayuot = \"hash\"\n"), Options{})
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), `providers.P.store.layuot (did you mean "layout"?)`) {
		t.Fatalf("misspelt: %v", err)
	}
	kr, err := Parse("k.toml", []byte("[providers.P]\ntracker = \"id\"\n[providers.P.store]\ntable = \"s\"\n"), Options{})
	if err == nil {
		_, err = kr.Provider("P")
	}
	if err == nil || !strings.Contains(err.Error(), "[store] is set but storage is not") {
		t.Fatalf("no storage: %v", err)
	}
}
