package serializer

import (
	"math/big"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Optional is java.util.Optional: "#op…" when Present, "#om" when not.
type Optional[T any] struct {
	Value   T
	Present bool
}

// Some returns a present Optional.
func Some[T any](v T) Optional[T] { return Optional[T]{Value: v, Present: true} }

// None returns an empty Optional.
func None[T any]() Optional[T] { return Optional[T]{} }

func (Optional[T]) ktorOptional() {}

// Set is a Kotlin Set ("#cs" as SessionSerializerReflection writes it; the
// backward-compatible kotlinx serializer writes sets as lists, "#cl"). A
// slice field tagged `ktor:",set"` is a Set too.
type Set[T any] []T

func (Set[T]) ktorSet() {}

// Entry is one key/value pair of an OrderedMap.
type Entry[K, V any] struct {
	Key   K
	Value V
}

// OrderedMap is a Kotlin LinkedHashMap: entries in insertion order. A plain
// Go map is written with its keys in sorted order.
type OrderedMap[K, V any] []Entry[K, V]

func (OrderedMap[K, V]) ktorMap() {}

// Char is a Kotlin Char ("#ch"). Kotlin's Char is one UTF-16 unit, so a
// Char must be at most U+FFFF. An int32/rune field tagged `ktor:",char"`
// is a Char too.
type Char rune

// BigDecimal is java.math.BigDecimal: Unscaled × 10^-Scale. It keeps its
// scale, so 1.50 stays "1.50".
type BigDecimal struct {
	Unscaled *big.Int
	Scale    int32
}

// ParseBigDecimal reads s the way new BigDecimal(s) does.
func ParseBigDecimal(s string) (BigDecimal, error) {
	d, err := parseJavaBigDecimal(s)
	if err != nil {
		return BigDecimal{}, err
	}
	u, _ := new(big.Int).SetString(d.digits, 10)
	if d.neg {
		u.Neg(u)
	}
	return BigDecimal{Unscaled: u, Scale: int32(d.scale)}, nil
}

// String is BigDecimal.toString.
func (d BigDecimal) String() string {
	u := d.Unscaled
	if u == nil {
		u = new(big.Int)
	}
	digits := u.String()
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	return javaDecimal{neg: neg, digits: digits, scale: int64(d.Scale)}.String()
}

var (
	typValue      = reflect.TypeFor[Value]()
	typBigInt     = reflect.TypeFor[big.Int]()
	typBigDecimal = reflect.TypeFor[BigDecimal]()
	typChar       = reflect.TypeFor[Char]()
	typOptional   = reflect.TypeFor[interface{ ktorOptional() }]()
	typSet        = reflect.TypeFor[interface{ ktorSet() }]()
	typOrderedMap = reflect.TypeFor[interface{ ktorMap() }]()
)

// fieldInfo is one serialized struct field.
type fieldInfo struct {
	name     string // the Kotlin property name
	index    []int
	goName   string
	set      bool // slice as Set
	char     bool // rune as Char
	optional bool // may be absent on decode
	// def (`default`): the Kotlin property has a default value (optional
	// too), defaultJSON (`default=JSON`) as kotlinx writes it, "" the Go
	// zero value: kotlinx Json leaves the property out when it equals its
	// default and fills it in when absent.
	def         bool
	defaultJSON string
	typ         reflect.Type
}

type structInfo struct {
	declared []fieldInfo
	sorted   []fieldInfo // by name, as Kotlin's sortedBy { it.name }
}

var structCache sync.Map // reflect.Type → *structInfo

// fieldsOf lists t's serialized fields: exported, not tagged `ktor:"-"`,
// named by the tag or by the Go name in lowerCamelCase (UserID → userID,
// LoginCount → loginCount). Embedded structs without a tag are flattened.
func fieldsOf(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, hasTag := f.Tag.Lookup("ktor")
			if tag == "-" {
				continue
			}
			idx := append(append([]int(nil), index...), i)
			if f.Anonymous && !hasTag && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if name == "" {
				name = lowerCamel(f.Name)
			}
			fi := fieldInfo{name: name, index: idx, goName: f.Name, typ: f.Type}
			for _, o := range strings.Split(opts, ",") {
				switch o {
				case "set":
					fi.set = true
				case "char":
					fi.char = true
				case "optional":
					fi.optional = true
				case "default":
					fi.def, fi.optional = true, true
				default:
					if d, ok := strings.CutPrefix(o, "default="); ok {
						fi.def, fi.optional, fi.defaultJSON = true, true, d
					}
				}
			}
			si.declared = append(si.declared, fi)
		}
	}
	walk(t, nil)
	si.sorted = append([]fieldInfo(nil), si.declared...)
	sortFields(si.sorted)
	v, _ := structCache.LoadOrStore(t, si)
	return v.(*structInfo)
}

func sortFields(fs []fieldInfo) {
	// insertion sort keeps it stable and dependency-free; structs are small
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && lessUTF16(fs[j].name, fs[j-1].name); j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// lessUTF16 is Kotlin's String.compareTo (UTF-16 unit order).
func lessUTF16(a, b string) bool {
	// unit by unit without allocating (encode --jsonl sorts every session's fields)
	var pa, pb rune = -1, -1 // the pending low surrogate of a rune above U+FFFF
	for {
		ua, oka := nextUTF16(&a, &pa)
		ub, okb := nextUTF16(&b, &pb)
		switch {
		case !oka || !okb:
			return !oka && okb
		case ua != ub:
			return ua < ub
		}
	}
}

// nextUTF16: the next UTF-16 unit of *s as Java would hold the string ([]rune conversion: invalid
// UTF-8 is U+FFFD), false at the end.
func nextUTF16(s *string, pending *rune) (rune, bool) {
	if *pending >= 0 {
		u := *pending
		*pending = -1
		return u, true
	}
	if *s == "" {
		return 0, false
	}
	r, n := utf8.DecodeRuneInString(*s)
	*s = (*s)[n:]
	if r >= 0x10000 {
		hi, lo := utf16.EncodeRune(r)
		*pending = lo
		return hi, true
	}
	return r, true
}

// lowerCamel lowers the leading run of capitals: LoginCount → loginCount,
// ID → id, HTTPServer → httpServer, UserID → userID.
func lowerCamel(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == 1 || n == len(r):
		// lower all of them
	default:
		if unicode.IsLower(r[n]) {
			n-- // keep the capital that starts the next word
		}
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}
