package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
)

// wordlist makes n lines of random words with the given lines planted (1-based).
func wordlist(n int, seed int64, planted map[int]string) []byte {
	rnd := rand.New(rand.NewSource(seed))
	const alpha = "abcdefghijklmnopqrstuvwxyz0123456789-!"
	var b bytes.Buffer
	for i := 1; i <= n; i++ {
		if p, ok := planted[i]; ok {
			b.WriteString(p)
		} else {
			l := 6 + rnd.Intn(19)
			for j := 0; j < l; j++ {
				b.WriteByte(alpha[rnd.Intn(len(alpha))])
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func TestWordlistPlanted(t *testing.T) {
	planted := "ktor-prod-signing-2025!"
	aesKey := []byte("0123456789ABCDEF")                                          // 16 bytes of text
	signHex := "5b7a99b8d7f61534537291b0cfee0d2c4b6a89a8c7e60524436281a0bfdefd1c" // as hex
	signB64 := base64.StdEncoding.EncodeToString(mustHex(signHex))
	tests := []struct {
		name   string
		value  string
		lines  map[int]string
		want   map[string]int // role → line
		format string
	}{
		{"mac text", macCookie(payload, []byte(planted), "HmacSHA256"), map[int]string{41235: planted}, map[string]int{"mac": 41235}, ""},
		{"mac sha1 hex", macCookie(payload, mustHex(signHex), "HmacSHA1"), map[int]string{777: signHex}, map[string]int{"mac": 777}, ""},
		{"mac sha512 base64", macCookie(payload, mustHex(signHex), "HmacSHA512"), map[int]string{9000: signB64}, map[string]int{"mac": 9000}, ""},
		{"first hit wins", macCookie(payload, []byte(planted), "HmacSHA256"), map[int]string{30000: planted, 40000: planted}, map[string]int{"mac": 30000}, ""},
		{"digest salt", digestCookie(payload, planted, "SHA-256"), map[int]string{1234: planted}, map[string]int{"digest-salt": 1234}, ""},
		{"encrypt current", encCookie(payload, aesKey, mustHex(signHex), fixedIV(7), "HmacSHA256", false),
			map[int]string{20000: string(aesKey), 30000: signHex}, map[string]int{"encrypt": 20000, "sign": 30000}, "current"},
		// the sign key comes before the encryption key: the legacy MAC needs the plaintext, so a second pass finds it
		{"encrypt legacy, sign key first", encCookie(payload, aesKey, mustHex(signHex), fixedIV(8), "HmacSHA256", true),
			map[int]string{100: signB64, 45000: string(aesKey)}, map[string]int{"encrypt": 45000, "sign": 100}, "legacy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := NewTarget(Input{Value: tc.value, Encoding: codec.Raw}, Options{})
			tg.CrackKnown()
			if tg.Report().Key != nil {
				t.Fatal("cracked before the wordlist")
			}
			wl := wordlist(50000, 3, tc.lines)
			p, err := CrackWordlist(context.Background(), []*Target{tg}, bytes.NewReader(wl), WordlistOptions{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			r := tg.Report()
			got := map[string]int{}
			for _, k := range append(r.Keys, derefKey(r.Key)...) {
				got[k.Role] = k.Line
				if k.Text != tc.lines[k.Line] {
					t.Errorf("%s: text %q, want %q", k.Role, k.Text, tc.lines[k.Line])
				}
				if tc.format != "" && k.Format != tc.format {
					t.Errorf("%s: format %q, want %q", k.Role, k.Format, tc.format)
				}
			}
			for role, line := range tc.want {
				if got[role] != line {
					t.Errorf("%s found at line %d, want %d (progress %+v)", role, got[role], line, p)
				}
			}
			if !hasFinding(r, "wordlist-key") || !r.Failed() {
				t.Errorf("no wordlist-key finding: %+v", r.Findings)
			}
		})
	}
}

func TestWordlistStopsEarlyAndNoFalseHit(t *testing.T) {
	planted := "early-key"
	tg := NewTarget(Input{Value: macCookie(payload, []byte(planted), "HmacSHA256")}, Options{})
	wl := wordlist(200000, 5, map[int]string{10: planted})
	p, err := CrackWordlist(context.Background(), []*Target{tg}, bytes.NewReader(wl), WordlistOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Stopped || p.Lines >= 200000 {
		t.Errorf("did not stop early: %+v", p)
	}
	miss := NewTarget(Input{Value: macCookie(payload, []byte("not-in-the-list"), "HmacSHA256")}, Options{})
	p, err = CrackWordlist(context.Background(), []*Target{miss}, bytes.NewReader(wordlist(5000, 6, nil)), WordlistOptions{})
	if err != nil || p.Stopped || p.Lines != 5000 || miss.Report().Key != nil {
		t.Errorf("miss: %+v %v %+v", p, err, miss.Report().Key)
	}
}

func TestWordlistLongLinesAndCRLF(t *testing.T) {
	key := "crlf-key"
	long := strings.Repeat("x", 600<<10) // longer than the reader's buffer
	wl := "a\r\n" + long + "\r\n" + key + "\r\n"
	tg := NewTarget(Input{Value: macCookie(payload, []byte(key), "HmacSHA256")}, Options{})
	if _, err := CrackWordlist(context.Background(), []*Target{tg}, strings.NewReader(wl), WordlistOptions{}); err != nil {
		t.Fatal(err)
	}
	if k := tg.Report().Key; k == nil || k.Line != 3 || k.Text != key {
		t.Fatalf("key %+v, want line 3", k)
	}
}

type errReader struct{ n int }

func (e *errReader) Read(p []byte) (int, error) {
	if e.n > 0 {
		e.n--
		return copy(p, "word\n"), nil
	}
	return 0, fmt.Errorf("disk on fire")
}

func TestWordlistReadError(t *testing.T) {
	tg := NewTarget(Input{Value: macCookie(payload, []byte("zzz"), "HmacSHA256")}, Options{})
	_, err := CrackWordlist(context.Background(), []*Target{tg}, &errReader{n: 3}, WordlistOptions{})
	var we *WordlistError
	if !errAs(err, &we) || !errIs(err, ErrWordlist) {
		t.Fatalf("err = %v", err)
	}
}

func TestWordlistCancel(t *testing.T) {
	tg := NewTarget(Input{Value: macCookie(payload, []byte("zzz"), "HmacSHA256")}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := CrackWordlist(ctx, []*Target{tg}, bytes.NewReader(wordlist(1000, 1, nil)), WordlistOptions{})
	if !errIs(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestForms(t *testing.T) {
	if b, ok := hexForm([]byte("00ff"), nil); !ok || hex.EncodeToString(b) != "00ff" {
		t.Error("hex")
	}
	if _, ok := hexForm([]byte("0g"), nil); ok {
		t.Error("bad hex accepted")
	}
	for _, s := range []string{"AAECAwQFBgc=", "AAECAwQFBgc", "_-_-_-_-"} {
		if _, ok := base64Form([]byte(s), make([]byte, 0, 64)); !ok {
			t.Errorf("base64 %q refused", s)
		}
	}
	if _, ok := base64Form([]byte("not base64!"), nil); ok {
		t.Error("bad base64 accepted")
	}
}

// BenchmarkWordlist measures the dictionary rate on every core: candidates
// per second for a MAC cookie and for an encrypt cookie (no hit: the whole
// list is tried).
func BenchmarkWordlist(b *testing.B) {
	wl := wordlist(100000, 9, nil)
	for _, bc := range []struct {
		name, value string
	}{
		{"mac-HmacSHA256", macCookie(payload, []byte("not-there"), "HmacSHA256")},
		{"encrypt-current", encCookie(payload, []byte("0123456789abcdeX"), []byte("not-there"), fixedIV(1), "HmacSHA256", false)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var cands int64
			for i := 0; i < b.N; i++ {
				tg := NewTarget(Input{Value: bc.value, Encoding: codec.Raw}, Options{})
				p, err := CrackWordlist(context.Background(), []*Target{tg}, bytes.NewReader(wl), WordlistOptions{})
				if err != nil {
					b.Fatal(err)
				}
				cands += p.Candidates
			}
			b.ReportMetric(float64(cands)/b.Elapsed().Seconds(), "candidates/s")
		})
	}
}

var _ = io.EOF
