package transform_test

import (
	"testing"

	"github.com/gorilla/securecookie"
)

// gorilla/securecookie, the closest Go peer, on the same payload with
// comparable protection: hash key only (HMAC-SHA256) against our MAC, hash +
// block key (AES-CTR + HMAC-SHA256) against our encrypt. NopEncoder keeps its
// serializer out of the comparison. Run with:
//
//	go test -run '^$' -bench 'MAC|Encrypt|Securecookie' ./pkg/transform/
func securecookieCodec(block bool) *securecookie.SecureCookie {
	var bk []byte
	if block {
		bk = key("e", 16, 1).Bytes
	}
	s := securecookie.New(key("k", 32, 1).Bytes, bk)
	s.SetSerializer(securecookie.NopEncoder{})
	s.MaxLength(0)
	return s
}

func BenchmarkSecurecookie(b *testing.B) {
	for _, c := range []struct {
		name  string
		block bool
	}{{"hash", false}, {"hash+block", true}} {
		s := securecookie.New(nil, nil)
		_ = s
		b.Run("Encode/"+c.name, func(b *testing.B) {
			s := securecookieCodec(c.block)
			v := []byte(benchValue)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Encode("session", v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Decode/"+c.name, func(b *testing.B) {
			s := securecookieCodec(c.block)
			enc, err := s.Encode("session", []byte(benchValue))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				var out []byte
				if err := s.Decode("session", enc, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
