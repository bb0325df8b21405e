//go:build js && wasm

// Command wasm is the debugger page's WebAssembly (`sessionctl web`): it gives the page
// internal/webapi as globalThis.sessionctl.call(op, requestJSON) → responseJSON, then calls
// globalThis.sessionctlReady() when the page defined it. It links nothing of the network, the
// terminal or the CLI (internal/web's TestWasmDependencies).
package main

import (
	"syscall/js"

	"github.com/sessionctl/sessionctl/internal/webapi"
)

func main() {
	call := js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 2 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeString {
			return `{"error":{"kind":"usage","message":"call(op, requestJSON): two strings"}}`
		}
		return string(webapi.Handle(args[0].String(), []byte(args[1].String())))
	})
	js.Global().Set("sessionctl", js.ValueOf(map[string]any{"call": call}))
	if ready := js.Global().Get("sessionctlReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}
