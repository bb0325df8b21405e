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

// maxLine is the longest input line taken as a token (16 MiB: a browser keeps cookies of 4 KiB;
// the limit only bounds memory). A longer line is never split: it is one invalid line, reported with
// its number (lineTooLongError), and rotate --keep-invalid streams it to the output whole.
const maxLine = 16 << 20

// lineTooLongError: line Line has Size bytes (its end of line not counted), more than maxLine. The
// reader consumed it whole; the next line is the next line of the input.
type lineTooLongError struct {
	Line int
	Size int64
}

// Error does not name the line: callers say "line N: …" as for any other invalid line.
func (e *lineTooLongError) Error() string {
	return fmt.Sprintf("%d bytes, longer than the %d MiB a line may have: not a token", e.Size, maxLine>>20)
}

// lineReader yields the lines of a stream one at a time (verify, audit, storage invalidate). Memory
// is bounded by maxLine whatever the input: an over-long line is consumed and reported as a
// *lineTooLongError, never cut into pieces, and reading goes on with the next line. Blank lines are
// returned too (empty), so that the numbers are those of the input.
type lineReader struct {
	r      *bufio.Reader
	n      int
	buf    []byte
	sep    byte
	keepCR bool
}

// newLineReader reads lines ended by '\n' (or the end of the input), without the '\n' and without
// one '\r' before it.
func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, lineBuffer), sep: '\n'}
}

// lineBuffer is the read buffer of a lineReader (a variable: the fuzz test makes it small, so
// that lines cross it).
var lineBuffer = 1 << 20

// newExactLineReader reads records ended by sep ('\n', or 0 for NUL-separated input), without the
// separator and nothing else removed: a '\r' or a space is part of the record.
func newExactLineReader(r io.Reader, sep byte) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, lineBuffer), sep: sep, keepCR: true}
}

// next returns the next line, its 1-based number, and io.EOF after the last line (a last line
// without an end of line is a line). The line's bytes are valid until the next call. A line longer
// than maxLine returns nil and a *lineTooLongError carrying its number; any other error is the
// reader's.
func (l *lineReader) next() ([]byte, int, error) {
	l.buf = l.buf[:0]
	var size int64
	for {
		chunk, err := l.r.ReadSlice(l.sep)
		full := errors.Is(err, bufio.ErrBufferFull)
		if err != nil && !full && err != io.EOF {
			return nil, l.n, err
		}
		content := chunk
		if err == nil {
			content = chunk[:len(chunk)-1]
		}
		size += int64(len(content))
		if size <= maxLine {
			if need := len(l.buf) + len(content); need > cap(l.buf) && need > 2<<20 {
				// a line already past 2 MiB may go up to the limit: room for it at once, not a
				// copy per doubling
				nb := make([]byte, len(l.buf), maxLine)
				copy(nb, l.buf)
				l.buf = nb
			}
			l.buf = append(l.buf, content...)
		} else {
			l.buf = l.buf[:0] // over-long: read on to its end without holding it
		}
		if full {
			continue
		}
		if err == io.EOF && len(chunk) == 0 && size == 0 {
			return nil, l.n, io.EOF
		}
		l.n++
		if size > maxLine {
			return nil, l.n, &lineTooLongError{Line: l.n, Size: size}
		}
		line := l.buf
		if !l.keepCR {
			line = bytes.TrimSuffix(line, []byte{'\r'})
		}
		return line, l.n, nil
	}
}

// blockReader cuts a stream into blocks of whole lines of about size bytes, for workers that handle
// many lines at once (rotate). Memory is bounded by maxLine plus size: a line longer than maxLine is
// never split into blocks; it comes as a long lineBlock whose rest the caller streams (streamLong).
type blockReader struct {
	r    io.Reader
	size int
	line int    // number of the next line
	rest []byte // read but not returned yet: the start of the next line
	eof  bool
}

func newBlockReader(r io.Reader, size int) *blockReader {
	return &blockReader{r: r, size: size, line: 1}
}

// lineBlock: whole lines (each ended by '\n', but the input's last line may have none), the first
// of them numbered first. With long set, data is the start of the one line numbered first, longer
// than maxLine; its remainder is read with streamLong before the next block.
type lineBlock struct {
	data  []byte
	first int
	long  bool
}

// next returns the next block; io.EOF at the end. A block's data belongs to the caller. A line of a
// block may still be longer than maxLine (by less than size, when its end came in the same read):
// whoever takes its lines checks their length.
func (b *blockReader) next() (lineBlock, error) {
	buf := b.rest
	b.rest = nil
	nl, seen := -1, 0 // the last '\n' in buf; buf[:seen] searched
	for {
		if i := bytes.LastIndexByte(buf[seen:], '\n'); i >= 0 {
			nl = seen + i
		}
		seen = len(buf)
		if b.eof || nl >= 0 && len(buf) >= b.size {
			break
		}
		if nl < 0 && len(buf) > maxLine {
			// buf starts a line (it starts after a '\n') that is already too long: never split
			blk := lineBlock{data: buf, first: b.line, long: true}
			b.line++
			return blk, nil
		}
		if room := cap(buf) - len(buf); room == 0 || room < b.size/4 {
			// grow by a block; a line that is already two blocks long may go up to the limit,
			// so it gets the whole room at once instead of a copy per block
			c := len(buf) + b.size
			if len(buf) >= 2*b.size {
				c = max(c, maxLine+b.size)
			}
			nb := make([]byte, len(buf), c)
			copy(nb, buf)
			buf = nb
		}
		n, err := b.r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			b.eof = true
		} else if err != nil {
			return lineBlock{}, err
		}
	}
	if len(buf) == 0 {
		return lineBlock{}, io.EOF
	}
	cut := nl + 1
	if b.eof {
		cut = len(buf)
	}
	b.rest = append([]byte(nil), buf[cut:]...)
	blk := lineBlock{data: buf[:cut:cut], first: b.line}
	b.line += bytes.Count(blk.data, []byte{'\n'})
	if blk.data[cut-1] != '\n' {
		b.line++
	}
	return blk, nil
}

// streamLong passes the long line that blk starts to fn, piece by piece (blk.data first), without
// its '\n' and one '\r' before it (or before the end of the input), and returns its size (its end
// of line not counted). fn may be nil: the line is only consumed. fn must not keep a piece after it
// returns, except the first (blk.data). Afterwards next goes on with the line after.
func (b *blockReader) streamLong(blk lineBlock, fn func([]byte)) (int64, error) {
	var size int64
	cr := false // the last piece ended with a '\r', held back: the line may end right after it
	emit := func(p []byte) {
		if len(p) == 0 || fn == nil {
			return
		}
		if cr {
			fn([]byte{'\r'})
			cr = false
		}
		if p[len(p)-1] == '\r' {
			p, cr = p[:len(p)-1], true
		}
		if len(p) > 0 {
			fn(p)
		}
	}
	piece, buf := blk.data, []byte(nil)
	for {
		if i := bytes.IndexByte(piece, '\n'); i >= 0 {
			size += int64(i)
			emit(piece[:i])
			b.rest = append([]byte(nil), piece[i+1:]...)
			return size, nil
		}
		size += int64(len(piece))
		emit(piece)
		if b.eof {
			return size, nil
		}
		if buf == nil {
			buf = make([]byte, b.size)
		}
		n, err := b.r.Read(buf)
		piece = buf[:n]
		if err == io.EOF {
			b.eof = true
		} else if err != nil {
			return size, err
		}
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
