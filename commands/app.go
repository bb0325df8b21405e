// Package commands is the sessionctl command line: flag parsing, configuration and rendering over
// pkg/transform and pkg/sessions. One file per command; exit.go names the exit statuses; config.go
// reads the keyring strictly; render.go and styles.go hold all output.
package commands

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/keyring"
)

// Env is everything the command line touches outside itself, so tests run it into buffers.
type Env struct {
	Args           []string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	// ExampleKeyring is keys.example.toml, embedded by main: the default for --example.
	ExampleKeyring []byte

	color string // --color, taken out of Args before the app parses them
}

// Run runs the command line with the process's environment and returns the exit status.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return RunWith(Env{Args: args, Stdin: stdin, Stdout: stdout, Stderr: stderr})
}

// RunWith runs the command line in env and returns the exit status.
func RunWith(env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	mode, args, err := takeColorFlag(env.Args)
	if err != nil {
		return newUI(env).exit(err)
	}
	env.Args, env.color = args, mode
	ui := newUI(env)
	app := newApp(env, ui)
	if n := len(env.Args); n > 0 && env.Args[n-1] == "--generate-bash-completion" {
		complete(app, env.Args[:n-1], env, env.Stdout)
		return ExitOK
	}
	err = app.Run(interspersed(app, env.Args))
	if ui.flush != nil {
		ui.flush()
	}
	return ui.exit(err)
}

const exitHelp = `EXIT STATUS:
   0  ok: every token verified, every check passed
   1  an invalid token, an expired cookie (VALID · EXPIRED), a failed check or an audit finding
   2  usage or configuration error (flags, keyring file)
   3  storage or I/O error`

func newApp(env Env, ui *ui) *cli.App {
	app := &cli.App{
		Name:    "sessionctl",
		Version: version(),
		Usage:   "inspect, verify, rotate and purge the session tokens of Ktor services",
		Description: `sessionctl reads the session cookies and stored sessions of services built on Ktor's
sessions plugin (and of Go services using github.com/sessionctl/sessionctl/pkg/sessions),
byte for byte as each Ktor release from 1.0.0 to 3.5.2 writes them (--ktor 3.0.0).

   sessionctl inspect --example              the embedded example keyring and cookie
   sessionctl inspect --keys keys.toml 'Set-Cookie: USER_SESSION=…'
   sessionctl rotate --keys keys.toml tokens.txt > rotated.txt
   sessionctl storage purge --store dir:/var/lib/app/sessions --older-than 30d --yes
   sessionctl help storage purge             the help of one command (or: sessionctl storage purge --help)
   sessionctl version | man | completion bash|zsh|fish

The keyring is --keys FILE, else SESSIONCTL_KEYS, else $XDG_CONFIG_HOME/sessionctl/keys.toml
(~/.config/sessionctl/keys.toml) when that file exists.

` + exitHelp,
		Reader:                 env.Stdin,
		Writer:                 env.Stdout,
		ErrWriter:              env.Stderr,
		EnableBashCompletion:   true,
		HideHelpCommand:        true,
		UseShortOptionHandling: false,
		Suggest:                true,
		// a --set or --match value is one value, commas and all ("roles:List<String>=a,b",
		// "name=Smith, John"); a list is given by repeating the flag
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, isSub bool) error {
			return usageHint("see '"+c.Command.HelpName+" --help'", "%v", flagError(c.Command, err))
		},
		Flags: []cli.Flag{
			// taken out of the arguments by RunWith wherever it stands; listed here for --help
			&cli.StringFlag{Name: "color", Value: colorAuto, Usage: "colour: `auto|always|never` (auto: on a terminal, unless NO_COLOR or CLICOLOR=0; CLICOLOR_FORCE=1 forces it; accepted after the command too)"},
			// urfave/cli adds --help to the app only when the app has no command named "help",
			// and ours has one (helpCommand): without this, `sessionctl --help` failed with
			// "flag: help requested"
			cli.HelpFlag,
		},
		Commands: []*cli.Command{
			inspectCommand(env, ui),
			verifyCommand(env, ui),
			encodeCommand(env, ui),
			rotateCommand(env, ui),
			storageCommand(env, ui),
			keysCommand(env, ui),
			auditCommand(env, ui),
			webCommand(env, ui),
			completionCommand(),
			helpCommand(),
			versionCommand(),
			manCommand(),
		},
		CommandNotFound: func(c *cli.Context, name string) {
			// c is the context of the command whose subcommand was not found (the app's at the top)
			cmds, parent := c.App.Commands, "sessionctl"
			if c.Command != nil && len(c.Command.Subcommands) > 0 {
				cmds, parent = c.Command.Subcommands, c.Command.HelpName
			}
			ui.errorf("unknown command %q%s: see '%s --help'", name, suggestCommand(cmds, name, parent), parent)
			ui.status = ExitUsage
		},
	}
	addOutputFlags(app.Commands, ui)
	for _, c := range app.Commands {
		c.OnUsageError = app.OnUsageError
		refuseArgs(c, c.Name)
		for _, s := range c.Subcommands {
			s.OnUsageError = app.OnUsageError
			refuseArgs(s, c.Name+" "+s.Name)
		}
	}
	return app
}

// refuseArgs makes a command that takes no positional arguments (no ArgsUsage) refuse them
// (exit 2) instead of ignoring them: `storage list ID` or `keys generate mac` did what the user
// did not ask for. storage purge says what to use instead itself.
func refuseArgs(c *cli.Command, name string) {
	if strings.TrimSpace(c.ArgsUsage) != "" || c.Action == nil || name == "storage purge" {
		return
	}
	action := c.Action
	c.Action = func(ctx *cli.Context) error {
		if ctx.Args().Len() > 0 {
			return usageHint("see 'sessionctl "+name+" --help'", "%s takes no arguments (got %q)", name, ctx.Args().First())
		}
		return action(ctx)
	}
}

// exit turns a command's error into a message and an exit status (the one place that does).
func (u *ui) exit(err error) int {
	if err == nil {
		return u.status
	}
	var s silentExit
	if errors.As(err, &s) {
		return int(s)
	}
	var ee *exitError
	if errors.As(err, &ee) {
		u.errorMsg(ee.err)
		if ee.hint != "" {
			u.hintf("%s", ee.hint)
		}
		return ee.code
	}
	var ce cli.ExitCoder
	if errors.As(err, &ce) {
		if msg := err.Error(); msg != "" {
			u.errorf("%s", msg)
		}
		return ce.ExitCode()
	}
	u.errorMsg(err)
	if strings.Contains(err.Error(), "flag provided but not defined") || strings.Contains(err.Error(), "flag needs an argument") {
		return ExitUsage
	}
	return ExitUsage
}

// errorMsg prints err on stderr. A keyring syntax error ends with an excerpt of the file (lines
// and a caret): each line is sanitised on its own and printed as a line, where termSafe would
// escape the newlines of the message as a whole.
func (u *ui) errorMsg(err error) {
	var ke *keyring.Error
	if errors.As(err, &ke) && len(ke.Excerpt) > 0 {
		if msg, ok := strings.CutSuffix(err.Error(), "\n\n"+strings.Join(ke.Excerpt, "\n")); ok {
			u.errorf("%s", msg)
			fmt.Fprintln(u.err)
			for _, l := range ke.Excerpt {
				fmt.Fprintln(u.err, termSafe(l))
			}
			return
		}
	}
	u.errorf("%v", err)
}

func version() string {
	bi, _ := debug.ReadBuildInfo()
	return formatVersion(bi)
}

// interspersed moves the flags a user typed after the positional arguments of a command in front
// of them: urfave/cli v2 stops reading flags at the first positional argument, so
// `sessionctl inspect 'Set-Cookie: …' --json` would otherwise take "--json" as more cookie text.
// The command is found by its names (subcommands included); a flag takes the next argument as its
// value unless it is a boolean or written --flag=value. "--" ends the flags as usual: it and
// everything after it stay positional. Arguments that name no command, and a shell completion
// request (its marker must stay last), are left as they are.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args
	}
	var cmd *cli.Command
	cmds, i := app.Commands, 1
	for i < len(args) {
		next := findCommand(cmds, args[i])
		if next == nil {
			break
		}
		cmd, cmds, i = next, next.Subcommands, i+1
	}
	if cmd == nil {
		return args
	}
	var flags, pos, rest []string
	for j := i; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "--":
			rest = args[j:]
			j = len(args)
		case len(a) < 2 || a[0] != '-':
			pos = append(pos, a)
		default:
			flags = append(flags, a)
			if !strings.Contains(a, "=") && takesValue(cmd, strings.TrimLeft(a, "-")) && j+1 < len(args) {
				j++
				flags = append(flags, args[j])
			}
		}
	}
	if len(pos) == 0 {
		return args
	}
	out := append(append([]string{}, args[:i]...), flags...)
	if rest != nil {
		// "--" first, so that positional arguments before it stay positional too
		return append(append(append(out, "--"), pos...), rest[1:]...)
	}
	return append(out, pos...)
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue: whether the flag called name of cmd reads the next argument (every flag but the
// booleans; an unknown name is left for urfave/cli to report, without a value).
func takesValue(cmd *cli.Command, name string) bool {
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}

// flagError spells the flag package's messages the way users type flags and adds the nearest
// flag: "flag provided but not defined: -jsn" becomes "flag provided but not defined: --jsn (did
// you mean --json?)" (the wording stays: scripts look for it); "flag needs an argument: -keys"
// becomes "flag --keys needs a value"; other messages get "--" for multi-letter flag names.
func flagError(cmd *cli.Command, err error) error {
	msg := err.Error()
	dashes := func(name string) string {
		if len(name) > 1 {
			return "--" + name
		}
		return "-" + name
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimLeft(name, "-")
		return fmt.Errorf("flag provided but not defined: %s%s", dashes(name), suggestFlag(cmd, name))
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Errorf("flag %s needs a value", dashes(strings.TrimLeft(name, "-")))
	}
	if i := strings.Index(msg, " for flag -"); i >= 0 {
		rest := msg[i+len(" for flag -"):]
		name, tail, _ := strings.Cut(rest, ":")
		return fmt.Errorf("%s for flag %s:%s", msg[:i], dashes(name), tail)
	}
	return err
}

// suggestFlag names the flag of cmd that name is probably a misspelling of (at most 2 edits).
func suggestFlag(cmd *cli.Command, name string) string {
	if cmd == nil {
		return ""
	}
	best, bestD := "", 3
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if len(n) < 2 {
				continue
			}
			if d := editDistance(name, n); d < bestD {
				best, bestD = n, d
			}
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean --" + best + "?)"
}
