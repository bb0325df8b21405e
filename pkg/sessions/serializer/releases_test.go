package serializer

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// The serializer's change points at their boundaries, and Ktor 3's default
// kotlinx Json.

func TestNestedObjectsAt150(t *testing.T) {
	type In struct{ A int32 }
	type Out struct{ In In }
	if _, err := MarshalText(Out{In{1}}, "1.4.3"); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "1.5.0") {
		t.Errorf("1.4.3 nested class: %v, want ErrUnsupported naming 1.5.0", err)
	}
	got, err := MarshalText(Out{In{1}}, "1.5.0") // 1.5.x keeps '=' (text-form-keeps-equals)
	if err != nil || got != "in=%23%23a=%2523i1" {
		t.Errorf("1.5.0 nested class = %q, %v", got, err)
	}
	got, err = MarshalText(Out{In{1}}, "1.6.0")
	if err != nil || got != "in=%23%23a%3D%2523i1" {
		t.Errorf("1.6.0 nested class = %q, %v", got, err)
	}
	if _, err := DecodeText("in=%23%23a%3D%2523i1", "1.4.3"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("1.4.3 reading ##: %v", err)
	}
	v, err := DecodeText("a=%23i1&$type=Sub", "1.5.0")
	if f, _ := v.Field("$type"); err != nil || f.Kind != KindString || f.Text != "Sub" {
		t.Errorf("1.5.0 $type: %+v, %v", f, err)
	}
}

// Ktor 1.4.3 to 1.5.4 wrote property values with encodeURLParameterValue,
// which keeps '=': a map or nested class shows it raw.
func TestFormKeepsEquals143To154(t *testing.T) {
	type S struct{ M OrderedMap[string, int32] }
	v := S{OrderedMap[string, int32]{{"a", 1}}}
	for p, want := range map[string]string{
		"1.4.2": "m=%23m%23sa%3D%23i1",
		"1.4.3": "m=%23m%23sa=%23i1",
		"1.5.4": "m=%23m%23sa=%23i1",
		"1.6.0": "m=%23m%23sa%3D%23i1",
	} {
		got, err := MarshalText(v, transformProfile(p))
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", p, got, err, want)
		}
		if back, err := DecodeText(got, transformProfile(p)); err != nil || back.Fields[0].Value.Kind != KindMap {
			t.Errorf("%s: %q does not read back: %v", p, got, err)
		}
	}
	fs := []Field{{Name: "m", Value: Value{Kind: KindMap, Items: []Value{{Kind: KindString, Text: "a"}, {Kind: KindInt, Text: "1"}}}}}
	if got, _ := EncodeFields(fs, "1.5.0"); got != "m=%23m%23sa=%23i1" {
		t.Errorf("EncodeFields 1.5.0 = %q", got)
	}
}

func TestBackwardCompatibleAt220(t *testing.T) {
	fs := []Field{{Name: "z", Value: Value{Kind: KindInt, Text: "1"}}, {Name: "a", Value: Value{Kind: KindInt, Text: "2"}}}
	if _, err := EncodeFieldsWith(fs, BackwardCompatible, "2.1.3"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("2.1.3: %v", err)
	}
	if got, err := EncodeFieldsWith(fs, BackwardCompatible, "2.2.0"); err != nil || got != "z=%23i1&a=%23i2" {
		t.Errorf("2.2.0 backward-compatible = %q, %v", got, err)
	}
	for _, p := range []string{"2.1.3", "2.2.0", "3.0.0", "3.5.2"} {
		if got, err := EncodeFields(fs, transformProfile(p)); err != nil || got != "a=%23i2&z=%23i1" {
			t.Errorf("%s reflection = %q, %v; want sorted", p, got, err)
		}
	}
	for in, want := range map[string]TextStyle{"": Reflection, "ktor-text": Reflection, "reflection": Reflection,
		"backward-compatible": BackwardCompatible, "KotlinxBackwardCompatibleSessionSerializer": BackwardCompatible} {
		if got, err := ParseTextStyle(in); err != nil || got != want {
			t.Errorf("ParseTextStyle(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseTextStyle("json"); err == nil {
		t.Error("ParseTextStyle(json) should fail")
	}
}

func TestDefaultFormatAt300(t *testing.T) {
	if DefaultFormat("2.3.13") != FormatText || DefaultFormat("3.0.0") != FormatJSON {
		t.Errorf("default serializer: 2.3.13 %s, 3.0.0 %s", DefaultFormat("2.3.13"), DefaultFormat("3.0.0"))
	}
}

func TestDetectSessionIDs(t *testing.T) {
	for n, want := range map[int]Format{16: FormatID, 32: FormatID, 64: FormatID, 24: FormatOpaque} {
		if got := DetectFormat(strings.Repeat("a", n)); got != want {
			t.Errorf("%d hex characters: %s, want %s", n, got, want)
		}
	}
}

// kotlinx Json's default configuration, as Ktor 3's default serializer uses it.
func TestKotlinxJSONDefaults(t *testing.T) {
	type D struct {
		D float64
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := MarshalJSON(D{x}); !errors.Is(err, ErrRange) || !strings.Contains(err.Error(), "allowSpecialFloatingPointValues") {
			t.Errorf("MarshalJSON(%v): %v", x, err)
		}
		tree := Value{Kind: KindObject, Fields: []Field{{Name: "d", Value: Value{Kind: KindFloat, Text: formatJavaDouble(x)}}}}
		if _, err := Encode(tree, FormatJSON, "3"); !errors.Is(err, ErrRange) {
			t.Errorf("Encode(%v, json): %v", x, err)
		}
	}
	type S struct{ Name string }
	got, err := MarshalJSON(S{"a\"\\/\b\f\n\r\t\x01\x1f\x7f\u2028é😀"})
	if want := `{"name":"a\"\\/\b\f\n\r\t\u0001\u001f` + "\x7f\u2028é😀" + `"}`; err != nil || got != want {
		t.Errorf("kotlinx escapes:\n got %s\nwant %s", got, want)
	}
	tree := Value{Kind: KindObject, Fields: []Field{{Name: "s", Value: Value{Kind: KindString, Text: "\x7f\b"}}}}
	if got, _ := Encode(tree, FormatJSON, "3"); got != "{\"s\":\"\x7f\\b\"}" {
		t.Errorf("Encode tree = %q", got)
	}
	// kotlinx refuses NaN and Infinity when reading a Double too, quoted or not
	type R struct{ D float64 }
	for _, in := range []string{`{"d":"NaN"}`, `{"d":"Infinity"}`, `{"d":1e999}`} {
		var r R
		if err := UnmarshalJSON(in, &r); !errors.Is(err, ErrRange) {
			t.Errorf("UnmarshalJSON(%s): %v, want ErrRange", in, err)
		}
	}
	type U struct {
		Name  string
		Count int32
	}
	var u U
	if err := UnmarshalJSON(`{"name":"alice","count":"3"}`, &u); err != nil || u.Count != 3 {
		t.Errorf("a quoted number (consumeNumericLiteral): %+v, %v", u, err)
	}
}

// encodeDefaults = false: a property equal to its default is left out, and
// filled in when absent.
func TestKotlinxJSONOmitsDefaults(t *testing.T) {
	type D struct {
		Name  string
		Count int32    `ktor:",default"`
		Tags  []string `ktor:",default"`
		C     string   `ktor:",default=\"dflt\""`
	}
	for _, tc := range []struct {
		v    D
		want string
	}{
		{D{Name: "a", C: "dflt"}, `{"name":"a"}`},
		{D{Name: "a", Tags: []string{}, C: "dflt"}, `{"name":"a"}`},
		{D{Name: "a", Count: 2, Tags: []string{"t"}, C: "custom"}, `{"name":"a","count":2,"tags":["t"],"c":"custom"}`},
	} {
		got, err := MarshalJSON(tc.v)
		if err != nil || got != tc.want {
			t.Errorf("MarshalJSON(%+v) = %s, %v; want %s", tc.v, got, err, tc.want)
		}
	}
	var d D
	if err := UnmarshalJSON(`{"name":"a"}`, &d); err != nil || d.C != "dflt" || d.Count != 0 {
		t.Errorf("absent defaults: %+v, %v", d, err)
	}
	type NoDefault struct{ Name, Other string }
	var n NoDefault
	if err := UnmarshalJSON(`{"name":"a"}`, &n); !errors.Is(err, ErrMissing) {
		t.Errorf("a property without a default must be present: %v", err)
	}
}
