package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServer(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	h, _, err := newHandler(dir, strings.Repeat("ab", 32), "3", &logs)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	call := func(method, path string, wantCode int, wantBody string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != wantCode || !strings.Contains(string(b), wantBody) {
			t.Fatalf("%s %s: %d %q, want %d %q", method, path, res.StatusCode, b, wantCode, wantBody)
		}
	}
	call("GET", "/me", 401, "not logged in")
	call("POST", "/login?name=Zo%C3%AB", 200, "hello Zoë (login 1)")
	call("GET", "/me", 200, "Zoë, 1 logins")
	call("POST", "/login?name=Zoe", 200, "hello Zoe (login 2)")
	call("POST", "/cart/add?item=tea", 200, "cart: tea")
	call("POST", "/cart/add?item=milk", 200, "cart: tea, milk")
	call("GET", "/cart", 200, "tea, milk")
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".dat") {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Fatalf("%d stored carts, want 1", n)
	}
	call("POST", "/cart/clear", 200, "cart emptied")
	call("GET", "/cart", 200, `cart "": `)
	call("POST", "/logout", 200, "bye")
	call("GET", "/me", 401, "not logged in")

	// A forged cookie: no session, no error page, a line in the log.
	u, _ := url.Parse(srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "USER_SESSION", Value: "name%3D%2523sroot/00"}})
	call("GET", "/me", 401, "not logged in")
	if !strings.Contains(logs.String(), "invalid session") {
		t.Fatalf("the forged cookie was not logged: %q", logs.String())
	}
}
