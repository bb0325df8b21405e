package commands

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"

	"github.com/sessionctl/sessionctl/pkg/inspect"
)

// renderInspect: one token for people.
func renderInspect(w io.Writer, u *ui, r inspect.Result, noKeys bool) {
	st := u.st
	name := r.Name
	if name == "" {
		name = "(bare value)"
	}
	verdict := st.OK.Render("VALID")
	switch {
	case r.ErrKind == inspect.CodeUnverified || r.OK && !r.Verified:
		verdict = st.Warn.Render("UNVERIFIED")
	case !r.OK:
		verdict = st.Bad.Render("INVALID")
	case r.Expired:
		verdict = st.OK.Render("VALID") + st.Warn.Render(" · EXPIRED")
	}
	fmt.Fprintf(w, "%s  %s\n", st.Title.Render(name), verdict)
	// row: value is already safe (styled, or escaped with termSafe)
	row := func(label, value string) {
		fmt.Fprintf(w, "  %s %s\n", st.Label.Render(label), value)
	}
	if r.Provider != "" {
		k := "Ktor " + r.Ktor
		if r.KtorNote != "" {
			k += "; " + r.KtorNote
		}
		row("provider", termSafe(fmt.Sprintf("%s (%s)", r.Provider, k)))
	}
	row("source", termSafe(r.Source))
	if r.Encoding != "" {
		row("encoding", termSafe(r.Encoding))
	}
	if !r.OK && r.Error != "" && r.ErrKind != "unverified" {
		row("error", st.Bad.Render(r.Error))
	}
	if rel := r.Releases; rel != nil {
		summary := rel.Summary
		switch {
		case len(rel.Rejected) == 0:
			summary = st.OK.Render(summary)
		case len(rel.Accepted) == 0:
			summary = st.Bad.Render(summary)
		default:
			summary = st.Warn.Render(summary)
		}
		row("releases", summary)
		if len(rel.Accepted) > 0 {
			for _, rs := range rel.Rejected {
				fmt.Fprintf(w, "    %s %s\n", st.Dim.Render(rs.Releases+":"), st.Dim.Render(rs.Error))
			}
		}
	}
	if len(r.Layers) > 0 {
		fmt.Fprintf(w, "  %s\n", st.Label.Render("layers"))
		for _, l := range r.Layers {
			mark := st.OK.Render("✓")
			if !l.OK {
				mark = st.Bad.Render("✗")
			}
			desc := l.Transform
			if l.Algorithm != "" {
				desc += " " + l.Algorithm
			}
			if l.Format != "" {
				desc += " (" + l.Format + " format)"
			}
			var keys []string
			if l.Key != "" {
				keys = append(keys, "key "+st.Key.Render(l.Key))
			}
			if l.SignKey != "" {
				keys = append(keys, "sign key "+st.Key.Render(l.SignKey))
			}
			line := fmt.Sprintf("    %s %d. %s", mark, l.Step, termSafe(desc))
			if len(keys) > 0 {
				line += "  " + strings.Join(keys, ", ")
			}
			if l.Error != "" {
				line += "  " + st.Bad.Render(l.Error)
			}
			if len(l.Tried) > 0 {
				line += "  " + st.Dim.Render("tried keys: "+strings.Join(l.Tried, ", "))
			}
			fmt.Fprintln(w, line)
			for _, q := range l.Quirks {
				fmt.Fprintf(w, "       %s\n", st.Warn.Render("quirk: "+q))
			}
			for _, q := range l.Warnings {
				fmt.Fprintf(w, "       %s\n", st.Warn.Render("warning: "+q))
			}
		}
	}
	if len(r.Detected) > 0 {
		fmt.Fprintf(w, "  %s\n", st.Label.Render("structure"))
		for i, d := range r.Detected {
			chain := d.Chain
			if chain == "" {
				chain = "(none)"
			}
			fmt.Fprintf(w, "    %d. %s  %s\n", i+1, st.Code.Render(chain), st.Dim.Render(d.Description))
		}
	}
	if r.Payload != nil {
		p := termSafe(*r.Payload)
		switch {
		case !r.OK && r.ErrKind != inspect.CodeUnverified && !r.Verified:
			p += "  " + st.Bad.Render("(UNTRUSTED: the signature does not verify)")
		case !r.Verified:
			p += "  " + st.Warn.Render("(UNVERIFIED)")
		}
		row("payload", p)
	}
	if r.Format != "" {
		row("format", termSafe(r.Format))
	}
	writeFields(w, st, r.Fields)
	if r.Stored != nil {
		s := r.Stored
		switch {
		case s.Found:
			row("stored", termSafe(fmt.Sprintf("in %s: %s", s.Storage, s.Value)))
		case s.Error != "":
			row("stored", st.Bad.Render(s.Error))
		}
	}
	if c := r.Cookie; c != nil {
		var attrs []string
		if c.MaxAge != nil {
			attrs = append(attrs, fmt.Sprintf("Max-Age=%d", *c.MaxAge))
		}
		if c.ExpiresAttr != "" {
			attrs = append(attrs, "Expires="+c.ExpiresAttr)
		}
		if c.Domain != "" {
			attrs = append(attrs, "Domain="+c.Domain)
		}
		if c.Path != "" {
			attrs = append(attrs, "Path="+c.Path)
		}
		if c.Secure {
			attrs = append(attrs, "Secure")
		}
		if c.HTTPOnly {
			attrs = append(attrs, "HttpOnly")
		}
		for _, k := range sortedKeys(c.Ext) {
			if c.Ext[k] == "" {
				attrs = append(attrs, k)
			} else {
				attrs = append(attrs, k+"="+c.Ext[k])
			}
		}
		if len(attrs) > 0 {
			row("cookie", termSafe(strings.Join(attrs, "; ")))
		}
		if c.ExpiresIn != "" {
			row("expiry", termSafe(fmt.Sprintf("%s, at %s", c.ExpiresIn, c.Expires)))
		} else {
			row("expiry", "session cookie (no Max-Age or Expires)")
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  %s %s\n", st.Label.Render("note"), st.Warn.Render(n))
	}
	if noKeys && len(r.Detected) > 0 {
		fmt.Fprintf(w, "  %s %s\n", st.Label.Render("to verify"), "give the keys: --keys FILE --provider NAME, or --mac-key HEX / --encrypt-key HEX --sign-key HEX")
	}
}

// renderVerifyLine: one token, terse.
func renderVerifyLine(w io.Writer, u *ui, r inspect.Result) {
	st := u.st
	where := fmt.Sprintf("line %d", r.Line)
	if r.Name != "" {
		where += " " + r.Name
	}
	if !r.OK {
		msg := r.Error
		if r.VerifiesWith != "" {
			msg += " (provider " + r.VerifiesWith + " verifies it)"
		}
		fmt.Fprintf(w, "%s %s %s\n", st.Bad.Render("INVALID"), termSafe(where), termSafe(msg))
		return
	}
	var keys []string
	for _, l := range r.Layers {
		k := l.Transform
		if l.Key != "" {
			k += ":" + l.Key
		}
		if l.SignKey != "" {
			k += "+" + l.SignKey
		}
		keys = append(keys, k)
	}
	extra := strings.Join(keys, " ")
	if r.Format != "" {
		extra += " format=" + r.Format
	}
	if r.Expired {
		fmt.Fprintf(w, "%s %s %s\n", st.OK.Render("VALID")+st.Warn.Render(" · EXPIRED"), termSafe(where), termSafe(strings.TrimSpace(extra)))
		return
	}
	fmt.Fprintf(w, "%s   %s %s\n", st.OK.Render("VALID"), termSafe(where), termSafe(strings.TrimSpace(extra)))
}

// renderSummary: the rotation-readiness summary of verify.
func renderSummary(w io.Writer, u *ui, s *inspect.Summary) {
	st := u.st
	valid := st.OK.Render(fmt.Sprintf("%d valid", s.Valid))
	if s.Expired > 0 {
		valid += st.Warn.Render(fmt.Sprintf(" (%d expired)", s.Expired))
	}
	fmt.Fprintf(w, "\n%s %d tokens: %s, %s\n", st.Title.Render("summary"), s.Tokens,
		valid, st.Bad.Render(fmt.Sprintf("%d invalid", s.Invalid)))
	counts := func(label string, m map[string]int) {
		if len(m) == 0 {
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
		fmt.Fprintf(w, "  %s %s\n", st.Label.Render(label), termSafe(strings.Join(parts, ", ")))
	}
	counts("by key", s.ByKey)
	counts("by format", s.ByFormat)
	counts("serializer", s.BySerial)
	counts("failures", s.Failures)
	if len(s.UnusedKeys) > 0 {
		fmt.Fprintf(w, "  %s %s verified no token: safe to drop from the keyring's reads\n", st.Label.Render("ready"), termSafe(strings.Join(s.UnusedKeys, ", ")))
	}
}

// marshalJSON is json.Marshal without HTML escaping: scripts read `&` and `<` as they are.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return jsonTermSafe(bytes.TrimSuffix(b.Bytes(), []byte{'\n'})), nil
}

// writeFields prints a session's decoded fields under a "session" label as aligned name, type
// and value (JSON) columns: inspect and storage show.
func writeFields(w io.Writer, st styles, fields []inspect.Field) {
	if len(fields) == 0 {
		return
	}
	fmt.Fprintf(w, "  %s\n", st.Label.Render("session"))
	// columns by display width, not bytes: größe is 5 columns, 名前 is 4
	width, tw := 0, 0
	for _, f := range fields {
		width, tw = max(width, lipgloss.Width(termSafe(f.Name))), max(tw, lipgloss.Width(f.Type))
	}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", max(0, n-lipgloss.Width(s))) }
	for _, f := range fields {
		v := termSafe(f.Value)
		if f.Time != "" {
			v += "  " + st.Dim.Render("("+f.Time+")")
		}
		fmt.Fprintf(w, "    %s %s %s\n", pad(termSafe(f.Name), width), st.Dim.Render(pad(f.Type, tw)), v)
	}
}

// termSafe is the one sanitiser of human output: every string that reaches a terminal from a
// cookie, a token file, a HAR, a store or a keyring goes through it (every style applies it to
// what it renders, and the renderers apply it to unstyled values), so that bytes an attacker
// chose cannot drive the terminal (OSC 0 retitles it, OSC 52 writes the clipboard, CSI moves the
// cursor and recolours). It escapes, visibly and whether or not colour is on:
//   - C0 controls (tab, newline and carriage return included: a value cannot forge a line of
//     output) and DEL as \x1b, \x0a, \x7f;
//   - C1 controls U+0080–U+009F (CSI is U+009B) as \u009b;
//   - bytes that are not UTF-8 (a lone 0x9b is CSI to an 8-bit terminal) as \x9b;
//   - the bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) that
//     reorder what is shown (Trojan Source) as \u202e.
//
// Everything else, a backslash included, is left as it is, so that payloads stay readable. JSON
// output does not go through it: see jsonTermSafe.
func termSafe(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case termUnsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// termUnsafeRune: the C1 controls and the bidirectional controls (termSafe).
func termUnsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f, r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// jsonTermSafe writes as \u escapes the characters of a JSON text that encoding/json leaves raw
// and a terminal would act on (DEL, C1 and bidirectional controls; it already escapes C0 and
// replaces bytes that are not UTF-8). They can only occur inside strings, so the JSON decodes to
// exactly the same values: the output stays exact and is safe to print.
func jsonTermSafe(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r == 0x7f || termUnsafeRune(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}
