package commands

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sessionctl/sessionctl/internal/testsql"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/script")

// TestMain lets the test binary be the sessionctl command inside testscript scripts, so the
// end-to-end tests run the real command line, process and all.
func TestMain(m *testing.M) {
	testscript.Main(testsql.Wrap(m), map[string]func(){
		"sessionctl": func() {
			keys, err := os.ReadFile(filepath.Join(os.Getenv("SESSIONCTL_REPO"), "keys.example.toml"))
			if err != nil {
				os.Stderr.WriteString("sessionctl test binary: " + err.Error() + "\n")
				os.Exit(2)
			}
			now := time.Now
			if s := os.Getenv("SESSIONCTL_TEST_NOW"); s != "" {
				t, _ := time.Parse(time.RFC3339, s)
				now = func() time.Time { return t }
			}
			os.Exit(RunWith(Env{Args: os.Args, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
				Getenv: os.Getenv, Now: now, ExampleKeyring: keys}))
		},
	})
}

// TestScripts runs testdata/script/*.txtar: every command and flag, human and JSON output.
func TestScripts(t *testing.T) {
	repo, _ := filepath.Abs("..")
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: false,
		Cmds:                scriptCmds(),
		Condition:           scriptCondition,
		Setup: func(e *testscript.Env) error {
			e.Setenv("SESSIONCTL_REPO", repo)
			e.Setenv("NO_COLOR", "1")
			e.Setenv("SESSIONCTL_TEST_NOW", "2023-11-14T22:13:20Z")
			e.Setenv("KTOR", filepath.Join(repo, "testdata", "ktor"))
			return nil
		},
	})
}

// run executes the command line in-process into buffers.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	keys, err := os.ReadFile("../keys.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	now := time.Unix(1700000000, 0).UTC()
	code = RunWith(Env{Args: append([]string{"sessionctl"}, args...), Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if k == "NO_COLOR" {
				return "1"
			}
			return ""
		}, Now: func() time.Time { return now }, ExampleKeyring: keys})
	return code, out.String(), errb.String()
}
