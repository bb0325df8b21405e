package commands

import (
	"errors"
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

func TestFlagError(t *testing.T) {
	app := newApp(Env{}, newUI(Env{Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Getenv: func(string) string { return "" }}))
	list := findCommand(findCommand(app.Commands, "storage").Subcommands, "list")
	for _, tc := range []struct{ in, want string }{
		{"flag provided but not defined: -older-then", "flag provided but not defined: --older-then (did you mean --older-than?)"},
		{"flag provided but not defined: -jsn", "flag provided but not defined: --jsn (did you mean --json?)"},
		{"flag provided but not defined: -nothing-like-it", "flag provided but not defined: --nothing-like-it"},
		{"flag provided but not defined: -x", "flag provided but not defined: -x"},
		{"flag needs an argument: -store", "flag --store needs a value"},
		{"flag needs an argument: -s", "flag -s needs a value"},
		{`invalid value "x" for flag -workers: parse error`, `invalid value "x" for flag --workers: parse error`},
		{"something else", "something else"},
	} {
		if got := flagError(list, errors.New(tc.in)).Error(); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if got := flagError(nil, errors.New("flag provided but not defined: -jsn")).Error(); got != "flag provided but not defined: --jsn" {
		t.Errorf("no command: %q", got)
	}
}
