package commands

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func runAuditCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := RunWith(Env{Args: append([]string{"sessionctl", "audit"}, args...), Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Now: func() time.Time { return time.Unix(1700000000, 0) }})
	return code, out.String(), errb.String()
}

func macValue(payload string, key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return payload + "/" + hex.EncodeToString(m.Sum(nil))
}

func TestAuditCLI(t *testing.T) {
	const payload = `{"name":"Alice","admin":false}`
	doc := macValue(payload, mustHexT(t, "6819b57a326945c1968f45236589"))
	random := macValue(payload, []byte("a random key nobody knows 12345"))
	sum := sha256.Sum256([]byte("ktor" + payload))
	digest := payload + "/" + hex.EncodeToString(sum[:])
	dir := t.TempDir()
	words := filepath.Join(dir, "words.txt")
	var wl strings.Builder
	for i := 1; i <= 5000; i++ {
		if i == 4321 {
			wl.WriteString("planted-secret\n")
		} else {
			wl.WriteString("word" + strings.Repeat("x", i%7) + strconv.Itoa(i) + "\n")
		}
	}
	if err := os.WriteFile(words, []byte(wl.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		stdin    string
		code     int
		contains []string
		absent   []string
		rows     int
	}{
		{"doc key json", []string{"--json", doc}, "", 1, []string{`"hex":"6819b57a326945c1968f45236589"`, `"id":"known-key"`}, nil, 1},
		{"random key", []string{"--json", random}, "", 0, []string{`"shape":"mac(HmacSHA256)"`}, []string{"6819b57a", `"key"`}, 1},
		{"digest", []string{"--json", digest}, "", 1, []string{"digest-transformer"}, nil, 1},
		{"wordlist", []string{"--json", "--wordlist", words, macValue(payload, []byte("planted-secret"))}, "", 1,
			[]string{`"wordlist_line":4321`, `"text":"planted-secret"`}, nil, 1},
		{"stdin dedup", []string{"--json", "-"}, doc + "\n" + doc + "\nCookie: A=" + random + "\n", 1, []string{`"seen":2`}, nil, 2},
		{"stdin without args", []string{"--json"}, random + "\n", 0, nil, nil, 1},
		{"har", []string{"--json", "--har", "testdata/audit/several.har"}, "", 1, []string{"ktor-docs-sign", `"name":"CART"`}, nil, 4},
		{"encoding raw", []string{"--json", "--encoding", "raw", macValue("a=%23i1", mustHexT(t, "6819b57a326945c1968f45236589"))}, "", 1, []string{"ktor-docs-sign"}, nil, 1},
		{"human", []string{doc}, "", 1, []string{"KEY FOUND", "ktor-docs-sign", "hex 6819b57a326945c1968f45236589", "summary"}, nil, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runAuditCLI(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, s := range tc.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(out, s) {
					t.Errorf("output has %q:\n%s", s, out)
				}
			}
			if tc.rows >= 0 {
				lines := strings.Split(strings.TrimSpace(out), "\n")
				if len(lines) != tc.rows {
					t.Errorf("%d rows, want %d:\n%s", len(lines), tc.rows, out)
				}
				for _, l := range lines {
					var m map[string]any
					if err := json.Unmarshal([]byte(l), &m); err != nil {
						t.Errorf("not JSON: %s", l)
					}
					for _, k := range []string{"cookie", "name", "shape", "findings"} {
						if _, ok := m[k]; !ok {
							t.Errorf("row lacks %q: %s", k, l)
						}
					}
				}
			}
			if errOut != "" {
				t.Errorf("stderr not empty: %s", errOut)
			}
		})
	}
}

func TestAuditCLIErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"malformed har", []string{"--har", "testdata/audit/truncated.har"}, ExitUsage, "entry 0"},
		{"missing har", []string{"--har", "testdata/audit/nope.har"}, ExitIO, "nope.har"},
		{"missing wordlist", []string{"--wordlist", "testdata/audit/nope.txt", "x/00"}, ExitIO, "nope.txt"},
		{"nothing", []string{}, ExitUsage, "no cookie"},
		{"bad flag", []string{"--nope"}, ExitUsage, "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runAuditCLI(t, "", tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.msg) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.msg)
			}
		})
	}
}

func mustHexT(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
