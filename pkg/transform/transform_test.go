package transform_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

func key(id string, n int, seed int) transform.Key {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + seed*17 + 7)
	}
	return transform.Key{ID: id, Bytes: b}
}

func hmacHex(k []byte, s string) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

func TestParseProfile(t *testing.T) {
	for in, want := range map[string]transform.Profile{"1.0": "1.0.1", "1.0.0": "1.0.0", "1": "1.6.8", "1.x": "1.6.8", "1.6": "1.6.8",
		"1.6.5": "1.6.5", "2": "2.3.13", "2.x": "2.3.13", "2.0.0": "2.0.0", "2.3.13": "2.3.13", "3": "3.5.2", "3.x": "3.5.2",
		"head": "3.5.2", "3.0.0": "3.0.0", "v3.4.3": "3.4.3", "3.5.2": "3.5.2"} {
		if got, err := transform.ParseProfile(in); err != nil || got != want {
			t.Errorf("ParseProfile(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"4", "2.3.14", "3.6.0", "3.0.0-beta-2", ""} {
		_, err := transform.ParseProfile(bad)
		if !errors.Is(err, transform.ErrConfig) || !errors.Is(err, ktor.ErrUnknown) || bad != "" && !strings.Contains(err.Error(), "nearest known") {
			t.Errorf("ParseProfile(%q): %v", bad, err)
		}
	}
	// an alias held in a Profile is the newest release of its line
	for p, want := range map[transform.Profile]string{"": "3.5.2", transform.Profile3: "3.5.2", transform.Profile2: "2.3.13",
		transform.Profile16: "1.6.8", transform.Profile10: "1.0.1", "2.1": "2.1.3"} {
		if r, err := p.Release(); err != nil || r.String() != want {
			t.Errorf("Profile(%q).Release() = %v, %v; want %s", p, r, err, want)
		}
	}
	if transform.DefaultMACAlgorithm("1.0") != "HmacSHA1" || transform.DefaultMACAlgorithm("3") != "HmacSHA256" ||
		transform.DefaultDigestAlgorithm("1.0") != "SHA-256" || transform.DefaultDigestAlgorithm("1.6") != "SHA-384" ||
		transform.DefaultEncryptFormat("2") != transform.FormatLegacy || transform.DefaultEncryptFormat("3") != transform.FormatCurrent {
		t.Error("profile defaults differ from Ktor's")
	}
}

// Every JCA name of the spec, in any case, writes the HMAC Go computes.
func TestMACAlgorithms(t *testing.T) {
	names := []string{"HmacMD5", "HmacSHA1", "HmacSHA224", "HmacSHA256", "HmacSHA384", "HmacSHA512", "HmacSHA512/224",
		"HmacSHA512/256", "HmacSHA3-224", "HmacSHA3-256", "HmacSHA3-384", "HmacSHA3-512"}
	for _, n := range names {
		for _, spelled := range []string{n, strings.ToLower(n), strings.ToUpper(n)} {
			m, err := transform.NewMAC([]transform.Key{key("k", 32, 1)}, spelled, "3")
			if err != nil {
				t.Fatalf("%s: %v", spelled, err)
			}
			if m.Algorithm() != n {
				t.Errorf("%s: canonical %s", spelled, m.Algorithm())
			}
			w, _ := m.Write("v")
			if p, _, err := m.Read(w); err != nil || p != "v" {
				t.Errorf("%s: round trip %q %v", spelled, p, err)
			}
		}
	}
	w, _ := must(transform.NewMAC([]transform.Key{key("k", 32, 1)}, "hmacsha256", "3")).Write("abc")
	if want := "abc/" + hmacHex(key("k", 32, 1).Bytes, "abc"); w != want {
		t.Errorf("HmacSHA256 write %s, want %s", w, want)
	}
	for _, bad := range []string{"SHA-256", "HmacSHA999", "", "HMAC-SHA256"} {
		_, err := transform.NewMAC([]transform.Key{key("k", 32, 1)}, bad, "3")
		if bad == "" {
			if err != nil {
				t.Errorf("default algorithm: %v", err)
			}
			continue
		}
		var ce *transform.ConfigError
		if !errors.As(err, &ce) || ce.Field != "algorithm" {
			t.Errorf("%q: want ConfigError on algorithm, got %v", bad, err)
		}
	}
	if _, err := transform.NewMAC(nil, "", "3"); !errors.Is(err, transform.ErrConfig) {
		t.Errorf("no keys: %v", err)
	}
}

func TestDigestAlgorithms(t *testing.T) {
	for _, n := range []string{"MD5", "SHA-1", "sha", "SHA1", "SHA-224", "sha-256", "SHA256", "SHA-384", "SHA-512", "SHA-512/224", "SHA-512/256", "SHA3-224", "sha3-256", "SHA3-384", "SHA3-512"} {
		d, err := transform.NewDigest("ktor", n, "1.0")
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		w, _ := d.Write("x/y")
		if p, _, err := d.Read(w); err != nil || p != "x/y" {
			t.Errorf("%s: %q %v", n, p, err)
		}
	}
	d := must(transform.NewDigest("ktor", "", "1.0"))
	sum := sha256.Sum256([]byte("ktorabc"))
	if w, _ := d.Write("abc"); w != "abc/"+hex.EncodeToString(sum[:]) {
		t.Errorf("digest write %s", w)
	}
	if _, err := transform.NewDigest("ktor", "HmacSHA256", "1.0"); !errors.Is(err, transform.ErrConfig) {
		t.Errorf("Mac name as digest: %v", err)
	}
}

// Ktor's hex() quirks: beyond the published vectors.
func TestDigestLenientHex(t *testing.T) {
	d := must(transform.NewDigest("ktor", "SHA-256", "1.0"))
	w, _ := d.Write("abc")
	sig := w[4:]
	arabic := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return 0x0660 + (r - '0') // Arabic-Indic digits: Character.digit accepts them
		}
		return r
	}, sig)
	fwUpper := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'f' {
			return 0xFF21 + (r - 'a')
		}
		return r
	}, sig)
	cases := []struct {
		v     string
		ok    bool
		quirk string
	}{
		{"abc/" + sig, true, ""},
		{"abc/" + strings.ToUpper(sig), true, "upper case"},
		{"abc/" + sig + "é", true, "odd trailing"},
		{"abc/" + arabic, true, "non-ASCII"},
		{"abc/" + fwUpper, true, "non-ASCII"},
		{"abc/" + sig + "😀", false, ""},       // two UTF-16 units: one more pair, not digits
		{"abc/" + sig[:63] + "😀", false, ""},  // odd count: pair (digit, high surrogate)
		{"abc/" + sig[:62] + "-1", false, ""}, // a sign is not a digit on its own
		{"abc/" + sig[:62] + "+1", false, ""},
		{"abc/" + sig + "zz", false, ""},
		{"abc", false, ""},
	}
	for _, c := range cases {
		p, info, err := d.Read(c.v)
		if c.ok != (err == nil) {
			t.Errorf("%q: ok=%v err=%v", c.v, c.ok, err)
			continue
		}
		if c.ok && p != "abc" {
			t.Errorf("%q: payload %q", c.v, p)
		}
		if c.quirk != "" && !strings.Contains(strings.Join(info.Quirks, "|"), c.quirk) {
			t.Errorf("%q: quirks %v lack %q", c.v, info.Quirks, c.quirk)
		}
		if c.ok && c.quirk == "" && len(info.Quirks) != 0 {
			t.Errorf("%q: unexpected quirks %v", c.v, info.Quirks)
		}
	}
}

func TestMACErrors(t *testing.T) {
	m := must(transform.NewMAC([]transform.Key{key("k", 32, 1)}, "HmacSHA256", "3"))
	w, _ := m.Write("a/b")
	sig := w[4:]
	for _, c := range []struct {
		v    string
		want error
	}{
		{"a/b", transform.ErrMalformed}, // '/' found: "b" is not a signature
		{"nosep", transform.ErrMalformed},
		{"a/b/" + sig[:40], transform.ErrMalformed},
		{"a/b/" + strings.Repeat("z", 64), transform.ErrMalformed},
		{"a/c/" + sig, transform.ErrSignature},
		{"a/b/" + strings.ToUpper(sig), transform.ErrSignatureCase},
		{"a/b/" + sig[:10] + strings.ToUpper(sig[10:20]) + sig[20:], transform.ErrSignatureCase},
	} {
		_, _, err := m.Read(c.v)
		var re *transform.ReadError
		if !errors.Is(err, c.want) || !errors.As(err, &re) || re.Transform != "mac" {
			t.Errorf("%q: want %v, got %v", c.v, c.want, err)
		}
		if err != nil && strings.Contains(err.Error(), hex.EncodeToString(key("k", 32, 1).Bytes)) {
			t.Error("key bytes in an error")
		}
	}
	// a signature of another length names the algorithm that fits
	_, _, err := m.Read("x/" + strings.Repeat("a", 40))
	if err == nil || !strings.Contains(err.Error(), "HmacSHA1") {
		t.Errorf("40-char signature: %v", err)
	}
}

// Keyrings: writes use the first key, reads report the key that verified.
func TestMACKeyring(t *testing.T) {
	old := must(transform.NewMAC([]transform.Key{key("old", 32, 1)}, "", "3"))
	ring := must(transform.NewMAC([]transform.Key{key("new", 32, 2), key("old", 32, 1), key("older", 16, 3)}, "", "3"))
	v, _ := old.Write("payload")
	p, info, err := ring.Read(v)
	if err != nil || p != "payload" || info.KeyID != "old" {
		t.Fatalf("read %q %+v %v", p, info, err)
	}
	pay, rw, rinfo, err := ring.Rotate(v)
	if err != nil || pay != "payload" || rinfo.KeyID != "old" {
		t.Fatalf("rotate %q %v", pay, err)
	}
	want, _ := ring.Write("payload")
	if rw != want {
		t.Errorf("rotated %q, want %q", rw, want)
	}
	if _, i2, _ := ring.Read(rw); i2.KeyID != "new" {
		t.Errorf("rotated value verifies under %q", i2.KeyID)
	}
	// already current: unchanged
	if _, rw2, _, _ := ring.Rotate(want); rw2 != want {
		t.Errorf("rotate of current value changed it")
	}
	// AppendRotate: the same bytes after a prefix, for old and current values; errors leave dst alone
	for _, in := range []string{v, want} {
		got, ainfo, err := ring.AppendRotate([]byte("prefix:"), in)
		if err != nil || string(got) != "prefix:"+want || ainfo.KeyID == "" {
			t.Errorf("AppendRotate(%q) = %q %+v %v", in, got, ainfo, err)
		}
	}
	if got, _, err := ring.AppendRotate([]byte("x"), "payload/00"); !errors.Is(err, transform.ErrMalformed) || string(got) != "x" {
		t.Errorf("AppendRotate of a bad value: %q %v", got, err)
	}
	if _, _, err := must(transform.NewMAC([]transform.Key{key("x", 32, 9)}, "", "3")).Read(v); !errors.Is(err, transform.ErrSignature) {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := transform.NewMAC([]transform.Key{key("a", 32, 1), key("a", 32, 2)}, "", "3"); !errors.Is(err, transform.ErrConfig) {
		t.Errorf("duplicate ids: %v", err)
	}
	if _, err := transform.NewMAC([]transform.Key{{ID: "e"}}, "", "3"); !errors.Is(err, transform.ErrConfig) {
		t.Errorf("empty key: %v", err)
	}
}

func encOpts(p transform.Profile, f transform.Format, ek, sk []transform.Key) transform.EncryptOptions {
	return transform.EncryptOptions{EncKeys: ek, SignKeys: sk, Format: f, Profile: p,
		IV: transform.FixedIV(bytes.Repeat([]byte{7}, 16))}
}

// The formats against an independent construction with the standard library.
func TestEncryptFormats(t *testing.T) {
	ek, sk := key("e", 16, 1), key("s", 32, 2)
	iv := bytes.Repeat([]byte{7}, 16)
	pt := []byte("hello, world: a value of more than one block")
	padded := append(append([]byte(nil), pt...), bytes.Repeat([]byte{byte(16 - len(pt)%16)}, 16-len(pt)%16)...)
	blk, _ := aes.NewCipher(ek.Bytes)
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(ct, padded)
	head := hex.EncodeToString(iv) + "/" + hex.EncodeToString(ct) + ":"
	current := head + hmacHex(sk.Bytes, string(ct))
	legacy := head + hmacHex(sk.Bytes, string(pt))

	cur := must(transform.NewEncrypt(encOpts("3", "", []transform.Key{ek}, []transform.Key{sk})))
	leg := must(transform.NewEncrypt(encOpts("1.0", "", []transform.Key{ek}, []transform.Key{sk})))
	if w, _ := cur.Write(string(pt)); w != current {
		t.Errorf("current write\n%s\nwant\n%s", w, current)
	}
	if w, _ := leg.Write(string(pt)); w != legacy {
		t.Errorf("legacy write\n%s\nwant\n%s", w, legacy)
	}
	if p, info, err := cur.Read(current); err != nil || p != string(pt) || info.Format != "current" || info.KeyID != "e" || info.SignKeyID != "s" {
		t.Errorf("current read %q %+v %v", p, info, err)
	}
	if p, info, err := leg.Read(legacy); err != nil || p != string(pt) || info.Format != "legacy" {
		t.Errorf("legacy read %q %+v %v", p, info, err)
	}
	// each reading the other's format
	if _, _, err := cur.Read(legacy); !errors.Is(err, transform.ErrOtherFormat) || !strings.Contains(err.Error(), "backward_compatible_read") {
		t.Errorf("current reading legacy: %v", err)
	}
	if _, _, err := leg.Read(current); !errors.Is(err, transform.ErrOtherFormat) {
		t.Errorf("legacy reading current: %v", err)
	}
	compat := must(transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{ek}, SignKeys: []transform.Key{sk}, BackwardCompatibleRead: true}))
	if p, info, err := compat.Read(legacy); err != nil || p != string(pt) || info.Format != "legacy" {
		t.Errorf("compat read of legacy %q %+v %v", p, info, err)
	}
	// upper-case MAC: right MAC, rejected by Ktor
	if _, _, err := cur.Read(head + strings.ToUpper(hmacHex(sk.Bytes, string(ct)))); !errors.Is(err, transform.ErrSignatureCase) {
		t.Errorf("upper-case MAC: %v", err)
	}
	// IV flip: accepted by the current format (reported), caught by legacy
	flipped := "f" + current[1:]
	if _, info, err := cur.Read(flipped); err != nil || len(info.Quirks) == 0 && !strings.Contains(strings.Join(info.Warnings, ""), "IV") {
		t.Errorf("IV flip (current): %+v %v", info, err)
	}
	if _, _, err := leg.Read("f" + legacy[1:]); err == nil {
		t.Error("IV flip (legacy) accepted")
	}
	// wrong encryption key, right sign key: padding (or garbage) under the current format
	other := must(transform.NewEncrypt(encOpts("3", "", []transform.Key{key("x", 16, 9)}, []transform.Key{sk})))
	if p, _, err := other.Read(current); err == nil && p == string(pt) {
		t.Error("wrong encryption key decrypted")
	}
}

// Java decrypts an empty ciphertext to "" (PKCS5Padding.unpad of nothing).
func TestEncryptEmptyCiphertext(t *testing.T) {
	ek, sk := key("e", 16, 1), key("s", 32, 2)
	iv := strings.Repeat("07", 16)
	cur := must(transform.NewEncrypt(encOpts("3", "", []transform.Key{ek}, []transform.Key{sk})))
	p, info, err := cur.Read(iv + "/:" + hmacHex(sk.Bytes, ""))
	if err != nil || p != "" || len(info.Quirks) == 0 {
		t.Errorf("current: %q %+v %v", p, info, err)
	}
	leg := must(transform.NewEncrypt(encOpts("1.0", "", []transform.Key{ek}, []transform.Key{sk})))
	if p, _, err := leg.Read(iv + "/:" + hmacHex(sk.Bytes, "")); err != nil || p != "" {
		t.Errorf("legacy: %q %v", p, err)
	}
}

// IV sizes: Ktor before 3.5.2 asked for a key-length IV.
func TestEncryptIVSize(t *testing.T) {
	sk := []transform.Key{key("s", 32, 2)}
	for _, n := range []int{16, 24, 32} {
		ek := []transform.Key{key("e", n, 1)}
		// profile 3: always 16
		e := must(transform.NewEncrypt(transform.EncryptOptions{EncKeys: ek, SignKeys: sk, Profile: "3"}))
		if e.IVSize() != 16 || e.KtorConstructError() != nil {
			t.Errorf("profile 3 AES-%d: iv %d, %v", n*8, e.IVSize(), e.KtorConstructError())
		}
		if w, err := e.Write("x"); err != nil || !strings.HasPrefix(w, "") || len(w) < 33 || w[32] != '/' {
			t.Errorf("profile 3 AES-%d write %q %v", n*8, w, err)
		}
		for _, p := range []transform.Profile{"1.0", "1.6", "2"} {
			e, err := transform.NewEncrypt(transform.EncryptOptions{EncKeys: ek, SignKeys: sk, Profile: p})
			if err != nil {
				t.Fatalf("%s AES-%d: %v", p, n*8, err)
			}
			_, werr := e.Write("x")
			if (n == 16) != (werr == nil) || (n == 16) != (e.KtorConstructError() == nil) {
				t.Errorf("%s AES-%d: write err %v, construct %v", p, n*8, werr, e.KtorConstructError())
			}
			if werr != nil && !strings.Contains(werr.Error(), "Wrong IV length") {
				t.Errorf("unclear error: %v", werr)
			}
			// an IV source honouring the size fails in the constructor, as in Ktor
			_, err = transform.NewEncrypt(transform.EncryptOptions{EncKeys: ek, SignKeys: sk, Profile: p, IV: seedIV(1)})
			if (n == 16) != (err == nil) {
				t.Errorf("%s AES-%d with a size-honouring IV source: %v", p, n*8, err)
			}
		}
	}
	for _, bad := range [][]byte{{}, make([]byte, 8), make([]byte, 17)} {
		_, err := transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{{ID: "e", Bytes: bad}}, SignKeys: sk})
		var ce *transform.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%d-byte key: %v", len(bad), err)
		}
	}
	if _, err := transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1)}, SignKeys: sk, EncAlgorithm: "DES"}); !errors.Is(err, transform.ErrConfig) {
		t.Errorf("DES: %v", err)
	}
	if _, err := transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1)}, SignKeys: sk, EncAlgorithm: "AES-256"}); !errors.Is(err, transform.ErrConfig) {
		t.Errorf("AES-256 with a 16-byte key: %v", err)
	}
	if _, err := transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1)}, SignKeys: sk, Format: "legacy", BackwardCompatibleRead: true}); !errors.Is(err, transform.ErrConfig) {
		t.Errorf("legacy + backwardCompatibleRead: %v", err)
	}
}

func TestEncryptKeyring(t *testing.T) {
	e1, e2, s1, s2 := key("e1", 16, 1), key("e2", 32, 2), key("s1", 32, 3), key("s2", 32, 4)
	for _, f := range []transform.Format{transform.FormatCurrent, transform.FormatLegacy} {
		old := must(transform.NewEncrypt(encOpts("3", f, []transform.Key{e2}, []transform.Key{s2})))
		ring := must(transform.NewEncrypt(encOpts("3", f, []transform.Key{e1, e2}, []transform.Key{s1, s2})))
		v, _ := old.Write("a session value")
		p, info, err := ring.Read(v)
		if err != nil || p != "a session value" || info.KeyID != "e2" || info.SignKeyID != "s2" {
			t.Errorf("%s: %q %+v %v", f, p, info, err)
		}
		_, rw, _, err := ring.Rotate(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, info, _ := ring.Read(rw); info.KeyID != "e1" || info.SignKeyID != "s1" {
			t.Errorf("%s: rotated value under %+v", f, info)
		}
	}
}

func TestJavaUTF8Replacement(t *testing.T) {
	// decrypt to bytes with ill-formed UTF-8 and compare with Java's decoding
	ek, sk := key("e", 16, 1), key("s", 32, 2)
	for _, c := range []struct{ in, want string }{
		{"a\xffb", "a\uFFFDb"},
		{"\xe2\x82A", "\uFFFDA"},               // truncated 3-byte sequence: one U+FFFD
		{"\xe0\x80\x80", "\uFFFD\uFFFD\uFFFD"}, // E0 80: not a valid second byte
		{"\xed\xa0\x80", "\uFFFD"},             // an encoded surrogate: ONE U+FFFD in the JDK (String.decodeUTF8_UTF16 replaces the 3 bytes at once)
		{"\xf0\x9f\x98", "\uFFFD"},
		{"\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
	} {
		e := must(transform.NewEncrypt(encOpts("3", "", []transform.Key{ek}, []transform.Key{sk})))
		w, _ := e.Write(c.in)
		p, info, err := e.Read(w)
		if err != nil || p != c.want || len(info.Quirks) == 0 {
			t.Errorf("%q: %q %v %v", c.in, p, info.Quirks, err)
		}
	}
}

func TestChainErrors(t *testing.T) {
	m := must(transform.NewMAC([]transform.Key{key("m", 32, 1)}, "", "3"))
	e := must(transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1)}, SignKeys: []transform.Key{key("s", 32, 2)}}))
	c := transform.Chain{e, m}
	w, err := c.Write("hello")
	if err != nil {
		t.Fatal(err)
	}
	p, layers, err := c.Read(w)
	if err != nil || p != "hello" || len(layers) != 2 || layers[0].Step != 2 || layers[0].Transform != "mac" || layers[1].Transform != "encrypt" {
		t.Fatalf("%q %+v %v", p, layers, err)
	}
	// break the encrypt layer under a valid MAC
	inner := w[:strings.LastIndexByte(w, '/')]
	flip := "0"
	if inner[40] == '0' {
		flip = "1" // the IV is random: make sure the hex digit really changes
	}
	broken := inner[:40] + flip + inner[41:]
	bw, _ := transform.Chain{m}.Write(broken)
	_, layers, err = c.Read(bw)
	var re *transform.ReadError
	if !errors.As(err, &re) || re.Step != 1 || re.Transform != "encrypt" || len(layers) != 2 || !layers[0].OK || layers[1].OK {
		t.Errorf("broken inner layer: %v %+v", err, layers)
	}
	if !strings.Contains(err.Error(), "step 1 (encrypt)") {
		t.Errorf("message %q", err)
	}
	if c.KtorCouldRead("1.0") || !c.KtorCouldRead("3") || !(transform.Chain{m}).KtorCouldRead("1.0") {
		t.Error("KtorCouldRead")
	}
	if p, _, err := (transform.Chain{}).Read("x"); p != "x" || err != nil {
		t.Error("empty chain")
	}
	if s := c.String(); s != "encrypt(AES-128,HmacSHA256,current), mac(HmacSHA256)" {
		t.Errorf("String %q", s)
	}
}

func TestDetect(t *testing.T) {
	m := must(transform.NewMAC([]transform.Key{key("m", 32, 1)}, "", "3"))
	m1 := must(transform.NewMAC([]transform.Key{key("m", 32, 1)}, "", "1.0"))
	d384 := must(transform.NewDigest("ktor", "", "1.6"))
	e := must(transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1)}, SignKeys: []transform.Key{key("s", 32, 2)}}))
	em, _ := transform.Chain{e, m}.Write("x")
	ev, _ := e.Write("x")
	mv, _ := m.Write("id=1")
	m1v, _ := m1.Write("id=1")
	dv, _ := d384.Write("id=1")
	for _, c := range []struct{ v, first string }{
		{mv, "mac(HmacSHA256)"},
		{m1v, "mac(HmacSHA1)"},
		{dv, "digest(SHA-384)"},
		{ev, "encrypt(AES,HmacSHA256,current)"},
		{em, "encrypt(AES,HmacSHA256,current), mac(HmacSHA256)"},
		{"0123456789abcdef0123456789abcdef", ""},
		{"", ""},
	} {
		got := transform.Detect(c.v)
		if len(got) == 0 || got[0].Chain != c.first {
			t.Errorf("Detect(%q) first %+v, want %q", c.v, got, c.first)
		}
	}
	got := transform.Detect(mv)
	if len(got) < 2 || got[1].Chain != "digest(SHA-256)" {
		t.Errorf("second guess for a 64-hex signature: %+v", got)
	}
}

func TestConcurrent(t *testing.T) {
	m := must(transform.NewMAC([]transform.Key{key("m", 32, 1), key("o", 32, 2)}, "", "3"))
	e := must(transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1)}, SignKeys: []transform.Key{key("s", 32, 2)}}))
	c := transform.Chain{e, m}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				v := strings.Repeat("x", g*7+i%50)
				w, err := c.Write(v)
				if err != nil {
					t.Error(err)
					return
				}
				if p, _, err := c.Read(w); err != nil || p != v {
					t.Errorf("%q: %q %v", v, p, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
