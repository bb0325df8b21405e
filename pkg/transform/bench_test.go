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
