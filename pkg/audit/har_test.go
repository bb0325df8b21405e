package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
)

func readAll(t testing.TB, r io.Reader) ([]HARCookie, error) {
	var out []HARCookie
	err := ReadHAR(r, func(c HARCookie) error { out = append(out, c); return nil })
	return out, err
}

func TestReadHARSeveral(t *testing.T) {
	f, err := os.Open("testdata/several.har")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := readAll(t, f)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		entry       int
		side, name  string
		attrs       bool
		valuePrefix string
	}{
		{0, "request", "_ga", false, "GA1"},
		{0, "response", "USER_SESSION", true, "%7B"},
		{1, "request", "USER_SESSION", false, "%7B"},
		{1, "request", "theme", false, "dark"},
		{1, "response", "CART", true, "abc"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d cookies: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Entry != w.entry || g.Side != w.side || g.Name != w.name || (g.SetCookie != nil) != w.attrs || !strings.HasPrefix(g.Value, w.valuePrefix) {
			t.Errorf("cookie %d = %+v, want %+v", i, g, w)
		}
	}
	if sc := got[1].SetCookie; sc.MaxAge == nil || *sc.MaxAge != 604800 || !sc.HTTPOnly || sc.Secure {
		t.Errorf("Set-Cookie attributes: %+v", sc)
	}
	if sc := got[4].SetCookie; sc.Expires == nil || !sc.Secure || len(sc.Extensions) != 1 {
		t.Errorf("HAR cookie attributes: %+v", sc)
	}
	if got[0].URL != "https://app.example.com/login" {
		t.Errorf("url %q", got[0].URL)
	}
	// the session cookie of the HAR carries the documentation key
	tg := NewTarget(Input{Name: got[1].Name, Value: got[1].Value, SetCookie: got[1].SetCookie}, Options{})
	tg.CrackKnown()
	if r := tg.Report(); r.Key == nil || r.Key.ID != "ktor-docs-sign" {
		t.Errorf("HAR session cookie not cracked: %+v", r)
	}
}

func TestReadHARMalformed(t *testing.T) {
	tests := []struct {
		name, har string
		entry     int
		detail    string
	}{
		{"empty", "", -1, "ends early"},
		{"not an object", "[1,2]", -1, "not an object"},
		{"no entries", `{"log": {"version": "1.2"}}`, -1, "no log.entries"},
		{"entries not array", `{"log": {"entries": {}}}`, -1, "not an array"},
		{"truncated", `{"log": {"entries": [{"request": {"url": "x"}}, {"request": {"headers": [`, 1, "unexpected EOF"},
		{"bad header", `{"log": {"entries": [{}, {}, {"response": {"headers": "x"}}]}}`, 2, "headers"},
		{"bad cookies", `{"log": {"entries": [{"request": {"cookies": [{"name": 3}]}}]}}`, 0, "cookies"},
		{"bad json", `{"log": {"entries": [{"request": {"url": x}}]}}`, 0, "invalid character"},
		{"trailing", `{"log": {"entries": []}} {}`, 0, "after the HAR"},
		{"entry not object", `{"log": {"entries": [{}, 5]}}`, 1, "not an object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAll(t, strings.NewReader(tc.har))
			var he *HARError
			if !errors.As(err, &he) || !errors.Is(err, ErrHAR) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if he.Entry != tc.entry || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("err = %v (entry %d), want entry %d and %q", err, he.Entry, tc.entry, tc.detail)
			}
			if !strings.HasPrefix(err.Error(), "audit: ") {
				t.Errorf("message not prefixed: %v", err)
			}
		})
	}
	// the callback's error comes back as is
	stop := errors.New("stop")
	err := ReadHAR(strings.NewReader(`{"log":{"entries":[{"request":{"cookies":[{"name":"a","value":"b"}]}}]}}`), func(HARCookie) error { return stop })
	if err != stop {
		t.Errorf("callback error = %v", err)
	}
}

// hugeHAR writes n entries, each with a body of size bytes, to w.
func hugeHAR(w io.Writer, n, size int) error {
	body := strings.Repeat("A", size)
	if _, err := io.WriteString(w, `{"log":{"version":"1.2","entries":[`); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		sep := ","
		if i == 0 {
			sep = ""
		}
		if _, err := fmt.Fprintf(w, `%s{"request":{"url":"https://x/%d","headers":[{"name":"Cookie","value":"S=v%d"}]},"response":{"content":{"text":"%s"},"headers":[{"name":"Set-Cookie","value":"S=w%d; Path=/"}]}}`, sep, i, i%100, body, i); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, `]}}`)
	return err
}

// A HAR much larger than the memory the reader may use is read with a flat heap.
func TestReadHARHugeStreamed(t *testing.T) {
	n, size := 20000, 8<<10 // ~165 MB
	if testing.Short() {
		n = 2000
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(hugeHAR(pw, n, size)) }()
	runtime.GC()
	var peak uint64
	count := 0
	err := ReadHAR(pr, func(c HARCookie) error {
		count++
		if count%2000 == 0 {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != 2*n {
		t.Fatalf("%d cookies, want %d", count, 2*n)
	}
	total := uint64(n) * uint64(size)
	if peak > 48<<20 {
		t.Errorf("heap in use reached %d MB for a %d MB HAR: not streamed", peak>>20, total>>20)
	}
	t.Logf("%d MB HAR, peak heap in use %d MB", total>>20, peak>>20)
}

func FuzzReadHAR(f *testing.F) {
	seed, _ := os.ReadFile("testdata/several.har")
	f.Add(seed)
	f.Add([]byte(`{"log":{"entries":[]}}`))
	f.Add([]byte(`{"log":{"entries":[{"request":{"headers":[{"name":"Cookie","value":"a=b; c=d"}]}}]}}`))
	f.Add([]byte(`{"log":{"entries":[{"response":{"headers":[{"name":"Set-Cookie","value":"a=b; Max-Age=1"}]}}]}}`))
	f.Add([]byte(`{"log": [`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var got []HARCookie
		err := ReadHAR(bytes.NewReader(b), func(c HARCookie) error {
			if c.Side != "request" && c.Side != "response" || c.Entry < 0 {
				t.Fatalf("bad cookie %+v", c)
			}
			if c.SetCookie != nil && c.Side != "response" {
				t.Fatalf("attributes on a request cookie: %+v", c)
			}
			got = append(got, c)
			return nil
		})
		if err != nil {
			var he *HARError
			if !errors.As(err, &he) || !errors.Is(err, ErrHAR) || he.Offset < 0 || he.Offset > int64(len(b)) {
				t.Fatalf("error %v (%T) is not a well-formed *HARError", err, err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("invalid JSON accepted: %q", b)
		}
		// every cookie found is audited without a panic, and its report marshals
		for _, c := range got {
			tg := NewTarget(Input{Name: c.Name, Value: c.Value, SetCookie: c.SetCookie}, Options{})
			tg.CrackKnown()
			r := tg.Report()
			if _, err := json.Marshal(r); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// Whatever cookie names and values a HAR holds come back exactly.
func FuzzHARRoundTrip(f *testing.F) {
	f.Add("USER_SESSION", "abc%2Fdef", "x", "")
	f.Add("a", "", "b\"c", "\u2028")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		type ck struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		}
		doc := map[string]any{"log": map[string]any{"entries": []any{
			map[string]any{"request": map[string]any{"cookies": []ck{{n1, v1}}}, "response": map[string]any{"cookies": []ck{{n2, v2}}}},
		}}}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Skip()
		}
		var want []ck
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Skip()
		}
		// json.Marshal replaces invalid UTF-8: compare with what the document holds
		var back struct {
			Log struct {
				Entries []struct {
					Request, Response struct{ Cookies []ck }
				}
			}
		}
		json.Unmarshal(b, &back)
		want = append(want, back.Log.Entries[0].Request.Cookies[0], back.Log.Entries[0].Response.Cookies[0])
		got, err := readAll(t, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != want[0].Name || got[0].Value != want[0].Value || got[1].Name != want[1].Name || got[1].Value != want[1].Value {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})
}
