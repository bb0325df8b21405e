package inspect

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sessionctl/sessionctl/pkg/keyring"
	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Result is what inspect and verify report for one session token. Its JSON form is a contract
// (README): name, ok, error, layers, payload, format, session.
type Result struct {
	Line     int               `json:"line,omitempty"`
	Name     string            `json:"name"`
	Provider string            `json:"provider,omitempty"`
	Source   string            `json:"source"`
	OK       bool              `json:"ok"`
	Error    string            `json:"error,omitempty"`
	Ktor     string            `json:"ktor,omitempty"`      // the exact release read as
	KtorNote string            `json:"ktor_note,omitempty"` // how it was chosen: an alias, or not set
	Releases *Releases         `json:"releases,omitempty"`  // which releases read this value (inspect)
	Encoding string            `json:"encoding,omitempty"`
	Value    string            `json:"transport_value"`
	Layers   []Layer           `json:"layers"`
	Verified bool              `json:"verified"`
	Payload  *string           `json:"payload,omitempty"`
	Format   string            `json:"format,omitempty"`
	Session  json.RawMessage   `json:"session,omitempty"`
	Types    map[string]string `json:"types,omitempty"`
	Fields   []Field           `json:"-"`
	Stored   *Stored           `json:"stored,omitempty"`
	Cookie   *Cookie           `json:"cookie,omitempty"`
	Detected []Candidate       `json:"detected,omitempty"`
	Notes    []string          `json:"notes,omitempty"`
	// ErrKind is the stable error code of a result that is not ok (Code* constants): scripts
	// branch on it, the prose of Error may change.
	ErrKind string `json:"error_code,omitempty"`
	// Verdict is valid, valid-expired, invalid or unverified (Verdict* constants).
	Verdict string `json:"verdict"`
	// Expired: the cookie verified but its Max-Age or Expires has passed (or deletes it at once):
	// a browser no longer sends it. Always present in JSON.
	Expired bool `json:"expired"`
	// ExpiresInSeconds: seconds from the clock to the cookie's expiry, negative once past; absent
	// for a session cookie (no Max-Age or Expires) and for what is not a Set-Cookie line.
	ExpiresInSeconds *int64 `json:"expires_in_seconds,omitempty"`
	// VerifiesWith names another provider of the keyring whose keys verify the value, when the
	// provider it was read as does not (a token of another service, a --provider mix-up).
	VerifiesWith string   `json:"verifies_with,omitempty"`
	KeyIDs       []string `json:"-"`
	EncFormat    string   `json:"-"`
}

// Verdicts of Result.Verdict.
const (
	VerdictValid        = "valid"         // verified (or read by a keyless provider), not expired
	VerdictValidExpired = "valid-expired" // verified, but the cookie has expired
	VerdictInvalid      = "invalid"       // does not verify or does not read
	VerdictUnverified   = "unverified"    // no keys given: structure only
)

// Error codes of Result.ErrKind (error_code in JSON), stable for scripts.
const (
	CodeMalformed     = "malformed"      // not a cookie, header or token of the chain's shape
	CodeEncoding      = "encoding"       // the cookie encoding does not decode
	CodeEmpty         = "empty"          // an empty value: the Set-Cookie clears the session
	CodeSignature     = "signature"      // no key's MAC (or digest) matches
	CodeSignatureCase = "signature-case" // the MAC matches only in another letter case
	CodeOtherFormat   = "other-format"   // an encrypt value of the other format (legacy/current)
	CodeDecrypt       = "decrypt"        // the MAC matched but decryption failed
	CodeSerializer    = "serializer"     // the payload does not decode as the provider's format
	CodeNotStored     = "not-stored"     // tracker = id: no stored session of that id
	CodeUnverified    = "unverified"     // no keys given
	CodeTooLong       = "too-long"       // verify: a line over the length limit
	CodeOther         = "other"
)

// Layer is one transformer of the chain as read: which key verified or decrypted, the format,
// the quirk of Ktor it was accepted through, or why it failed.
type Layer struct {
	Step      int      `json:"step"`
	Transform string   `json:"transform"`
	Algorithm string   `json:"algorithm,omitempty"`
	OK        bool     `json:"ok"`
	Key       string   `json:"key,omitempty"`
	SignKey   string   `json:"sign_key,omitempty"`
	Format    string   `json:"format,omitempty"`
	Error     string   `json:"error,omitempty"`
	Quirks    []string `json:"quirks,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
	// Tried: the key ids that were tried when the layer failed (never key material).
	Tried []string `json:"tried_keys,omitempty"`
}

// Field is one session field for people: name, Ktor type, value as JSON (not in the JSON form).
type Field struct {
	Name, Type, Value string
	Warnings          []string
	// Time: a number that looks like a Unix time (seconds or milliseconds between the years 2000
	// and 2100) as RFC 3339, for the session view to annotate ("" for other values).
	Time string
}

// MaxCookieBytes is the size of a cookie's name and value past which browsers drop it (RFC 6265
// 6.1 asks for at least 4096 bytes per cookie; Chrome, Firefox and Safari stop there).
const MaxCookieBytes = 4096

// CookieSizeNote: a warning for a cookie whose name and value are over MaxCookieBytes, else "".
func CookieSizeNote(name, raw string) string {
	n := len(raw)
	if name != "" {
		n += len(name) + 1
	}
	if n <= MaxCookieBytes {
		return ""
	}
	return fmt.Sprintf("the cookie is %d bytes (name=value): browsers drop cookies over %d bytes, so the session would silently be lost", n, MaxCookieBytes)
}

// epochLike: the time a number stands for when it reads as a Unix time in seconds or milliseconds
// between 2000 and 2100 (a count such as 17 does not).
func epochLike(v serializer.Value) string {
	switch v.Kind {
	case serializer.KindInt, serializer.KindLong, serializer.KindJSONNumber:
	default:
		return ""
	}
	t, ok := serializer.EpochTime(v.Text)
	if !ok || t.Year() < 2000 || t.Year() >= 2100 {
		return ""
	}
	if t.Nanosecond() != 0 {
		return t.Format("2006-01-02T15:04:05.000Z07:00")
	}
	return t.Format(time.RFC3339)
}

// Stored is the stored session of a tracker = id token.
type Stored struct {
	Storage string          `json:"storage"`
	Found   bool            `json:"found"`
	Value   string          `json:"value,omitempty"`
	Format  string          `json:"format,omitempty"`
	Session json.RawMessage `json:"session,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// Cookie is what a Set-Cookie line says besides the value: attributes and expiry.
type Cookie struct {
	MaxAge    *int64 `json:"max_age,omitempty"`
	Expires   string `json:"expires,omitempty"`
	ExpiresIn string `json:"expires_in,omitempty"`
	// ExpiresAttr is the Expires attribute as the line sent it (Max-Age wins over it when both
	// are there, so Expires above may be another time): the text as written.
	ExpiresAttr string            `json:"expires_attribute,omitempty"`
	Domain      string            `json:"domain,omitempty"`
	Path        string            `json:"path,omitempty"`
	Secure      bool              `json:"secure"`
	HTTPOnly    bool              `json:"http_only"`
	Ext         map[string]string `json:"extensions,omitempty"`

	expires *time.Time // the expiry as a time, nil for a session cookie
	deletes bool       // the line deletes the cookie (Max-Age <= 0, Expires in the past)
}

// Releases says which Ktor releases read this exact value the way the provider is configured:
// inspect asks every release the provider's `ktor` leaves open (all of them when it is not set,
// the line of an alias such as "3"), one release of each span that behaves alike.
type Releases struct {
	Tried    string         `json:"tried"`              // "1.0.0–3.5.2"
	Accepted []string       `json:"accepted"`           // spans of releases, "3.0.0–3.4.3"
	Rejected []RejectedSpan `json:"rejected,omitempty"` // the others, each with its reason
	Summary  string         `json:"summary"`            // "accepted by Ktor 3.0.0–3.4.3 only: …"
}

// RejectedSpan is a run of releases that do not read the value, and why.
type RejectedSpan struct {
	Releases string   `json:"releases"`
	Error    string   `json:"error"`
	Changes  []string `json:"changes,omitempty"` // the change points between it and an accepting neighbour
}

// Candidate is a transformer chain guessed from the shape of a value (no keys given).
type Candidate struct {
	Chain       string `json:"chain"`
	Description string `json:"description"`
}

// Analyzer turns input text into token results for one keyring and provider choice.
type Analyzer struct {
	Keyring   *keyring.Keyring                         // nil: no keys, the structure is guessed from the shape
	Provider  string                                   // --provider, "" = choose by cookie name or try all
	Bare      bool                                     // the input is a bare value, never NAME=value or a header
	Encoding  codec.Encoding                           // --encoding, "" = per source
	Now       time.Time                                // the clock for cookie expiry
	OpenStore func(p *keyring.Provider) (Store, error) // tracker = id: where the session is looked up; nil = none
	// Explain: failed reads say why in detail (Chain.ReadExplained: legacy encrypt tells a bad
	// padding from a bad MAC). For a person debugging their own cookie (inspect) only: verify and
	// servers keep Read's one error, which is no padding oracle.
	Explain bool
	// Profile is the release a value is read as when there is no provider (no keyring): "" =
	// the newest known release.
	Profile transform.Profile
	// AcrossReleases: also try the value against every release the provider's `ktor` leaves
	// open (Result.Releases): inspect's "works on staging, fails in production".
	AcrossReleases bool

	used map[string]bool // the providers tokens were read as (UnusedKeys reports on these only)
}

// Store is where the sessions of a tracker = id provider are looked up.
type Store interface {
	Lookup(id string) (string, error) // the stored session text
	Describe() string                 // the storage as shown in Stored.Storage ("dir:/var/sessions")
}

// candidates: the providers a token may belong to.
func (a *Analyzer) candidates(name string) ([]*keyring.Provider, error) {
	if a.Keyring == nil {
		return nil, nil
	}
	if a.Provider != "" {
		p, err := a.Keyring.Provider(a.Provider)
		if err != nil {
			return nil, err
		}
		return []*keyring.Provider{p}, nil
	}
	if name != "" {
		if _, ok := a.Keyring.Config().Providers[name]; ok {
			p, err := a.Keyring.Provider(name)
			if err != nil {
				return nil, err
			}
			return []*keyring.Provider{p}, nil
		}
	}
	var out []*keyring.Provider
	for _, n := range a.Keyring.ProviderNames() {
		p, err := a.Keyring.Provider(n)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Names: the names the keyring knows as cookie or header names.
func (a *Analyzer) Names() []string {
	if a.Keyring == nil {
		return nil
	}
	if a.Provider != "" {
		return []string{a.Provider}
	}
	return a.Keyring.ProviderNames()
}

// Found extracts the tokens of one input (a line for verify, the whole text for inspect).
func (a *Analyzer) Found(text string) ([]codec.Found, error) {
	if a.Bare {
		return []codec.Found{{Source: "bare", Raw: text}}, nil
	}
	return codec.Extract(text, a.Names())
}

// Analyze one found token: every candidate provider is tried, the first that verifies wins.
func (a *Analyzer) Analyze(f codec.Found) (Result, error) {
	provs, err := a.candidates(f.Name)
	if err != nil {
		return Result{}, err
	}
	if a.used == nil {
		a.used = map[string]bool{}
	}
	for _, p := range provs {
		a.used[p.Name] = true
	}
	if len(provs) == 0 {
		return a.finish(a.analyzeWith(nil, f, true)), nil
	}
	var first Result
	var firstP *keyring.Provider
	for i, p := range provs {
		r := a.analyzeWith(p, f, true)
		if r.OK {
			a.acrossReleases(p, f, &r)
			return a.finish(r), nil
		}
		if i == 0 {
			first, firstP = r, p
		}
	}
	if len(provs) > 1 {
		first.Notes = append(first.Notes, fmt.Sprintf("no provider of the keyring reads it (tried %d); shown: %s", len(provs), first.Provider))
	}
	a.acrossReleases(firstP, f, &first)
	a.otherProvider(f, provs, &first)
	return a.finish(first), nil
}

// otherProvider: when the token fails under the providers it was read as, whether another
// provider of the keyring verifies it (a token of another service, or a --provider mix-up).
func (a *Analyzer) otherProvider(f codec.Found, tried []*keyring.Provider, r *Result) {
	if a.Keyring == nil || f.Err != nil || r.ErrKind == CodeEmpty {
		return
	}
	for _, n := range a.Keyring.ProviderNames() {
		skip := false
		for _, p := range tried {
			skip = skip || p.Name == n
		}
		if skip {
			continue
		}
		p, err := a.Keyring.Provider(n)
		if err != nil {
			continue // a provider that does not build is not this token's concern
		}
		if p.Tracker == "id" || len(p.Chain) == 0 {
			continue // a keyless provider "reads" anything
		}
		if o := a.analyzeWith(p, f, false); o.OK {
			r.VerifiesWith = n
			r.Notes = append(r.Notes, fmt.Sprintf("the keyring's provider %s verifies it (key %s): --provider %s", n, strings.Join(o.KeyIDs, ", "), n))
			return
		}
	}
}

// finish sets the verdict and the expiry of a result.
func (a *Analyzer) finish(r Result) Result {
	if c := r.Cookie; c != nil && c.expires != nil {
		secs := int64(c.expires.Sub(a.Now) / time.Second)
		if c.deletes {
			secs = 0
		}
		r.ExpiresInSeconds = &secs
		r.Expired = r.OK && (c.deletes || !c.expires.After(a.Now))
	}
	switch {
	case r.ErrKind == CodeUnverified:
		r.Verdict = VerdictUnverified
	case !r.OK:
		r.Verdict = VerdictInvalid
	case r.Expired:
		r.Verdict = VerdictValidExpired
	default:
		r.Verdict = VerdictValid
	}
	return r
}

// acrossReleases fills r.Releases when asked for and the provider leaves the release open.
func (a *Analyzer) acrossReleases(p *keyring.Provider, f codec.Found, r *Result) {
	if !a.AcrossReleases || p == nil || a.Keyring == nil || f.Err != nil || p.KtorSet && !p.Version.Alias() {
		return
	}
	type outcome struct {
		span ktor.Span
		ok   bool
		err  string
	}
	var outs []outcome
	for _, s := range ktor.Spans() {
		s, ok := clip(s, p.Version)
		if !ok {
			continue
		}
		o := outcome{span: s}
		pa, err := a.Keyring.ProviderAt(p.Name, s.First)
		if err != nil {
			o.err = "the configuration does not exist in this release: " + err.Error()
		} else {
			rr := a.analyzeWith(pa, f, false)
			o.ok, o.err = rr.OK, rr.Error
		}
		// one entry per run of releases with the same answer
		if n := len(outs); n > 0 && outs[n-1].ok == o.ok && (o.ok || outs[n-1].err == o.err) {
			outs[n-1].span.Last = s.Last
			continue
		}
		outs = append(outs, o)
	}
	if len(outs) == 0 {
		return
	}
	rel := &Releases{Tried: ktor.Span{First: outs[0].span.First, Last: outs[len(outs)-1].span.Last}.String(), Accepted: []string{}}
	var acc []string
	for i, o := range outs {
		if o.ok {
			rel.Accepted = append(rel.Accepted, o.span.String())
			acc = append(acc, o.span.String())
			continue
		}
		rs := RejectedSpan{Releases: o.span.String(), Error: o.err}
		// name what changed between this run and an accepting neighbour
		var changes []ktor.Info
		if i > 0 && outs[i-1].ok {
			changes = append(changes, ktor.Differences(outs[i-1].span.Last, o.span.First)...)
		}
		if i+1 < len(outs) && outs[i+1].ok {
			changes = append(changes, ktor.Differences(o.span.Last, outs[i+1].span.First)...)
		}
		for _, c := range changes {
			if c.Reads {
				rs.Changes = append(rs.Changes, c.Name+" from "+c.First.String())
			}
		}
		rel.Rejected = append(rel.Rejected, rs)
	}
	switch {
	case len(rel.Rejected) == 0:
		rel.Summary = "accepted by every release tried (Ktor " + rel.Tried + ")"
	case len(acc) == 0:
		rel.Summary = "rejected by every release tried (Ktor " + rel.Tried + ")"
	default:
		var why []string
		for _, rs := range rel.Rejected {
			w := rs.Releases + " rejects it"
			if len(rs.Changes) > 0 {
				w += " (" + strings.Join(rs.Changes, ", ") + ")"
			}
			why = append(why, w)
		}
		rel.Summary = "accepted by Ktor " + strings.Join(acc, ", ") + " only; " + strings.Join(why, "; ")
	}
	r.Releases = rel
}

// clip cuts span s to the releases v covers; ok is false when none are left.
func clip(s ktor.Span, v ktor.Version) (ktor.Span, bool) {
	var first, last ktor.Release
	for _, rel := range ktor.Releases() {
		if rel.Before(s.First) || s.Last.Before(rel) || !v.Covers(rel) {
			continue
		}
		if first == (ktor.Release{}) {
			first = rel
		}
		last = rel
	}
	return ktor.Span{First: first, Last: last}, first != (ktor.Release{})
}

// analyzeWith reads f as provider p does (nil: no keys); lookup false skips the storage of a
// tracker = id provider (the read across releases: the storage does not change with them).
func (a *Analyzer) analyzeWith(p *keyring.Provider, f codec.Found, lookup bool) Result {
	r := Result{Name: f.Name, Source: f.Source, Layers: []Layer{}}
	if f.Err != nil {
		r.Value = f.Raw
		r.fail("malformed", f.Err.Error())
		return r
	}
	prof := a.Profile
	if prof == "" {
		prof = transform.ProfileOf(ktor.Newest())
	}
	if p != nil {
		r.Provider, prof, r.Ktor = p.Name, p.Profile, string(p.Profile)
		switch {
		case !p.KtorSet:
			r.KtorNote = "ktor not set: the newest known release"
		case p.Version.Alias():
			r.KtorNote = fmt.Sprintf("ktor = %q: the newest %s release", p.Version.Name, p.Version.Line)
		}
		if r.Name == "" {
			r.Name = p.Name
		}
	}
	// 1. the cookie encoding
	enc := a.Encoding
	if f.SetCookie != nil && f.SetCookie.Encoding != "" {
		enc = f.SetCookie.Encoding
	}
	if enc == "" {
		switch {
		case p != nil && p.Transport == "header":
			enc = codec.Raw
		case p != nil:
			enc = p.Cookie.Encoding
		case f.Source == "bare":
			enc = codec.Raw
		default:
			enc = codec.DefaultCookieConfig(prof).Encoding
		}
	}
	r.Encoding = string(enc)
	if f.SetCookie != nil {
		r.Cookie = a.cookieView(f.SetCookie, f.Date)
	}
	value, err := codec.Decode(f.Raw, enc, prof)
	if err != nil {
		r.fail("encoding", fmt.Sprintf("cookie value does not decode as %s: %v", enc, err))
		r.Value = f.Raw
		return r
	}
	r.Value = value
	if p == nil || p.Transport == "cookie" {
		if n := CookieSizeNote(r.Name, f.Raw); n != "" {
			r.Notes = append(r.Notes, n)
		}
	}
	if f.SetCookie != nil && f.Raw == "" {
		r.fail("empty", "empty value: this Set-Cookie clears the session")
		return r
	}
	// 2. the transformers
	payload := value
	if p == nil || len(p.Chain) == 0 {
		if p == nil {
			for _, c := range transform.Detect(value) {
				r.Detected = append(r.Detected, Candidate{Chain: c.Chain, Description: c.Description})
			}
			if len(r.Detected) > 0 && r.Detected[0].Chain != "" {
				r.Notes = append(r.Notes, "no keys given: the structure is guessed from its shape and nothing is verified")
				payload = unverifiedPayload(value)
			}
		}
		r.Verified = p != nil
	} else {
		read := p.Chain.Read
		if a.Explain {
			read = p.Chain.ReadExplained
		}
		out, layers, err := read(value)
		for _, l := range layers {
			lr := Layer{Step: l.Step, Transform: l.Transform, Algorithm: l.Algorithm, OK: l.OK, Key: l.KeyID,
				SignKey: l.SignKeyID, Format: l.Format, Quirks: l.Quirks, Warnings: l.Warnings}
			if l.Err != nil {
				lr.Error = l.Err.Error()
				if i := l.Step - 1; i >= 0 && i < len(p.Steps) {
					lr.Tried = append(append([]string{}, p.Steps[i].Keys...), p.Steps[i].SignKeys...)
				}
			}
			if l.OK {
				for _, id := range []string{l.KeyID, l.SignKeyID} {
					if id != "" {
						r.KeyIDs = append(r.KeyIDs, id)
					}
				}
				if l.Format != "" {
					r.EncFormat = l.Format
				}
			}
			r.Layers = append(r.Layers, lr)
		}
		if err != nil {
			r.fail(ErrKind(err), err.Error())
			// a MAC or digest that does not verify still shows what it signs, untrusted (as
			// flask-unsign and flask-cookie-decode do); an encrypted value shows nothing
			if len(r.Layers) > 0 && !r.Layers[0].OK && (r.Layers[0].Transform == "mac" || r.Layers[0].Transform == "digest") {
				if u := unverifiedPayload(value); u != value {
					r.Payload = &u
				}
			}
			return r
		}
		payload = out
		r.Verified = true
	}
	r.Payload = &payload
	// 3. the serializer, or the storage for tracker = id
	if p != nil && p.Tracker == "id" {
		r.Format = "id"
		if !lookup {
			r.OK = r.Verified
			return r
		}
		a.lookupStored(p, payload, &r)
		if !r.OK && r.Error != "" {
			return r
		}
		r.OK = r.Verified
		return r
	}
	format := serializer.Format("")
	if p != nil {
		format = p.SerializerFormat()
	}
	style := serializer.Reflection
	if p != nil && p.TextStyle != "" {
		style = p.TextStyle
	}
	got, v, err := serializer.DecodeWith(payload, format, style, prof)
	r.Format = string(got)
	if err != nil {
		if format != "" {
			r.fail("serializer", fmt.Sprintf("payload does not decode as %s: %v", format, err))
			return r
		}
		r.Notes = append(r.Notes, fmt.Sprintf("payload looks like %s but does not decode: %v", got, err))
		r.Format = string(serializer.FormatOpaque)
	} else {
		r.setSession(v)
	}
	if p == nil {
		r.fail("unverified", "no keys given: nothing verified")
		return r
	}
	r.OK = true
	return r
}

func (r *Result) setSession(v serializer.Value) {
	if v.Kind != serializer.KindObject && v.Kind != serializer.KindJSONObject {
		return
	}
	b, err := marshalJSON(v)
	if err != nil {
		r.Notes = append(r.Notes, "session fields: "+err.Error())
		return
	}
	r.Session = b
	r.Types = map[string]string{}
	r.Fields = FieldViews(v)
	for _, f := range r.Fields {
		r.Types[f.Name] = f.Type
		for _, w := range f.Warnings {
			r.Notes = append(r.Notes, f.Name+": "+w)
		}
	}
}

// FieldViews: a session's fields for writeFields, each value as JSON (inspect, storage show).
func FieldViews(v serializer.Value) []Field {
	out := make([]Field, 0, len(v.Fields))
	for _, f := range v.Fields {
		fb, _ := marshalJSON(f.Value)
		out = append(out, Field{Name: f.Name, Type: f.Value.KtorType(), Value: string(fb), Warnings: f.Value.Warnings, Time: epochLike(f.Value)})
	}
	return out
}

func (r *Result) fail(kind, msg string) {
	r.OK = false
	r.ErrKind = kind
	r.Error = msg
}

// ErrKind names the kind of a transform error, as in Result.ErrKind and verify's failures.
func ErrKind(err error) string {
	switch {
	case errors.Is(err, transform.ErrSignatureCase):
		return "signature-case"
	case errors.Is(err, transform.ErrSignature):
		return "signature"
	case errors.Is(err, transform.ErrOtherFormat):
		return "other-format"
	case errors.Is(err, transform.ErrDecrypt):
		return "decrypt"
	case errors.Is(err, transform.ErrMalformed):
		return "malformed"
	}
	return "other"
}

// unverifiedPayload strips what looks like a signature, for showing a MAC'd or digested payload
// without keys: everything before the last '/' when what follows is hex.
func unverifiedPayload(v string) string {
	i := strings.LastIndexByte(v, '/')
	if i < 0 {
		return v
	}
	for _, c := range v[i+1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return v
		}
	}
	if strings.Contains(v[i+1:], ":") {
		return v
	}
	return v[:i]
}

func (a *Analyzer) lookupStored(p *keyring.Provider, id string, r *Result) {
	if a.OpenStore == nil || p.Storage == "" {
		r.Notes = append(r.Notes, "tracker = id: the value is a session id; give the provider a storage to see the session")
		return
	}
	st, err := a.OpenStore(p)
	if err != nil {
		r.Stored = &Stored{Storage: p.Storage, Error: err.Error()}
		return
	}
	sv := &Stored{Storage: st.Describe()}
	r.Stored = sv
	val, err := st.Lookup(id)
	if err != nil {
		sv.Error = err.Error()
		r.fail("not-stored", fmt.Sprintf("session id %s: %v (Ktor treats this as no session)", id, err))
		return
	}
	sv.Found, sv.Value = true, val
	got, v, err := serializer.DecodeWith(val, p.SerializerFormat(), p.TextStyle, p.Profile)
	sv.Format = string(got)
	if err == nil {
		r.setSession(v)
		sv.Session = r.Session
	} else {
		sv.Error = err.Error()
	}
}

func (a *Analyzer) cookieView(sc *codec.SetCookie, date *time.Time) *Cookie {
	cv := &Cookie{MaxAge: sc.MaxAge, ExpiresAttr: sc.ExpiresRaw, Domain: sc.Domain, Path: sc.Path, Secure: sc.Secure,
		HTTPOnly: sc.HTTPOnly}
	// Max-Age counts from when the line was received: the response's Date: when it was pasted
	// whole (curl -i), else now
	ref, from := a.Now, "now"
	if date != nil {
		ref, from = *date, "the response's Date: "+date.UTC().Format(time.RFC3339)
	}
	switch {
	case sc.MaxAge != nil && *sc.MaxAge <= 0:
		// Max-Age=0 (or less) deletes the cookie at once (RFC 6265 5.2.2)
		cv.expires, cv.deletes = &ref, true
		cv.Expires = ref.UTC().Format(time.RFC3339)
		cv.ExpiresIn = fmt.Sprintf("deleted at once: Max-Age=%d tells the browser to remove the cookie", *sc.MaxAge)
	case sc.MaxAge != nil:
		// Max-Age wins over Expires (RFC 6265)
		t := ref.Add(time.Duration(*sc.MaxAge) * time.Second)
		cv.expires = &t
		cv.Expires = t.UTC().Format(time.RFC3339)
		cv.ExpiresIn = humanUntil(a.Now, t) + " (Max-Age, counted from " + from + ")"
	case sc.Expires != nil:
		t := *sc.Expires
		cv.expires = &t
		cv.Expires = t.UTC().Format(time.RFC3339)
		if t.Before(ref) && (date != nil || t.Year() < 1980) {
			// an Expires already past when sent: the usual way to delete a cookie
			cv.deletes = true
			cv.ExpiresIn = "deleted at once: an Expires in the past tells the browser to remove the cookie"
		} else {
			cv.ExpiresIn = humanUntil(a.Now, t)
		}
	}
	for _, e := range sc.Extensions {
		if cv.Ext == nil {
			cv.Ext = map[string]string{}
		}
		if e.Value != nil {
			cv.Ext[e.Name] = *e.Value
		} else {
			cv.Ext[e.Name] = ""
		}
	}
	return cv
}

// humanUntil: "expires in 6d 23h", "expired 2h 5m ago".
func humanUntil(now, t time.Time) string {
	d := t.Sub(now)
	if d <= 0 {
		return "expired " + HumanDuration(-d) + " ago"
	}
	return "expires in " + HumanDuration(d)
}

// HumanDuration: "6d 23h", "2h 5m", "4m 10s", "9s".
func HumanDuration(d time.Duration) string {
	s := int64(d / time.Second)
	days, s := s/86400, s%86400
	h, s := s/3600, s%3600
	m, s := s/60, s%60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}
