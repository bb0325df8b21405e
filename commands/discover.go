package commands

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/keyring"
)

// help, version, man and completion: the ways to find one's way around, all generated from the
// app's own definitions (commands added later get them too).

func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the help of a command: sessionctl help storage purge",
		ArgsUsage: "[COMMAND [SUBCOMMAND]]",
		Action: func(c *cli.Context) error {
			path := c.Args().Slice()
			if len(path) == 0 {
				return cli.ShowAppHelp(c)
			}
			cmds := c.App.Commands
			for i, name := range path {
				cmd := findCommand(cmds, name)
				if cmd == nil {
					parent := strings.Join(append([]string{"sessionctl"}, path[:i]...), " ")
					return usageHint("see '"+parent+" --help'", "unknown command %q%s", strings.Join(path[:i+1], " "), suggestCommand(cmds, name, parent))
				}
				cmds = cmd.Subcommands
			}
			return c.App.Run(append(append([]string{c.App.Name}, path...), "--help"))
		},
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version: module version, VCS revision and Go version",
		Description: `The module version is the one 'go install …@VERSION' built; a build from a checkout says
(devel). The VCS revision (and +dirty for uncommitted changes) is there when Go recorded it
(go build in a git checkout, without -buildvcs=false).`,
		Action: func(c *cli.Context) error {
			bi, _ := debug.ReadBuildInfo()
			fmt.Fprintf(c.App.Writer, "sessionctl %s (%s)\n", formatVersion(bi), runtime.Version())
			return nil
		},
	}
}

// formatVersion: the module version the binary was built from ("(devel)" for a checkout), with the
// VCS revision and +dirty when Go recorded them; "unknown" without build information.
func formatVersion(bi *debug.BuildInfo) string {
	if bi == nil {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	// a pseudo-version already carries the revision (v0.0.0-20240101000000-abcdef123456)
	if rev != "" && !strings.HasSuffix(v, rev) {
		v += " " + rev
	}
	if dirty {
		v += "+dirty"
	}
	return v
}

func manCommand() *cli.Command {
	return &cli.Command{
		Name:  "man",
		Usage: "print the manual page (roff, section 1): sessionctl man | man -l -",
		Description: `Generated from the same definitions as --help (urfave/cli's ToMan).

EXAMPLES:
   sessionctl man | man -l -
   sessionctl man > /usr/local/share/man/man1/sessionctl.1`,
		Action: func(c *cli.Context) error {
			s, err := c.App.ToManWithSection(1)
			if err != nil {
				return err
			}
			_, err = io.WriteString(c.App.Writer, s)
			return err
		},
	}
}

// suggestCommand: " (did you mean \"storage list\"?)" for the command of cmds nearest to name.
func suggestCommand(cmds []*cli.Command, name, parent string) string {
	best, bestD := "", 3
	for _, c := range cmds {
		for _, n := range c.Names() {
			d := editDistance(name, n)
			if strings.HasPrefix(n, name) && len(name) >= 2 {
				d = 1
			}
			if d < bestD {
				best, bestD = n, d
			}
		}
	}
	if best == "" {
		return ""
	}
	prefix := strings.TrimSpace(strings.TrimPrefix(parent, "sessionctl"))
	if prefix != "" {
		best = prefix + " " + best
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: `Completes commands, subcommands, flags (type -- and TAB) and the provider names of the
keyring after --provider and --to (the keyring of --keys, SESSIONCTL_KEYS or
$XDG_CONFIG_HOME/sessionctl/keys.toml).

EXAMPLES:
   source <(sessionctl completion bash)          # in ~/.bashrc
   source <(sessionctl completion zsh)           # in ~/.zshrc
   sessionctl completion fish > ~/.config/fish/completions/sessionctl.fish`,
		Action: func(c *cli.Context) error {
			switch c.Args().First() {
			case "bash", "":
				fmt.Fprint(c.App.Writer, bashCompletion)
			case "zsh":
				fmt.Fprint(c.App.Writer, zshCompletion)
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				fmt.Fprint(c.App.Writer, s+fishDynamic)
			default:
				return usageErr("completion: want bash, zsh or fish, got %q", c.Args().First())
			}
			return nil
		},
	}
}

// The shells call `sessionctl WORDS… CURRENT --generate-bash-completion`, CURRENT being the word
// under the cursor (maybe empty); complete prints one candidate a line.
const bashCompletion = `# sessionctl bash completion: source <(sessionctl completion bash)
_sessionctl_complete() {
  local cur opts
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  opts=$( "${COMP_WORDS[@]:0:$COMP_CWORD}" "${cur}" --generate-bash-completion 2>/dev/null )
  COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
  return 0
}
complete -o bashdefault -o default -F _sessionctl_complete sessionctl
`

const zshCompletion = `#compdef sessionctl
# sessionctl zsh completion: source <(sessionctl completion zsh)
_sessionctl() {
  local -a opts
  opts=("${(@f)$(${words[1,CURRENT-1]} "${words[CURRENT]}" --generate-bash-completion 2>/dev/null)}")
  if [[ -n "${opts[1]}" ]]; then
    compadd -a opts
  else
    _files
  fi
}
compdef _sessionctl sessionctl
`

// fishDynamic adds, to urfave/cli's static fish completion, the keyring's provider names.
const fishDynamic = `
# provider names from the keyring (--keys, SESSIONCTL_KEYS or $XDG_CONFIG_HOME/sessionctl/keys.toml)
function __sessionctl_dynamic
    set -l words (commandline -opc)
    $words (commandline -ct) --generate-bash-completion 2>/dev/null
end
complete -c sessionctl -l provider -s p -x -a '(__sessionctl_dynamic)'
complete -c sessionctl -l to -x -a '(__sessionctl_dynamic)'
`

// complete answers a shell's completion request: args are the words up to the cursor, the last
// one the word being completed (maybe empty), without the --generate-bash-completion marker.
func complete(app *cli.App, args []string, env Env, w io.Writer) {
	if len(args) == 0 {
		return
	}
	cur, words := args[len(args)-1], args[:len(args)-1]
	if len(words) > 0 {
		words = words[1:] // the program name
	}
	var cmd *cli.Command
	cmds := app.Commands
	for _, a := range words {
		if next := findCommand(cmds, a); next != nil && (cmd == nil || len(cmd.Subcommands) > 0) {
			cmd, cmds = next, next.Subcommands
		}
	}
	prev := ""
	if len(words) > 0 {
		prev = words[len(words)-1]
	}
	var out []string
	switch {
	case prev == "--"+flagProvider || prev == "-p" || prev == "--to":
		out = providerNames(words, env)
	case prev == "--color":
		out = []string{colorAuto, colorAlways, colorNever}
	case strings.HasPrefix(cur, "-"):
		var flags []cli.Flag
		if cmd != nil {
			flags = cmd.Flags
		} else {
			flags = app.Flags
		}
		flags = append(flags, &cli.BoolFlag{Name: "help"}, &cli.StringFlag{Name: "color"})
		seen := map[string]bool{}
		for _, f := range flags {
			_, repeat := f.(*cli.StringSliceFlag)
			used := false
			for _, n := range f.Names() {
				used = used || containsString(words, "--"+n) || containsString(words, "-"+n)
			}
			if used && !repeat {
				continue
			}
			for _, n := range f.Names() {
				if len(n) > 1 && !seen[n] {
					seen[n] = true
					out = append(out, "--"+n)
				}
			}
		}
	case cmd != nil && cmd.Name == "completion":
		out = []string{"bash", "fish", "zsh"}
	case cmd != nil && cmd.Name == "help":
		for _, c := range app.Commands {
			if !c.Hidden {
				out = append(out, c.Name)
			}
		}
	case cmd == nil || len(cmd.Subcommands) > 0:
		for _, c := range cmds {
			if !c.Hidden {
				out = append(out, c.Name)
			}
		}
	}
	sort.Strings(out)
	for _, s := range out {
		if strings.HasPrefix(s, cur) {
			fmt.Fprintln(w, s)
		}
	}
}

// providerNames: the providers of the keyring the words name (--keys FILE, --example), else of
// SESSIONCTL_KEYS or the default keyring. Nothing when none can be read: completion never fails.
func providerNames(words []string, env Env) []string {
	path := ""
	for i, a := range words {
		switch {
		case a == "--example":
			kr, err := keyring.Parse("example", env.ExampleKeyring, keyring.Options{})
			if err == nil {
				return kr.ProviderNames()
			}
		case (a == "--keys" || a == "-k") && i+1 < len(words):
			path = words[i+1]
		case strings.HasPrefix(a, "--keys="):
			path = strings.TrimPrefix(a, "--keys=")
		}
	}
	if path == "" {
		path, _ = defaultKeyring(env)
	}
	if path == "" {
		return nil
	}
	kr, _, err := keyring.Load(path, keyOptions(env))
	if err != nil {
		return nil
	}
	return kr.ProviderNames()
}
