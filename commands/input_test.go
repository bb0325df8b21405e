package commands

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

type readLine struct {
	n    int
	text string
	long int64 // > 0: a *lineTooLongError of this size
}

func readAllLines(t *testing.T, lr *lineReader) []readLine {
	t.Helper()
	var out []readLine
	for {
		l, n, err := lr.next()
		if err == io.EOF {
			return out
		}
		var long *lineTooLongError
		if errors.As(err, &long) {
			if long.Line != n || l != nil {
				t.Fatalf("too-long line %d reported as %d, bytes %d", n, long.Line, len(l))
			}
			out = append(out, readLine{n: n, long: long.Size})
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, readLine{n: n, text: string(l)})
	}
}

// An over-long line is one line, never cut into pieces; blank lines keep their numbers.
func TestLineReader(t *testing.T) {
	over := strings.Repeat("x", maxLine+1)
	at := strings.Repeat("y", maxLine)
	hidden := strings.Repeat("g", 17<<20) + "TOKEN"
	for _, tc := range []struct {
		name  string
		in    string
		exact bool
		sep   byte
		want  []readLine
	}{
		{"plain", "a\nb\n", false, '\n', []readLine{{1, "a", 0}, {2, "b", 0}}},
		{"no last newline", "a\nb", false, '\n', []readLine{{1, "a", 0}, {2, "b", 0}}},
		{"blank lines keep numbers", "a\n\n  \r\nb\n", false, '\n', []readLine{{1, "a", 0}, {2, "", 0}, {3, "  ", 0}, {4, "b", 0}}},
		{"crlf", "a\r\nb\r\n", false, '\n', []readLine{{1, "a", 0}, {2, "b", 0}}},
		{"empty", "", false, '\n', nil},
		{"exactly the limit", at + "\nz\n", false, '\n', []readLine{{1, at, 0}, {2, "z", 0}}},
		{"one byte over", over + "\nz\n", false, '\n', []readLine{{1, "", maxLine + 1}, {2, "z", 0}}},
		{"token hidden after 17 MiB", "a\n" + hidden + "\nb\n", false, '\n', []readLine{{1, "a", 0}, {2, "", 17<<20 + 5}, {3, "b", 0}}},
		{"over-long last line", "a\n" + over, false, '\n', []readLine{{1, "a", 0}, {2, "", maxLine + 1}}},
		{"exact keeps cr and spaces", "a\r\n b \n", true, '\n', []readLine{{1, "a\r", 0}, {2, " b ", 0}}},
		{"nul separated", "a\nb\x00c\x00\x00", true, 0, []readLine{{1, "a\nb", 0}, {2, "c", 0}, {3, "", 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// one byte per Read: every boundary of the buffer is crossed
			var r io.Reader = strings.NewReader(tc.in)
			if len(tc.in) < 1<<10 {
				r = iotest.OneByteReader(r)
			}
			lr := newLineReader(r)
			if tc.exact {
				lr = newExactLineReader(r, tc.sep)
			}
			got := readAllLines(t, lr)
			if len(got) != len(tc.want) {
				t.Fatalf("%d lines, want %d: %v", len(got), len(tc.want), summarize(got))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("line %d: got %v, want %v", i+1, summarize(got[i:i+1]), summarize(tc.want[i:i+1]))
				}
			}
		})
	}
}

func summarize(ls []readLine) string {
	var b strings.Builder
	for _, l := range ls {
		t := l.text
		if len(t) > 20 {
			t = fmt.Sprintf("%.10s…(%d)", t, len(t))
		}
		fmt.Fprintf(&b, "{%d %q long=%d} ", l.n, t, l.long)
	}
	return b.String()
}

// blockReader + streamLong give back every line whole, in order and numbered as in the input,
// whatever the block size and however the reads are cut.
func TestBlockReader(t *testing.T) {
	lines := []string{"a", "", "  ", strings.Repeat("p", 100<<10), strings.Repeat("q", maxLine),
		strings.Repeat("L", maxLine+1), "b", strings.Repeat("M", 17<<20) + "TOKEN", "",
		strings.Repeat("N", 40<<20) + "\r", "c\r", strings.Repeat("O", maxLine+100<<10), "last"}
	in := strings.Join(lines, "\n")
	for _, size := range []int{4 << 10, 1 << 20} {
		for _, oneByte := range []bool{false, true} {
			t.Run(fmt.Sprintf("block %d one-byte %v", size, oneByte), func(t *testing.T) {
				var r io.Reader = strings.NewReader(in)
				if oneByte {
					r = iotest.HalfReader(r)
				}
				br := newBlockReader(r, size)
				var got []string
				longs := map[int]bool{}
				for {
					blk, err := br.next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if blk.first != len(got)+1 {
						t.Fatalf("block starts at line %d, want %d", blk.first, len(got)+1)
					}
					if blk.long {
						var b bytes.Buffer
						n, err := br.streamLong(blk, func(p []byte) { b.Write(p) })
						if err != nil {
							t.Fatal(err)
						}
						if n <= maxLine {
							t.Errorf("line %d: long, size %d", blk.first, n)
						}
						longs[blk.first] = true
						got = append(got, b.String())
						continue
					}
					if len(blk.data) > maxLine+size {
						t.Errorf("block of %d bytes", len(blk.data))
					}
					ls := strings.Split(strings.TrimSuffix(string(blk.data), "\n"), "\n")
					got = append(got, ls...)
				}
				if len(got) != len(lines) {
					t.Fatalf("%d lines, want %d", len(got), len(lines))
				}
				for i := range lines {
					want := lines[i]
					if longs[i+1] {
						want = strings.TrimSuffix(want, "\r") // streamed lines lose their '\r' as block() trims others
					}
					if got[i] != want {
						t.Errorf("line %d: %d bytes, want %d", i+1, len(got[i]), len(want))
					}
					if len(lines[i]) > maxLine+size && !longs[i+1] {
						t.Errorf("line %d (%d bytes) came in a block", i+1, len(lines[i]))
					}
				}
			})
		}
	}
}

// The attack: a valid token hidden at the end of a 17 MiB garbage line was rotated and
// written out, and --keep-invalid wrote the line as several. Now line 2 is one invalid line, kept
// whole, and output line N is input line N (blank lines included).
func TestRotateOverlongLine(t *testing.T) {
	_, tok, _ := run(t, "", "encode", "--example", "--provider", "LEGACY_SESSION", "--set", "a=1", "--encoding", "raw")
	tok = strings.TrimSpace(tok)
	if !strings.Contains(tok, "/") {
		t.Fatalf("encode: %q", tok)
	}
	for _, form := range []struct {
		name string
		args []string
		line func(string) string
	}{
		{"bare raw (fast path)", []string{"--bare", "--encoding", "raw"}, func(s string) string { return s }},
		{"cookie pairs", nil, func(s string) string {
			return "LEGACY_SESSION=" + strings.ReplaceAll(strings.ReplaceAll(s, "%", "%25"), "/", "%2F")
		}},
	} {
		t.Run(form.name, func(t *testing.T) {
			// the garbage ends where the old reader cut the line (17 MiB from the start of the input's
			// second block): the token after it came out as a line of its own, and was rotated
			garbage := strings.Repeat("x", 17<<20-len(form.line(tok))-1)
			in := []string{form.line(tok), garbage + form.line(tok), "", "   ", form.line(tok), strings.Repeat("y", maxLine+1)}
			stdin := strings.Join(in, "\n") + "\n"
			args := append([]string{"rotate", "--example", "--provider", "LEGACY_SESSION"}, form.args...)

			code, out, errOut := run(t, stdin, args...)
			if code != ExitInvalid {
				t.Fatalf("exit %d, stderr %s", code, clipT(errOut))
			}
			outLines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(outLines) != 2 || len(out) > 1000 {
				t.Errorf("without --keep-invalid: %d output lines (%d bytes), want the 2 rotated tokens", len(outLines), len(out))
			}
			for _, w := range []string{fmt.Sprintf("line 2: %d bytes, longer than the 16 MiB", len(in[1])), "line 6: 16777217 bytes", "4 lines: 2 rotated, 2 invalid"} {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, clipT(errOut))
				}
			}

			code, out, errOut = run(t, stdin, append(args, "--keep-invalid")...)
			if code != ExitInvalid {
				t.Fatalf("exit %d, stderr %s", code, clipT(errOut))
			}
			outLines = strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(outLines) != len(in) {
				t.Fatalf("--keep-invalid: %d output lines, want %d (input line N = output line N)", len(outLines), len(in))
			}
			for _, i := range []int{1, 2, 3, 5} {
				if outLines[i] != in[i] {
					t.Errorf("line %d not kept unchanged: %d bytes, want %d", i+1, len(outLines[i]), len(in[i]))
				}
			}
			if !strings.Contains(errOut, "4 lines: 2 rotated, 2 invalid (2 kept unchanged)") {
				t.Errorf("the valid lines are not rotated, or the kept count is wrong: %s", clipT(errOut))
			}

			code, out, _ = run(t, stdin, append(args, "--json")...)
			if code != ExitInvalid || strings.Count(out, `"ok":true`) != 2 || !strings.Contains(out, `longer than the 16 MiB a line may have: not a token","error_code":"too-long","line":2,"ok":false}`) {
				t.Errorf("--json: %s", clipT(out))
			}
		})
	}
}

// verify, audit and invalidate read lines with the same reader: line 2 is one invalid line.
func TestOverlongLineEverywhere(t *testing.T) {
	_, tok, _ := run(t, "", "encode", "--example", "--provider", "LEGACY_SESSION", "--set", "a=1", "--encoding", "raw")
	tok = strings.TrimSpace(tok)
	stdin := tok + "\n" + strings.Repeat("x", 17<<20) + tok + "\n" + tok + "\n"

	code, out, _ := run(t, stdin, "verify", "--example", "--provider", "LEGACY_SESSION", "--bare", "--encoding", "raw")
	if code != ExitInvalid || !strings.Contains(out, "INVALID line 2 17825864 bytes, longer than the 16 MiB") ||
		strings.Count(out, "VALID   line") != 2 || !strings.Contains(out, "VALID   line 3") {
		t.Errorf("verify: exit %d\n%s", code, clipT(out))
	}

	code, out, errOut := run(t, stdin, "audit", "-")
	if !strings.Contains(errOut, "stdin line 2: 17825864 bytes, longer than the 16 MiB") || strings.Contains(out, "line 4") {
		t.Errorf("audit: exit %d\n%s\n%s", code, clipT(out), clipT(errOut))
	}

	dir := t.TempDir()
	id := "0123456789abcdef0123456789abcdef"
	p := filepath.Join(dir, "01", "23", "45", "67", "89", "ab", "cd", "ef", "01", "23", "45", "67", "89", "ab", "cd", "ef.dat")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("a=%23i1"), 0o600); err != nil {
		t.Fatal(err)
	}
	// an id hidden at the start and at the end of an over-long line: refused, never invalidated
	code, _, errOut = run(t, id+strings.Repeat(" ", 17<<20)+id+"\n", "storage", "invalidate", "--store", "dir:"+dir)
	if code != ExitInvalid || !strings.Contains(errOut, "line 1: 17825856 bytes, longer than the 16 MiB") || !strings.Contains(errOut, "1 refused") {
		t.Errorf("invalidate: exit %d: %s", code, clipT(errOut))
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("the session named inside the over-long line was removed: %v", err)
	}
}

func clipT(s string) string {
	if len(s) > 2000 {
		return s[:2000] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// inspect reads at most 64 MiB and says so beyond, instead of inspecting the first 64 MiB as if
// they were the whole input.
func TestInspectInputBound(t *testing.T) {
	_, tok, _ := run(t, "", "encode", "--example", "--provider", "LEGACY_SESSION", "--set", "a=1", "--encoding", "raw")
	tok = strings.TrimSpace(tok)
	code, _, errOut := run(t, tok+"\n"+strings.Repeat("x", maxInspectInput), "inspect", "--example", "--provider", "LEGACY_SESSION", "--bare", "--encoding", "raw", "-")
	if code != ExitInvalid || !strings.Contains(errOut, "the input is longer than 64 MiB") {
		t.Errorf("exit %d: %s", code, clipT(errOut))
	}
	if code, out, _ := run(t, tok+"\n", "inspect", "--example", "--provider", "LEGACY_SESSION", "--bare", "--encoding", "raw", "-"); code != 0 || !strings.Contains(out, "VALID") {
		t.Errorf("exit %d: %s", code, out)
	}
}
