package sessions_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// The middleware's release-dependent choices, at each boundary.

func serve(t *testing.T, p sessions.Provider, cookie string, h http.HandlerFunc) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	mustNew(t, p).Handler(h).ServeHTTP(rec, req)
	return rec.Result()
}

// From 1.6.6 Ktor decodes the session cookie with the configured encoding;
// before, call.request.cookies[name] URI-decoded it whatever the encoding,
// so a BASE64 cookie read as no session.
func TestReceiveEncodingAt166(t *testing.T) {
	text := "count=%23i3&name=%23sbob"
	b64, _ := codec.Encode(text, codec.Base64, "1.6.6")
	for rel, want := range map[string]bool{"1.6.5": false, "1.6.6": true, "1.6.8": true, "1.6": true} {
		var got user
		var ok bool
		p := sessions.Cookie[user]("S", sessions.WithProfile(rel), sessions.WithCookie(func(c *codec.CookieConfig) { c.Encoding = codec.Base64 }))
		serve(t, p, "S="+b64, func(w http.ResponseWriter, r *http.Request) { got, ok, _ = sessions.Get[user](r) })
		if ok != want || ok && got.Name != "bob" {
			t.Errorf("%s: read %+v, %v; want a session: %v", rel, got, ok, want)
		}
	}
}

// Before 1.4.1 only a session that read counted as incoming: an unreadable
// cookie was left alone. From 1.4.1 it is cleared.
func TestUnreadableSessionAt141(t *testing.T) {
	getOnly := func(w http.ResponseWriter, r *http.Request) { sessions.Get[user](r) }
	for rel, clear := range map[string]bool{"1.4.0": false, "1.4.1": true} {
		p := sessions.Cookie[user]("S", sessions.WithProfile(rel))
		got := serve(t, p, "S=name%3D%2523i1", getOnly).Header.Get("Set-Cookie")
		if (got != "") != clear || clear && !strings.HasPrefix(got, "S=;") {
			t.Errorf("%s: Set-Cookie %q; want a clear cookie: %v", rel, got, clear)
		}
	}
}

// Before 2.3.1 the current session is sent again with every response that
// read it; from 2.3.1 only a session the call set.
func TestSendOnlySetAt231(t *testing.T) {
	getOnly := func(w http.ResponseWriter, r *http.Request) { sessions.Get[user](r) }
	for rel, resend := range map[string]bool{"2.3.0": true, "2.3.1": false} {
		p := sessions.Cookie[user]("S", sessions.WithProfile(rel), sessions.WithSerializer(sessions.TextSerializer[user](sessionsProfile(rel))))
		got := serve(t, p, "S=count%3D%2523i3%26name%3D%2523sbob", getOnly).Header.Get("Set-Cookie")
		if (got != "") != resend {
			t.Errorf("%s: Set-Cookie %q; want it re-sent: %v", rel, got, resend)
		}
	}
}

func TestSendOnlyIfModifiedAt350(t *testing.T) {
	_, err := sessions.New(sessions.Cookie[user]("S", sessions.WithProfile("3.4.3"), sessions.SendOnlyIfModified()))
	if !errors.Is(err, sessions.ErrConfig) || !strings.Contains(err.Error(), "3.5.0") {
		t.Errorf("3.4.3 has no sendOnlyIfModified: %v", err)
	}
	if _, err := sessions.New(sessions.Cookie[user]("S", sessions.WithProfile("3.5.0"), sessions.SendOnlyIfModified())); err != nil {
		t.Errorf("3.5.0: %v", err)
	}
}

func TestSessionIDsByRelease(t *testing.T) {
	for rel, n := range map[string]int{"1.4.3": 16, "1.5.0": 32, "3.4.3": 32, "3.5.0": 64} {
		mem := storage.NewMemory()
		p := sessions.Cookie[user]("S", sessions.WithProfile(rel), sessions.ByID(mem))
		res := serve(t, p, "", func(w http.ResponseWriter, r *http.Request) { sessions.Set(r, user{Name: "a"}) })
		var ids []string
		mem.Walk(context.Background(), storage.WalkOptions{}, func(e storage.Entry) error { ids = append(ids, e.ID); return nil })
		if len(ids) != 1 || len(ids[0]) != n || !strings.Contains(res.Header.Get("Set-Cookie"), ids[0]) {
			t.Errorf("%s: ids %q, want one of %d hex characters", rel, ids, n)
		}
	}
}

func TestDefaultSerializerAt300(t *testing.T) {
	for rel, want := range map[string]string{"2.3.13": "count%3D%2523i0%26name%3D%2523sa", "3.0.0": "%7B%22name%22%3A%22a%22%2C%22count%22%3A0%7D"} {
		p := sessions.Cookie[user]("S", sessions.WithProfile(rel))
		got := serve(t, p, "", func(w http.ResponseWriter, r *http.Request) { sessions.Set(r, user{Name: "a"}) }).Header.Get("Set-Cookie")
		if !strings.HasPrefix(got, "S="+want+";") {
			t.Errorf("%s: Set-Cookie %q, want the value %s", rel, got, want)
		}
	}
}

func TestUnknownRelease(t *testing.T) {
	_, err := sessions.New(sessions.Cookie[user]("S", sessions.WithProfile("2.3.14")))
	if !errors.Is(err, sessions.ErrConfig) || !strings.Contains(err.Error(), "2.3.13") {
		t.Errorf("2.3.14: %v, want a config error naming 2.3.13", err)
	}
}

func sessionsProfile(s string) transform.Profile { return transform.Profile(s) }
