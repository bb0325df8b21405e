package commands

import (
	"fmt"
	"io"
	"os"

	"github.com/charmbracelet/lipgloss"
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
}

func newUI(env Env) *ui {
	u := &ui{out: env.Stdout, err: env.Stderr, getenv: env.Getenv}
	ro := renderer(env.Stdout, env.Getenv)
	re := renderer(env.Stderr, env.Getenv)
	u.color = ro.ColorProfile() != termenv.Ascii
	u.st, u.est = newStyles(ro), newStyles(re)
	u.errTTY = isTerminal(env.Stderr)
	return u
}

// renderer honours NO_COLOR, CLICOLOR=0 and CLICOLOR_FORCE, else colours only a terminal.
func renderer(w io.Writer, getenv func(string) string) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	switch {
	case getenv("NO_COLOR") != "" || getenv("CLICOLOR") == "0":
		r.SetColorProfile(termenv.Ascii)
	case getenv("CLICOLOR_FORCE") != "" && getenv("CLICOLOR_FORCE") != "0":
		r.SetColorProfile(termenv.ANSI256)
		r.SetHasDarkBackground(true)
	case !isTerminal(w):
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
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
