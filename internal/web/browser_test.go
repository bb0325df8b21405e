package web_test

// The debugger page in a real browser: Debian's Chromium, headless, driven with chromedp, on the
// page that `sessionctl web` serves (the command line run by this test binary, see TestMain). Each test compares what the page shows
// with what the CLI prints for the same input.

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/sessionctl/sessionctl/commands"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

const (
	testNow  = "1700000000"
	envReq   = "SESSIONCTL_REQUIRE_BROWSER"
	envShots = "SESSIONCTL_SCREENSHOTS"
)

var (
	root, _    = filepath.Abs("../..")
	setupOnce  sync.Once
	setupErr   error
	pageURL    string // where `sessionctl web` serves the page
	browserCtx context.Context
	teardown   []func()
)

// asCLI makes the test binary the sessionctl command line (as the CLI's testscript tests do):
// commands.RunWith with the example keyring, exactly what main does, without building a binary.
const asCLI = "SESSIONCTL_WEB_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		keys, err := os.ReadFile(filepath.Join(root, "keys.example.toml"))
		if err != nil {
			os.Stderr.WriteString("sessionctl test binary: " + err.Error() + "\n")
			os.Exit(2)
		}
		os.Exit(commands.RunWith(commands.Env{Args: os.Args, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, ExampleKeyring: keys}))
	}
	code := m.Run()
	for i := len(teardown) - 1; i >= 0; i-- {
		teardown[i]()
	}
	os.Exit(code)
}

// chromium finds the browser: $SESSIONCTL_CHROMIUM, else Debian's chromium.
func chromium() string {
	if p := os.Getenv("SESSIONCTL_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// binary is the sessionctl command line: this test binary with asCLI set (see TestMain).
func binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs sessionctl web and a browser")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// serve starts `sessionctl web` with args and returns its URL and process.
func serve(t testing.TB, extraEnv []string, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"web"}, args...)...)
	cmd.Env = append(append(os.Environ(), asCLI+"=1"), extraEnv...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		b := make([]byte, 512)
		n, _ := out.Read(b)
		line <- string(b[:n])
		for {
			if _, err := out.Read(b); err != nil {
				return
			}
		}
	}()
	select {
	case l := <-line:
		u := regexp.MustCompile(`http://\S+/`).FindString(l)
		if u == "" {
			cmd.Process.Kill()
			t.Fatalf("sessionctl web printed %q", l)
		}
		return u, cmd
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("sessionctl web printed no URL")
	}
	return "", nil
}

// setup: the binary serving the page, and a browser. Without Chromium the browser tests skip,
// except under SESSIONCTL_REQUIRE_BROWSER=1 (CI), where they fail.
func setup(t testing.TB) {
	t.Helper()
	path := chromium()
	if path == "" {
		if os.Getenv(envReq) == "1" {
			t.Fatalf("no chromium on PATH and %s=1: .ci/run installs Debian's chromium", envReq)
		}
		t.Skipf("no chromium on PATH: the browser tests need it (apt-get install chromium); %s=1 makes this a failure", envReq)
	}
	binary(t)
	setupOnce.Do(func() {
		u, cmd := serve(t, nil, "--addr", "127.0.0.1:0")
		pageURL = u
		teardown = append(teardown, func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
		profile, err := os.MkdirTemp("", "sessionctl-chromium-")
		if err != nil {
			setupErr = err
			return
		}
		teardown = append(teardown, func() { os.RemoveAll(profile) })
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.Headless, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(profile),
			chromedp.WindowSize(1400, 1000),
		)
		if os.Geteuid() == 0 {
			opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(alloc)
		teardown = append(teardown, cancelAlloc, cancel)
		if err := chromedp.Do(ctx); err != nil {
			setupErr = fmt.Errorf("starting %s: %v", path, err)
			return
		}
		browserCtx = ctx
	})
	if setupErr != nil {
		t.Fatal(setupErr)
	}
}

// tab is one browser tab on the page, with every request it made and every script error.
type tab struct {
	t      testing.TB
	ctx    context.Context
	mu     sync.Mutex
	loaded bool
	before []string // requests until the page was ready
	after  []string // requests after: there must be none
	errors []string // uncaught exceptions of the page
}

// openTab opens url ("" = the page `sessionctl web` serves) in a new tab and waits for it to be ready.
func openTab(t testing.TB, url string) *tab {
	t.Helper()
	setup(t)
	if url == "" || strings.HasPrefix(url, "#") {
		url = pageURL + url
	}
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	tb := &tab{t: t, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if tb.loaded {
				tb.after = append(tb.after, e.Request.URL)
			} else {
				tb.before = append(tb.before, e.Request.URL)
			}
		case *runtime.EventExceptionThrown:
			tb.errors = append(tb.errors, fmt.Sprintf("%s %s", e.ExceptionDetails.Text, describe(e.ExceptionDetails.Exception)))
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.Navigate(url))
	tb.wait(`document.body && document.body.dataset.ready === "1"`)
	tb.mu.Lock()
	tb.loaded = true
	tb.mu.Unlock()
	t.Cleanup(tb.check)
	return tb
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	return o.Description
}

// check: no request after load, no script error.
func (tb *tab) check() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.after) > 0 {
		tb.t.Errorf("the page made %d requests after it loaded: %q", len(tb.after), tb.after)
	}
	if len(tb.errors) > 0 {
		tb.t.Errorf("script errors: %q", tb.errors)
	}
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) wait(pred string) {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](pred, chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		tb.t.Fatalf("waiting for %s: %v", pred, err)
	}
}

// eval runs an expression and decodes its value.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// paste focuses a text field, empties it and inserts text as the browser does for a paste.
func (tb *tab) paste(sel, text string) {
	tb.t.Helper()
	tb.do(chromedp.Focus(chromedp.CSS(sel)), chromedp.Evaluate[chromedp.Void](`document.querySelector(`+js(sel)+`).select()`))
	if _, err := chromedp.Call(tb.ctx, input.InsertText, input.InsertTextParams{Text: text}); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) click(sel string) { tb.t.Helper(); tb.do(chromedp.Click(chromedp.CSS(sel))) }

// set fills fields as a script would (for long or many values), with the events a user's edit fires.
func (tb *tab) set(values map[string]string) {
	tb.t.Helper()
	b, _ := json.Marshal(values)
	tb.do(chromedp.Evaluate[chromedp.Void](`(() => { for (const [id, v] of Object.entries(` + string(b) + `)) {
		const e = document.getElementById(id); e.value = v;
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); } })()`))
}

// settle waits for the analysis after an edit (and its audit) to be done; it returns the count.
func (tb *tab) settle(after int) int {
	tb.t.Helper()
	tb.wait(fmt.Sprintf(`+document.body.dataset.analyses > %d && document.body.dataset.pending === "0" && document.getElementById("results").dataset.audit !== "running"`, after))
	return eval[int](tb, `+document.body.dataset.analyses`)
}

func (tb *tab) analyses() int { return eval[int](tb, `+document.body.dataset.analyses`) }

func js(s string) string { b, _ := json.Marshal(s); return string(b) }

// cli runs the built sessionctl.
func cli(t testing.TB, stdin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", asCLI+"=1")
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}

func exampleFiles(t testing.TB) (cookie, keyring, keysPath string) {
	t.Helper()
	c, err := os.ReadFile(filepath.Join(root, "commands", "example_cookie.txt"))
	if err != nil {
		t.Fatal(err)
	}
	keysPath = filepath.Join(root, "keys.example.toml")
	k, err := os.ReadFile(keysPath)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(c)), string(k), keysPath
}

// tokenJSON: each token's JSON as the page shows it (inspect --json's bytes).
func tokenJSON(tb *tab) []string {
	return eval[[]string](tb, `[...document.querySelectorAll("#results .token pre.token-json")].map(p => p.textContent)`)
}

func cliLines(out string) []string {
	var l []string
	for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
		if s != "" {
			l = append(l, s)
		}
	}
	return l
}

// The example cookie and keyring, pasted as a user would: the verdict, the key ids and a field
// come from the DOM; the token's JSON is the CLI's.
func TestBrowserExample(t *testing.T) {
	cookie, keyring, keysPath := exampleFiles(t)
	tb := openTab(t, "")
	tb.set(map[string]string{"now": testNow})
	n := tb.analyses()
	tb.paste("#input", cookie)
	tb.click("#ks-keyring")
	tb.paste("#keyring", keyring)
	tb.settle(n)
	type view struct {
		Verdict, Word, Why, Key, SignKey, UserID, LoginType, Expiry string
		Fields                                                      int
		Findings                                                    []string
	}
	v := eval[view](tb, `(() => { const c = document.querySelector("#results .token");
		const q = (s) => { const e = c.querySelector(s); return e ? e.textContent : ""; };
		return { Verdict: c.dataset.verdict, Word: q(".verdict .word"), Why: q(".verdict .why"),
			Key: q(".chip[data-role=key]"), SignKey: q(".chip[data-role=sign_key]"),
			UserID: q("tr[data-field=userId] td.val"), LoginType: q("tr[data-field=loginCount] td.type"),
			Expiry: q("dl.cookie dd:last-child"), Fields: c.querySelectorAll("table.fields tbody tr").length,
			Findings: [...c.querySelectorAll("ul.findings li[data-id]")].map(l => l.dataset.id) }; })()`)
	want := view{Verdict: "VALID", Word: "VALID", Why: "verified with enc-2025, sign-2025", Key: "enc-2025", SignKey: "sign-2025",
		UserID: `"u-1024"`, LoginType: "Number", Expiry: "expires in 7d 0h (Max-Age, counted from now), at 2023-11-21T22:13:20Z", Fields: 5,
		Findings: []string{"encrypt-iv-unauthenticated"}}
	_, auditOut := cli(t, "", "audit", "--json", "--now", testNow, cookie)
	var rep struct{ Findings []struct{ ID string } }
	json.Unmarshal([]byte(cliLines(auditOut)[0]), &rep)
	want.Findings = nil
	for _, f := range rep.Findings {
		want.Findings = append(want.Findings, f.ID)
	}
	if fmt.Sprint(v) != fmt.Sprint(want) {
		t.Errorf("page shows\n %+v\nwant\n %+v", v, want)
	}
	_, out := cli(t, cookie, "inspect", "--json", "--keys", keysPath, "--now", testNow, "-")
	if got, w := tokenJSON(tb), cliLines(out); fmt.Sprint(got) != fmt.Sprint(w) {
		t.Errorf("page JSON\n%s\nCLI\n%s", got, w)
	}
	// keys are not remembered unless asked
	if s := eval[string](tb, `JSON.stringify(Object.keys(localStorage))`); s != "[]" {
		t.Errorf("localStorage holds %s without the remember box", s)
	}
}

// A tampered cookie (its MAC's last digit) is INVALID, with the layer's error, as the CLI says.
func TestBrowserTampered(t *testing.T) {
	cookie, keyring, keysPath := exampleFiles(t)
	bad := strings.Replace(cookie, "e113;", "e114;", 1)
	tb := openTab(t, "")
	tb.set(map[string]string{"now": testNow, "keyring": keyring})
	tb.click("#ks-keyring")
	n := tb.analyses()
	tb.paste("#input", bad)
	tb.settle(n)
	verdict := eval[string](tb, `document.querySelector("#results .token").dataset.verdict`)
	// the banner says why; the failed layer points at it
	layer := eval[string](tb, `document.querySelector("#results .token .verdict .why").textContent`)
	mark := eval[string](tb, `document.querySelector("#results .token ol.layers li[data-ok=false] .lerr").textContent`)
	code, out := cli(t, bad, "inspect", "--json", "--keys", keysPath, "--now", testNow, "-")
	var r struct {
		Layers []struct{ Error string }
	}
	json.Unmarshal([]byte(cliLines(out)[0]), &r)
	if verdict != "INVALID" || code != 1 || len(r.Layers) != 1 || layer != r.Layers[0].Error || !strings.Contains(layer, "signature") || mark != "failed: the error above" {
		t.Errorf("page %s %q %q; CLI exit %d %+v", verdict, layer, mark, code, r)
	}
	if got, w := tokenJSON(tb), cliLines(out); fmt.Sprint(got) != fmt.Sprint(w) {
		t.Errorf("page JSON\n%s\nCLI\n%s", got, w)
	}
	// a tracker = id cookie: the page says it reads no storage
	n = tb.analyses()
	tb.paste("#input", "CART=0123456789abcdef0123456789abcdef")
	tb.settle(n)
	if txt := eval[string](tb, `document.querySelector("#results .token").textContent`); !strings.Contains(txt, "the page reads no storage") {
		t.Errorf("tracker = id: %q", txt)
	}
}

// Encode: the encoder is seeded with the token's fields; edited, it writes what `sessionctl encode`
// writes (fixed IV and clock), and the new Set-Cookie line inspects as VALID with the new value.
func TestBrowserEncode(t *testing.T) {
	cookie, keyring, keysPath := exampleFiles(t)
	tb := openTab(t, "")
	tb.set(map[string]string{"now": testNow, "keyring": keyring})
	tb.click("#ks-keyring")
	n := tb.analyses()
	tb.paste("#input", cookie)
	n = tb.settle(n)
	lines := eval[string](tb, `document.getElementById("enc-text").value`)
	want := "userId:String=u-1024\nname:String=Zoë O'Brien\nroles:List<String>=admin,ops\nloginCount:Long=17\nadmin:Boolean=true"
	if lines != want {
		t.Fatalf("encoder seeded with %q, want %q", lines, want)
	}
	const iv = "000102030405060708090a0b0c0d0e0f"
	tb.paste("#enc-text", strings.Replace(lines, "loginCount:Long=17", "loginCount:Long=18", 1))
	tb.set(map[string]string{"enc-iv": iv})
	e := eval[int](tb, `+(document.body.dataset.encodes || 0)`)
	tb.click("#btn-encode")
	tb.wait(fmt.Sprintf(`+(document.body.dataset.encodes || 0) > %d`, e))
	out := eval[map[string]string](tb, `({cookie: document.getElementById("out-cookie").textContent, setCookie: document.getElementById("out-setcookie").textContent,
		value: document.getElementById("out-value").textContent, error: document.getElementById("enc-error").textContent})`)
	session := `{"userId":"u-1024","name":"Zoë O'Brien","roles":["admin","ops"],"loginCount":18,"admin":true}`
	args := []string{"encode", "--keys", keysPath, "--provider", "USER_SESSION", "--from-json", session, "--iv", iv, "--now", testNow}
	_, c1 := cli(t, "", args...)
	_, c2 := cli(t, "", append(args, "--set-cookie")...)
	_, c3 := cli(t, "", append(args, "--encoding", "raw")...)
	if out["cookie"] != strings.TrimSpace(c1) || out["setCookie"] != strings.TrimSpace(c2) || out["value"] != strings.TrimSpace(c3) || out["error"] != "" {
		t.Errorf("page %+v\nCLI %q %q %q", out, c1, c2, c3)
	}
	tb.click("#btn-inspect-new")
	tb.settle(n)
	got := eval[[]string](tb, `[document.querySelector("#results .token").dataset.verdict, document.querySelector("#results tr[data-field=loginCount] td.val").textContent]`)
	if fmt.Sprint(got) != "[VALID 18]" {
		t.Errorf("the new token inspects as %v", got)
	}
}

// A keyring loaded from a file, and one-off keys (the CLI's --mac-key, --ktor), read as the CLI does.
func TestBrowserFileAndOneOff(t *testing.T) {
	cookie, _, keysPath := exampleFiles(t)
	tb := openTab(t, "")
	tb.set(map[string]string{"now": testNow})
	n := tb.analyses()
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#keyring-file"), []string{keysPath}))
	tb.wait(`document.getElementById("ks-keyring").checked && document.getElementById("keyring").value.includes("[providers.USER_SESSION]")`)
	tb.paste("#input", cookie)
	tb.settle(n)
	if v := eval[string](tb, `document.querySelector("#results .token").dataset.verdict`); v != "VALID" {
		t.Errorf("keyring from a file: %s", v)
	}
	const mac = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	const value = "hello/27fa170a6751e1ae1ea9ffb371fc5837be4a745b"
	n = tb.analyses()
	tb.click("#ks-oneoff")
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("bare").checked = true`))
	tb.set(map[string]string{"mac-key": mac, "ktor": "1.0.0", "encoding": "raw", "input": value})
	tb.settle(n)
	key := eval[string](tb, `document.querySelector("#results .token .chip[data-role=key]").textContent`)
	_, out := cli(t, "", "inspect", "--json", "--now", testNow, "--mac-key", mac, "--ktor", "1.0.0", "--bare", "--encoding", "raw", value)
	if got, w := tokenJSON(tb), cliLines(out); key != "mac-1" || fmt.Sprint(got) != fmt.Sprint(w) {
		t.Errorf("one-off MAC: key %q\npage %s\nCLI  %s", key, got, w)
	}
}

// Hostile input is text, never markup: a cookie and a session field holding HTML add no element
// and run nothing.
func TestBrowserHostileInput(t *testing.T) {
	_, keyring, _ := exampleFiles(t)
	const evil = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`
	_, tok := cli(t, "", "encode", "--keys", filepath.Join(root, "keys.example.toml"), "--provider", "LEGACY_SESSION", "--set", "name="+evil, "--set-cookie", "--now", testNow)
	tb := openTab(t, "")
	tb.set(map[string]string{"now": testNow, "keyring": keyring})
	tb.click("#ks-keyring")
	n := tb.analyses()
	in := strings.TrimSpace(tok) + "\nSet-Cookie: " + evil + "=" + evil + "; Domain=" + evil + "; " + evil + "=1"
	tb.paste("#input", in)
	tb.settle(n)
	res := eval[map[string]any](tb, `({imgs: document.querySelectorAll("#results img, #results script, #summary img").length,
		title: document.title, field: (document.querySelector("#results tr[data-field=name] td.val") || {}).textContent,
		text: document.getElementById("results").textContent.includes("<img src=x")})`)
	if res["imgs"] != float64(0) || res["title"] == "pwned" || res["text"] != true || !strings.Contains(fmt.Sprint(res["field"]), "<script>") {
		t.Errorf("hostile input: %v", res)
	}
}

// Nothing leaves the page: a script in it that tries every way out reaches no server. The same
// script on a page without the policy does reach it, so the probe can see a leak.
func TestBrowserNothingLeaves(t *testing.T) {
	var hits atomic.Int64
	leak := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fmt.Fprint(w, "ok")
	}))
	defer leak.Close()
	probe := `(async () => {
		const u = ` + js(leak.URL) + `;
		try { await fetch(u + "/fetch", {mode: "no-cors"}); } catch (e) {}
		try { const x = new XMLHttpRequest(); x.open("GET", u + "/xhr"); x.send(); } catch (e) {}
		try { navigator.sendBeacon(u + "/beacon", "k"); } catch (e) {}
		try { new WebSocket(u.replace("http", "ws") + "/ws"); } catch (e) {}
		try { new EventSource(u + "/sse"); } catch (e) {}
		const img = new Image(); img.src = u + "/img"; document.body.appendChild(img);
		const s = document.createElement("script"); s.src = u + "/script"; document.head.appendChild(s);
		const l = document.createElement("link"); l.rel = "stylesheet"; l.href = u + "/css"; document.head.appendChild(l);
		const f = document.createElement("iframe"); f.src = u + "/frame"; document.body.appendChild(f);
		const st = document.createElement("style"); st.textContent = "body { background: url(" + u + "/bg) }"; document.head.appendChild(st);
		const fo = document.createElement("form"); fo.action = u + "/form"; fo.method = "post"; fo.target = "_blank"; document.body.appendChild(fo); try { fo.submit(); } catch (e) {}
		await new Promise(r => setTimeout(r, 800));
		return true; })()`
	tb := openTab(t, "")
	eval[bool](tb, probe)
	if n := hits.Load(); n != 0 {
		t.Errorf("the page's policy let %d requests out", n)
	}
	tb.mu.Lock()
	tb.after = nil // the probe's own attempts, blocked
	tb.mu.Unlock()

	// the control: the leak server's own page has no policy
	ctl := openPlain(t, leak.URL+"/control")
	before := hits.Load()
	if _, err := chromedp.Run(ctl, chromedp.Evaluate[bool](probe, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if hits.Load()-before < 5 {
		t.Errorf("the probe reached the server only %d times without a policy: it cannot see a leak", hits.Load()-before)
	}
}

func openPlain(t testing.TB, url string) context.Context {
	t.Helper()
	setup(t)
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// A share link carries the cookie in its #fragment and never the keys; opening it analyzes it.
// Keys are remembered only when asked, and forgotten when the box is cleared.
func TestBrowserShareAndRemember(t *testing.T) {
	cookie, keyring, _ := exampleFiles(t)
	tb := openTab(t, "")
	tb.set(map[string]string{"keyring": keyring, "input": cookie})
	tb.click("#ks-keyring")
	tb.click("#btn-share")
	link := eval[string](tb, `document.getElementById("share-url").value`)
	if !strings.HasPrefix(link, pageURL+"#value=") || strings.Contains(link, "212f0c01d57a") || strings.Contains(link, "keys.") {
		t.Fatalf("share link %q", link)
	}
	other := openTab(t, link)
	other.wait(`+document.body.dataset.analyses >= 1`)
	got := eval[[]string](other, `[document.getElementById("input").value, document.querySelector("#results .token").dataset.verdict]`)
	if got[0] != cookie || got[1] != "UNVERIFIED" {
		t.Errorf("the shared link opens %q as %s", got[0], got[1])
	}
	// remember
	tb.click("#remember")
	stored := eval[string](tb, `localStorage.getItem("sessionctl.keys.v1") || ""`)
	if !strings.Contains(stored, "212f0c01d57a") {
		t.Fatalf("remember: localStorage %q", stored)
	}
	again := openTab(t, "")
	if k := eval[string](again, `document.getElementById("keyring").value`); k != keyring {
		t.Errorf("a new tab did not restore the remembered keyring")
	}
	again.click("#remember")
	if s := eval[string](again, `JSON.stringify(localStorage)`); s != "{}" {
		t.Errorf("after clearing the box localStorage holds %s", s)
	}
}

// Cold start: keys remembered, a share link opened in a new tab: the page loads, restores the
// keyring, reads the #fragment and shows the verdict with no action of the user. The figures are
// logged (BenchmarkBrowserColdStart measures them).
func TestBrowserColdStart(t *testing.T) {
	cookie, keyring, _ := exampleFiles(t)
	first := openTab(t, "")
	first.set(map[string]string{"keyring": keyring})
	first.click("#ks-keyring")
	first.click("#remember")
	defer first.click("#remember")
	m := coldStart(t, cookie)
	if m.Verdict != "VALID" {
		t.Errorf("cold start: %+v", m)
	}
	t.Logf("page ready %.0f ms after navigation start (WebAssembly loaded in %.0f ms, warmed up in %.0f ms); first analysis %.1f ms (on screen %.0f ms after navigation start), with the read across releases and the audit %.1f ms",
		m.ReadyAt, m.Wasm, m.Warm, m.First, m.FirstAt, m.Full)
}

type coldMetrics struct {
	Verdict                                   string
	ReadyAt, Wasm, Warm, First, FirstAt, Full float64
}

func coldStart(t testing.TB, cookie string) coldMetrics {
	tb := openTab(t, "#value="+url.PathEscape(cookie))
	tb.wait(`+document.body.dataset.analyses >= 1 && document.body.dataset.firstFullMs !== undefined`)
	return eval[coldMetrics](tb, `(() => { const d = document.body.dataset; return { Verdict: document.querySelector("#results .token").dataset.verdict,
		ReadyAt: +d.readyAtMs, Wasm: +d.wasmMs, Warm: +d.warmMs, Full: +d.firstFullMs, First: +d.firstAnalysisMs, FirstAt: +d.firstAnalysisAtMs }; })()`)
}

func BenchmarkBrowserColdStart(b *testing.B) {
	cookie, keyring, _ := exampleFiles(b)
	first := openTab(b, "")
	first.set(map[string]string{"keyring": keyring})
	first.click("#ks-keyring")
	first.click("#remember")
	defer first.click("#remember")
	var sum coldMetrics
	for i := 0; i < b.N; i++ {
		m := coldStart(b, cookie)
		if m.Verdict != "VALID" {
			b.Fatalf("%+v", m)
		}
		sum.ReadyAt, sum.Wasm, sum.Warm, sum.First, sum.FirstAt, sum.Full = sum.ReadyAt+m.ReadyAt, sum.Wasm+m.Wasm, sum.Warm+m.Warm, sum.First+m.First, sum.FirstAt+m.FirstAt, sum.Full+m.Full
	}
	n := float64(b.N)
	b.ReportMetric(sum.ReadyAt/n, "ms-ready")
	b.ReportMetric(sum.Wasm/n, "ms-wasm-load")
	b.ReportMetric(sum.Warm/n, "ms-warm-up")
	b.ReportMetric(sum.First/n, "ms-first-analysis")
	b.ReportMetric(sum.FirstAt/n, "ms-to-first-verdict")
	b.ReportMetric(sum.Full/n, "ms-first-full-analysis")
}

// The release picker offers the library's releases and aliases, and reads as the CLI's --ktor:
// with a keyring every provider's release, without keys the release the value is read as.
func TestBrowserRelease(t *testing.T) {
	_, keyring, keysPath := exampleFiles(t)
	tb := openTab(t, "")
	opts := eval[[]string](tb, `[...document.querySelectorAll("#ktor option")].map(o => o.value)`)
	want := []string{""}
	for _, a := range transform.Aliases() {
		want = append(want, string(a))
	}
	ps := transform.Profiles()
	for i := len(ps) - 1; i >= 0; i-- {
		want = append(want, string(ps[i]))
	}
	if fmt.Sprint(opts) != fmt.Sprint(want) {
		t.Errorf("picker %q\nlibrary %q", opts, want)
	}
	legacy := "Cookie: LEGACY_SESSION=admin%3D%2523bot%26userId%3D%2523su-1%2F430536f5deb783dba4fede4e38ca89ce9d82fb789c377df0263dd45231185785"
	for _, c := range []struct {
		keys bool
		ktor string
	}{{true, "2.0.0"}, {true, "1.6"}, {false, "1.0.0"}} {
		n := tb.analyses()
		src := map[bool]string{true: "#ks-keyring", false: "#ks-none"}[c.keys]
		tb.click(src)
		tb.set(map[string]string{"keyring": keyring, "ktor": c.ktor, "now": testNow, "input": legacy})
		tb.settle(n)
		args := []string{"inspect", "--json", "--now", testNow, "--ktor", c.ktor}
		if c.keys {
			args = append(args, "--keys", keysPath)
		}
		_, out := cli(t, legacy, append(args, "-")...)
		if got, w := tokenJSON(tb), cliLines(out); fmt.Sprint(got) != fmt.Sprint(w) || c.keys && !strings.Contains(fmt.Sprint(got), `"ktor":"`+c.ktor) {
			t.Errorf("--ktor %s (keys %v):\npage %s\nCLI  %s", c.ktor, c.keys, got, w)
		}
	}
}

// A sample of the published Ktor vectors (testdata/ktor) through the page: every token's JSON is
// `sessionctl inspect --json`'s for the same keyring and input.
func TestBrowserKtorVectors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "testdata", "ktor", "ktor-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]json.RawMessage
	json.Unmarshal(b, &v)
	type vcase struct {
		name, keyring, input, provider string
		bare                           bool
	}
	var cases []vcase
	// pipelines: serializer → transformers → cookie encoding → Set-Cookie line, Ktor 1.0.0 and 3.x
	for _, sec := range []struct{ name, ktor, format string }{{"pipelines_1_0_0", "1.0", "legacy"}, {"pipelines_head", "3", "current"}} {
		var cs []map[string]any
		json.Unmarshal(v[sec.name], &cs)
		for i, c := range cs {
			ks := c["keys"].(map[string]any)
			chain := c["transformers"].(string)
			keys := ""
			prov := fmt.Sprintf("[providers.SESSION]\nktor = %q\nserializer = \"ktor-text\"\n", sec.ktor)
			if strings.Contains(chain, "encrypt") {
				e, _ := ks["encKeyHex"].(string)
				if e == "" {
					e, _ = ks["enc128KeyHex"].(string)
				}
				if strings.Contains(chain, "AES-256") {
					e, _ = ks["enc256KeyHex"].(string)
				}
				keys += fmt.Sprintf("[keys.e]\nhex = %q\n[keys.s]\nhex = %q\n", e, ks["signKeyHex"])
				prov += fmt.Sprintf("[[providers.SESSION.transform]]\ntype = \"encrypt\"\nkeys = [\"e\"]\nsign_keys = [\"s\"]\nformat = %q\n", sec.format)
			}
			if strings.Contains(chain, "mac(") {
				keys += fmt.Sprintf("[keys.m]\nhex = %q\n", ks["macKeyHex"])
				prov += "[[providers.SESSION.transform]]\ntype = \"mac\"\nkeys = [\"m\"]\nalgorithm = \"HmacSHA256\"\n"
			}
			cases = append(cases, vcase{fmt.Sprintf("%s/%d", sec.name, i), keys + prov, "Set-Cookie: " + c["setCookie"].(string), "", false})
		}
	}
	// transformer reads of bare transport values: every sixth case of each section
	// keyring gives a case's keys and transformer from its params ("" to skip it)
	reads := func(sec, ktor string, keyring func(p map[string]any) string) {
		var cs []map[string]any
		json.Unmarshal(v[sec], &cs)
		for i := 0; i < len(cs); i += 8 {
			c := cs[i]
			p, _ := c["params"].(map[string]any)
			rs, _ := c["transformRead"].([]any)
			if p == nil || len(rs) == 0 {
				continue
			}
			k := keyring(p)
			if k == "" {
				continue
			}
			r := rs[0].(map[string]any)
			tv, _ := r["transportValue"].(string)
			if tv == "" || strings.ContainsAny(tv, "\r\n") {
				continue
			}
			cases = append(cases, vcase{fmt.Sprintf("%s/%d/%s", sec, i, r["case"]), fmt.Sprintf(k, ktor), tv, "P", true})
		}
	}
	reads("mac_head", "3", func(p map[string]any) string {
		if p["keyHex"] == nil {
			return ""
		}
		return fmt.Sprintf("[keys.k]\nhex = %q\n[providers.P]\nktor = %%q\n[[providers.P.transform]]\ntype = \"mac\"\nkeys = [\"k\"]\nalgorithm = %q\n", p["keyHex"], p["algorithm"])
	})
	encrypt := func(format string) func(p map[string]any) string {
		return func(p map[string]any) string {
			return fmt.Sprintf("[keys.e]\nhex = %q\n[keys.s]\nhex = %q\n[providers.P]\nktor = %%q\n[[providers.P.transform]]\ntype = \"encrypt\"\nkeys = [\"e\"]\nsign_keys = [\"s\"]\nformat = %q\nsign_algorithm = %q\n",
				p["encryptionKeyHex"], p["signKeyHex"], format, p["signAlgorithm"])
		}
	}
	reads("encrypt_head", "3", encrypt("current"))
	reads("encrypt_1_0_0", "1.0", encrypt("legacy"))
	reads("digest_1_0_0", "1.0", func(p map[string]any) string {
		return fmt.Sprintf("[providers.P]\nktor = %%q\n[[providers.P.transform]]\ntype = \"digest\"\nsalt = %q\nalgorithm = %q\n", p["salt"], p["algorithm"])
	})
	if len(cases) < 12 {
		t.Fatalf("only %d vector cases", len(cases))
	}
	tb := openTab(t, "")
	tb.set(map[string]string{"now": testNow})
	tb.click("#ks-keyring")
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("audit").click()`)) // the audit is compared elsewhere
	for _, c := range cases {
		n := tb.analyses()
		tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("bare").checked = ` + fmt.Sprint(c.bare)))
		tb.set(map[string]string{"keyring": c.keyring, "encoding": map[bool]string{true: "raw", false: ""}[c.bare], "input": c.input})
		if c.provider != "" {
			tb.set(map[string]string{"provider": c.provider})
		}
		tb.settle(n)
		keys := filepath.Join(t.TempDir(), "keys.toml")
		os.WriteFile(keys, []byte(c.keyring), 0o600)
		args := []string{"inspect", "--json", "--keys", keys, "--now", testNow}
		if c.bare {
			args = append(args, "--bare", "--encoding", "raw", "--provider", c.provider)
		}
		_, out := cli(t, c.input, append(args, "-")...)
		got, want := tokenJSON(tb), cliLines(out)
		if fmt.Sprint(got) != fmt.Sprint(want) || len(got) == 0 {
			errText := eval[string](tb, `(document.getElementById("analysis-error") || {}).textContent || ""`)
			t.Errorf("%s:\npage %s %s\nCLI  %s", c.name, got, errText, want)
		}
	}
	t.Logf("%d Ktor vector cases through the page", len(cases))
}

// The exported page, served by a plain static server that sets no header, works the same and its
// <meta> policy still lets nothing out.
func TestBrowserExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "debugger")
	code, out := cli(t, "", "web", "--export", dir)
	if code != 0 || !strings.Contains(out, "index.html") {
		t.Fatalf("export: exit %d %s", code, out)
	}
	static := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer static.Close()
	cookie, keyring, _ := exampleFiles(t)
	tb := openTab(t, static.URL+"/")
	tb.set(map[string]string{"keyring": keyring, "now": testNow})
	tb.click("#ks-keyring")
	n := tb.analyses()
	tb.paste("#input", cookie)
	tb.settle(n)
	if v := eval[string](tb, `document.querySelector("#results .token").dataset.verdict`); v != "VALID" {
		t.Errorf("exported page: %s", v)
	}
	blocked := eval[string](tb, `fetch(location.origin + "/index.html").then(() => "sent", () => "blocked")`)
	if blocked != "blocked" {
		t.Errorf("the exported page could fetch: %s", blocked)
	}
}

// --open starts $BROWSER on the page's URL; the loopback server answers only to its own names;
// SIGINT stops it with status 0.
func TestServeOpenAndStop(t *testing.T) {
	// SIGTERM stops it as SIGINT does (below)
	_, term := serve(t, nil, "--addr", "127.0.0.1:0")
	term.Process.Signal(syscall.SIGTERM)
	if err := term.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v", err)
	}

	dir := t.TempDir()
	opened := filepath.Join(dir, "opened")
	fake := filepath.Join(dir, "browser")
	os.WriteFile(fake, []byte("#!/bin/sh\necho \"$1\" > "+opened+"\n"), 0o755)
	url, cmd := serve(t, []string{"BROWSER=" + fake}, "--addr", "127.0.0.1:0", "--open")
	var got []byte
	for i := 0; i < 200 && len(got) == 0; i++ {
		time.Sleep(25 * time.Millisecond)
		got, _ = os.ReadFile(opened)
	}
	if strings.TrimSpace(string(got)) != url {
		t.Errorf("$BROWSER got %q, the page is at %s", got, url)
	}
	resp, err := http.Get(url)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("GET %s: %v %v", url, err, resp)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = "rebind.example:80"
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("Host rebind.example: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	// the address is taken: I/O error, exit 3
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
	if code, _ := cli(t, "", "web", "--addr", addr); code != 3 {
		t.Errorf("a second server on %s: exit %d, want 3", addr, code)
	}
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGINT: %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("still serving 10 s after SIGINT")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Errorf("%s still accepts connections", url)
	}
}

// Screenshots for README (SESSIONCTL_SCREENSHOTS=DIR): the example with its keyring, a tampered
// cookie, the encoder.
func TestScreenshots(t *testing.T) {
	out := os.Getenv(envShots)
	if out == "" {
		t.Skipf("%s=DIR writes the README's screenshots", envShots)
	}
	cookie, keyring, _ := exampleFiles(t)
	shot := func(tb *tab, name string) {
		b, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tb := openTab(t, "")
	tb.do(chromedp.EmulateViewport(1400, 900))
	tb.set(map[string]string{"keyring": keyring})
	tb.click("#ks-keyring")
	n := tb.analyses()
	tb.paste("#input", cookie)
	n = tb.settle(n)
	shot(tb, "web-valid.png")
	tb.paste("#input", strings.Replace(cookie, "e113;", "e114;", 1))
	tb.settle(n)
	shot(tb, "web-invalid.png")
	tb.paste("#input", cookie)
	tb.settle(n)
	tb.click("#results .token button.edit")
	text := eval[string](tb, `document.getElementById("enc-text").value`)
	tb.paste("#enc-text", strings.Replace(text, "loginCount:Long=17", "loginCount:Long=18", 1))
	tb.click("#btn-encode")
	tb.wait(`document.getElementById("enc-out").hidden === false`)
	shot(tb, "web-encode.png")
}
