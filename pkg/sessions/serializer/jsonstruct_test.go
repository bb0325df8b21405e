package serializer

import (
	"bytes"
	"math"
	"reflect"
	"testing"
)

type fastInner struct {
	A int
	B *string
	C []float64
}

type fastEmbedded struct {
	E string `ktor:"e"`
}

type fastAll struct {
	Name   string
	Count  int
	Long   int64
	Small  int8
	U16    uint16
	U64    uint64
	F32    float32
	F64    float64
	OK     bool
	Ptr    *int
	Tags   []string
	Nested fastInner
	List   []fastInner
	PPtr   **bool
	Opt    string `ktor:",optional"`
	fastEmbedded
}

// slowUnmarshal is the reference path alone.
func slowUnmarshal(s string, v any, o *JSONOptions) error {
	tree, err := DecodeJSON(s)
	if err != nil {
		return err
	}
	return assign(o, reflect.ValueOf(v).Elem(), tree, fieldInfo{}, "", 0)
}

func slowMarshal(v any, o *JSONOptions) (string, error) {
	var b bytes.Buffer
	err := jsonWrite(o, &b, reflect.ValueOf(v), fieldInfo{}, "", 0)
	return b.String(), err
}

var fastOptions = []*JSONOptions{nil, {EncodeDefaults: true}, {ImplicitNulls: true}, {ImplicitNulls: true, EncodeDefaults: true, IgnoreUnknownKeys: true}}

// checkFast decodes s with the fast path into a fresh T; whenever it says
// yes, the reference path must accept s too and give an equal value, and
// both encoders must write the same bytes for it under every option.
func checkFast[T any](t *testing.T, s string) (decoded bool) {
	t.Helper()
	var fast T
	if !fastUnmarshal(s, reflect.ValueOf(&fast).Elem()) {
		return false
	}
	var slow T
	if err := slowUnmarshal(s, &slow, nil); err != nil {
		t.Fatalf("fast path read %q, the reference path refuses it: %v", s, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: fast %#v, reference %#v", s, fast, slow)
	}
	for _, o := range fastOptions {
		want, werr := slowMarshal(fast, o)
		got, ok := fastMarshal(fast, o)
		if !ok {
			if werr == nil {
				t.Fatalf("fast encoder gave up on %#v, the reference wrote %s", fast, want)
			}
			continue
		}
		if werr != nil || got != want {
			t.Fatalf("encode %#v (%+v):\n fast %s\n  ref %s (%v)", fast, o, got, want, werr)
		}
	}
	return true
}

func TestJSONFastPath(t *testing.T) {
	full := `{"name":"Zoë \"Q\" \u00e9\n","count":-7,"long":9007199254740993,"small":-128,"u16":65535,"u64":9223372036854775807,` +
		`"f32":1.1,"f64":1e300,"ok":true,"ptr":null,"tags":["a","",  "c"],"nested":{"a":1,"b":"x","c":[1.5,-0.0,3]},` +
		`"list":[{"a":2,"b":null,"c":[]}],"pPtr":true,"e":"emb"}`
	if !checkFast[fastAll](t, full) {
		t.Fatal("the fast path gave up on a plain document")
	}
	for _, s := range []string{
		`{"name":"a","count":1}`,
		` {"count" : 1 , "name" : "b"} `,
		`{"name":"a","count":1.0}`,        // not an Int
		`{"name":"a","count":2147483648}`, // beyond Int
		`{"name":"a","count":1,"x":1}`,    // unknown
		`{"name":"a","name":"b","count":1}`,
		`{"name":"a"}`, // absent
		`{"name":"\ud83d\ude00","count":1}`,
		`{"name":"\ud800","count":1}`,
		"{\"name\":\"\xff\",\"count\":1}",
		`{"name":"a","count":01}`,
		`{"name":"a","count":1}x`,
		`{"name":null,"count":1}`,
	} {
		checkFast[user](t, s)
	}
	var u user
	if !fastUnmarshal(`{"name":"a","count":1}`, reflect.ValueOf(&u).Elem()) || u != (user{"a", 1}) {
		t.Fatalf("%+v", u)
	}
	// NaN is the reference path's to refuse
	if _, ok := fastMarshal(fastInner{C: []float64{math.NaN()}}, nil); ok {
		t.Fatal("fast path wrote NaN")
	}
	if _, err := MarshalJSON(fastInner{C: []float64{math.NaN()}}); err == nil {
		t.Fatal("NaN written")
	}
}

type user struct {
	Name  string
	Count int
}

func FuzzJSONFastPath(f *testing.F) {
	f.Add(`{"name":"a","count":1}`)
	f.Add(`{"name":"Zo\u00eb","count":-1,"tags":["x"],"nested":{"a":1,"b":null,"c":[1e3]},"list":[],"pPtr":null,"e":""}`)
	f.Add(`{"name":"a","count":1,"long":1,"small":1,"u16":1,"u64":1,"f32":1,"f64":1,"ok":false,"ptr":1,"tags":[],"nested":{"a":0,"b":"","c":[]},"list":[],"pPtr":false,"e":"x"}`)
	f.Fuzz(func(t *testing.T, s string) {
		checkFast[user](t, s)
		checkFast[fastAll](t, s)
		checkFast[fastInner](t, s)
	})
}

// FuzzJSONFastEncode: whatever the values, the fast encoder writes what the
// reference one writes (or gives up where the reference refuses).
func FuzzJSONFastEncode(f *testing.F) {
	f.Add("Zoë", int64(-1), 1.5, true)
	f.Add("\xed\xa0\x80\u2028\x7f\x00\"\\", int64(math.MinInt64), math.Inf(1), false)
	f.Fuzz(func(t *testing.T, s string, n int64, x float64, b bool) {
		p := &s
		v := fastAll{Name: s, Count: int(n), Long: n, Small: int8(n), U16: uint16(n), U64: uint64(n), F32: float32(x), F64: x, OK: b,
			Tags: []string{s, ""}, Nested: fastInner{B: p, C: []float64{x}}, List: []fastInner{{A: int(n)}}, Opt: s}
		if b {
			v.Ptr = new(int)
		}
		for _, o := range fastOptions {
			want, werr := slowMarshal(v, o)
			got, ok := fastMarshal(v, o)
			if !ok {
				if werr == nil {
					t.Fatalf("fast encoder gave up, the reference wrote %s", want)
				}
				continue
			}
			if werr != nil || got != want {
				t.Fatalf("%+v:\n fast %s\n  ref %s (%v)", o, got, want, werr)
			}
			if _, err := MarshalJSONWith(v, *orZero(o)); (err != nil) != (werr != nil) {
				t.Fatalf("MarshalJSONWith: %v, reference %v", err, werr)
			}
		}
	})
}

func orZero(o *JSONOptions) *JSONOptions {
	if o == nil {
		return &JSONOptions{}
	}
	return o
}
