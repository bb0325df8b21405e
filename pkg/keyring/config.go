// Package keyring reads sessionctl's keyring file (TOML: [keys.ID] key material, [providers.NAME]
// session providers) and builds the providers it describes: transformer chain, cookie
// configuration, serializer format, storage URL. The file format is a contract shared by the
// CLI, the offline debugger page and Go services.
//
// The package never reads the environment or files by itself: Options gives it the
// environment lookup and the file reader (the CLI passes os.Getenv and os.ReadFile; a browser
// page passes none). It never prints: warnings are returned as data.
package keyring

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
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

// KeySpec is one [keys.ID] table: exactly one of the fields is set.
type KeySpec struct {
	Hex    *string `toml:"hex"`
	Base64 *string `toml:"base64"`
	Text   *string `toml:"text"`
	Env    *string `toml:"env"`
	File   *string `toml:"file"`
}

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
	readFile  func(string) ([]byte, error)
	warnings  []string
	providers map[string]*Provider
	iv        transform.IVSource // --iv: a fixed IV for encrypt writes
	// overKtor, overSerializer: --ktor, --serializer for every provider ("" = the file's)
	overKtor, overSerializer string
}

// Options are what a keyring may read outside its own text. A nil function means there is no
// such thing here (a browser page): env and file keys then fail with an error naming the key.
type Options struct {
	Getenv   func(key string) string                // env = "VAR" keys; the CLI passes os.Getenv
	ReadFile func(name string) ([]byte, error)      // file = "PATH" keys and Load; the CLI passes os.ReadFile
	Stat     func(name string) (fs.FileInfo, error) // Load's permission warning; the CLI passes os.Stat
}

// Parse reads a keyring from its text; path names it in errors.
func Parse(path string, data []byte, o Options) (*Keyring, error) {
	var cfg Config
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			col := column(pe)
			return nil, &Error{Path: path, Line: pe.Position.Line, Column: col, Err: ErrSyntax, Cause: err,
				msg: fmt.Sprintf("%s: line %d, column %d: %s%s", path, pe.Position.Line, col, pe.Message, excerpt(pe))}
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
	kr := &Keyring{path: path, cfg: cfg, resolved: map[string][]byte{}, getenv: o.Getenv, readFile: o.ReadFile,
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
func excerpt(pe toml.ParseError) string {
	s := pe.ErrorWithPosition()
	i := strings.Index(s, "\n\n")
	if i < 0 {
		return ""
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
	return "\n\n" + strings.Join(lines, "\n")
}

// suggestKey names the known key a misspelt one was probably meant to be.
func suggestKey(k toml.Key) string {
	known := map[string][]string{
		"keys":      {"hex", "base64", "text", "env", "file"},
		"providers": {"transport", "tracker", "ktor", "serializer", "storage", "transform", "cookie"},
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
		if v == "" {
			err = fmt.Errorf("environment variable %s is not set or empty", *ks.Env)
		} else {
			b, err = decodeMaterial(v)
		}
	case ks.File != nil:
		var data []byte
		if kr.readFile == nil {
			err = &Error{Path: kr.path, KeyID: id, Err: ErrUnavailable, msg: fmt.Sprintf("file %s: reading files is not available here", *ks.File)}
			break
		}
		data, err = kr.readFile(*ks.File)
		if err == nil {
			b = []byte(strings.TrimRight(string(data), "\r\n"))
			if !utf8.Valid(b) {
				b = data
			}
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

// decodeMaterial reads key material from an env var: "hex:…", "base64:…", "text:…"; a bare value is
// hex when it is valid hex, else its UTF-8 bytes.
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

// Load reads the keyring file at path with o.ReadFile. The warnings (a file readable by group or
// others) are for the caller to show.
func Load(path string, o Options) (*Keyring, []string, error) {
	if o.ReadFile == nil {
		return nil, nil, &Error{Path: path, Err: ErrUnavailable, msg: fmt.Sprintf("keys file %s: reading files is not available here", path)}
	}
	data, err := o.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, &Error{Path: path, Err: ErrNotFound, Cause: err, msg: fmt.Sprintf("keys file %s does not exist", path)}
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
