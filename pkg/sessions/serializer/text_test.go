package serializer

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

type ktorEnum string

func (e ktorEnum) MarshalText() ([]byte, error) { return []byte(e), nil }
func (e *ktorEnum) UnmarshalText(b []byte) error {
	switch string(b) {
	case "A", "B":
		*e = ktorEnum(b)
		return nil
	}
	return errors.New("no enum constant " + string(b))
}

// Ktor 3's SessionsBackwardCompatibleFormatTest classes.
type Primitives struct {
	Int      int32
	String   string
	Boolean  bool
	Double   float64
	Float    float32
	Long     int64
	Nullable *string
	Enum     ktorEnum
}

type WithCollections struct {
	ListS []string                   `ktor:"listS"`
	ListE []ktorEnum                 `ktor:"listE"`
	ListI []int32                    `ktor:"listI"`
	MapS  OrderedMap[string, string] `ktor:"mapS"`
	MapI  OrderedMap[string, int32]  `ktor:"mapI"`
}

type WithNestedClass struct {
	Primitives Primitives
}

func TestKtor3BackwardCompatibleFormat(t *testing.T) {
	prim := Primitives{1, "2", true, 3.0, 4.0, 5, nil, "A"}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"primitives", &prim, "int=%23i1&string=%23s2&boolean=%23bot&double=%23f3.0&float=%23f4.0&long=%23l5&nullable=%23n&enum=%23sA"},
		{"collections", &WithCollections{
			[]string{"1", "2"}, []ktorEnum{"A", "B"}, []int32{1, 2},
			OrderedMap[string, string]{{"key1", "1"}, {"key2", "2"}},
			OrderedMap[string, int32]{{"key1", 1}, {"key2", 2}},
		}, "listS=%23cl%23s1%26%23s2&listE=%23cl%23sA%26%23sB&listI=%23cl%23i1%26%23i2" +
			"&mapS=%23m%23skey1%3D%23s1%26%23skey2%3D%23s2&mapI=%23m%23skey1%3D%23i1%26%23skey2%3D%23i2"},
		{"nested", &WithNestedClass{prim}, "primitives=%23%23int%3D%2523i1%26string%3D%2523s2%26boolean%3D%2523bot" +
			"%26double%3D%2523f3.0%26float%3D%2523f4.0%26long%3D%2523l5%26nullable%3D%2523n%26enum%3D%2523sA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MarshalTextWith(tc.v, BackwardCompatible, "3")
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("MarshalText:\n got %s\nwant %s", got, tc.want)
			}
			back := reflect.New(reflect.TypeOf(tc.v).Elem())
			if err := UnmarshalText(got, back.Interface()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.Interface(), tc.v) {
				t.Errorf("round trip: got %+v want %+v", back.Elem().Interface(), reflect.ValueOf(tc.v).Elem().Interface())
			}
			if _, err := DecodeText(got, "3"); err != nil {
				t.Errorf("DecodeText: %v", err)
			}
		})
	}
}

func TestOrderByProfile(t *testing.T) {
	v := &WithNestedClass{Primitives{1, "2", true, 3.0, 4.0, 5, nil, "A"}}
	got, err := MarshalText(v, "1.6")
	if err != nil {
		t.Fatal(err)
	}
	want := "primitives=%23%23boolean%3D%2523bot%26double%3D%2523f3.0%26enum%3D%2523sA%26float%3D%2523f4.0" +
		"%26int%3D%2523i1%26long%3D%2523l5%26nullable%3D%2523n%26string%3D%2523s2"
	if got != want {
		t.Errorf("1.6 sorted:\n got %s\nwant %s", got, want)
	}
	if _, err := MarshalText(v, "1.0"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("1.0 nested object: err %v, want ErrUnsupported", err)
	}
	if _, err := DecodeText(got, "1.0"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("1.0 decode of ##: err %v, want ErrUnsupported", err)
	}
	type S struct {
		Tags Set[int32]
		Ids  []int32 `ktor:",set"`
	}
	// reflectionSessionSerializer in 3.x is 2.3.13's code: sorted, Sets as #cs
	for p, want := range map[string]string{"1.0": "ids=%23cs%23i1&tags=%23cs%23i2", "3": "ids=%23cs%23i1&tags=%23cs%23i2"} {
		got, err := MarshalText(S{Set[int32]{2}, []int32{1}}, transformProfile(p))
		if err != nil || got != want {
			t.Errorf("profile %s: %q, %v; want %q", p, got, err, want)
		}
	}
	// KotlinxBackwardCompatibleSessionSerializer: declaration order, Sets as Lists, from 2.2.0
	for p, want := range map[string]string{"2.2.0": "tags=%23cl%23i2&ids=%23cl%23i1", "3": "tags=%23cl%23i2&ids=%23cl%23i1"} {
		got, err := MarshalTextWith(S{Set[int32]{2}, []int32{1}}, BackwardCompatible, transformProfile(p))
		if err != nil || got != want {
			t.Errorf("backward-compatible %s: %q, %v; want %q", p, got, err, want)
		}
	}
	if _, err := MarshalTextWith(S{}, BackwardCompatible, "2.1.3"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("2.1.3 has no KotlinxBackwardCompatibleSessionSerializer: %v", err)
	}
}

func TestJavaNumbers(t *testing.T) {
	doubles := []struct {
		f    float64
		want string
	}{
		{3, "3.0"}, {1e10, "1.0E10"}, {1e-5, "1.0E-5"}, {1e21, "1.0E21"}, {1e7, "1.0E7"}, {9999999, "9999999.0"},
		{0.001, "0.001"}, {0.0001, "1.0E-4"}, {math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
		{-0.0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {0.1, "0.1"}, {123.456, "123.456"}, {5e-324, "4.9E-324"},
		{math.MaxFloat64, "1.7976931348623157E308"}, {1e23, "1.0E23"}, {-1.5e-7, "-1.5E-7"}, {100, "100.0"},
	}
	for _, d := range doubles {
		if got := formatJavaDouble(d.f); got != d.want {
			t.Errorf("Double.toString(%v) = %s, want %s", d.f, got, d.want)
		}
	}
	floats := []struct {
		f    float32
		want string
	}{{4, "4.0"}, {1e10, "1.0E10"}, {0.1, "0.1"}, {1.0 / 3, "0.33333334"}, {math.MaxFloat32, "3.4028235E38"}, {1.4e-45, "1.4E-45"}}
	for _, d := range floats {
		if got := formatJavaFloat32(d.f); got != d.want {
			t.Errorf("Float.toString(%v) = %s, want %s", d.f, got, d.want)
		}
	}
	parses := []struct {
		in   string
		want string // formatted, or "err"
	}{
		{"1e999999", "Infinity"}, {"-1e999999", "-Infinity"}, {"1e-999999", "0.0"}, {" 1.5 ", "1.5"}, {"1.5f", "1.5"},
		{"1.5D", "1.5"}, {"0x1.8p1", "3.0"}, {".5", "0.5"}, {"5.", "5.0"}, {"+NaN", "NaN"}, {"-Infinity", "-Infinity"},
		{"", "err"}, {".", "err"}, {"1e", "err"}, {"inf", "err"}, {"1_0", "err"}, {"0x1.8", "err"}, {"1.5ff", "err"},
	}
	for _, p := range parses {
		f, err := parseJavaDouble(p.in)
		got := "err"
		if err == nil {
			got = formatJavaDouble(f)
		}
		if got != p.want {
			t.Errorf("Double.parseDouble(%q) = %s, want %s", p.in, got, p.want)
		}
	}
	ints := []struct {
		in   string
		bits int
		want string
	}{
		{"2147483647", 32, "2147483647"}, {"-2147483648", 32, "-2147483648"}, {"2147483648", 32, "range"},
		{"+7", 32, "7"}, {"-", 32, "syntax"}, {"", 32, "syntax"}, {"１２", 32, "12"}, {"٣", 32, "3"}, {"1 ", 32, "syntax"},
		{"9223372036854775807", 64, "9223372036854775807"}, {"-9223372036854775808", 64, "-9223372036854775808"},
		{"9223372036854775808", 64, "range"},
	}
	for _, c := range ints {
		n, err := parseJavaInt(c.in, c.bits)
		got := ""
		switch {
		case errors.Is(err, ErrRange):
			got = "range"
		case errors.Is(err, ErrSyntax):
			got = "syntax"
		case err == nil:
			got = big.NewInt(n).String()
		}
		if got != c.want {
			t.Errorf("parse%d(%q) = %s, want %s", c.bits, c.in, got, c.want)
		}
	}
	decimals := []struct{ in, want string }{
		{"1.50", "1.50"}, {"-0", "0"}, {"1E10", "1E+10"}, {"1.5e-10", "1.5E-10"}, {"0.000001", "0.000001"},
		{"0.0000001", "1E-7"}, {"0.000", "0.000"}, {"+12.3400", "12.3400"}, {"123E-2", "1.23"}, {"1e", "err"},
		{"1..2", "err"}, {"", "err"}, {"NaN", "err"}, {"1e2147483648", "err"}, {"00012", "12"},
	}
	for _, c := range decimals {
		d, err := parseJavaBigDecimal(c.in)
		got := "err"
		if err == nil {
			got = d.String()
		}
		if got != c.want {
			t.Errorf("new BigDecimal(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestDecodeTextCases(t *testing.T) {
	tests := []struct {
		in, json string
		err      error
	}{
		{"a=%23bd1.50&b=%23bi-0007", `{"a":1.50,"b":-7}`, nil},
		{"f=%23f1e21&g=%23fNaN&h=%23f-Infinity", `{"f":1.0E21,"g":"NaN","h":"-Infinity"}`, nil},
		{"o=%23op%23op%23i1&e=%23om&n=%23op%23n", `{"o":1,"e":null,"n":null}`, nil},
		{"c=%23ch%F0%9F%98%80", `{"c":"\ud83d"}`, nil},
		{"m=%23m%23i1%3D%23sa%26%23i2%3D%23sb", `{"m":{"1":"a","2":"b"}}`, nil},
		{"m=%23m%23i1%3D%23sa%26%23l1%3D%23sb", `{"m":[[1,"a"],[1,"b"]]}`, nil},
		{"s=%23cs%23i1%26%23i1%26%23i2", `{"s":[1,2]}`, nil},
		{"Name=%23sa&name=%23sb", `{"Name":"a"}`, nil},
		{"x=%23", `{"x":null}`, nil},
		{"x", "", ErrSyntax},
		{"x=%23q1", "", ErrUnsupported},
		{"x=%23boz", "", ErrUnsupported},
		{"x=%23ch", "", ErrSyntax},
		{"x=%23i1%", "", ErrSyntax},
		{"x=%23i99999999999", "", ErrRange},
		{"x=%23cl%23sa%26b", `{"x":["a&b"]}`, nil},
		{"%23cl", "", ErrSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			v, err := DecodeText(tc.in, "1.6")
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				var de *DecodeError
				if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), "serializer: ") {
					t.Errorf("error %q is not a *DecodeError with the package prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			js, err := v.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(js) != tc.json {
				t.Errorf("JSON %s, want %s", js, tc.json)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	v, err := DecodeText("x=%23cl%23sa%26b&y=%23cl%23cl%23i1&x=%23i1", "1.0")
	if err != nil {
		t.Fatal(err)
	}
	ws := strings.Join(v.AllWarnings(), "\n")
	for _, want := range []string{"x: element 0 holds '&'", "y: a collection", "duplicate property"} {
		if !strings.Contains(ws, want) {
			t.Errorf("warnings %q lack %q", ws, want)
		}
	}
	v, err = DecodeTextWith("r=%23cl&s=%23cl%23sa%252520b", BackwardCompatible, "3")
	if err != nil {
		t.Fatal(err)
	}
	ws = strings.Join(v.AllWarnings(), "\n")
	if !strings.Contains(ws, "r: KotlinxBackwardCompatibleSessionSerializer reads an empty list") || !strings.Contains(ws, "s: element 0 is percent-encoded") {
		t.Errorf("backward-compatible warnings missing: %q", ws)
	}
	v, _ = DecodeText("r=%23cl&s=%23cl%23sa%252520b", "3")
	if ws := strings.Join(v.AllWarnings(), "\n"); ws != "" {
		t.Errorf("reflectionSessionSerializer decodes list elements, no warning expected: %q", ws)
	}
}

func TestHostileInput(t *testing.T) {
	tests := []struct {
		name string
		in   string
		err  error
	}{
		{"cl x5000", "x=" + strings.Repeat("%23cl", 5000) + "%23i1", ErrDepth},
		{"op x3000", "x=" + strings.Repeat("%23op", 3000) + "%23i1", ErrDepth},
		{"## x100", "x=" + strings.Repeat("%23%23x%3D", 100), nil},
		{"bd 100k digits", "x=%23bd" + strings.Repeat("7", 100000) + ".5", nil},
		{"f1e999999", "x=%23f1e999999", nil},
		{"10MB string", "x=%23s" + strings.Repeat("a", 10<<20), nil},
		{"10MB of escapes", "x=%23s" + strings.Repeat("%C3%A9", (10<<20)/6), nil},
		{"100k pairs", strings.Repeat("a=%23i1&", 100000), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeText(tc.in, "3")
			if tc.err == nil {
				if err != nil && !errors.Is(err, ErrDepth) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
		})
	}
}

func TestJSONSerializer(t *testing.T) {
	type Inner struct{ A int32 }
	type S struct {
		Name  string
		Count int32
		D     float64
		F     float32
		L     int64
		P     *string
		Tags  []string
		M     OrderedMap[int32, bool]
		In    Inner
		C     Char
		Enum  ktorEnum
	}
	v := S{"a", 1, 1e10, 0.1, 1 << 40, nil, []string{"x"}, OrderedMap[int32, bool]{{2, true}}, Inner{3}, 'z', "B"}
	got, err := MarshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"a","count":1,"d":1.0E10,"f":0.1,"l":1099511627776,"p":null,"tags":["x"],"m":{"2":true},"in":{"a":3},"c":"z","enum":"B"}`
	if got != want {
		t.Errorf("MarshalJSON:\n got %s\nwant %s", got, want)
	}
	var back S
	if err := UnmarshalJSON(got, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, v) {
		t.Errorf("round trip %+v, want %+v", back, v)
	}
	if err := UnmarshalJSON(`{"name":"a"}`, &back); !errors.Is(err, ErrMissing) {
		t.Errorf("missing fields: %v", err)
	}
	var in Inner
	if err := UnmarshalJSON(`{"a":1,"b":2}`, &in); !errors.Is(err, ErrUnknownField) {
		t.Errorf("unknown key: %v", err)
	}
	if err := UnmarshalJSON(`{"a":2147483648}`, &in); !errors.Is(err, ErrType) {
		t.Errorf("Int overflow: %v", err)
	}
	if _, err := MarshalJSON(struct{ D float64 }{math.NaN()}); !errors.Is(err, ErrRange) {
		t.Errorf("NaN: %v", err)
	}
	tree, err := DecodeJSON(`{"b":1.50,"a":12345678901234567890,"c":[true,null,"x"],"b":2}`)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := tree.MarshalJSON()
	if string(js) != `{"b":2,"a":12345678901234567890,"c":[true,null,"x"]}` || len(tree.Warnings) != 1 {
		t.Errorf("DecodeJSON kept %s, warnings %q", js, tree.Warnings)
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{`{"name":"a","count":1}`, FormatJSON},
		{`{"name":`, FormatOpaque},
		{"0123456789abcdef0123456789abcdef", FormatID},
		{strings.Repeat("ab", 32), FormatID},
		{"0123456789ABCDEF0123456789ABCDEF", FormatOpaque},
		{"id=%23i42&name=%23salice", FormatText},
		{" id = #i42", FormatText},
		{"id=42", FormatOpaque},
		{"64717e8b98a5b2bfccd9e6f3000d1a27/19f5a1dd:37af", FormatOpaque},
		{"", FormatOpaque},
	}
	for _, tc := range tests {
		if got := DetectFormat(tc.in); got != tc.want {
			t.Errorf("DetectFormat(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if f, _, err := Decode("garbage", "", "3"); f != FormatOpaque || !errors.Is(err, ErrSyntax) {
		t.Errorf("Decode(garbage) = %s, %v", f, err)
	}
	if DefaultFormat("1.0") != FormatText || DefaultFormat("2") != FormatText || DefaultFormat("3") != FormatJSON {
		t.Error("DefaultFormat")
	}
}

func TestTypedFields(t *testing.T) {
	args := []string{"userId=u-123", "name=Zoë O'Brien", "roles:list<string>=admin,ops/eu", "loginCount:int=17", "admin:bool=true"}
	var fields []Field
	for _, a := range args {
		f, err := ParseTypedField(a)
		if err != nil {
			t.Fatal(err)
		}
		fields = append(fields, f)
	}
	got, err := EncodeFields(fields, "1.0")
	if err != nil {
		t.Fatal(err)
	}
	want := "admin=%23bot&loginCount=%23i17&name=%23sZo%C3%AB+O%27Brien&roles=%23cl%23sadmin%26%23sops%2Feu&userId=%23su-123"
	if got != want {
		t.Errorf("EncodeFields:\n got %s\nwant %s", got, want)
	}
	more := map[string]string{
		"attrs:map<string,int>=z=26,a=1": "attrs=%23m%23sz%3D%23i26%26%23sa%3D%23i1",
		"d:double=3":                     "d=%23f3.0",
		"o:optional<long>=":              "o=%23om",
		"o:optional<long>=5":             "o=%23op%23l5",
		"x:null=":                        "x=%23n",
		"b:bd=1.50":                      "b=%23bd1.50",
		"r:raw=#op#i1":                   "r=%23op%23i1",
		"c:char=é":                       "c=%23ch%C3%A9",
		`l:list<string>=a\,b,c`:          "l=%23cl%23sa%2Cb%26%23sc",
	}
	for in, want := range more {
		f, err := ParseTypedField(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		got, err := EncodeFields([]Field{f}, "3")
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"x", "=1", "x:int=1.5", "x:int=2147483648", "x:char=ab", "x:bool=yes", "x:nope=1", "x:map<int>=1"} {
		if _, err := ParseTypedField(bad); !errors.Is(err, ErrArgument) {
			t.Errorf("ParseTypedField(%q): err %v, want ErrArgument", bad, err)
		}
	}
}

func TestUnmarshalTextKtorRules(t *testing.T) {
	type F struct {
		F float32
		D float64
	}
	var f F
	if err := UnmarshalText("f=%23i5&d=%23f2.5", &f); err != nil || f.F != 5 {
		t.Errorf("Float from Int (Ktor coerces): %+v %v", f, err)
	}
	if err := UnmarshalText("f=%23f1&d=%23i5", &f); !errors.Is(err, ErrType) {
		t.Errorf("Double from Int: %v, want ErrType", err)
	}
	var s SimpleSession
	if err := UnmarshalText("ID=%23i1&NAME=%23sx", &s); err != nil || s.ID != 1 || s.Name != "x" {
		t.Errorf("case-insensitive names: %+v %v", s, err)
	}
	if err := UnmarshalText("id=%23i1&name=%23n", &s); !errors.Is(err, ErrNull) {
		t.Errorf("null into String: %v", err)
	}
	if err := UnmarshalText("id=%23i1", &s); !errors.Is(err, ErrMissing) {
		t.Errorf("missing: %v", err)
	}
	var e struct{ E ktorEnum }
	if err := UnmarshalText("e=%23sC", &e); !errors.Is(err, ErrType) {
		t.Errorf("unknown enum: %v", err)
	}
	if err := UnmarshalText("x", nil); !errors.Is(err, ErrArgument) {
		t.Errorf("nil target: %v", err)
	}
}

func transformProfile(s string) transform.Profile { return transform.Profile(s) }
