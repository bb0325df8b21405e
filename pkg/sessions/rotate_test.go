package sessions_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

var (
	oldKey = transform.Key{ID: "sign-2024", Bytes: []byte("old-old-old-old-old-old-old-old!")}
	newKey = transform.Key{ID: "sign-2025", Bytes: []byte("new-new-new-new-new-new-new-new!")}
)

func macOf(t *testing.T, p transform.Profile, keys ...transform.Key) *transform.MAC {
	t.Helper()
	m, err := transform.NewMAC(keys, "HmacSHA256", p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// getter is a handler that only reads the session: it never sets it, so
// anything sent back is the middleware's doing.
func getter[T any](t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok, err := sessions.Get[T](r)
		if err != nil {
			t.Error(err)
		}
		if !ok {
			io.WriteString(w, "none")
			return
		}
		io.WriteString(w, strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(fmtAny(v), "{", ""), "}", "")))
	})
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case user:
		return x.Name
	case testUserSession:
		return x.UserID
	case prefs:
		return x.User
	}
	return "?"
}

// cookieOf returns the cookie value the response sets for name (decoded
// with the profile's encoding), "" when none.
func cookieOf(t *testing.T, h http.Header, name string, p transform.Profile) (string, bool) {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		sc, err := codec.ParseSetCookie(line)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Name == name {
			v, err := codec.Decode(sc.Raw, codec.URI, p)
			if err != nil {
				t.Fatal(err)
			}
			return v, true
		}
	}
	return "", false
}

// TestRotateOnReadMAC: a cookie signed with the old key comes back signed
// with the new one, the counter of the old key moves, and a second request
// verifies under the new key and is not re-issued.
func TestRotateOnReadMAC(t *testing.T) {
	for _, profile := range []transform.Profile{"3", "2"} {
		for _, byID := range []bool{false, true} {
			t.Run(string(profile)+map[bool]string{false: "/value", true: "/id"}[byID], func(t *testing.T) {
				mem := &writeCounter{Storage: storage.NewMemory()}
				opts := func(rotate bool, keys ...transform.Key) []sessions.Option {
					o := []sessions.Option{sessions.WithProfile(string(profile)), sessions.WithTransformers(macOf(t, profile, keys...))}
					if byID {
						o = append(o, sessions.ByID(mem))
					}
					if rotate {
						o = append(o, sessions.RotateOnRead())
					}
					return o
				}
				// The service before the rotation writes under the old key.
				before := mustNew(t, sessions.Cookie[user]("S", opts(false, oldKey)...)).Handler(app())
				c := &client{name: "S", cookie: true}
				c.do(t, before, "/set?name=bob")
				oldCookie := c.value
				// Without RotateOnRead the new keyring reads it and sends nothing.
				plain := mustNew(t, sessions.Cookie[user]("S", opts(false, newKey, oldKey)...))
				rec := (&client{name: "S", cookie: true, value: oldCookie}).do(t, plain.Handler(getter[user](t)), "/")
				if rec.Body.String() != "bob" || rec.Header().Get("Set-Cookie") != "" {
					t.Fatalf("without rotation: %q %q", rec.Body.String(), rec.Header().Get("Set-Cookie"))
				}
				if st := plain.Stats(); st.Providers[0].Transformers[0].Keys[1].Verified != 1 || st.Providers[0].Reissued != 0 {
					t.Fatalf("without rotation, stats %+v", st)
				}
				// With it, the response re-issues the session under the new key.
				s := mustNew(t, sessions.Cookie[user]("S", opts(true, newKey, oldKey)...))
				h := s.Handler(getter[user](t))
				c = &client{name: "S", cookie: true, value: oldCookie}
				writes := mem.writes
				rec = c.do(t, h, "/")
				if mem.writes != writes {
					t.Fatal("re-issuing an id under a new key rewrote the stored session")
				}
				if rec.Body.String() != "bob" {
					t.Fatalf("read %q", rec.Body.String())
				}
				v, ok := cookieOf(t, rec.Result().Header, "S", profile)
				if !ok {
					t.Fatal("the session read under the old key was not re-issued")
				}
				payload, info, err := macOf(t, profile, newKey).Read(v)
				if err != nil || info.KeyID != newKey.ID {
					t.Fatalf("re-issued %q does not verify under the new key alone: %v", v, err)
				}
				if byID {
					if _, err := mem.Read(context.Background(), payload); err != nil {
						t.Fatalf("the re-issued id %q names no session: %v", payload, err)
					}
					if old, _ := mustUnsignWith(t, oldCookie, profile, oldKey); old != payload {
						t.Fatalf("the id changed: %q → %q", old, payload)
					}
				}
				ks := s.Stats().Providers[0]
				if ks.Reissued != 1 || ks.Read != 1 || ks.Transformers[0].Keys[0].Verified != 0 || ks.Transformers[0].Keys[1].Verified != 1 ||
					!ks.Transformers[0].Keys[0].Current || ks.Transformers[0].Keys[1].ID != oldKey.ID {
					t.Fatalf("stats after the first request: %+v", ks)
				}
				// The next request carries the new cookie: verified by the new key, nothing sent.
				rec = c.do(t, h, "/")
				if rec.Body.String() != "bob" || rec.Header().Get("Set-Cookie") != "" {
					t.Fatalf("second request: %q, Set-Cookie %q", rec.Body.String(), rec.Header().Get("Set-Cookie"))
				}
				ks = s.Stats().Providers[0]
				if ks.Reissued != 1 || ks.Transformers[0].Keys[0].Verified != 1 || ks.Transformers[0].Keys[1].Verified != 1 {
					t.Fatalf("stats after the second request: %+v", ks)
				}
			})
		}
	}
}

func mustUnsignWith(t *testing.T, v string, p transform.Profile, k transform.Key) (string, error) {
	t.Helper()
	d, err := codec.Decode(v, codec.URI, p)
	if err != nil {
		return "", err
	}
	id, _, err := macOf(t, p, k).Read(d)
	return id, err
}

// TestRotateOnReadSetWins: a handler that sets or clears decides; with
// SendOnlyIfModified, an unchanged session read under an old key is still
// re-issued.
func TestRotateOnReadSetWins(t *testing.T) {
	before := mustNew(t, sessions.Cookie[user]("S", sessions.WithTransformers(macOf(t, "3", oldKey)))).Handler(app())
	c := &client{name: "S", cookie: true}
	c.do(t, before, "/set?name=bob")
	old := c.value
	s := mustNew(t, sessions.Cookie[user]("S", sessions.WithTransformers(macOf(t, "3", newKey, oldKey)), sessions.RotateOnRead(), sessions.SendOnlyIfModified()))
	h := s.Handler(app())
	c = &client{name: "S", cookie: true, value: old}
	if rec := c.do(t, h, "/clear"); c.value != "" {
		t.Fatalf("clear of a session read under an old key: %q", rec.Header().Get("Set-Cookie"))
	}
	same := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _, _ := sessions.Get[user](r)
		sessions.Set(r, u)
	}))
	rec := (&client{name: "S", cookie: true, value: old}).do(t, same, "/")
	v, ok := cookieOf(t, rec.Result().Header, "S", "3")
	if !ok {
		t.Fatal("SendOnlyIfModified dropped the re-issue of a session read under an old key")
	}
	if _, _, err := macOf(t, "3", newKey).Read(v); err != nil {
		t.Fatalf("sent %q: %v", v, err)
	}
}

// TestRotateOnReadEncrypt: a value in the legacy encrypt format (Ktor 2),
// read through backwardCompatibleRead, and a value under old encryption and
// sign keys come back in the current format under the first keys.
func TestRotateOnReadEncrypt(t *testing.T) {
	encOld := transform.Key{ID: "enc-2024", Bytes: []byte("0123456789abcdef")}
	encNew := transform.Key{ID: "enc-2025", Bytes: []byte("fedcba9876543210")}
	mk := func(p transform.Profile, f transform.Format, compat bool, enc, sign []transform.Key) *transform.Encrypt {
		e, err := transform.NewEncrypt(transform.EncryptOptions{EncKeys: enc, SignKeys: sign, Format: f, BackwardCompatibleRead: compat, Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for _, tc := range []struct {
		name                                string
		writer                              *transform.Encrypt
		wantLegacy, wantOldEnc, wantOldSign uint64
	}{
		{"legacy format", mk("2", transform.FormatLegacy, false, []transform.Key{encNew}, []transform.Key{newKey}), 1, 0, 0},
		{"old keys", mk("3", transform.FormatCurrent, false, []transform.Key{encOld}, []transform.Key{oldKey}), 0, 1, 1},
		{"old keys, legacy format", mk("2", transform.FormatLegacy, false, []transform.Key{encOld}, []transform.Key{oldKey}), 1, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := tc.writer.Write(`{"name":"bob","count":3}`)
			if err != nil {
				t.Fatal(err)
			}
			enc, _ := codec.Encode(w, codec.URI, "3")
			reader := mk("3", transform.FormatCurrent, true, []transform.Key{encNew, encOld}, []transform.Key{newKey, oldKey})
			s := mustNew(t, sessions.Cookie[user]("S", sessions.WithTransformers(reader), sessions.RotateOnRead()))
			c := &client{name: "S", cookie: true, value: enc}
			rec := c.do(t, s.Handler(getter[user](t)), "/")
			if rec.Body.String() != "bob" {
				t.Fatalf("read %q", rec.Body.String())
			}
			v, ok := cookieOf(t, rec.Result().Header, "S", "3")
			if !ok {
				t.Fatal("not re-issued")
			}
			current := mk("3", transform.FormatCurrent, false, []transform.Key{encNew}, []transform.Key{newKey})
			if p, info, err := current.Read(v); err != nil || p != `{"name":"bob","count":3}` || info.Format != "current" {
				t.Fatalf("re-issued value does not read in the current format under the new keys alone: %q %+v %v", p, info, err)
			}
			ts := s.Stats().Providers[0].Transformers[0]
			if ts.LegacyFormat != tc.wantLegacy || ts.Keys[1].Verified != tc.wantOldEnc || ts.SignKeys[1].Verified != tc.wantOldSign {
				t.Fatalf("stats %+v", ts)
			}
			// Current now: nothing more is sent.
			if rec := c.do(t, s.Handler(getter[user](t)), "/"); rec.Header().Get("Set-Cookie") != "" {
				t.Fatalf("a current value was re-issued: %q", rec.Header().Get("Set-Cookie"))
			}
		})
	}
}

// TestRotateOnReadTextSerializer: a JSON (Ktor 3) provider reads a session
// in Ktor 2's text format and re-issues it as JSON; by id, the stored text is
// rewritten under the same id. Without RotateOnRead it is no session.
func TestRotateOnReadTextSerializer(t *testing.T) {
	text := "count=%23i3&name=%23sbob"
	for _, byID := range []bool{false, true} {
		t.Run(map[bool]string{false: "value", true: "id"}[byID], func(t *testing.T) {
			mem := storage.NewMemory()
			mac := macOf(t, "3", newKey)
			opts := []sessions.Option{sessions.WithTransformers(mac)}
			wireText := text
			if byID {
				opts = append(opts, sessions.ByID(mem))
				mem.Write(context.Background(), "0123456789abcdef0123456789abcdef", text)
				wireText = "0123456789abcdef0123456789abcdef"
			}
			w, _ := mac.Write(wireText)
			enc, _ := codec.Encode(w, codec.URI, "3")

			var log hookLog
			plain := mustNew(t, sessions.Cookie[user]("S", append(opts, sessions.WithErrorHook(log.hook))...))
			if rec := (&client{name: "S", cookie: true, value: enc}).do(t, plain.Handler(getter[user](t)), "/"); rec.Body.String() != "none" {
				t.Fatalf("without rotation the text format read as %q", rec.Body.String())
			}
			if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], sessions.ErrInvalid) {
				t.Fatalf("hook got %v", errs)
			}
			if byID {
				mem.Write(context.Background(), "0123456789abcdef0123456789abcdef", text)
			}

			s := mustNew(t, sessions.Cookie[user]("S", append(opts, sessions.RotateOnRead())...))
			c := &client{name: "S", cookie: true, value: enc}
			rec := c.do(t, s.Handler(getter[user](t)), "/")
			if rec.Body.String() != "bob" {
				t.Fatalf("read %q", rec.Body.String())
			}
			v, ok := cookieOf(t, rec.Result().Header, "S", "3")
			if !ok {
				t.Fatal("not re-issued")
			}
			p, _, err := mac.Read(v)
			if err != nil {
				t.Fatal(err)
			}
			want := `{"name":"bob","count":3}`
			if byID {
				if p != wireText {
					t.Fatalf("the id changed to %q", p)
				}
				p, _ = mem.Read(context.Background(), wireText)
			}
			if p != want {
				t.Fatalf("re-issued %q, want %q", p, want)
			}
			if ps := s.Stats().Providers[0]; ps.TextSerializer != 1 || ps.Reissued != 1 {
				t.Fatalf("stats %+v", ps)
			}
			if rec := c.do(t, s.Handler(getter[user](t)), "/"); rec.Header().Get("Set-Cookie") != "" || rec.Body.String() != "bob" {
				t.Fatalf("second request: %q %q", rec.Body.String(), rec.Header().Get("Set-Cookie"))
			}
		})
	}
}

// TestRotateOnReadHeader: the header transport re-issues too.
func TestRotateOnReadHeader(t *testing.T) {
	w, _ := macOf(t, "3", oldKey).Write(`{"name":"bob","count":3}`)
	s := mustNew(t, sessions.Header[user]("X-S", sessions.WithTransformers(macOf(t, "3", newKey, oldKey)), sessions.RotateOnRead()))
	rec := ktorGet(s.Handler(getter[user](t)), "GET", "/", "X-S", w)
	got := rec.Header().Get("X-S")
	if _, info, err := macOf(t, "3", newKey).Read(got); err != nil || info.KeyID != newKey.ID {
		t.Fatalf("X-S %q: %v", got, err)
	}
}

// TestRotateOnReadNeedsKeyIDs: a read names its key by id, so a keyring with
// two keys of one id cannot rotate.
func TestRotateOnReadNeedsKeyIDs(t *testing.T) {
	m := macOf(t, "3", transform.Key{Bytes: newKey.Bytes}, transform.Key{Bytes: oldKey.Bytes})
	if _, err := sessions.New(sessions.Cookie[user]("S", sessions.WithTransformers(m), sessions.RotateOnRead())); !errors.Is(err, sessions.ErrConfig) {
		t.Fatalf("New: %v, want ErrConfig", err)
	}
	if _, err := sessions.New(sessions.Cookie[user]("S", sessions.WithTransformers(m))); err != nil {
		t.Fatalf("without RotateOnRead: %v", err)
	}
}

// writeCounter counts the writes that reach a storage.
type writeCounter struct {
	storage.Storage
	writes int
}

func (w *writeCounter) Write(ctx context.Context, id, v string) error {
	w.writes++
	return w.Storage.Write(ctx, id, v)
}

// BenchmarkRotateOnRead: a session signed under the old key, re-issued under
// the new one on every request (the client never takes the new cookie).
func BenchmarkRotateOnRead(b *testing.B) {
	ring, err := transform.NewMAC([]transform.Key{{ID: "k2", Bytes: []byte("another-32-byte-key-for-rotation")}, {ID: "k1", Bytes: testKey}}, "", "3")
	if err != nil {
		b.Fatal(err)
	}
	h := mustNew(b, sessions.Cookie[benchUser]("S", sessions.WithTransformers(ring), sessions.RotateOnRead())).Handler(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sessions.Get[benchUser](r) }))
	v, _ := mustMAC(b, "3").Write(`{"name":"bob","count":1}`)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", "S="+v)
	runBench(b, h, req)
}

// TestRotateOnReadEager: lazily, a response whose handler never read the
// session leaves it as it is; with LoadEagerly every response re-issues it.
func TestRotateOnReadEager(t *testing.T) {
	old, _ := macOf(t, "3", oldKey).Write(`{"name":"bob","count":3}`)
	enc, _ := codec.Encode(old, codec.URI, "3")
	untouched := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	for _, eager := range []bool{false, true} {
		opts := []sessions.Option{sessions.WithTransformers(macOf(t, "3", newKey, oldKey)), sessions.RotateOnRead()}
		if eager {
			opts = append(opts, sessions.LoadEagerly())
		}
		rec := ktorGet(mustNew(t, sessions.Cookie[user]("S", opts...)).Handler(untouched), "GET", "/", "Cookie", "S="+enc)
		v, ok := cookieOf(t, rec.Result().Header, "S", "3")
		if ok != eager {
			t.Fatalf("eager=%v: Set-Cookie %q", eager, rec.Header().Get("Set-Cookie"))
		}
		if eager {
			if _, _, err := macOf(t, "3", newKey).Read(v); err != nil {
				t.Fatalf("re-issued %q: %v", v, err)
			}
		}
	}
}
