package audit

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Severities, worst first.
const (
	High   = "high"
	Medium = "medium"
	Low    = "low"
	Info   = "info"
)

func severityRank(s string) int {
	switch s {
	case High:
		return 0
	case Medium:
		return 1
	case Low:
		return 2
	}
	return 3
}

// Finding is one weakness.
type Finding struct {
	ID          string `json:"id"`
	Severity    string `json:"severity"` // high | medium | low | info
	Title       string `json:"title"`
	Explanation string `json:"explanation"` // one line of why it matters
}

// Report is the audit of one cookie.
type Report struct {
	Cookie    string     `json:"cookie"` // the value as given
	Name      string     `json:"name"`
	Source    string     `json:"source,omitempty"`
	Where     string     `json:"where,omitempty"`
	Seen      int        `json:"seen,omitempty"`            // how many times this value occurred (deduplicated)
	Decoding  string     `json:"decoding,omitempty"`        // the cookie decoding applied ("uri", ...)
	Value     string     `json:"transport_value,omitempty"` // the value after decoding, when decoding changed it
	Shape     string     `json:"shape"`                     // the chain that wrote it: "mac(HmacSHA256)", "plain", ...
	ShapeInfo string     `json:"shape_description"`
	Findings  []Finding  `json:"findings"`
	Key       *FoundKey  `json:"key,omitempty"`  // the first key found (the outermost layer's)
	Keys      []FoundKey `json:"keys,omitempty"` // every key found, when more than one
	Payload   *string    `json:"payload,omitempty"`
	// PayloadVerified: the payload was authenticated (a key or salt verified
	// it) or decrypted; otherwise it is only what the cookie shows.
	PayloadVerified bool `json:"payload_verified,omitempty"`
}

// Failed reports whether the cookie fails an audit: a key was found or a
// finding is of high severity.
func (r *Report) Failed() bool {
	if r.Key != nil {
		return true
	}
	for _, f := range r.Findings {
		if f.Severity == High {
			return true
		}
	}
	return false
}

// Worst is the worst severity among the findings, "" when none.
func (r *Report) Worst() string {
	w := ""
	for _, f := range r.Findings {
		if w == "" || severityRank(f.Severity) < severityRank(w) {
			w = f.Severity
		}
	}
	return w
}

// maxAgeLimit is the longest cookie lifetime not flagged.
const maxAgeLimit = 30 * 24 * time.Hour

// Report gathers what was found into a report.
func (t *Target) Report() Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := Report{Cookie: t.in.Value, Name: t.in.Name, Source: t.in.Source, Where: t.in.Where, Findings: []Finding{}}
	if t.seen > 1 {
		r.Seen = t.seen
	}
	if t.decoding != "" {
		r.Decoding, r.Value = t.decoding, t.value
	}
	add := func(id, sev, title, why string) {
		r.Findings = append(r.Findings, Finding{ID: id, Severity: sev, Title: title, Explanation: why})
	}
	if t.decodeErr != "" {
		add("cookie-encoding", Info, "the value does not decode with its cookie encoding", t.decodeErr)
	}
	var keys []*FoundKey
	if t.sig != nil && t.sig.slot.hit != nil {
		keys = append(keys, t.sig.slot.hit)
	}
	var encFormat string
	if t.enc != nil {
		if h := t.enc.sign.hit; h != nil {
			encFormat = h.Format
		} else if h := t.enc.key.hit; h != nil {
			encFormat = h.Format
		}
		for _, h := range []*FoundKey{t.enc.key.hit, t.enc.sign.hit} {
			if h != nil {
				if h.Role == "encrypt" && encFormat != "" {
					h.Format = encFormat
				}
				keys = append(keys, h)
			}
		}
	}
	// shape
	r.Shape, r.ShapeInfo = "plain", "no signature or encryption shape: a plain value or a session id"
	if len(t.shapes) > 0 && t.shapes[0].Chain != "" {
		r.Shape, r.ShapeInfo = t.shapes[0].Chain, t.shapes[0].Description
	}
	if exact := t.exactShape(encFormat); exact != "" {
		r.Shape = exact
		r.ShapeInfo = "identified by the keys found"
		for _, c := range t.shapes {
			if c.Chain == exact {
				r.ShapeInfo = c.Description
			}
		}
	}
	// keys
	for _, k := range keys {
		r.Keys = append(r.Keys, *k)
	}
	if len(r.Keys) > 0 {
		k := r.Keys[0]
		r.Key = &k
		if len(r.Keys) == 1 {
			r.Keys = nil
		}
	}
	for _, k := range keys {
		what := map[string]string{"mac": "MAC key", "digest-salt": "digest salt", "encrypt": "encryption key", "sign": "encrypt's sign key"}[k.Role]
		if k.ID != "" {
			add("known-key", High, "the "+what+" is a well-known key: "+k.ID,
				k.Source+"; it lets anyone "+k.Allows)
		} else {
			add("wordlist-key", High, "the "+what+" is in the wordlist (line "+strconv.Itoa(k.Line)+")",
				"a guessable secret lets anyone "+k.Allows)
		}
	}
	// payload
	payload, verified := t.payload()
	if payload != nil {
		r.Payload, r.PayloadVerified = payload, verified
	}
	t.formatFindings(add, encFormat)
	if payload != nil && t.enc == nil {
		if fields := personalData(*payload); len(fields) > 0 {
			under := "under only a MAC"
			if t.sig == nil {
				under = "without any protection"
			} else if t.sig.slot.hit != nil && t.sig.slot.hit.Role == "digest-salt" {
				under = "under only a digest"
			}
			add("readable-personal-data", Medium, "the session carries readable personal data "+under+" ("+strings.Join(fields, ", ")+")",
				"a by-value session is only signed, not encrypted: anyone holding the cookie (logs, proxies, browser extensions) reads it")
		}
	}
	t.cookieFindings(add)
	sort.SliceStable(r.Findings, func(i, j int) bool {
		return severityRank(r.Findings[i].Severity) < severityRank(r.Findings[j].Severity)
	})
	return r
}

// exactShape is the chain once keys told which algorithm and format.
func (t *Target) exactShape(encFormat string) string {
	var parts []string
	if e := t.enc; e != nil {
		alg := ""
		if h := e.sign.hit; h != nil {
			alg = h.Algorithm
		}
		aes := "AES"
		if h := e.key.hit; h != nil {
			aes = h.Algorithm
		}
		if alg == "" && encFormat == "" && e.key.hit == nil {
			return ""
		}
		if alg == "" {
			alg = e.algs[0].mac
		}
		f := encFormat
		if f == "" {
			f = "current or legacy"
		}
		parts = append(parts, "encrypt("+aes+","+alg+","+f+")")
	}
	if s := t.sig; s != nil {
		h := s.slot.hit
		if h == nil {
			if len(parts) == 0 {
				return ""
			}
			parts = append(parts, "mac or digest("+strconv.Itoa(len(s.sig)*8)+"-bit)")
		} else if h.Role == "mac" {
			parts = append(parts, "mac("+h.Algorithm+")")
		} else {
			parts = append(parts, "digest("+h.Algorithm+")")
		}
	}
	return strings.Join(parts, ", ")
}

// payload is the session as far as it can be read.
func (t *Target) payload() (*string, bool) {
	if e := t.enc; e != nil {
		if pt := e.pt.Load(); pt != nil {
			s := string(*pt)
			return &s, true
		}
		return nil, false
	}
	if s := t.sig; s != nil {
		p := s.payload
		return &p, s.slot.hit != nil
	}
	v := t.value
	return &v, false
}

func (t *Target) formatFindings(add func(id, sev, title, why string), encFormat string) {
	if s := t.sig; s != nil {
		h := s.slot.hit
		switch {
		case h != nil && h.Role == "digest-salt":
			add("digest-transformer", High, "signed with SessionTransportTransformerDigest: a salted digest, no key",
				"anyone can recompute the digest of a forged payload; Ktor deprecated this transformer as unsafe and removed it in 2.0")
		case h == nil && t.enc == nil && len(t.shapes) > 0 && strings.HasPrefix(t.shapes[0].Chain, "digest("):
			add("digest-shape", Medium, "the signature's length fits Ktor 1.x's digest transformer ("+t.shapes[0].Chain+")",
				"if it is SessionTransportTransformerDigest, it has no key: anyone who guesses the salt forges sessions (Ktor removed it in 2.0)")
		}
		alg := ""
		if h != nil && h.Role == "mac" {
			alg = h.Algorithm
		} else if h == nil {
			switch len(s.sig) {
			case 16:
				alg = "HmacMD5?"
			case 20:
				alg = "HmacSHA1?"
			}
		}
		weakMAC(add, alg, "the signature")
		if s.upper && (h == nil || h.Role == "mac") {
			add("signature-uppercase", Info, "the signature is in upper-case hex",
				"Ktor's MAC compares lower-case hex strings, so Ktor itself rejects this value")
		}
	}
	if e := t.enc; e != nil {
		alg := ""
		if h := e.sign.hit; h != nil {
			alg = h.Algorithm
		} else {
			switch len(e.tag) {
			case 16:
				alg = "HmacMD5?"
			case 20:
				alg = "HmacSHA1?"
			}
		}
		weakMAC(add, alg, "the encrypt MAC")
		switch {
		case len(e.iv) != 16:
			add("encrypt-legacy-iv", High, "encrypt value with a "+strconv.Itoa(len(e.iv))+"-byte IV: Ktor 1.x-2.x's legacy format with a long key",
				"the legacy format decrypts before it authenticates (a padding oracle), and AES/CBC refuses an IV that is not 16 bytes: no Ktor reads this")
		case encFormat == "legacy":
			add("encrypt-legacy-format", High, "legacy encrypt format (Ktor 1.x-2.x): the MAC covers the plaintext",
				"Ktor decrypts before it authenticates: the padding errors form an oracle that decrypts sessions without the key")
		case encFormat == "current":
			add("encrypt-iv-unauthenticated", Medium, "Ktor 3 encrypt format: the IV is not authenticated",
				"the MAC covers only the ciphertext: flipping IV bits flips the same bits of the first 16 bytes of the session, undetected")
		default:
			add("encrypt-format-unknown", Medium, "encrypt value: Ktor 3 format (IV not authenticated) or legacy format (padding oracle)",
				"without the sign key the two cannot be told apart: Ktor 3 lets the first 16 plaintext bytes be flipped through the IV; Ktor 1.x-2.x decrypts before authenticating")
		}
	}
	if t.sig == nil && t.enc == nil {
		if kind := sessionKind(t.value); kind != "" {
			add("unsigned-session", High, "a by-value session ("+kind+") with no signature or encryption",
				"anyone can edit the cookie and the server takes it as genuine")
		}
	}
}

func weakMAC(add func(id, sev, title, why string), alg, what string) {
	guess := strings.HasSuffix(alg, "?")
	alg = strings.TrimSuffix(alg, "?")
	how := ""
	if guess {
		how = " (judging by its length)"
	}
	switch alg {
	case "HmacMD5":
		add("hmac-md5", Medium, what+" uses HmacMD5"+how,
			"MD5 is broken for collisions; HMAC-MD5 still resists forgery today but has no safety margin: use HmacSHA256")
	case "HmacSHA1":
		add("hmac-sha1", Low, what+" uses HmacSHA1"+how+" (Ktor 1.0's default)",
			"SHA-1 is broken for collisions; HMAC-SHA1 is not yet forgeable but deprecated: use HmacSHA256")
	}
}

func (t *Target) cookieFindings(add func(id, sev, title, why string)) {
	sc := t.in.SetCookie
	if sc == nil || sc.Raw == "" || sc.MaxAge != nil && *sc.MaxAge == 0 {
		return // no attributes, or a clear
	}
	now := t.opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if t.in.Date != nil {
		now = *t.in.Date // the cookie's lifetime as sent, not what is left of it
	}
	if sc.MaxAge != nil && time.Duration(*sc.MaxAge)*time.Second > maxAgeLimit {
		add("long-max-age", Low, "the cookie lives "+days(time.Duration(*sc.MaxAge)*time.Second)+" (Max-Age="+strconv.Itoa(int(*sc.MaxAge))+")",
			"a stolen session stays usable that long, and a by-value session cannot be revoked before it expires; Ktor's default is 7 days")
	} else if sc.MaxAge == nil && sc.Expires != nil && sc.Expires.Sub(now) > maxAgeLimit {
		add("long-max-age", Low, "the cookie expires in "+days(sc.Expires.Sub(now))+" (Expires="+sc.Expires.UTC().Format(time.RFC1123)+")",
			"a stolen session stays usable that long, and a by-value session cannot be revoked before it expires; Ktor's default is 7 days")
	}
	if !sc.Secure {
		add("cookie-not-secure", Medium, "Set-Cookie without Secure",
			"the browser also sends the session over plain HTTP, where anyone on the path reads it")
	}
	if !sc.HTTPOnly {
		add("cookie-not-httponly", Medium, "Set-Cookie without HttpOnly",
			"scripts on the page (an XSS) can read and exfiltrate the session")
	}
	hasSameSite := false
	for _, x := range sc.Extensions {
		if strings.EqualFold(x.Name, "SameSite") {
			hasSameSite = true
		}
	}
	if !hasSameSite {
		add("cookie-no-samesite", Low, "Set-Cookie without SameSite",
			"the browser's default decides whether cross-site requests carry the session (CSRF): set SameSite=Lax or Strict")
	}
}

func days(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

// sessionKind tells a by-value session payload from an id or other value.
func sessionKind(v string) string {
	if looksJSONObject(v) {
		return "kotlinx JSON"
	}
	if strings.Contains(v, "=%23") || strings.Contains(v, "=#") {
		return "Ktor text"
	}
	return ""
}

func looksJSONObject(v string) bool {
	v = strings.TrimSpace(v)
	return strings.HasPrefix(v, "{") && json.Valid([]byte(v))
}

var (
	emailRe     = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	sensitiveRe = regexp.MustCompile(`(?i)^(e-?mail|mail|password|passwd|pwd|pass|secret|token|access_?token|refresh_?token|api_?key|auth|ssn|phone|mobile|tel|address|street|zip|postcode|birth|birthday|dob|date_?of_?birth|iban|card|credit_?card|cc|name|first_?name|last_?name|full_?name|given_?name|family_?name|surname|username|user_?name|login|ip)$`)
)

// personalData lists the fields of a decoded payload that hold personal data
// or credentials, by name or by an e-mail address in the value.
func personalData(payload string) []string {
	var out []string
	seen := map[string]bool{}
	addf := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	check := func(name, value string) {
		switch {
		case name != "" && sensitiveRe.MatchString(name) && value != "" && value != "#n" && value != "null":
			addf(name)
		case emailRe.MatchString(value):
			if name == "" {
				name = "an e-mail address"
			}
			addf(name)
		}
	}
	if looksJSONObject(payload) {
		var m any
		if json.Unmarshal([]byte(payload), &m) == nil {
			walkJSON("", m, check, 0)
			return out
		}
	}
	if strings.Contains(payload, "=") {
		for _, pair := range strings.Split(payload, "&") {
			k, v, _ := strings.Cut(pair, "=")
			k, _ = url.QueryUnescape(k)
			v, _ = url.QueryUnescape(v)
			v = strings.TrimPrefix(v, "#s")
			check(strings.TrimSpace(k), v)
		}
		return out
	}
	check("", payload)
	return out
}

func walkJSON(name string, v any, fn func(name, value string), depth int) {
	if depth > 32 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkJSON(k, x[k], fn, depth+1)
		}
	case []any:
		for _, e := range x {
			walkJSON(name, e, fn, depth+1)
		}
	case string:
		fn(name, x)
	case nil:
	default:
		b, _ := json.Marshal(x)
		fn(name, string(b))
	}
}
