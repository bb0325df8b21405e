package serializer

import (
	"errors"
	"reflect"
	"testing"
)

// The examples of kotlinx.serialization's own documentation of each option
// (formats/json/commonMain/src/kotlinx/serialization/json/Json.kt, the KDoc
// of JsonBuilder.encodeDefaults, explicitNulls and ignoreUnknownKeys, at
// Kotlin/kotlinx.serialization 370c4e3780). Kotlin defaults other than the
// zero value cannot be declared on a Go field, so encodeDefaults' example
// has language = "" instead of "kotlin".

// projectDefault is `class Project(val name: String, val language: String = "")`.
type projectDefault struct {
	Name     string
	Language string `ktor:",default"`
}

// projectNullable is `data class Project(val name: String, val description: String?)`.
type projectNullable struct {
	Name        string
	Description *string
}

// projectName is `data class Project(val name: String)`.
type projectName struct {
	Name string
}

func TestJSONOptionsKotlinxExamples(t *testing.T) {
	enc := func(v any, o JSONOptions) string {
		t.Helper()
		s, err := MarshalJSONWith(v, o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// encodeDefaults
	if got := enc(projectDefault{Name: "test-project"}, JSONOptions{}); got != `{"name":"test-project"}` {
		t.Errorf("Json: %s", got)
	}
	if got, _ := MarshalJSON(projectDefault{Name: "test-project"}); got != `{"name":"test-project"}` {
		t.Errorf("MarshalJSON: %s", got)
	}
	if got := enc(projectDefault{Name: "test-project"}, JSONOptions{EncodeDefaults: true}); got != `{"name":"test-project","language":""}` {
		t.Errorf("encodeDefaults: %s", got)
	}
	if got := enc(projectDefault{Name: "p", Language: "go"}, JSONOptions{}); got != `{"name":"p","language":"go"}` {
		t.Errorf("a value other than the default: %s", got)
	}
	var pd projectDefault
	if err := UnmarshalJSON(`{"name":"x"}`, &pd); err != nil || pd != (projectDefault{Name: "x"}) {
		t.Errorf("a field with a default may be absent: %+v %v", pd, err)
	}

	// explicitNulls
	if got := enc(projectNullable{Name: "unknown"}, JSONOptions{}); got != `{"name":"unknown","description":null}` {
		t.Errorf("Json: %s", got)
	}
	if got := enc(projectNullable{Name: "unknown"}, JSONOptions{ImplicitNulls: true}); got != `{"name":"unknown"}` {
		t.Errorf("explicitNulls = false: %s", got)
	}
	d := "d"
	pn := projectNullable{Description: &d}
	if err := UnmarshalJSONWith(`{"name":"unknown"}`, &pn, JSONOptions{ImplicitNulls: true}); err != nil || pn.Name != "unknown" || pn.Description != nil {
		t.Errorf("explicitNulls = false decodes an absent nullable as null: %+v %v", pn, err)
	}
	if err := UnmarshalJSON(`{"name":"unknown"}`, &projectNullable{}); !errors.Is(err, ErrMissing) {
		t.Errorf("Json: %v, want ErrMissing (MissingFieldException: Field 'description' is required)", err)
	}
	if err := UnmarshalJSONWith(`{"description":null}`, &projectNullable{}, JSONOptions{ImplicitNulls: true}); !errors.Is(err, ErrMissing) {
		t.Errorf("a non-nullable field is still required: %v", err)
	}

	// ignoreUnknownKeys
	var p projectName
	if err := UnmarshalJSONWith(`{"name":"unknown", "version": 2.0}`, &p, JSONOptions{IgnoreUnknownKeys: true}); err != nil || p.Name != "unknown" {
		t.Errorf("ignoreUnknownKeys: %+v %v", p, err)
	}
	if err := UnmarshalJSON(`{"name":"unknown", "version": 2.0}`, &projectName{}); !errors.Is(err, ErrUnknownField) {
		t.Errorf("Json: %v, want ErrUnknownField (Encountered an unknown key 'version')", err)
	}
	if err := UnmarshalJSONWith(`{"name":"unknown", "version": 2.0,}`, &projectName{}, JSONOptions{IgnoreUnknownKeys: true}); !errors.Is(err, ErrSyntax) {
		t.Errorf("a skipped value must still be JSON: %v", err)
	}
	// the JSON serializer type carries them
	var q projectName
	if err := (JSON{Options: JSONOptions{IgnoreUnknownKeys: true}}).Deserialize(`{"name":"a","x":[1]}`, &q); err != nil || q.Name != "a" {
		t.Errorf("JSON.Deserialize: %+v %v", q, err)
	}
	if !reflect.DeepEqual(JSON{}, JSON{Options: JSONOptions{}}) {
		t.Error("JSON{} is not the default")
	}
}

// TestJSONCodec: the prepared codec is MarshalJSONWith/UnmarshalJSONWith, on
// the fast path and off it.
func TestJSONCodec(t *testing.T) {
	for _, o := range []JSONOptions{{}, {ImplicitNulls: true, IgnoreUnknownKeys: true, EncodeDefaults: true}} {
		c := NewJSONCodec[projectNullable](o)
		d := "x"
		for _, v := range []projectNullable{{Name: "a"}, {Name: "b", Description: &d}} {
			got, err := c.Marshal(&v)
			want, werr := MarshalJSONWith(v, o)
			if got != want || err != nil || werr != nil {
				t.Fatalf("%+v: %s %v, want %s %v", o, got, err, want, werr)
			}
			var back, ref projectNullable
			err, werr = c.Unmarshal(got+" ", &back), UnmarshalJSONWith(got+" ", &ref, o)
			if !reflect.DeepEqual(back, ref) || (err == nil) != (werr == nil) {
				t.Fatalf("%s: %+v %v, want %+v %v", got, back, err, ref, werr)
			}
		}
		// off the fast path: an unknown key, and a type it does not compile
		var p projectNullable
		err, werr := c.Unmarshal(`{"name":"a","description":null,"x":1}`, &p), UnmarshalJSONWith(`{"name":"a","description":null,"x":1}`, &projectNullable{}, o)
		if (err == nil) != (werr == nil) {
			t.Fatalf("unknown key: %v, want %v", err, werr)
		}
		m := NewJSONCodec[struct{ M map[string]int }](o)
		v := struct{ M map[string]int }{M: map[string]int{"b": 2, "a": 1}}
		if s, err := m.Marshal(&v); s != `{"m":{"a":1,"b":2}}` || err != nil {
			t.Fatalf("map: %s %v", s, err)
		}
	}
	if err := NewJSONCodec[projectName](JSONOptions{}).Unmarshal(`{}`, nil); !errors.Is(err, ErrArgument) {
		t.Fatalf("nil: %v", err)
	}
}
