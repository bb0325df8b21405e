package sessions_test

// A request through each session library doing the same job, side by side
// (internal/benchapp): sessionctl with a MAC-signed session by value
// (sessionctl-value) and with a session by id in memory storage
// (sessionctl-id), gorilla/sessions' CookieStore (securecookie: HMAC-SHA256
// over gob) and alexedwards/scs with its memstore (an id cookie, the data in
// memory). "bare" is the handler without any session library.
//
//	go test -run='^$' -bench=Compare -benchmem -count=5 ./pkg/sessions
//
// "read" reads two fields of the session the request carries and writes a
// short body; "write" also changes the session, so the response sets the
// cookie again (a read + write). bench/middleware runs these with
// bench/httpload (a real server on loopback) and prints the ratios.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionctl/sessionctl/internal/benchapp"
	"github.com/sessionctl/sessionctl/pkg/sessions"
)

type benchUser = benchapp.User

// discardRW is a ResponseWriter that keeps nothing but its header map.
type discardRW struct{ h http.Header }

func (w *discardRW) Header() http.Header         { return w.h }
func (w *discardRW) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardRW) WriteHeader(int)             {}

// runBench serves req (a fresh shallow copy each time) through h. Besides
// ns/op (wall time) it reports cpu-ns/op: the CPU time of the whole process
// per request, the garbage collector's included, which a machine shared with
// other work does not inflate the way it inflates wall time.
func runBench(b *testing.B, h http.Handler, req *http.Request) {
	b.Helper()
	w := &discardRW{h: http.Header{}}
	ctx := context.Background()
	b.ReportAllocs()
	cpu := processCPU()
	n := 0
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req.WithContext(ctx))
		n++
	}
	if end := processCPU(); cpu >= 0 && end >= 0 && n > 0 {
		b.ReportMetric(float64(end-cpu)/float64(n), "cpu-ns/op")
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
	apps, err := benchapp.Apps()
	if err != nil {
		b.Fatal(err)
	}
	for _, app := range apps {
		cookie := ""
		if app.Name != "bare" {
			cookie = firstCookie(b, app.Handler)
		}
		for _, op := range []string{"read", "write"} {
			req := httptest.NewRequest("GET", "/"+op, nil)
			if cookie != "" {
				req.Header.Set("Cookie", cookie)
			}
			// the session goes on as it would: every request carries the
			// cookie the first response set (write changes the count, the
			// id or the signed value stays readable)
			b.Run(app.Name+"/"+op, func(b *testing.B) { runBench(b, app.Handler, req) })
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
