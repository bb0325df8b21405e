// Package wasmbuild builds the debugger page's WebAssembly (internal/web/wasm) reproducibly and
// says whether the committed build is the build of the sources: `go generate ./internal/web`
// (internal/web/gen) writes internal/web/dist from it, and internal/web's tests compare.
//
// Why committed: go:embed cannot run a build, and a fresh clone must build with plain `go build`.
// So the compressed .wasm is committed with a stamp (dist/wasm.json) that records the hash of
// everything it was built from (the Go files of this module it links, the versions of the modules
// it links), the toolchain, the flags and the hash of the .wasm. A test fails when the sources'
// hash is no longer the stamp's (stale: run go generate), and, with the stamp's toolchain, rebuilds
// it and requires the same bytes (Go builds are reproducible with -trimpath and -buildvcs=false).
package wasmbuild

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Package is the WebAssembly main package, relative to the module root.
const Package = "./internal/web/wasm"

// Flags are the build flags: reproducible (no paths, no VCS stamp) and small (no symbol table,
// no DWARF: -s -w).
var Flags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// Stamp is dist/wasm.json.
type Stamp struct {
	Go         string   `json:"go"`          // the toolchain that built it, `go env GOVERSION`
	Flags      []string `json:"flags"`       // Flags
	Inputs     string   `json:"inputs"`      // Inputs: hash of what it was built from
	WasmSHA256 string   `json:"wasm_sha256"` // of the uncompressed .wasm
	WasmBytes  int      `json:"wasm_bytes"`
	GzipBytes  int      `json:"gzip_bytes"` // of dist/sessionctl.wasm.gz
}

// env is the build environment: js/wasm, nothing of the caller's GOFLAGS or workspace.
func env() []string {
	var out []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOWORK", "GOEXPERIMENT", "GOWASM":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
}

func goCmd(root string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out, nil
}

// Root is the module root of the working directory.
func Root() (string, error) {
	out, err := goCmd(".", "env", "GOMOD")
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module")
	}
	return filepath.Dir(mod), nil
}

// GoVersion is the toolchain `go` runs.
func GoVersion(root string) (string, error) {
	out, err := goCmd(root, "env", "GOVERSION")
	return strings.TrimSpace(string(out)), err
}

type listed struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *struct {
		Path, Version string
		Main          bool
		Replace       *struct{ Path, Version string }
	}
	GoFiles, EmbedFiles, SFiles []string
}

// Inputs hashes what the WebAssembly is built from: each linked package of this module with its
// Go (and embedded, assembly) files' names and contents, the path and version of every other
// module linked, the flags. The standard library is the toolchain's, recorded apart (Stamp.Go).
func Inputs(root string) (string, error) {
	out, err := goCmd(root, "list", "-deps", "-json=ImportPath,Dir,Standard,Module,GoFiles,EmbedFiles,SFiles", Package)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "flags %q\n", Flags)
	d := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := d.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return "", fmt.Errorf("go list: %v", err)
		}
		switch {
		case p.Standard:
			continue
		case p.Module == nil:
			return "", fmt.Errorf("go list: %s has no module", p.ImportPath)
		case !p.Module.Main:
			m := p.Module.Path + "@" + p.Module.Version
			if r := p.Module.Replace; r != nil {
				m += " => " + r.Path + "@" + r.Version
			}
			fmt.Fprintf(h, "package %s %s\n", p.ImportPath, m)
			continue
		}
		fmt.Fprintf(h, "package %s\n", p.ImportPath)
		files := append(append(append([]string{}, p.GoFiles...), p.EmbedFiles...), p.SFiles...)
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "file %s %x\n", f, sha256.Sum256(b))
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Build compiles the WebAssembly and returns its bytes.
func Build(root string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "sessionctl-wasm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "sessionctl.wasm")
	if _, err := goCmd(root, append(append([]string{"build", "-o", out}, Flags...), Package)...); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// Gzip compresses deterministically: best compression, no name, no time.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// Gunzip is the inverse of Gzip.
func Gunzip(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// WasmExec is the toolchain's JavaScript support file for js/wasm: it must come from the same
// toolchain as the .wasm.
func WasmExec(root string) ([]byte, error) {
	out, err := goCmd(root, "env", "GOROOT")
	if err != nil {
		return nil, err
	}
	goroot := strings.TrimSpace(string(out))
	for _, p := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} {
		if b, err := os.ReadFile(filepath.Join(goroot, p)); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("wasm_exec.js not found under %s", goroot)
}

// SHA256 in hex.
func SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Dist names the files Generate writes, relative to the module root.
var Dist = struct{ Dir, Wasm, Exec, Stamp string }{"internal/web/dist", "sessionctl.wasm.gz", "wasm_exec.js", "wasm.json"}

// Generate builds the WebAssembly and writes dist: the compressed .wasm, wasm_exec.js of the same
// toolchain, and the stamp.
func Generate(root string) (Stamp, error) {
	inputs, err := Inputs(root)
	if err != nil {
		return Stamp{}, err
	}
	goVersion, err := GoVersion(root)
	if err != nil {
		return Stamp{}, err
	}
	wasm, err := Build(root)
	if err != nil {
		return Stamp{}, err
	}
	execJS, err := WasmExec(root)
	if err != nil {
		return Stamp{}, err
	}
	gz := Gzip(wasm)
	st := Stamp{Go: goVersion, Flags: Flags, Inputs: inputs, WasmSHA256: SHA256(wasm), WasmBytes: len(wasm), GzipBytes: len(gz)}
	sb, _ := json.MarshalIndent(st, "", "  ")
	dir := filepath.Join(root, Dist.Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stamp{}, err
	}
	for name, b := range map[string][]byte{Dist.Wasm: gz, Dist.Exec: execJS, Dist.Stamp: append(sb, '\n')} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return Stamp{}, err
		}
	}
	return st, nil
}
