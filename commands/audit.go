package commands

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/audit"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
)

const (
	flagHAR      = "har"
	flagWordlist = "wordlist"
	flagWorkers  = "workers"
)

func auditCommand(env Env, u *ui) *cli.Command {
	return &cli.Command{
		Name:      "audit",
		Usage:     "security audit of session cookies: well-known and guessable keys, weak formats, cookie attributes",
		ArgsUsage: "[VALUE...|-]",
		Description: `Audits Ktor session cookies without any keyring. Each cookie (a bare value, NAME=value, a
Cookie: header or a Set-Cookie: line; '-' or no argument reads one per line from stdin; --har reads
every request and response cookie of a browser HAR export) is tried against a built-in list of
well-known secrets (the sample keys of Ktor's documentation, guides, samples and tests, empty and
all-zero keys, common text secrets), and with --wordlist against one candidate a line (as text,
and as hex or base64 when it parses so), on every core. It reports the key found and what it
allows, and flags the weaknesses of the format itself: the unkeyed digest transformer, HMAC with
MD5 or SHA-1, the legacy encrypt format (padding oracle), Ktor 3's unauthenticated IV, readable
personal data under only a MAC, long lifetimes and missing Secure/HttpOnly/SameSite.

EXAMPLES:
   sessionctl audit 'Set-Cookie: USER_SESSION=…; Path=/; HttpOnly'
   sessionctl audit --har session.har --wordlist rockyou.txt
   sessionctl audit --json - < cookies.txt | jq 'select(.key)'

EXIT STATUS:
   0  no key found and no high-severity finding
   1  a key was found or a finding is of high severity
   2  usage error (flags, unreadable or malformed input)
   3  I/O error`,
		Flags: []cli.Flag{
			jsonFlag(),
			&cli.StringFlag{Name: flagHAR, Usage: "audit every cookie of a browser HAR export `FILE` (streamed)"},
			&cli.StringFlag{Name: flagWordlist, Aliases: []string{"w"}, Usage: "also try every line of `FILE` as a key (text, hex or base64)"},
			encodingFlag("how argument and stdin values are cookie-encoded: `uri|base64|dquotes|raw` (default: $x-enc, else uri when the value has a '%'; raw = the transport value itself)"),
			&cli.IntFlag{Name: flagWorkers, Usage: "`N` goroutines for --wordlist (default: every core)"},
			&cli.StringFlag{Name: flagNow, Usage: "the clock for Expires: RFC 3339 or Unix seconds (default: now)"},
		},
		Action: func(c *cli.Context) error { return runAudit(c, env, u) },
	}
}

// auditSet holds the cookies to audit, deduplicated by value, in order of appearance.
type auditSet struct {
	opts    audit.Options
	enc     codec.Encoding // --encoding for arguments and stdin
	byValue map[string]*audit.Target
	order   []*audit.Target
	skipped int
}

func (s *auditSet) add(in audit.Input) {
	if in.Value == "" {
		s.skipped++ // a clear, or an empty cookie: nothing to audit
		return
	}
	if t, ok := s.byValue[in.Value]; ok {
		t.Seen()
		if in.SetCookie != nil {
			t.AddSetCookie(in.SetCookie)
		}
		return
	}
	t := audit.NewTarget(in, s.opts)
	s.byValue[in.Value] = t
	s.order = append(s.order, t)
}

// addText extracts the cookies of one argument or stdin line.
func (s *auditSet) addText(text, where string, u *ui) {
	if strings.TrimSpace(text) == "" {
		return
	}
	found, err := codec.Extract(text, nil)
	if err != nil {
		u.warnf("%s: %v", where, err)
		return
	}
	for _, f := range found {
		if f.Err != nil {
			u.warnf("%s: %v", where, f.Err)
			continue
		}
		s.add(audit.Input{Name: f.Name, Value: f.Raw, Source: f.Source, Where: where, SetCookie: f.SetCookie, Encoding: s.enc, Date: f.Date})
	}
}

func runAudit(c *cli.Context, env Env, u *ui) error {
	now, err := parseNow(c.String(flagNow), env.Now())
	if err != nil {
		return err
	}
	if c.Int(flagWorkers) < 0 {
		return usageErr("--%s %d: want a positive number", flagWorkers, c.Int(flagWorkers))
	}
	enc, err := parseEncodingFlag(c)
	if err != nil {
		return err
	}
	set := &auditSet{opts: audit.Options{Now: now}, enc: enc, byValue: map[string]*audit.Target{}}
	har := c.String(flagHAR)
	args := c.Args().Slice()
	if har != "" {
		f, err := os.Open(har)
		if err != nil {
			return ioErr(fmt.Errorf("--%s: %w", flagHAR, err))
		}
		err = audit.ReadHAR(f, func(hc audit.HARCookie) error {
			src := "har-" + hc.Side
			set.add(audit.Input{Name: hc.Name, Value: hc.Value, Source: src, SetCookie: hc.SetCookie, Date: hc.Date,
				Where: fmt.Sprintf("%s entry %d (%s)", har, hc.Entry, hc.Side)})
			return nil
		})
		f.Close()
		if err != nil {
			var he *audit.HARError
			if errors.As(err, &he) {
				return usageHint("export the HAR again from the browser's network panel (Save all as HAR)", "--%s %s: %v", flagHAR, har, err)
			}
			return ioErr(fmt.Errorf("--%s %s: %w", flagHAR, har, err))
		}
	}
	stdin := len(args) == 0 && har == ""
	for i, a := range args {
		if a == "-" {
			stdin = true
			continue
		}
		set.addText(a, fmt.Sprintf("argument %d", i+1), u)
	}
	if stdin {
		in, _, err := openInput(map[bool]string{true: "-", false: ""}[len(args) > 0], env.Stdin)
		if err != nil {
			if len(args) == 0 {
				return usageHint("give a cookie, '-' with cookies on stdin, or --har FILE", "no input")
			}
			return err
		}
		lr := newLineReader(in)
		for {
			line, n, err := lr.next()
			if err == io.EOF {
				break
			}
			var long *lineTooLongError
			if errors.As(err, &long) {
				u.warnf("stdin line %d: %v, skipped", n, long)
				continue
			}
			if err != nil {
				return ioErr(fmt.Errorf("stdin: %w", err))
			}
			set.addText(string(line), fmt.Sprintf("line %d", n), u)
		}
	}
	if len(set.order) == 0 {
		if har != "" {
			u.infof("%s: no cookies", har)
			return nil
		}
		return usageHint("give a cookie value, NAME=value, a Cookie: header or a Set-Cookie: line", "no cookie to audit")
	}
	for _, t := range set.order {
		t.CrackKnown()
	}
	var stats *audit.Progress
	if wl := c.String(flagWordlist); wl != "" {
		p, err := runWordlist(c, u, set.order, wl)
		if err != nil {
			return err
		}
		stats = &p
	}
	failed := false
	for _, t := range set.order {
		r := t.Report()
		if r.Failed() {
			failed = true
		}
		if c.Bool(flagJSON) {
			b, err := marshalJSON(r)
			if err != nil {
				return ioErr(err)
			}
			fmt.Fprintf(u.out, "%s\n", b)
		} else {
			renderAudit(u.out, u, r)
		}
	}
	if !c.Bool(flagJSON) {
		renderAuditSummary(u.out, u, set, stats)
	}
	if failed {
		return silentExit(ExitInvalid)
	}
	return nil
}

func runWordlist(c *cli.Context, u *ui, targets []*audit.Target, path string) (audit.Progress, error) {
	f, err := os.Open(path)
	if err != nil {
		return audit.Progress{}, ioErr(fmt.Errorf("--%s: %w", flagWordlist, err))
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	o := audit.WordlistOptions{Workers: c.Int(flagWorkers)}
	shown := false
	if u.errTTY {
		o.Progress = func(p audit.Progress) {
			if p.Done {
				if shown {
					fmt.Fprint(u.err, "\r\033[K")
				}
				return
			}
			pct := ""
			if size > 0 {
				pct = fmt.Sprintf(" %3.0f%%", 100*float64(p.Bytes)/float64(size))
			}
			fmt.Fprintf(u.err, "\r\033[Ksessionctl: wordlist%s  %s lines  %s candidates  %s/s", pct,
				humanCount(p.Lines), humanCount(p.Candidates), humanCount(int64(p.Rate())))
			shown = true
		}
	}
	ctx := c.Context
	p, err := audit.CrackWordlist(ctx, targets, f, o)
	if err != nil {
		if errors.Is(err, audit.ErrWordlist) {
			return p, ioErr(fmt.Errorf("--%s %s: %w", flagWordlist, path, err))
		}
		return p, ioErr(err)
	}
	return p, nil
}

func humanCount(n int64) string {
	switch {
	case n >= 10_000_000_000:
		return fmt.Sprintf("%.0fG", float64(n)/1e9)
	case n >= 1_000_000_000:
		return fmt.Sprintf("%.1fG", float64(n)/1e9)
	case n >= 10_000_000:
		return fmt.Sprintf("%.0fM", float64(n)/1e6)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	}
	return fmt.Sprintf("%d", n)
}

// renderAudit: one cookie's audit for people.
func renderAudit(w io.Writer, u *ui, r audit.Report) {
	st := u.st
	name := r.Name
	if name == "" {
		name = "(bare value)"
	}
	verdict := st.OK.Render("OK")
	switch {
	case r.Key != nil:
		verdict = st.Bad.Render("KEY FOUND")
	case r.Worst() == audit.High:
		verdict = st.Bad.Render("HIGH")
	case r.Worst() == audit.Medium:
		verdict = st.Warn.Render("MEDIUM")
	case r.Worst() == audit.Low:
		verdict = st.Warn.Render("LOW")
	}
	fmt.Fprintf(w, "%s  %s\n", st.Title.Render(name), verdict)
	row := func(label, value string) {
		fmt.Fprintf(w, "  %s %s\n", st.Label.Render(label), value)
	}
	where := r.Source
	if r.Where != "" {
		where += ", " + r.Where
	}
	if r.Seen > 1 {
		where += fmt.Sprintf(" (seen %d times)", r.Seen)
	}
	row("from", termSafe(where))
	row("value", st.Dim.Render(clip(r.Cookie, 100)))
	if r.Decoding != "" {
		row("decoded", fmt.Sprintf("%s %s", termSafe(r.Decoding), st.Dim.Render(clip(r.Value, 100))))
	}
	row("shape", st.Code.Render(r.Shape)+"  "+st.Dim.Render(r.ShapeInfo))
	keys := r.Keys
	if len(keys) == 0 && r.Key != nil {
		keys = []audit.FoundKey{*r.Key}
	}
	for _, k := range keys {
		row(roleLabel(k.Role), keyLine(u, k))
		fmt.Fprintf(w, "  %s %s\n", st.Label.Render(""), st.Bad.Render("allows: ")+termSafe(k.Allows))
		if k.Note != "" {
			fmt.Fprintf(w, "  %s %s\n", st.Label.Render(""), st.Warn.Render(k.Note))
		}
	}
	if r.Payload != nil {
		p := termSafe(clip(*r.Payload, 300))
		if !r.PayloadVerified {
			p += "  " + st.Dim.Render("(as the cookie shows it, unverified)")
		}
		row("payload", p)
	}
	if len(r.Findings) > 0 {
		fmt.Fprintf(w, "  %s\n", st.Label.Render("findings"))
		for _, f := range r.Findings {
			sev := fmt.Sprintf("%-6s", strings.ToUpper(f.Severity))
			switch f.Severity {
			case audit.High:
				sev = st.Bad.Render(sev)
			case audit.Medium, audit.Low:
				sev = st.Warn.Render(sev)
			default:
				sev = st.Dim.Render(sev)
			}
			fmt.Fprintf(w, "    %s %s  %s\n", sev, termSafe(f.Title), st.Dim.Render("["+f.ID+"]"))
			fmt.Fprintf(w, "           %s\n", st.Dim.Render(f.Explanation))
		}
	}
	fmt.Fprintln(w)
}

func roleLabel(role string) string {
	switch role {
	case "mac":
		return "MAC key"
	case "digest-salt":
		return "digest salt"
	case "encrypt":
		return "AES key"
	case "sign":
		return "sign key"
	}
	return role
}

func keyLine(u *ui, k audit.FoundKey) string {
	st := u.st
	var b strings.Builder
	b.WriteString(termSafe(k.Algorithm))
	if k.Format != "" {
		b.WriteString(" (" + termSafe(k.Format) + " format)")
	}
	b.WriteString("  ")
	if k.ID != "" {
		b.WriteString("well-known " + st.Key.Render(k.ID) + " ")
	} else {
		fmt.Fprintf(&b, "wordlist line %s (%s) ", st.Key.Render(fmt.Sprint(k.Line)), termSafe(k.Form))
	}
	if k.Text != "" {
		b.WriteString(st.Bad.Render(fmt.Sprintf("%q", k.Text)) + " ")
	}
	b.WriteString(st.Dim.Render("hex " + k.Hex))
	if k.ID != "" && k.Source != "" {
		b.WriteString("\n  " + st.Label.Render("") + " " + st.Dim.Render(k.Source))
	}
	return b.String()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d bytes)", len(s))
}

func renderAuditSummary(w io.Writer, u *ui, set *auditSet, p *audit.Progress) {
	st := u.st
	keys, high := 0, 0
	for _, t := range set.order {
		r := t.Report()
		if r.Key != nil {
			keys++
		}
		if r.Worst() == audit.High {
			high++
		}
	}
	line := fmt.Sprintf("%d cookies audited", len(set.order))
	if keys > 0 {
		line += ", " + st.Bad.Render(fmt.Sprintf("%d with a key found", keys))
	}
	if high > 0 {
		line += ", " + st.Bad.Render(fmt.Sprintf("%d with a high-severity finding", high))
	}
	if keys == 0 && high == 0 {
		line += ", " + st.OK.Render("no key found, nothing of high severity")
	}
	fmt.Fprintf(w, "%s %s\n", st.Title.Render("summary"), line)
	if p != nil {
		fmt.Fprintf(w, "  %s %d lines, %d candidates in %s (%s/s)\n", st.Label.Render("wordlist"), p.Lines, p.Candidates,
			p.Elapsed.Round(time.Millisecond), humanCount(int64(p.Rate())))
	}
}
