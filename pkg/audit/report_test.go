package audit

import (
	"testing"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
)

func TestFindings(t *testing.T) {
	rnd := mustHex("8f1e3c5a7b9d2f4e6a8c0b1d3f5e7a9c8f1e3c5a7b9d2f4e6a8c0b1d3f5e7a9c")
	rnd16 := mustHex("8f1e3c5a7b9d2f4e6a8c0b1d3f5e7a9c")
	now := time.Date(2023, 11, 21, 22, 13, 20, 0, time.UTC)
	sc := func(line string) *codec.SetCookie {
		s, err := codec.ParseSetCookie(line)
		if err != nil {
			t.Fatal(err)
		}
		return &s
	}
	i64 := func(n int64) *int64 { return &n }
	far := now.Add(90 * 24 * time.Hour)
	tests := []struct {
		name      string
		in        Input
		want, not []string
	}{
		{"digest", Input{Value: digestCookie("id=#s1", "ktor", "SHA-256"), Encoding: codec.Raw},
			[]string{"digest-transformer", "known-key"}, []string{"hmac-sha1", "readable-personal-data"}},
		{"hmac sha1 by length", Input{Value: macCookie(`{"count":1}`, rnd, "HmacSHA1")},
			[]string{"hmac-sha1"}, []string{"hmac-md5", "digest-transformer", "known-key"}},
		{"hmac md5 by length", Input{Value: macCookie(`{"count":1}`, rnd, "HmacMD5")}, []string{"hmac-md5"}, []string{"hmac-sha1"}},
		{"hmac sha256 is fine", Input{Value: macCookie(`{"count":1}`, rnd, "HmacSHA256")}, nil,
			[]string{"hmac-md5", "hmac-sha1", "readable-personal-data", "digest-transformer", "unsigned-session"}},
		{"legacy encrypt", Input{Value: encCookie(`{"count":1}`, mustHex("00112233445566778899aabbccddeeff"), mustHex("6819b57a326945c1968f45236589"), fixedIV(1), "HmacSHA256", true)},
			[]string{"encrypt-legacy-format", "known-key"}, []string{"encrypt-iv-unauthenticated", "encrypt-format-unknown"}},
		{"current encrypt", Input{Value: encCookie(`{"count":1}`, rnd16, mustHex("6819b57a326945c1968f45236589"), fixedIV(1), "HmacSHA256", false)},
			[]string{"encrypt-iv-unauthenticated"}, []string{"encrypt-legacy-format"}},
		{"unknown encrypt format", Input{Value: encCookie(`{"count":1}`, rnd16, rnd, fixedIV(1), "HmacSHA256", false)},
			[]string{"encrypt-format-unknown"}, []string{"encrypt-legacy-format", "encrypt-iv-unauthenticated", "known-key"}},
		{"pii under mac", Input{Value: macCookie(`{"email":"bob@example.com","count":1}`, rnd, "HmacSHA256")},
			[]string{"readable-personal-data"}, nil},
		{"pii in ktor text", Input{Value: macCookie("user=%23salice%40example.com&token=%23sabc", rnd, "HmacSHA256"), Encoding: codec.Raw},
			[]string{"readable-personal-data"}, nil},
		{"no pii under encryption", Input{Value: encCookie(`{"email":"bob@example.com"}`, rnd16, rnd, fixedIV(1), "HmacSHA256", false)},
			nil, []string{"readable-personal-data"}},
		{"unsigned session", Input{Value: "count=%23i1&name=%23sBob", Encoding: codec.Raw}, []string{"unsigned-session", "readable-personal-data"}, nil},
		{"session id", Input{Value: "0123456789abcdef0123456789abcdef"}, nil, []string{"unsigned-session", "readable-personal-data"}},
		{"uppercase signature", Input{Value: "x/" + "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"}, []string{"signature-uppercase"}, nil},
		{"set-cookie all bad", Input{Value: "abc", SetCookie: sc("S=abc; Max-Age=31536000; Path=/")},
			[]string{"long-max-age", "cookie-not-secure", "cookie-not-httponly", "cookie-no-samesite"}, nil},
		{"set-cookie expires far", Input{Value: "abc", SetCookie: &codec.SetCookie{Name: "S", Raw: "abc", Expires: &far, Secure: true, HTTPOnly: true,
			Extensions: []codec.Extension{{Name: "SameSite"}}}}, []string{"long-max-age"}, []string{"cookie-not-secure", "cookie-not-httponly", "cookie-no-samesite"}},
		{"set-cookie good", Input{Value: "abc", SetCookie: sc("S=abc; Max-Age=604800; Path=/; Secure; HttpOnly; SameSite=Lax")},
			nil, []string{"long-max-age", "cookie-not-secure", "cookie-not-httponly", "cookie-no-samesite"}},
		{"set-cookie clear", Input{Value: "abc", SetCookie: &codec.SetCookie{Name: "S", Raw: "abc", MaxAge: i64(0)}},
			nil, []string{"cookie-not-secure"}},
		{"plain cookie header has no attribute findings", Input{Value: "abc", Source: "cookie"}, nil, []string{"cookie-not-secure", "long-max-age"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := NewTarget(tc.in, Options{Now: now})
			tg.CrackKnown()
			r := tg.Report()
			for _, id := range tc.want {
				if !hasFinding(r, id) {
					t.Errorf("missing %s in %+v", id, r.Findings)
				}
			}
			for _, id := range tc.not {
				if hasFinding(r, id) {
					t.Errorf("unexpected %s in %+v", id, r.Findings)
				}
			}
			for i := 1; i < len(r.Findings); i++ {
				if severityRank(r.Findings[i].Severity) < severityRank(r.Findings[i-1].Severity) {
					t.Errorf("findings not sorted by severity: %+v", r.Findings)
				}
			}
		})
	}
}

func TestCookieDecoding(t *testing.T) {
	v := macCookie(payload, mustHex("6819b57a326945c1968f45236589"), "HmacSHA256")
	enc, err := codec.Encode(v, codec.URI, "3")
	if err != nil {
		t.Fatal(err)
	}
	tg := NewTarget(Input{Value: enc}, Options{})
	tg.CrackKnown()
	r := tg.Report()
	if r.Decoding != "uri" || r.Value != v || r.Key == nil || r.Key.ID != "ktor-docs-sign" {
		t.Fatalf("%+v", r)
	}
	// $x-enc names the encoding
	b64, _ := codec.Encode(v, codec.Base64, "3")
	tg = NewTarget(Input{Value: b64, SetCookie: &codec.SetCookie{Name: "S", Raw: b64, Encoding: codec.Base64}}, Options{})
	tg.CrackKnown()
	if r := tg.Report(); r.Key == nil {
		t.Fatalf("base64 cookie not cracked: %+v", r)
	}
}
