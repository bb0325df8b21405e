package keyring

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		kind       error
		keyID      string
		line       int
		msg        string
	}{
		{"not toml", "[keys.a]\nhex = ", ErrSyntax, "", 2, "k.toml: line 2, column 6: unexpected EOF; expected value\n\n      1 | [keys.a]\n      2 | hex = \"(hidden)\"\n               ^"},
		// the excerpt with its caret never shows key material
		{"excerpt hides keys", "[keys.a]\nhex = \"00112233\"\n[keys.b]\nbase64 = \"c2VjcmV0\"\n[providers.X\nktor = \"2\"", ErrSyntax, "", 6, "k.toml: line 6, column 13: expected '.' or ']' to end table name, but got '\\n' instead\n\n      4 | base64 = \"(hidden)\"\n      5 | [providers.X\n      6 | ktor = \"2\"\n                      ^"},
		{"wrong shape", "[providers.P]\ntransform = 3", ErrSyntax, "", 0, "k.toml: toml: line 2 (last key \"providers.P.transform\"): incompatible types: TOML value has type int64; destination has type slice"},
		{"bad ktor", "[providers.P]\nktor = true", ErrSyntax, "", 2, "k.toml: line 2, column 8: ktor: want a release such as \"3.0.0\", got true\n\n      1 | [providers.P]\n      2 | ktor = true\n                 ^^^^"},
		{"misspelt key", "[keys.a]\nhexx = \"00\"", ErrUnknownKey, "", 0, `k.toml: unknown key keys.a.hexx (did you mean "hex"?)`},
		{"misspelt provider key", "[providers.P]\ntrackr = \"id\"", ErrUnknownKey, "", 0, `k.toml: unknown key providers.P.trackr (did you mean "tracker"?)`},
		{"misspelt transform key", "[[providers.P.transform]]\ntype = \"mac\"\nkey = [\"a\"]", ErrUnknownKey, "", 0, `k.toml: unknown key providers.P.transform.key (did you mean "keys"?)`},
		{"misspelt cookie key", "[providers.P.cookie]\nmaxage = 1", ErrUnknownKey, "", 0, `k.toml: unknown key providers.P.cookie.maxage (did you mean "max_age"?)`},
		{"two unknown keys", "a = 1\nb = 2", ErrUnknownKey, "", 0, "k.toml: unknown key a, b"},
		{"two sources", "[keys.a]\nhex = \"00\"\ntext = \"x\"", ErrKey, "a", 0, `k.toml: key "a": give exactly one of hex, base64, text, env, file (found 2)`},
		{"no source", "[keys.a]", ErrKey, "a", 0, `k.toml: key "a": give exactly one of hex, base64, text, env, file (found 0)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kr, err := Parse("k.toml", []byte(tc.toml), Options{})
			if err == nil {
				t.Fatalf("no error; keyring %+v", kr)
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tc.kind) {
				t.Fatalf("%T %v: want a *Error of %v", err, err, tc.kind)
			}
			if e.Path != "k.toml" || e.KeyID != tc.keyID || e.Line != tc.line {
				t.Errorf("Path %q KeyID %q Line %d, want k.toml %q %d", e.Path, e.KeyID, e.Line, tc.keyID, tc.line)
			}
			if tc.kind == ErrSyntax && tc.line > 0 && e.Column == 0 {
				t.Errorf("Column 0 for a syntax error at line %d", tc.line)
			}
			if err.Error() != tc.msg {
				t.Errorf("message\n got %s\nwant %s", err, tc.msg)
			}
		})
	}
}

func TestKeyMaterial(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	textFile := write("text", []byte("s3cret\r\n"))
	binFile := write("bin", []byte{0xff, 0x00, '\n'})
	env := map[string]string{"HEX": "hex:0aff", "B64": "base64:AAE=", "TEXT": "text:0aff", "BARE_HEX": "0aff", "BARE_TEXT": "0af", "ONE": "a"}
	toml := func(spec string) string { return "[keys.k]\n" + spec + "\n" }
	for _, tc := range []struct {
		name, spec string
		opts       Options
		want       []byte
		err        string // the message; with Options{} a nil Getenv/Open
		is         error
	}{
		{"hex", `hex = " 0aFF "`, Options{}, []byte{0x0a, 0xff}, "", nil},
		{"base64", `base64 = "AAE="`, Options{}, []byte{0, 1}, "", nil},
		{"base64url unpadded", `base64 = "-_8"`, Options{}, []byte{0xfb, 0xff}, "", nil},
		{"text", `text = "0aff"`, Options{}, []byte("0aff"), "", nil},
		{"env hex:", `env = "HEX"`, Options{Getenv: mapEnv(env)}, []byte{0x0a, 0xff}, "", nil},
		{"env base64:", `env = "B64"`, Options{Getenv: mapEnv(env)}, []byte{0, 1}, "", nil},
		{"env text:", `env = "TEXT"`, Options{Getenv: mapEnv(env)}, []byte("0aff"), "", nil},
		{"env bare hex", `env = "BARE_HEX"`, Options{Getenv: mapEnv(env)}, []byte{0x0a, 0xff}, "", nil},
		{"env bare text (odd hex)", `env = "BARE_TEXT"`, Options{Getenv: mapEnv(env)}, []byte("0af"), "", nil},
		{"env one character", `env = "ONE"`, Options{Getenv: mapEnv(env)}, []byte("a"), "", nil},
		{"file: trailing end of line dropped", `file = "` + textFile + `"`, Options{Open: osOpen}, []byte("s3cret"), "", nil},
		{"file: not UTF-8, kept whole", `file = "` + binFile + `"`, Options{Open: osOpen}, []byte{0xff, 0x00, '\n'}, "", nil},
		{"bad hex", `hex = "0g"`, Options{}, nil, `k.toml: key "k": hex: encoding/hex: invalid byte: U+0067 'g'`, nil},
		{"bad base64", `base64 = "!!"`, Options{}, nil, `k.toml: key "k": base64: illegal base64 data at input byte 0`, nil},
		{"empty", `text = ""`, Options{}, nil, `k.toml: key "k": empty key material`, nil},
		{"env unset", `env = "NOPE"`, Options{Getenv: mapEnv(env)}, nil, `k.toml: key "k": environment variable NOPE is not set or empty`, nil},
		{"no environment (nil Getenv)", `env = "HEX"`, Options{}, nil, `k.toml: key "k": environment variable HEX is not set or empty`, nil},
		{"file missing", `file = "` + filepath.Join(dir, "nope") + `"`, Options{Open: osOpen}, nil,
			`k.toml: key "k": open ` + filepath.Join(dir, "nope") + `: no such file or directory`, fs.ErrNotExist},
		{"no files (nil Open)", `file = "` + textFile + `"`, Options{}, nil, `k.toml: key "k": file ` + textFile + `: reading files is not available here`, ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kr, err := Parse("k.toml", []byte(toml(tc.spec)), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			b, err := kr.KeyBytes("k")
			if tc.err != "" {
				var e *Error
				if !errors.As(err, &e) || !errors.Is(err, ErrKey) || e.KeyID != "k" {
					t.Fatalf("%T %v: want a *Error of ErrKey for key k", err, err)
				}
				if err.Error() != tc.err {
					t.Errorf("message\n got %s\nwant %s", err, tc.err)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("%v: not %v", err, tc.is)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, tc.want) {
				t.Errorf("material %x, want %x", b, tc.want)
			}
		})
	}
	kr, _ := Parse("k.toml", []byte("[keys.a]\nhex = \"00\""), Options{})
	if _, err := kr.KeyBytes("b"); !errors.Is(err, ErrKey) || err.Error() != `k.toml: key id "b" is not defined under [keys]` {
		t.Errorf("undefined key: %v", err)
	}
}

func mapEnv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// Env and file keys are read only when a provider using them is built, through the Options given:
// a provider whose key is missing does not keep another from being used.
func TestLazyMaterial(t *testing.T) {
	calls := 0
	getenv := func(k string) string {
		calls++
		return map[string]string{"GOOD": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}[k]
	}
	src := `
[keys.good]
env = "GOOD"
[keys.missing]
env = "MISSING"
[providers.A]
[[providers.A.transform]]
type = "mac"
keys = ["good"]
[providers.B]
[[providers.B.transform]]
type = "mac"
keys = ["missing"]
`
	kr, err := Parse("k.toml", []byte(src), Options{Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Fatalf("Parse read the environment %d times", calls)
	}
	if _, err := kr.Provider("A"); err != nil {
		t.Fatal(err)
	}
	_, err = kr.Provider("B")
	var e *Error
	if !errors.As(err, &e) || e.Provider != "B" || !errors.Is(err, ErrProvider) || !errors.Is(err, ErrKey) {
		t.Fatalf("%v: want ErrProvider for B caused by ErrKey", err)
	}
	if want := `k.toml: provider "B": transform #1 (mac): k.toml: key "missing": environment variable MISSING is not set or empty`; err.Error() != want {
		t.Errorf("message\n got %s\nwant %s", err, want)
	}
	if got := kr.ProviderNames(); strings.Join(got, ",") != "A,B" {
		t.Errorf("ProviderNames %v", got)
	}
	if b := kr.Built(); len(b) != 1 || b[0].Name != "A" {
		t.Errorf("Built %v, want A only", b)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.toml")
	if err := os.WriteFile(path, []byte("[keys.a]\nhex = \"00\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	osOpts := Options{Open: osOpen, Stat: os.Stat}
	kr, warns, err := Load(path, osOpts)
	if err != nil {
		t.Fatal(err)
	}
	if want := "keys file " + path + " is readable by group or others (mode 0644): chmod 600 " + path; len(warns) != 1 || warns[0] != want {
		t.Errorf("warnings %q, want %q", warns, want)
	}
	if kr.Path() != path || len(kr.Config().Keys) != 1 {
		t.Errorf("Path %q, %d keys", kr.Path(), len(kr.Config().Keys))
	}
	if _, warns, _ := Load(path, Options{Open: osOpen}); len(warns) != 0 {
		t.Errorf("no Stat: warnings %q", warns)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, warns, _ := Load(path, osOpts); len(warns) != 0 {
		t.Errorf("mode 0600: warnings %q", warns)
	}
	for _, tc := range []struct {
		name, path string
		o          Options
		is         error
		msg        string
	}{
		{"missing", filepath.Join(dir, "nope.toml"), osOpts, ErrNotFound, "keys file " + filepath.Join(dir, "nope.toml") + " does not exist"},
		{"a directory", dir, osOpts, ErrRead, "keys file " + dir + ": not a regular file (a directory)"},
		{"no files", path, Options{}, ErrUnavailable, "keys file " + path + ": reading files is not available here"},
	} {
		_, _, err := Load(tc.path, tc.o)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, tc.is) || e.Path != tc.path {
			t.Errorf("%s: %T %v: want a *Error of %v", tc.name, err, err, tc.is)
			continue
		}
		if err.Error() != tc.msg {
			t.Errorf("%s: message\n got %s\nwant %s", tc.name, err, tc.msg)
		}
	}
}

func TestProvider(t *testing.T) {
	src := `
[keys.e]
hex = "000102030405060708090a0b0c0d0e0f"
[keys.s]
hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
[providers.SESSION]
ktor = 2
serializer = "text"
storage = "dir:/tmp/x"
tracker = "id"
[[providers.SESSION.transform]]
type = "encrypt"
keys = ["e"]
sign_keys = ["s"]
[providers.SESSION.cookie]
max_age = 60
encoding = "base64"
extensions = { SameSite = "Lax", Partitioned = true, Off = false }
`
	kr, err := Parse("k.toml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := kr.Provider("SESSION")
	if err != nil {
		t.Fatal(err)
	}
	if p.Profile != "2.3.13" || !p.Version.Alias() || !p.KtorSet || p.Transport != "cookie" || p.Tracker != "id" || p.Serializer != "ktor-text" ||
		p.SerializerFormat() != serializer.FormatText || p.Storage != "dir:/tmp/x" {
		t.Errorf("provider %+v", p)
	}
	if got := p.Chain.String(); got != "encrypt(AES-128,HmacSHA256,legacy)" {
		t.Errorf("chain %s", got)
	}
	if len(p.Steps) != 1 || p.Steps[0].String() != "encrypt AES+HmacSHA256 (legacy)" {
		t.Errorf("steps %v", p.Steps)
	}
	c := p.Cookie
	if c.MaxAge != 60 || c.Encoding != codec.Base64 || len(c.Extensions) != 2 || c.Extensions[0].Name != "SameSite" ||
		*c.Extensions[0].Value != "Lax" || c.Extensions[1].Name != "Partitioned" || c.Extensions[1].Value != nil {
		t.Errorf("cookie %+v", c)
	}
	if again, _ := kr.Provider("SESSION"); again != p {
		t.Error("a provider is built once")
	}
	kr.SetIV(transform.FixedIV(make([]byte, 16)))
	q, err := kr.Provider("SESSION")
	if err != nil || q == p {
		t.Fatalf("SetIV: the provider is built again (%v)", err)
	}
	if w1, _ := q.Chain.Write("x"); w1 != mustWrite(t, q, "x") {
		t.Error("a fixed IV writes the same value twice")
	}
	one, _, err := q.BuildTransformer(q.Specs()[0])
	if err != nil || one.Kind() != "encrypt" {
		t.Fatalf("BuildTransformer: %v", err)
	}

	for _, tc := range []struct{ name, src, msg string }{
		{"undefined", "[providers.A]", `k.toml: no provider "X" (defined: A)`},
		{"none at all", "", `k.toml: no [providers.X] (the file defines no providers)`},
	} {
		kr, _ := Parse("k.toml", []byte(tc.src), Options{})
		_, err := kr.Provider("X")
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrNoProvider) || e.Provider != "X" || err.Error() != tc.msg {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	for _, tc := range []struct{ name, src, msg string }{
		{"transport", "transport = \"ws\"", `transport "ws": want cookie or header`},
		{"storage without id", "storage = \"dir:/x\"", `storage is set but tracker is "value": a storage holds sessions only for tracker = "id"`},
		{"mac without keys", "[[providers.X.transform]]\ntype = \"mac\"", `transform #1 (mac): mac needs keys = ["key-id", …]`},
		{"max_age", "[providers.X.cookie]\nmax_age = -1", `cookie: max_age -1: want seconds >= 0 (0 = session cookie, "zero" = Ktor's maxAgeInSeconds = 0)`},
	} {
		kr, err := Parse("k.toml", []byte("[providers.X]\n"+tc.src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = kr.Provider("X")
		if !errors.Is(err, ErrProvider) || err.Error() != `k.toml: provider "X": `+tc.msg {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// a transformer's own refusal stays reachable
	kr, _ = Parse("k.toml", []byte("[keys.k]\nhex = \"00\"\n[providers.X]\n[[providers.X.transform]]\ntype = \"mac\"\nkeys = [\"k\"]\nalgorithm = \"HmacNOPE\""), Options{})
	_, err = kr.Provider("X")
	var ce *transform.ConfigError
	if !errors.Is(err, ErrProvider) || !errors.As(err, &ce) || !errors.Is(err, transform.ErrConfig) {
		t.Errorf("unknown algorithm: %T %v", err, err)
	}
}

func mustWrite(t *testing.T, p *Provider, v string) string {
	t.Helper()
	w, err := p.Chain.Write(v)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// FromConfig: the material given is used as is, even empty (the transformer refuses it, as
// Ktor's constructor does), and no Options are needed.
func TestFromConfig(t *testing.T) {
	h := ""
	cfg := Config{Keys: map[string]KeySpec{"mac-1": {Hex: &h}},
		Providers: map[string]ProviderSpec{"S": {Transform: []TransformSpec{{Type: "mac", Keys: []string{"mac-1"}}}}}}
	kr := FromConfig("flags", cfg, []string{"S"}, map[string][]byte{"mac-1": {}}, Options{})
	_, err := kr.Provider("S")
	if !errors.Is(err, transform.ErrConfig) || errors.Is(err, ErrKey) {
		t.Errorf("empty one-off key: %v", err)
	}
	kr = FromConfig("flags", cfg, []string{"S"}, map[string][]byte{"mac-1": bytes.Repeat([]byte{1}, 32)}, Options{})
	p, err := kr.Provider("S")
	if err != nil || p.Name != "S" || kr.Path() != "flags" {
		t.Fatalf("%v %+v", err, p)
	}
}

func osOpen(name string) (fs.File, error) { return os.Open(name) }
