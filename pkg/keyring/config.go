// Package keyring reads sessionctl's keyring file (TOML: [keys.ID] key material, [providers.NAME]
// session providers) and builds the providers it describes: transformer chain, cookie
// configuration, serializer format, storage URL. The file format is a contract shared by the
// CLI, the offline debugger page and Go services.
//
// The package never reads the environment or files by itself: Options gives it the
// environment lookup and the file opener (the CLI passes os.Getenv and an os.Open; a browser
// page passes none). It never prints: warnings are returned as data.
//
// # Limits
//
// A keyring is written by an operator, often under pressure, and a mistake must fail clearly, not
// exhaust the machine. So what the package reads is bounded before it is read: a keys file and a
// file = "PATH" key must be regular files (a FIFO would block forever, /dev/zero never ends), at
// most MaxKeyringSize and MaxKeyFileSize bytes (checked on the open file, then by reading at most
// one byte more); an env = "VAR" value at most MaxKeyFileSize; and TOML nesting (inline tables,
// arrays, dotted keys and table headers together) at most MaxNesting levels, checked before the
// TOML decoder runs, whose work grows with the square of the nesting (a 16 KB file of nested
// inline tables takes it 17 s and 1.8 GB). Every refusal is an *Error naming the file and ErrLimit
// (sizes, nesting) or ErrRead (not a regular file).
package keyring

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// The keyring file: [keys.ID] key material, [providers.NAME] session providers. Strict: an unknown
// key anywhere is an error that names it.

// KeySpec is one [keys.ID] table: exactly one of Hex, Base64, Text, Env and File is set.
// Encoding, for Env and File only, says how their value reads: "text" (its bytes, as Ktor's
// System.getenv(…).toByteArray()), "hex" or "base64". Without it an env value may say so itself
// ("hex:…", "base64:…", "text:…"), and is else read as hex when it is valid hex (then
// EncodingWarnings says so: an app may well take those characters as text); a file is its bytes.
type KeySpec struct {
	Hex      *string `toml:"hex"`
	Base64   *string `toml:"base64"`
	Text     *string `toml:"text"`
	Env      *string `toml:"env"`
	File     *string `toml:"file"`
	Encoding *string `toml:"encoding"`
}

// Limits of what a keyring reads (see the package documentation).
const (
	MaxKeyringSize = 256 << 10 // a keys file; a keyring of a thousand keys is about 100 KB
	MaxKeyFileSize = 64 << 10  // a file = "PATH" key, an env = "VAR" value; keys are 16 to 64 bytes
	MaxNesting     = 16        // TOML nesting; a keyring needs 5 ([providers.P.cookie] extensions = {…})
)

// ProfileValue is the `ktor` of a provider: an exact release (ktor = "3.0.0") or an alias for
// the newest release of a line (ktor = "3", ktor = 3, ktor = 1.6). A TOML float that is a whole
// number (ktor = 3.0) is refused: it cannot tell the 3.0 line from 3.
type ProfileValue string

func (p *ProfileValue) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		*p = ProfileValue(x)
	case int64:
		*p = ProfileValue(strconv.FormatInt(x, 10))
	case float64:
		if x == math.Trunc(x) {
			return fmt.Errorf("ktor = %.1f is a TOML number that cannot say which line it means: write ktor = \"%.1f\" (the %.1f line) or ktor = \"%d\" (any %d.x)", x, x, x, int64(x), int64(x))
		}
		*p = ProfileValue(strconv.FormatFloat(x, 'f', -1, 64))
	default:
		return fmt.Errorf("ktor: want a release such as \"3.0.0\", got %v", v)
	}
	return nil
}

// MaxAgeValue is a cookie's max_age: seconds (0 = a session cookie, neither Max-Age nor
// Expires), "session" (the same, said in words), or "zero": Ktor's literal maxAgeInSeconds = 0,
// which Ktor 3 sends as Max-Age=0 (and Ktor before 1.3.0, as Duration.ZERO, as Expires=now).
type MaxAgeValue struct {
	Seconds int64
	Zero    bool // "zero": codec.CookieConfig.ZeroMaxAge
}

func (m *MaxAgeValue) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		*m = MaxAgeValue{Seconds: x}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "session", "none":
			*m = MaxAgeValue{}
		case "zero":
			*m = MaxAgeValue{Zero: true}
		default:
			return fmt.Errorf("max_age %q: want seconds, \"session\" (no Max-Age) or \"zero\" (Ktor's maxAgeInSeconds = 0: Max-Age=0 in Ktor 3)", x)
		}
	default:
		return fmt.Errorf("max_age: want seconds, \"session\" or \"zero\", got %v", v)
	}
	return nil
}

// TransformSpec is one [[providers.NAME.transform]] table.
type TransformSpec struct {
	Type                   string   `toml:"type"`
	Keys                   []string `toml:"keys"`
	SignKeys               []string `toml:"sign_keys"`
	Format                 string   `toml:"format"`
	BackwardCompatibleRead *bool    `toml:"backward_compatible_read"`
	Algorithm              string   `toml:"algorithm"`
	SignAlgorithm          string   `toml:"sign_algorithm"`
	Salt                   *string  `toml:"salt"`
}

// CookieSpec is a [providers.NAME.cookie] table (Ktor's CookieConfiguration); unset = the release's default.
type CookieSpec struct {
	MaxAge     *MaxAgeValue   `toml:"max_age"`
	Encoding   string         `toml:"encoding"`
	Domain     *string        `toml:"domain"`
	Path       *string        `toml:"path"`
	Secure     *bool          `toml:"secure"`
	HTTPOnly   *bool          `toml:"http_only"`
	Extensions map[string]any `toml:"extensions"`
}

// ProviderSpec is one [providers.NAME] table.
type ProviderSpec struct {
	Transport  string          `toml:"transport"`
	Tracker    string          `toml:"tracker"`
	Ktor       ProfileValue    `toml:"ktor"`
	Serializer string          `toml:"serializer"`
	Storage    string          `toml:"storage"`
	Transform  []TransformSpec `toml:"transform"`
	Cookie     *CookieSpec     `toml:"cookie"`
	Store      *StoreSpec      `toml:"store"`
}

// StoreSpec is a [providers.NAME.store] table: parameters of the storage URL given as fields (a
// SQL store's table mapping, a Redis key prefix), added to the URL's query; one given both ways
// is an error of the URL.
type StoreSpec struct {
	Table         string `toml:"table"`
	IDColumn      string `toml:"id_column"`
	ValueColumn   string `toml:"value_column"`
	UpdatedColumn string `toml:"updated_column"`
	UpdatedUnit   string `toml:"updated_unit"`
	ExpiresColumn string `toml:"expires_column"`
	ExpiresUnit   string `toml:"expires_unit"`
	Value         string `toml:"value"`
	Prefix        string `toml:"prefix"`
	Layout        string `toml:"layout"` // Redis: string (a key per session) or hash
	Key           string `toml:"key"`    // Redis layout = "hash": the hash's key
}

// params are the fields that are set, as URL parameters in a fixed order.
func (s *StoreSpec) params() [][2]string {
	var out [][2]string
	for _, f := range [][2]string{{"table", s.Table}, {"id_column", s.IDColumn}, {"value_column", s.ValueColumn},
		{"updated_column", s.UpdatedColumn}, {"updated_unit", s.UpdatedUnit}, {"expires_column", s.ExpiresColumn},
		{"expires_unit", s.ExpiresUnit}, {"value", s.Value}, {"prefix", s.Prefix}, {"layout", s.Layout}, {"key", s.Key}} {
		if f[1] != "" {
			out = append(out, f)
		}
	}
	return out
}

// Config is the keyring file as decoded.
type Config struct {
	Keys      map[string]KeySpec      `toml:"keys"`
	Providers map[string]ProviderSpec `toml:"providers"`
}

// Keyring is a parsed keyring file. Key material is resolved lazily, so that a provider can be used
// while another provider's env key is absent; `keys check` resolves everything.
type Keyring struct {
	path      string
	cfg       Config
	order     []string            // provider names in file order
	extOrder  map[string][]string // provider -> extension names in file order
	resolved  map[string][]byte
	getenv    func(string) string
	open      func(string) (fs.File, error)
	stat      func(string) (fs.FileInfo, error)
	warnings  []string
	providers map[string]*Provider
	iv        transform.IVSource // --iv: a fixed IV for encrypt writes
	// overKtor, overSerializer: --ktor, --serializer for every provider ("" = the file's)
	overKtor, overSerializer string
}

// Options are what a keyring may read outside its own text. A nil function means there is no
// such thing here (a browser page): env and file keys then fail with an error naming the key.
type Options struct {
	Getenv func(key string) string // env = "VAR" keys; the CLI passes os.Getenv
	// Open opens a file = "PATH" key and Load's keys file for reading; the CLI passes an os.Open
	// that does not block on a FIFO. What it opens is checked on the open file (fs.File.Stat)
	// before it is read: a regular file within the size limit.
	Open func(name string) (fs.File, error)
	// Stat, when set, is asked first, so that a FIFO or a device is refused without opening it, and
	// for Load's permission warning; the CLI passes os.Stat.
	Stat func(name string) (fs.FileInfo, error)
}

// readBounded reads the regular file name of at most max bytes: the type and the size are checked
// before anything is read (with o.Stat when given, then on the open file), and the read stops one
// byte past max, should the file grow in between.
func readBounded(open func(string) (fs.File, error), stat func(string) (fs.FileInfo, error), name string, max int64) ([]byte, error) {
	check := func(st fs.FileInfo) error {
		if !st.Mode().IsRegular() {
			return &limitError{sentinel: ErrRead, msg: "not a regular file (" + fileKind(st.Mode()) + ")"}
		}
		if st.Size() > max {
			return &limitError{sentinel: ErrLimit, msg: fmt.Sprintf("%d bytes, more than the %s a %s may have", st.Size(), sizeString(max), what(max))}
		}
		return nil
	}
	if stat != nil {
		st, err := stat(name)
		if err != nil {
			return nil, err
		}
		if err := check(st); err != nil {
			return nil, err
		}
	}
	f, err := open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(st); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, &limitError{sentinel: ErrLimit, msg: fmt.Sprintf("more than the %s a %s may have (it grew while read)", sizeString(max), what(max))}
	}
	return b, nil
}

// limitError is a refusal of readBounded; the caller wraps it in an *Error with its sentinel.
type limitError struct {
	sentinel error
	msg      string
}

func (e *limitError) Error() string { return e.msg }

func what(max int64) string {
	if max == MaxKeyringSize {
		return "keys file"
	}
	return "key file"
}

func sizeString(n int64) string { return fmt.Sprintf("%d KiB", n>>10) }

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO: reading it would wait for a writer"
	case m&fs.ModeCharDevice != 0:
		return "a character device such as /dev/zero"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// checkNesting refuses TOML nested deeper than MaxNesting before it is decoded (the decoder's
// work grows with the square of the nesting). It follows TOML's lexical structure: comments and
// strings (basic, literal, multi-line) are skipped; an inline table, an array or a table header
// opens a level, and each '.' of a key adds one, counted along the path (the keys leading to an
// inline table count inside it). It returns the 1-based line where the text gets too deep, or 0.
func checkNesting(s string) int {
	type level struct {
		kind byte // '{' inline table, '[' array, 'H' table header
		base int  // the path's dots outside this level
	}
	var st []level
	base, dots, keyDots, line := 0, 0, 0, 1
	table, headers := 0, 0 // the levels of the current [table] header; '[' of the header being read
	key := true            // reading a key: at the start of a line, in a header, after '{' or an inline table's ','
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\n':
			line++
			if len(st) == 0 {
				key, base, dots, keyDots = true, table, 0, 0
			}
		case '#':
			for i+1 < len(s) && s[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			q := s[i : i+1]
			if strings.HasPrefix(s[i:], q+q+q) {
				end := strings.Index(s[i+3:], q+q+q)
				if end < 0 {
					return 0 // unterminated: the decoder says so
				}
				j := i + 3 + end + 3
				for j < len(s) && s[j] == c { // a multi-line string may end with two more quotes
					j++
				}
				line += strings.Count(s[i:j], "\n")
				i = j - 1
				continue
			}
			j := i + 1
			for j < len(s) && s[j] != c && s[j] != '\n' {
				if c == '"' && s[j] == '\\' {
					j++
				}
				j++
			}
			i = j
		case '=':
			if key {
				key, keyDots, dots = false, dots, 0
			}
		case '.':
			if key {
				dots++
			}
		case '{':
			st = append(st, level{'{', base})
			base += keyDots
			key, dots, keyDots = true, 0, 0
		case '[':
			if key && (len(st) == 0 || st[len(st)-1].kind == 'H') {
				// a table header: its path starts at the root, its dots are counted as read
				if len(st) == 0 {
					base, dots, headers = 0, 0, 0
				}
				headers++
				st = append(st, level{'H', 0})
			} else {
				st = append(st, level{'[', base})
				base += keyDots
				keyDots = 0
			}
		case '}', ']':
			if len(st) > 0 {
				top := st[len(st)-1]
				st = st[:len(st)-1]
				base = top.base
				if top.kind == 'H' && len(st) == 0 {
					table = headers + dots // the keys below are this deep already
				}
			}
			key = false
		case ',':
			if len(st) > 0 && st[len(st)-1].kind == '{' {
				key, dots = true, 0
			}
		}
		if len(st)+base+dots > MaxNesting {
			return line
		}
	}
	return 0
}

// Parse reads a keyring from its text; path names it in errors. Text over MaxKeyringSize or
// nested deeper than MaxNesting is refused (ErrLimit) before it is decoded.
func Parse(path string, data []byte, o Options) (*Keyring, error) {
	if len(data) > MaxKeyringSize {
		return nil, &Error{Path: path, Err: ErrLimit, msg: fmt.Sprintf("%s: %d bytes, more than the %s a keys file may have", path, len(data), sizeString(MaxKeyringSize))}
	}
	if line := checkNesting(string(data)); line > 0 {
		return nil, &Error{Path: path, Line: line, Err: ErrLimit,
			msg: fmt.Sprintf("%s: line %d: nested more than %d levels deep (tables, arrays and dotted keys; a keyring needs 5)", path, line, MaxNesting)}
	}
	var cfg Config
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			col := column(pe)
			return nil, &Error{Path: path, Line: pe.Position.Line, Column: col, Err: ErrSyntax, Cause: err,
				msg: fmt.Sprintf("%s: line %d, column %d: %s", path, pe.Position.Line, col, pe.Message), Excerpt: excerpt(pe)}
		}
		return nil, &Error{Path: path, Err: ErrSyntax, Cause: err, msg: fmt.Sprintf("%s: %v", path, err)}
	}
	if und := md.Undecoded(); len(und) > 0 {
		names := make([]string, 0, len(und))
		for _, k := range und {
			names = append(names, k.String())
		}
		hint := ""
		if len(und) == 1 {
			hint = suggestKey(und[0])
		}
		return nil, &Error{Path: path, Err: ErrUnknownKey, msg: fmt.Sprintf("%s: unknown key %s%s", path, strings.Join(names, ", "), hint)}
	}
	kr := &Keyring{path: path, cfg: cfg, resolved: map[string][]byte{}, getenv: o.Getenv, open: o.Open, stat: o.Stat,
		extOrder: map[string][]string{}, providers: map[string]*Provider{}}
	seen := map[string]bool{}
	for _, k := range md.Keys() {
		if len(k) >= 2 && k[0] == "providers" && !seen[k[1]] {
			seen[k[1]] = true
			kr.order = append(kr.order, k[1])
		}
		if len(k) == 5 && k[0] == "providers" && k[2] == "cookie" && k[3] == "extensions" {
			kr.extOrder[k[1]] = append(kr.extOrder[k[1]], k[4])
		}
	}
	for id, ks := range cfg.Keys {
		n := 0
		for _, p := range []*string{ks.Hex, ks.Base64, ks.Text, ks.Env, ks.File} {
			if p != nil {
				n++
			}
		}
		if n != 1 {
			return nil, &Error{Path: path, KeyID: id, Err: ErrKey,
				msg: fmt.Sprintf("%s: key %q: give exactly one of hex, base64, text, env, file (found %d)", path, id, n)}
		}
		if e := ks.Encoding; e != nil {
			if ks.Env == nil && ks.File == nil {
				return nil, &Error{Path: path, KeyID: id, Err: ErrKey,
					msg: fmt.Sprintf("%s: key %q: encoding applies to env and file keys (hex, base64 and text say it themselves)", path, id)}
			}
			if *e != "text" && *e != "hex" && *e != "base64" {
				return nil, &Error{Path: path, KeyID: id, Err: ErrKey,
					msg: fmt.Sprintf("%s: key %q: encoding %q: want text, hex or base64", path, id, *e)}
			}
		}
	}
	return kr, nil
}

// column: the column ErrorWithPosition reports ("At line 4, column 13-14:"), 0 when none.
func column(pe toml.ParseError) int {
	m := atColumn.FindStringSubmatch(pe.ErrorWithPosition())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

var atColumn = regexp.MustCompile(`At line \d+, column (\d+)`)

// secretLine: a line of the excerpt that holds key material ("  3 | hex = \"…\"").
var secretLine = regexp.MustCompile(`^(\s*\d+ \| \s*(?:hex|base64|text)\s*=\s*).*$`)

// excerpt: the lines around a TOML syntax error with a caret under it, from
// ParseError.ErrorWithPosition, with the values of hex, base64 and text keys masked: an error
// message never shows key material.
func excerpt(pe toml.ParseError) []string {
	s := pe.ErrorWithPosition()
	i := strings.Index(s, "\n\n")
	if i < 0 {
		return nil
	}
	// "toml: error: MSG\n\nAt line L, column C:\n\n   lines\n   ^\n"
	rest := s[i+2:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[j+2:]
	}
	lines := strings.Split(strings.TrimRight(rest, "\n"), "\n")
	for k, l := range lines {
		if m := secretLine.FindStringSubmatch(l); m != nil {
			lines[k] = m[1] + `"(hidden)"`
		}
	}
	return lines
}

// suggestKey names the known key a misspelt one was probably meant to be.
func suggestKey(k toml.Key) string {
	known := map[string][]string{
		"keys":      {"hex", "base64", "text", "env", "file", "encoding"},
		"providers": {"transport", "tracker", "ktor", "serializer", "storage", "transform", "cookie", "store"},
		"store":     {"table", "id_column", "value_column", "updated_column", "updated_unit", "expires_column", "expires_unit", "value", "prefix", "layout", "key"},
		"transform": {"type", "keys", "sign_keys", "format", "backward_compatible_read", "algorithm", "sign_algorithm", "salt"},
		"cookie":    {"max_age", "encoding", "domain", "path", "secure", "http_only", "extensions"},
	}
	last := k[len(k)-1]
	var set []string
	switch {
	case len(k) == 1:
		set = []string{"keys", "providers"}
	case k[0] == "keys":
		set = known["keys"]
	case len(k) == 3:
		set = known["providers"]
	case len(k) == 4 && k[2] == "transform":
		set = known["transform"]
	case len(k) == 4 && k[2] == "cookie":
		set = known["cookie"]
	case len(k) == 4 && k[2] == "store":
		set = known["store"]
	}
	best, bestD := "", 3
	for _, s := range set {
		if d := editDistance(last, s); d < bestD {
			best, bestD = s, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev = cur
	}
	return prev[len(b)]
}

// KeyBytes resolves one key id to its material.
func (kr *Keyring) KeyBytes(id string) ([]byte, error) {
	if b, ok := kr.resolved[id]; ok {
		return b, nil
	}
	ks, ok := kr.cfg.Keys[id]
	if !ok {
		return nil, &Error{Path: kr.path, KeyID: id, Err: ErrKey, msg: fmt.Sprintf("%s: key id %q is not defined under [keys]", kr.path, id)}
	}
	var b []byte
	var err error
	switch {
	case ks.Hex != nil:
		b, err = hex.DecodeString(strings.TrimSpace(*ks.Hex))
		if err != nil {
			err = fmt.Errorf("hex: %v", err)
		}
	case ks.Base64 != nil:
		s := strings.TrimSpace(*ks.Base64)
		b, err = base64.StdEncoding.DecodeString(s)
		if err != nil {
			if b2, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err2 == nil {
				b, err = b2, nil
			} else {
				err = fmt.Errorf("base64: %v", err)
			}
		}
	case ks.Text != nil:
		b = []byte(*ks.Text)
	case ks.Env != nil:
		v := ""
		if kr.getenv != nil {
			v = kr.getenv(*ks.Env)
		}
		switch {
		case v == "":
			err = fmt.Errorf("environment variable %s is not set or empty", *ks.Env)
		case len(v) > MaxKeyFileSize:
			return nil, &Error{Path: kr.path, KeyID: id, Err: ErrLimit, msg: fmt.Sprintf("%s: key %q: environment variable %s: %d bytes, more than the %s a key may have",
				kr.path, id, *ks.Env, len(v), sizeString(MaxKeyFileSize))}
		case ks.Encoding != nil:
			if b, err = decodeAs(*ks.Encoding, v); err != nil {
				err = fmt.Errorf("environment variable %s: %v", *ks.Env, err)
			}
		default:
			b, err = decodeMaterial(v)
		}
	case ks.File != nil:
		if kr.open == nil {
			err = &Error{Path: kr.path, KeyID: id, Err: ErrUnavailable, msg: fmt.Sprintf("file %s: reading files is not available here", *ks.File)}
			break
		}
		var data []byte
		data, err = readBounded(kr.open, kr.stat, *ks.File, MaxKeyFileSize)
		var le *limitError
		if errors.As(err, &le) {
			return nil, &Error{Path: kr.path, KeyID: id, Err: le.sentinel, Cause: err, msg: fmt.Sprintf("%s: key %q: file %s: %v", kr.path, id, *ks.File, err)}
		}
		if err != nil {
			break
		}
		if ks.Encoding != nil {
			if b, err = decodeAs(*ks.Encoding, strings.TrimSpace(string(data))); err != nil {
				err = fmt.Errorf("file %s: %v", *ks.File, err)
			}
			break
		}
		b = []byte(strings.TrimRight(string(data), "\r\n"))
		if !utf8.Valid(b) {
			b = data
		}
	}
	if err != nil {
		return nil, &Error{Path: kr.path, KeyID: id, Err: ErrKey, Cause: err, msg: fmt.Sprintf("%s: key %q: %v", kr.path, id, err)}
	}
	if len(b) == 0 {
		return nil, &Error{Path: kr.path, KeyID: id, Err: ErrKey, msg: fmt.Sprintf("%s: key %q: empty key material", kr.path, id)}
	}
	kr.resolved[id] = b
	return b, nil
}

// decodeAs reads key material in the given encoding ("text", "hex", "base64"), exactly: no
// prefix is looked for.
func decodeAs(encoding, v string) ([]byte, error) {
	switch encoding {
	case "hex":
		b, err := hex.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("encoding = \"hex\": %v", err)
		}
		return b, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("encoding = \"base64\": %v", err)
		}
		return b, nil
	}
	return []byte(v), nil
}

// ambiguousEnv: an env value without an encoding that decodeMaterial reads as hex although an app
// may well take it as text (System.getenv(…).toByteArray()).
func ambiguousEnv(v string) bool {
	if strings.HasPrefix(v, "hex:") || strings.HasPrefix(v, "base64:") || strings.HasPrefix(v, "text:") {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil && len(v) >= 2
}

// EncodingWarnings names the env keys whose value is read as hex only because it looks like hex
// (no encoding, no "hex:" prefix): an app that does System.getenv(…).toByteArray() uses those
// characters as its key, not the bytes they spell. Keys whose variable is unset are left out.
func (kr *Keyring) EncodingWarnings() []string {
	var out []string
	for _, id := range sortedKeys(kr.cfg.Keys) {
		ks := kr.cfg.Keys[id]
		if ks.Env == nil || ks.Encoding != nil || kr.getenv == nil {
			continue
		}
		if v := kr.getenv(*ks.Env); ambiguousEnv(v) {
			out = append(out, fmt.Sprintf("%s: key %q: %s is read as hex (%d bytes), as it looks like hex; if the app takes it as text "+
				"(System.getenv(\"%s\").toByteArray(), %d bytes), say encoding = \"text\"; encoding = \"hex\" says hex is meant",
				kr.path, id, *ks.Env, len(v)/2, *ks.Env, len(v)))
		}
	}
	return out
}

// decodeMaterial reads key material from an env var without an encoding: "hex:…", "base64:…",
// "text:…"; a bare value is hex when it is valid hex (EncodingWarnings says so), else its UTF-8
// bytes.
func decodeMaterial(v string) ([]byte, error) {
	switch {
	case strings.HasPrefix(v, "hex:"):
		return hex.DecodeString(v[4:])
	case strings.HasPrefix(v, "base64:"):
		return base64.StdEncoding.DecodeString(v[7:])
	case strings.HasPrefix(v, "text:"):
		return []byte(v[5:]), nil
	}
	if b, err := hex.DecodeString(v); err == nil && len(v) >= 2 {
		return b, nil
	}
	return []byte(v), nil
}

// Keys resolves key ids to transform keys, in order.
func (kr *Keyring) Keys(ids []string) ([]transform.Key, error) {
	out := make([]transform.Key, 0, len(ids))
	for _, id := range ids {
		b, err := kr.KeyBytes(id)
		if err != nil {
			return nil, err
		}
		out = append(out, transform.Key{ID: id, Bytes: b})
	}
	return out, nil
}

// ProviderNames in file order.
func (kr *Keyring) ProviderNames() []string { return kr.order }

// Load reads the keyring file at path with o.Open: a regular file of at most MaxKeyringSize
// bytes, checked before it is read (else ErrRead or ErrLimit). The warnings (a file readable by
// group or others) are for the caller to show.
func Load(path string, o Options) (*Keyring, []string, error) {
	if o.Open == nil {
		return nil, nil, &Error{Path: path, Err: ErrUnavailable, msg: fmt.Sprintf("keys file %s: reading files is not available here", path)}
	}
	data, err := readBounded(o.Open, o.Stat, path, MaxKeyringSize)
	if err != nil {
		var le *limitError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, nil, &Error{Path: path, Err: ErrNotFound, Cause: err, msg: fmt.Sprintf("keys file %s does not exist", path)}
		case errors.As(err, &le):
			return nil, nil, &Error{Path: path, Err: le.sentinel, Cause: err, msg: fmt.Sprintf("keys file %s: %v", path, err)}
		}
		return nil, nil, &Error{Path: path, Err: ErrRead, Cause: err, msg: err.Error()}
	}
	var warns []string
	if o.Stat != nil {
		if st, err := o.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			warns = append(warns, fmt.Sprintf("keys file %s is readable by group or others (mode %04o): chmod 600 %s", path, st.Mode().Perm(), path))
		}
	}
	kr, err := Parse(path, data, o)
	return kr, warns, err
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
