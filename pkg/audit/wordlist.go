package audit

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// WordlistOptions tune a dictionary run.
type WordlistOptions struct {
	Workers int // goroutines testing candidates; 0 = GOMAXPROCS
	// Progress, when set, is called from one goroutine about every Interval
	// and once at the end (Done set).
	Progress func(Progress)
	Interval time.Duration // 0 = 250ms
}

// Progress is where a dictionary run is.
type Progress struct {
	Lines      int64         // wordlist lines read
	Bytes      int64         // wordlist bytes read
	Candidates int64         // candidate keys tried (a line gives 1-3: text, hex, base64)
	Elapsed    time.Duration // since the run started
	Done       bool          // the run is over
	Stopped    bool          // it ended early: every cookie's keys were found
}

// Rate is candidates per second.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Candidates) / p.Elapsed.Seconds()
}

// maxCandidate is the longest wordlist line tried; longer lines are skipped.
const maxCandidate = 4096

const (
	batchLines = 1024
	batchBytes = 64 << 10
)

type batch struct {
	first int64 // line number of the first line
	data  []byte
	ends  []int32
}

// CrackWordlist runs a dictionary over r (one candidate a line, tried as
// its text and, when it parses as such, as hex and as base64) against the
// targets' open slots, on every core. Lines are streamed: memory stays
// flat whatever the wordlist's size. For each slot the hit on the lowest
// line wins; the run stops once every target is done. When the encryption
// key of a legacy-format cookie is found mid-run, the earlier lines are
// tried again as its sign key in a second pass if r is an io.Seeker.
func CrackWordlist(ctx context.Context, targets []*Target, r io.Reader, o WordlistOptions) (Progress, error) {
	var live []*Target
	for _, t := range targets {
		if t.Crackable() && !t.Done() {
			live = append(live, t)
		}
	}
	start := time.Now()
	p, err := wordlistPass(ctx, live, r, o, start)
	if err != nil || p.Stopped {
		return finish(p, o, start), err
	}
	// a full pass found nothing more for these slots
	var again []*Target
	for _, t := range live {
		if t.sig != nil && !t.sig.slot.found() {
			t.sig.slot.exhausted.Store(true)
		}
		if e := t.enc; e != nil {
			if !e.key.found() {
				e.key.exhausted.Store(true)
			}
			if !e.sign.found() {
				if e.pt.Load() != nil && e.ptLine.Load() > 1 {
					again = append(again, t)
				} else {
					e.sign.exhausted.Store(true)
				}
			}
		}
	}
	if s, ok := r.(io.Seeker); ok && len(again) > 0 {
		if _, err := s.Seek(0, io.SeekStart); err == nil {
			q, err := wordlistPass(ctx, again, r, o, start)
			p.Lines += q.Lines
			p.Bytes += q.Bytes
			p.Candidates += q.Candidates
			if err != nil {
				return finish(p, o, start), err
			}
		}
	}
	for _, t := range again {
		if !t.enc.sign.found() {
			t.enc.sign.exhausted.Store(true)
		}
	}
	return finish(p, o, start), nil
}

func finish(p Progress, o WordlistOptions, start time.Time) Progress {
	p.Elapsed = time.Since(start)
	p.Done = true
	if o.Progress != nil {
		o.Progress(p)
	}
	return p
}

func allDone(ts []*Target) bool {
	for _, t := range ts {
		if !t.Done() {
			return false
		}
	}
	return true
}

func wordlistPass(ctx context.Context, targets []*Target, r io.Reader, o WordlistOptions, start time.Time) (Progress, error) {
	var p Progress
	if len(targets) == 0 {
		return p, nil
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	interval := o.Interval
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *batch, workers)
	free := make(chan *batch, 2*workers+1)
	for i := 0; i < cap(free); i++ {
		free <- &batch{data: make([]byte, 0, batchBytes+maxCandidate), ends: make([]int32, 0, batchLines)}
	}
	var candidates atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(false)
			var n int64
			for b := range work {
				n += runBatch(w, b, targets)
				candidates.Add(n)
				n = 0
				free <- b
			}
		}()
	}
	br := bufio.NewReaderSize(r, 256<<10)
	var readErr error
	line := int64(0)
	last := time.Now()
	var cur *batch
	skipping := false
	for {
		if ctx.Err() != nil {
			readErr = ctx.Err()
			break
		}
		chunk, err := br.ReadSlice('\n')
		p.Bytes += int64(len(chunk))
		full := errors.Is(err, bufio.ErrBufferFull)
		if len(chunk) > 0 && !skipping {
			if cur == nil {
				select {
				case cur = <-free:
				case <-ctx.Done():
				}
				if cur == nil {
					continue
				}
				cur.first, cur.data, cur.ends = line+1, cur.data[:0], cur.ends[:0]
			}
			if full {
				skipping = true // a line longer than the buffer: not a key
			} else {
				l := trimEOL(chunk)
				if len(l) <= maxCandidate {
					cur.data = append(cur.data, l...)
				}
				cur.ends = append(cur.ends, int32(len(cur.data)))
				line++
			}
		} else if skipping && !full && len(chunk) > 0 {
			skipping = false
			if cur != nil {
				cur.ends = append(cur.ends, int32(len(cur.data))) // the long line, empty
			}
			line++
		}
		eof := err == io.EOF
		if err != nil && !eof && !full {
			readErr = &WordlistError{Line: int(line), Err: err}
			break
		}
		if cur != nil && (len(cur.ends) >= batchLines || len(cur.data) >= batchBytes || eof) {
			if len(cur.ends) > 0 {
				work <- cur
			} else {
				free <- cur
			}
			cur = nil
			if allDone(targets) {
				p.Stopped = true
				break
			}
		}
		if o.Progress != nil && time.Since(last) >= interval {
			last = time.Now()
			o.Progress(Progress{Lines: line, Bytes: p.Bytes, Candidates: candidates.Load(), Elapsed: time.Since(start)})
		}
		if eof {
			break
		}
	}
	if cur != nil {
		if len(cur.ends) > 0 && readErr == nil && !p.Stopped {
			work <- cur
		}
	}
	close(work)
	wg.Wait()
	p.Lines = line
	p.Candidates = candidates.Load()
	if !p.Stopped && allDone(targets) {
		p.Stopped = true
	}
	return p, readErr
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// runBatch tries every line of b against every target; it returns the
// number of candidates tried.
func runBatch(w *worker, b *batch, targets []*Target) int64 {
	var n int64
	var hexBuf, b64Buf [maxCandidate]byte
	startOff := int32(0)
	for i, end := range b.ends {
		l := b.data[startOff:end]
		startOff = end
		line := b.first + int64(i)
		live := w.live[:0]
		for _, t := range targets {
			if t.open(line) {
				live = append(live, t)
			}
		}
		w.live = live
		if len(live) == 0 {
			continue
		}
		forms := [3]cand{}
		nf := 0
		forms[nf] = cand{b: l, raw: l, line: line, form: "text"}
		nf++
		if h, ok := hexForm(l, hexBuf[:0]); ok {
			forms[nf] = cand{b: h, raw: l, line: line, form: "hex"}
			nf++
		}
		if d, ok := base64Form(l, b64Buf[:0]); ok {
			forms[nf] = cand{b: d, raw: l, line: line, form: "base64"}
			nf++
		}
		for f := 0; f < nf; f++ {
			c := &forms[f]
			w.next(c)
			n++
			for _, t := range live {
				w.try(t, c, tryAll)
			}
		}
	}
	return n
}

func hexForm(l, dst []byte) ([]byte, bool) {
	if len(l) < 2 || len(l)%2 != 0 {
		return nil, false
	}
	for _, c := range l {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return nil, false
		}
	}
	if cap(dst) < len(l)/2 {
		dst = make([]byte, 0, len(l)/2)
	}
	d := dst[:len(l)/2]
	if _, err := hex.Decode(d, l); err != nil {
		return nil, false
	}
	return d, true
}

func base64Form(l, dst []byte) ([]byte, bool) {
	if len(l) < 8 {
		return nil, false
	}
	url := false
	for _, c := range l {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/', c == '=':
		case c == '-' || c == '_':
			url = true
		default:
			return nil, false
		}
	}
	enc := base64.StdEncoding
	if url {
		enc = base64.URLEncoding
	}
	if l[len(l)-1] != '=' && len(l)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	if cap(dst) < enc.DecodedLen(len(l)) {
		dst = make([]byte, 0, enc.DecodedLen(len(l)))
	}
	d := dst[:enc.DecodedLen(len(l))]
	n, err := enc.Decode(d, l)
	if err != nil {
		return nil, false
	}
	return d[:n], true
}
