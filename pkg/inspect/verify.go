package inspect

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
)

// Summary is verify's rotation-readiness summary over many tokens: how many verified under each
// key id, encrypt format and serializer, how many failed and why.
type Summary struct {
	Tokens     int            `json:"tokens"`
	Valid      int            `json:"valid"`
	Invalid    int            `json:"invalid"`
	Expired    int            `json:"expired"` // valid but expired cookies (counted in Valid too)
	ByKey      map[string]int `json:"by_key"`
	ByFormat   map[string]int `json:"by_encrypt_format,omitempty"`
	BySerial   map[string]int `json:"by_serializer"`
	Failures   map[string]int `json:"failures"`
	UnusedKeys []string       `json:"unused_keys,omitempty"`
}

// NewSummary is an empty summary.
func NewSummary() *Summary {
	return &Summary{ByKey: map[string]int{}, ByFormat: map[string]int{}, BySerial: map[string]int{}, Failures: map[string]int{}}
}

// Add counts one result.
func (s *Summary) Add(r Result) {
	s.Tokens++
	if !r.OK {
		s.Invalid++
		k := r.ErrKind
		if k == "" {
			k = "other"
		}
		s.Failures[k]++
		return
	}
	s.Valid++
	if r.Expired {
		s.Expired++
	}
	for _, k := range r.KeyIDs {
		s.ByKey[k]++
	}
	if r.EncFormat != "" {
		s.ByFormat[r.EncFormat]++
	}
	if r.Format != "" {
		s.BySerial[r.Format]++
	}
}

// Invalid is the result for an input that holds no token to analyze (a line too long, no cookie):
// a bare source, no layers, not ok, with this error kind and message.
func Invalid(kind, msg string) Result {
	r := Result{Source: "bare", Layers: []Layer{}, Verdict: VerdictInvalid}
	r.fail(kind, msg)
	return r
}

// VerifyOne: the provider's token in one input (line or argument); exactly one result.
func (a *Analyzer) VerifyOne(text string) (Result, error) {
	fs, err := a.Found(text)
	if err != nil || len(fs) == 0 {
		r := Result{Source: "bare", Layers: []Layer{}, Verdict: VerdictInvalid}
		if err != nil {
			r.fail("malformed", err.Error())
		} else {
			r.fail("malformed", "no session cookie in the input")
		}
		return r, nil
	}
	pick := fs[0]
	if names := a.Names(); len(names) > 0 && len(fs) > 1 {
		for _, f := range fs {
			if containsString(names, f.Name) {
				pick = f
				break
			}
		}
	}
	return a.Analyze(pick)
}

// Keep: of the tokens found in a pasted response or header, the session cookies (the keyring's
// names) when there are any; left names the others, which were left out (nil when none was).
func (a *Analyzer) Keep(found []codec.Found) (kept []codec.Found, left []string) {
	names := a.Names()
	if a.Bare || len(names) == 0 {
		return found, nil
	}
	var mine []codec.Found
	var others []string
	for _, f := range found {
		if f.Source == "bare" || containsString(names, f.Name) {
			mine = append(mine, f)
		} else {
			others = append(others, f.Name)
		}
	}
	if len(mine) > 0 && len(others) > 0 {
		return mine, others
	}
	return found, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// UnusedKeys: key ids of the providers used that verified no token: safe to drop from reads.
func (a *Analyzer) UnusedKeys(s *Summary) []string {
	if a.Keyring == nil || s.Valid == 0 {
		return nil
	}
	var out []string
	for _, p := range a.Keyring.Built() {
		if !a.used[p.Name] {
			continue // built only to see whether it verifies a failed token
		}
		for i, st := range p.Steps {
			ids := append(append([]string{}, st.Keys...), st.SignKeys...)
			for j, id := range ids {
				current := j == 0 || (len(st.Keys) > 0 && j == len(st.Keys))
				if s.ByKey[id] == 0 && !current && !containsString(out, id) {
					out = append(out, id)
				}
			}
			_ = i
		}
	}
	sort.Strings(out)
	return out
}

// JSON is the JSON form of a Result or a Summary as the CLI prints it: json.Marshal without
// HTML escaping (scripts read `&` and `<` as they are).
func JSON(v any) ([]byte, error) { return marshalJSON(v) }

func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}
