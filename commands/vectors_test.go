package commands

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// The Ktor vectors of testdata/ktor through the command line, as a user would drive it:
// `verify --bare --encoding raw --json` for reads, `encode --iv` for writes, `encode --set-cookie`
// for Set-Cookie lines, `verify` of whole Set-Cookie lines for pipelines.

type vcase = map[string]any

func loadVectors(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("../testdata/ktor/ktor-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func section(t *testing.T, v map[string]json.RawMessage, name string) []vcase {
	var out []vcase
	if err := json.Unmarshal(v[name], &out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

type tkeyring struct {
	keys      map[string]string
	providers []string
}

func (k *tkeyring) write(t *testing.T) string {
	var b strings.Builder
	ids := make([]string, 0, len(k.keys))
	for id := range k.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, "[keys.%q]\nhex = %q\n\n", id, k.keys[id])
	}
	for _, p := range k.providers {
		b.WriteString(p + "\n")
	}
	p := filepath.Join(t.TempDir(), "keys.toml")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type vread struct {
	prov, value string
	want        any // string payload or nil (no session)
	label       string
}

func usable(s string) bool { return s != "" && utf8.ValidString(s) && !strings.ContainsAny(s, "\n\r") }

func checkReads(t *testing.T, keys string, reads []vread) {
	t.Helper()
	byProv := map[string][]vread{}
	var order []string
	for _, r := range reads {
		if !usable(r.value) || strings.TrimSpace(r.value) == "" {
			continue
		}
		if _, ok := byProv[r.prov]; !ok {
			order = append(order, r.prov)
		}
		byProv[r.prov] = append(byProv[r.prov], r)
	}
	for _, prov := range order {
		rs := byProv[prov]
		var in strings.Builder
		for _, r := range rs {
			in.WriteString(r.value + "\n")
		}
		_, out, errs := run(t, in.String(), "verify", "--keys", keys, "--provider", prov, "--bare", "--encoding", "raw", "--json", "-")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != len(rs)+1 {
			t.Fatalf("provider %s: %d output lines for %d tokens: %s", prov, len(lines), len(rs), errs)
		}
		for i, r := range rs {
			var row struct {
				OK      bool    `json:"ok"`
				Payload *string `json:"payload"`
				Error   string  `json:"error"`
			}
			if err := json.Unmarshal([]byte(lines[i]), &row); err != nil {
				t.Fatalf("%s: %v: %s", r.label, err, lines[i])
			}
			want, wantOK := r.want.(string)
			if row.OK != wantOK {
				t.Errorf("%s %q: ok=%v, Ktor: %v (%s)", r.label, r.value, row.OK, r.want, row.Error)
				continue
			}
			if wantOK && r.label != "tamperedIv" && (row.Payload == nil || *row.Payload != want) {
				t.Errorf("%s: payload %v, Ktor %q", r.label, row.Payload, want)
			}
		}
	}
}

func checkWrite(t *testing.T, keys, prov, input, iv, want string) {
	t.Helper()
	if !utf8.ValidString(input) || strings.ContainsAny(input, "\n\r") {
		return
	}
	args := []string{"encode", "--keys", keys, "--provider", prov, "--payload=" + input, "--encoding", "raw"}
	if iv != "" {
		args = append(args, "--iv", iv)
	}
	code, out, errs := run(t, "", args...)
	if got := strings.TrimSuffix(out, "\n"); code != 0 || got != want {
		t.Errorf("write %q: exit %d %q, Ktor %q %s", input, code, got, want, errs)
	}
}

func readsOf(c vcase, prov, field string) []vread {
	var out []vread
	rs, _ := c[field].([]any)
	for _, x := range rs {
		r := x.(map[string]any)
		out = append(out, vread{prov, r["transportValue"].(string), r["result"], r["case"].(string)})
	}
	return out
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func TestKtorVectorsTransformThroughCLI(t *testing.T) {
	v := loadVectors(t)
	for i, c := range section(t, v, "digest_1_0_0") {
		t.Run(fmt.Sprintf("digest_1_0_0/%d", i), func(t *testing.T) {
			p := c["params"].(map[string]any)
			k := (&tkeyring{providers: []string{fmt.Sprintf("[providers.P]\nktor = \"1.0.0\"\n[[providers.P.transform]]\ntype = \"digest\"\nsalt = %q\nalgorithm = %q", p["salt"], p["algorithm"])}}).write(t)
			checkReads(t, k, readsOf(c, "P", "transformRead"))
			checkWrite(t, k, "P", str(c, "input"), "", str(c, "transformWrite"))
		})
	}
	for _, sec := range []struct{ name, ktor string }{{"mac_1_0_0", "1.0.0"}, {"mac_head", "3"}} {
		for i, c := range section(t, v, sec.name) {
			p, _ := c["params"].(map[string]any)
			if _, ok := c["construct"]; ok || str(p, "keyHex") == "" {
				continue
			}
			t.Run(fmt.Sprintf("%s/%d", sec.name, i), func(t *testing.T) {
				k := (&tkeyring{keys: map[string]string{"k": str(p, "keyHex")}, providers: []string{fmt.Sprintf("[providers.P]\nktor = %q\n[[providers.P.transform]]\ntype = \"mac\"\nkeys = [\"k\"]\nalgorithm = %q", sec.ktor, p["algorithm"])}}).write(t)
				checkReads(t, k, readsOf(c, "P", "transformRead"))
				checkWrite(t, k, "P", str(c, "input"), "", str(c, "transformWrite"))
			})
		}
	}
	for _, sec := range []struct{ name, ktor, format string }{{"encrypt_1_0_0", "1.0.0", "legacy"}, {"encrypt_head", "3", "current"}} {
		for i, c := range section(t, v, sec.name) {
			if _, ok := c["transformWrite"].(string); !ok {
				continue
			}
			t.Run(fmt.Sprintf("%s/%d", sec.name, i), func(t *testing.T) {
				p := c["params"].(map[string]any)
				tr := fmt.Sprintf("type = \"encrypt\"\nkeys = [\"e\"]\nsign_keys = [\"s\"]\nformat = %q\nsign_algorithm = %q", sec.format, p["signAlgorithm"])
				k := (&tkeyring{keys: map[string]string{"e": str(p, "encryptionKeyHex"), "s": str(p, "signKeyHex")}, providers: []string{
					fmt.Sprintf("[providers.P]\nktor = %q\n[[providers.P.transform]]\n%s", sec.ktor, tr),
					fmt.Sprintf("[providers.B]\nktor = %q\n[[providers.B.transform]]\n%s\nbackward_compatible_read = true", sec.ktor, tr)}}).write(t)
				checkReads(t, k, append(readsOf(c, "P", "transformRead"), readsOf(c, "B", "transformReadBackwardCompatible")...))
				checkWrite(t, k, "P", str(c, "input"), str(p, "ivHexUsedForWrite"), str(c, "transformWrite"))
			})
		}
	}
	for i, c := range section(t, v, "encrypt_head_legacy_reads") {
		t.Run(fmt.Sprintf("encrypt_head_legacy_reads/%d", i), func(t *testing.T) {
			p := c["params"].(map[string]any)
			tr := fmt.Sprintf("type = \"encrypt\"\nkeys = [\"e\"]\nsign_keys = [\"s\"]\nformat = \"current\"\nsign_algorithm = %q", p["signAlgorithm"])
			k := (&tkeyring{keys: map[string]string{"e": str(p, "encryptionKeyHex"), "s": str(p, "signKeyHex")}, providers: []string{
				"[providers.P]\nktor = \"3\"\n[[providers.P.transform]]\n" + tr,
				"[providers.B]\nktor = \"3\"\n[[providers.B.transform]]\n" + tr + "\nbackward_compatible_read = true"}}).write(t)
			val := str(c, "legacyTransportValue")
			checkReads(t, k, []vread{{"P", val, c["readBackwardCompatibleFalse"], "compatFalse"}, {"B", val, c["readBackwardCompatibleTrue"], "compatTrue"}})
		})
	}
	tr := regexp.MustCompile(`^(digest|mac|encrypt)\((.*)\)$`)
	for _, sec := range []struct{ name, ktor string }{{"chains_1_0_0", "1.0.0"}, {"chains_head", "3"}} {
		for i, c := range section(t, v, sec.name) {
			t.Run(fmt.Sprintf("%s/%d", sec.name, i), func(t *testing.T) {
				keys := map[string]string{}
				prov := fmt.Sprintf("[providers.P]\nktor = %q\n", sec.ktor)
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
						ek := regexp.MustCompile(`hex ([0-9a-f]+)|AES key ([0-9a-f]+)`).FindStringSubmatch(m[2])
						e := ek[1] + ek[2]
						s := regexp.MustCompile(`sign (\S+) key ([0-9a-f]+)`).FindStringSubmatch(m[2])
						var seed int
						fmt.Sscanf(regexp.MustCompile(`ivSeed (\d+)`).FindStringSubmatch(m[2])[1], "%d", &seed)
						keys[fmt.Sprintf("e%d", n)], keys[fmt.Sprintf("s%d", n)] = e, s[2]
						format, size := "current", 16
						if sec.ktor == "1.0.0" {
							format, size = "legacy", len(e)/2
						}
						prov += fmt.Sprintf("[[providers.P.transform]]\ntype = \"encrypt\"\nkeys = [\"e%d\"]\nsign_keys = [\"s%d\"]\nsign_algorithm = %q\nformat = %q\n", n, n, s[1], format)
						b := make([]byte, size)
						for j := range b {
							b[j] = byte(j*13 + seed*101 + 3)
						}
						iv = fmt.Sprintf("%x", b)
					}
				}
				k := (&tkeyring{keys: keys, providers: []string{prov}}).write(t)
				want := c["transformRead"]
				if sec.ktor == "1.0.0" {
					want = c["reversedListTransformRead"]
				}
				checkReads(t, k, []vread{{"P", str(c, "transformWrite"), want, "chainRead"}})
				checkWrite(t, k, "P", str(c, "input"), iv, str(c, "transformWrite"))
			})
		}
	}
}

var encName = map[string]string{"URI_ENCODING": "uri", "BASE64_ENCODING": "base64", "DQUOTES": "dquotes", "RAW": "raw"}

func TestKtorVectorsCodecsThroughCLI(t *testing.T) {
	v := loadVectors(t)
	for _, sec := range []struct{ name, ktor string }{{"cookie_codecs_1_0_0", "1.0.0"}, {"cookie_codecs_head", "3"}} {
		for i, c := range section(t, v, sec.name) {
			enc, ok1 := c["encode"].(string)
			dec, ok2 := c["decodeOfEncoded"].(string)
			if !ok1 || !ok2 || !usable(enc) || strings.TrimSpace(enc) == "" || c["encoding"] == "BASE64_ENCODING" && sec.ktor == "3" {
				continue
			}
			t.Run(fmt.Sprintf("%s/%d", sec.name, i), func(t *testing.T) {
				e := encName[c["encoding"].(string)]
				k := (&tkeyring{providers: []string{fmt.Sprintf("[providers.P]\nktor = %q\n[providers.P.cookie]\nencoding = %q", sec.ktor, e)}}).write(t)
				_, out, errs := run(t, enc+"\n", "verify", "--keys", k, "--provider", "P", "--bare", "--encoding", e, "--json", "-")
				var row struct{ Payload *string }
				json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &row)
				if row.Payload == nil || *row.Payload != dec {
					t.Errorf("decode %s %q: got %v, Ktor %q %s", e, enc, row.Payload, dec, errs)
				}
			})
		}
	}
	for _, sec := range []struct{ name, ktor string }{{"set_cookie_1_0_0", "1.0.0"}, {"set_cookie_head", "3"}} {
		for i, c := range section(t, v, sec.name) {
			want, ok := c["setCookie"].(string)
			if _, named := c["name"]; !ok || !named || !usable(str(c, "value")) {
				continue
			}
			maxAge, _ := c["maxAgeSeconds"].(float64)
			if m, ok := c["maxAgeInSeconds"].(float64); ok {
				maxAge = m
			}
			if maxAge == 0 || c["path"] == nil && sec.ktor != "1.0.0" {
				continue
			}
			t.Run(fmt.Sprintf("%s/%d", sec.name, i), func(t *testing.T) {
				cfg := fmt.Sprintf("[providers.%q]\nktor = %q\n[providers.%q.cookie]\nencoding = %q\nmax_age = %d\nsecure = %v\nhttp_only = %v\n",
					c["name"], sec.ktor, c["name"], encName[c["encoding"].(string)], int64(maxAge), c["secure"], c["httpOnly"])
				if d, ok := c["domain"].(string); ok {
					cfg += fmt.Sprintf("domain = %q\n", d)
				}
				if p, ok := c["path"].(string); ok {
					cfg += fmt.Sprintf("path = %q\n", p)
				}
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
				if got := strings.TrimPrefix(strings.TrimSuffix(out, "\n"), "Set-Cookie: "); code != 0 || got != want {
					t.Errorf("exit %d\n got %q\nwant %q %s", code, got, want, errs)
				}
			})
		}
	}
	for _, sec := range []struct{ name, ktor string }{{"pipelines_1_0_0", "1.0.0"}, {"pipelines_head", "3"}} {
		for i, c := range section(t, v, sec.name) {
			t.Run(fmt.Sprintf("%s/%d", sec.name, i), func(t *testing.T) {
				ks := c["keys"].(map[string]any)
				chain := c["transformers"].(string)
				keys := map[string]string{}
				prov := fmt.Sprintf("[providers.SESSION]\nktor = %q\nserializer = \"ktor-text\"\n", sec.ktor)
				if strings.Contains(chain, "encrypt") {
					e := str(ks, "encKeyHex")
					if e == "" {
						e = str(ks, "enc128KeyHex")
					}
					if strings.Contains(chain, "AES-256") {
						e = str(ks, "enc256KeyHex")
					}
					format := "current"
					if sec.ktor == "1.0.0" {
						format = "legacy"
					}
					keys["e"], keys["s"] = e, str(ks, "signKeyHex")
					prov += fmt.Sprintf("[[providers.SESSION.transform]]\ntype = \"encrypt\"\nkeys = [\"e\"]\nsign_keys = [\"s\"]\nformat = %q\n", format)
				}
				if strings.Contains(chain, "mac(") {
					keys["m"] = str(ks, "macKeyHex")
					prov += "[[providers.SESSION.transform]]\ntype = \"mac\"\nkeys = [\"m\"]\nalgorithm = \"HmacSHA256\"\n"
				}
				k := (&tkeyring{keys: keys, providers: []string{prov}}).write(t)
				_, out, errs := run(t, "Set-Cookie: "+str(c, "setCookie")+"\n", "verify", "--keys", k, "--provider", "SESSION", "--json", "-")
				var row struct {
					OK      bool           `json:"ok"`
					Session map[string]any `json:"session"`
				}
				json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &row)
				if !row.OK || row.Session["userId"] == nil || row.Session["loginCount"] == nil {
					t.Errorf("%s: ok=%v session=%v %s", chain, row.OK, row.Session, errs)
				}
			})
		}
	}
}

// extOrder: the extensions in the order Ktor rendered them.
func extOrder(line string, ext map[string]any) []string {
	names := make([]string, 0, len(ext))
	for n := range ext {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return strings.Index(line, "; "+names[i]) < strings.Index(line, "; "+names[j]) })
	return names
}
