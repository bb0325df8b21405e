// Package web is the offline debugger page of `sessionctl web`: its static files (page/, written
// by hand, and dist/, the WebAssembly build of internal/web/wasm with its stamp), an http.Handler
// that serves them with a Content-Security-Policy that forbids every request after load, and
// Export, which writes the same files to a directory for a static host.
//
// The page loads its WebAssembly from a script (sessionctl-wasm.js: base64 of the gzipped .wasm)
// rather than by fetch, so that connect-src can be 'none': the page cannot send anything
// anywhere, whatever the code in it does.
package web

//go:generate go run ./gen

import (
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sessionctl/sessionctl/internal/fsutil"
	"github.com/sessionctl/sessionctl/internal/web/wasmbuild"
)

//go:embed page dist
var embedded embed.FS

// CSP is the page's Content-Security-Policy: its own scripts and styles only, WebAssembly
// compilation allowed, no request of any kind (connect-src, form-action, frames…), no framing.
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src data:; " +
	"connect-src 'none'; form-action 'none'; base-uri 'none'; frame-src 'none'; worker-src 'none'; " +
	"manifest-src 'none'; frame-ancestors 'none'"

// metaCSP is CSP as the page's <meta> (for an exported copy served without the header):
// frame-ancestors is ignored there, so it is left out.
var metaCSP = strings.TrimSuffix(CSP, "; frame-ancestors 'none'")

// Headers are set on every response of Handler (and documented for hosts of an export).
var Headers = map[string]string{
	"Content-Security-Policy":      CSP,
	"X-Content-Type-Options":       "nosniff",
	"Referrer-Policy":              "no-referrer",
	"X-Frame-Options":              "DENY",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Permissions-Policy":           "camera=(), microphone=(), geolocation=(), usb=(), payment=()",
	"Cache-Control":                "no-store",
}

// Options are what the page offers besides the library.
type Options struct {
	ExampleCookie  string // the Example button's cookie (sessionctl inspect --example)
	ExampleKeyring string // and keyring (keys.example.toml: example keys only)
}

// Page is the debugger page's files.
type Page struct {
	files map[string][]byte
	Stamp wasmbuild.Stamp // the WebAssembly build's
}

// ErrNoBuild: this binary was built without the page's WebAssembly (dist/ is missing).
var ErrNoBuild = errors.New("web: the page's WebAssembly is not in this build (run go generate ./internal/web)")

// New assembles the page.
func New(o Options) (*Page, error) {
	p := &Page{files: map[string][]byte{}}
	gz, err := embedded.ReadFile("dist/" + wasmbuild.Dist.Wasm)
	if err != nil {
		return nil, ErrNoBuild
	}
	stamp, err := embedded.ReadFile("dist/" + wasmbuild.Dist.Stamp)
	if err != nil {
		return nil, ErrNoBuild
	}
	if err := json.Unmarshal(stamp, &p.Stamp); err != nil {
		return nil, fmt.Errorf("web: dist/%s: %v", wasmbuild.Dist.Stamp, err)
	}
	execJS, err := embedded.ReadFile("dist/" + wasmbuild.Dist.Exec)
	if err != nil {
		return nil, ErrNoBuild
	}
	p.files["wasm_exec.js"] = execJS
	p.files["sessionctl-wasm.js"] = []byte("// the sessionctl library as WebAssembly: base64 of the gzipped .wasm (" + p.Stamp.Go + ", sha256 " +
		p.Stamp.WasmSHA256 + ")\nglobalThis.sessionctlWasm = \"" + base64.StdEncoding.EncodeToString(gz) + "\";\n")
	ex, _ := json.Marshal(map[string]string{"cookie": o.ExampleCookie, "keyring": o.ExampleKeyring})
	p.files["example.js"] = []byte("// the example of sessionctl inspect --example (example keys only)\nglobalThis.sessionctlExample = " + string(ex) + ";\n")
	for _, name := range []string{"index.html", "app.js", "style.css"} {
		b, err := embedded.ReadFile("page/" + name)
		if err != nil {
			return nil, fmt.Errorf("web: page/%s: %v", name, err)
		}
		if name == "index.html" {
			b = []byte(strings.Replace(string(b), "{{CSP}}", metaCSP, 1))
		}
		p.files[name] = b
	}
	return p, nil
}

// Names lists the page's files.
func (p *Page) Names() []string {
	out := make([]string, 0, len(p.files))
	for n := range p.files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// File is one of the page's files.
func (p *Page) File(name string) ([]byte, bool) {
	b, ok := p.files[name]
	return b, ok
}

// Handler serves the page. hosts, when not nil, are the only Host headers answered (a loopback
// server names its own addresses, so a DNS-rebinding site cannot read even the static page
// through the user's browser); nil answers any.
func (p *Page) Handler(hosts []string) http.Handler {
	allowed := map[string]bool{}
	for _, h := range hosts {
		allowed[strings.ToLower(h)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range Headers {
			w.Header().Set(k, v)
		}
		if hosts != nil && !allowed[strings.ToLower(r.Host)] {
			http.Error(w, "sessionctl web: this server answers only to "+strings.Join(hosts, ", "), http.StatusMisdirectedRequest)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "sessionctl web: GET only", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name == "" {
			name = "index.html"
		}
		b, ok := p.files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		if r.Method == http.MethodHead {
			return
		}
		w.Write(b)
	})
}

// LoopbackHosts are the Host headers a server on addr (a loopback host:port) answers to.
func LoopbackHosts(addr string) []string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	return []string{net.JoinHostPort("127.0.0.1", port), net.JoinHostPort("localhost", port), net.JoinHostPort("::1", port)}
}

// ExportError: Export refused the directory.
type ExportError struct {
	Dir    string
	Others []string // files in it that are not the page's
	Err    error
}

func (e *ExportError) Error() string {
	if len(e.Others) > 0 {
		return fmt.Sprintf("%s holds files that are not the page's (%s): give an empty or new directory", e.Dir, strings.Join(e.Others, ", "))
	}
	return fmt.Sprintf("%s: %v", e.Dir, e.Err)
}

func (e *ExportError) Unwrap() error { return e.Err }

// Export writes the page's files into dir (made when missing), each atomically (a temporary file
// renamed into place, then the directory synced). A directory that holds anything but an earlier
// export of the page is refused, so nothing of someone else's is overwritten.
func (p *Page) Export(dir string) ([]string, error) {
	st, err := os.Stat(dir)
	switch {
	case err == nil && !st.IsDir():
		return nil, &ExportError{Dir: dir, Err: errors.New("not a directory")}
	case err == nil:
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, &ExportError{Dir: dir, Err: err}
		}
		var others []string
		for _, e := range entries {
			if _, ours := p.files[e.Name()]; !ours || !e.Type().IsRegular() {
				others = append(others, e.Name())
			}
		}
		if len(others) > 0 {
			return nil, &ExportError{Dir: dir, Others: others, Err: fs.ErrExist}
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, &ExportError{Dir: dir, Err: err}
		}
	default:
		return nil, &ExportError{Dir: dir, Err: err}
	}
	names := p.Names()
	for _, n := range names {
		if err := writeAtomic(filepath.Join(dir, n), p.files[n]); err != nil {
			return nil, &ExportError{Dir: dir, Err: err}
		}
	}
	if err := fsutil.SyncDir(dir); err != nil {
		return nil, &ExportError{Dir: dir, Err: err}
	}
	return names, nil
}

func writeAtomic(name string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
