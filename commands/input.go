package commands

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// maxLine is the longest input line read whole; a longer one is reported as such and skipped.
const maxLine = 16 << 20

// lineReader yields lines of any length up to maxLine without a line-length failure ending the run.
type lineReader struct {
	r    *bufio.Reader
	n    int
	buf  []byte
	long bool // the last line was longer than maxLine
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 1<<20)}
}

// next returns the next line without its end of line, its 1-based number, and io.EOF at the end.
func (l *lineReader) next() ([]byte, int, error) {
	l.buf = l.buf[:0]
	l.long = false
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(l.buf)+len(chunk) <= maxLine {
			l.buf = append(l.buf, chunk...)
		} else {
			l.long = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && len(l.buf) == 0 && !l.long {
			return nil, l.n, io.EOF
		}
		if err != nil && err != io.EOF {
			return nil, l.n, err
		}
		l.n++
		line := bytes.TrimSuffix(l.buf, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		return line, l.n, nil
	}
}

// openInput: FILE, "-" for stdin, or stdin when no argument is given and stdin is not a terminal.
func openInput(arg string, stdin io.Reader) (io.ReadCloser, string, error) {
	if arg == "" || arg == "-" {
		if f, ok := stdin.(*os.File); ok && arg == "" {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				return nil, "", usageErr("no input: give a value, a FILE, or pipe tokens on stdin")
			}
		}
		return io.NopCloser(stdin), "stdin", nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, "", ioErr(fmt.Errorf("input: %w", err))
	}
	return f, arg, nil
}

const flagFrom = "from"

// fromFlag: --from FILE, where verify and rotate read their tokens, one per line ('-': stdin).
func fromFlag() cli.Flag {
	return &cli.StringFlag{Name: flagFrom, Aliases: []string{"f"}, Usage: "read tokens one per line from `FILE` ('-': stdin)"}
}

// hintFromFile: a token argument that names an existing file was probably meant for --from.
func hintFromFile(u *ui, arg string) {
	if len(arg) > 4096 || strings.ContainsAny(arg, "\n=;%") {
		return
	}
	if st, err := os.Stat(arg); err == nil && st.Mode().IsRegular() {
		u.hintf("%q is a file, read here as a token: did you mean --from %s?", arg, arg)
	}
}
