package inspect

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The offline debugger page (issue 16) is this package and pkg/keyring compiled to WebAssembly.
// Neither may depend, even through another package, on the network, the terminal or the CLI.
var wasmPackages = []string{
	"github.com/sessionctl/sessionctl/pkg/keyring",
	"github.com/sessionctl/sessionctl/pkg/inspect",
}

// forbidden reports why a dependency may not be linked into the page, "" when it may.
func forbidden(dep string) string {
	under := func(p string) bool { return dep == p || strings.HasPrefix(dep, p+"/") }
	switch {
	case under("net"):
		return "the network"
	case under("github.com/redis/go-redis"):
		return "Redis"
	case under("golang.org/x/sys/unix"):
		return "Unix system calls"
	case under("github.com/charmbracelet/lipgloss"), under("github.com/muesli/termenv"):
		return "terminal rendering"
	case under("github.com/urfave/cli"):
		return "the CLI's flag parsing"
	case under("github.com/sessionctl/sessionctl/commands"), under("github.com/sessionctl/sessionctl/pkg/sessions/storage"):
		return "the CLI or the stores"
	}
	return ""
}

func goTool(t *testing.T) string {
	t.Helper()
	g, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: cannot list the js/wasm dependencies")
	}
	return g
}

func wasmEnv() []string {
	return append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
}

func TestWasmDependencies(t *testing.T) {
	cmd := exec.Command(goTool(t), append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, wasmPackages...)...)
	cmd.Env = wasmEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps (js/wasm): %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < len(wasmPackages) {
		t.Fatalf("go list -deps printed %q", out)
	}
	for _, d := range deps {
		if why := forbidden(d); why != "" {
			t.Errorf("%s is linked into the js/wasm build of %s: it brings %s", d, strings.Join(wasmPackages, ", "), why)
		}
	}
}

func TestWasmBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: building for js/wasm compiles the standard library for it once")
	}
	cmd := exec.Command(goTool(t), append([]string{"build"}, wasmPackages...)...)
	cmd.Env = wasmEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go build: %v\n%s", err, out)
	}
}

func TestForbidden(t *testing.T) {
	for _, d := range []string{"net", "net/http", "net/netip", "github.com/redis/go-redis/v9", "golang.org/x/sys/unix",
		"github.com/charmbracelet/lipgloss", "github.com/muesli/termenv", "github.com/urfave/cli/v2",
		"github.com/sessionctl/sessionctl/commands", "github.com/sessionctl/sessionctl/pkg/sessions/storage"} {
		if forbidden(d) == "" {
			t.Errorf("%s is allowed", d)
		}
	}
	for _, d := range []string{"network", "netfoo", "github.com/BurntSushi/toml", "github.com/sessionctl/sessionctl/pkg/transform",
		"github.com/sessionctl/sessionctl/pkg/sessions/codec", "internal/syscall/unix", "os"} {
		if why := forbidden(d); why != "" {
			t.Errorf("%s is refused (%s)", d, why)
		}
	}
}
