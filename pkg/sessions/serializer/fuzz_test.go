package serializer

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// sentinels every error of the package wraps.
var sentinels = []error{ErrSyntax, ErrRange, ErrUnsupported, ErrDepth, ErrType, ErrMissing, ErrNull, ErrUnknownField, ErrArgument}

func checkOurError(t *testing.T, err error) {
	t.Helper()
	var de *DecodeError
	var ee *EncodeError
	if !errors.As(err, &de) && !errors.As(err, &ee) {
		t.Fatalf("error %T %q is not the package's type", err, err)
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			if !strings.HasPrefix(err.Error(), "serializer: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
	}
	t.Fatalf("error %q wraps no sentinel", err)
}

func textSeeds(f *testing.F) {
	for _, s := range []string{
		"id=%23i42&name=%23salice",
		"admin=%23bot&loginCount=%23i17&name=%23sZo%C3%AB+O%27Brien&roles=%23cl%23sadmin%26%23sops%2Feu&userId=%23su-123",
		"attrs=%23m%23sz%3D%23i26%26%23sa%3D%23i1&names=%23cl%23sonly&tags=%23cs%23i3%26%23i1%26%23i2",
		"empty=%23om&present=%23op%23sval%2Fue+%C3%A9",
		"b=%23bof&c=%23ch+&d=%23f1.0E21&f=%23f1.0E10&i=%23i0&l=%23l0",
		"primitives=%23%23int%3D%2523i1%26string%3D%2523s2%26nullable%3D%2523n",
		" id = %23i42 & name = %23s x ",
		"x=%23bd1.50&y=%23bi-12&z=%23f1e999999",
		"x=%23cl%23sa%26b",
		"id=%23i1&name=%23s%zz",
	} {
		f.Add(s)
	}
}

// FuzzDecodeText: whatever decodes renders as valid JSON and re-encodes to
// a payload that decodes to the same tree; every failure is our error type.
func FuzzDecodeText(f *testing.F) {
	textSeeds(f)
	f.Fuzz(func(t *testing.T, payload string) {
		v, err := DecodeText(payload, "1.6")
		if err != nil {
			checkOurError(t, err)
			return
		}
		js, err := v.MarshalJSON()
		if err != nil {
			checkOurError(t, err)
			return
		}
		if !json.Valid(js) {
			t.Fatalf("MarshalJSON gave invalid JSON %q", js)
		}
		again, err := Encode(v, FormatText, "1.6")
		if err != nil {
			checkOurError(t, err)
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrDepth) {
				t.Fatalf("re-encoding a decoded value failed: %v", err)
			}
			return
		}
		v2, err := DecodeText(again, "1.6")
		if err != nil {
			if errors.Is(err, ErrDepth) {
				return // re-encoding may add levels of escaping, not of nesting
			}
			t.Fatalf("DecodeText(Encode(DecodeText(%q))) = DecodeText(%q): %v", payload, again, err)
		}
		// Ktor does not round-trip a property name with a space, at any depth: it writes the space
		// as '+' and reads '+' back as '+' (the decoder's warning). So the value read back is the
		// one read first with those spaces as '+', and nothing else changed.
		if !equalValues(stripWarnings(spaceNamesAsPlus(v)), stripWarnings(v2)) {
			t.Fatalf("unstable: %q decodes differently after re-encoding as %q", payload, again)
		}
	})
}

// spaceNamesAsPlus is v with every property name's spaces as '+', in the whole tree: what Ktor's
// text serializer reads back after writing v.
func spaceNamesAsPlus(v Value) Value {
	if v.Items != nil {
		items := make([]Value, len(v.Items))
		for i, it := range v.Items {
			items[i] = spaceNamesAsPlus(it)
		}
		v.Items = items
	}
	if v.Fields != nil {
		fs := make([]Field, len(v.Fields))
		for i, f := range v.Fields {
			fs[i] = Field{strings.ReplaceAll(f.Name, " ", "+"), spaceNamesAsPlus(f.Value)}
		}
		v.Fields = fs
	}
	return v
}

func stripWarnings(v Value) Value {
	v.Warnings = nil
	if v.Items != nil {
		items := make([]Value, len(v.Items))
		for i, it := range v.Items {
			items[i] = stripWarnings(it)
		}
		v.Items = items
	}
	if v.Fields != nil {
		fs := make([]Field, len(v.Fields))
		for i, f := range v.Fields {
			fs[i] = Field{f.Name, stripWarnings(f.Value)}
		}
		v.Fields = fs
	}
	return v
}

// FuzzDecodeJSON: a decoded JSON tree renders back to JSON that decodes to
// the same tree.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"a","count":1}`, `{"d":1.0E10,"l":[1,2,{"x":null}],"s":"\ud83d\ude00"}`, `[1e999]`, `{"a":1,"a":2}`, `{"a":`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		v, err := DecodeJSON(payload)
		if err != nil {
			checkOurError(t, err)
			return
		}
		js, err := v.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON of a decoded tree: %v", err)
		}
		v2, err := DecodeJSON(string(js))
		if err != nil {
			t.Fatalf("DecodeJSON(MarshalJSON(%q)) = DecodeJSON(%q): %v", payload, js, err)
		}
		if !equalValues(stripWarnings(v), stripWarnings(v2)) {
			t.Fatalf("unstable JSON round trip: %q → %q", payload, js)
		}
	})
}

// FuzzDecodeJSONFast: the fast path of DecodeJSON gives exactly what encoding/json's path gives
// (kinds, texts, order, warnings) whenever it accepts an input, and accepts what it claims to.
func FuzzDecodeJSONFast(f *testing.F) {
	for _, s := range []string{`{"name":"a","count":1}`, `{"d":1.0E10,"l":[1,2,{"x":null}],"s":"\ud83d\ude00"}`, `[1e999]`,
		`{"a":1,"a":2}`, `{"a":`, ` [ true , false , null ] `, `-0.5e+3`, `01`, `1x`, `{"a":1}x`, `"\xff"`, `{"a":[]}`, `{}`, `[]`,
		"\"tab\there\"", `"\n"`, "\"a\x00\"", `{"größe":"名前"}`, `[[[[1]]]]`, `{"a" : {"b" : [ ]}}`, `nul`, `truex`, `-`, `1.`, `1e`, `.5`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		fast, ok := decodeJSONFast(payload)
		full, err := decodeJSONFull(payload)
		if !ok {
			return // DecodeJSON takes the full path
		}
		if err != nil {
			t.Fatalf("fast path accepted %q, encoding/json refuses it: %v", payload, err)
		}
		if !equalValues(fast, full) || !reflect.DeepEqual(fast.AllWarnings(), full.AllWarnings()) || !sameShape(fast, full) {
			t.Fatalf("%q: fast %+v, full %+v", payload, fast, full)
		}
	})
}

// sameShape: nil and empty collections alike, as DecodeJSON builds them.
func sameShape(a, b Value) bool {
	if (a.Items == nil) != (b.Items == nil) || (a.Fields == nil) != (b.Fields == nil) || len(a.Items) != len(b.Items) || len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Items {
		if !sameShape(a.Items[i], b.Items[i]) {
			return false
		}
	}
	for i := range a.Fields {
		if a.Fields[i].Name != b.Fields[i].Name || !sameShape(a.Fields[i].Value, b.Fields[i].Value) {
			return false
		}
	}
	return a.Kind == b.Kind && a.Text == b.Text
}

// FuzzDetectFormat: detection agrees with decoding: JSON decodes, an id is
// an id, text decodes or fails with our error, opaque is an ErrSyntax.
func FuzzDetectFormat(f *testing.F) {
	textSeeds(f)
	for _, s := range []string{`{"a":1}`, "0123456789abcdef0123456789abcdef", "64717e8b/19f5a1dd:37af", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		got := DetectFormat(payload)
		fm, v, err := Decode(payload, "", "3")
		if fm != got {
			t.Fatalf("Decode used %s, DetectFormat said %s", fm, got)
		}
		switch got {
		case FormatJSON:
			if err != nil && !errors.Is(err, ErrDepth) {
				t.Fatalf("detected JSON does not decode: %v", err)
			}
		case FormatID:
			if err != nil || v.Text != payload || !isSessionID(payload) {
				t.Fatalf("id: %v %q", err, v.Text)
			}
		case FormatText:
			if err != nil {
				checkOurError(t, err)
			}
		case FormatOpaque:
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("opaque without ErrSyntax: %v", err)
			}
		default:
			t.Fatalf("unknown format %q", got)
		}
	})
}

// FuzzParseTypedField: a parsed field encodes and decodes back to itself.
func FuzzParseTypedField(f *testing.F) {
	for _, s := range []string{"loginCount:int=17", "roles:list<string>=a,b", "m:map<string,int>=a=1", "o:optional<bd>=1.50", "r:raw=#op#i1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		fl, err := ParseTypedField(arg)
		if err != nil {
			checkOurError(t, err)
			return
		}
		payload, err := EncodeFields([]Field{fl}, "3")
		if err != nil {
			checkOurError(t, err)
			return
		}
		if _, err := DecodeText(payload, "3"); err != nil {
			checkOurError(t, err)
		}
	})
}
