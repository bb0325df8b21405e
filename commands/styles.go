package commands

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/mattn/go-isatty"
	"github.com/muesli/termenv"
)

// styles: every lipgloss style of the command line, built from one palette. A renderer per stream,
// so colour follows the stream actually written to.
type styles struct {
	Title, Label, Value, Dim, OK, Bad, Warn, Key, Code lipgloss.Style
	Box                                                lipgloss.Style
}

var (
	colOK   = lipgloss.AdaptiveColor{Light: "#1a7f37", Dark: "#3fb950"}
	colBad  = lipgloss.AdaptiveColor{Light: "#cf222e", Dark: "#f85149"}
	colWarn = lipgloss.AdaptiveColor{Light: "#9a6700", Dark: "#d29922"}
	colDim  = lipgloss.AdaptiveColor{Light: "#6e7781", Dark: "#8b949e"}
	colKey  = lipgloss.AdaptiveColor{Light: "#0550ae", Dark: "#79c0ff"}
	colHead = lipgloss.AdaptiveColor{Light: "#8250df", Dark: "#d2a8ff"}
)

// newStyles: every style escapes what it renders with termSafe first, so that text from a cookie,
// a store or a keyring is harmless however it is styled (and the style's own escape sequences are
// added after).
func newStyles(r *lipgloss.Renderer) styles {
	base := r.NewStyle().Transform(termSafe)
	return styles{
		Title: base.Bold(true).Foreground(colHead),
		Label: base.Foreground(colDim).Width(12),
		Value: base,
		Dim:   base.Foreground(colDim),
		OK:    base.Bold(true).Foreground(colOK),
		Bad:   base.Bold(true).Foreground(colBad),
		Warn:  base.Foreground(colWarn),
		Key:   base.Foreground(colKey),
		Code:  base.Foreground(colKey),
		Box:   base.Border(lipgloss.RoundedBorder()).BorderForeground(colDim).Padding(0, 1),
	}
}

// ui holds the output streams and their styles; all terminal output goes through it.
type ui struct {
	out, err   io.Writer
	st, est    styles
	color      bool
	errTTY     bool
	status     int
	getenv     func(string) string
	noWarnings bool
	flush      func() // --output yaml: the last document
}

func newUI(env Env) *ui {
	u := &ui{out: env.Stdout, err: env.Stderr, getenv: env.Getenv}
	stdinTTY := isTerminal(env.Stdin)
	ro := renderer(env.Stdout, env.Getenv, env.color, stdinTTY)
	re := renderer(env.Stderr, env.Getenv, env.color, stdinTTY)
	u.color = ro.ColorProfile() != termenv.Ascii
	u.st, u.est = newStyles(ro), newStyles(re)
	u.errTTY = isTerminal(env.Stderr)
	return u
}

// Colour modes of --color.
const (
	colorAuto   = "auto"
	colorAlways = "always"
	colorNever  = "never"
)

// renderer: --color never|always win; in auto mode NO_COLOR and CLICOLOR=0 turn colour off,
// CLICOLOR_FORCE turns it on, else only a terminal is coloured. The terminal is asked for its
// background colour (an OSC 11 query that waits up to 5 s for an answer that a terminal multiplexer
// or a serial console may never send) only when colour is on and both stdin and the stream are
// terminals; otherwise the background is set as dark without asking, so nothing stalls.
func renderer(w io.Writer, getenv func(string) string, mode string, stdinTTY bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	tty := isTerminal(w)
	on := tty
	switch {
	case mode == colorNever:
		on = false
	case mode == colorAlways:
		on = true
	case getenv("NO_COLOR") != "" || getenv("CLICOLOR") == "0":
		on = false
	case getenv("CLICOLOR_FORCE") != "" && getenv("CLICOLOR_FORCE") != "0":
		on = true
	}
	switch {
	case !on:
		r.SetColorProfile(termenv.Ascii)
	case !tty:
		r.SetColorProfile(termenv.ANSI256)
	}
	if !on || !tty || !stdinTTY {
		r.SetHasDarkBackground(true)
	}
	return r
}

// takeColorFlag removes --color MODE / --color=MODE from the arguments wherever it stands
// (before "--"), so that it works before and after the command name; "" when absent.
func takeColorFlag(args []string) (mode string, rest []string, err error) {
	rest = make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "--generate-bash-completion" {
			rest = append(rest, args[i:]...)
			break
		}
		switch {
		case a == "--color" || a == "-color":
			if i+1 >= len(args) {
				return "", nil, usageErr("flag --color needs a value: auto, always or never")
			}
			mode = args[i+1]
			i++
		case strings.HasPrefix(a, "--color=") || strings.HasPrefix(a, "-color="):
			_, mode, _ = strings.Cut(a, "=")
		default:
			rest = append(rest, a)
			continue
		}
		switch mode {
		case colorAuto, colorAlways, colorNever:
		default:
			return "", nil, usageErr("--color %q: want auto, always or never", mode)
		}
	}
	return mode, rest, nil
}

// isTerminal: whether w is a terminal (a tty, not merely a character device such as /dev/null).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// errorf, warnf, hintf and infof write one line on stderr; the message is escaped (termSafe): it
// quotes ids, file names and errors that come from the input.
func (u *ui) errorf(format string, a ...any) {
	fmt.Fprintf(u.err, "sessionctl: %s\n", u.est.Bad.Render("error: ")+termSafe(fmt.Sprintf(format, a...)))
}

func (u *ui) warnf(format string, a ...any) {
	fmt.Fprintf(u.err, "sessionctl: %s\n", u.est.Warn.Render("warning: ")+termSafe(fmt.Sprintf(format, a...)))
}

func (u *ui) hintf(format string, a ...any) {
	fmt.Fprintf(u.err, "sessionctl: hint: %s\n", termSafe(fmt.Sprintf(format, a...)))
}

func (u *ui) infof(format string, a ...any) {
	fmt.Fprintf(u.err, "sessionctl: %s\n", termSafe(fmt.Sprintf(format, a...)))
}
