package commands

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// FuzzLineReaders: lineReader, and blockReader with every block size, give the input's lines
// exactly as splitting it at '\n' does (one '\r' before it dropped), numbered from 1, whatever
// the reads' sizes.
func FuzzLineReaders(f *testing.F) {
	for _, s := range []string{"", "a", "a\n", "a\r\nb", "\n\n\n", "\r\n\r", "x\ny\r\r\n", strings.Repeat("ab\n", 100)} {
		f.Add(s, uint8(1), false)
	}
	defer func(n int) { lineBuffer = n }(lineBuffer)
	lineBuffer = 16 // bufio's least: lines cross the buffer
	f.Fuzz(func(t *testing.T, in string, size uint8, oneByte bool) {
		var want []string
		if in != "" {
			want = strings.Split(strings.TrimSuffix(in, "\n"), "\n")
			for i := range want {
				want[i] = strings.TrimSuffix(want[i], "\r")
			}
		}
		reader := func() io.Reader {
			if oneByte {
				return iotest.OneByteReader(strings.NewReader(in))
			}
			return strings.NewReader(in)
		}
		lr := newLineReader(reader())
		var got []string
		for {
			l, n, err := lr.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != len(got)+1 {
				t.Fatalf("line numbered %d, want %d", n, len(got)+1)
			}
			got = append(got, string(l))
		}
		if !equalLines(got, want) {
			t.Fatalf("lineReader %q, want %q", got, want)
		}
		br := newBlockReader(reader(), int(size)%64+1)
		got = got[:0]
		for {
			blk, err := br.next()
			if err == io.EOF {
				break
			}
			if err != nil || blk.long || blk.first != len(got)+1 || len(blk.data) == 0 {
				t.Fatalf("block %+v %v at line %d", blk, err, len(got)+1)
			}
			for _, l := range strings.Split(strings.TrimSuffix(string(blk.data), "\n"), "\n") {
				got = append(got, strings.TrimSuffix(l, "\r"))
			}
		}
		if !equalLines(got, want) {
			t.Fatalf("blockReader %q, want %q", got, want)
		}
		// the exact reader keeps everything but the separator
		er := newExactLineReader(reader(), '\n')
		var exact []string
		for {
			l, _, err := er.next()
			if errors.Is(err, io.EOF) {
				break
			}
			exact = append(exact, string(l))
		}
		if in != "" && strings.Join(exact, "\n") != strings.TrimSuffix(in, "\n") {
			t.Fatalf("exact reader %q of %q", exact, in)
		}
	})
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzTermSafe: what termSafe returns holds nothing a terminal acts on and is valid UTF-8, it is
// idempotent and leaves text without such characters alone; jsonTermSafe keeps JSON exact.
func FuzzTermSafe(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]0;x\x07", "\u009b31m", "\xff\xfe", "Zoë \u202e", `\x1b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := termSafe(s)
		if !utf8.ValidString(out) {
			t.Fatalf("termSafe(%q) = %q: not UTF-8", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || termUnsafeRune(r) {
				t.Fatalf("termSafe(%q) = %q holds %U", s, out, r)
			}
		}
		if termSafe(out) != out {
			t.Fatalf("termSafe not idempotent on %q", s)
		}
		clean := utf8.ValidString(s)
		for _, r := range s {
			clean = clean && !(r < 0x20 || r == 0x7f || termUnsafeRune(r))
		}
		if clean && out != s {
			t.Fatalf("termSafe changed %q into %q", s, out)
		}
		b, err := marshalJSON(map[string]string{s: s})
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		want, _ := json.Marshal(map[string]string{s: s})
		var wantBack map[string]string
		json.Unmarshal(want, &wantBack)
		if len(back) != 1 || !equalMaps(back, wantBack) || !bytes.Equal([]byte(termSafe(string(b))), b) {
			t.Fatalf("marshalJSON %q of %q", b, s)
		}
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
