package sessions_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestGoldenResponses pins the response headers each profile and shape
// produces for a set and a clear, with a fixed clock and fixed ids.
func TestGoldenResponses(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	var out strings.Builder
	for _, profile := range []string{"1.0", "1.6", "2", "3"} {
		p, _ := transform.ParseProfile(profile)
		for _, shape := range []string{"cookie", "cookie-id", "header", "header-id"} {
			mem := storage.NewMemory()
			opts := []sessions.Option{sessions.WithProfile(profile), sessions.WithTransformers(mustMAC(t, p)),
				sessions.WithClock(func() time.Time { return now })}
			if strings.HasSuffix(shape, "-id") {
				opts = append(opts, sessions.ByID(mem), sessions.WithIDGenerator(func() (string, error) { return "0123456789abcdef", nil }))
			}
			var prov sessions.Provider
			name := "S"
			if strings.HasPrefix(shape, "cookie") {
				prov = sessions.Cookie[user](name, opts...)
			} else {
				name = "X-S"
				prov = sessions.Header[user](name, opts...)
			}
			h := mustNew(t, prov).Handler(app())
			c := &client{name: name, cookie: strings.HasPrefix(shape, "cookie")}
			for _, target := range []string{"/set?name=Zo%C3%AB+O'Brien", "/get", "/clear"} {
				rec := c.do(t, h, target)
				fmt.Fprintf(&out, "%s %s %s\n", profile, shape, target)
				for _, k := range []string{"Set-Cookie", name} {
					for _, v := range rec.Result().Header.Values(k) {
						fmt.Fprintf(&out, "\t%s: %s\n", k, v)
					}
				}
			}
		}
	}
	const golden = "testdata/responses.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Fatalf("responses differ from %s (run with -update after checking):\n%s", golden, out.String())
	}
}
