package webapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/commands"
)

// The page must say what the CLI says: these helpers run the real command line in-process.

const testNow = "1700000000"

var exampleKeyring = func() string {
	b, err := os.ReadFile("../../keys.example.toml")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

var exampleCookie = func() string {
	b, err := os.ReadFile("../../commands/example_cookie.txt")
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(b))
}()

// cli runs sessionctl with args (and stdin) and returns its exit status, stdout and stderr.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := commands.RunWith(commands.Env{Args: append([]string{"sessionctl"}, args...), Stdin: strings.NewReader(stdin),
		Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			if k == "NO_COLOR" {
				return "1"
			}
			return ""
		}, Now: func() time.Time { return time.Unix(1700000000, 0).UTC() }, ExampleKeyring: []byte(exampleKeyring)})
	return code, out.String(), errb.String()
}

// keysFile writes a keyring for the CLI's --keys.
func keysFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "keys.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// jsonLines splits the CLI's JSON Lines output.
func jsonLines(t *testing.T, out string) []string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		if !json.Valid([]byte(l)) {
			t.Fatalf("not JSON: %s", l)
		}
		lines = append(lines, l)
	}
	return lines
}
