package commands

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/internal/web"
)

const (
	flagAddr   = "addr"
	flagOpen   = "open"
	flagPublic = "public"
	flagExport = "export"
	defaultWeb = "127.0.0.1:8765"
)

func webCommand(env Env, u *ui) *cli.Command {
	return &cli.Command{
		Name:  "web",
		Usage: "the offline debugger page: paste a cookie and a keyring, see and edit what is inside, in the browser",
		Description: `Serves a static page on a loopback address: paste a cookie, a Cookie: or Set-Cookie: line or
a curl -i response, optionally a keyring (TOML) or one-off keys, and see what inspect and audit
show; edit the session and get the new cookie and Set-Cookie line as encode writes them.

Everything is computed in the page by this library compiled to WebAssembly: the page makes no
request after it loaded (its Content-Security-Policy forbids any), keys stay in the page's memory
unless you tick "remember", and a share link carries the cookie in its #fragment, never the keys.

--export DIR writes the same page as static files, to host it internally (any static server).

EXAMPLES:
   sessionctl web --open
   sessionctl web --addr 127.0.0.1:9000
   sessionctl web --export ./debugger

EXIT STATUS:
   0  stopped (Ctrl-C) or exported
   2  usage error (a non-loopback address without --public, a directory that holds other files)
   3  I/O error (the address is in use, the directory cannot be written)`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: flagAddr, Value: defaultWeb, Usage: "listen on `HOST:PORT` (loopback only unless --public; port 0 = any free one)"},
			&cli.BoolFlag{Name: flagOpen, Usage: "open the page in the browser ($BROWSER, else the system's)"},
			&cli.BoolFlag{Name: flagPublic, Usage: "allow a non-loopback address: anyone who reaches it can load the page"},
			&cli.StringFlag{Name: flagExport, Usage: "write the page as static files into `DIR` and exit"},
		},
		Action: func(c *cli.Context) error { return runWeb(c, env, u) },
	}
}

func runWeb(c *cli.Context, env Env, u *ui) error {
	if c.Args().Len() > 0 {
		return usageErr("web takes no arguments, got %q", c.Args().First())
	}
	dir := c.String(flagExport)
	if c.IsSet(flagExport) {
		for _, f := range []string{flagAddr, flagOpen, flagPublic} {
			if c.IsSet(f) {
				return usageHint("export, then serve the directory with any static server", "--%s writes files and serves nothing: --%s does not apply", flagExport, f)
			}
		}
		if dir == "" {
			return usageErr("--%s: want a directory", flagExport)
		}
	}
	addr := c.String(flagAddr)
	host, _, err := net.SplitHostPort(addr)
	if !c.IsSet(flagExport) {
		if err != nil {
			return usageErr("--%s %q: want HOST:PORT such as %s", flagAddr, addr, defaultWeb)
		}
		if !c.Bool(flagPublic) && !loopbackHost(host) {
			return usageHint("use a loopback address such as "+defaultWeb+", or --public to serve the page to the network", "--%s %s is not a loopback address", flagAddr, addr)
		}
	}
	page, err := web.New(web.Options{ExampleCookie: strings.TrimSpace(exampleCookie), ExampleKeyring: string(env.ExampleKeyring)})
	if err != nil {
		return ioErr(err)
	}
	if c.IsSet(flagExport) {
		names, err := page.Export(dir)
		if err != nil {
			var ee *web.ExportError
			if errors.As(err, &ee) && len(ee.Others) > 0 {
				return usageHint("give a new or empty directory (an earlier export is overwritten)", "--%s %v", flagExport, err)
			}
			return ioErr(fmt.Errorf("--%s %v", flagExport, err))
		}
		fmt.Fprintf(u.out, "wrote the debugger page to %s: %s\n", dir, strings.Join(names, ", "))
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return ioErr(fmt.Errorf("cannot listen on %s: %v", addr, err))
	}
	defer ln.Close()
	bound := ln.Addr().(*net.TCPAddr)
	var hosts []string
	if !c.Bool(flagPublic) {
		if !bound.IP.IsLoopback() {
			return usageHint("use 127.0.0.1 or ::1, or --public", "--%s %s listens on %s, not a loopback address", flagAddr, addr, bound.IP)
		}
		hosts = web.LoopbackHosts(bound.String())
	} else if !bound.IP.IsLoopback() {
		u.warnf("serving on %s, not a loopback address: anyone who can reach it can load the page (keys stay in each visitor's browser)", bound)
	}
	url := "http://" + bound.String() + "/"
	if bound.IP.IsUnspecified() {
		url = "http://" + net.JoinHostPort("127.0.0.1", fmt.Sprint(bound.Port)) + "/"
	}
	srv := &http.Server{Handler: page.Handler(hosts), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(u.out, "serving the debugger page at %s (Ctrl-C stops it)\n", url)
	if c.Bool(flagOpen) {
		if err := openBrowser(url, env.Getenv); err != nil {
			u.warnf("--%s: %v: open %s yourself", flagOpen, err, url)
		}
	}
	select {
	case err := <-served:
		return ioErr(fmt.Errorf("serving %s: %v", url, err))
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return nil
}

// loopbackHost: an IP of the loopback range, or localhost (checked again once bound).
func loopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// openBrowser starts $BROWSER or the system's opener on url, without waiting for it.
func openBrowser(url string, getenv func(string) string) error {
	var cmd *exec.Cmd
	switch b := getenv("BROWSER"); {
	case b != "":
		f := strings.Fields(b)
		cmd = exec.Command(f[0], append(f[1:], url)...)
	case runtime.GOOS == "darwin":
		cmd = exec.Command("open", url)
	case runtime.GOOS == "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
