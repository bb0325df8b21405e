package commands

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/inspect"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

const envRedisPassword = "SESSIONCTL_REDIS_PASSWORD"

// store is an opened storage: read/write/invalidate, plus walk and batch delete.
type store struct {
	storage.Storage
	name   string
	walk   storage.Walker
	batch  storage.BatchInvalidator
	cond   storage.ConditionalRemover // purge: removes only what is still as the walk saw it
	lookup storage.Lookuper           // show: the session with its age, without touching it
	set    storage.MatchPurger        // purge without --match in the store itself (SQL: one DELETE per range; Redis: a script per page)
	check  func() error               // nil, or whether the store may remove in bulk (Redis without a prefix)
	close  func() error
}

// checkRemoval: purge and invalidate refuse a store that may hold other keys than sessions.
func (s *store) checkRemoval() error {
	if s.check == nil {
		return nil
	}
	if err := s.check(); err != nil {
		return &exitError{code: ExitUsage, err: err,
			hint: "give the store its key prefix (?prefix=sess:), or add sessions_only=true to the URL if the database holds nothing but sessions"}
	}
	return nil
}

// Lookup and Describe make a store the inspect.Store of tracker = id sessions.
func (s *store) Lookup(id string) (string, error) { return s.Read(context.Background(), id) }
func (s *store) Describe() string                 { return s.name }

// openStore: dir:PATH (or a bare path) or redis://… / rediss://…
func openStore(ctx context.Context, url string, env Env) (*store, error) {
	switch {
	case url == "":
		return nil, usageHint("give --store dir:PATH or --store redis://host:port/0?prefix=…, or a provider with storage = …", "no storage")
	}
	if st, ok, err := openOtherStore(ctx, url, env); ok {
		return st, err
	}
	switch {
	case strings.HasPrefix(url, "redis://") || strings.HasPrefix(url, "rediss://"):
		return openRedis(ctx, url, env)
	case strings.HasPrefix(url, "dir:"):
		url = strings.TrimPrefix(url, "dir:")
	case strings.Contains(url, "://"):
		return nil, usageErr("storage %q: want dir:PATH or redis://… (or redis+cluster://, redis+sentinel://, unix://, postgres://, mysql://, sqlite:PATH)", url)
	}
	// the command line only reads and removes: a mistyped path is an error, not a new, empty store
	d, err := storage.OpenDirectory(url)
	dirProcs()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &exitError{code: ExitIO, err: fmt.Errorf("storage dir:%s: no such directory (nothing was created)", url),
			hint: "check the path: it is the directory given to Ktor's directorySessionStorage"}
	}
	if err != nil {
		return nil, configErr(err)
	}
	return &store{Storage: d, name: "dir:" + url, walk: d, batch: d, cond: d, lookup: d, close: func() error { return nil }}, nil
}

func storageFlags() []cli.Flag {
	return append(keyFlags(),
		&cli.StringFlag{Name: flagStore, Aliases: []string{"s"}, EnvVars: []string{"SESSIONCTL_STORE"}, Usage: "`dir:PATH` or redis://[user@]host:port/db?prefix=… (default: the provider's storage; Redis password from " + envRedisPassword + ")"},
		jsonFlag(),
	)
}

func filterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "older-than", Usage: "only sessions last modified more than `AGE` ago (30d, 12h, 90m)"},
		&cli.StringFlag{Name: "newer-than", Usage: "only sessions last modified less than `AGE` ago"},
		&cli.StringSliceFlag{Name: "match", Usage: "only sessions whose decoded field matches `FIELD=VALUE`, FIELD!=VALUE, FIELD<VALUE (<=, >, >=: numbers, or times: now, now-30d, RFC 3339; epoch fields in s or ms); a list field matches an element; commas are part of VALUE; repeat: all must match"},
		&cli.StringFlag{Name: "id-prefix", Usage: "only ids starting with `PREFIX`"},
		&cli.IntFlag{Name: "limit", Usage: "stop after `N` sessions"},
		&cli.StringFlag{Name: flagNow, Usage: "the clock ages are measured from (RFC 3339 or Unix seconds)"},
		&cli.IntFlag{Name: "workers", Usage: "directory storage: read up to `N` directories at once (0: 32 per GOMAXPROCS, which directory commands set to twice the CPUs unless GOMAXPROCS is in the environment; 32 to 256)"},
		&cli.BoolFlag{Name: "strict", Usage: "with --match: a session that cannot be decoded is an error (exit 1) instead of not matching"},
	}
}

func storageCommand(env Env, u *ui) *cli.Command {
	return &cli.Command{
		Name:  "storage",
		Usage: "list, show, invalidate and purge server-side sessions (Ktor directory storage, Redis)",
		Description: `Works on --store dir:PATH (Ktor's directorySessionStorage layout), --store redis://…,
or the storage of a keyring provider (--keys FILE --provider NAME).

EXAMPLES:
   sessionctl storage list --store dir:/var/lib/app/sessions --older-than 30d --json
   sessionctl storage show --store dir:/var/lib/app/sessions 0123456789abcdef0123456789abcdef
   sessionctl storage purge --store redis://10.0.0.5:6379/0?prefix=sess: --match admin=true --dry-run
   sessionctl storage stats --keys keys.toml --provider CART

` + exitHelp,
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "stream the stored sessions: id, size, age (and fields with --fields)",
				Description: `EXAMPLES:
   sessionctl storage list --store dir:/var/lib/app/sessions --older-than 30d
   sessionctl storage list --store dir:/var/lib/app/sessions --json | jq -r .id
   sessionctl storage list --keys keys.toml --provider CART --fields --match userId=u-42
   sessionctl storage list --store dir:/srv/s --match 'name=Smith, John' --match roles=admin
   sessionctl storage list --store dir:/srv/s --match 'expiration<now' --match 'loginCount>=3'

MATCH:
   FIELD=VALUE    the field's text is VALUE (string without quotes, number, true/false, null);
                  a list or set field: some element is VALUE; 3 = 3.0 for numbers
   FIELD!=VALUE   the field is there and is not VALUE (no element is, for a list)
   FIELD<VALUE    also <=, >, >=: a number, or a time: now, now-30d, now+12h, 2024-01-31T00:00:00Z,
                  2024-01-31; a number field is then a Unix time in seconds, or milliseconds when
                  above 10^11; a string field an RFC 3339 time
   A session without the field (or one it cannot compare) matches no condition, != included.
   name.sub reaches into a nested object. Commas and spaces are part of VALUE.`,
				ArgsUsage: " ",
				Flags: append(append(storageFlags(), filterFlags()...),
					&cli.BoolFlag{Name: "fields", Usage: "decode each session and show its fields"},
					&cli.BoolFlag{Name: "sorted", Usage: "in id order (a little slower)"},
					&cli.BoolFlag{Name: "size", Usage: "Redis: read each key's size (MEMORY USAGE, STRLEN on Redis 7.2+), a command per key more for the server; without it a Redis key's size is shown as - (null in JSON) unless its value is read"},
				),
				Action: func(c *cli.Context) error { return runStorageList(c, env, u) },
			},
			{
				Name:  "show",
				Usage: "one stored session: its text and decoded fields",
				Description: `EXAMPLES:
   sessionctl storage show --store dir:/var/lib/app/sessions 0123456789abcdef0123456789abcdef
   sessionctl storage show --store 'redis://127.0.0.1:6379/0?prefix=sess:' --json ID | jq .session`,
				ArgsUsage: "ID",
				Flags:     storageFlags(),
				Action:    func(c *cli.Context) error { return runStorageShow(c, env, u) },
			},
			{
				Name:  "invalidate",
				Usage: "remove sessions by id (arguments, or one per line on stdin)",
				Description: `Ids that could leave the storage root (.., /, \, NUL, …) are refused; given as arguments,
they are all checked before anything is removed. On stdin each line is one id, taken exactly (only
its "\n" is cut: no spaces or "\r" are trimmed); with -0 ids are separated by NUL bytes, which is
the only safe form when ids may hold a newline.

EXAMPLES:
   sessionctl storage invalidate --store dir:/var/lib/app/sessions ID1 ID2
   sessionctl storage list --store dir:/srv/s --match admin=true --json | jq -j '.id + "\u0000"' | sessionctl storage invalidate --store dir:/srv/s -0 -`,
				ArgsUsage: "[ID...|-]",
				Flags: append(storageFlags(),
					&cli.BoolFlag{Name: "null", Aliases: []string{"0"}, Usage: "ids on stdin are separated by NUL bytes, not newlines"},
				),
				Action: func(c *cli.Context) error { return runStorageInvalidate(c, env, u) },
			},
			{
				Name:  "purge",
				Usage: "remove every session that matches the filters; asks first on a terminal",
				Description: `Without a filter (--older-than, --newer-than, --match, --id-prefix) purge removes nothing unless
--all says that every session is to go. A session rewritten (Redis: read or written) after the walk
matched it is kept. SIGINT or SIGTERM stops it between two sessions; it then says what it removed
and exits 130 or 143.

EXAMPLES:
   sessionctl storage purge --store dir:/var/lib/app/sessions --older-than 30d --dry-run
   sessionctl storage purge --store dir:/var/lib/app/sessions --older-than 30d --yes
   sessionctl storage purge --store 'redis://10.0.0.5:6379/0?prefix=sess:' --match admin=true --yes --json
   sessionctl storage purge --store dir:/var/lib/app/sessions --match 'expiration<now' --yes
   sessionctl storage purge --store 'redis://10.0.0.5:6379/0?prefix=sess:' --older-than 90d --yes --rate 500/s
   sessionctl storage purge --store dir:/var/lib/app/sessions --older-than 30d --yes --ids > removed.txt

--json prints one object per session removed (with --dry-run: that would be), then a summary
{"store", "matched", "removed", "changed", "missing", "not_sessions", "unknown", "undecodable",
"pruned_dirs", "bytes", "dry_run"}; --ids prints the ids alone. Only the sessions the store confirmed
removed are printed (not one rewritten since it matched, or already gone).

--match: see 'sessionctl storage list --help'.`,
				Flags: append(append(storageFlags(), filterFlags()...),
					&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "list what would be removed, remove nothing"},
					&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask"},
					&cli.BoolFlag{Name: "all", Usage: "without a filter: remove every session of the store"},
					&cli.BoolFlag{Name: "ids", Usage: "print the id of each session removed (or, with --dry-run, that would be), one per line"},
					&cli.StringFlag{Name: "rate", Usage: "remove at most `N/s` sessions a second (or N/m a minute), to spare a busy store"},
				),
				Action: func(c *cli.Context) error { return runStoragePurge(c, env, u) },
			},
			{
				Name:  "stats",
				Usage: "counts, bytes and an age histogram",
				Description: `EXAMPLES:
   sessionctl storage stats --store dir:/var/lib/app/sessions
   sessionctl storage stats --keys keys.toml --provider CART --json`,
				Flags:  append(storageFlags(), filterFlags()...),
				Action: func(c *cli.Context) error { return runStorageStats(c, env, u) },
			},
		},
	}
}

// storeContext: the storage and the provider whose serializer decodes its sessions.
type storeContext struct {
	st      *store
	profile transform.Profile
	format  serializer.Format
	style   serializer.TextStyle

	strict      bool  // --strict: a session --match cannot decode is an error
	undecodable int   // sessions --match could not decode (and did not match)
	touched     int64 // Redis before 7.2: sessions whose value was read, resetting their idle time
}

func openStoreFor(c *cli.Context, env Env, u *ui) (*storeContext, error) {
	kr, prov, err := loadKeyring(c, env, u)
	if err != nil {
		return nil, err
	}
	sc := &storeContext{} // no provider: the newest release reads
	url := c.String(flagStore)
	if kr != nil && prov != "" {
		p, err := kr.Provider(prov)
		if err != nil {
			return nil, configErr(err)
		}
		sc.profile, sc.format, sc.style = p.Profile, p.SerializerFormat(), p.TextStyle
		if url == "" {
			if p.Storage == "" {
				return nil, usageErr("provider %s has no storage: give --store", p.Name)
			}
			url = p.Storage
		}
	}
	st, err := openStore(c.Context, url, env)
	if err != nil {
		return nil, err
	}
	sc.st = st
	return sc, nil
}

type entryView struct {
	ID       string          `json:"id"`
	Size     sizeJSON        `json:"size"`
	Modified string          `json:"modified"`
	Age      int64           `json:"age_seconds"`
	TTL      *int64          `json:"ttl_seconds,omitempty"`
	Value    *string         `json:"value,omitempty"`
	Format   string          `json:"format,omitempty"`
	Session  json.RawMessage `json:"session,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// sizeJSON is a session's size in bytes, null when the listing did not read it (-1:
// storage.WalkOptions.NoSize on Redis).
type sizeJSON int64

func (n sizeJSON) MarshalJSON() ([]byte, error) {
	if n < 0 {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, int64(n), 10), nil
}

// text is the size for people: "152 B", "- B" when unknown, right-aligned in width.
func (n sizeJSON) text(width int) string {
	if n < 0 {
		return fmt.Sprintf("%*s B", width, "-")
	}
	return fmt.Sprintf("%*d B", width, int64(n))
}

type fieldMatch = serializer.Match

// parseMatches: the --match conditions (serializer.ParseMatch), now being the clock of --now.
func parseMatches(c *cli.Context, now time.Time) ([]fieldMatch, error) {
	var ms []fieldMatch
	for _, m := range c.StringSlice("match") {
		fm, err := serializer.ParseMatch(m, now)
		if err != nil {
			var me *serializer.MatchError
			if errors.As(err, &me) {
				return nil, usageHint("want "+serializer.MatchSyntax+"; see 'sessionctl storage list --help'", "--match %q: %s", m, me.Detail)
			}
			return nil, usageErr("--match %q: %v", m, err)
		}
		ms = append(ms, fm)
	}
	return ms, nil
}

func walkOptions(c *cli.Context, env Env) (storage.WalkOptions, error) {
	o := storage.WalkOptions{IDPrefix: c.String("id-prefix"), Limit: c.Int("limit")}
	var err error
	if o.OlderThan, err = parseAge(c.String("older-than")); err != nil {
		return o, usageErr("--older-than %v", err)
	}
	if o.NewerThan, err = parseAge(c.String("newer-than")); err != nil {
		return o, usageErr("--newer-than %v", err)
	}
	if o.Limit < 0 {
		return o, usageErr("--limit %d: want a count >= 0", o.Limit)
	}
	if o.Workers = c.Int("workers"); o.Workers < 0 || o.Workers > 1024 {
		return o, usageErr("--workers %d: want 0 (the default) to 1024", o.Workers)
	}
	if o.Now, err = parseNow(c.String(flagNow), env.Now()); err != nil {
		return o, err
	}
	return o, nil
}

// openFiltered: the storage and the filters of list, purge and stats, checked before anything runs.
func openFiltered(c *cli.Context, env Env, u *ui) (*storeContext, storage.WalkOptions, []fieldMatch, error) {
	o, err := walkOptions(c, env)
	if err != nil {
		return nil, o, nil, err
	}
	ms, err := parseMatches(c, o.Now)
	if err != nil {
		return nil, o, nil, err
	}
	sc, err := openStoreFor(c, env, u)
	if sc != nil {
		sc.strict = c.Bool("strict")
	}
	return sc, o, ms, err
}

// decodeEntry fills the session of a view from its stored text.
func (sc *storeContext) decodeEntry(v *entryView, text string) (serializer.Value, bool) {
	f, val, err := serializer.DecodeWith(text, sc.format, sc.style, sc.profile)
	v.Format = string(f)
	if err != nil {
		v.Error = err.Error()
		return val, false
	}
	if b, err := marshalJSON(val); err == nil {
		v.Session = b
	}
	return val, true
}

func matches(val serializer.Value, ms []fieldMatch) bool {
	for _, m := range ms {
		if !m.Matches(val) {
			return false
		}
	}
	return true
}

// walkMatching walks with the filters, decoding values when fields are matched or asked for.
// A session --match cannot decode does not match and is counted (sc.undecodable), or with
// --strict stops the walk with an error (exit 1).
func (sc *storeContext) walkMatching(ctx context.Context, o storage.WalkOptions, ms []fieldMatch, decode bool,
	fn func(storage.Entry, *entryView) error) error {
	if sc.st.walk == nil {
		return usageErr("storage %s cannot list its sessions", sc.st.name)
	}
	limit := o.Limit
	if len(ms) > 0 {
		o.Limit = 0 // the limit counts matches, not entries walked
	}
	o.WithValue = o.WithValue || decode || len(ms) > 0
	var ws storage.WalkStats
	if o.Stats == nil {
		o.Stats = &ws
	}
	n := 0
	errStop := errors.New("limit")
	err := sc.st.walk.Walk(ctx, o, func(e storage.Entry) error {
		v := &entryView{ID: e.ID, Size: sizeJSON(e.Size), Modified: e.Modified.UTC().Format(time.RFC3339), Age: int64(o.Now.Sub(e.Modified) / time.Second)}
		if e.Modified.IsZero() { // no age known (a Redis hash's fields, a SQL table without updated_column)
			v.Modified, v.Age = "", 0
		}
		if e.TTL >= 0 {
			t := int64(e.TTL / time.Second)
			v.TTL = &t
		}
		if o.WithValue {
			val, ok := sc.decodeEntry(v, e.Value)
			if len(ms) > 0 && !ok {
				if sc.strict {
					return &exitError{code: ExitInvalid, err: fmt.Errorf("session %q could not be decoded: %s (--strict)", e.ID, v.Error)}
				}
				sc.undecodable++
				return nil
			}
			if len(ms) > 0 && !matches(val, ms) {
				return nil
			}
			if !decode {
				v.Session, v.Format, v.Error = nil, "", ""
			}
		}
		if err := fn(e, v); err != nil {
			return err
		}
		n++
		if limit > 0 && n >= limit {
			return errStop
		}
		return nil
	})
	sc.touched += o.Stats.Touched
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// reportReads says what a walk could not match, and what its reads changed.
func (sc *storeContext) reportReads(u *ui) {
	if sc.undecodable > 0 {
		u.warnf("%d session(s) could not be decoded and were not matched (--strict makes that an error)", sc.undecodable)
	}
	sc.reportTouched(u, sc.touched)
}

func (sc *storeContext) reportTouched(u *ui, n int64) {
	if n > 0 {
		u.warnf("reading the value of %d session(s) reset their idle time in %s: Redis before 7.2 has no CLIENT NO-TOUCH (list, stats and purge without --match or --fields read no values)", n, sc.st.name)
	}
}

// quoteID shows an id in human output: as it is when it is printable and holds no space,
// quote or backslash, else quoted with Go's escapes, so that a hostile id cannot pass for
// another one or forge lines.
func quoteID(id string) string {
	for _, r := range id {
		if r == utf8.RuneError || r == '"' || r == '\\' || unicode.IsSpace(r) || !unicode.IsGraphic(r) {
			return strconv.Quote(id)
		}
	}
	if id == "" {
		return `""`
	}
	return id
}

// progress prints a counter on stderr while a long run goes, when stderr is a terminal.
type progress struct {
	n    atomic.Int64
	line func() string // the text; nil: what + n
	stop chan struct{}
	done chan struct{}
}

func startProgress(u *ui, what string) *progress { return startProgressLine(u, what, nil) }

func startProgressLine(u *ui, what string, line func() string) *progress {
	p := &progress{stop: make(chan struct{}), done: make(chan struct{}), line: line}
	if !u.errTTY {
		close(p.done)
		return p
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				fmt.Fprintf(u.err, "\r\033[K")
				return
			case <-t.C:
				if p.line != nil {
					fmt.Fprintf(u.err, "\r\033[Ksessionctl: %s", p.line())
				} else {
					fmt.Fprintf(u.err, "\r\033[Ksessionctl: %s %d", what, p.n.Load())
				}
			}
		}
	}()
	return p
}

func (p *progress) end() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

func runStorageList(c *cli.Context, env Env, u *ui) error {
	sc, o, ms, err := openFiltered(c, env, u)
	if err != nil {
		return err
	}
	defer sc.st.close()
	o.Sorted = c.Bool("sorted")
	o.NoSize = !c.Bool("size")
	asJSON, fields := c.Bool(flagJSON), c.Bool("fields")
	w := bufio.NewWriterSize(u.out, 256<<10)
	defer w.Flush()
	prog := startProgress(u, "sessions listed:")
	var buf []byte
	err = sc.walkMatching(c.Context, o, ms, fields, func(e storage.Entry, v *entryView) error {
		prog.n.Add(1)
		if asJSON {
			buf = appendEntryJSON(buf[:0], v)
			_, err := w.Write(buf)
			return err
		}
		age := ageString(time.Duration(v.Age) * time.Second)
		if v.Modified == "" {
			age = "-"
		}
		line := fmt.Sprintf("%s  %s  %s", termSafe(quoteID(v.ID)), v.Size.text(6), age)
		if fields {
			if v.Session != nil {
				line += "  " + termSafe(string(v.Session))
			} else if v.Error != "" {
				line += "  " + u.st.Bad.Render(v.Error)
			}
		}
		_, err := fmt.Fprintln(w, line)
		return err
	})
	prog.end()
	w.Flush()
	sc.reportReads(u)
	if err != nil {
		return storageErr(err)
	}
	return nil
}

// appendEntryJSON is the hot path of list --json: id, size, modified, age and TTL without
// reflection, byte for byte what marshalJSON writes (TestAppendEntryJSON).
func appendEntryJSON(b []byte, v *entryView) []byte {
	if v.Value != nil || v.Session != nil || v.Format != "" || v.Error != "" || needsEscape(v.ID) || needsEscape(v.Modified) {
		j, _ := marshalJSON(v)
		return append(append(b, j...), '\n')
	}
	b = append(b, `{"id":"`...)
	b = append(b, v.ID...)
	b = append(b, `","size":`...)
	if v.Size < 0 {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(v.Size), 10)
	}
	b = append(b, `,"modified":"`...)
	b = append(b, v.Modified...)
	b = append(b, `","age_seconds":`...)
	b = strconv.AppendInt(b, v.Age, 10)
	if v.TTL != nil {
		b = append(b, `,"ttl_seconds":`...)
		b = strconv.AppendInt(b, *v.TTL, 10)
	}
	return append(b, "}\n"...)
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			return true
		}
	}
	return false
}

func ageString(d time.Duration) string {
	if d < 0 {
		return "in the future"
	}
	return inspect.HumanDuration(d) + " old"
}

func storageErr(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	if errors.Is(err, storage.ErrBadID) {
		return &exitError{code: ExitInvalid, err: err}
	}
	if errors.Is(err, storage.ErrConfig) {
		return configErr(err)
	}
	return ioErr(err)
}

func runStorageShow(c *cli.Context, env Env, u *ui) error {
	if c.Args().Len() != 1 {
		return usageErr("storage show takes one session ID")
	}
	id := c.Args().First()
	sc, err := openStoreFor(c, env, u)
	if err != nil {
		return err
	}
	defer sc.st.close()
	now := env.Now()
	v := &entryView{ID: id}
	var text string
	if sc.st.lookup != nil {
		// the age before the value: on Redis before 7.2 reading the value resets it
		e, err := sc.st.lookup.Lookup(c.Context, id, true)
		if err != nil {
			return showErr(err)
		}
		text = e.Value
		v.Size, v.Modified, v.Age = sizeJSON(e.Size), e.Modified.UTC().Format(time.RFC3339), int64(now.Sub(e.Modified)/time.Second)
		if e.Modified.IsZero() {
			v.Modified, v.Age = "", 0
		}
		if e.TTL >= 0 {
			t := int64(e.TTL / time.Second)
			v.TTL = &t
		}
		if e.Touched {
			defer sc.reportTouched(u, 1)
		}
	} else if text, err = sc.st.Read(c.Context, id); err != nil {
		return showErr(err)
	} else {
		v.Size = sizeJSON(len(text))
	}
	v.Value = &text
	val, ok := sc.decodeEntry(v, text)
	if c.Bool(flagJSON) {
		b, _ := marshalJSON(v)
		fmt.Fprintf(u.out, "%s\n", b)
		return nil
	}
	st := u.st
	fmt.Fprintf(u.out, "%s  %s\n", st.Title.Render(quoteID(id)), st.Dim.Render(sc.st.name))
	row := func(l, s string) { fmt.Fprintf(u.out, "  %s %s\n", st.Label.Render(l), s) }
	row("size", fmt.Sprintf("%d bytes", v.Size))
	if v.Modified != "" {
		row("modified", termSafe(fmt.Sprintf("%s (%s)", v.Modified, ageString(time.Duration(v.Age)*time.Second))))
	}
	if v.TTL != nil {
		row("ttl", inspect.HumanDuration(time.Duration(*v.TTL)*time.Second))
	}
	row("value", termSafe(text))
	row("format", termSafe(v.Format))
	if ok {
		writeFields(u.out, st, inspect.FieldViews(val))
	} else if v.Error != "" {
		row("error", st.Bad.Render(v.Error))
	}
	return nil
}

// showErr: a missing session is exit 1, like an invalid token; a file that is not a regular one,
// a link or a file too large is the storage's (exit 3).
func showErr(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return &exitError{code: ExitInvalid, err: err}
	}
	return storageErr(err)
}

// invalidateBatch: how many ids invalidate hands the storage at once (memory stays flat however
// many ids come on stdin; Redis pipelines them, the directory removes them in parallel).
const invalidateBatch = 1024

// maxIDRecord: the longest id read from stdin; a longer record is refused, not grown into.
const maxIDRecord = 64 << 10

// readIDs calls fn with each id of r: one per line, the line exactly as it is without its "\n"
// (no spaces and no "\r" are trimmed: an id may hold them), or with sep 0 separated by NUL bytes,
// with its 1-based number. It reads through the bounded lineReader of rotate and verify. Empty
// records are skipped; a record longer than maxIDRecord (or than maxLine) is never passed: fn gets
// "" and tooLong saying how long it was, and reading goes on with the next record.
func readIDs(r io.Reader, sep byte, fn func(id string, line int, tooLong error) error) error {
	lr := newExactLineReader(r, sep)
	for {
		rec, n, err := lr.next()
		if err == io.EOF {
			return nil
		}
		var long *lineTooLongError
		switch {
		case errors.As(err, &long):
			err = fn("", n, long)
		case err != nil:
			return err
		case len(rec) > maxIDRecord:
			err = fn("", n, fmt.Errorf("%d bytes, longer than the %d KiB an id may have", len(rec), maxIDRecord>>10))
		case len(rec) > 0:
			err = fn(string(rec), n, nil)
		}
		if err != nil {
			return err
		}
	}
}

// invalidateResult is what invalidate did, in text and JSON, on every path.
type invalidateResult struct {
	Invalidated  int    `json:"invalidated"`
	NotFound     int    `json:"not_found"`
	Refused      int    `json:"refused"`
	NotSessions  int    `json:"not_sessions"`
	Unknown      int    `json:"unknown"`
	NotProcessed int    `json:"not_processed,omitempty"`
	Interrupted  bool   `json:"interrupted,omitempty"`
	Error        string `json:"error,omitempty"`
}

func (r invalidateResult) text(store string) string {
	msg := fmt.Sprintf("invalidated %d session(s) in %s; %d not found, %d refused", r.Invalidated, store, r.NotFound, r.Refused)
	if r.NotSessions > 0 {
		msg += fmt.Sprintf("; %d not sessions, left alone (not a regular file, a link on the path, a key of another type)", r.NotSessions)
	}
	if r.Unknown > 0 {
		msg += fmt.Sprintf("; %d in a batch whose outcome is unknown", r.Unknown)
	}
	if r.NotProcessed > 0 {
		msg += fmt.Sprintf("; %d id(s) read and not processed", r.NotProcessed)
	}
	return msg
}

func runStorageInvalidate(c *cli.Context, env Env, u *ui) error {
	sc, err := openStoreFor(c, env, u)
	if err != nil {
		return err
	}
	defer sc.st.close()
	if err := sc.st.checkRemoval(); err != nil {
		return err
	}
	ids := c.Args().Slice()
	fromStdin := len(ids) == 0 || len(ids) == 1 && ids[0] == "-"
	sep := byte('\n')
	if c.Bool("null") {
		if !fromStdin {
			return usageErr("-0 reads NUL-separated ids from stdin: give - (or no ids), not ids as arguments")
		}
		sep = 0
	}
	validate := func(string) error { return nil }
	if v, ok := sc.st.Storage.(storage.IDValidator); ok {
		validate = v.ValidateID
	}
	// arguments are all checked before anything is removed
	if !fromStdin {
		for _, id := range ids {
			if err := validate(id); err != nil {
				return &exitError{code: ExitInvalid, err: fmt.Errorf("invalidate %q: %v (nothing removed)", id, err)}
			}
		}
	}
	ctx, in := catchInterrupts(c.Context)
	defer in.release()
	// ids go to the storage in batches (InvalidateMany), which count the sessions that were
	// there: an id that names no session is no error (as in Ktor) but is reported as not found
	var res invalidateResult
	var done storage.RemoveCounts
	pending := make([]string, 0, invalidateBatch)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		r, err := sc.st.batch.InvalidateMany(ctx, pending)
		done.Add(r.RemoveCounts)
		res.NotProcessed += len(pending) - r.Done()
		pending = pending[:0]
		return err
	}
	crs := 0
	one := func(id string, line int, tooLong error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if tooLong != nil {
			res.Refused++
			u.errorf("invalidate: line %d: %v (skipped)", line, tooLong)
			return nil
		}
		if err := validate(id); err != nil {
			res.Refused++
			u.errorf("invalidate %q: %v (skipped)", id, err)
			return nil
		}
		if strings.HasSuffix(id, "\r") {
			crs++
		}
		if pending = append(pending, id); len(pending) == invalidateBatch {
			return flush()
		}
		return nil
	}
	if fromStdin {
		input, _, oerr := openInput(c.Args().First(), env.Stdin)
		if oerr != nil {
			return oerr
		}
		defer input.Close()
		// ids trickling in from a pipe are not held back: a pause in the input flushes the batch
		err = readIDsUntil(ctx, input, sep, one, flush)
	} else {
		for _, id := range ids {
			if err = one(id, 0, nil); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = flush()
	} else {
		res.NotProcessed += len(pending)
	}
	res.Invalidated, res.NotFound, res.NotSessions, res.Unknown = done.Removed, done.Missing, done.NotSession+done.Changed, done.Unknown
	if crs > 0 {
		u.warnf("%d id(s) end in a carriage return, taken as part of the id (a file with Windows line ends? convert it with tr -d '\\r')", crs)
	}
	interrupted := in.caught() != nil
	switch {
	case interrupted:
		res.Interrupted = true
	case err != nil:
		res.Error = err.Error()
	}
	if c.Bool(flagJSON) {
		b, _ := marshalJSON(res)
		fmt.Fprintf(u.out, "%s\n", b)
	}
	switch {
	case interrupted:
		u.errorf("interrupted by %s: %s; ids after that were not read", in.name(), res.text(sc.st.name))
		return in.interrupted()
	case err != nil:
		return storageErr(fmt.Errorf("invalidate stopped: %s: %w", res.text(sc.st.name), err))
	}
	if !c.Bool(flagJSON) || u.errTTY {
		u.infof("%s", res.text(sc.st.name))
	}
	if res.Refused > 0 {
		return silentExit(ExitInvalid)
	}
	return nil
}

// readIDsUntil is readIDs that stops when ctx ends, also while it waits for input: the reading
// runs on its own goroutine (left blocked on a pipe that never ends, when ctx ends first). idle
// is called when no id has come for a tenth of a second.
func readIDsUntil(ctx context.Context, r io.Reader, sep byte, fn func(id string, line int, tooLong error) error, idle func() error) error {
	type rec struct {
		id      string
		line    int
		tooLong error
	}
	recs := make(chan rec, 256)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		readErr <- readIDs(r, sep, func(id string, line int, tooLong error) error {
			select {
			case recs <- rec{id, line, tooLong}:
				return nil
			case <-stop:
				return errStopReading
			}
		})
		close(recs)
	}()
	pause := time.NewTimer(time.Hour)
	defer pause.Stop()
	for {
		pause.Reset(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-pause.C:
			if err := idle(); err != nil {
				return err
			}
		case r, ok := <-recs:
			if !ok {
				if err := <-readErr; err != nil {
					return ioErr(fmt.Errorf("reading ids: %w", err))
				}
				return nil
			}
			if err := fn(r.id, r.line, r.tooLong); err != nil {
				return err
			}
		}
	}
}

var errStopReading = errors.New("stop reading")

// purgeResult is what purge did, in text and JSON, on every path.
type purgeResult struct {
	Store       string   `json:"store"`
	Matched     int      `json:"matched"`
	Removed     int      `json:"removed"`
	Changed     int      `json:"changed"`
	Missing     int      `json:"missing"`
	NotSessions int      `json:"not_sessions"`
	Unknown     int      `json:"unknown"`
	Undecodable int      `json:"undecodable"`
	PrunedDirs  int64    `json:"pruned_dirs"`
	Bytes       sizeJSON `json:"bytes"` // null: not counted (a PostgreSQL set-based purge without --ids/--json)
	DryRun      bool     `json:"dry_run"`
	Interrupted bool     `json:"interrupted,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// details: the counts besides removed, for the summary line.
func (r purgeResult) details() string {
	var parts []string
	if r.Changed > 0 {
		parts = append(parts, fmt.Sprintf("%d rewritten or used since they matched (kept)", r.Changed))
	}
	if r.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d already gone", r.Missing))
	}
	if r.NotSessions > 0 {
		parts = append(parts, fmt.Sprintf("%d not sessions (left alone)", r.NotSessions))
	}
	if r.Unknown > 0 {
		parts = append(parts, fmt.Sprintf("%d in a batch whose outcome is unknown", r.Unknown))
	}
	if r.PrunedDirs > 0 {
		parts = append(parts, fmt.Sprintf("%d empty directories removed", r.PrunedDirs))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, "; ")
}

// hasFilter: purge removes every session only when told so (--all).
func hasFilter(o storage.WalkOptions, ms []fieldMatch) bool {
	return o.OlderThan > 0 || o.NewerThan > 0 || len(ms) > 0 || o.IDPrefix != ""
}

func runStoragePurge(c *cli.Context, env Env, u *ui) error {
	if c.Args().Len() > 0 {
		return usageHint("storage invalidate removes sessions by id: sessionctl storage invalidate --store … ID…",
			"purge takes no ids (got %q): use storage invalidate", c.Args().First())
	}
	sc, o, ms, err := openFiltered(c, env, u)
	if err != nil {
		return err
	}
	defer sc.st.close()
	dry, asJSON, ids := c.Bool("dry-run"), c.Bool(flagJSON), c.Bool("ids")
	if asJSON && ids {
		return usageErr("--json and --ids: choose one")
	}
	rate, err := parseRate(c.String("rate"))
	if err != nil {
		return err
	}
	lim := newLimiter(rate)
	if !hasFilter(o, ms) && !c.Bool("all") {
		return usageHint("give a filter (--older-than, --newer-than, --match, --id-prefix), or --all to remove every session (with --dry-run to see them first)",
			"purge without a filter would remove every session of %s", sc.st.name)
	}
	if !dry {
		if err := sc.st.checkRemoval(); err != nil {
			return err
		}
	}
	if !dry && !c.Bool("yes") {
		if !isTerminalReader(env.Stdin) || !u.errTTY {
			return usageHint("add --yes to purge without a question, or --dry-run to see what would go", "purge asks for confirmation and stdin is not a terminal")
		}
		n := 0
		if err := sc.walkMatching(c.Context, o, ms, false, func(storage.Entry, *entryView) error { n++; return nil }); err != nil {
			return storageErr(err)
		}
		sc.undecodable = 0
		fmt.Fprintf(u.err, "sessionctl: remove %d session(s) from %s? [y/N] ", n, sc.st.name)
		ans, _ := bufio.NewReader(env.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(ans)); a != "y" && a != "yes" {
			return &exitError{code: ExitInvalid, err: errors.New("purge cancelled: nothing removed")}
		}
	}
	ctx := c.Context
	in := &interrupts{}
	if !dry {
		ctx, in = catchInterrupts(ctx)
		defer in.release()
		o.PruneEmpty = true // empty directories an interrupted purge left
	}
	w := bufio.NewWriter(u.out)
	defer w.Flush()
	res := purgeResult{Store: sc.st.name, DryRun: dry}
	var done storage.RemoveCounts
	var pending []storage.Entry
	var views []*entryView // --json, --ids: the sessions of the batch, printed once removed
	emit := func(v *entryView) {
		switch {
		case ids:
			w.WriteString(v.ID)
			w.WriteByte('\n')
		case asJSON:
			b, _ := marshalJSON(v)
			w.Write(b)
			w.WriteByte('\n')
		}
	}
	batchSize := 1000
	if rate > 0 {
		batchSize = max(1, min(1000, int(rate/10))) // about ten batches a second
	}
	var removed atomic.Int64
	// SCAN returns a key twice when Redis resizes its table during the walk (a purge shrinks it):
	// a key seen while its removal is pending, or in a batch removed after the walk read it again,
	// is the same session; later, it is gone and the walk no longer yields it. A Redis walk reads
	// a few pages ahead of what it yields (two per server), so the ids of the last recentBatches
	// batches are kept (at most recentBatches x batchSize ids)
	const recentBatches = 8
	seenIDs := map[string]struct{}{}       // the ids of the batch pending and of the last batches removed
	var recent [recentBatches + 1][]string // those batches' ids: recent[batchNo % len]
	batchNo := 0
	seen := func(id string) bool {
		if _, ok := seenIDs[id]; ok {
			return true
		}
		seenIDs[id] = struct{}{}
		recent[batchNo%len(recent)] = append(recent[batchNo%len(recent)], id)
		return false
	}
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		batchNo++
		old := recent[batchNo%len(recent)] // removed recentBatches batches ago: out of the window
		for _, id := range old {
			delete(seenIDs, id)
		}
		recent[batchNo%len(recent)] = old[:0]
		if err := lim.wait(ctx, len(pending)); err != nil {
			return err
		}
		var r storage.RemoveResult
		var err error
		if sc.st.cond != nil {
			r, err = sc.st.cond.RemoveUnchanged(ctx, pending)
		} else {
			ids := make([]string, len(pending))
			for i, e := range pending {
				ids[i] = e.ID
			}
			r, err = sc.st.batch.InvalidateMany(ctx, ids)
		}
		done.Add(r.RemoveCounts)
		removed.Store(int64(done.Removed))
		for i, v := range views {
			if i < len(r.Outcomes) && r.Outcomes[i] == storage.OutcomeRemoved {
				emit(v) // only what the store confirmed removed
			}
		}
		pending, views = pending[:0], views[:0]
		return err
	}
	var matched atomic.Int64
	prog := startProgressLine(u, "", func() string {
		return fmt.Sprintf("removed %d of %d matched", removed.Load(), matched.Load())
	})
	var ws storage.WalkStats
	o.Stats = &ws
	setBased := false
	if sc.st.set != nil && !dry && len(ms) == 0 && rate == 0 {
		// the database tests each row as it deletes it: what matches then goes, nothing rewritten since
		var p storage.Purged
		p, err = sc.st.set.PurgeMatching(ctx, o, storage.PurgeReport{IDs: asJSON || ids, Removed: func(es []storage.Entry) {
			for _, e := range es {
				v := &entryView{ID: e.ID, Size: sizeJSON(e.Size), Modified: e.Modified.UTC().Format(time.RFC3339), Age: int64(o.Now.Sub(e.Modified) / time.Second)}
				if e.Modified.IsZero() { // no age known (no updated column; an LFU policy)
					v.Modified, v.Age = "", 0
				}
				emit(v)
			}
		}, Counted: func(rows int, _ int64) {
			res.Matched += rows
			matched.Store(int64(res.Matched))
			removed.Store(int64(res.Matched))
		}})
		if setBased = !errors.Is(err, storage.ErrNotSetBased); setBased {
			done.Removed, done.Unknown = p.Removed, p.Unknown
			res.Matched += p.Unknown
			res.Bytes = sizeJSON(p.Bytes)
		}
	}
	if !setBased {
		err = sc.walkMatching(ctx, o, ms, false, func(e storage.Entry, v *entryView) error {
			if !dry && seen(e.ID) {
				return nil
			}
			res.Matched++
			matched.Store(int64(res.Matched))
			res.Bytes += sizeJSON(e.Size)
			if dry {
				if asJSON || ids {
					emit(v)
				} else {
					fmt.Fprintf(w, "would remove %s  %s  %s\n", termSafe(quoteID(v.ID)), v.Size.text(0), ageString(time.Duration(v.Age)*time.Second))
				}
				return nil
			}
			e.Value = "" // the id and the Version are what removal needs
			pending = append(pending, e)
			if asJSON || ids {
				views = append(views, v)
			}
			if len(pending) >= batchSize {
				return flush()
			}
			return nil
		})
		if err == nil && !dry {
			err = flush()
		}
	}
	prog.end()
	res.Removed, res.Changed, res.Missing, res.NotSessions, res.Unknown = done.Removed, done.Changed, done.Missing, done.NotSession, done.Unknown
	res.Undecodable, res.PrunedDirs = sc.undecodable, ws.Pruned
	interrupted := in.caught() != nil
	switch {
	case interrupted:
		res.Interrupted = true
	case err != nil:
		res.Error = err.Error()
	}
	if asJSON {
		b, _ := marshalJSON(res)
		fmt.Fprintf(w, "%s\n", b)
	}
	w.Flush()
	sc.reportReads(u)
	switch {
	case interrupted:
		u.errorf("interrupted by %s: removed %d of %d matched session(s)%s", in.name(), res.Removed, res.Matched, res.details())
		return in.interrupted()
	case err != nil:
		var ee *exitError
		if errors.As(err, &ee) { // --strict
			u.errorf("purge stopped after removing %d of %d matched session(s)%s", res.Removed, res.Matched, res.details())
			return err
		}
		return storageErr(fmt.Errorf("purge stopped after removing %d of %d matched session(s)%s: %w", res.Removed, res.Matched, res.details(), err))
	}
	if dry {
		u.infof("dry run: %d session(s), %d bytes would be removed from %s", res.Matched, res.Bytes, sc.st.name)
	} else {
		bytes := fmt.Sprintf(", %d bytes", res.Bytes)
		if res.Bytes < 0 {
			bytes = "" // not counted
		}
		u.infof("purged %d session(s)%s, from %s%s", res.Removed, bytes, sc.st.name, res.details())
	}
	return nil
}

func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runStorageStats(c *cli.Context, env Env, u *ui) error {
	sc, o, ms, err := openFiltered(c, env, u)
	if err != nil {
		return err
	}
	defer sc.st.close()
	buckets := []struct {
		Label string        `json:"age"`
		Max   time.Duration `json:"-"`
		Count int           `json:"count"`
		Bytes int64         `json:"bytes"`
	}{{"< 1h", time.Hour, 0, 0}, {"1h-1d", 24 * time.Hour, 0, 0}, {"1d-7d", 7 * 24 * time.Hour, 0, 0},
		{"7d-30d", 30 * 24 * time.Hour, 0, 0}, {"30d-90d", 90 * 24 * time.Hour, 0, 0}, {">= 90d", 1<<63 - 1, 0, 0}}
	var count int
	var total int64
	var oldest, newest time.Time
	var ws storage.WalkStats
	o.Stats = &ws
	o.CountSkipped = true // other_files: a TYPE per Redis key
	prog := startProgress(u, "sessions counted:")
	unknown := 0 // sessions without an age (a Redis hash's fields, a SQL table without updated_column)
	err = sc.walkMatching(c.Context, o, ms, false, func(e storage.Entry, v *entryView) error {
		count++
		total += e.Size
		prog.n.Add(1)
		if e.Modified.IsZero() {
			unknown++
			return nil
		}
		if oldest.IsZero() || e.Modified.Before(oldest) {
			oldest = e.Modified
		}
		if newest.IsZero() || e.Modified.After(newest) {
			newest = e.Modified
		}
		age := o.Now.Sub(e.Modified)
		for i := range buckets {
			if age < buckets[i].Max {
				buckets[i].Count++
				buckets[i].Bytes += e.Size
				break
			}
		}
		return nil
	})
	prog.end()
	sc.reportReads(u)
	if err != nil {
		return storageErr(err)
	}
	if c.Bool(flagJSON) {
		m := map[string]any{"store": sc.st.name, "sessions": count, "bytes": total, "histogram": buckets,
			"other_files": ws.Skipped, "empty_dirs": ws.EmptyDirs}
		if len(ms) > 0 {
			m["undecodable"] = sc.undecodable
		}
		if !oldest.IsZero() {
			m["oldest"], m["newest"] = oldest.UTC().Format(time.RFC3339), newest.UTC().Format(time.RFC3339)
		}
		if unknown > 0 {
			m["age_unknown"] = unknown
		}
		b, _ := marshalJSON(m)
		fmt.Fprintf(u.out, "%s\n", b)
		return nil
	}
	st := u.st
	fmt.Fprintf(u.out, "%s %s\n", st.Title.Render("storage"), termSafe(sc.st.name))
	fmt.Fprintf(u.out, "  %s %d\n  %s %d bytes\n", st.Label.Render("sessions"), count, st.Label.Render("bytes"), total)
	if unknown > 0 {
		fmt.Fprintf(u.out, "  %s %d (the store keeps no time of their last write)\n", st.Label.Render("age unknown"), unknown)
	}
	if !oldest.IsZero() {
		fmt.Fprintf(u.out, "  %s %s (%s)\n", st.Label.Render("oldest"), oldest.UTC().Format(time.RFC3339), ageString(o.Now.Sub(oldest)))
		fmt.Fprintf(u.out, "  %s %s (%s)\n", st.Label.Render("newest"), newest.UTC().Format(time.RFC3339), ageString(o.Now.Sub(newest)))
	}
	if ws.Skipped > 0 {
		fmt.Fprintf(u.out, "  %s %d (not sessions, left alone: temporary files of interrupted writes, stray names, symbolic links, FIFOs, keys of another type)\n",
			st.Label.Render("other files"), ws.Skipped)
	}
	if ws.EmptyDirs > 0 {
		fmt.Fprintf(u.out, "  %s %d (left by an interrupted purge; the next purge removes them)\n",
			st.Label.Render("empty dirs"), ws.EmptyDirs)
	}
	maxC := 1
	for _, b := range buckets {
		maxC = max(maxC, b.Count)
	}
	fmt.Fprintf(u.out, "  %s\n", st.Label.Render("ages"))
	for _, b := range buckets {
		bar := strings.Repeat("█", b.Count*30/maxC)
		if b.Count > 0 && bar == "" {
			bar = "▏"
		}
		fmt.Fprintf(u.out, "    %-8s %7d  %s\n", b.Label, b.Count, st.Key.Render(bar))
	}
	return nil
}

// parseRate reads --rate: N/s or N/m (N may have a fraction: 0.5/s); 0 when not given.
func parseRate(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	num, unit, ok := strings.Cut(s, "/")
	per := map[string]float64{"s": 1, "sec": 1, "m": 60, "min": 60}[unit]
	n, err := strconv.ParseFloat(num, 64)
	if !ok || per == 0 || err != nil || n <= 0 || n > 1e9 {
		return 0, usageErr("--rate %q: want sessions per second or minute, e.g. 500/s or 600/m", s)
	}
	return n / per, nil
}

// limiter paces removals at a rate a second: wait(n) returns when n more fit since the start.
type limiter struct {
	rate  float64 // per second; 0 = no limit
	start time.Time
	done  float64
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

func newLimiter(rate float64) *limiter {
	return &limiter{rate: rate, now: time.Now, sleep: func(ctx context.Context, d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}}
}

func (l *limiter) wait(ctx context.Context, n int) error {
	if l.rate <= 0 {
		return nil
	}
	if l.start.IsZero() {
		l.start = l.now()
	}
	// the batch may start once the ones before it are due
	due := l.start.Add(time.Duration(l.done / l.rate * float64(time.Second)))
	l.done += float64(n)
	if d := due.Sub(l.now()); d > 0 {
		return l.sleep(ctx, d)
	}
	return nil
}
