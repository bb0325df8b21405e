package serializer

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

const vectorsPath = "../../../testdata/ktor/ktor-vectors.json"

type serializerCase struct {
	Source          string          `json:"source"`
	Class           string          `json:"class"`
	Declaration     string          `json:"declaration"`
	ValueToString   string          `json:"valueToString"`
	Serialize       string          `json:"serialize"`
	DeserializeTo   json.RawMessage `json:"deserializeToString"`
	RoundTripEquals bool            `json:"roundTripEquals"`
	DeserializeEdge []struct {
		Input  string          `json:"input"`
		Result json.RawMessage `json:"resultToString"`
	} `json:"deserializeEdge"`
}

type pipelineCase struct {
	Source        string `json:"source"`
	Declaration   string `json:"declaration"`
	ValueToString string `json:"valueToString"`
	Serialized    string `json:"serialized"`
}

func loadVectors(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("reading vectors: %v", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Go equivalents of the Kotlin classes of the vectors.
type SimpleSession struct {
	ID   int32 `ktor:"id"`
	Name string
}
type NumbersSession struct {
	I int32
	L int64
	D float64
	F float32
	B bool
	C Char
}
type StringSession struct{ S string }
type NullableSession struct {
	A *string
	B *int32
	C string
}
type OptionalSession struct {
	Present Optional[string]
	Empty   Optional[string]
}
type EmptyCollectionSession struct {
	Names []string
	Tags  Set[int32]
	Attrs OrderedMap[string, int32]
}
type UserSession struct {
	UserID     string `ktor:"userId"`
	Name       string
	Roles      []string
	LoginCount int32
	Admin      bool
}

var goClasses = map[string]reflect.Type{
	"SimpleSession":          reflect.TypeFor[SimpleSession](),
	"NumbersSession":         reflect.TypeFor[NumbersSession](),
	"StringSession":          reflect.TypeFor[StringSession](),
	"NullableSession":        reflect.TypeFor[NullableSession](),
	"OptionalSession":        reflect.TypeFor[OptionalSession](),
	"EmptyCollectionSession": reflect.TypeFor[EmptyCollectionSession](),
	"UserSession":            reflect.TypeFor[UserSession](),
}

// kotlinFields splits Kotlin's data class toString into its fields, in the
// declared order (a port of the acceptance check's kotlin_fields).
func kotlinFields(t *testing.T, decl, s string) map[string]string {
	t.Helper()
	inside := decl[strings.Index(decl, "(")+1 : strings.LastIndex(decl, ")")]
	var names []string
	depth, cur := 0, ""
	var parts []string
	for _, ch := range inside {
		switch ch {
		case '<', '(':
			depth++
		case '>', ')':
			depth--
		}
		if ch == ',' && depth == 0 {
			parts = append(parts, cur)
			cur = ""
			continue
		}
		cur += string(ch)
	}
	if strings.TrimSpace(cur) != "" {
		parts = append(parts, cur)
	}
	for _, p := range parts {
		w := strings.Fields(p)
		names = append(names, strings.TrimSuffix(w[1], ":"))
	}
	body := s[strings.Index(s, "(")+1 : len(s)-1]
	out := map[string]string{}
	for i, n := range names {
		if !strings.HasPrefix(body, n+"=") {
			t.Fatalf("toString %q does not start with %s=", body, n)
		}
		body = body[len(n)+1:]
		if i+1 < len(names) {
			j := strings.Index(body, ", "+names[i+1]+"=")
			out[n], body = body[:j], body[j+2:]
		} else {
			out[n] = body
		}
	}
	return out
}

// kt renders one of our JSON values as Kotlin's toString would (a port of
// the check's kt + same_kotlin).
func kt(v Value) string {
	switch v.Kind {
	case KindJSONNull:
		return "null"
	case KindJSONBool, KindJSONString:
		return v.Text
	case KindJSONNumber:
		if !strings.ContainsAny(v.Text, ".eE") {
			return v.Text
		}
		f, _ := parseJavaDouble(v.Text)
		return formatJavaDouble(f)
	case KindJSONArray:
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			parts[i] = kt(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case KindJSONObject:
		parts := make([]string, len(v.Fields))
		for i, f := range v.Fields {
			parts[i] = f.Name + "=" + kt(f.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "?" + string(v.Kind)
}

func sameKotlin(want string, got Value) bool {
	norm := want
	if strings.HasPrefix(norm, "Optional[") && strings.HasSuffix(norm, "]") {
		norm = norm[len("Optional[") : len(norm)-1]
	}
	if norm == "Optional.empty" {
		norm = "null"
	}
	return kt(got) == norm
}

// checkSessionJSON decodes payload schema-less, renders it with
// Value.MarshalJSON and compares every field with Kotlin's toString.
func checkSessionJSON(t *testing.T, payload string, p transform.Profile, decl, toString string) {
	t.Helper()
	v, err := DecodeText(payload, p)
	if err != nil {
		t.Fatalf("DecodeText(%q): %v", payload, err)
	}
	js, err := v.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	if !json.Valid(js) {
		t.Fatalf("MarshalJSON gave invalid JSON %s", js)
	}
	tree, err := DecodeJSON(string(js))
	if err != nil {
		t.Fatalf("DecodeJSON(%s): %v", js, err)
	}
	for name, want := range kotlinFields(t, decl, toString) {
		got, ok := tree.Field(name)
		if !ok {
			t.Errorf("field %s missing from %s", name, js)
			continue
		}
		if !sameKotlin(want, got) {
			t.Errorf("field %s: Kotlin %q, we %q (JSON %s)", name, want, kt(got), js)
		}
	}
}

func TestKtorSerializer100(t *testing.T) {
	var cases []serializerCase
	if err := json.Unmarshal(loadVectors(t)["serializer_1_0_0"], &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no serializer_1_0_0 cases")
	}
	for i, c := range cases {
		t.Run(c.Class+"/"+strconv.Itoa(i), func(t *testing.T) {
			var back string
			_ = json.Unmarshal(c.DeserializeTo, &back)
			if back != "" {
				checkSessionJSON(t, c.Serialize, "1.0", c.Declaration, back)
			}
			typ, ok := goClasses[c.Class]
			if !ok {
				t.Skipf("no Go equivalent of %s", c.Class)
			}
			pv := reflect.New(typ)
			if err := UnmarshalText(c.Serialize, pv.Interface()); err != nil {
				t.Fatalf("UnmarshalText(%q): %v", c.Serialize, err)
			}
			got, err := MarshalText(pv.Interface(), "1.0")
			if err != nil {
				t.Fatalf("MarshalText: %v", err)
			}
			if got != c.Serialize {
				t.Errorf("MarshalText:\n got %s\nwant %s", got, c.Serialize)
			}
			for j, e := range c.DeserializeEdge {
				var want string
				isErr := json.Unmarshal(e.Result, &want) != nil
				pv := reflect.New(typ)
				err := UnmarshalText(e.Input, pv.Interface())
				if isErr {
					if err == nil {
						t.Errorf("edge %d %q: Ktor failed (%s), we read %+v", j, e.Input, e.Result, pv.Elem().Interface())
					} else if de := (*DecodeError)(nil); !errors.As(err, &de) {
						t.Errorf("edge %d: error %v is not a *DecodeError", j, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("edge %d %q: Ktor read %s, we failed: %v", j, e.Input, want, err)
					continue
				}
				checkSessionJSON(t, e.Input, "1.0", c.Declaration, want)
			}
		})
	}
}

func TestKtorPipelinesSerialized(t *testing.T) {
	m := loadVectors(t)
	for _, sec := range []string{"pipelines_1_0_0", "pipelines_head"} {
		var cases []pipelineCase
		if err := json.Unmarshal(m[sec], &cases); err != nil {
			t.Fatal(err)
		}
		decl := ""
		for i, c := range cases {
			if c.Declaration != "" {
				decl = c.Declaration
			}
			if decl == "" {
				decl = "data class UserSession(val userId: String, val name: String, val roles: List<String>, val loginCount: Int, val admin: Boolean)"
			}
			p := transform.Profile("1.0")
			if sec == "pipelines_head" {
				p = "3"
			}
			t.Run(sec+"/"+strconv.Itoa(i), func(t *testing.T) {
				checkSessionJSON(t, c.Serialized, p, decl, c.ValueToString)
				var u UserSession
				if err := UnmarshalText(c.Serialized, &u); err != nil {
					t.Fatal(err)
				}
				got, err := MarshalText(&u, "1.0")
				if err != nil || got != c.Serialized {
					t.Errorf("MarshalText = %q, %v; want %q", got, err, c.Serialized)
				}
			})
		}
	}
}
