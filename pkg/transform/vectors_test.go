package transform_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// The Ktor vectors: a verbatim copy of ../shared/vectors/ktor-vectors.json.
const vectorsPath = "../../testdata/ktor/ktor-vectors.json"

type readCase struct {
	Case           string          `json:"case"`
	TransportValue string          `json:"transportValue"`
	Result         json.RawMessage `json:"result"`
}

type tcase struct {
	Source                          string            `json:"source"`
	Case                            string            `json:"case"`
	Note                            string            `json:"note"`
	Params                          map[string]any    `json:"params"`
	Input                           *string           `json:"input"`
	TransformWrite                  json.RawMessage   `json:"transformWrite"`
	TransformRead                   json.RawMessage   `json:"transformRead"`
	TransformReadBackwardCompatible []readCase        `json:"transformReadBackwardCompatible"`
	Construct                       map[string]string `json:"construct"`
	IVRequestedSizes                []int             `json:"ivRequestedSizes"`
	// legacy reads
	LegacyTransportValue        string          `json:"legacyTransportValue"`
	ReadBackwardCompatibleFalse json.RawMessage `json:"readBackwardCompatibleFalse"`
	ReadBackwardCompatibleTrue  json.RawMessage `json:"readBackwardCompatibleTrue"`
	// chains
	Transformers              []string        `json:"transformers"`
	ReversedListTransformRead json.RawMessage `json:"reversedListTransformRead"`
}

func loadVectors(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func section(t *testing.T, v map[string]json.RawMessage, name string) []tcase {
	t.Helper()
	var cs []tcase
	if err := json.Unmarshal(v[name], &cs); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(cs) == 0 {
		t.Fatalf("%s: no cases", name)
	}
	return cs
}

// result decodes a read result: a string (ok) or null / {"error":...} (no session).
func result(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seedIV is the vectors' FixedIv(seed): as many bytes as asked for.
func seedIV(seed int) transform.IVSource {
	return func(size int) ([]byte, error) {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i*13 + seed*101 + 3)
		}
		return b, nil
	}
}

// checkRead runs one read case against Ktor's result.
func checkRead(t *testing.T, tr interface {
	Read(string) (string, transform.ReadInfo, error)
}, rc readCase, raw json.RawMessage) {
	t.Helper()
	want, ok := result(raw)
	got, info, err := tr.Read(rc.TransportValue)
	if ok {
		if err != nil {
			t.Errorf("%s: Ktor read %q, we failed: %v", rc.Case, want, err)
		} else if got != want {
			t.Errorf("%s: payload %q, Ktor %q", rc.Case, got, want)
		}
		return
	}
	if err == nil {
		t.Errorf("%s: Ktor returned no session, we read %q (info %+v)", rc.Case, got, info)
		return
	}
	var re *transform.ReadError
	if !errors.As(err, &re) {
		t.Errorf("%s: error %T is not *ReadError: %v", rc.Case, err, err)
	}
}

func TestKtorDigest(t *testing.T) {
	v := loadVectors(t)
	for i, c := range section(t, v, "digest_1_0_0") {
		t.Run(fmt.Sprintf("%d/%s/%q", i, str(c.Params, "algorithm"), *c.Input), func(t *testing.T) {
			alg := str(c.Params, "algorithm")
			if c.Params["constructedWithDefaults"] == true {
				alg = "" // exercise DefaultDigestAlgorithm(1.0)
			}
			d, err := transform.NewDigest(str(c.Params, "salt"), alg, transform.Profile("1.0.0"))
			if err != nil {
				t.Fatal(err)
			}
			w, _ := d.Write(*c.Input)
			if want, _ := result(c.TransformWrite); w != want {
				t.Errorf("write %q, Ktor %q", w, want)
			}
			var reads []readCase
			json.Unmarshal(c.TransformRead, &reads)
			for _, rc := range reads {
				checkRead(t, d, rc, rc.Result)
			}
		})
	}
}

func TestKtorMAC(t *testing.T) {
	v := loadVectors(t)
	for _, sec := range []struct {
		name string
		p    transform.Profile
	}{{"mac_1_0_0", transform.Profile("1.0.0")}, {"mac_head", transform.Profile3}} {
		for i, c := range section(t, v, sec.name) {
			t.Run(fmt.Sprintf("%s/%d/%s", sec.name, i, str(c.Params, "algorithm")), func(t *testing.T) {
				alg := str(c.Params, "algorithm")
				if c.Params["constructedWithDefaultAlgorithm"] == true {
					alg = ""
				}
				m, err := transform.NewMAC([]transform.Key{{ID: "k", Bytes: unhex(t, str(c.Params, "keyHex"))}}, alg, sec.p)
				if c.Construct != nil {
					var ce *transform.ConfigError
					if err == nil || !errors.As(err, &ce) || !errors.Is(err, transform.ErrConfig) {
						t.Fatalf("Ktor's constructor threw %q; we got %v", c.Construct["error"], err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if m.Algorithm() != str(c.Params, "algorithm") {
					t.Errorf("algorithm %s, Ktor %s", m.Algorithm(), str(c.Params, "algorithm"))
				}
				w, _ := m.Write(*c.Input)
				if want, _ := result(c.TransformWrite); w != want {
					t.Errorf("write %q, Ktor %q", w, want)
				}
				var reads []readCase
				json.Unmarshal(c.TransformRead, &reads)
				for _, rc := range reads {
					checkRead(t, m, rc, rc.Result)
					if rc.Case == "uppercaseSignature" {
						_, _, err := m.Read(rc.TransportValue)
						if !errors.Is(err, transform.ErrSignatureCase) {
							t.Errorf("uppercase signature: want ErrSignatureCase, got %v", err)
						}
					}
				}
			})
		}
	}
}

func encryptFor(t *testing.T, c tcase, p transform.Profile, f transform.Format, compat bool) (*transform.Encrypt, error) {
	var iv transform.IVSource
	if h := str(c.Params, "ivHexUsedForWrite"); h != "" && strings.Contains(c.Case, "ignores requested size") {
		iv = transform.FixedIV(unhex(t, h))
	} else if s, ok := c.Params["ivSeed"].(float64); ok {
		iv = seedIV(int(s))
	}
	return transform.NewEncrypt(transform.EncryptOptions{
		EncKeys:                []transform.Key{{ID: "e", Bytes: unhex(t, str(c.Params, "encryptionKeyHex"))}},
		SignKeys:               []transform.Key{{ID: "s", Bytes: unhex(t, str(c.Params, "signKeyHex"))}},
		EncAlgorithm:           str(c.Params, "encryptAlgorithm"),
		SignAlgorithm:          str(c.Params, "signAlgorithm"),
		Format:                 f,
		BackwardCompatibleRead: compat,
		IV:                     iv,
		Profile:                p,
	})
}

func TestKtorEncrypt(t *testing.T) {
	v := loadVectors(t)
	for _, sec := range []struct {
		name string
		p    transform.Profile
	}{{"encrypt_1_0_0", transform.Profile("1.0.0")}, {"encrypt_head", transform.Profile3}} {
		for i, c := range section(t, v, sec.name) {
			t.Run(fmt.Sprintf("%s/%d/%s", sec.name, i, str(c.Params, "signAlgorithm")), func(t *testing.T) {
				e, err := encryptFor(t, c, sec.p, "", false)
				if c.Construct != nil {
					if !errors.Is(err, transform.ErrConfig) {
						t.Fatalf("Ktor's constructor threw %q; we got %v", c.Construct["error"], err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if want := transform.DefaultEncryptFormat(sec.p); e.Format() != want {
					t.Errorf("format %s, want %s", e.Format(), want)
				}
				w, err := e.Write(*c.Input)
				if want, _ := result(c.TransformWrite); err != nil || w != want {
					t.Errorf("write %q (%v), Ktor %q", w, err, want)
				}
				var reads []readCase
				json.Unmarshal(c.TransformRead, &reads)
				for _, rc := range reads {
					checkRead(t, e, rc, rc.Result)
				}
				if len(c.TransformReadBackwardCompatible) > 0 {
					b, err := encryptFor(t, c, sec.p, "", true)
					if err != nil {
						t.Fatal(err)
					}
					for _, rc := range c.TransformReadBackwardCompatible {
						checkRead(t, b, rc, rc.Result)
					}
				}
			})
		}
	}
}

func TestKtorEncryptLegacyReads(t *testing.T) {
	v := loadVectors(t)
	for i, c := range section(t, v, "encrypt_head_legacy_reads") {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			for _, compat := range []bool{false, true} {
				e, err := encryptFor(t, c, transform.Profile3, transform.FormatCurrent, compat)
				if err != nil {
					t.Fatal(err)
				}
				raw := c.ReadBackwardCompatibleFalse
				if compat {
					raw = c.ReadBackwardCompatibleTrue
				}
				checkRead(t, e, readCase{Case: fmt.Sprintf("compat=%v", compat), TransportValue: c.LegacyTransportValue}, raw)
				if !compat {
					_, _, err := e.Read(c.LegacyTransportValue)
					if !errors.Is(err, transform.ErrOtherFormat) {
						t.Errorf("legacy value without backwardCompatibleRead: want ErrOtherFormat, got %v", err)
					}
				}
			}
			// the same value read as legacy by a 1.0 transformer
			l, err := encryptFor(t, c, transform.Profile("1.0.0"), transform.FormatLegacy, false)
			if err != nil {
				t.Fatal(err)
			}
			checkRead(t, l, readCase{Case: "legacy", TransportValue: c.LegacyTransportValue}, c.ReadBackwardCompatibleTrue)
		})
	}
}

func TestKtorEncryptConstruct(t *testing.T) {
	v := loadVectors(t)
	keys := map[string][]byte{"AES key of 8 bytes": make([]byte, 8), "AES key of 0 bytes": {}}
	for _, c := range section(t, v, "encrypt_head_construct") {
		t.Run(c.Case, func(t *testing.T) {
			k, ok := keys[c.Case]
			if !ok {
				t.Skipf("unknown construct case %q", c.Case)
			}
			_, err := transform.NewEncrypt(transform.EncryptOptions{
				EncKeys:  []transform.Key{{ID: "e", Bytes: k}},
				SignKeys: []transform.Key{{ID: "s", Bytes: []byte("sign")}},
				Profile:  transform.Profile3,
			})
			var ce *transform.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Ktor threw %q; we got %v", c.Construct["error"], err)
			}
		})
	}
}

var (
	reMac = regexp.MustCompile(`^mac\((\S+) key ([0-9a-f]+)\)$`)
	reDig = regexp.MustCompile(`^digest\(salt (.*), (\S+)\)$`)
	reEnc = regexp.MustCompile(`^encrypt\(AES key(?:=\S+ hex)? ([0-9a-f]+), sign (\S+) key ([0-9a-f]+), ivSeed (\d+)\)$`)
)

func buildChain(t *testing.T, descs []string, p transform.Profile) transform.Chain {
	t.Helper()
	var c transform.Chain
	for _, d := range descs {
		switch {
		case reMac.MatchString(d):
			m := reMac.FindStringSubmatch(d)
			tr, err := transform.NewMAC([]transform.Key{{ID: "m", Bytes: unhex(t, m[2])}}, m[1], p)
			if err != nil {
				t.Fatal(err)
			}
			c = append(c, tr)
		case reDig.MatchString(d):
			m := reDig.FindStringSubmatch(d)
			tr, err := transform.NewDigest(m[1], m[2], p)
			if err != nil {
				t.Fatal(err)
			}
			c = append(c, tr)
		case reEnc.MatchString(d):
			m := reEnc.FindStringSubmatch(d)
			seed, _ := strconv.Atoi(m[4])
			tr, err := transform.NewEncrypt(transform.EncryptOptions{
				EncKeys:  []transform.Key{{ID: "e", Bytes: unhex(t, m[1])}},
				SignKeys: []transform.Key{{ID: "s", Bytes: unhex(t, m[3])}}, SignAlgorithm: m[2],
				IV: seedIV(seed), Profile: p,
			})
			if err != nil {
				t.Fatal(err)
			}
			c = append(c, tr)
		default:
			t.Fatalf("unparsed transformer %q", d)
		}
	}
	return c
}

func TestKtorChains(t *testing.T) {
	v := loadVectors(t)
	for _, sec := range []struct {
		name string
		p    transform.Profile
	}{{"chains_1_0_0", transform.Profile("1.0.0")}, {"chains_head", transform.Profile3}} {
		for i, c := range section(t, v, sec.name) {
			t.Run(fmt.Sprintf("%s/%d", sec.name, i), func(t *testing.T) {
				ch := buildChain(t, c.Transformers, sec.p)
				w, err := ch.Write(*c.Input)
				if want, _ := result(c.TransformWrite); err != nil || w != want {
					t.Fatalf("write %q (%v), Ktor %q", w, err, want)
				}
				// Chain.Read is Ktor's reversed read; ReadInListOrder is 1.0.0's.
				reversed, listOrder := c.ReversedListTransformRead, c.TransformRead
				if sec.p == transform.Profile3 {
					reversed, listOrder = c.TransformRead, c.ReversedListTransformRead
				}
				checkRead(t, chainReader(ch.Read), readCase{Case: "read", TransportValue: w}, reversed)
				checkRead(t, chainReader(ch.ReadInListOrder), readCase{Case: "list-order read", TransportValue: w}, listOrder)
				_, ok := result(listOrder)
				if sec.p == transform.Profile("1.0.0") && ch.KtorCouldRead(sec.p) != ok {
					t.Errorf("KtorCouldRead = %v, Ktor 1.0.0 read it: %v", ch.KtorCouldRead(sec.p), ok)
				}
			})
		}
	}
}

type chainReader func(string) (string, []transform.Layer, error)

func (f chainReader) Read(v string) (string, transform.ReadInfo, error) {
	p, layers, err := f(v)
	var info transform.ReadInfo
	if len(layers) > 0 {
		info = layers[len(layers)-1].ReadInfo
	}
	return p, info, err
}
