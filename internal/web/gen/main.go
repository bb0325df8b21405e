// Command gen builds the debugger page's WebAssembly into internal/web/dist: run it with
// `go generate ./internal/web` after changing any Go code the page links (internal/web's
// TestWasmUpToDate says when), then commit internal/web/dist.
package main

import (
	"fmt"
	"os"

	"github.com/sessionctl/sessionctl/internal/web/wasmbuild"
)

func main() {
	root, err := wasmbuild.Root()
	if err == nil {
		var st wasmbuild.Stamp
		st, err = wasmbuild.Generate(root)
		if err == nil {
			fmt.Printf("%s/%s: %d bytes (%d gzipped), %s\n", wasmbuild.Dist.Dir, wasmbuild.Dist.Wasm, st.WasmBytes, st.GzipBytes, st.Go)
			return
		}
	}
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
