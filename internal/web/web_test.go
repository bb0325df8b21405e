package web

import (
	"errors"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func page(t *testing.T) *Page {
	t.Helper()
	p, err := New(Options{ExampleCookie: "SESSION=x", ExampleKeyring: "[providers.SESSION]\n"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHandler(t *testing.T) {
	p := page(t)
	h := p.Handler(LoopbackHosts("127.0.0.1:8765"))
	for _, c := range []struct {
		method, path, host string
		code               int
		ctype              string
	}{
		{"GET", "/", "127.0.0.1:8765", 200, "text/html; charset=utf-8"},
		{"GET", "/app.js", "localhost:8765", 200, "text/javascript; charset=utf-8"},
		{"HEAD", "/sessionctl-wasm.js", "[::1]:8765", 200, "text/javascript; charset=utf-8"},
		{"GET", "/style.css", "127.0.0.1:8765", 200, "text/css; charset=utf-8"},
		{"GET", "/../../etc/passwd", "127.0.0.1:8765", 404, ""},
		{"GET", "/page/index.html", "127.0.0.1:8765", 404, ""},
		{"POST", "/", "127.0.0.1:8765", 405, ""},
		// DNS rebinding: a site whose name resolves to 127.0.0.1 gets nothing
		{"GET", "/", "attacker.example:8765", 421, ""},
		{"GET", "/", "127.0.0.1:9999", 421, ""},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		r.Host = c.host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.code {
			t.Errorf("%s %s Host %s: %d, want %d", c.method, c.path, c.host, w.Code, c.code)
		}
		if c.ctype != "" && w.Header().Get("Content-Type") != c.ctype {
			t.Errorf("%s: Content-Type %q", c.path, w.Header().Get("Content-Type"))
		}
		// every answer, refusals included, carries the policy
		for k, v := range Headers {
			if w.Header().Get(k) != v {
				t.Errorf("%s %s: %s = %q", c.method, c.path, k, w.Header().Get(k))
			}
		}
	}
	if !strings.Contains(CSP, "connect-src 'none'") || strings.Contains(CSP, "unsafe-inline") || strings.Contains(CSP, "'unsafe-eval'") {
		t.Errorf("CSP %q", CSP)
	}
	// --public: any Host
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "debugger.internal:80"
	w := httptest.NewRecorder()
	p.Handler(nil).ServeHTTP(w, r)
	if w.Code != 200 {
		t.Errorf("public: %d", w.Code)
	}
}

// The page is self-contained: it names no other origin, has no inline script or style (the CSP
// would block them), and its <meta> policy is the header's (for an exported copy).
func TestPageSelfContained(t *testing.T) {
	p := page(t)
	html, _ := p.File("index.html")
	if !strings.Contains(string(html), `content="`+metaCSP+`"`) {
		t.Errorf("index.html has no <meta> CSP")
	}
	for _, name := range p.Names() {
		if name == "sessionctl-wasm.js" || name == "wasm_exec.js" {
			continue
		}
		b, _ := p.File(name)
		s := string(b)
		for _, bad := range []string{"http://", "https://", "//cdn", "@import", "url(", "fetch(", "XMLHttpRequest", "WebSocket", "sendBeacon", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
			"location.assign(", "location.replace(", "window.open(", "location.href =", "location =", ".submit("} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
	for _, bad := range []string{"<script>", " style=", " onclick=", " onload="} {
		if strings.Contains(string(html), bad) {
			t.Errorf("index.html contains %q (inline, blocked by the CSP)", bad)
		}
	}
}

func TestExport(t *testing.T) {
	p := page(t)
	dir := filepath.Join(t.TempDir(), "new", "debugger")
	names, err := p.Export(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join(dir, n))
		want, _ := p.File(n)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: not the served file (%v)", n, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(p.Names()) {
		t.Errorf("%d entries, want %d: a temporary file left?", len(entries), len(p.Names()))
	}
	// again, over an earlier export: fine
	if _, err := p.Export(dir); err != nil {
		t.Errorf("re-export: %v", err)
	}
	// a directory with someone else's file: refused, nothing written
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(other, "index.html"), []byte("my own page"), 0o644)
	_, err = p.Export(other)
	var ee *ExportError
	if !errors.As(err, &ee) || len(ee.Others) != 1 || ee.Others[0] != "notes.txt" || !errors.Is(err, fs.ErrExist) {
		t.Fatalf("export into a used directory: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(other, "index.html")); string(b) != "my own page" {
		t.Errorf("index.html overwritten in a refused directory")
	}
	// a file, not a directory
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := p.Export(f); err == nil {
		t.Errorf("export onto a file succeeded")
	}
}
