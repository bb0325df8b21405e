package sessions_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// userSession is the vectors' Kotlin class
// data class UserSession(val userId: String, val name: String, val roles: List<String>, val loginCount: Int, val admin: Boolean)
type userSession struct {
	UserID     string `ktor:"userId"`
	Name       string
	Roles      []string
	LoginCount int
	Admin      bool
}

// String is Kotlin's data class toString.
func (u userSession) String() string {
	return fmt.Sprintf("UserSession(userId=%s, name=%s, roles=[%s], loginCount=%d, admin=%t)",
		u.UserID, u.Name, strings.Join(u.Roles, ", "), u.LoginCount, u.Admin)
}

type pipelineCase struct {
	Source                string            `json:"source"`
	Keys                  map[string]string `json:"keys"`
	ValueToString         string            `json:"valueToString"`
	Transformers          string            `json:"transformers"`
	Serialized            string            `json:"serialized"`
	TransportValue        string            `json:"transportValue"`
	URIEncodedCookieValue string            `json:"uriEncodedCookieValue"`
	SetCookie             string            `json:"setCookie"`
}

func loadVectors(t *testing.T, section string, v any) {
	t.Helper()
	b, err := os.ReadFile("../../testdata/ktor/ktor-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(all[section], v); err != nil {
		t.Fatalf("%s: %v", section, err)
	}
}

func hexKey(t *testing.T, keys map[string]string, names ...string) []byte {
	t.Helper()
	for _, n := range names {
		if h, ok := keys[n]; ok {
			b, err := hex.DecodeString(h)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("no key %v in %v", names, keys)
	return nil
}

// chainOf builds the transformers a pipeline case describes, e.g.
// "[encrypt(AES-256 keyBytes(32,13), HmacSHA256 keyBytes(32,20), ivSeed 77), mac(HmacSHA256 keyBytes(32,3))]".
func chainOf(t *testing.T, c pipelineCase, p transform.Profile) []transform.Transformer {
	t.Helper()
	desc := strings.Trim(c.Transformers, "[]")
	var out []transform.Transformer
	for desc != "" {
		var part string
		// split at the ", " that follows a closing parenthesis at depth 0
		depth, cut := 0, len(desc)
		for i := 0; i < len(desc); i++ {
			switch desc[i] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					cut = i + 1
				}
			}
			if cut != len(desc) {
				break
			}
		}
		part, desc = desc[:cut], strings.TrimPrefix(desc[cut:], ", ")
		switch {
		case strings.HasPrefix(part, "mac("):
			m, err := transform.NewMAC([]transform.Key{{ID: "mac", Bytes: hexKey(t, c.Keys, "macKeyHex")}}, "HmacSHA256", p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		case strings.HasPrefix(part, "encrypt("):
			enc := hexKey(t, c.Keys, "encKeyHex", "enc128KeyHex")
			if strings.Contains(part, "AES-256") {
				enc = hexKey(t, c.Keys, "enc256KeyHex")
			}
			e, err := transform.NewEncrypt(transform.EncryptOptions{
				EncKeys:  []transform.Key{{ID: "enc", Bytes: enc}},
				SignKeys: []transform.Key{{ID: "sign", Bytes: hexKey(t, c.Keys, "signKeyHex")}},
				IV:       transform.FixedIV(hexKey(t, c.Keys, "ivHex")),
				Profile:  p,
			})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		default:
			t.Fatalf("unknown transformer %q", part)
		}
	}
	return out
}

// TestKtorPipelines runs the pipelines_* vectors through the middleware:
// the cookie Ktor set reads back as the same session, and with the vector's
// fixed IV and clock the middleware writes Ktor's Set-Cookie line.
func TestKtorPipelines(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	for _, sec := range []struct {
		section string
		profile transform.Profile
	}{{"pipelines_1_0_0", "1.0.0"}, {"pipelines_head", "3"}} {
		var cases []pipelineCase
		loadVectors(t, sec.section, &cases)
		if len(cases) == 0 {
			t.Fatalf("%s: no cases", sec.section)
		}
		for i, c := range cases {
			t.Run(fmt.Sprintf("%s/%d/%s", sec.section, i, c.Transformers), func(t *testing.T) {
				mk := func() *sessions.Sessions {
					return mustNew(t, sessions.Cookie[userSession]("SESSION",
						sessions.WithProfile(string(sec.profile)),
						// Both generators ran Ktor 1.0.0's reflection serializer.
						sessions.WithSerializer(sessions.TextSerializer[userSession]("1.0.0")),
						sessions.WithTransformers(chainOf(t, c, sec.profile)...),
						sessions.WithCookie(func(cc *codec.CookieConfig) { cc.Path, cc.HTTPOnly = "/", true }),
						sessions.WithClock(func() time.Time { return now })))
				}
				// Read: a request carrying Ktor's cookie yields the session.
				var got userSession
				var ok bool
				var gerr error
				h := mk().Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					got, ok, gerr = sessions.Get[userSession](r)
				}))
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Cookie", "SESSION="+c.URIEncodedCookieValue)
				h.ServeHTTP(httptest.NewRecorder(), req)
				if gerr != nil || !ok {
					t.Fatalf("Get = %v, %v", ok, gerr)
				}
				if got.String() != c.ValueToString {
					t.Fatalf("read\n got %s\nwant %s", got, c.ValueToString)
				}
				// Write: the same session set by a handler renders Ktor's line.
				h = mk().Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if err := sessions.Set(r, got); err != nil {
						t.Error(err)
					}
				}))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				if lines := rec.Result().Header.Values("Set-Cookie"); len(lines) != 1 || lines[0] != c.SetCookie {
					t.Fatalf("Set-Cookie\n got %q\nwant %q", lines, c.SetCookie)
				}
			})
		}
	}
}

type dsNote struct {
	ID   string `ktor:"id"`
	N    int    `ktor:"n"`
	Note string
}

// untar extracts the Ktor directory-storage tree into dir.
func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Clean(h.Name)
		if !filepath.IsLocal(name) {
			t.Fatalf("unsafe path %q in archive", h.Name)
		}
		dst := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestKtorDirectoryTree reads the tree Ktor 3's DirectoryStorage left through
// by-id providers, and clears sessions from it.
func TestKtorDirectoryTree(t *testing.T) {
	var ds struct {
		Live        map[string]string `json:"live"`
		Invalidated []string          `json:"invalidated"`
	}
	b, err := os.ReadFile("../../testdata/ktor/directory-storage.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ds); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	untar(t, "../../testdata/ktor/directory-storage.tar.gz", tmp)
	root := filepath.Join(tmp, "dsroot")
	dir, err := storage.NewDirectory(root)
	if err != nil {
		t.Fatal(err)
	}
	var log hookLog
	text := func(p string) sessions.Option { return sessions.WithProfile(p) }
	s := mustNew(t,
		sessions.Cookie[dsNote]("SID", sessions.ByID(dir), text("3"), sessions.WithSerializer(sessions.TextSerializer[dsNote]("3")), sessions.WithErrorHook(log.hook)),
		sessions.Cookie[userSession]("USER", sessions.ByID(dir), text("3"), sessions.WithSerializer(sessions.TextSerializer[userSession]("3")), sessions.WithErrorHook(log.hook)))
	type result struct {
		note   dsNote
		user   userSession
		ok     bool
		err    error
		header http.Header
	}
	do := func(cookie, id, action string) result {
		var res result
		h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if cookie == "SID" {
				res.note, res.ok, res.err = sessions.Get[dsNote](r)
				if action == "clear" {
					if err := sessions.Clear[dsNote](r); err != nil {
						res.err = err
					}
				}
			} else {
				res.user, res.ok, res.err = sessions.Get[userSession](r)
			}
		}))
		req := httptest.NewRequest("GET", "/", nil)
		enc, err := codec.Encode(id, codec.URI, "3")
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Cookie", cookie+"="+enc)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res.header = rec.Result().Header
		return res
	}
	for id, stored := range ds.Live {
		t.Run("live/"+id, func(t *testing.T) {
			if strings.HasPrefix(stored, "id=") {
				res := do("SID", id, "")
				if res.err != nil || !res.ok {
					t.Fatalf("Get = %v, %v", res.ok, res.err)
				}
				if res.note.ID != id || res.note.Note != "é/&" || res.note.N <= 0 {
					t.Fatalf("got %+v", res.note)
				}
				if sc := res.header.Values("Set-Cookie"); len(sc) != 0 {
					t.Fatalf("reading sent %q", sc)
				}
			} else {
				res := do("USER", id, "")
				if res.err != nil || !res.ok {
					t.Fatalf("Get = %v, %v", res.ok, res.err)
				}
				want := "UserSession(userId=, name=日本 😀, roles=[], loginCount=0, admin=false)"
				if res.user.String() != want {
					t.Fatalf("got %s, want %s", res.user, want)
				}
				// The same id read as the other class: no session, the stored
				// session left alone.
				log.take()
				res = do("SID", id, "")
				if res.ok || res.err != nil {
					t.Fatalf("read as dsNote: %v %v", res.ok, res.err)
				}
				if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], sessions.ErrInvalid) {
					t.Fatalf("hook got %v", errs)
				}
				if _, err := dir.Read(context.Background(), id); err != nil {
					t.Fatalf("stored session gone: %v", err)
				}
			}
		})
	}
	for _, id := range ds.Invalidated {
		t.Run("invalidated/"+id, func(t *testing.T) {
			res := do("SID", id, "")
			if res.ok || res.err != nil {
				t.Fatalf("Get = %v, %v; want no session", res.ok, res.err)
			}
			if sc := res.header.Get("Set-Cookie"); !strings.HasPrefix(sc, "SID=; Max-Age=0;") {
				t.Fatalf("stale id not cleared off: %q", sc)
			}
		})
	}
	t.Run("clear prunes", func(t *testing.T) {
		id := "596f5a06dbeb960f77ef30709dd014569a143a68bad91283b9ab23350923dfe0"
		res := do("SID", id, "clear")
		if !res.ok || res.err != nil {
			t.Fatalf("Get = %v, %v", res.ok, res.err)
		}
		if _, err := dir.Read(context.Background(), id); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("after clear: %v", err)
		}
		if _, err := os.Stat(filepath.Join(root, "59")); !os.IsNotExist(err) {
			t.Fatalf("empty parents not pruned: %v", err)
		}
		if sc := res.header.Get("Set-Cookie"); !strings.HasPrefix(sc, "SID=; Max-Age=0;") {
			t.Fatalf("cookie not cleared: %q", sc)
		}
	})
}
