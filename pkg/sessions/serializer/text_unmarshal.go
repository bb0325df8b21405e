package serializer

import (
	"encoding"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// UnmarshalText reads a Ktor text-format payload into v, a pointer to a
// struct, as SessionSerializerReflection from Ktor 1.5.0 on would (nested
// objects allowed): names match case-insensitively, the first of duplicates wins,
// unknown names are ignored, every field is required unless tagged
// `ktor:",optional"`, #n needs a pointer (nullable) field, and types must
// match (#l into an Int field is a type mismatch) except where Ktor coerces
// (any number into a Float, a List into a Set and back).
func UnmarshalText(s string, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &DecodeError{Offset: -1, Err: ErrArgument, Detail: "UnmarshalText needs a non-nil pointer"}
	}
	tree, err := DecodeText(s, transform.Profile("1.6"))
	if err != nil {
		return err
	}
	return assign(nil, rv.Elem(), tree, fieldInfo{}, "", 0)
}

// assign stores a decoded value into a Go value (text or JSON kinds).
func assign(o *JSONOptions, dst reflect.Value, src Value, f fieldInfo, path string, depth int) error {
	if depth > MaxDepth+2 {
		return decErr(path, -1, ErrDepth, "more than %d levels of nesting", MaxDepth)
	}
	t := dst.Type()
	mismatch := func() error {
		return decErr(path, -1, ErrType, "%s (%s) cannot go into Go %s", src.KtorType(), src.Kind, t)
	}
	isNull := src.Kind == KindNull || src.Kind == KindJSONNull
	switch {
	case t == typValue:
		dst.Set(reflect.ValueOf(src))
		return nil
	case t.Kind() == reflect.Pointer:
		if isNull {
			dst.SetZero()
			return nil
		}
		n := reflect.New(t.Elem())
		if err := assign(o, n.Elem(), src, f, path, depth+1); err != nil {
			return err
		}
		dst.Set(n)
		return nil
	case t.Kind() == reflect.Interface && t.NumMethod() == 0:
		dst.Set(reflect.ValueOf(src))
		return nil
	case t.Implements(typOptional) && src.Kind != KindOptional:
		// JSON: kotlinx has no Optional; null is empty, anything else present
		dst.SetZero()
		if isNull {
			return nil
		}
		if !isJSONKind(src.Kind) {
			return mismatch()
		}
		if err := assign(o, dst.FieldByName("Value"), src, fieldInfo{}, path, depth+1); err != nil {
			return err
		}
		dst.FieldByName("Present").SetBool(true)
		return nil
	case isNull:
		return decErr(path, -1, ErrNull, "null for non-nullable Go %s (use a pointer)", t)
	case t == typBigInt:
		s, ok := textOf(src, KindBigInteger)
		if !ok {
			return mismatch()
		}
		b, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return decErr(path, -1, ErrSyntax, "BigInteger %q", clip(s))
		}
		dst.Set(reflect.ValueOf(*b))
		return nil
	case t == typBigDecimal:
		s, ok := textOf(src, KindBigDecimal)
		if !ok {
			return mismatch()
		}
		d, err := ParseBigDecimal(s)
		if err != nil {
			return withPath(err, path)
		}
		dst.Set(reflect.ValueOf(d))
		return nil
	case t == typChar || f.char && t.Kind() == reflect.Int32:
		if src.Kind != KindChar && src.Kind != KindJSONString {
			return mismatch()
		}
		u, _ := firstUTF16(src.Text)
		dst.SetInt(int64(u))
		return nil
	case t.Implements(typOptional):
		if src.Kind != KindOptional {
			return mismatch()
		}
		dst.SetZero()
		if len(src.Items) == 0 {
			return nil
		}
		if err := assign(o, dst.FieldByName("Value"), src.Items[0], fieldInfo{}, path+"?", depth+1); err != nil {
			return err
		}
		dst.FieldByName("Present").SetBool(true)
		return nil
	}
	if dst.CanAddr() {
		if tu, ok := dst.Addr().Interface().(encoding.TextUnmarshaler); ok {
			if src.Kind != KindString && src.Kind != KindJSONString {
				return mismatch()
			}
			if err := tu.UnmarshalText([]byte(src.Text)); err != nil {
				return decErr(path, -1, ErrType, "%s.UnmarshalText(%q): %v", t, clip(src.Text), err)
			}
			return nil
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		if src.Kind != KindBool && src.Kind != KindJSONBool {
			return mismatch()
		}
		dst.SetBool(src.Text == "true")
	case reflect.String:
		if src.Kind != KindString && src.Kind != KindJSONString {
			return mismatch()
		}
		dst.SetString(src.Text)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int, reflect.Int64,
		reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64, reflect.Uintptr:
		want := KindInt
		if k := t.Kind(); k == reflect.Int64 || k == reflect.Uint32 || k == reflect.Uint || k == reflect.Uint64 || k == reflect.Uintptr {
			want = KindLong
		}
		var n int64
		switch {
		case src.Kind == want:
			n, _ = strconv.ParseInt(src.Text, 10, 64)
		case src.Kind == KindJSONNumber || src.Kind == KindJSONString: // kotlinx's consumeNumericLiteral takes a quoted number too
			bits := 32
			if want == KindLong {
				bits = 64
			}
			x, err := strconv.ParseInt(src.Text, 10, bits)
			if err != nil {
				return decErr(path, -1, ErrType, "JSON number %s is not a Kotlin %s", clip(src.Text), want)
			}
			n = x
		default:
			return mismatch()
		}
		if dst.CanInt() {
			if dst.OverflowInt(n) {
				return decErr(path, -1, ErrRange, "%d does not fit Go %s", n, t)
			}
			dst.SetInt(n)
		} else {
			if n < 0 || dst.OverflowUint(uint64(n)) {
				return decErr(path, -1, ErrRange, "%d does not fit Go %s", n, t)
			}
			dst.SetUint(uint64(n))
		}
	case reflect.Float32, reflect.Float64:
		var x float64
		var err error
		switch src.Kind {
		case KindFloat:
			x, err = parseJavaDouble(src.Text)
		case KindJSONNumber, KindJSONString: // kotlinx: the literal (quoted or not) through toDouble()
			x, err = parseJavaDouble(src.Text)
			if err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
				return decErr(path, -1, ErrRange, "kotlinx Json refuses the special floating-point value %s (allowSpecialFloatingPointValues = false)", formatJavaDouble(x))
			}
		case KindInt, KindLong, KindBigDecimal, KindBigInteger:
			if t.Kind() != reflect.Float32 { // Ktor coerces any Number to Float, not to Double
				return mismatch()
			}
			x, err = strconv.ParseFloat(src.Text, 64)
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				err = nil
			}
		default:
			return mismatch()
		}
		if err != nil {
			return withPath(err, path)
		}
		if t.Kind() == reflect.Float32 {
			x = float64(float32(x))
		}
		dst.SetFloat(x)
	case reflect.Slice, reflect.Array:
		if t.Implements(typOrderedMap) {
			return assignOrderedMap(o, dst, src, path, depth)
		}
		if src.Kind != KindList && src.Kind != KindSet && src.Kind != KindJSONArray {
			return mismatch()
		}
		if t.Kind() == reflect.Array {
			if len(src.Items) != t.Len() {
				return decErr(path, -1, ErrType, "%d elements for Go %s", len(src.Items), t)
			}
		} else {
			dst.Set(reflect.MakeSlice(t, len(src.Items), len(src.Items)))
		}
		for i, it := range src.Items {
			if err := assign(o, dst.Index(i), it, fieldInfo{}, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		if src.Kind == KindJSONObject {
			m := reflect.MakeMapWithSize(t, len(src.Fields))
			for _, fl := range src.Fields {
				k := reflect.New(t.Key()).Elem()
				if err := assign(o, k, jsonKey(fl.Name, t.Key()), fieldInfo{}, path+"{key}", depth+1); err != nil {
					return err
				}
				x := reflect.New(t.Elem()).Elem()
				if err := assign(o, x, fl.Value, fieldInfo{}, path+"{"+fl.Name+"}", depth+1); err != nil {
					return err
				}
				m.SetMapIndex(k, x)
			}
			dst.Set(m)
			return nil
		}
		if src.Kind != KindMap {
			return mismatch()
		}
		m := reflect.MakeMapWithSize(t, len(src.Items)/2)
		for i := 0; i+1 < len(src.Items); i += 2 {
			k := reflect.New(t.Key()).Elem()
			if err := assign(o, k, src.Items[i], fieldInfo{}, path+"{key}", depth+1); err != nil {
				return err
			}
			x := reflect.New(t.Elem()).Elem()
			if err := assign(o, x, src.Items[i+1], fieldInfo{}, path+"{"+src.Items[i].Text+"}", depth+1); err != nil {
				return err
			}
			m.SetMapIndex(k, x)
		}
		dst.Set(m)
	case reflect.Struct:
		if src.Kind != KindObject && src.Kind != KindJSONObject {
			return mismatch()
		}
		return assignStruct(o, dst, src, path, depth)
	default:
		return decErr(path, -1, ErrUnsupported, "Go type %s has no Ktor equivalent", t)
	}
	return nil
}

// jsonKey turns a JSON object key back into a scalar value for a map key of
// Go type kt (kotlinx writes primitive keys as their toString).
func jsonKey(name string, kt reflect.Type) Value {
	switch kt.Kind() {
	case reflect.Bool:
		return Value{Kind: KindJSONBool, Text: name}
	case reflect.String:
		return Value{Kind: KindJSONString, Text: name}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int, reflect.Int64,
		reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64, reflect.Float32, reflect.Float64:
		return Value{Kind: KindJSONNumber, Text: name}
	}
	return Value{Kind: KindJSONString, Text: name}
}

func isJSONKind(k Kind) bool {
	return len(k) > 0 && k[0] == 'j'
}

func textOf(v Value, k Kind) (string, bool) {
	switch v.Kind {
	case k:
		return v.Text, true
	case KindJSONNumber, KindJSONString:
		return v.Text, true
	}
	return "", false
}

func assignOrderedMap(o *JSONOptions, dst reflect.Value, src Value, path string, depth int) error {
	t := dst.Type()
	if src.Kind == KindJSONObject {
		dst.Set(reflect.MakeSlice(t, len(src.Fields), len(src.Fields)))
		for i, fl := range src.Fields {
			en := dst.Index(i)
			if err := assign(o, en.Field(0), jsonKey(fl.Name, en.Field(0).Type()), fieldInfo{}, path+"{key}", depth+1); err != nil {
				return err
			}
			if err := assign(o, en.Field(1), fl.Value, fieldInfo{}, path+"{"+fl.Name+"}", depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if src.Kind != KindMap {
		return decErr(path, -1, ErrType, "%s cannot go into Go %s", src.KtorType(), t)
	}
	n := len(src.Items) / 2
	dst.Set(reflect.MakeSlice(t, n, n))
	for i := 0; i < n; i++ {
		en := dst.Index(i)
		if err := assign(o, en.Field(0), src.Items[2*i], fieldInfo{}, path+"{key}", depth+1); err != nil {
			return err
		}
		if err := assign(o, en.Field(1), src.Items[2*i+1], fieldInfo{}, path+"{"+src.Items[2*i].Text+"}", depth+1); err != nil {
			return err
		}
	}
	return nil
}

func assignStruct(o *JSONOptions, dst reflect.Value, src Value, path string, depth int) error {
	si := fieldsOf(dst.Type())
	byName := make(map[string]int, len(src.Fields))
	for i, f := range src.Fields {
		k := f.Name
		if src.Kind == KindObject {
			k = foldName(k)
		}
		if _, dup := byName[k]; !dup || src.Kind == KindJSONObject {
			byName[k] = i // JSON: the later duplicate wins, as kotlinx assigns in order
		}
	}
	var missing []string
	for _, f := range si.declared {
		k := f.name
		if src.Kind == KindObject {
			k = foldName(k)
		}
		i, ok := byName[k]
		if !ok {
			switch {
			case f.def && src.Kind == KindJSONObject:
				// kotlinx fills in the default of an absent property
				fv := fieldForSet(dst, f.index)
				if f.defaultJSON == "" {
					fv.Set(reflect.Zero(fv.Type()))
					continue
				}
				dv, err := DecodeJSON(f.defaultJSON)
				if err != nil {
					return withPath(err, joinPath(path, f.name)+" (default)")
				}
				if err := assign(o, fv, dv, f, joinPath(path, f.name), depth+1); err != nil {
					return err
				}
			case f.optional:
			case src.Kind == KindJSONObject && o != nil && o.ImplicitNulls && isNullable(f.typ):
				fieldForSet(dst, f.index).SetZero() // explicitNulls = false: absent is null
			default:
				missing = append(missing, f.name)
			}
			continue
		}
		fv := fieldForSet(dst, f.index)
		if err := assign(o, fv, src.Fields[i].Value, f, joinPath(path, f.name), depth+1); err != nil {
			return err
		}
	}
	if src.Kind == KindJSONObject && (o == nil || !o.IgnoreUnknownKeys) {
		known := make(map[string]bool, len(si.declared))
		for _, f := range si.declared {
			known[f.name] = true
		}
		for _, fl := range src.Fields {
			if !known[fl.Name] {
				return decErr(joinPath(path, fl.Name), -1, ErrUnknownField, "kotlinx Json (ignoreUnknownKeys = false) rejects an unknown key")
			}
		}
	}
	if len(missing) > 0 {
		return decErr(path, -1, ErrMissing, "no value for %s", strings.Join(missing, ", "))
	}
	return nil
}

// fieldForSet walks index, allocating nil embedded pointers.
func fieldForSet(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

var _ = math.MaxInt32
