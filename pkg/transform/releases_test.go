package transform_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Each change point of the transformers, tested at its boundary: the release
// before it behaves the old way, the release at it the new way.

func TestMACDefaultAt112(t *testing.T) {
	for rel, want := range map[transform.Profile]int{"1.1.1": 40, "1.1.2": 64} {
		m := must(transform.NewMAC([]transform.Key{key("k", 32, 1)}, "", rel))
		v, _ := m.Write("x")
		if sig := v[strings.LastIndexByte(v, '/')+1:]; len(sig) != want {
			t.Errorf("%s: default MAC signature has %d hex characters, want %d (%s)", rel, len(sig), want, m.Algorithm())
		}
	}
}

func TestDigestByRelease(t *testing.T) {
	if a := must(transform.NewDigest("ktor", "", "1.0.1")).Algorithm(); a != "SHA-256" {
		t.Errorf("1.0.1 default digest %s, want SHA-256", a)
	}
	if a := must(transform.NewDigest("ktor", "", "1.1.0")).Algorithm(); a != "SHA-384" {
		t.Errorf("1.1.0 default digest %s, want SHA-384", a)
	}
	warn := func(p transform.Profile) string {
		d := must(transform.NewDigest("ktor", "SHA-256", p))
		v, _ := d.Write("x")
		_, info, err := d.Read(v)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(info.Warnings, "; ")
	}
	if w := warn("1.0.1"); w != "" {
		t.Errorf("1.0.1: warning %q, but the digest was not deprecated yet", w)
	}
	if w := warn("1.1.0"); !strings.Contains(w, "deprecated from Ktor 1.1.0") {
		t.Errorf("1.1.0: warning %q", w)
	}
	if w := warn("1.2.2"); !strings.Contains(w, "level ERROR") {
		t.Errorf("1.2.2: warning %q", w)
	}
	if _, err := transform.NewDigest("ktor", "", "1.6.8"); err != nil {
		t.Errorf("1.6.8 still has the digest: %v", err)
	}
	_, err := transform.NewDigest("ktor", "", "2.0.0")
	var ce *transform.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "removed in 2.0.0") {
		t.Errorf("2.0.0 has no digest transformer, got %v", err)
	}
}

func TestChainReadOrderAt121(t *testing.T) {
	a := must(transform.NewMAC([]transform.Key{key("a", 32, 1)}, "HmacSHA256", "1.2.0"))
	b := must(transform.NewMAC([]transform.Key{key("b", 32, 2)}, "HmacSHA256", "1.2.0"))
	c := transform.Chain{a, b}
	if c.KtorCouldRead("1.2.0") || !c.KtorCouldRead("1.2.1") {
		t.Errorf("KtorCouldRead: 1.2.0 %v, 1.2.1 %v; want false, true", c.KtorCouldRead("1.2.0"), c.KtorCouldRead("1.2.1"))
	}
}

func TestEncryptFormatAt300(t *testing.T) {
	ek, sk := key("e", 16, 1), key("s", 32, 2)
	if f := must(transform.NewEncrypt(encOpts("2.3.13", "", []transform.Key{ek}, []transform.Key{sk}))).Format(); f != transform.FormatLegacy {
		t.Errorf("2.3.13 writes %s, want legacy", f)
	}
	if f := must(transform.NewEncrypt(encOpts("3.0.0", "", []transform.Key{ek}, []transform.Key{sk}))).Format(); f != transform.FormatCurrent {
		t.Errorf("3.0.0 writes %s, want current", f)
	}
	o := encOpts("2.3.13", transform.FormatCurrent, []transform.Key{ek}, []transform.Key{sk})
	o.BackwardCompatibleRead = true
	if _, err := transform.NewEncrypt(o); !errors.Is(err, transform.ErrConfig) || !strings.Contains(err.Error(), "from 3.0.0") {
		t.Errorf("2.3.13 has no backwardCompatibleRead, got %v", err)
	}
	o.Profile = "3.0.0"
	if _, err := transform.NewEncrypt(o); err != nil {
		t.Errorf("3.0.0 backwardCompatibleRead: %v", err)
	}
}

// Ktor before 3.5.0 reads IV and ciphertext with its own hex(): an odd
// trailing character and full-width digits pass; 3.5.0's hexToByteArray
// refuses both.
func TestEncryptHexAt350(t *testing.T) {
	ek, sk := key("e", 16, 1), key("s", 32, 2)
	w := must(transform.NewEncrypt(encOpts("3.4.3", "", []transform.Key{ek}, []transform.Key{sk})))
	v := must(w.Write("hello"))
	slash := strings.IndexByte(v, '/')
	odd := v[:slash] + "z" + v[slash:]
	for rel, ok := range map[transform.Profile]bool{"3.0.0": true, "3.4.3": true, "3.5.0": false, "3.5.2": false} {
		e := must(transform.NewEncrypt(encOpts(rel, "", []transform.Key{ek}, []transform.Key{sk})))
		p, info, err := e.Read(odd)
		if (err == nil) != ok || ok && p != "hello" {
			t.Errorf("%s: read of an IV with an odd trailing character = %q, %v; want accepted %v", rel, p, err, ok)
		}
		if ok && !strings.Contains(strings.Join(info.Quirks, ";"), "before 3.5.0") {
			t.Errorf("%s: quirk not reported: %v", rel, info.Quirks)
		}
		if !ok && !errors.Is(err, transform.ErrMalformed) {
			t.Errorf("%s: error %v, want ErrMalformed", rel, err)
		}
	}
}

// Before 3.5.1 Ktor asked its default ivGenerator for a key-sized IV, so
// an AES-256 key failed in the constructor.
func TestEncryptIVSizeAt351(t *testing.T) {
	ek, sk := key("e", 32, 1), key("s", 32, 2)
	for rel, want := range map[transform.Profile]int{"3.5.0": 32, "3.5.1": 16, "2.3.13": 32} {
		o := transform.EncryptOptions{EncKeys: []transform.Key{ek}, SignKeys: []transform.Key{sk}, Profile: rel}
		e := must(transform.NewEncrypt(o))
		if e.IVSize() != want || (e.KtorConstructError() != nil) != (want != 16) {
			t.Errorf("%s: IV size %d, construct error %v; want %d", rel, e.IVSize(), e.KtorConstructError(), want)
		}
		if _, err := e.Write("x"); (err != nil) != (want != 16) {
			t.Errorf("%s: write without an IV source: %v", rel, err)
		}
	}
	o := transform.EncryptOptions{EncKeys: []transform.Key{ek}, SignKeys: []transform.Key{sk}, Profile: "3.5.0"}
	if err := must(transform.NewEncrypt(o)).KtorConstructError(); !strings.Contains(err.Error(), "3.5.1 fixed this") {
		t.Errorf("construct error does not say which release fixed it: %v", err)
	}
}

func TestUnknownReleaseRefused(t *testing.T) {
	k := []transform.Key{key("k", 32, 1)}
	if _, err := transform.NewMAC(k, "", "2.3.14"); !errors.Is(err, transform.ErrConfig) || !strings.Contains(err.Error(), "2.3.13") {
		t.Errorf("NewMAC(2.3.14): %v", err)
	}
	if _, err := transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1)}, SignKeys: k, Profile: "9"}); !errors.Is(err, transform.ErrConfig) {
		t.Errorf("NewEncrypt(9): %v", err)
	}
}
