package webapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// Each case is one `sessionctl inspect` invocation: the page's Result of every token must be the
// CLI's --json line byte for byte, and its verdict the CLI's headline.
func TestAnalyzeIsCLI(t *testing.T) {
	// the MAC's last hex digit (Ktor 3 does not authenticate the IV: a flipped IV bit reads VALID)
	tampered := strings.Replace(exampleCookie, "e113;", "e114;", 1)
	legacy := "Cookie: LEGACY_SESSION=admin%3D%2523bot%26userId%3D%2523su-1%2F430536f5deb783dba4fede4e38ca89ce9d82fb789c377df0263dd45231185785; other=x"
	oneOffMAC := "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	for _, c := range []struct {
		name    string
		req     AnalyzeRequest
		args    []string // the CLI's flags; the input is given on stdin
		verdict []string
	}{
		{"example", AnalyzeRequest{Input: exampleCookie, Keys: Keys{Keyring: exampleKeyring}}, []string{"--keys", "KEYS"}, []string{"VALID"}},
		{"tampered", AnalyzeRequest{Input: tampered, Keys: Keys{Keyring: exampleKeyring}}, []string{"--keys", "KEYS"}, []string{"INVALID"}},
		{"no keys", AnalyzeRequest{Input: exampleCookie}, nil, []string{"UNVERIFIED"}},
		{"Cookie header, another cookie left out", AnalyzeRequest{Input: legacy, Keys: Keys{Keyring: exampleKeyring}}, []string{"--keys", "KEYS"}, []string{"VALID"}},
		{"provider given", AnalyzeRequest{Input: legacy, Keys: Keys{Keyring: exampleKeyring}, Provider: "USER_SESSION"}, []string{"--keys", "KEYS", "--provider", "USER_SESSION"}, []string{"INVALID", "INVALID"}},
		{"curl -i response", AnalyzeRequest{Input: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + exampleCookie + "\r\nSet-Cookie: LEGACY_SESSION=; Max-Age=0\r\n\r\nbody", Keys: Keys{Keyring: exampleKeyring}},
			[]string{"--keys", "KEYS"}, []string{"VALID", "INVALID"}},
		// the page has no storage (the CLI opens the provider's): a tracker = id provider without one reads alike
		{"tracker = id", AnalyzeRequest{Input: "C=0123456789abcdef0123456789abcdef", Keys: Keys{Keyring: "[providers.C]\ntracker = \"id\"\n"}}, []string{"--keys", "KEYS"}, []string{"VALID"}},
		{"bare, raw", AnalyzeRequest{Input: "a=%23i1/54690e4f66ff0fa3747a542fba25341327661a6610b668a1e735a375b28bfb62", Keys: Keys{Keyring: exampleKeyring}, Provider: "LEGACY_SESSION", Bare: true, Encoding: "raw"},
			[]string{"--keys", "KEYS", "--provider", "LEGACY_SESSION", "--bare", "--encoding", "raw"}, []string{"VALID"}},
		{"one-off MAC, Ktor 1.0", AnalyzeRequest{Input: "hello/27fa170a6751e1ae1ea9ffb371fc5837be4a745b", Keys: Keys{MACKeys: []string{oneOffMAC}, Ktor: "1.0"}, Bare: true, Encoding: "raw"},
			[]string{"--mac-key", oneOffMAC, "--ktor", "1.0", "--bare", "--encoding", "raw"}, []string{"VALID"}},
		{"one-off, wrong key", AnalyzeRequest{Input: "hello/27fa170a6751e1ae1ea9ffb371fc5837be4a745b", Keys: Keys{MACKeys: []string{strings.Repeat("ab", 32)}, Ktor: "1.0", Name: "S"}, Bare: true, Encoding: "raw"},
			[]string{"--mac-key", strings.Repeat("ab", 32), "--ktor", "1.0", "--name", "S", "--bare", "--encoding", "raw"}, []string{"INVALID"}},
		{"one-off digest", AnalyzeRequest{Input: "SESSION=x%2Fabc", Keys: Keys{DigestSalt: ptr("ktor"), Ktor: "1.6"}},
			[]string{"--digest-salt", "ktor", "--ktor", "1.6"}, []string{"INVALID"}},
		// --ktor: with a keyring every provider's release; without keys the release it is read as
		{"--ktor with a keyring", AnalyzeRequest{Input: exampleCookie, Keys: Keys{Keyring: exampleKeyring, Ktor: "3.0.0"}}, []string{"--keys", "KEYS", "--ktor", "3.0.0"}, []string{"VALID"}},
		{"--ktor 2.0.0 with a keyring", AnalyzeRequest{Input: legacy, Keys: Keys{Keyring: exampleKeyring, Ktor: "2.0.0"}, Provider: "LEGACY_SESSION"}, []string{"--keys", "KEYS", "--ktor", "2.0.0", "--provider", "LEGACY_SESSION"}, nil},
		{"--ktor without keys", AnalyzeRequest{Input: "S=a%3D%2523i1%2F00", Keys: Keys{Ktor: "1.0.0"}}, []string{"--ktor", "1.0.0"}, []string{"UNVERIFIED"}},
		{"--serializer with a keyring", AnalyzeRequest{Input: "Set-Cookie: LEGACY_SESSION=a%3D%2523i1%2F54690e4f66ff0fa3747a542fba25341327661a6610b668a1e735a375b28bfb62", Keys: Keys{Keyring: exampleKeyring, Serializer: "json"}},
			[]string{"--keys", "KEYS", "--serializer", "json"}, []string{"INVALID"}},
		{"hostile bytes", AnalyzeRequest{Input: "Set-Cookie: X=<img src=x onerror=alert(1)>%ZZ\x00; Domain=<b>"}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.req.Now = testNow
			resp := Analyze(c.req)
			if resp.Error != nil {
				t.Fatalf("page: %+v", resp.Error)
			}
			args := append([]string{"inspect", "--json", "--now", testNow}, c.args...)
			for i, a := range args {
				if a == "KEYS" {
					args[i] = keysFile(t, c.req.Keys.Keyring)
				}
			}
			_, out, errs := cli(t, c.req.Input, append(args, "-")...)
			lines := jsonLines(t, out)
			if len(lines) != len(resp.Tokens) {
				t.Fatalf("CLI printed %d tokens, the page %d\n%s%s", len(lines), len(resp.Tokens), out, errs)
			}
			for i, tok := range resp.Tokens {
				if string(tok.Result) != lines[i] {
					t.Errorf("token %d:\npage %s\ncli  %s", i, tok.Result, lines[i])
				}
			}
			// the verdicts: the headline of the CLI's human output
			_, human, _ := cli(t, c.req.Input, append(append([]string{"inspect"}, args[2:]...), "-")...)
			var heads []string
			for _, l := range strings.Split(human, "\n") {
				if l != "" && !strings.HasPrefix(l, " ") {
					f := strings.Fields(l)
					heads = append(heads, strings.Join(f[1:], " "))
				}
			}
			for i, tok := range resp.Tokens {
				if i >= len(heads) || heads[i] != tok.Verdict {
					t.Errorf("token %d: verdict %s, CLI headlines %v", i, tok.Verdict, heads)
				}
				if c.verdict != nil && tok.Verdict != c.verdict[i] {
					t.Errorf("token %d: verdict %s, want %s", i, tok.Verdict, c.verdict[i])
				}
			}
		})
	}
}

// The analysis-wide errors are the CLI's refusals.
func TestAnalyzeErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		req  AnalyzeRequest
		kind string
		msg  string
	}{
		{"empty", AnalyzeRequest{Input: " \n"}, KindInput, "nothing to inspect"},
		{"no clock", AnalyzeRequest{Input: "x"}, KindUsage, "now: the clock is missing"},
		{"bad clock", AnalyzeRequest{Input: "x", Now: "yesterday"}, KindUsage, `now "yesterday"`},
		{"bad encoding", AnalyzeRequest{Input: "x", Encoding: "rot13"}, KindUsage, `encoding "rot13"`},
		{"provider without keyring", AnalyzeRequest{Input: "x", Provider: "P"}, KindUsage, "provider P given without a keyring"},
		{"keyring and one-off", AnalyzeRequest{Input: "x", Keys: Keys{Keyring: exampleKeyring, MACKeys: []string{"00"}}}, KindUsage, "either in a keyring or as one-off keys"},
		{"bad TOML", AnalyzeRequest{Input: "x", Keys: Keys{Keyring: "[keys.a]\nhex = "}}, KindKeyring, "keyring (pasted)"},
		{"unknown key", AnalyzeRequest{Input: "x", Keys: Keys{Keyring: "[keys.a]\nhexx = \"00\""}}, KindKeyring, "hexx"},
		{"no such provider", AnalyzeRequest{Input: "x", Keys: Keys{Keyring: exampleKeyring}, Provider: "NOPE"}, KindKeyring, `no provider "NOPE"`},
		{"env key: no environment here", AnalyzeRequest{Input: "P=x/00", Keys: Keys{Keyring: "[keys.k]\nenv = \"SECRET\"\n[providers.P]\n[[providers.P.transform]]\ntype = \"mac\"\nkeys = [\"k\"]\n"}}, KindKeyring, "SECRET"},
		{"file key: no files here", AnalyzeRequest{Input: "P=x/00", Keys: Keys{Keyring: "[keys.k]\nfile = \"/etc/k\"\n[providers.P]\n[[providers.P.transform]]\ntype = \"mac\"\nkeys = [\"k\"]\n"}}, KindKeyring, "not available here"},
		{"one-off key not hex", AnalyzeRequest{Input: "x", Keys: Keys{MACKeys: []string{"zz"}}}, KindKeyring, "MAC key #1: not hex"},
		{"unknown release", AnalyzeRequest{Input: "x", Keys: Keys{Ktor: "3.9.9"}}, KindUsage, "ktor: "},
		{"unknown release, keyring", AnalyzeRequest{Input: "x", Keys: Keys{Keyring: exampleKeyring, Ktor: "2.4.0"}}, KindUsage, "2.3.13"},
		{"--ktor 2 against a Ktor 3 option", AnalyzeRequest{Input: "x", Keys: Keys{Keyring: exampleKeyring, Ktor: "2"}, Provider: "USER_SESSION"}, KindKeyring, "has no backwardCompatibleRead"},
		{"serializer without keys", AnalyzeRequest{Input: "x", Keys: Keys{Serializer: "json"}}, KindUsage, "serializer given without a provider"},
		{"too big", AnalyzeRequest{Input: strings.Repeat("a", MaxInput+1)}, KindInput, "the page reads at most"},
		{"malformed header only", AnalyzeRequest{Input: "Set-Cookie: ;;;"}, KindInput, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.req.Now == "" && c.name != "no clock" {
				c.req.Now = testNow
			}
			resp := Analyze(c.req)
			if c.name == "malformed header only" {
				// what the CLI does with it, the page does: a token with an error, or a refusal
				if resp.Error == nil && len(resp.Tokens) == 0 {
					t.Fatal("neither an error nor a token")
				}
				return
			}
			if resp.Error == nil || resp.Error.Kind != c.kind || !strings.Contains(resp.Error.Message, c.msg) {
				t.Fatalf("error %+v, want kind %s containing %q", resp.Error, c.kind, c.msg)
			}
			if len(resp.Tokens) != 0 {
				t.Errorf("tokens with an error: %d", len(resp.Tokens))
			}
		})
	}
}

// The page's audit of a cookie is `sessionctl audit --json`'s.
func TestAuditIsCLI(t *testing.T) {
	for _, in := range []string{
		exampleCookie,
		// signed with Ktor's documentation key 6819b57a326945c1968f45236589
		"SESSION=" + knownKeyCookie(t),
		"Set-Cookie: S=abc%2Fdef; Max-Age=99999999",
	} {
		resp := Analyze(AnalyzeRequest{Input: in, Now: testNow, Audit: true})
		if resp.Error != nil || len(resp.Tokens) != 1 || resp.Tokens[0].Audit == nil {
			t.Fatalf("%q: %+v", in, resp)
		}
		got := *resp.Tokens[0].Audit
		_, out, errs := cli(t, "", "audit", "--json", "--now", testNow, in)
		lines := jsonLines(t, out)
		if len(lines) < 1 {
			t.Fatalf("audit printed nothing: %s", errs)
		}
		var want map[string]any
		json.Unmarshal([]byte(lines[0]), &want)
		delete(want, "where") // "argument 1": where the CLI found it
		gb, _ := json.Marshal(got)
		var g map[string]any
		json.Unmarshal(gb, &g)
		if a, b := mustJSONString(g), mustJSONString(want); a != b {
			t.Errorf("%q:\npage %s\ncli  %s", in, a, b)
		}
	}
}

func mustJSONString(v any) string { b, _ := json.Marshal(v); return string(b) }

func knownKeyCookie(t *testing.T) string {
	t.Helper()
	resp := Encode(EncodeRequest{Keys: Keys{MACKeys: []string{"6819b57a326945c1968f45236589"}}, Payload: ptr("name=%23sa"), Now: testNow})
	if resp.Error != nil || resp.Cookie == "" {
		t.Fatalf("%+v", resp)
	}
	return resp.Cookie
}

// The parsed keyring kept between calls is the one of the request: another text is parsed again,
// and a request without keys drops it.
func TestKeyringCache(t *testing.T) {
	other := strings.Replace(exampleKeyring, "212f0c01d57af6074bfbc4cb889c7d7cd262b05a89953c9e26bbcd5a0ea91ebf", strings.Repeat("ab", 32), 1)
	for i, c := range []struct {
		keys    Keys
		verdict string
	}{
		{Keys{Keyring: exampleKeyring}, "VALID"},
		{Keys{Keyring: exampleKeyring}, "VALID"},
		{Keys{Keyring: other}, "INVALID"}, // sign-2025 is another key now
		{Keys{}, "UNVERIFIED"},
		{Keys{Keyring: exampleKeyring}, "VALID"},
		{Keys{Keyring: "[keys.a]\nhex = "}, ""},
		{Keys{Keyring: exampleKeyring}, "VALID"},
	} {
		resp := Analyze(AnalyzeRequest{Input: exampleCookie, Keys: c.keys, Now: testNow})
		got := ""
		if len(resp.Tokens) == 1 {
			got = resp.Tokens[0].Verdict
		}
		if got != c.verdict {
			t.Errorf("request %d: %q, want %q (%+v)", i, got, c.verdict, resp.Error)
		}
		if c.keys.Keyring == "" && cache.kr != nil {
			t.Errorf("request %d without keys: a keyring is still kept", i)
		}
	}
	// a fixed IV for one encode is not the next one's
	req := EncodeRequest{Keys: Keys{Keyring: exampleKeyring}, Provider: "USER_SESSION", Payload: ptr("{}"), Now: testNow, IV: testIV}
	a := Encode(req)
	req.IV = ""
	b, c := Encode(req), Encode(req)
	if a.Value == b.Value || b.Value == c.Value || !strings.HasPrefix(a.Value, testIV) || strings.HasPrefix(b.Value, testIV) {
		t.Errorf("IVs: %s %s %s", a.Value[:32], b.Value[:32], c.Value[:32])
	}
}

// A pasted text with more tokens than the page analyzes: the first MaxTokens, and how many more.
func TestMaxTokens(t *testing.T) {
	var b strings.Builder
	b.WriteString("Cookie: ")
	for i := 0; i < MaxTokens+5; i++ {
		fmt.Fprintf(&b, "c%d=v; ", i)
	}
	resp := Analyze(AnalyzeRequest{Input: b.String(), Now: testNow})
	if resp.Error != nil || len(resp.Tokens) != MaxTokens || resp.Skipped != 5 {
		t.Errorf("%d tokens, %d skipped, %+v", len(resp.Tokens), resp.Skipped, resp.Error)
	}
}

// Quick is inspect's Result without the read across releases, and only that.
func TestQuick(t *testing.T) {
	full := Analyze(AnalyzeRequest{Input: exampleCookie, Keys: Keys{Keyring: exampleKeyring}, Now: testNow})
	quick := Analyze(AnalyzeRequest{Input: exampleCookie, Keys: Keys{Keyring: exampleKeyring}, Now: testNow, Quick: true})
	var f, q map[string]any
	json.Unmarshal(full.Tokens[0].Result, &f)
	json.Unmarshal(quick.Tokens[0].Result, &q)
	if f["releases"] == nil || q["releases"] != nil {
		t.Fatalf("releases: full %v, quick %v", f["releases"], q["releases"])
	}
	delete(f, "releases")
	if mustJSONString(f) != mustJSONString(q) {
		t.Errorf("quick differs beyond releases:\n%s\n%s", mustJSONString(f), mustJSONString(q))
	}
}
