package commands

import (
	"reflect"
	"strings"
	"testing"
)

func TestInterspersed(t *testing.T) {
	app := newApp(Env{}, newUI(Env{Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Getenv: func(string) string { return "" }}))
	for _, tc := range []struct{ in, want string }{
		// flags after the positional arguments move in front of them, values and all
		{"inspect COOKIE --json", "inspect --json COOKIE"},
		{"inspect COOKIE --keys k.toml --json", "inspect --keys k.toml --json COOKIE"},
		{"inspect --example COOKIE --json", "inspect --example --json COOKIE"},
		{"rotate in.txt --keys=k.toml --output out.txt", "rotate --keys=k.toml --output out.txt in.txt"},
		{"verify A B --json", "verify --json A B"},
		// subcommands are found by name
		{"storage show ID --store dir:/s --json", "storage show --store dir:/s --json ID"},
		{"storage purge --store dir:/s --older-than 30d --yes", "storage purge --store dir:/s --older-than 30d --yes"},
		// a value that looks like a flag is still the value of the flag before it
		{"inspect X --keys --json", "inspect --keys --json X"},
		// "-" (stdin) is positional; "--" keeps everything after it positional
		{"rotate - --keys k", "rotate --keys k -"},
		{"inspect A --json -- --not-a-flag", "inspect --json -- A --not-a-flag"},
		// nothing to move, unknown commands and completion requests: untouched
		{"inspect --json A", "inspect --json A"},
		{"inspect --json", "inspect --json"},
		{"nosuch A --json", "nosuch A --json"},
		{"inspect A --generate-bash-completion", "inspect A --generate-bash-completion"},
		{"", ""},
	} {
		args := append([]string{"sessionctl"}, strings.Fields(tc.in)...)
		want := append([]string{"sessionctl"}, strings.Fields(tc.want)...)
		if got := interspersed(app, args); !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, want)
		}
	}
}
