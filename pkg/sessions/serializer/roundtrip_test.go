package serializer

import (
	"math"
	"math/big"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"testing/quick"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

type rtInner struct {
	N    int32
	Tags []string
}

// rtSession holds every supported Go type once.
type rtSession struct {
	I   int32
	L   int64
	U   uint16
	D   float64
	F   float32
	B   bool
	C   Char
	S   string
	E   ktorEnum
	BI  big.Int
	PBI *big.Int
	BD  BigDecimal
	P   *string
	PN  *int64
	O   Optional[string]
	OE  Optional[int32]
	LS  []string
	LI  []int64
	SI  Set[int32]
	M   OrderedMap[string, float64]
	GM  map[int32]bool
	In  rtInner
	PIn *rtInner
}

const safeRunes = "abcXYZ019 -._~!$'()*,;:/?@[]+%\"<>\\^`{|}\té日本😀"

func randString(r *rand.Rand, allowSep bool) string {
	rs := []rune(safeRunes)
	if allowSep {
		rs = append(rs, '&', '=', '#')
	}
	n := r.Intn(8)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(rs[r.Intn(len(rs))])
	}
	return b.String()
}

func randFloat(r *rand.Rand) float64 {
	switch r.Intn(6) {
	case 0:
		return []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1e21, 1e-5, 5e-324, math.MaxFloat64}[r.Intn(8)]
	case 1:
		return float64(r.Int63n(1000))
	}
	return math.Float64frombits(r.Uint64())
}

func (rtSession) Generate(r *rand.Rand, _ int) reflect.Value {
	s := rtSession{
		I: r.Int31() - r.Int31(), L: r.Int63() - r.Int63(), U: uint16(r.Intn(65536)),
		D: randFloat(r), F: float32(randFloat(r)), B: r.Intn(2) == 0,
		C: Char([]rune("a é日~&=#+%")[r.Intn(10)]), S: randString(r, true), E: []ktorEnum{"A", "B"}[r.Intn(2)],
	}
	if math.IsNaN(s.D) {
		s.D = 1.5
	}
	if math.IsNaN(float64(s.F)) {
		s.F = 2.5
	}
	s.BI.SetString(strings.Repeat("9", r.Intn(60)+1), 10)
	if r.Intn(2) == 0 {
		s.BI.Neg(&s.BI)
		s.PBI = big.NewInt(r.Int63())
	}
	s.BD = BigDecimal{Unscaled: big.NewInt(r.Int63() - r.Int63()), Scale: int32(r.Intn(40) - 20)}
	if r.Intn(2) == 0 {
		p := randString(r, true)
		s.P = &p
	}
	if r.Intn(2) == 0 {
		n := r.Int63()
		s.PN = &n
	}
	if r.Intn(2) == 0 {
		s.O = Some(randString(r, true))
	}
	if r.Intn(2) == 0 {
		s.OE = Some(r.Int31())
	}
	for i := r.Intn(4); i > 0; i-- {
		s.LS = append(s.LS, randString(r, false))
		s.LI = append(s.LI, r.Int63())
	}
	seen := map[int32]bool{}
	for i := r.Intn(4); i > 0; i-- {
		x := r.Int31n(10)
		if !seen[x] {
			seen[x] = true
			s.SI = append(s.SI, x)
		}
	}
	keys := map[string]bool{}
	for i := r.Intn(4); i > 0; i-- {
		k := randString(r, false)
		if !keys[k] {
			keys[k] = true
			x := randFloat(r)
			if math.IsNaN(x) || math.IsInf(x, 0) {
				x = 0.5
			}
			s.M = append(s.M, Entry[string, float64]{k, x})
		}
	}
	if r.Intn(2) == 0 {
		s.GM = map[int32]bool{r.Int31(): true, -1: false}
	}
	s.In = rtInner{N: r.Int31(), Tags: []string{randString(r, false)}}
	if r.Intn(2) == 0 {
		s.PIn = &rtInner{N: 1}
	}
	return reflect.ValueOf(s)
}

// normalise makes nil and empty slices compare equal (Ktor cannot tell
// them apart either) and BigDecimal/big.Int comparable.
func normalise(s rtSession) rtSession {
	if len(s.LS) == 0 {
		s.LS = nil
	}
	if len(s.LI) == 0 {
		s.LI = nil
	}
	if len(s.SI) == 0 {
		s.SI = nil
	}
	if len(s.M) == 0 {
		s.M = nil
	}
	if len(s.GM) == 0 {
		s.GM = nil
	}
	if len(s.In.Tags) == 0 {
		s.In.Tags = nil
	}
	if s.PIn != nil && len(s.PIn.Tags) == 0 {
		s.PIn.Tags = nil
	}
	return s
}

func sameSession(a, b rtSession) bool {
	a, b = normalise(a), normalise(b)
	if a.BI.Cmp(&b.BI) != 0 || a.BD.String() != b.BD.String() || (a.PBI == nil) != (b.PBI == nil) ||
		(a.PBI != nil && a.PBI.Cmp(b.PBI) != 0) {
		return false
	}
	a.BI, b.BI, a.PBI, b.PBI, a.BD, b.BD = big.Int{}, big.Int{}, nil, nil, BigDecimal{}, BigDecimal{}
	return reflect.DeepEqual(a, b)
}

func TestRoundTripText(t *testing.T) {
	for _, p := range []transform.Profile{"1.6", "2", "3"} {
		f := func(s rtSession) bool {
			text, err := MarshalText(&s, p)
			if err != nil {
				t.Logf("MarshalText: %v", err)
				return false
			}
			var back rtSession
			if err := UnmarshalText(text, &back); err != nil {
				t.Logf("UnmarshalText(%s): %v", text, err)
				return false
			}
			if !sameSession(s, back) {
				t.Logf("profile %s:\n in %+v\nout %+v\ntext %s", p, s, back, text)
				return false
			}
			// the schema-less tree writes the same text back
			tree, err := DecodeText(text, p)
			if err != nil {
				t.Logf("DecodeText: %v", err)
				return false
			}
			again, err := Encode(tree, FormatText, p)
			if err != nil || again != text {
				t.Logf("Encode(DecodeText) = %s, %v\nwant %s", again, err, text)
				return false
			}
			return true
		}
		if err := quick.Check(f, &quick.Config{MaxCount: 300}); err != nil {
			t.Errorf("profile %s: %v", p, err)
		}
	}
}

func TestRoundTripJSON(t *testing.T) {
	f := func(s rtSession) bool {
		if math.IsInf(s.D, 0) || math.IsInf(float64(s.F), 0) {
			s.D, s.F = 1, 1
		}
		js, err := MarshalJSON(&s)
		if err != nil {
			t.Logf("MarshalJSON: %v", err)
			return false
		}
		var back rtSession
		if err := UnmarshalJSON(js, &back); err != nil {
			t.Logf("UnmarshalJSON(%s): %v", js, err)
			return false
		}
		if !sameSession(s, back) {
			t.Logf("\n in %+v\nout %+v\njson %s", s, back, js)
			return false
		}
		return true
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 300}); err != nil {
		t.Error(err)
	}
}

func TestRoundTripScalars(t *testing.T) {
	f := func(i int32, l int64, d float64, fl float32, s string, b bool) bool {
		type S struct {
			I  int32
			L  int64
			D  float64
			Fl float32
			S  string
			B  bool
		}
		if math.IsNaN(d) {
			d = 0
		}
		if math.IsNaN(float64(fl)) {
			fl = 0
		}
		s = strings.ToValidUTF8(s, "?")
		in := S{i, l, d, fl, s, b}
		for _, p := range []transform.Profile{"1.0", "3"} {
			text, err := MarshalText(in, p)
			if err != nil {
				return false
			}
			var out S
			if err := UnmarshalText(text, &out); err != nil || out != in {
				t.Logf("%s: %+v -> %s -> %+v %v", p, in, text, out, err)
				return false
			}
		}
		return true
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
}
