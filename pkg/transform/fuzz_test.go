package transform_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Every failed read is a *ReadError wrapping one of the read sentinels.
func checkReadErr(t *testing.T, in string, err error) {
	t.Helper()
	var re *transform.ReadError
	if !errors.As(err, &re) {
		t.Fatalf("%q: error %T is not *ReadError: %v", in, err, err)
	}
	for _, s := range []error{transform.ErrMalformed, transform.ErrSignature, transform.ErrSignatureCase, transform.ErrDecrypt, transform.ErrOtherFormat} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%q: error wraps no read sentinel: %v", in, err)
}

func seeds(f *testing.F, extra ...string) {
	for _, s := range append([]string{"", "/", ":", "a/b", "x/" + strings.Repeat("a", 64), "zz/yy:xx", "/:", "\xff/\xfe:\x00",
		"03101d2a3744515e6b7885929facb9c6/253b36821b5c49bbc17745f2d3e1d05d:82312f4b6abea327f6b91be9ce729b196e77672d76be2d027436b2dec7649dad"}, extra...) {
		f.Add(s)
	}
}

func FuzzDigestRead(f *testing.F) {
	d := must(transform.NewDigest("ktor", "SHA-256", "1.0"))
	w, _ := d.Write("a/b")
	seeds(f, w, strings.ToUpper(w), w+"z", "a/b/\uff14\uff42")
	f.Fuzz(func(t *testing.T, in string) {
		p, _, err := d.Read(in)
		if err != nil {
			checkReadErr(t, in, err)
			return
		}
		if !strings.HasPrefix(in, p+"/") {
			t.Fatalf("%q: payload %q is not the part before the last '/'", in, p)
		}
		// what a write produces reads back
		w, _ := d.Write(in)
		if p2, _, err := d.Read(w); err != nil || p2 != in {
			t.Fatalf("round trip of %q: %q %v", in, p2, err)
		}
	})
}

func FuzzMACRead(f *testing.F) {
	m := must(transform.NewMAC([]transform.Key{key("new", 32, 1), key("old", 20, 2)}, "HmacSHA256", "3"))
	w, _ := m.Write("id=1")
	seeds(f, w, strings.ToUpper(w))
	f.Fuzz(func(t *testing.T, in string) {
		p, info, err := m.Read(in)
		if err != nil {
			checkReadErr(t, in, err)
		} else {
			// accepted only in Ktor's exact form: payload + "/" + lower-case tag
			if info.KeyID == "" || !strings.HasPrefix(in, p+"/") || strings.ToLower(in[len(p):]) != in[len(p):] {
				t.Fatalf("%q accepted as %q (%+v)", in, p, info)
			}
		}
		w, _ := m.Write(in)
		p2, info2, err := m.Read(w)
		if err != nil || p2 != in || info2.KeyID != "new" {
			t.Fatalf("round trip of %q: %q %+v %v", in, p2, info2, err)
		}
		p3, rw, _, err := m.Rotate(w)
		if err != nil || p3 != in || rw != w {
			t.Fatalf("rotate of current value %q: %v", in, err)
		}
	})
}

func fuzzEncrypt(f *testing.F, p transform.Profile, format transform.Format, compat bool) {
	e := must(transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1), key("e2", 32, 3)},
		SignKeys: []transform.Key{key("s", 32, 2)}, Format: format, BackwardCompatibleRead: compat, Profile: p,
		IV: transform.FixedIV(make([]byte, 16))}))
	w, _ := e.Write("hello")
	seeds(f, w, strings.ToUpper(w), "f"+w[1:], w[:len(w)-1], w+"0")
	f.Fuzz(func(t *testing.T, in string) {
		p, _, err := e.Read(in)
		if err != nil {
			checkReadErr(t, in, err)
		} else if !utf8.ValidString(p) {
			t.Fatalf("%q: payload is not valid UTF-8: %q", in, p)
		}
		if !utf8.ValidString(in) {
			return // Java strings cannot carry ill-formed UTF-8 through an encrypt round trip
		}
		w, err := e.Write(in)
		if err != nil {
			t.Fatal(err)
		}
		if p2, _, err := e.Read(w); err != nil || p2 != in {
			t.Fatalf("round trip of %q: %q %v", in, p2, err)
		}
	})
}

func FuzzEncryptCurrentRead(f *testing.F) { fuzzEncrypt(f, "3", transform.FormatCurrent, true) }
func FuzzEncryptLegacyRead(f *testing.F)  { fuzzEncrypt(f, "1.0", transform.FormatLegacy, false) }

func FuzzChainRead(f *testing.F) {
	m := must(transform.NewMAC([]transform.Key{key("m", 32, 1)}, "", "3"))
	e := must(transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1)}, SignKeys: []transform.Key{key("s", 32, 2)},
		IV: transform.FixedIV(make([]byte, 16))}))
	d := must(transform.NewDigest("ktor", "", "1.0"))
	c := transform.Chain{d, e, m}
	w, _ := c.Write("x")
	seeds(f, w)
	f.Fuzz(func(t *testing.T, in string) {
		_, layers, err := c.Read(in)
		if err != nil {
			checkReadErr(t, in, err)
			var re *transform.ReadError
			errors.As(err, &re)
			if re.Step < 1 || re.Step > 3 || len(layers) == 0 || layers[len(layers)-1].OK || layers[len(layers)-1].Step != re.Step {
				t.Fatalf("%q: step %d, layers %+v", in, re.Step, layers)
			}
		}
		if !utf8.ValidString(in) {
			return
		}
		w, err := c.Write(in)
		if err != nil {
			t.Fatal(err)
		}
		if p, layers, err := c.Read(w); err != nil || p != in || len(layers) != 3 {
			t.Fatalf("round trip of %q: %q %v", in, p, err)
		}
	})
}

func FuzzDetect(f *testing.F) {
	m := must(transform.NewMAC([]transform.Key{key("m", 32, 1)}, "", "3"))
	e := must(transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1)}, SignKeys: []transform.Key{key("s", 32, 2)}}))
	ev, _ := e.Write("x")
	emv, _ := transform.Chain{e, m}.Write("x")
	seeds(f, ev, emv)
	f.Fuzz(func(t *testing.T, in string) {
		cs := transform.Detect(in)
		if len(cs) == 0 || len(cs) > 16 {
			t.Fatalf("%q: %d candidates", in, len(cs))
		}
		for _, c := range cs {
			if c.Description == "" || c.Confidence == "" {
				t.Fatalf("%q: incomplete candidate %+v", in, c)
			}
		}
		// a value our MAC wrote is always explained as one
		w, _ := m.Write(in)
		found := false
		for _, c := range transform.Detect(w) {
			if strings.HasSuffix(c.Chain, "mac(HmacSHA256)") {
				found = true
			}
		}
		if !found {
			t.Fatalf("MAC value %q not detected: %+v", w, transform.Detect(w))
		}
	})
}
