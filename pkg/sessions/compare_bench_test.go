package sessions_test

// Middleware overhead per request for a signed by-value cookie session, side
// by side with gorilla/sessions (CookieStore: securecookie HMAC-SHA256 over
// gob) and alexedwards/scs (memstore: an id cookie, the data in memory).
//
//	go test -run='^$' -bench=Compare -benchmem ./pkg/sessions
//
// Each library runs the same two handlers: "read" reads two fields of the
// session the request carries and writes a short body; "write" also changes
// the session, so the response sets the cookie again. "bare" is the handler
// without any session middleware.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	gsessions "github.com/gorilla/sessions"

	"github.com/sessionctl/sessionctl/pkg/sessions"
)

type benchUser struct {
	Name  string
	Count int
}

// discardRW is a ResponseWriter that keeps nothing but its header map.
type discardRW struct{ h http.Header }

func (w *discardRW) Header() http.Header         { return w.h }
func (w *discardRW) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardRW) WriteHeader(int)             {}

// runBench serves req (a fresh shallow copy each time) through h.
func runBench(b *testing.B, h http.Handler, req *http.Request) {
	b.Helper()
	w := &discardRW{h: http.Header{}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req.WithContext(ctx))
	}
}

// firstCookie runs h once on a request without cookie and returns the
// Cookie header a browser would send next.
func firstCookie(b *testing.B, h http.Handler) string {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/write", nil))
	cs := rec.Result().Cookies()
	if len(cs) == 0 {
		b.Fatalf("no cookie set: %v", rec.Result().Header)
	}
	return cs[0].Name + "=" + cs[0].Value
}

func BenchmarkCompare(b *testing.B) {
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %d", "bob", 1)
	})

	// sessionctl: Ktor's cookie<T>("S") { transform(MAC) }, profile 3 (JSON).
	ours := mustNew(b, sessions.Cookie[benchUser]("S", sessions.WithTransformers(mustMAC(b, "3")))).Handler(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, _, _ := sessions.Get[benchUser](r)
			if r.URL.Path == "/write" {
				u.Name, u.Count = "bob", u.Count+1
				sessions.Set(r, u)
			}
			fmt.Fprintf(w, "%s %d", u.Name, u.Count)
		}))

	// gorilla/sessions CookieStore with a 32-byte HMAC key.
	store := gsessions.NewCookieStore(testKey)
	gorilla := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := store.Get(r, "S")
		name, _ := s.Values["name"].(string)
		count, _ := s.Values["count"].(int)
		if r.URL.Path == "/write" {
			name, count = "bob", count+1
			s.Values["name"], s.Values["count"] = name, count
			s.Save(r, w)
		}
		fmt.Fprintf(w, "%s %d", name, count)
	})

	// alexedwards/scs with its memstore.
	sm := scs.New()
	sm.Store = memstore.New()
	scsH := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := sm.GetString(r.Context(), "name")
		count := sm.GetInt(r.Context(), "count")
		if r.URL.Path == "/write" {
			name, count = "bob", count+1
			sm.Put(r.Context(), "name", name)
			sm.Put(r.Context(), "count", count)
		}
		fmt.Fprintf(w, "%s %d", name, count)
	}))

	for _, lib := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"sessionctl", ours}, {"gorilla", gorilla}, {"scs", scsH}} {
		cookie := ""
		if lib.name != "bare" {
			cookie = firstCookie(b, lib.h)
		}
		for _, op := range []string{"read", "write"} {
			req := httptest.NewRequest("GET", "/"+op, nil)
			if cookie != "" {
				req.Header.Set("Cookie", cookie)
			}
			b.Run(lib.name+"/"+op, func(b *testing.B) { runBench(b, lib.h, req) })
		}
	}
}

// BenchmarkMiddleware is the overhead of the middleware alone, per shape.
func BenchmarkMiddleware(b *testing.B) {
	noop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	b.Run("untouched", func(b *testing.B) {
		h := mustNew(b, sessions.Cookie[benchUser]("S", sessions.WithTransformers(mustMAC(b, "3")))).Handler(noop)
		runBench(b, h, httptest.NewRequest("GET", "/", nil))
	})
	b.Run("get-signed-cookie", func(b *testing.B) {
		h := mustNew(b, sessions.Cookie[benchUser]("S", sessions.WithTransformers(mustMAC(b, "3")))).Handler(
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sessions.Get[benchUser](r) }))
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", "S=%7B%22name%22%3A%22bob%22%2C%22count%22%3A1%7D%2F"+macHex(b, `{"name":"bob","count":1}`))
		runBench(b, h, req)
	})
}

func macHex(b *testing.B, v string) string {
	s, err := mustMAC(b, "3").Write(v)
	if err != nil {
		b.Fatal(err)
	}
	return s[len(v)+1:]
}
