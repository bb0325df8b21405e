package commands

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"github.com/sessionctl/sessionctl/internal/fsutil"
	"github.com/sessionctl/sessionctl/pkg/inspect"
	"github.com/sessionctl/sessionctl/pkg/keyring"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

func rotateCommand(env Env, u *ui) *cli.Command {
	return &cli.Command{
		Name:      "rotate",
		Usage:     "re-sign / re-encrypt tokens from old keys to the current ones, streaming, in input order",
		ArgsUsage: "[FILE|-]",
		Description: `Reads one token per line (any form inspect takes), verifies each with any accepted key, and
rewrites it with the current keys (the first of each list). The output keeps the input's order
and form (a bare value stays bare, a Cookie: or Set-Cookie: line keeps its other parts).
--to PROVIDER rewrites into another provider's chain, serializer and cookie encoding, e.g. Ktor 2
legacy encrypt + text format into Ktor 3 current encrypt + JSON.

Invalid tokens are reported on stderr with their line number and left out (kept unchanged with
--keep-invalid); the exit status is then 1. Uses every core; memory does not grow with the input.

EXAMPLES:
   sessionctl rotate --keys keys.toml --provider USER_SESSION tokens.txt -o rotated.txt
   sessionctl rotate --keys keys.toml --provider USER_SESSION --from tokens.txt -o tokens.txt
   sessionctl rotate --keys keys.toml --provider OLD --to NEW < ktor2.txt > ktor3.txt
   sessionctl rotate --keys keys.toml --dry-run tokens.txt

` + exitHelp,
		Flags: append(keyFlags(), jsonFlag(),
			&cli.BoolFlag{Name: flagBare, Usage: "every line is a bare value, never NAME=value or a header"},
			encodingFlag("how bare values are cookie-encoded: `uri|base64|dquotes|raw` (raw = the transport value itself)"),
			&cli.StringFlag{Name: "to", Usage: "rewrite into this `PROVIDER`'s chain and format (default: the same provider)"},
			&cli.BoolFlag{Name: "keep-invalid", Usage: "keep invalid tokens unchanged in the output instead of leaving them out"},
			&cli.BoolFlag{Name: "dry-run", Usage: "verify and count only; write no tokens"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` atomically (temp file + rename) instead of stdout; a file replaced keeps its mode, a new one is 0600"},
			&cli.StringFlag{Name: "iv", Usage: "fix the encryption IV (`HEX`), for reproducible tests only"},
			&cli.IntFlag{Name: "workers", Usage: "worker goroutines (default: every core)"},
			fromFlag(),
		),
		Action: func(c *cli.Context) error { return runRotate(c, env, u) },
	}
}

type rotateStats struct {
	lines, rotated, invalid, kept int
	byKey                         map[string]int
	failures                      map[string]int
}

func (s *rotateStats) merge(o *rotateStats) {
	s.lines += o.lines
	s.rotated += o.rotated
	s.invalid += o.invalid
	s.kept += o.kept
	for k, v := range o.byKey {
		s.byKey[k] += v
	}
	for k, v := range o.failures {
		s.failures[k] += v
	}
}

func newRotateStats() *rotateStats {
	return &rotateStats{byKey: map[string]int{}, failures: map[string]int{}}
}

type rotator struct {
	a            *inspect.Analyzer
	src, dst     *keyring.Provider
	bare         bool
	enc          codec.Encoding
	keepInvalid  bool
	dryRun, json bool
	fast         bool // bare raw values, same provider: Chain.Rotate on the line itself
	appendRot    transform.AppendRotator
	pairs        []pairReader // encrypt: one reader per (encryption key, sign key) pair
	convert      bool         // serializer formats differ
}

func runRotate(c *cli.Context, env Env, u *ui) error {
	a, err := newAnalyzer(c, env, u)
	if err != nil {
		return err
	}
	if a.Keyring == nil {
		return usageHint("give --keys FILE --provider NAME or chain flags such as --mac-key NEW --mac-key OLD", "rotate needs keys")
	}
	if s := c.String("iv"); s != "" {
		iv, err := hex.DecodeString(s)
		if err != nil {
			return usageErr("--iv: not hex: %v", err)
		}
		a.Keyring.SetIV(transform.FixedIV(iv))
	}
	if a.Provider == "" {
		return usageHint("the keyring has several providers: "+strings.Join(a.Keyring.ProviderNames(), ", "), "--provider is required")
	}
	src, err := a.Keyring.Provider(a.Provider)
	if err != nil {
		return configErr(err)
	}
	dst := src
	if to := c.String("to"); to != "" {
		if dst, err = a.Keyring.Provider(to); err != nil {
			return configErr(err)
		}
	}
	if src.Tracker == "id" || dst.Tracker == "id" {
		return usageErr("rotate rewrites by-value tokens; provider %s keeps sessions by id (its storage holds no keys to rotate)", src.Name)
	}
	r := &rotator{a: a, src: src, dst: dst, bare: a.Bare, enc: a.Encoding, keepInvalid: c.Bool("keep-invalid"),
		dryRun: c.Bool("dry-run"), json: c.Bool(flagJSON)}
	r.fast = r.bare && r.enc == codec.Raw && src == dst
	if len(src.Chain) == 1 {
		r.appendRot, _ = src.Chain[0].(transform.AppendRotator)
		if r.appendRot == nil && src.Chain[0].Kind() == "encrypt" {
			if r.pairs, err = encryptPairs(src); err != nil {
				return configErr(err)
			}
		}
	}
	r.convert = src != dst && src.SerializerFormat() != dst.SerializerFormat()

	from := c.String(flagFrom)
	switch {
	case from != "" && c.Args().Present():
		return usageHint("give the input as --from FILE or as the argument, not both", "--from %s and argument %s", from, c.Args().First())
	case from == "":
		from = c.Args().First()
	}
	in, _, err := openInput(from, env.Stdin)
	if err != nil {
		return err
	}
	defer in.Close()
	var input io.Reader = in
	var out io.Writer = u.out
	var commit func() error
	var intr *interrupts // -o: SIGINT/SIGTERM remove the temporary file, say so, exit 130/143
	o := c.String("output")
	if o != "" && !r.dryRun {
		f, err := os.CreateTemp(filepath.Dir(o), "."+filepath.Base(o)+".tmp-*")
		if err != nil {
			return ioErr(fmt.Errorf("output: %w", err))
		}
		defer os.Remove(f.Name())
		// the file replaced keeps its mode (a new one stays 0600: tokens are secrets)
		if st, err := os.Stat(o); err == nil && st.Mode().IsRegular() {
			if err := f.Chmod(st.Mode().Perm()); err != nil {
				f.Close()
				return ioErr(fmt.Errorf("output: %w", err))
			}
		}
		defer f.Close()
		var ctx context.Context
		ctx, intr = catchInterrupts(c.Context)
		defer intr.release()
		input = ctxReader{ctx, in}
		finished := make(chan struct{})
		defer close(finished)
		intr.forceAfter(ctx, 2*time.Second, finished, func() { os.Remove(f.Name()) })
		out = f
		commit = func() error {
			if err := f.Sync(); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			if err := os.Rename(f.Name(), o); err != nil {
				return err
			}
			return fsutil.SyncDir(filepath.Dir(o))
		}
	}
	// a soft memory limit: when the output is slower than the workers (a throttled disk), the
	// queues fill and the collector would let the heap double; past 48 MiB it collects harder
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(48 << 20))
	workers := c.Int("workers")
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	stats, err := r.run(input, bw, u.err, workers)
	if intr != nil && intr.caught() != nil {
		u.errorf("interrupted by %s: %s not written (its temporary file is removed); %d lines read, %d rotated", intr.name(), o, stats.lines, stats.rotated)
		return intr.interrupted()
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return ioErr(fmt.Errorf("output: %w", err))
	}
	if commit != nil {
		if err := commit(); err != nil {
			return ioErr(fmt.Errorf("output: %w", err))
		}
	}
	msg := fmt.Sprintf("%d lines: %d rotated, %d invalid", stats.lines, stats.rotated, stats.invalid)
	if stats.kept > 0 {
		msg += fmt.Sprintf(" (%d kept unchanged)", stats.kept)
	}
	if len(stats.byKey) > 0 {
		msg += "; verified by key: "
		var parts []string
		for _, k := range sortedKeys(stats.byKey) {
			parts = append(parts, fmt.Sprintf("%s %d", k, stats.byKey[k]))
		}
		msg += strings.Join(parts, ", ")
	}
	if r.dryRun {
		msg = "dry run, nothing written: " + msg
	}
	if r.json {
		// verify's summary shape, plus what rotate did
		sum := inspect.NewSummary()
		sum.Tokens, sum.Valid, sum.Invalid, sum.ByKey, sum.Failures = stats.lines, stats.rotated, stats.invalid, stats.byKey, stats.failures
		b, _ := marshalJSON(map[string]any{"summary": struct {
			*inspect.Summary
			Rotated int  `json:"rotated"`
			Kept    int  `json:"kept"`
			DryRun  bool `json:"dry_run"`
		}{sum, stats.rotated, stats.kept, r.dryRun}})
		fmt.Fprintf(u.out, "%s\n", b) // with -o FILE the rows went to the file, the summary comes here
	}
	if !r.json || r.dryRun || u.errTTY {
		u.infof("%s", msg)
	}
	if stats.invalid > 0 {
		return silentExit(ExitInvalid)
	}
	return nil
}

const rotateBlock = 1 << 20

type rotateJob struct {
	data      []byte
	firstLine int
	done      chan rotateDone
}

type rotateDone struct {
	out, msgs []byte
	stats     *rotateStats
	stream    <-chan []byte // a line longer than maxLine, piece by piece: written as it comes
}

// run: a reader cuts the input into blocks of whole lines, workers rotate blocks, a writer writes
// them in input order. At most 2*workers blocks are in flight: memory does not grow with the input.
// A line longer than maxLine is never cut into tokens: it is one invalid line, which
// --keep-invalid streams to the output whole (tooLong).
func (r *rotator) run(in io.Reader, out io.Writer, errw io.Writer, workers int) (*rotateStats, error) {
	return runBlocks(in, out, errw, workers, r.block, r.tooLong)
}

// runBlocks is rotate's pipeline for any line-by-line job (encode --jsonl too): block turns a block
// of whole lines, the first numbered firstLine, into output, messages and counts; tooLong takes a
// line longer than maxLine, streamed from the reader (it must consume it whole and send its result).
func runBlocks(in io.Reader, out io.Writer, errw io.Writer, workers int, block func(data []byte, firstLine int) rotateDone,
	tooLong func(br *blockReader, blk lineBlock, send func(rotateDone)) error) (*rotateStats, error) {
	jobs := make(chan rotateJob, workers)
	order := make(chan chan rotateDone, 2*workers)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.done <- block(j.data, j.firstLine)
			}
		}()
	}
	total := newRotateStats()
	var werr error
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for d := range order {
			res := <-d
			if res.stream != nil {
				for p := range res.stream {
					if werr == nil {
						_, werr = out.Write(p)
					}
				}
				continue
			}
			total.merge(res.stats)
			if werr == nil && len(res.out) > 0 {
				if _, err := out.Write(res.out); err != nil {
					werr = err
				}
			}
			if len(res.msgs) > 0 {
				errw.Write(res.msgs)
			}
		}
	}()
	send := func(res rotateDone) {
		d := make(chan rotateDone, 1)
		d <- res
		order <- d
	}
	var rerr error
	br := newBlockReader(in, rotateBlock)
	for {
		blk, err := br.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
		if blk.long {
			if rerr = tooLong(br, blk, send); rerr != nil {
				break
			}
			continue
		}
		d := make(chan rotateDone, 1)
		order <- d
		jobs <- rotateJob{data: blk.data, firstLine: blk.first, done: d}
	}
	close(jobs)
	wg.Wait()
	close(order)
	<-writerDone
	if rerr != nil {
		return total, ioErr(fmt.Errorf("reading input: %w", rerr))
	}
	if werr != nil {
		return total, ioErr(fmt.Errorf("writing output: %w", werr))
	}
	return total, nil
}

// tooLong: the line blk starts is longer than maxLine. With --keep-invalid it goes to the writer
// piece by piece as it is read (the first piece is the maxLine bytes already read, each further one
// a block), so memory stays bounded however long it is; then it counts as one invalid line.
func (r *rotator) tooLong(br *blockReader, blk lineBlock, send func(rotateDone)) error {
	keep := r.keepInvalid && !r.json && !r.dryRun
	var fn func([]byte)
	var stream chan []byte
	if keep {
		stream = make(chan []byte, 1)
		send(rotateDone{stream: stream})
		first := true
		fn = func(p []byte) {
			if !first {
				p = append([]byte(nil), p...) // the reader reuses its buffer
			}
			first = false
			stream <- p
		}
	}
	size, err := br.streamLong(blk, fn)
	if keep {
		stream <- []byte{'\n'}
		close(stream)
	}
	if err != nil {
		return err
	}
	st := newRotateStats()
	res := rotateDone{stats: st}
	r.invalid(&res.out, &res.msgs, st, blk.first, &lineTooLongError{Line: blk.first, Size: size}, nil)
	if keep {
		st.kept++
	}
	send(res)
	return nil
}

// invalid records line n as invalid: counted, reported (stderr, or a JSON record), and kept in
// the output with --keep-invalid when l is given (an over-long line is streamed instead).
func (r *rotator) invalid(out, msgs *[]byte, st *rotateStats, n int, err error, l []byte) {
	st.lines++
	st.invalid++
	kind := inspect.ErrKind(err)
	if _, ok := err.(*lineTooLongError); ok {
		kind = "too-long"
	}
	st.failures[kind]++
	if r.json {
		if !r.dryRun {
			b, _ := marshalJSON(map[string]any{"line": n, "ok": false, "error": err.Error(), "error_code": kind})
			*out = append(append(*out, b...), '\n')
		}
	} else {
		*msgs = fmt.Appendf(*msgs, "sessionctl: line %d: %s\n", n, termSafe(err.Error()))
	}
	if l != nil && r.keepInvalid && !r.json && !r.dryRun {
		*out = append(append(*out, l...), '\n')
		st.kept++
	}
}

func (r *rotator) block(data []byte, line int) rotateDone {
	st := newRotateStats()
	lastPair := -1
	out := make([]byte, 0, len(data)+len(data)/4)
	var msgs []byte
	keep := r.keepInvalid && !r.json && !r.dryRun
	for len(data) > 0 {
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		n := line
		line++
		if len(l) > maxLine {
			// its end came in the same read as the block: as long a line as one streamed
			r.invalid(&out, &msgs, st, n, &lineTooLongError{Line: n, Size: int64(len(l))}, bytes.TrimSuffix(l, []byte{'\r'}))
			continue
		}
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(bytes.TrimSpace(l)) == 0 {
			if keep {
				// blank lines stay, so that output line N is input line N
				out = append(append(out, l...), '\n')
			}
			continue
		}
		var err error
		var keys []string
		var k1, k2 string
		before := len(out)
		if r.fast {
			if r.pairs != nil {
				out, k1, k2, err = r.fastEncrypt(out, l, &lastPair)
			} else {
				out, k1, k2, err = r.fastLine(out, l)
			}
		} else {
			out, keys, err = r.line(out, string(l))
		}
		if err != nil {
			out = out[:before]
			r.invalid(&out, &msgs, st, n, err, l)
			continue
		}
		st.lines++
		st.rotated++
		for _, k := range keys {
			st.byKey[k]++
		}
		if k1 != "" {
			st.byKey[k1]++
		}
		if k2 != "" {
			st.byKey[k2]++
		}
		if r.dryRun {
			out = out[:before]
			continue
		}
		if r.json {
			tok := string(out[before : len(out)-1])
			out = out[:before]
			for _, k := range []string{k1, k2} {
				if k != "" {
					keys = append(keys, k)
				}
			}
			b, _ := marshalJSON(map[string]any{"line": n, "ok": true, "keys": keys, "output": tok})
			out = append(append(out, b...), '\n')
		}
	}
	return rotateDone{out: out, msgs: msgs, stats: st}
}

// fastLine: the line is the transport value itself; the chain rotates it in one pass, straight
// into the output block when the transformer can (MAC: no allocation per token).
func (r *rotator) fastLine(out, l []byte) ([]byte, string, string, error) {
	s := unsafe.String(unsafe.SliceData(l), len(l))
	if r.appendRot != nil {
		out, info, err := r.appendRot.AppendRotate(out, s)
		if err != nil {
			return out, "", "", err
		}
		return append(out, '\n'), info.KeyID, info.SignKeyID, nil
	}
	_, rewritten, layers, err := r.src.Chain.Rotate(s)
	if err != nil {
		return out, "", "", err
	}
	out = append(out, rewritten...)
	out = append(out, '\n')
	if len(layers) == 1 {
		return out, layers[0].KeyID, layers[0].SignKeyID, nil
	}
	keys := layerKeys(layers)
	return out, strings.Join(keys, "+"), "", nil
}

// pairReader reads with one (encryption key, sign key) pair of an encrypt transformer.
type pairReader struct {
	enc, sign string
	t         transform.Transformer
}

// encryptPairs: for bulk rotation of a one-encrypt chain, a reader for each pair of keys. A keyring
// read checks every sign key and decrypts with every encryption key (no early exit, so that a server's
// timing says nothing of which key matched); a batch rotation on the operator's machine has no such
// observer, so it tries first the pair that read the previous token, and falls back to the whole
// keyring read when that pair does not verify. The tokens read and the keys reported are the same.
func encryptPairs(p *keyring.Provider) ([]pairReader, error) {
	spec := p.Specs()[0]
	var out []pairReader
	for _, e := range spec.Keys {
		for _, sk := range spec.SignKeys {
			one := spec
			one.Keys, one.SignKeys = []string{e}, []string{sk}
			t, _, err := p.BuildTransformer(one)
			if err != nil {
				return nil, err
			}
			out = append(out, pairReader{enc: e, sign: sk, t: t})
		}
	}
	return out, nil
}

// fastEncrypt rotates one encrypt token: read with the last pair that worked (else the whole
// keyring), write with the current keys.
func (r *rotator) fastEncrypt(out, l []byte, last *int) ([]byte, string, string, error) {
	s := unsafe.String(unsafe.SliceData(l), len(l))
	t := r.src.Chain[0]
	var p string
	var info transform.ReadInfo
	var err error
	read := false
	if *last >= 0 {
		p, info, err = r.pairs[*last].t.Read(s)
		read = err == nil
	}
	if !read {
		if p, info, err = t.Read(s); err != nil {
			return out, "", "", err
		}
		*last = -1
		for i, pr := range r.pairs {
			if pr.enc == info.KeyID && pr.sign == info.SignKeyID {
				*last = i
				break
			}
		}
	}
	w, err := t.Write(p)
	if err != nil {
		return out, "", "", err
	}
	out = append(out, w...)
	return append(out, '\n'), info.KeyID, info.SignKeyID, nil
}

func layerKeys(layers []transform.Layer) []string {
	if len(layers) == 1 {
		if layers[0].SignKeyID == "" {
			if layers[0].KeyID == "" {
				return nil
			}
			return []string{layers[0].KeyID}
		}
	}
	var keys []string
	for _, l := range layers {
		if l.KeyID != "" {
			keys = append(keys, l.KeyID)
		}
		if l.SignKeyID != "" {
			keys = append(keys, l.SignKeyID)
		}
	}
	return keys
}

// line: any form inspect takes; the output keeps the form.
func (r *rotator) line(out []byte, text string) ([]byte, []string, error) {
	f := codec.Found{Source: "bare", Raw: text}
	if !r.bare {
		fs, err := r.a.Found(text)
		if err != nil {
			return out, nil, fmt.Errorf("%w: %v", transform.ErrMalformed, err)
		}
		var ok bool
		for _, x := range fs {
			if x.Name == r.src.Name || x.Source == "bare" {
				f, ok = x, true
				break
			}
		}
		if !ok {
			return out, nil, fmt.Errorf("%w: no %s cookie in the line", transform.ErrMalformed, r.src.Name)
		}
	}
	enc := r.enc
	if f.SetCookie != nil && f.SetCookie.Encoding != "" {
		enc = f.SetCookie.Encoding
	}
	if enc == "" {
		enc = r.src.Cookie.Encoding
		if r.src.Transport == "header" {
			enc = codec.Raw
		}
	}
	value, err := codec.Decode(f.Raw, enc, r.src.Profile)
	if err != nil {
		return out, nil, fmt.Errorf("%w: cookie value does not decode as %s: %v", transform.ErrMalformed, enc, err)
	}
	payload, rewritten, layers, err := r.src.Chain.Rotate(value)
	if err != nil {
		return out, nil, err
	}
	if r.dst != r.src {
		if r.convert {
			payload, err = convertPayload(payload, r.src, r.dst)
			if err != nil {
				return out, nil, err
			}
		}
		if rewritten, err = r.dst.Chain.Write(payload); err != nil {
			return out, nil, err
		}
	}
	outEnc := enc
	if r.dst != r.src && !(r.enc != "" && (f.Source == "bare" || f.Source == "pair")) {
		outEnc = r.dst.Cookie.Encoding
		if r.dst.Transport == "header" {
			outEnc = codec.Raw
		}
	}
	newRaw := rewritten
	if !(f.Source == "bare" && outEnc == codec.Raw) {
		if newRaw, err = codec.Encode(rewritten, outEnc, r.dst.Profile); err != nil {
			return out, nil, fmt.Errorf("cookie encoding %s: %v", outEnc, err)
		}
	}
	var line string
	switch f.Source {
	case "bare":
		line = newRaw
	case "set-cookie":
		if r.dst != r.src {
			line, err = codec.RenderSetCookie(r.dst.Name, rewritten, r.dst.Cookie, r.a.Now, r.dst.Profile)
			if err != nil {
				return out, nil, err
			}
			if i := strings.Index(strings.ToLower(text), "set-cookie:"); i >= 0 {
				line = text[:i+len("set-cookie:")] + " " + line
			}
			break
		}
		fallthrough
	default:
		old := f.Name + "=" + f.Raw
		i := strings.Index(text, old)
		if i < 0 {
			return out, nil, fmt.Errorf("%w: cannot locate %s in the line", transform.ErrMalformed, f.Name)
		}
		line = text[:i] + r.dst.Name + "=" + newRaw + text[i+len(old):]
	}
	out = append(out, line...)
	out = append(out, '\n')
	return out, layerKeys(layers), nil
}

// convertPayload re-serializes a session from src's format into dst's (e.g. Ktor text into JSON).
func convertPayload(payload string, src, dst *keyring.Provider) (string, error) {
	_, v, err := serializer.DecodeWith(payload, src.SerializerFormat(), src.TextStyle, src.Profile)
	if err != nil {
		return "", fmt.Errorf("%w: payload does not decode: %v", transform.ErrMalformed, err)
	}
	want := dst.SerializerFormat()
	if want == "" {
		want = serializer.DefaultFormat(dst.Profile)
	}
	if want == serializer.FormatJSON {
		return serializer.Encode(v, serializer.FormatJSON, dst.Profile) // kotlinx Json: NaN refused, Ktor 3's escapes
	}
	return serializer.EncodeFieldsWith(v.Fields, dst.TextStyle, dst.Profile)
}
