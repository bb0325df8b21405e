package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// What a keyring reads is bounded before it is read: a device never ends, a FIFO blocks, a big
// file or deep TOML nesting exhausts memory and time. Each is refused with the file named.
func TestLimits(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	big := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("# padding\n"), MaxKeyringSize/10+1), 0o600); err != nil {
		t.Fatal(err)
	}
	bigKey := filepath.Join(dir, "big.key")
	if err := os.WriteFile(bigKey, bytes.Repeat([]byte("k"), MaxKeyFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	okKey := filepath.Join(dir, "ok.key")
	if err := os.WriteFile(okKey, []byte("s3cret-key-material\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	osOpts := Options{Open: osOpen, Stat: os.Stat}
	const zero = "not a regular file (a character device such as /dev/zero)"
	const fifoMsg = "not a regular file (a FIFO: reading it would wait for a writer)"
	for _, tc := range []struct {
		name, path string
		o          Options
		is         error
		msg        string
	}{
		{"/dev/zero", "/dev/zero", osOpts, ErrRead, "keys file /dev/zero: " + zero},
		// without Stat the open file is checked: a FIFO opened without blocking is no regular file
		{"/dev/zero, Open only", "/dev/zero", Options{Open: osOpen}, ErrRead, "keys file /dev/zero: " + zero},
		{"FIFO", fifo, osOpts, ErrRead, "keys file " + fifo + ": " + fifoMsg},
		{"FIFO, Open only", fifo, Options{Open: openNonBlocking}, ErrRead, "keys file " + fifo + ": " + fifoMsg},
		{"too big", big, osOpts, ErrLimit, fmt.Sprintf("keys file %s: %d bytes, more than the 256 KiB a keys file may have", big, (MaxKeyringSize/10+1)*10)},
	} {
		_, _, err := Load(tc.path, tc.o)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, tc.is) || e.Path != tc.path || err.Error() != tc.msg {
			t.Errorf("%s: %v\nwant %s (%v)", tc.name, err, tc.msg, tc.is)
		}
	}
	// key files and env values
	env := map[string]string{"BIG": strings.Repeat("a", MaxKeyFileSize+1), "HEXY": "deadbeefdeadbeef", "PFX": "hex:00ff", "TXT": "plain text"}
	o := Options{Open: osOpen, Stat: os.Stat, Getenv: func(k string) string { return env[k] }}
	enc := func(e string) string { return "\nencoding = \"" + e + "\"" }
	for _, tc := range []struct {
		name, spec string
		want       []byte
		is         error
		msg        string
	}{
		{"file /dev/zero", `file = "/dev/zero"`, nil, ErrRead, `k.toml: key "k": file /dev/zero: ` + zero},
		{"file FIFO", `file = "` + fifo + `"`, nil, ErrRead, `k.toml: key "k": file ` + fifo + `: ` + fifoMsg},
		{"file too big", `file = "` + bigKey + `"`, nil, ErrLimit, fmt.Sprintf(`k.toml: key "k": file %s: %d bytes, more than the 64 KiB a key file may have`, bigKey, MaxKeyFileSize+1)},
		{"file", `file = "` + okKey + `"`, []byte("s3cret-key-material"), nil, ""},
		{"file as base64", `file = "` + okKey + `"` + enc("base64"), nil, ErrKey, "illegal base64"},
		{"env too big", `env = "BIG"`, nil, ErrLimit, `k.toml: key "k": environment variable BIG: 65537 bytes, more than the 64 KiB a key may have`},
		{"env hex-looking, no encoding: hex (as before)", `env = "HEXY"`, []byte{0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef}, nil, ""},
		{"env hex-looking as text", `env = "HEXY"` + enc("text"), []byte("deadbeefdeadbeef"), nil, ""},
		{"env hex-looking as hex", `env = "HEXY"` + enc("hex"), []byte{0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef}, nil, ""},
		{"env prefix kept", `env = "PFX"`, []byte{0x00, 0xff}, nil, ""},
		{"env prefix is text under an encoding", `env = "PFX"` + enc("text"), []byte("hex:00ff"), nil, ""},
		{"env text as base64", `env = "TXT"` + enc("base64"), nil, ErrKey, "illegal base64"},
	} {
		kr, err := Parse("k.toml", []byte("[keys.k]\n"+tc.spec+"\n"), o)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b, err := kr.KeyBytes("k")
		if tc.is == nil {
			if err != nil || !bytes.Equal(b, tc.want) {
				t.Errorf("%s: %q %v, want %q", tc.name, b, err, tc.want)
			}
			continue
		}
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v\nwant %v: %s", tc.name, err, tc.is, tc.msg)
		}
	}
	for _, tc := range []struct{ spec, msg string }{
		{`hex = "00"` + enc("hex"), `key "k": encoding applies to env and file keys`},
		{`env = "X"` + enc("utf8"), `key "k": encoding "utf8": want text, hex or base64`},
	} {
		if _, err := Parse("k.toml", []byte("[keys.k]\n"+tc.spec+"\n"), o); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v", tc.spec, err)
		}
	}
	// the ambiguous env value is named; one with an encoding, a prefix, not hex, or unset is not
	kr, err := Parse("k.toml", []byte(`[keys.a]
env = "HEXY"
[keys.b]
env = "HEXY"
encoding = "text"
[keys.c]
env = "PFX"
[keys.d]
env = "TXT"
[keys.e]
env = "UNSET"
`), o)
	if err != nil {
		t.Fatal(err)
	}
	want := `k.toml: key "a": HEXY is read as hex (8 bytes), as it looks like hex; if the app takes it as text (System.getenv("HEXY").toByteArray(), 16 bytes), say encoding = "text"; encoding = "hex" says hex is meant`
	if w := kr.EncodingWarnings(); len(w) != 1 || w[0] != want {
		t.Errorf("EncodingWarnings %q", w)
	}
}

// TOML nested deeper than MaxNesting is refused before the decoder runs (which takes 17 s and
// 1.8 GB for 16 KB of nested inline tables); everything a keyring needs passes.
func TestNesting(t *testing.T) {
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	for _, tc := range []struct {
		name, text string
		line       int
	}{
		{"inline tables", "[keys.a]\nhex = \"00\"\nx = " + deep("{b=", "}", 4000) + "\n", 3},
		{"arrays", "x = " + deep("[", "]", 17) + "\n", 1},
		{"dotted keys", "\n" + strings.Repeat("a.", 4000) + "b = 1\n", 2},
		{"table header", "[" + strings.Repeat("a.", 20) + "b]\n", 1},
		{"header then keys", "[a.b.c.d.e.f.g.h]\nx.y.z.w.v.u.t.s.r.q = 1\n", 2},
		{"dotted key into inline tables", "a.b.c.d.e.f.g.h = {i.j.k.l.m.n.o.p = {q = {r = 1}}}\n", 1},
		{"array of inline tables", "a = [" + deep("{b=[", "]}", 9) + "]\n", 1},
	} {
		start := time.Now()
		_, err := Parse("deep.toml", []byte(tc.text), Options{})
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrLimit) || e.Line != tc.line ||
			!strings.Contains(err.Error(), fmt.Sprintf("deep.toml: line %d: nested more than 16 levels deep", tc.line)) {
			t.Errorf("%s: %v (want line %d)", tc.name, err, tc.line)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: %v: the decoder ran", tc.name, d)
		}
	}
	for _, ok := range []string{
		"[providers.P.cookie]\nextensions = { SameSite = \"Lax\", Partitioned = true }\n",
		"providers.P.cookie.extensions.SameSite = \"Lax\"\n",
		"[[providers.P.transform]]\nkeys = [\"a\", \"b\"]\nsalt = \"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r\" # a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q\n",
		"[keys.a]\ntext = '''\n{{{{{{{{{{{{{{{{{{{{\n[[[[[[[[[[[[[[[[[[\n'''\n[keys.b]\ntext = \"\\\"{{{{{{{{{{{{{{{{{{{\"\n",
		"[keys.c]\ntext = 'a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s'\n",
		"[providers.P]\nktor = 1.6\n[providers.Q]\nktor = 1.6\nx = [1.5, 2.5, {a = 1.5}]\n",
		strings.Repeat("x = {a = {b = 1}}\n", 1000),
	} {
		if line := checkNesting(ok); line != 0 {
			t.Errorf("refused at line %d:\n%s", line, ok)
		}
	}
	ex, err := os.ReadFile("../../keys.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if line := checkNesting(string(ex)); line != 0 {
		t.Errorf("keys.example.toml refused at line %d", line)
	}
}
