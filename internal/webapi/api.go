package webapi

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sessionctl/sessionctl/pkg/audit"
	"github.com/sessionctl/sessionctl/pkg/encode"
	"github.com/sessionctl/sessionctl/pkg/inspect"
	"github.com/sessionctl/sessionctl/pkg/keyring"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// MaxInput is the largest pasted text analyzed (the CLI reads up to 64 MiB from stdin; a page
// that froze on a pasted log would be no use).
const MaxInput = 4 << 20

// MaxTokens is how many tokens of one pasted text are analyzed and audited.
const MaxTokens = 100

// Keys are where the keys come from: a pasted keyring (TOML, the keys.example.toml format) or a
// one-off chain as the CLI's flags give it (--mac-key, --encrypt-key, --sign-key, --digest-salt,
// --ktor…), or neither (no keys: the structure is guessed from the value's shape).
type Keys struct {
	Keyring string `json:"keyring,omitempty"` // TOML text

	MACKeys         []string `json:"mac_keys,omitempty"` // hex, first = current
	MACAlgorithm    string   `json:"mac_algorithm,omitempty"`
	EncryptKeys     []string `json:"encrypt_keys,omitempty"` // hex
	SignKeys        []string `json:"sign_keys,omitempty"`    // hex
	SignAlgorithm   string   `json:"sign_algorithm,omitempty"`
	EncryptFormat   string   `json:"encrypt_format,omitempty"` // current | legacy
	BackwardCompat  *bool    `json:"backward_compatible_read,omitempty"`
	DigestSalt      *string  `json:"digest_salt,omitempty"`
	DigestAlgorithm string   `json:"digest_algorithm,omitempty"`
	Name            string   `json:"name,omitempty"` // the cookie name of the one-off provider (SESSION)

	// Ktor and Serializer are the CLI's --ktor and --serializer: the one-off chain's, or, with a
	// keyring, every provider's instead of the file's; Ktor without keys is the release a value
	// is read as.
	Ktor       string `json:"ktor,omitempty"`       // an exact release (3.0.0) or a line's newest (3)
	Serializer string `json:"serializer,omitempty"` // auto | ktor-text | backward-compatible | json
}

func (k Keys) oneOff() bool {
	return len(k.MACKeys) > 0 || len(k.EncryptKeys) > 0 || len(k.SignKeys) > 0 || k.DigestSalt != nil || k.DigestAlgorithm != ""
}

// KeyringName names a pasted keyring in error messages.
const KeyringName = "keyring (pasted)"

// keyringOf builds the keyring of k and the provider implied (a one-off chain's, or the only
// provider of a pasted keyring), as the CLI's loadKeyring does; nil when there are no keys.
func keyringOf(k Keys) (*keyring.Keyring, string, error) {
	hasTOML := strings.TrimSpace(k.Keyring) != ""
	switch {
	case hasTOML && k.oneOff():
		return nil, "", &Error{Kind: KindUsage, msg: "give the chain either in a keyring or as one-off keys, not both"}
	case k.oneOff():
		return oneOffKeyring(k)
	case hasTOML:
		kr, err := keyring.Parse(KeyringName, []byte(k.Keyring), keyring.Options{})
		if err != nil {
			return nil, "", &Error{Kind: KindKeyring, msg: err.Error(), cause: err}
		}
		if _, err := ktorOf(k); err != nil {
			return nil, "", err
		}
		if k.Ktor != "" || k.Serializer != "" {
			kr.Override(k.Ktor, k.Serializer)
		}
		name := ""
		if names := kr.ProviderNames(); len(names) == 1 {
			name = names[0]
		}
		return kr, name, nil
	}
	if _, err := ktorOf(k); err != nil {
		return nil, "", err
	}
	if k.Serializer != "" {
		return nil, "", &Error{Kind: KindUsage, msg: "serializer given without a provider: paste a keyring or give one-off keys for it to apply to"}
	}
	return nil, "", nil
}

// ktorOf: the release Keys.Ktor names ("" when none), checked as the CLI's --ktor is.
func ktorOf(k Keys) (transform.Profile, error) {
	if k.Ktor == "" {
		return "", nil
	}
	p, err := transform.ParseProfile(k.Ktor)
	if err != nil {
		return "", &Error{Kind: KindUsage, msg: "ktor: " + err.Error(), cause: err}
	}
	return p, nil
}

// The last pasted keyring, parsed, for the reading operations (analyze, keyring): the TOML
// parser runs its lexer in a goroutine, and a goroutine switch is slow in WebAssembly, so parsing
// the example keyring takes ~30 ms there (0.4 ms natively) — on every keystroke in the cookie
// field it would be most of the analysis. Only the last keyring is kept, and none once a request
// comes without one (the user cleared it). Encode never uses it: it may fix the IV (SetIV).
var cache struct {
	sync.Mutex
	text string // the keyring and the overrides it was parsed with
	kr   *keyring.Keyring
	name string
}

// readKeyring is keyringOf for reading operations; the caller holds cache's lock.
func readKeyring(k Keys) (*keyring.Keyring, string, error) {
	if k.oneOff() || strings.TrimSpace(k.Keyring) == "" {
		cache.text, cache.kr, cache.name = "", nil, ""
		return keyringOf(k)
	}
	key := k.Ktor + "\x00" + k.Serializer + "\x00" + k.Keyring
	if cache.kr != nil && cache.text == key {
		return cache.kr, cache.name, nil
	}
	kr, name, err := keyringOf(k)
	cache.text, cache.kr, cache.name = "", nil, ""
	if err == nil {
		cache.text, cache.kr, cache.name = key, kr, name
	}
	return kr, name, err
}

// Error kinds of a response: what the CLI would have exited with.
const (
	KindUsage    = "usage"    // exit 2: the request is wrong (a flag the CLI would refuse)
	KindKeyring  = "keyring"  // exit 2: the keyring does not parse or a provider cannot be built
	KindInput    = "input"    // exit 1: the pasted text holds nothing to analyze
	KindInvalid  = "invalid"  // exit 1: encode could not write the token
	KindInternal = "internal" // a bug: the library panicked
)

// Error is a request that failed as a whole (a bad token is not an error: its Result says why).
type Error struct {
	Kind  string
	msg   string
	cause error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.cause }

func errorOf(err error) *Failure {
	var e *Error
	if errors.As(err, &e) {
		return &Failure{Kind: e.Kind, Message: e.msg}
	}
	return &Failure{Kind: KindInternal, Message: err.Error()}
}

// Failure is the error of a response.
type Failure struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// AnalyzeRequest is `sessionctl inspect` with its flags.
type AnalyzeRequest struct {
	Input    string `json:"input"` // a value, NAME=value, a Cookie: or Set-Cookie: line, a `curl -i` response
	Keys     Keys   `json:"keys"`
	Provider string `json:"provider,omitempty"` // --provider
	Bare     bool   `json:"bare,omitempty"`     // --bare
	Encoding string `json:"encoding,omitempty"` // --encoding uri|base64|dquotes|raw
	Now      string `json:"now"`                // --now: RFC 3339 or Unix seconds (the page sends its clock)
	Audit    bool   `json:"audit,omitempty"`    // also audit each token against the built-in known keys
	// Quick leaves out what takes longest, the read across releases (Result.releases), for a first
	// answer; without it the Result is inspect's, byte for byte.
	Quick bool `json:"quick,omitempty"`
}

// AnalyzeResponse holds one Token per token found, in order.
type AnalyzeResponse struct {
	Error     *Failure       `json:"error,omitempty"`
	Providers []ProviderInfo `json:"providers,omitempty"` // the keyring's
	Left      []string       `json:"left_out,omitempty"`  // cookies of the input that are not the keyring's
	Skipped   int            `json:"skipped,omitempty"`   // tokens past MaxTokens, not analyzed
	Tokens    []Token        `json:"tokens"`
}

// Token is one analyzed token.
type Token struct {
	// Verdict is what the CLI's human output headlines: VALID, INVALID or UNVERIFIED.
	Verdict string `json:"verdict"`
	// Result is inspect's Result as `sessionctl inspect --json` prints it, byte for byte; JSON is
	// the same bytes as a string (a JavaScript object would not keep them: 1.50 becomes 1.5).
	Result json.RawMessage `json:"result"`
	JSON   string          `json:"json"`
	// Fields are the session's fields with their Kotlin types (inspect's human output).
	Fields []Field `json:"fields,omitempty"`
	// Audit is `sessionctl audit --json`'s report of this cookie, when asked.
	Audit *audit.Report `json:"audit,omitempty"`
	// Edit seeds the encoder with this token's session.
	Edit *Edit `json:"edit,omitempty"`
}

// Field is one decoded session field.
type Field struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`  // Kotlin type: Int, List<String>, …
	Value    string   `json:"value"` // as JSON
	Warnings []string `json:"warnings,omitempty"`
}

// Edit is a token's session as the encoder's three forms: the payload as written, the fields
// as `--set` lines (when every field can be written so) and as a JSON object.
type Edit struct {
	Provider string   `json:"provider,omitempty"` // the provider that read it
	Format   string   `json:"format"`             // its serializer format
	Payload  string   `json:"payload"`
	Lines    []string `json:"lines,omitempty"` // NAME:TYPE=VALUE, one per field; nil = not every field can be
	JSON     string   `json:"json,omitempty"`
}

// ProviderInfo describes a provider for the page's pickers (no key material).
type ProviderInfo struct {
	Name      string `json:"name"`
	Transport string `json:"transport"`
	Tracker   string `json:"tracker"`
	Ktor      string `json:"ktor"`
	Chain     string `json:"chain"`
	Format    string `json:"format"` // the serializer format it writes
	Error     string `json:"error,omitempty"`
}

// Handle runs one operation on a JSON request and returns the JSON response. It never panics: a
// panic of the library is answered as an internal error.
func Handle(op string, req []byte) (out []byte) {
	defer func() {
		if p := recover(); p != nil {
			out = mustJSON(map[string]any{"error": &Failure{Kind: KindInternal, Message: fmt.Sprintf("internal error: %v\n%s", p, debug.Stack())}})
		}
	}()
	bad := func(err error) []byte {
		return mustJSON(map[string]any{"error": &Failure{Kind: KindUsage, Message: "request: " + err.Error()}})
	}
	switch op {
	case "analyze":
		var r AnalyzeRequest
		if err := strictJSON(req, &r); err != nil {
			return bad(err)
		}
		return mustJSON(Analyze(r))
	case "encode":
		var r EncodeRequest
		if err := strictJSON(req, &r); err != nil {
			return bad(err)
		}
		return mustJSON(Encode(r))
	case "keyring":
		var r KeysRequest
		if err := strictJSON(req, &r); err != nil {
			return bad(err)
		}
		return mustJSON(Keyring(r))
	case "releases":
		return mustJSON(Releases())
	}
	return mustJSON(map[string]any{"error": &Failure{Kind: KindUsage, Message: fmt.Sprintf("unknown operation %q", op)}})
}

func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

func mustJSON(v any) []byte {
	b, err := inspect.JSON(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"error": &Failure{Kind: KindInternal, Message: "response: " + err.Error()}})
	}
	return b
}

// parseNow reads the page's clock as the CLI's --now does: RFC 3339 or Unix seconds.
func parseNow(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, &Error{Kind: KindUsage, msg: "now: the clock is missing (RFC 3339 or Unix seconds)"}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &Error{Kind: KindUsage, msg: fmt.Sprintf("now %q: want RFC 3339 (2023-11-14T22:13:20Z) or Unix seconds", s)}
	}
	return t, nil
}

func parseEncoding(s string) (codec.Encoding, error) {
	if s == "" || s == "auto" {
		return "", nil
	}
	e, err := codec.ParseEncoding(s)
	if err != nil {
		return "", &Error{Kind: KindUsage, msg: fmt.Sprintf("encoding %q: want uri, base64, dquotes or raw", s)}
	}
	return e, nil
}

// Analyze is `sessionctl inspect`: every token of the input, each with the CLI's JSON Result.
func Analyze(req AnalyzeRequest) AnalyzeResponse {
	resp, err := analyze(req)
	if err != nil {
		resp.Error = errorOf(err)
		resp.Tokens = nil
	}
	if resp.Tokens == nil {
		resp.Tokens = []Token{}
	}
	return resp
}

func analyze(req AnalyzeRequest) (AnalyzeResponse, error) {
	cache.Lock()
	defer cache.Unlock()
	var resp AnalyzeResponse
	if len(req.Input) > MaxInput {
		return resp, &Error{Kind: KindInput, msg: fmt.Sprintf("the input is %d bytes: the page reads at most %d (use `sessionctl inspect -`)", len(req.Input), MaxInput)}
	}
	now, err := parseNow(req.Now)
	if err != nil {
		return resp, err
	}
	enc, err := parseEncoding(req.Encoding)
	if err != nil {
		return resp, err
	}
	kr, prov, err := readKeyring(req.Keys)
	if err != nil {
		return resp, err
	}
	if req.Provider != "" {
		if kr == nil {
			return resp, &Error{Kind: KindUsage, msg: fmt.Sprintf("provider %s given without a keyring", req.Provider)}
		}
		prov = req.Provider
	}
	if kr != nil {
		resp.Providers = providerInfos(kr)
		if prov != "" {
			if _, err := kr.Provider(prov); err != nil {
				return resp, &Error{Kind: KindKeyring, msg: err.Error(), cause: err}
			}
		}
	}
	prof, _ := ktorOf(req.Keys)
	// AcrossReleases: which releases read the value, when the provider leaves the release open (inspect's)
	a := &inspect.Analyzer{Keyring: kr, Provider: prov, Bare: req.Bare, Encoding: enc, Now: now, Profile: prof, AcrossReleases: !req.Quick}
	text := strings.TrimRight(req.Input, "\r\n")
	if strings.TrimSpace(text) == "" {
		return resp, &Error{Kind: KindInput, msg: "nothing to inspect: paste a cookie value, a Cookie: or Set-Cookie: header, or a curl -i response"}
	}
	found, err := a.Found(text)
	if err != nil {
		return resp, &Error{Kind: KindInput, msg: fmt.Sprintf("cannot read the input: %v", err), cause: err}
	}
	found, resp.Left = a.Keep(found)
	if len(found) == 0 {
		return resp, &Error{Kind: KindInput, msg: "no cookie found in the input"}
	}
	if len(found) > MaxTokens {
		resp.Skipped = len(found) - MaxTokens
		found = found[:MaxTokens]
	}
	for _, f := range found {
		r, err := a.Analyze(f)
		if err != nil {
			return resp, &Error{Kind: KindKeyring, msg: err.Error(), cause: err}
		}
		b, err := inspect.JSON(r)
		if err != nil {
			return resp, err
		}
		tok := Token{Verdict: Verdict(r), Result: b, JSON: string(b)}
		for _, fv := range r.Fields {
			tok.Fields = append(tok.Fields, Field{Name: fv.Name, Type: fv.Type, Value: fv.Value, Warnings: fv.Warnings})
		}
		if req.Audit && f.Err == nil {
			tok.Audit = auditOf(f, enc, now)
		}
		tok.Edit = editOf(kr, r)
		resp.Tokens = append(resp.Tokens, tok)
	}
	return resp, nil
}

// Verdict is the headline of the CLI's human output for r (inspect's Result.Verdict): VALID,
// VALID · EXPIRED, INVALID or UNVERIFIED.
func Verdict(r inspect.Result) string {
	switch r.Verdict {
	case inspect.VerdictValid:
		return "VALID"
	case inspect.VerdictValidExpired:
		return "VALID · EXPIRED"
	case inspect.VerdictInvalid:
		return "INVALID"
	case inspect.VerdictUnverified:
		return "UNVERIFIED"
	}
	return strings.ToUpper(r.Verdict)
}

// auditOf is `sessionctl audit`'s report of one cookie: the built-in known keys and digest salts,
// the format's and the cookie's weaknesses. No wordlist: the built-in list is bounded.
func auditOf(f codec.Found, enc codec.Encoding, now time.Time) *audit.Report {
	if f.Raw == "" {
		return nil
	}
	t := audit.NewTarget(audit.Input{Name: f.Name, Value: f.Raw, Source: f.Source, SetCookie: f.SetCookie, Encoding: enc}, audit.Options{Now: now})
	t.CrackKnown()
	r := t.Report()
	return &r
}

func providerInfos(kr *keyring.Keyring) []ProviderInfo {
	var out []ProviderInfo
	for _, n := range kr.ProviderNames() {
		pi := ProviderInfo{Name: n}
		p, err := kr.Provider(n)
		if err != nil {
			pi.Error = err.Error()
			out = append(out, pi)
			continue
		}
		pi.Transport, pi.Tracker, pi.Ktor, pi.Chain = p.Transport, p.Tracker, string(p.Profile), p.Chain.String()
		pi.Format = string(encode.Format(p))
		out = append(out, pi)
	}
	return out
}

// editOf seeds the encoder with r's session, for the provider that read it (or the keyring's
// only provider).
func editOf(kr *keyring.Keyring, r inspect.Result) *Edit {
	if r.Payload == nil {
		return nil
	}
	e := &Edit{Provider: r.Provider, Format: r.Format, Payload: *r.Payload}
	if e.Provider == "" && kr != nil && len(kr.ProviderNames()) == 1 {
		e.Provider = kr.ProviderNames()[0]
	}
	if len(r.Session) > 0 {
		e.JSON = string(r.Session)
	}
	prof, style := transform.Profile(r.Ktor), serializer.TextStyle("")
	if kr != nil && e.Provider != "" {
		if p, err := kr.Provider(e.Provider); err == nil {
			prof, style = p.Profile, p.TextStyle
		}
	}
	format := serializer.Format(r.Format)
	if format != serializer.FormatText && format != serializer.FormatJSON {
		return e
	}
	_, v, err := serializer.DecodeWith(*r.Payload, format, style, prof)
	if err != nil || (v.Kind != serializer.KindObject && v.Kind != serializer.KindJSONObject) {
		return e
	}
	e.Lines = FieldLines(v, format, style, prof)
	return e
}

// KeysRequest asks for the providers of a keyring or one-off keys.
type KeysRequest struct {
	Keys Keys `json:"keys"`
}

// KeyringResponse lists them.
type KeyringResponse struct {
	Error     *Failure       `json:"error,omitempty"`
	Providers []ProviderInfo `json:"providers"`
	Default   string         `json:"default,omitempty"` // the provider implied
}

// Keyring parses the keys of a request: the providers for the page's pickers.
func Keyring(req KeysRequest) KeyringResponse {
	resp := KeyringResponse{Providers: []ProviderInfo{}}
	cache.Lock()
	defer cache.Unlock()
	kr, prov, err := readKeyring(req.Keys)
	if err != nil {
		resp.Error = errorOf(err)
		return resp
	}
	if kr != nil {
		resp.Providers = providerInfos(kr)
		resp.Default = prov
	}
	return resp
}

// ReleasesResponse lists the Ktor releases the picker offers (Keys.Ktor): every exact release,
// oldest first, and the aliases for the newest of each line, as transform.ParseProfile reads them.
type ReleasesResponse struct {
	Releases []string `json:"releases"`
	Aliases  []Alias  `json:"aliases"`
	Newest   string   `json:"newest"`
}

// Alias is a line's name and the release it stands for.
type Alias struct {
	Name    string `json:"name"`
	Release string `json:"release"`
}

// Releases is the library's list.
func Releases() ReleasesResponse {
	r := ReleasesResponse{Releases: []string{}, Aliases: []Alias{}}
	for _, p := range transform.Profiles() {
		r.Releases = append(r.Releases, string(p))
	}
	for _, a := range transform.Aliases() {
		if p, err := transform.ParseProfile(string(a)); err == nil {
			r.Aliases = append(r.Aliases, Alias{Name: string(a), Release: string(p)})
		}
	}
	r.Newest = r.Releases[len(r.Releases)-1]
	return r
}

// EncodeRequest is `sessionctl encode` with its flags: exactly one of Payload, Lines, JSON.
type EncodeRequest struct {
	Keys     Keys     `json:"keys"`
	Provider string   `json:"provider,omitempty"`
	Payload  *string  `json:"payload,omitempty"` // --payload
	Lines    []string `json:"lines,omitempty"`   // --set, one NAME[:TYPE]=VALUE each (blank lines ignored)
	JSON     *string  `json:"json,omitempty"`    // --from-json
	Encoding string   `json:"encoding,omitempty"`
	IV       string   `json:"iv,omitempty"` // --iv HEX: a fixed IV (reproducible); "" = a fresh random one
	Now      string   `json:"now"`          // --now, for Expires
}

// EncodeResponse is the new token: the JSON of `sessionctl encode --json` (transport value, and
// the cookie value or Set-Cookie line) for one written value, both forms.
type EncodeResponse struct {
	Error     *Failure `json:"error,omitempty"`
	Name      string   `json:"name,omitempty"`
	Payload   string   `json:"payload,omitempty"`
	Value     string   `json:"transport_value,omitempty"`
	Cookie    string   `json:"cookie_value,omitempty"`
	SetCookie string   `json:"set_cookie,omitempty"` // without "Set-Cookie: "
	// CookieError, SetCookieError: why that form could not be rendered (the other may still be).
	CookieError    string `json:"cookie_error,omitempty"`
	SetCookieError string `json:"set_cookie_error,omitempty"`
}

// Encode is `sessionctl encode`: it writes the session once and renders its cookie value and its
// Set-Cookie line.
func Encode(req EncodeRequest) EncodeResponse {
	resp, err := encodeToken(req)
	if err != nil {
		return EncodeResponse{Error: errorOf(err)}
	}
	return resp
}

func encodeToken(req EncodeRequest) (EncodeResponse, error) {
	var resp EncodeResponse
	now, err := parseNow(req.Now)
	if err != nil {
		return resp, err
	}
	enc, err := parseEncoding(req.Encoding)
	if err != nil {
		return resp, err
	}
	kr, name, err := keyringOf(req.Keys)
	if err != nil {
		return resp, err
	}
	if kr == nil {
		return resp, &Error{Kind: KindUsage, msg: "encode needs a provider: paste a keyring or give one-off keys"}
	}
	if req.Provider != "" {
		name = req.Provider
	}
	if name == "" {
		return resp, &Error{Kind: KindUsage, msg: "choose a provider: the keyring has several: " + strings.Join(kr.ProviderNames(), ", ")}
	}
	if s := strings.TrimSpace(req.IV); s != "" {
		iv, err := hex.DecodeString(s)
		if err != nil {
			return resp, &Error{Kind: KindUsage, msg: fmt.Sprintf("IV: not hex: %v", err)}
		}
		kr.SetIV(transform.FixedIV(iv))
	}
	p, err := kr.Provider(name)
	if err != nil {
		return resp, &Error{Kind: KindKeyring, msg: err.Error(), cause: err}
	}
	var s encode.Session
	n := 0
	if req.Payload != nil {
		s.Payload, n = req.Payload, n+1
	}
	if req.Lines != nil {
		n++
		s.Fields = []serializer.Field{}
		for i, l := range req.Lines {
			if strings.TrimSpace(l) == "" {
				continue
			}
			f, err := serializer.ParseTypedField(l)
			if err != nil {
				return resp, &Error{Kind: KindUsage, msg: fmt.Sprintf("field line %d %q: %v", i+1, l, err), cause: err}
			}
			s.Fields = append(s.Fields, f)
		}
	}
	if req.JSON != nil {
		s.JSON, n = req.JSON, n+1
	}
	if n != 1 {
		return resp, &Error{Kind: KindUsage, msg: "give exactly one of a payload, field lines or a JSON object"}
	}
	payload, err := encode.Payload(p, s)
	if err != nil {
		return resp, &Error{Kind: KindUsage, msg: err.Error(), cause: err}
	}
	value, err := encode.Write(p, payload)
	if err != nil {
		return resp, &Error{Kind: KindInvalid, msg: err.Error(), cause: err}
	}
	resp.Name, resp.Payload, resp.Value = p.Name, payload, value
	if p.Transport == "cookie" {
		if resp.Cookie, err = encode.CookieValue(p, value, enc); err != nil {
			resp.CookieError = err.Error()
		}
		if resp.SetCookie, err = encode.SetCookieLine(p, value, enc, now); err != nil {
			resp.SetCookieError = err.Error()
		}
	}
	return resp, nil
}
