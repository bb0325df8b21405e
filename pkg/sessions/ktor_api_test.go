package sessions_test

// Ktor's own session tests, translated. Each test names the Kotlin test it
// follows: a file of github.com/ktorio/ktor at a release tag (main is
// ef92e5537d, the head this package's profile 3 reproduces), and the test
// function. Where the Go API differs, the comment says how.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// testUserSession is SessionTest.kt's TestUserSession(userId, cart).
type testUserSession struct {
	UserID string `ktor:"userId"`
	Cart   []string
}

// testUserSessionB is SessionTest.kt's TestUserSessionB.
type testUserSessionB struct {
	UserID string `ktor:"userId"`
	Cart   []string
}

// emptySession is SessionTest.kt's EmptySession.
type emptySession struct{}

// ktorGet sends one request to h with the given headers and returns the
// recorder.
func ktorGet(h http.Handler, method, target string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// setCookie returns the parsed Set-Cookie of name on rec, nil when none.
func setCookie(t *testing.T, rec *httptest.ResponseRecorder, name string) *codec.SetCookie {
	t.Helper()
	var found *codec.SetCookie
	for _, line := range rec.Result().Header.Values("Set-Cookie") {
		sc, err := codec.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if sc.Name == name {
			found = &sc
		}
	}
	return found
}

// TestKtorCustomSessionIdProvider follows SessionTest.kt
// testCustomSessionIdProvider (main, ktor-server-tests common): identity {
// call -> "custom-${counter++}-${userAgent.take(5)}" } is
// WithRequestIDGenerator.
func TestKtorCustomSessionIdProvider(t *testing.T) {
	mem := storage.NewMemory()
	counter := 1000
	s := mustNew(t, sessions.Cookie[testUserSession]("S", sessions.ByID(mem),
		sessions.WithRequestIDGenerator(func(r *http.Request) (string, error) {
			ua := r.Header.Get("User-Agent")
			if ua == "" {
				ua = "unknown"
			}
			id := "custom-" + strconv.Itoa(counter) + "-" + ua[:min(5, len(ua))]
			counter++
			return id, nil
		})))
	mux := http.NewServeMux()
	mux.HandleFunc("/create", func(w http.ResponseWriter, r *http.Request) {
		if err := sessions.Set(r, testUserSession{UserID: "user123", Cart: []string{"item1"}}); err != nil {
			t.Error(err)
		}
		io.WriteString(w, "Session created")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		u, ok, _ := sessions.Get[testUserSession](r)
		if !ok {
			u.UserID = "no session"
		}
		io.WriteString(w, u.UserID)
	})
	h := s.Handler(mux)
	id1 := setCookie(t, ktorGet(h, "GET", "/create", "User-Agent", "TestBrowser/1.0"), "S")
	if id1 == nil || id1.Raw != "custom-1000-TestB" {
		t.Fatalf("first id %+v, want custom-1000-TestB", id1)
	}
	id2 := setCookie(t, ktorGet(h, "GET", "/create", "User-Agent", "MobileBrowser/2.0"), "S")
	if id2 == nil || id2.Raw != "custom-1001-Mobil" {
		t.Fatalf("second id %+v, want custom-1001-Mobil", id2)
	}
	if got := ktorGet(h, "GET", "/get", "Cookie", "S="+id1.Raw).Body.String(); got != "user123" {
		t.Fatalf("/get = %q", got)
	}
}

// clearByIDApp is the application of SessionTest.kt testClearSessionById
// and testClearSessionByIdForMultipleDevices (main): login, clear a session
// by id, check.
func clearByIDApp(t *testing.T, st storage.Storage) http.Handler {
	s := mustNew(t, sessions.Cookie[testUserSession]("S", sessions.ByID(st)))
	userSessions := map[string][]string{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/{userId}", func(w http.ResponseWriter, r *http.Request) {
		if err := sessions.Set(r, testUserSession{UserID: r.PathValue("userId")}); err != nil {
			t.Error(err)
		}
		io.WriteString(w, "Logged in as "+r.PathValue("userId"))
	})
	mux.HandleFunc("POST /clear-session/{sessionId}", func(w http.ResponseWriter, r *http.Request) {
		if err := sessions.ClearID[testUserSession](r, r.PathValue("sessionId")); err != nil {
			t.Error(err)
		}
		io.WriteString(w, "Session cleared")
	})
	mux.HandleFunc("GET /session-id", func(w http.ResponseWriter, r *http.Request) {
		id, ok, err := sessions.ID[testUserSession](r)
		if err != nil || !ok {
			io.WriteString(w, "No session")
			return
		}
		if u, ok, _ := sessions.Get[testUserSession](r); ok {
			userSessions[u.UserID] = append(userSessions[u.UserID], id)
		}
		io.WriteString(w, "Session: "+id)
	})
	mux.HandleFunc("POST /login-exclusive/{userId}", func(w http.ResponseWriter, r *http.Request) {
		user := r.PathValue("userId")
		for _, old := range userSessions[user] {
			if err := sessions.ClearID[testUserSession](r, old); err != nil {
				t.Error(err)
			}
		}
		userSessions[user] = nil
		if err := sessions.Set(r, testUserSession{UserID: user}); err != nil {
			t.Error(err)
		}
		io.WriteString(w, "Logged in exclusively")
	})
	mux.HandleFunc("GET /check", func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := sessions.Get[testUserSession](r)
		switch {
		case err != nil:
			http.Error(w, err.Error(), 500)
		case !ok:
			io.WriteString(w, "no session")
		default:
			io.WriteString(w, u.UserID)
		}
	})
	return s.Handler(mux)
}

// TestKtorClearSessionById follows SessionTest.kt testClearSessionById
// (main): call.sessions.clear<T>(sessionId) is ClearID. It runs against a
// memory storage and against a storage.Cache in front of one: the cache has
// read the session before it is cleared, and must forget it.
func TestKtorClearSessionById(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   storage.Storage
	}{{"memory", storage.NewMemory()}, {"cache", storage.NewCache(storage.NewMemory(), 0)}} {
		t.Run(tc.name, func(t *testing.T) {
			h := clearByIDApp(t, tc.st)
			id1 := setCookie(t, ktorGet(h, "POST", "/login/user1"), "S").Raw
			id2 := setCookie(t, ktorGet(h, "POST", "/login/user2"), "S").Raw
			check := func(id, want string) {
				t.Helper()
				if got := ktorGet(h, "GET", "/check", "Cookie", "S="+id).Body.String(); got != want {
					t.Fatalf("/check with %s = %q, want %q", id, got, want)
				}
			}
			check(id1, "user1")
			ktorGet(h, "POST", "/clear-session/"+id1)
			check(id1, "no session")
			check(id2, "user2")
		})
	}
}

// TestKtorClearSessionByIdForMultipleDevices follows SessionTest.kt
// testClearSessionByIdForMultipleDevices (main).
func TestKtorClearSessionByIdForMultipleDevices(t *testing.T) {
	h := clearByIDApp(t, storage.NewCache(storage.NewMemory(), 0))
	check := func(id, want string) {
		t.Helper()
		if got := ktorGet(h, "GET", "/check", "Cookie", "S="+id).Body.String(); got != want {
			t.Fatalf("/check with %s = %q, want %q", id, got, want)
		}
	}
	c1 := setCookie(t, ktorGet(h, "POST", "/login/alice"), "S").Raw
	ktorGet(h, "GET", "/session-id", "Cookie", "S="+c1)
	check(c1, "alice")
	c2 := setCookie(t, ktorGet(h, "POST", "/login/alice"), "S").Raw
	ktorGet(h, "GET", "/session-id", "Cookie", "S="+c2)
	check(c1, "alice")
	check(c2, "alice")
	c3 := setCookie(t, ktorGet(h, "POST", "/login-exclusive/alice"), "S").Raw
	check(c1, "no session")
	check(c2, "no session")
	check(c3, "alice")
}

// TestClearIDOwnSession: clearing the request's own id ends it on this
// request, and a Set after it never reuses the ended id.
func TestClearIDOwnSession(t *testing.T) {
	mem := storage.NewMemory()
	mem.Write(context.Background(), "0123456789abcdef", `{"userId":"old","cart":[]}`)
	for _, profile := range []string{"3", "1.6"} {
		t.Run(profile, func(t *testing.T) {
			mem.Write(context.Background(), "0123456789abcdef", `{"userId":"old","cart":[]}`)
			s := mustNew(t, sessions.Cookie[testUserSession]("S", sessions.ByID(mem), sessions.WithProfile(profile),
				sessions.WithSerializer(sessions.JSONSerializer[testUserSession]())))
			var after bool
			h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, ok, _ := sessions.Get[testUserSession](r); !ok {
					t.Error("the stored session was not read")
				}
				if err := sessions.ClearID[testUserSession](r, "0123456789abcdef"); err != nil {
					t.Error(err)
				}
				_, after, _ = sessions.Get[testUserSession](r)
				if id, ok, err := sessions.ID[testUserSession](r); id != "" || ok || err != nil {
					t.Errorf("ID after ClearID of its id: %q %v %v", id, ok, err)
				}
				if r.URL.Query().Has("set") {
					sessions.Set(r, testUserSession{UserID: "new"})
				}
			}))
			rec := ktorGet(h, "GET", "/", "Cookie", "S=0123456789abcdef")
			if after {
				t.Fatal("Get still returns the session after ClearID of its id")
			}
			sc := setCookie(t, rec, "S")
			if sc == nil || sc.Raw != "" {
				t.Fatalf("the cookie of the ended session was not cleared: %+v", sc)
			}
			if _, err := mem.Read(context.Background(), "0123456789abcdef"); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("stored session: %v", err)
			}
			mem.Write(context.Background(), "0123456789abcdef", `{"userId":"old","cart":[]}`)
			rec = ktorGet(h, "GET", "/?set=1", "Cookie", "S=0123456789abcdef")
			sc = setCookie(t, rec, "S")
			if sc == nil || sc.Raw == "" || sc.Raw == "0123456789abcdef" {
				t.Fatalf("the new session went out as %+v, want a new id", sc)
			}
			if _, err := mem.Read(context.Background(), "0123456789abcdef"); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("the ended id holds a session again: %v", err)
			}
		})
	}
}

// TestKtorSessionByIdAccessors follows SessionTest.kt
// testSessionByIdAccessors (main): no id without a session, and asking the
// id of a type without provider fails (assertFails { call.sessionId<EmptySession>() }).
func TestKtorSessionByIdAccessors(t *testing.T) {
	s := mustNew(t, sessions.Cookie[testUserSession]("S", sessions.ByID(storage.NewMemory())))
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok, err := sessions.ID[testUserSession](r); ok || err != nil || id != "" {
			t.Errorf("ID = %q %v %v, want none", id, ok, err)
		}
		if _, _, err := sessions.ID[emptySession](r); !errors.Is(err, sessions.ErrNoProvider) {
			t.Errorf("ID of a type without provider: %v", err)
		}
		c, _ := sessions.Current(r)
		if id, ok, err := c.ID("S"); ok || err != nil || id != "" {
			t.Errorf("Current.ID = %q %v %v", id, ok, err)
		}
		io.WriteString(w, "There should be no session started")
	}))
	if rec := ktorGet(h, "GET", "/0"); rec.Body.String() != "There should be no session started" || rec.Header().Get("Set-Cookie") != "" {
		t.Fatalf("%q %q", rec.Body.String(), rec.Header().Get("Set-Cookie"))
	}
}

// TestKtorMultipleSessionsByName follows SessionTest.kt testMultipleSessions
// (1.0.0, ktor-server-tests): two providers, one a header kept by id behind a
// digest, read and written here through the untyped call.sessions of Ktor
// (CurrentSession: get(name), set(name, value)); set("string") fails as
// Ktor's set of a value no provider holds does.
func TestKtorMultipleSessionsByName(t *testing.T) {
	dig, err := transform.NewDigest("ktor", "", "1.0")
	if err != nil {
		t.Fatal(err)
	}
	s := mustNew(t,
		sessions.Cookie[emptySession]("EMPTY", sessions.WithProfile("1.0")),
		sessions.Header[testUserSession]("X-S", sessions.ByID(storage.NewMemory()), sessions.WithProfile("1.0"), sessions.WithTransformers(dig)))
	mux := http.NewServeMux()
	mux.HandleFunc("/1", func(w http.ResponseWriter, r *http.Request) {
		c, err := sessions.Current(r)
		if err != nil {
			t.Fatal(err)
		}
		name, err := c.FindName(reflect.TypeFor[testUserSession]())
		if err != nil || name != "X-S" {
			t.Errorf("FindName = %q %v", name, err)
		}
		if err := c.Set(name, testUserSession{UserID: "id2", Cart: []string{}}); err != nil {
			t.Error(err)
		}
		if err := c.Set("EMPTY", emptySession{}); err != nil {
			t.Error(err)
		}
		if err := c.Set("EMPTY", "string"); !errors.Is(err, sessions.ErrWrongType) {
			t.Errorf("set of a string: %v, want ErrWrongType", err)
		}
		if _, err := c.FindName(reflect.TypeFor[string]()); !errors.Is(err, sessions.ErrNoProvider) {
			t.Errorf("FindName(string): %v", err)
		}
		if _, _, err := c.Get("nope"); !errors.Is(err, sessions.ErrNoProvider) {
			t.Errorf("Get(nope): %v", err)
		}
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/2", func(w http.ResponseWriter, r *http.Request) {
		c, _ := sessions.Current(r)
		u, _, err1 := c.Get("X-S")
		e, eok, err2 := c.Get("EMPTY")
		if err1 != nil || err2 != nil {
			t.Error(err1, err2)
		}
		id := "null"
		if u != nil {
			id = u.(testUserSession).UserID
		}
		if eok {
			if _, isEmpty := e.(emptySession); !isEmpty {
				t.Errorf("EMPTY holds %T", e)
			}
		}
		io.WriteString(w, "ok, "+id+", "+map[bool]string{true: "true", false: "false"}[eok])
	})
	h := s.Handler(mux)
	rec := ktorGet(h, "GET", "/1")
	sessionID := rec.Header().Get("X-S")
	if sessionID == "" {
		t.Fatal("No session header found")
	}
	for _, tc := range []struct {
		headers []string
		want    string
	}{
		{[]string{"X-S", sessionID, "Cookie", "EMPTY="}, "ok, id2, true"},
		{[]string{"Cookie", "EMPTY="}, "ok, null, true"},
		{nil, "ok, null, false"},
		{[]string{"X-S", flipLast(sessionID)}, "ok, null, false"},
	} {
		if got := ktorGet(h, "GET", "/2", tc.headers...).Body.String(); got != tc.want {
			t.Errorf("/2 %v = %q, want %q", tc.headers, got, tc.want)
		}
	}
}

// TestKtorDuplicateProvidersDiagnostics follows SessionTest.kt
// testDuplicateProvidersDiagnostics (main; the same test in 1.6.8): the same
// provider twice, another type under the same name, and the same type under
// another name are refused; another type under another name is allowed.
// Ktor 1.0.0 had no such check (Sessions.kt: "todo: check that type & name is
// unique"): two providers of one type are accepted under profile 1.0.
func TestKtorDuplicateProvidersDiagnostics(t *testing.T) {
	name1 := sessions.Cookie[testUserSession]("name1")
	for _, tc := range []struct {
		what string
		ps   []sessions.Provider
		ok   bool
	}{
		{"the same provider twice", []sessions.Provider{name1, sessions.Cookie[testUserSession]("name1")}, false},
		{"the same name", []sessions.Provider{name1, sessions.Cookie[testUserSessionB]("name1")}, false},
		{"the same type", []sessions.Provider{name1, sessions.Cookie[testUserSession]("name2")}, false},
		{"the same type, 1.6", []sessions.Provider{sessions.Cookie[testUserSession]("name1", sessions.WithProfile("1.6")),
			sessions.Cookie[testUserSession]("name2", sessions.WithProfile("1.6"))}, false},
		{"another provider", []sessions.Provider{name1, sessions.Cookie[testUserSessionB]("name2")}, true},
		{"the same type, 1.0.0", []sessions.Provider{sessions.Cookie[testUserSession]("name1", sessions.WithProfile("1.0")),
			sessions.Cookie[testUserSession]("name2", sessions.WithProfile("1.0"))}, true},
	} {
		t.Run(tc.what, func(t *testing.T) {
			s, err := sessions.New(tc.ps...)
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, sessions.ErrConfig)) {
				t.Fatalf("New = %v, %v", s, err)
			}
		})
	}
	// Under 1.0.0 the first provider serves the type, the second its name.
	s := mustNew(t, sessions.Cookie[testUserSession]("A", sessions.WithProfile("1.0")), sessions.Cookie[testUserSession]("B", sessions.WithProfile("1.0")))
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessions.Set(r, testUserSession{UserID: "a"})
		sessions.SetNamed(r, "B", testUserSession{UserID: "b"})
	}))
	rec := ktorGet(h, "GET", "/")
	if a, b := setCookie(t, rec, "A"), setCookie(t, rec, "B"); a == nil || b == nil || !strings.Contains(a.Raw, "%2523sa") || !strings.Contains(b.Raw, "%2523sb") {
		t.Fatalf("Set-Cookie %q", rec.Result().Header.Values("Set-Cookie"))
	}
}

// brokenStorage is SessionAuthDeferredTest.kt's brokenStorage: every read
// and invalidate fails.
type brokenStorage struct{ reads int }

func (b *brokenStorage) Write(context.Context, string, string) error { return nil }
func (b *brokenStorage) Invalidate(context.Context, string) error {
	return errors.New("invalidate called")
}
func (b *brokenStorage) Read(context.Context, string) (string, error) {
	b.reads++
	return "", errors.New("read called")
}

// TestKtorDeferredSessions follows SessionAuthDeferredTest.kt
// sessionIgnoredForNonPublicEndpoints (main, ktor-server-auth jvm, with
// io.ktor.server.sessions.deferred=true): a public endpoint never reads the
// session, so a broken storage does not matter there; an endpoint that reads
// it fails. This package's default is that deferred mode; LoadEagerly is
// Ktor's default, which reads the storage on every request.
func TestKtorDeferredSessions(t *testing.T) {
	for _, eager := range []bool{false, true} {
		t.Run(map[bool]string{false: "lazy", true: "eager"}[eager], func(t *testing.T) {
			broken := &brokenStorage{}
			var log hookLog
			opts := []sessions.Option{sessions.ByID(broken), sessions.WithErrorHook(log.hook)}
			if eager {
				opts = append(opts, sessions.LoadEagerly())
			}
			s := mustNew(t, sessions.Cookie[testUserSession]("S", opts...))
			mux := http.NewServeMux()
			mux.HandleFunc("/authenticated", func(w http.ResponseWriter, r *http.Request) {
				if _, _, err := sessions.Get[testUserSession](r); err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				io.WriteString(w, "Secret info")
			})
			mux.HandleFunc("/public", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Public info") })
			h := s.Handler(mux)
			rec := ktorGet(h, "GET", "/public", "Cookie", "S=0123456789abcdef")
			if rec.Code != 200 || rec.Body.String() != "Public info" {
				t.Fatalf("/public: %d %q", rec.Code, rec.Body.String())
			}
			wantReads := map[bool]int{false: 0, true: 1}[eager]
			if broken.reads != wantReads {
				t.Fatalf("/public read the storage %d times, want %d", broken.reads, wantReads)
			}
			if errs := log.take(); eager != (len(errs) == 1 && errors.Is(errs[0], sessions.ErrStorage)) {
				t.Fatalf("hook got %v", errs)
			}
			if rec := ktorGet(h, "GET", "/authenticated", "Cookie", "S=0123456789abcdef"); rec.Code != 500 {
				t.Fatalf("/authenticated: %d %q", rec.Code, rec.Body.String())
			}
		})
	}
}

// TestKtorSessionByInvalidIdEager follows SessionTest.kt
// testSessionByInvalidId (main; 2.3.13, 1.6.8 and 1.0.0 have it too): an id
// no longer stored gets an expired cookie back. Ktor reads every session
// when the call comes in, so that happens on any response, here on one whose
// handler never looks at the session (LoadEagerly); lazily, only a handler
// that looks at it clears it. Ktor 1.0.0 kept such ids (TestSendRules), so
// it is not in this table. Under Ktor 1.x eager loading also sends a
// session read back on every response.
func TestKtorSessionByInvalidIdEager(t *testing.T) {
	mem := storage.NewMemory()
	mem.Write(context.Background(), "live0123456789ab", "userId=%23sbob&cart=%23cl")
	untouched := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	for _, tc := range []struct {
		profile string
		eager   bool
		cookie  string
		want    string // "" none, "clear", or the value sent back
	}{
		{"3", false, "invalid2", ""},
		{"3", true, "invalid2", "clear"},
		{"2", true, "invalid2", "clear"},
		{"1.6", true, "invalid2", "clear"},
		{"3", true, "live0123456789ab", ""},
		{"2", true, "live0123456789ab", ""},
		{"1.6", true, "live0123456789ab", "live0123456789ab"},
		{"1.6", false, "live0123456789ab", ""},
		{"3", true, "undecodable", "clear"},
		{"2", true, "undecodable", "clear"},
		{"3", false, "undecodable", ""},
	} {
		t.Run(tc.profile+"/"+tc.cookie+map[bool]string{true: "/eager"}[tc.eager], func(t *testing.T) {
			opts := []sessions.Option{sessions.ByID(mem), sessions.WithProfile(tc.profile), sessions.WithSerializer(sessions.TextSerializer[testUserSession]("2"))}
			if tc.cookie == "undecodable" {
				// by value, a cookie that is no TestUserSession
				opts = []sessions.Option{sessions.WithProfile(tc.profile)}
				tc.cookie = "userId%3D%2523i1"
			}
			if tc.eager {
				opts = append(opts, sessions.LoadEagerly())
			}
			h := mustNew(t, sessions.Cookie[testUserSession]("S", opts...)).Handler(untouched)
			rec := ktorGet(h, "GET", "/2", "Cookie", "S="+tc.cookie)
			sc := setCookie(t, rec, "S")
			switch {
			case tc.want == "" && sc != nil:
				t.Fatalf("unexpected Set-Cookie %q", rec.Header().Get("Set-Cookie"))
			case tc.want == "clear" && (sc == nil || sc.Raw != "" || sc.MaxAge != nil && *sc.MaxAge != 0 || sc.Expires == nil || sc.Expires.Year() != 1970):
				// Ktor's test looks at the Cookie object (maxAge = 0); the
				// header Ktor 1.x/2.x renders from it has no Max-Age=0
				t.Fatalf("want an expired cookie, got %q", rec.Header().Get("Set-Cookie"))
			case tc.want != "" && tc.want != "clear" && (sc == nil || sc.Raw != tc.want):
				t.Fatalf("want %q sent back, got %q", tc.want, rec.Header().Get("Set-Cookie"))
			}
		})
	}
}

// bearer is a custom Transport: the session in "Authorization: Bearer …",
// sent back in a response header of the same name.
type bearer struct{}

func (bearer) Receive(r *http.Request) (string, bool) {
	v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return v, ok && v != ""
}
func (bearer) Send(h http.Header, _ *http.Request, v string) error {
	h.Set("Authorization", "Bearer "+v)
	return nil
}
func (bearer) Clear(h http.Header, _ *http.Request) error {
	h.Set("Authorization", "Bearer ")
	return nil
}

// mapTracker is a custom Tracker keeping sessions in a map under ids "t1",
// "t2"…, logging what the middleware hands it back.
type mapTracker struct {
	m   map[string]string
	n   int
	log []string
}

func (m *mapTracker) Load(_ *http.Request, v string) (string, error) {
	m.log = append(m.log, "load "+v)
	t, ok := m.m[v]
	if !ok {
		return "", storage.ErrNotFound
	}
	return t, nil
}
func (m *mapTracker) Store(_ *http.Request, v string, had bool, text string) (string, error) {
	m.log = append(m.log, "store "+v+" "+strconv.FormatBool(had))
	if !had {
		m.n++
		v = "t" + strconv.Itoa(m.n)
	}
	m.m[v] = text
	return v, nil
}
func (m *mapTracker) Clear(_ *http.Request, v string, had bool) error {
	m.log = append(m.log, "clear "+v+" "+strconv.FormatBool(had))
	if had {
		delete(m.m, v)
	}
	return nil
}

// TestCustomTransportAndTracker: Ktor's register(SessionProvider(name, type,
// transport, tracker)) with both of its own, the transformers around the
// transport.
func TestCustomTransportAndTracker(t *testing.T) {
	tr := &mapTracker{m: map[string]string{}}
	mac := mustMAC(t, "3")
	s := mustNew(t, sessions.Custom[user]("bearer", bearer{}, sessions.WithTracker(tr), sessions.WithTransformers(mac)))
	h := s.Handler(app())
	rec := ktorGet(h, "GET", "/set?name=ann")
	tok, _ := strings.CutPrefix(rec.Header().Get("Authorization"), "Bearer ")
	if id, _, err := mac.Read(tok); err != nil || id != "t1" || tr.m["t1"] != `{"name":"ann","count":1}` {
		t.Fatalf("token %q (%v), store %v", tok, err, tr.m)
	}
	if got := ktorGet(h, "GET", "/incr", "Authorization", "Bearer "+tok).Body.String(); got != "ann 2" {
		t.Fatalf("/incr = %q", got)
	}
	ktorGet(h, "GET", "/clear", "Authorization", "Bearer "+tok)
	if len(tr.m) != 0 {
		t.Fatalf("cleared session still stored: %v", tr.m)
	}
	if got := ktorGet(h, "GET", "/get", "Authorization", "Bearer "+tok).Body.String(); got != "none" {
		t.Fatalf("/get after clear = %q", got)
	}
	want := []string{"store  false", "load t1", "store t1 true", "load t1", "clear t1 true", "load t1", "clear  false"}
	if strings.Join(tr.log, "|") != strings.Join(want, "|") {
		t.Fatalf("tracker calls\n got %q\nwant %q", tr.log, want)
	}
	// a tampered token never reaches the tracker
	tr.log = nil
	if got := ktorGet(h, "GET", "/get", "Authorization", "Bearer "+flipLast(tok)).Body.String(); got != "none" || len(tr.log) != 0 {
		t.Fatalf("tampered: %q, tracker %q", got, tr.log)
	}
	for _, bad := range [][]sessions.Provider{
		{sessions.Custom[user]("x", nil)},
		{sessions.Custom[user]("x", bearer{}, sessions.WithTracker(nil))},
		{sessions.Custom[user]("x", bearer{}, sessions.WithCookie(func(*codec.CookieConfig) {}))},
		{sessions.Cookie[user]("x", sessions.WithIDGenerator(func() (string, error) { return "a", nil }))},
	} {
		if _, err := sessions.New(bad...); !errors.Is(err, sessions.ErrConfig) {
			t.Errorf("New: %v, want ErrConfig", err)
		}
	}
}

// prefs is a session of a Ktor app whose serializer is
// KotlinxSessionSerializer(Json { ignoreUnknownKeys = true; explicitNulls =
// false; encodeDefaults = true }): data class Prefs(val user: String, val
// theme: String? , val beta: Boolean = false).
type prefs struct {
	User  string
	Theme *string
	Beta  bool `ktor:",default"`
}

func TestJSONSerializerWith(t *testing.T) {
	o := serializer.JSONOptions{IgnoreUnknownKeys: true, ImplicitNulls: true, EncodeDefaults: true}
	s := mustNew(t, sessions.Cookie[prefs]("P", sessions.WithSerializer(sessions.JSONSerializerWith[prefs](o))))
	var got prefs
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok, err := sessions.Get[prefs](r)
		if !ok || err != nil {
			t.Errorf("Get: %v %v", ok, err)
		}
		got = v
		sessions.Set(r, prefs{User: v.User})
	}))
	// what the Ktor app wrote: theme absent (null), a key a newer version added
	enc, _ := codec.Encode(`{"user":"ann","beta":false,"added":{"x":1}}`, codec.URI, "3")
	rec := ktorGet(h, "GET", "/", "Cookie", "P="+enc)
	if got.User != "ann" || got.Theme != nil {
		t.Fatalf("read %+v", got)
	}
	v, _ := cookieOf(t, rec.Result().Header, "P", "3")
	if v != `{"user":"ann","beta":false}` {
		t.Fatalf("wrote %s", v)
	}
	// the default Json refuses both
	var log hookLog
	def := mustNew(t, sessions.Cookie[prefs]("P", sessions.WithErrorHook(log.hook))).Handler(getter[prefs](t))
	if body := ktorGet(def, "GET", "/", "Cookie", "P="+enc).Body.String(); body != "none" {
		t.Fatalf("default Json read %q", body)
	}
	if errs := log.take(); len(errs) != 1 || !errors.Is(errs[0], serializer.ErrUnknownField) {
		t.Fatalf("hook: %v", errs)
	}
}
