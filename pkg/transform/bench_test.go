package transform_test

import (
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// A ~120-byte session value, as Ktor's reflection serializer writes it.
var benchValue = "id=%23s" + strings.Repeat("0123456789abcdef", 2) + "&user=%23salice&roles=%23cl%2523sadmin%2526%2523suser&count=%23i42&t=%23l1700000000"

func benchMAC(b *testing.B) *transform.MAC {
	return must(transform.NewMAC([]transform.Key{key("k", 32, 1)}, "HmacSHA256", "3"))
}

func benchEnc(f transform.Format) *transform.Encrypt {
	return must(transform.NewEncrypt(transform.EncryptOptions{EncKeys: []transform.Key{key("e", 16, 1)},
		SignKeys: []transform.Key{key("s", 32, 2)}, Format: f, Profile: "3"}))
}

func BenchmarkMACWrite(b *testing.B) {
	m := benchMAC(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchValue)))
	for b.Loop() {
		if _, err := m.Write(benchValue); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMACRead(b *testing.B) {
	m := benchMAC(b)
	w, _ := m.Write(benchValue)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchValue)))
	for b.Loop() {
		if _, _, err := m.Read(w); err != nil {
			b.Fatal(err)
		}
	}
}

// Rotation [new, old] of a value signed with old: two HMACs.
func BenchmarkMACRotate(b *testing.B) {
	old := benchMAC(b)
	ring := must(transform.NewMAC([]transform.Key{key("new", 32, 5), key("k", 32, 1)}, "HmacSHA256", "3"))
	w, _ := old.Write(benchValue)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := ring.Rotate(w); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncryptWrite(b *testing.B) {
	for _, f := range []transform.Format{transform.FormatCurrent, transform.FormatLegacy} {
		b.Run(string(f), func(b *testing.B) {
			e := benchEnc(f)
			b.ReportAllocs()
			b.SetBytes(int64(len(benchValue)))
			for b.Loop() {
				if _, err := e.Write(benchValue); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncryptRead(b *testing.B) {
	for _, f := range []transform.Format{transform.FormatCurrent, transform.FormatLegacy} {
		b.Run(string(f), func(b *testing.B) {
			e := benchEnc(f)
			w, _ := e.Write(benchValue)
			b.ReportAllocs()
			b.SetBytes(int64(len(benchValue)))
			for b.Loop() {
				if _, _, err := e.Read(w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDigestWrite(b *testing.B) {
	d := must(transform.NewDigest("ktor", "SHA-256", "1.0"))
	b.ReportAllocs()
	for b.Loop() {
		d.Write(benchValue)
	}
}

func BenchmarkDigestRead(b *testing.B) {
	d := must(transform.NewDigest("ktor", "SHA-256", "1.0"))
	w, _ := d.Write(benchValue)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := d.Read(w); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChainRead(b *testing.B) {
	c := transform.Chain{benchEnc(transform.FormatCurrent), benchMAC(b)}
	w, _ := c.Write(benchValue)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Read(w); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetect(b *testing.B) {
	w, _ := benchMAC(b).Write(benchValue)
	b.ReportAllocs()
	for b.Loop() {
		transform.Detect(w)
	}
}

func BenchmarkMACAppendRotate(b *testing.B) {
	old := benchMAC(b)
	ring := must(transform.NewMAC([]transform.Key{key("new", 32, 5), key("k", 32, 1)}, "HmacSHA256", "3"))
	w, _ := old.Write(benchValue)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, _, err = ring.AppendRotate(buf[:0], w); err != nil {
			b.Fatal(err)
		}
	}
}

// legacyFailures: a legacy value whose padding is invalid and one whose padding is valid but
// whose MAC does not match (the two failures a padding oracle tells apart).
func legacyFailures(b testing.TB, e *transform.Encrypt) (badPadding, badMAC string) {
	w, err := e.Write(benchValue)
	if err != nil {
		b.Fatal(err)
	}
	iv, rest, _ := strings.Cut(w, "/")
	ct, mac, _ := strings.Cut(rest, ":")
	// CBC: flipping a bit of the second-to-last ciphertext block flips the same bit of the last
	// plaintext block, where the padding is
	i := len(ct) - 32 - 1
	flip := map[byte]byte{'0': '1', '1': '0', '2': '3', '3': '2', '4': '5', '5': '4', '6': '7', '7': '6', '8': '9', '9': '8',
		'a': 'b', 'b': 'a', 'c': 'd', 'd': 'c', 'e': 'f', 'f': 'e'}
	badPadding = iv + "/" + ct[:i] + string(flip[ct[i]]) + ct[i+1:] + ":" + mac
	badMAC = iv + "/" + ct + ":" + string(flip[mac[0]]) + mac[1:]
	return badPadding, badMAC
}

// The two failures of a legacy read cost the same: the MAC is computed whether or not the padding
// is valid (compare the ns/op of the two sub-benchmarks).
func BenchmarkEncryptLegacyFailure(b *testing.B) {
	e := benchEnc(transform.FormatLegacy)
	badPadding, badMAC := legacyFailures(b, e)
	for _, c := range []struct{ name, v string }{{"bad-padding", badPadding}, {"bad-mac", badMAC}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if _, _, err := e.Read(c.v); err == nil {
					b.Fatal("read")
				}
			}
			// CPU time per read: steadier than ns/op where other work shares the cores
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}
