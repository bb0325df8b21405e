package commands

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// testdata/ktor/ktor-versions.json (a copy of ../shared/vectors/ktor-versions.json: vectors of the
// real Ktor 1.6.8, 2.0.0, 2.3.13 and 3.0.0, and a transcription of Ktor 3's kotlinx JSON), through
// the command line, each tag under its exact release (ktor = "2.0.0"), as ../shared/checks/ktor-versions
// drives it.

var versionTags = []struct{ sec, ktor string }{{"1_6_8", "1.6.8"}, {"2_0_0", "2.0.0"}, {"2_3_13", "2.3.13"}, {"3_0_0", "3.0.0"}}

func loadVersionVectors(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("../testdata/ktor/ktor-versions.json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func encryptSpec(p map[string]any) string {
	tr := "type = \"encrypt\"\nkeys = [\"e\"]\nsign_keys = [\"s\"]\n"
	if a := str(p, "signAlgorithm"); a != "" && a != "HmacSHA256" {
		tr += fmt.Sprintf("sign_algorithm = %q\n", a)
	}
	return tr
}

func TestKtorVersionsTransform(t *testing.T) {
	v := loadVersionVectors(t)
	for _, tag := range versionTags {
		for i, c := range section(t, v, "mac_"+tag.sec) {
			t.Run(fmt.Sprintf("mac_%s/%d", tag.sec, i), func(t *testing.T) {
				p := c["params"].(map[string]any)
				tr := "type = \"mac\"\nkeys = [\"k\"]\n"
				if d, _ := p["constructedWithDefaultAlgorithm"].(bool); !d {
					tr += fmt.Sprintf("algorithm = %q\n", p["algorithm"])
				}
				k := (&tkeyring{keys: map[string]string{"k": str(p, "keyHex")}, providers: []string{
					fmt.Sprintf("[providers.P]\nktor = %q\n[[providers.P.transform]]\n%s", tag.ktor, tr)}}).write(t)
				checkReads(t, k, readsOf(c, "P", "transformRead"))
				checkWrite(t, k, "P", str(c, "input"), "", str(c, "transformWrite"))
			})
		}
		for i, c := range section(t, v, "encrypt_"+tag.sec) {
			t.Run(fmt.Sprintf("encrypt_%s/%d", tag.sec, i), func(t *testing.T) {
				p := c["params"].(map[string]any)
				tr := encryptSpec(p)
				provs := []string{fmt.Sprintf("[providers.P]\nktor = %q\n[[providers.P.transform]]\n%s", tag.ktor, tr)}
				reads := readsOf(c, "P", "transformRead")
				if _, ok := c["transformReadBackwardCompatible"]; ok {
					provs = append(provs, fmt.Sprintf("[providers.B]\nktor = %q\n[[providers.B.transform]]\n%sbackward_compatible_read = true\n", tag.ktor, tr))
					reads = append(reads, readsOf(c, "B", "transformReadBackwardCompatible")...)
				}
				k := (&tkeyring{keys: map[string]string{"e": str(p, "encryptionKeyHex"), "s": str(p, "signKeyHex")}, providers: provs}).write(t)
				checkReads(t, k, reads)
				if w, ok := c["transformWrite"].(string); ok {
					checkWrite(t, k, "P", str(c, "input"), str(p, "ivHexUsedForWrite"), w)
				}
			})
		}
		for i, c := range section(t, v, "encrypt_"+tag.sec+"_construct") {
			t.Run(fmt.Sprintf("encrypt_%s_construct/%d", tag.sec, i), func(t *testing.T) {
				k := (&tkeyring{keys: map[string]string{"e": str(c, "encryptionKeyHex"), "s": str(c, "signKeyHex")}, providers: []string{
					fmt.Sprintf("[providers.P]\nktor = %q\n[[providers.P.transform]]\ntype = \"encrypt\"\nkeys = [\"e\"]\nsign_keys = [\"s\"]", tag.ktor)}}).write(t)
				code, out, _ := run(t, "", "encode", "--keys", k, "--provider", "P", "--payload=hello", "--encoding", "raw")
				_, threw := c["construct"].(map[string]any)
				if threw != (code != 0) {
					t.Errorf("%s: exit %d %q; Ktor's constructor threw: %v", c["case"], code, out, threw)
				}
			})
		}
		for i, c := range section(t, v, "chains_"+tag.sec) {
			t.Run(fmt.Sprintf("chains_%s/%d", tag.sec, i), func(t *testing.T) {
				keys, prov, iv := chainKeyring(c, tag.ktor)
				k := (&tkeyring{keys: keys, providers: []string{prov}}).write(t)
				checkReads(t, k, []vread{{"P", str(c, "transformWrite"), c["transformRead"], "chainRead"}})
				checkWrite(t, k, "P", str(c, "input"), iv, str(c, "transformWrite"))
			})
		}
	}
	for i, c := range section(t, v, "digest_1_6_8") {
		t.Run(fmt.Sprintf("digest_1_6_8/%d", i), func(t *testing.T) {
			p := c["params"].(map[string]any)
			tr := fmt.Sprintf("type = \"digest\"\nsalt = %q\n", p["salt"])
			if d, _ := p["constructedWithDefaults"].(bool); !d {
				tr += fmt.Sprintf("algorithm = %q\n", p["algorithm"])
			}
			k := (&tkeyring{providers: []string{"[providers.P]\nktor = \"1.6.8\"\n[[providers.P.transform]]\n" + tr}}).write(t)
			checkReads(t, k, readsOf(c, "P", "transformRead"))
			checkWrite(t, k, "P", str(c, "input"), "", str(c, "transformWrite"))
		})
	}
	for i, c := range section(t, v, "encrypt_3_0_0_legacy_reads") {
		t.Run(fmt.Sprintf("encrypt_3_0_0_legacy_reads/%d", i), func(t *testing.T) {
			p := c["params"].(map[string]any)
			tr := encryptSpec(p)
			k := (&tkeyring{keys: map[string]string{"e": str(p, "encryptionKeyHex"), "s": str(p, "signKeyHex")}, providers: []string{
				"[providers.P]\nktor = \"3.0.0\"\n[[providers.P.transform]]\n" + tr,
				"[providers.B]\nktor = \"3.0.0\"\n[[providers.B.transform]]\n" + tr + "backward_compatible_read = true\n"}}).write(t)
			val := str(c, "legacyTransportValue")
			checkReads(t, k, []vread{{"P", val, c["readBackwardCompatibleFalse"], "bcrFalse"}, {"B", val, c["readBackwardCompatibleTrue"], "bcrTrue"}})
		})
	}
}

// chainKeyring: the keyring of a chains_* case (the transformers of Ktor's list, in order).
func chainKeyring(c vcase, ktorVersion string) (map[string]string, string, string) {
	tr := regexp.MustCompile(`^(digest|mac|encrypt)\((.*)\)$`)
	keys := map[string]string{}
	prov := fmt.Sprintf("[providers.P]\nktor = %q\n", ktorVersion)
	iv := ""
	for n, d := range c["transformers"].([]any) {
		m := tr.FindStringSubmatch(d.(string))
		switch m[1] {
		case "digest":
			a := regexp.MustCompile(`salt (.*), (\S+)$`).FindStringSubmatch(m[2])
			prov += fmt.Sprintf("[[providers.P.transform]]\ntype = \"digest\"\nsalt = %q\nalgorithm = %q\n", a[1], a[2])
		case "mac":
			a := regexp.MustCompile(`(\S+) key ([0-9a-f]+)`).FindStringSubmatch(m[2])
			keys[fmt.Sprintf("m%d", n)] = a[2]
			prov += fmt.Sprintf("[[providers.P.transform]]\ntype = \"mac\"\nkeys = [\"m%d\"]\nalgorithm = %q\n", n, a[1])
		case "encrypt":
			e := regexp.MustCompile(`AES key ([0-9a-f]+)`).FindStringSubmatch(m[2])[1]
			s := regexp.MustCompile(`sign (\S+) key ([0-9a-f]+)`).FindStringSubmatch(m[2])
			var seed int
			fmt.Sscanf(regexp.MustCompile(`ivSeed (\d+)`).FindStringSubmatch(m[2])[1], "%d", &seed)
			keys[fmt.Sprintf("e%d", n)], keys[fmt.Sprintf("s%d", n)] = e, s[2]
			prov += fmt.Sprintf("[[providers.P.transform]]\ntype = \"encrypt\"\nkeys = [\"e%d\"]\nsign_keys = [\"s%d\"]\n", n, n)
			b := make([]byte, 16)
			for j := range b {
				b[j] = byte(j*13 + seed*101 + 3)
			}
			iv = fmt.Sprintf("%x", b)
		}
	}
	return keys, prov, iv
}

func TestKtorVersionsCookies(t *testing.T) {
	v := loadVersionVectors(t)
	for _, tag := range versionTags {
		for i, c := range section(t, v, "cookie_codecs_"+tag.sec) {
			e := encName[str(c, "encoding")]
			t.Run(fmt.Sprintf("cookie_codecs_%s/%d/%s", tag.sec, i, e), func(t *testing.T) {
				k := (&tkeyring{providers: []string{fmt.Sprintf("[providers.P]\nktor = %q\n[providers.P.cookie]\nencoding = %q", tag.ktor, e)}}).write(t)
				var reads []vread
				if in, ok := c["input"].(string); ok {
					if enc, ok := c["encode"].(string); ok {
						if dec, ok := c["decodeOfEncoded"].(string); ok {
							reads = append(reads, vread{"P", enc, dec, "decode(encode)"})
						}
					}
					if usable(in) {
						if e == "raw" {
							// RAW's encodeCookieValue: the value part of the provider's Set-Cookie line
							code, out, _ := run(t, "", "encode", "--keys", k, "--provider", "P", "--payload="+in, "--set-cookie", "--now", "1700000000")
							if want, ok := c["encode"].(string); ok {
								if code != 0 || !strings.HasPrefix(out, "Set-Cookie: P="+want+"; Max-Age=604800; ") {
									t.Errorf("RAW encode %q: exit %d %q, Ktor %q", in, code, out, want)
								}
							} else if code == 0 {
								t.Errorf("RAW encode %q: %q, Ktor refused", in, out)
							}
						} else {
							code, out, errs := run(t, "", "encode", "--keys", k, "--provider", "P", "--payload="+in, "--encoding", e)
							if want, ok := c["encode"].(string); ok {
								if got := strings.TrimSuffix(out, "\n"); code != 0 || got != want {
									t.Errorf("%s encode %q: exit %d %q, Ktor %q %s", e, in, code, got, want, errs)
								}
							} else if code == 0 {
								t.Errorf("%s encode %q: %q, Ktor refused", e, in, out)
							}
						}
					}
				} else {
					reads = append(reads, vread{"P", str(c, "decodeOnlyInput"), c["decode"], "decode"})
				}
				checkReadsEnc(t, k, e, reads)
			})
		}
		for i, c := range section(t, v, "set_cookie_"+tag.sec) {
			if str(c, "case") == "receive" {
				t.Run(fmt.Sprintf("set_cookie_%s/%d/receive", tag.sec, i), func(t *testing.T) {
					k := (&tkeyring{providers: []string{fmt.Sprintf("[providers.SESSION]\nktor = %q\n[providers.SESSION.cookie]\nencoding = %q", tag.ktor, encName[str(c, "encoding")])}}).write(t)
					h := "Cookie: " + str(c, "cookieHeader")
					checkVerify(t, k, "SESSION", h, c["receive"], nil)
				})
				continue
			}
			if _, ok := c["setCookie"]; !ok || !usable(str(c, "value")) {
				continue
			}
			t.Run(fmt.Sprintf("set_cookie_%s/%d", tag.sec, i), func(t *testing.T) {
				maxAge := "\"session\""
				if m, ok := c["maxAgeInSeconds"].(float64); ok {
					maxAge = fmt.Sprint(int64(m))
					if m == 0 {
						maxAge = "\"zero\"" // Ktor's literal maxAgeInSeconds = 0
					}
				}
				path := ""
				if p, ok := c["path"].(string); ok {
					path = p
				}
				cfg := fmt.Sprintf("[providers.%q]\nktor = %q\n[providers.%q.cookie]\nencoding = %q\nmax_age = %s\npath = %q\nsecure = %v\nhttp_only = %v\n",
					c["name"], tag.ktor, c["name"], encName[str(c, "encoding")], maxAge, path, c["secure"], c["httpOnly"])
				if d, ok := c["domain"].(string); ok {
					cfg += fmt.Sprintf("domain = %q\n", d)
				}
				want, _ := c["setCookie"].(string)
				if ext, ok := c["extensions"].(map[string]any); ok && len(ext) > 0 {
					var parts []string
					for _, name := range extOrder(want, ext) {
						if val, ok := ext[name].(string); ok {
							parts = append(parts, fmt.Sprintf("%q = %q", name, val))
						} else {
							parts = append(parts, fmt.Sprintf("%q = true", name))
						}
					}
					cfg += "extensions = { " + strings.Join(parts, ", ") + " }\n"
				}
				k := (&tkeyring{providers: []string{cfg}}).write(t)
				code, out, errs := run(t, "", "encode", "--keys", k, "--provider", c["name"].(string), "--payload="+str(c, "value"), "--set-cookie", "--now", "1700000000")
				got := strings.TrimPrefix(strings.TrimSuffix(out, "\n"), "Set-Cookie: ")
				if _, threw := c["setCookie"].(map[string]any); threw {
					if code == 0 {
						t.Errorf("%s: %q, Ktor threw", c["config"], got)
					}
					return
				}
				if code != 0 || got != want {
					t.Errorf("%s: exit %d\n got %q\nwant %q %s", c["config"], code, got, want, errs)
				}
			})
		}
	}
}

func checkReadsEnc(t *testing.T, keys, enc string, reads []vread) {
	t.Helper()
	for _, r := range reads {
		if !usable(r.value) {
			continue
		}
		checkVerify(t, keys, r.prov, r.value, r.want, []string{"--bare", "--encoding", enc})
	}
}

// checkVerify: verify reads value as Ktor did: a payload string, or no session (null / threw).
func checkVerify(t *testing.T, keys, prov, value string, want any, extra []string) {
	t.Helper()
	args := append([]string{"verify", "--keys", keys, "--provider", prov, "--json"}, extra...)
	_, out, errs := run(t, value+"\n", append(args, "-")...)
	var row struct {
		OK      bool    `json:"ok"`
		Payload *string `json:"payload"`
		Error   string  `json:"error"`
	}
	json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &row)
	w, wantOK := want.(string)
	if row.OK != wantOK || wantOK && (row.Payload == nil || *row.Payload != w) {
		t.Errorf("%q: ok=%v payload=%v (%s %s); Ktor %v", value, row.OK, row.Payload, row.Error, errs, want)
	}
}

func TestKtorVersionsSerializers(t *testing.T) {
	v := loadVersionVectors(t)
	for _, tag := range versionTags {
		prof := transform.Profile(tag.ktor)
		var serCases []vcase // none for 3.0.0, whose default is JSON: json_3_x and text_3_x_backward_compatible
		if _, ok := v["serializer_"+tag.sec]; ok {
			serCases = section(t, v, "serializer_"+tag.sec)
		}
		for i, c := range serCases {
			t.Run(fmt.Sprintf("serializer_%s/%d", tag.sec, i), func(t *testing.T) {
				s, ok := c["serialize"].(string)
				if !ok {
					return
				}
				// what Ktor wrote decodes, and writes back byte for byte, as that release
				val, err := serializer.DecodeText(s, prof)
				if err != nil {
					t.Fatalf("%s: %v", s, err)
				}
				if back, err := serializer.Encode(val, serializer.FormatText, prof); err != nil || back != s {
					t.Errorf("round trip of %s: %q, %v", s, back, err)
				}
				if fs, ok := kotlinFields(str(c, "deserializeToString")); ok {
					for name, want := range fs {
						f, found := val.Field(name)
						want = classPrefix.ReplaceAllString(want, "(") // a nested object's class name is not in the payload
						if !found || ktString(f) != want {
							t.Errorf("%s: %s = %q, Ktor %q", s, name, ktString(f), want)
						}
					}
				}
				for j, e := range c["deserializeEdge"].([]any) {
					e := e.(map[string]any)
					in := str(e, "input")
					if !usable(in) {
						continue
					}
					_, err := serializer.DecodeText(in, prof)
					if r, threw := e["resultToString"].(map[string]any); threw {
						msg := str(r, "error")
						if (strings.Contains(msg, "Bad serialized value") || strings.Contains(msg, "URLDecodeException") || strings.Contains(msg, "Unsupported")) && err == nil {
							t.Errorf("edge %d %q: decoded, Ktor: %s", j, in, msg)
						}
					} else if err != nil {
						t.Errorf("edge %d %q: %v, Ktor read %s", j, in, err, e["resultToString"])
					}
				}
			})
		}
		for i, c := range section(t, v, "pipelines_"+tag.sec) {
			t.Run(fmt.Sprintf("pipelines_%s/%d", tag.sec, i), func(t *testing.T) {
				ks, chain := c["keys"].(map[string]any), str(c, "transformers")
				keys := map[string]string{}
				prov := fmt.Sprintf("[providers.SESSION]\nktor = %q\n[providers.SESSION.cookie]\nencoding = %q\n", tag.ktor, encName[str(c, "encoding")])
				iv := ""
				if strings.Contains(chain, "encrypt") {
					keys["e"], keys["s"], iv = str(ks, "encKeyHex"), str(ks, "signKeyHex"), str(ks, "ivHex")
					prov += "[[providers.SESSION.transform]]\ntype = \"encrypt\"\nkeys = [\"e\"]\nsign_keys = [\"s\"]\n"
				}
				if strings.Contains(chain, "mac") {
					keys["m"] = str(ks, "macKeyHex")
					prov += "[[providers.SESSION.transform]]\ntype = \"mac\"\nkeys = [\"m\"]\n"
				}
				k := (&tkeyring{keys: keys, providers: []string{prov}}).write(t)
				checkVerify(t, k, "SESSION", "Set-Cookie: "+str(c, "setCookie"), str(c, "serialized"), nil)
				args := []string{"encode", "--keys", k, "--provider", "SESSION", "--payload=" + str(c, "serialized"), "--set-cookie", "--now", "1700000000"}
				if iv != "" {
					args = append(args, "--iv", iv)
				}
				code, out, errs := run(t, "", args...)
				if got := strings.TrimPrefix(strings.TrimSuffix(out, "\n"), "Set-Cookie: "); code != 0 || got != str(c, "setCookie") {
					t.Errorf("%s write: exit %d\n got %q\nwant %q %s", chain, code, got, str(c, "setCookie"), errs)
				}
			})
		}
	}
}

var classPrefix = regexp.MustCompile(`\b[A-Z]\w*\(`)

// kotlinFields reads the properties of a data class's toString, "C(a=1, b=x)", when no value
// holds ", " (where a split would be ambiguous).
func kotlinFields(s string) (map[string]string, bool) {
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return nil, false
	}
	out := map[string]string{}
	depth, start := 0, open+1
	body := s[:len(s)-1]
	for i := start; i <= len(body); i++ {
		if i < len(body) {
			switch body[i] {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
			}
		}
		if i == len(body) || depth == 0 && strings.HasPrefix(body[i:], ", ") {
			name, val, ok := strings.Cut(body[start:i], "=")
			if !ok {
				return nil, false
			}
			out[name] = val
			start = i + 2
		}
	}
	return out, true
}

// ktString is a decoded value as Kotlin's toString prints it (a nested object without its class
// name).
func ktString(v serializer.Value) string {
	switch v.Kind {
	case serializer.KindNull:
		return "null"
	case serializer.KindList, serializer.KindSet:
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			parts[i] = ktString(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case serializer.KindMap:
		var parts []string
		for i := 0; i+1 < len(v.Items); i += 2 {
			parts = append(parts, ktString(v.Items[i])+"="+ktString(v.Items[i+1]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case serializer.KindOptional:
		if len(v.Items) == 0 {
			return "Optional.empty"
		}
		return "Optional[" + ktString(v.Items[0]) + "]"
	case serializer.KindObject:
		var parts []string
		for _, f := range v.Fields {
			if f.Name != "$type" {
				parts = append(parts, f.Name+"="+ktString(f.Value))
			}
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return v.Text
}

func TestKtorVersionsJSON(t *testing.T) {
	v := loadVersionVectors(t)
	k := (&tkeyring{providers: []string{"[providers.P]\nktor = \"3.0.0\"", "[providers.J]\nktor = \"3.0.0\"\nserializer = \"json\""}}).write(t)
	for i, c := range section(t, v, "json_3_x") {
		t.Run(fmt.Sprintf("json_3_x/%d", i), func(t *testing.T) {
			if sets, ok := c["setArgs"].([]any); ok {
				args := []string{"encode", "--keys", k, "--provider", "P", "--encoding", "raw"}
				for _, a := range sets {
					args = append(args, "--set", a.(string))
				}
				code, out, errs := run(t, "", args...)
				if want, ok := c["serialize"].(string); ok {
					if got := strings.TrimSuffix(out, "\n"); code != 0 || got != want {
						t.Errorf("write %v: exit %d %q, Ktor %q %s", sets, code, got, want, errs)
					}
				} else if code == 0 {
					t.Errorf("write %v: %q, kotlinx refused", sets, out)
				}
			}
			want, ok := c["serialize"].(string)
			if !ok {
				return
			}
			code, out, errs := run(t, "", "encode", "--keys", k, "--provider", "P", "--encoding", "raw", "--from-json", want)
			if got := strings.TrimSuffix(out, "\n"); code != 0 || got != want {
				t.Errorf("re-encode: exit %d\n got %s\nwant %s %s", code, got, want, errs)
			}
			_, out, _ = run(t, want+"\n", "verify", "--keys", k, "--provider", "P", "--bare", "--encoding", "raw", "--json", "-")
			var row struct {
				OK      bool            `json:"ok"`
				Format  string          `json:"format"`
				Session json.RawMessage `json:"session"`
			}
			json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &row)
			if !row.OK || row.Format != "json" {
				t.Errorf("read %s: %s", want, out)
			}
		})
	}
	for i, c := range section(t, v, "json_3_x_decode") {
		if str(c, "kind") == "schema" {
			continue
		}
		t.Run(fmt.Sprintf("json_3_x_decode/%d", i), func(t *testing.T) {
			in := strings.TrimSpace(str(c, "input"))
			_, out, _ := run(t, in+"\n", "verify", "--keys", k, "--provider", "J", "--bare", "--encoding", "raw", "--json", "-")
			ok := strings.Contains(strings.SplitN(out, "\n", 2)[0], `"ok":true`)
			if _, accepted := c["resultToString"].(string); ok != accepted {
				t.Errorf("%s: ok=%v, kotlinx accepted: %v", in, ok, accepted)
			}
		})
	}
	// the two text serializers of Ktor 3, selectable by name
	for i, c := range section(t, v, "text_3_x_backward_compatible") {
		t.Run(fmt.Sprintf("text_3_x_backward_compatible/%d", i), func(t *testing.T) {
			name := "ktor-text"
			if strings.Contains(str(c, "serializer"), "KotlinxBackwardCompatible") {
				name = "backward-compatible"
			}
			args := []string{"encode", "--keys", k, "--provider", "P", "--serializer", name, "--encoding", "raw"}
			for _, a := range setArgs(t, str(c, "declaration"), str(c, "valueToString")) {
				args = append(args, "--set", a)
			}
			code, out, errs := run(t, "", args...)
			if got := strings.TrimSuffix(out, "\n"); code != 0 || got != str(c, "serialize") {
				t.Errorf("%s: exit %d %q, Ktor %q %s", name, code, got, str(c, "serialize"), errs)
			}
		})
	}
}

// setArgs: --set NAME:TYPE=VALUE for a simple data class, in declaration order.
func setArgs(t *testing.T, decl, value string) []string {
	t.Helper()
	fs, ok := kotlinFields(value)
	if !ok {
		t.Fatalf("cannot read %s", value)
	}
	var out []string
	for _, m := range regexp.MustCompile(`val (\w+): (\w+)`).FindAllStringSubmatch(decl, -1) {
		out = append(out, m[1]+":"+m[2]+"="+fs[m[1]])
	}
	return out
}
