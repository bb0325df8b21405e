package codec

import (
	"strings"
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// A typical Ktor session cookie: a 10-field text payload with a MAC, URI-encoded twice over.
var benchPayload = "admin=%23bot&loginCount=%23i17&name=%23sZo%C3%AB+O%27Brien&roles=%23cl%23sadmin%26%23sops%2Feu&userId=%23su-123" +
	"&theme=%23sdark&locale=%23sen_GB&cart=%23i3&lastSeen=%23l1700000000000&score=%23f3.5/e8ced3253e188911e7d785d55c7a7f8cc4b09127a17ce00cb8fc9d2b8e999c96"

func BenchmarkDecodeURI(b *testing.B) {
	enc, _ := Encode(benchPayload, URI, transform.Profile3)
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := Decode(enc, URI, transform.Profile3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeBase64Strict(b *testing.B) {
	enc, _ := Encode(benchPayload, Base64, transform.Profile3)
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := Decode(enc, Base64, transform.Profile3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeBase64Lenient(b *testing.B) {
	enc, _ := Encode(benchPayload, Base64, transform.Profile16)
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := Decode(enc, Base64, transform.Profile16); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeURI(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPayload)))
	for b.Loop() {
		if _, err := Encode(benchPayload, URI, transform.Profile3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderSetCookie(b *testing.B) {
	c := DefaultCookieConfig(transform.Profile3)
	c.Extensions = []Extension{{Name: "SameSite", Value: ptr("Lax")}}
	now := time.UnixMilli(1700000000000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderSetCookie("SESSION", benchPayload, c, now, transform.Profile3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSetCookie(b *testing.B) {
	line, _ := RenderSetCookie("SESSION", benchPayload, DefaultCookieConfig(transform.Profile3), time.UnixMilli(1700000000000), transform.Profile3)
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := ParseSetCookie(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCookieHeader(b *testing.B) {
	var h strings.Builder
	h.WriteString("Cookie: _ga=GA1.2.3.4; theme=dark; SESSION=")
	h.WriteString(benchPayload)
	h.WriteString("; csrf=\"abc;def\"")
	b.ReportAllocs()
	b.SetBytes(int64(h.Len()))
	for b.Loop() {
		if _, err := ParseCookieHeader(h.String()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExtractResponse(b *testing.B) {
	line, _ := RenderSetCookie("SESSION", benchPayload, DefaultCookieConfig(transform.Profile3), time.UnixMilli(1700000000000), transform.Profile3)
	resp := "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: " + line + "\r\nSet-Cookie: other=1\r\n\r\n<html></html>\r\n"
	b.ReportAllocs()
	b.SetBytes(int64(len(resp)))
	for b.Loop() {
		if _, err := Extract(resp, []string{"SESSION"}); err != nil {
			b.Fatal(err)
		}
	}
}
