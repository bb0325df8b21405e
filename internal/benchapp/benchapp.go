// Package benchapp is the application the middleware benchmarks run, once
// per session library, so that every library does the same job: sessionctl's
// middleware (a MAC-signed session by value, and a session by id in memory),
// gorilla/sessions (CookieStore: securecookie, HMAC-SHA256 over gob) and
// alexedwards/scs (memstore: an id cookie, the data in memory).
//
// Each application serves two routes. GET /read reads two fields of the
// session the request carries and writes them as the body; GET /write also
// changes the session (count + 1), so the response sets it again. "bare" is
// the same handler without any session library. Used by
// pkg/sessions/compare_bench_test.go (go test -bench) and bench/httpload (a
// real server on loopback); nothing else imports it.
package benchapp

import (
	"fmt"
	"net/http"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	gsessions "github.com/gorilla/sessions"

	"github.com/sessionctl/sessionctl/pkg/sessions"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// User is the session: kotlinx JSON {"name":"bob","count":1}.
type User struct {
	Name  string
	Count int
}

// Key is the 32-byte HMAC key of the signed sessions (sessionctl's MAC,
// gorilla's securecookie hash key).
var Key = []byte("0123456789abcdef0123456789abcdef")

// App is one library's application.
type App struct {
	Name    string
	Handler http.Handler
	// Stateful: the session lives on the server (the cookie carries an id).
	Stateful bool
}

// Apps builds the applications: bare, sessionctl-value, sessionctl-id,
// gorilla, scs.
func Apps() ([]App, error) {
	mac, err := transform.NewMAC([]transform.Key{{ID: "k1", Bytes: Key}}, "HmacSHA256", transform.Profile3)
	if err != nil {
		return nil, err
	}
	byValue, err := sessions.New(sessions.Cookie[User]("S", sessions.WithTransformers(mac)))
	if err != nil {
		return nil, err
	}
	byID, err := sessions.New(sessions.Cookie[User]("S", sessions.ByID(storage.NewMemory())))
	if err != nil {
		return nil, err
	}
	ours := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _, _ := sessions.Get[User](r)
		if r.URL.Path == "/write" {
			u.Name, u.Count = "bob", u.Count+1
			sessions.Set(r, u)
		}
		fmt.Fprintf(w, "%s %d", u.Name, u.Count)
	})

	store := gsessions.NewCookieStore(Key)
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

	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %d", "bob", 1)
	})
	return []App{
		{Name: "bare", Handler: bare},
		{Name: "sessionctl-value", Handler: byValue.Handler(ours)},
		{Name: "sessionctl-id", Handler: byID.Handler(ours), Stateful: true},
		{Name: "gorilla", Handler: gorilla},
		{Name: "scs", Handler: scsH, Stateful: true},
	}, nil
}
