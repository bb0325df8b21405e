package sessions_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

type fuzzText struct {
	Name  string
	Count int
	Tags  []string
}

// FuzzRequest sends hostile Cookie and session headers through the
// middleware. Whatever arrives: no panic, no error from Get (the storage is
// in memory and never fails), the hook only ever reports ErrInvalid as a
// *sessions.Error, every Set-Cookie line parses back, and a session that
// was read survives a round trip: set again, it reads back equal.
func FuzzRequest(f *testing.F) {
	f.Add("S=%7B%22name%22%3A%22bob%22%2C%22count%22%3A1%7D", "count=%23i1&name=%23sbob")
	f.Add("T=count%3D%2523i17%26name%3D%2523sZo%25C3%25AB%2BO%2527Brien%26tags%3D%2523cl%2523sa%2526%2523sb", "")
	f.Add("M=abc%2Fdeadbeef; S=\"quoted\"; T=%zz", "name=%23s%F0%9F%98%80&count=%23i-1&tags=%23cl")
	f.Add("I=0123456789abcdef; S=; $x-enc=RAW", "count=%23i99999999999")
	f.Add("S={\"name\":\"\\ud800\",\"count\":1e400}", "tags=%23cs%23sx&name=%23n")
	// M rotates: its keyring is [k2, k1]; a cookie signed with k1 comes back
	// under k2, whatever else the request holds.
	k1Signed, _ := mustMAC(f, "3").Write(`{"items":["a","b"]}`)
	f.Add("M="+k1Signed+"; S=%7B%7D", "")
	ring, err := transform.NewMAC([]transform.Key{{ID: "k2", Bytes: []byte("fuzz-rotation-key-of-32-bytes!!!")}, {ID: "k1", Bytes: testKey}}, "", "3")
	if err != nil {
		f.Fatal(err)
	}
	onlyNew, _ := transform.NewMAC([]transform.Key{{ID: "k2", Bytes: []byte("fuzz-rotation-key-of-32-bytes!!!")}}, "", "3")
	var log hookLog
	mem := storage.NewMemory()
	mem.Write(f.Context(), "0123456789abcdef", "count=%23i2&name=%23sstored")
	s := mustNew(f,
		sessions.Cookie[user]("S", sessions.WithErrorHook(log.hook)),
		sessions.Cookie[fuzzText]("T", sessions.WithProfile("1.6"), sessions.WithErrorHook(log.hook)),
		sessions.Cookie[cart]("M", sessions.WithTransformers(ring), sessions.RotateOnRead(), sessions.WithErrorHook(log.hook)),
		sessions.Cookie[dsNote]("I", sessions.ByID(mem), sessions.WithSerializer(sessions.TextSerializer[dsNote]("3")), sessions.WithErrorHook(log.hook)),
		sessions.Header[fuzzHeader]("X-Session", sessions.WithSerializer(sessions.TextSerializer[fuzzHeader]("1.0")), sessions.WithErrorHook(log.hook)),
	)
	f.Fuzz(func(t *testing.T, cookie, header string) {
		log.take()
		type got struct {
			v  any
			ok bool
		}
		var reads []got
		var errs []error
		h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reads = append(reads, fuzzGet[user](r, &errs), fuzzGet[fuzzText](r, &errs), fuzzGet[cart](r, &errs),
				fuzzGet[dsNote](r, &errs), fuzzGet[fuzzHeader](r, &errs))
		}))
		req := httptest.NewRequest("GET", "/", nil)
		req.Header["Cookie"] = []string{cookie}
		req.Header["X-Session"] = []string{header}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		for _, err := range errs {
			t.Fatalf("Get failed: %v", err)
		}
		for _, err := range log.take() {
			var e *sessions.Error
			if !errors.Is(err, sessions.ErrInvalid) || !errors.As(err, &e) {
				t.Fatalf("hook got %v", err)
			}
		}
		for _, line := range rec.Result().Header.Values("Set-Cookie") {
			sc, err := codec.ParseSetCookie(line)
			if err != nil {
				t.Fatalf("Set-Cookie %q does not parse: %v", line, err)
			}
			if sc.Name == "M" && sc.Raw != "" {
				v, err := codec.Decode(sc.Raw, codec.URI, "3")
				if err != nil {
					t.Fatal(err)
				}
				p, _, err := onlyNew.Read(v)
				if err != nil {
					t.Fatalf("M went out as %q, not under the new key: %v", v, err)
				}
				var c cart
				if err := serializer.UnmarshalJSON(p, &c); err != nil || !reflect.DeepEqual(c, reads[2].v) {
					t.Fatalf("M re-issued as %q (%v), read %#v", p, err, reads[2].v)
				}
			}
		}
		// Round trip every session that was read.
		for i, g := range reads {
			if !g.ok {
				continue
			}
			back := roundTrip(t, s, g.v)
			if !reflect.DeepEqual(back, g.v) {
				t.Fatalf("provider %d: read %#v, after a round trip %#v", i, g.v, back)
			}
		}
	})
}

type fuzzHeader struct {
	Name string
}

func fuzzGet[T any](r *http.Request, errs *[]error) (g struct {
	v  any
	ok bool
}) {
	v, ok, err := sessions.Get[T](r)
	if err != nil {
		*errs = append(*errs, err)
	}
	g.v, g.ok = v, ok
	return g
}

// roundTrip sets v through the middleware, sends the response's session
// back and returns what is read.
func roundTrip(t *testing.T, s *sessions.Sessions, v any) any {
	t.Helper()
	set := func(r *http.Request) error {
		switch x := v.(type) {
		case user:
			return sessions.Set(r, x)
		case fuzzText:
			return sessions.Set(r, x)
		case cart:
			return sessions.Set(r, x)
		case dsNote:
			return sessions.Set(r, x)
		case fuzzHeader:
			return sessions.Set(r, x)
		}
		t.Fatalf("unexpected %T", v)
		return nil
	}
	var setErr error
	rec := httptest.NewRecorder()
	s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { setErr = set(r) })).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if setErr != nil {
		// Some values read cannot be written back (e.g. Ktor 1.0.0's RAW
		// refusals); that must be a clean encode error.
		if !errors.Is(setErr, sessions.ErrEncode) {
			t.Fatalf("set %#v: %v", v, setErr)
		}
		return v
	}
	req := httptest.NewRequest("GET", "/", nil)
	for _, line := range rec.Result().Header.Values("Set-Cookie") {
		sc, err := codec.ParseSetCookie(line)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Add("Cookie", sc.Name+"="+sc.Raw)
	}
	if hv := rec.Result().Header.Get("X-Session"); hv != "" {
		req.Header.Set("X-Session", hv)
	}
	var out any
	s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var errs []error
		var g struct {
			v  any
			ok bool
		}
		switch v.(type) {
		case user:
			g = fuzzGet[user](r, &errs)
		case fuzzText:
			g = fuzzGet[fuzzText](r, &errs)
		case cart:
			g = fuzzGet[cart](r, &errs)
		case dsNote:
			g = fuzzGet[dsNote](r, &errs)
		case fuzzHeader:
			g = fuzzGet[fuzzHeader](r, &errs)
		}
		if len(errs) > 0 || !g.ok {
			t.Errorf("round trip of %#v: ok=%v errs=%v", v, g.ok, errs)
		}
		out = g.v
	})).ServeHTTP(httptest.NewRecorder(), req)
	return out
}
