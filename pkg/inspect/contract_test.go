package inspect

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/sessionctl/sessionctl/pkg/keyring"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
)

// The JSON of inspect --json and verify --json is a contract (README) that the debugger page
// shares: the library's results, marshalled, are byte for byte the CLI's goldens.

var testNow = time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC) // SESSIONCTL_TEST_NOW of the scripts

func exampleKeyring(t *testing.T) *keyring.Keyring {
	t.Helper()
	b, err := os.ReadFile("../../keys.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.Parse("keys.example.toml (embedded)", b, keyring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func golden(t *testing.T, script, name string) (*txtar.Archive, string) {
	t.Helper()
	a, err := txtar.ParseFile("../../commands/testdata/script/" + script)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a.Files {
		if f.Name == name {
			return a, string(f.Data)
		}
	}
	t.Fatalf("%s has no file %s", script, name)
	return nil, ""
}

func TestInspectJSONIsTheCLIGolden(t *testing.T) {
	_, want := golden(t, "inspect.txtar", "inspect-example.json")
	cookie, err := os.ReadFile("../../commands/example_cookie.txt")
	if err != nil {
		t.Fatal(err)
	}
	a := &Analyzer{Keyring: exampleKeyring(t), Now: testNow, AcrossReleases: true} // as inspect runs it
	found, err := a.Found(strings.TrimSpace(string(cookie)))
	if err != nil {
		t.Fatal(err)
	}
	found, _ = a.Keep(found)
	var got strings.Builder
	for _, f := range found {
		r, err := a.Analyze(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := JSON(r)
		if err != nil {
			t.Fatal(err)
		}
		got.Write(b)
		got.WriteByte('\n')
	}
	if got.String() != want {
		t.Errorf("inspect JSON\n got %s\nwant %s", got.String(), want)
	}
}

func TestVerifyJSONIsTheCLIGolden(t *testing.T) {
	ar, want := golden(t, "verify.txtar", "verify.json")
	var tokens string
	for _, f := range ar.Files {
		if f.Name == "tokens.txt" {
			tokens = string(f.Data)
		}
	}
	a := &Analyzer{Keyring: exampleKeyring(t), Provider: "LEGACY_SESSION", Now: testNow}
	sum := NewSummary()
	var got strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(tokens, "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		r, err := a.VerifyOne(line)
		if err != nil {
			t.Fatal(err)
		}
		r.Line = i + 1
		sum.Add(r)
		b, _ := JSON(r)
		got.Write(b)
		got.WriteByte('\n')
	}
	sum.UnusedKeys = a.UnusedKeys(sum)
	b, _ := JSON(map[string]any{"summary": sum})
	got.Write(b)
	got.WriteByte('\n')
	if got.String() != want {
		t.Errorf("verify JSON\n got %s\nwant %s", got.String(), want)
	}
}

func TestKeep(t *testing.T) {
	kr := exampleKeyring(t)
	text := "HTTP/1.1 200 OK\nSet-Cookie: other=1\nSet-Cookie: LEGACY_SESSION=x\n"
	for _, tc := range []struct {
		name string
		a    Analyzer
		text string
		kept string
		left string
	}{
		{"session cookie among others", Analyzer{Keyring: kr}, text, "LEGACY_SESSION", "other"},
		{"no session cookie: all kept", Analyzer{Keyring: kr}, "Cookie: a=1; b=2", "a,b", ""},
		{"no keyring: all kept", Analyzer{}, text, "other,LEGACY_SESSION", ""},
		{"--provider names the only session cookie", Analyzer{Keyring: kr, Provider: "USER_SESSION"}, "Cookie: LEGACY_SESSION=1; USER_SESSION=2", "USER_SESSION", "LEGACY_SESSION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, err := tc.a.Found(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			kept, left := tc.a.Keep(found)
			var names []string
			for _, f := range kept {
				names = append(names, f.Name)
			}
			if strings.Join(names, ",") != tc.kept || strings.Join(left, ",") != tc.left {
				t.Errorf("kept %v left %v, want %s / %s", names, left, tc.kept, tc.left)
			}
		})
	}
}

// memStore is a Store over a map: what the CLI's directory and Redis stores answer.
type memStore map[string]string

func (m memStore) Lookup(id string) (string, error) {
	v, ok := m[id]
	if !ok {
		return "", errors.New("session not found")
	}
	return v, nil
}
func (m memStore) Describe() string { return "mem:test" }

// tracker = id: the token is an id, the session is looked up through the Store the caller gives.
func TestStoredSession(t *testing.T) {
	kr, err := keyring.Parse("k.toml", []byte(`
[providers.SID]
tracker = "id"
serializer = "json"
storage = "dir:/nowhere"
`), keyring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := memStore{"abc123": `{"user":"u-1"}`}
	var opened []string
	open := func(p *keyring.Provider) (Store, error) {
		opened = append(opened, p.Storage)
		return st, nil
	}
	a := &Analyzer{Keyring: kr, Now: testNow, OpenStore: open}
	r, err := a.Analyze(codec.Found{Source: "pair", Name: "SID", Raw: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Format != "id" || r.Stored == nil || !r.Stored.Found || r.Stored.Storage != "mem:test" ||
		string(r.Session) != `{"user":"u-1"}` || r.Types["user"] != "String" || strings.Join(opened, ",") != "dir:/nowhere" {
		t.Fatalf("found: %+v stored %+v", r, r.Stored)
	}
	r, _ = a.Analyze(codec.Found{Source: "pair", Name: "SID", Raw: "gone"})
	if r.OK || r.ErrKind != "not-stored" || r.Error != "session id gone: session not found (Ktor treats this as no session)" ||
		r.Stored == nil || r.Stored.Found || r.Stored.Error != "session not found" {
		t.Fatalf("missing: %+v stored %+v", r, r.Stored)
	}
	a.OpenStore = func(*keyring.Provider) (Store, error) { return nil, errors.New("cannot open") }
	r, _ = a.Analyze(codec.Found{Source: "pair", Name: "SID", Raw: "abc123"})
	if r.Stored == nil || r.Stored.Storage != "dir:/nowhere" || r.Stored.Error != "cannot open" || !r.OK {
		t.Fatalf("store fails to open: %+v stored %+v", r, r.Stored)
	}
	a.OpenStore = nil // the page: no storage
	r, _ = a.Analyze(codec.Found{Source: "pair", Name: "SID", Raw: "abc123"})
	if !r.OK || r.Stored != nil || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "give the provider a storage") {
		t.Fatalf("no store: %+v", r)
	}
}

// The cookie's expiry is counted from the clock given, never from the machine's.
func TestClock(t *testing.T) {
	a := &Analyzer{Now: testNow}
	for _, tc := range []struct{ line, expires, in string }{
		{"Set-Cookie: S=x; Max-Age=3600", "2023-11-14T23:13:20Z", "expires in 1h 0m (Max-Age, counted from now)"},
		{"Set-Cookie: S=x; Expires=Tue, 14 Nov 2023 22:13:00 GMT", "2023-11-14T22:13:00Z", "expired 20s ago"},
		// Max-Age=0 deletes the cookie at once (it read "expired 19675d 22h ago", at 1970)
		{"Set-Cookie: S=x; Max-Age=0; Expires=Wed, 21 Oct 2099 07:28:00 GMT", "2023-11-14T22:13:20Z", "deleted at once: Max-Age=0 tells the browser to remove the cookie"},
		{"Set-Cookie: S=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "1970-01-01T00:00:00Z", "deleted at once: an Expires in the past tells the browser to remove the cookie"},
	} {
		found, err := a.Found(tc.line)
		if err != nil || len(found) != 1 {
			t.Fatalf("%s: %v", tc.line, err)
		}
		r, _ := a.Analyze(found[0])
		if r.Cookie == nil || r.Cookie.Expires != tc.expires || r.Cookie.ExpiresIn != tc.in {
			t.Errorf("%s: cookie %+v, want %s / %s", tc.line, r.Cookie, tc.expires, tc.in)
		}
	}
}
