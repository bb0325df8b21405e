package keyring

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse: a keyring text never panics Parse or building its providers; every failure is an
// *Error of a sentinel of this package; text nested deeper than MaxNesting never reaches the TOML
// decoder (Parse says ErrLimit).
func FuzzParse(f *testing.F) {
	if ex, err := os.ReadFile("../../keys.example.toml"); err == nil {
		f.Add(string(ex))
	}
	for _, s := range []string{"", "[keys.a]\nhex = \"00\"\n", "x = {a = {b = 1}}", "a.b.c = [1, [2, {c = 3}]]", "[[p.t]]\n'x.y' = \"\\\"{\"",
		"x = '''\n{{\n'''", "[keys.k]\nenv = \"V\"\nencoding = \"text\"\n"} {
		f.Add(s)
	}
	sentinels := []error{ErrNotFound, ErrRead, ErrLimit, ErrUnavailable, ErrSyntax, ErrUnknownKey, ErrKey, ErrNoProvider, ErrProvider}
	f.Fuzz(func(t *testing.T, text string) {
		kr, err := Parse("f.toml", []byte(text), Options{Getenv: func(string) string { return "deadbeef" }})
		check := func(err error) {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%T %v: not an *Error", err, err)
			}
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("%v: no sentinel", err)
		}
		if checkNesting(text) > 0 {
			if !errors.Is(err, ErrLimit) && !(len(text) > MaxKeyringSize) {
				t.Fatalf("nested too deep, but Parse: %v", err)
			}
			return
		}
		if err != nil {
			if errors.Is(err, ErrLimit) && !strings.Contains(err.Error(), "bytes, more than") {
				t.Fatalf("ErrLimit without a reason: %v", err)
			}
			check(err)
			return
		}
		for _, n := range kr.ProviderNames() {
			if _, err := kr.Provider(n); err != nil {
				check(err)
			}
		}
		kr.EncodingWarnings()
	})
}
