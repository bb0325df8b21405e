package serializer

import "testing"

// a typical 10-field session as Ktor 1.x writes it
const typical10 = "admin=%23bot&cart=%23cl%23sA-17%26%23sB-4%26%23sC-99&csrf=%23s9f86d081884c7d659a2feaa0c55ad015" +
	"&expires=%23l1700000000000&lang=%23sen-GB&loginCount=%23i17&name=%23sZo%C3%AB+O%27Brien" +
	"&roles=%23cl%23sadmin%26%23sops%2Feu&score=%23f12.5&userId=%23su-123"

type typicalSession struct {
	Admin      bool
	Cart       []string
	Csrf       string
	Expires    int64
	Lang       string
	LoginCount int32
	Name       string
	Roles      []string
	Score      float64
	UserID     string `ktor:"userId"`
}

func BenchmarkDecodeText10Fields(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(typical10)))
	for b.Loop() {
		if _, err := DecodeText(typical10, "1.0"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalText10Fields(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var s typicalSession
		if err := UnmarshalText(typical10, &s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalText10Fields(b *testing.B) {
	var s typicalSession
	if err := UnmarshalText(typical10, &s); err != nil {
		b.Fatal(err)
	}
	if got, err := MarshalText(&s, "1.0"); err != nil || got != typical10 {
		b.Fatalf("MarshalText = %q, %v", got, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalText(&s, "1.0"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTextJSON10Fields(b *testing.B) {
	v, _ := DecodeText(typical10, "1.0")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}
