package main

import (
	"bytes"
	"encoding/json"
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
	h, _, err := newHandler(dir, strings.Repeat("ab", 32), "", "3", &logs)
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

// TestRotationOnRead: a user logged in under the old key comes back to the
// server that has a new key: the session is re-issued under the new key, the
// counter of the old key moves, the next request verifies under the new key,
// and a server that no longer has the old key still knows the user.
func TestRotationOnRead(t *testing.T) {
	dir := t.TempDir()
	oldKey, newKey := strings.Repeat("0a", 32), strings.Repeat("0b", 32)
	var logs bytes.Buffer
	server := func(key, old string) *httptest.Server {
		h, _, err := newHandler(dir, key, old, "3", &logs)
		if err != nil {
			t.Fatal(err)
		}
		return httptest.NewServer(h)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	var base string
	call := func(srv *httptest.Server, method, path string, wantCode int, wantBody string) *http.Response {
		t.Helper()
		// one jar for every server: they all stand for the same site
		u, _ := url.Parse(srv.URL)
		bu, _ := url.Parse(base)
		jar.SetCookies(u, jar.Cookies(bu))
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
		jar.SetCookies(bu, jar.Cookies(u))
		return res
	}
	before := server(oldKey, "")
	defer before.Close()
	base = before.URL
	call(before, "POST", "/login?name=ann", 200, "hello ann")

	rotating := server(newKey, oldKey)
	defer rotating.Close()
	res := call(rotating, "GET", "/me", 200, "ann, 1 logins")
	if len(res.Header.Values("Set-Cookie")) != 1 {
		t.Fatalf("the session verified by the old key was not re-issued: %q", res.Header.Values("Set-Cookie"))
	}
	stats := func() map[string]uint64 {
		t.Helper()
		res, err := http.Get(rotating.URL + "/stats")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var st struct {
			Providers []struct {
				Provider     string
				Reissued     uint64
				Transformers []struct {
					Keys []struct {
						ID       string
						Verified uint64
					}
				}
			}
		}
		if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		out := map[string]uint64{"reissued": st.Providers[0].Reissued}
		for _, k := range st.Providers[0].Transformers[0].Keys {
			out[k.ID] = k.Verified
		}
		return out
	}
	if st := stats(); st["old-1"] != 1 || st["main"] != 0 || st["reissued"] != 1 {
		t.Fatalf("stats after the first request: %v", st)
	}
	res = call(rotating, "GET", "/me", 200, "ann, 1 logins")
	if len(res.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("a session under the new key was re-issued: %q", res.Header.Values("Set-Cookie"))
	}
	if st := stats(); st["old-1"] != 1 || st["main"] != 1 || st["reissued"] != 1 {
		t.Fatalf("stats after the second request: %v", st)
	}
	after := server(newKey, "")
	defer after.Close()
	call(after, "GET", "/me", 200, "ann, 1 logins")
	if _, _, err := newHandler(dir, newKey, "zz", "3", &logs); err == nil {
		t.Fatal("a bad -old-keys was accepted")
	}
}
