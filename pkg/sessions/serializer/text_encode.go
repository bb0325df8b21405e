package serializer

import (
	"encoding"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// MarshalText writes v (a struct or a pointer to one) in Ktor's reflection
// text format, byte for byte as SessionSerializerReflection of p's release
// does (the default serializer before 3.0.0, reflectionSessionSerializer()
// in 3.x): properties sorted by name. Go types map to Kotlin types as
// described in the package documentation.
func MarshalText(v any, p transform.Profile) (string, error) {
	return MarshalTextWith(v, Reflection, p)
}

// MarshalTextWith is MarshalText for serializer s: BackwardCompatible
// (KotlinxBackwardCompatibleSessionSerializer, 2.2.0 on) writes properties
// in declaration order and Sets as Lists.
func MarshalTextWith(v any, s TextStyle, p transform.Profile) (string, error) {
	if err := CheckTextStyle(s, p); err != nil {
		return "", err
	}
	e := textEncoder{textRules: rulesOf(p, s)}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return "", encErr("", ErrArgument, "nil session")
		}
		rv = rv.Elem()
	}
	if rv.Type() == typValue {
		val := rv.Interface().(Value)
		if val.Kind != KindObject {
			return "", encErr("", ErrArgument, "a session is an object, not %s", val.Kind)
		}
		return e.objectValue(val, "", 0)
	}
	if rv.Kind() != reflect.Struct {
		return "", encErr("", ErrArgument, "a session must be a struct, not %s", rv.Type())
	}
	return e.object(rv, "", 0)
}

type textEncoder struct {
	textRules
}

func (e *textEncoder) object(rv reflect.Value, path string, depth int) (string, error) {
	if depth > MaxDepth {
		return "", encErr(path, ErrDepth, "more than %d levels of nesting (a cycle?)", MaxDepth)
	}
	si := fieldsOf(rv.Type())
	fields := si.sorted
	if e.compat {
		fields = si.declared
	}
	names := make([]string, 0, len(fields))
	values := make([]string, 0, len(fields))
	for _, f := range fields {
		fv, ok := fieldByIndex(rv, f.index)
		if !ok {
			continue // nil embedded pointer
		}
		s, err := e.value(fv, f, joinPath(path, f.goName), depth+1)
		if err != nil {
			return "", err
		}
		names = append(names, f.name)
		values = append(values, s)
	}
	return formURLEncode(names, values, e.keepEquals), nil
}

func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// value is serializeValue for one Go value.
func (e *textEncoder) value(v reflect.Value, f fieldInfo, path string, depth int) (string, error) {
	if depth > MaxDepth {
		return "", encErr(path, ErrDepth, "more than %d levels of nesting (a cycle?)", MaxDepth)
	}
	if !v.IsValid() {
		return "#n", nil
	}
	t := v.Type()
	switch {
	case t == typValue:
		return e.treeValue(v.Interface().(Value), path, depth)
	case t == typBigInt:
		b := v.Interface().(big.Int)
		return "#bi" + b.String(), nil
	case t == typBigDecimal:
		return "#bd" + v.Interface().(BigDecimal).String(), nil
	case t == typChar || f.char && t.Kind() == reflect.Int32:
		return charText(rune(v.Int()), path)
	case t.Implements(typOptional):
		if !v.FieldByName("Present").Bool() {
			return "#om", nil
		}
		in, err := e.value(v.FieldByName("Value"), fieldInfo{}, path+"?", depth+1)
		if err != nil {
			return "", err
		}
		return "#op" + in, nil
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "#n", nil
		}
		if t.Kind() == reflect.Pointer && t.Elem() == typBigInt {
			return "#bi" + v.Interface().(*big.Int).String(), nil
		}
		return e.value(v.Elem(), f, path, depth+1)
	}
	if s, ok, err := marshalTextOf(v, path); ok {
		return s, err
	}
	switch t.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return "#bot", nil
		}
		return "#bof", nil
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int:
		n := v.Int()
		if n < math.MinInt32 || n > math.MaxInt32 {
			return "", encErr(path, ErrRange, "%d does not fit a Kotlin Int (use int64 for Long)", n)
		}
		return "#i" + strconv.FormatInt(n, 10), nil
	case reflect.Int64:
		return "#l" + strconv.FormatInt(v.Int(), 10), nil
	case reflect.Uint8, reflect.Uint16:
		return "#i" + strconv.FormatUint(v.Uint(), 10), nil
	case reflect.Uint32, reflect.Uint, reflect.Uint64, reflect.Uintptr:
		n := v.Uint()
		if n > math.MaxInt64 {
			return "", encErr(path, ErrRange, "%d does not fit a Kotlin Long", n)
		}
		return "#l" + strconv.FormatUint(n, 10), nil
	case reflect.Float32:
		return "#f" + formatJavaFloat32(float32(v.Float())), nil
	case reflect.Float64:
		return "#f" + formatJavaDouble(v.Float()), nil
	case reflect.String:
		return "#s" + v.String(), nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "", encErr(path, ErrUnsupported, "%s: Ktor has no byte array type", t)
		}
		if t.Implements(typOrderedMap) {
			return e.orderedMap(v, path, depth)
		}
		isSet := f.set || t.Implements(typSet)
		items := make([]string, v.Len())
		for i := range items {
			s, err := e.value(v.Index(i), fieldInfo{}, path+"["+strconv.Itoa(i)+"]", depth+1)
			if err != nil {
				return "", err
			}
			items[i] = s
		}
		prefix := "#cl"
		if isSet && !e.compat {
			prefix = "#cs"
		}
		return prefix + collectionText(items), nil
	case reflect.Map:
		return e.goMap(v, path, depth)
	case reflect.Struct:
		if !e.nested {
			return "", encErr(path, ErrUnsupported, "%s: Ktor %s cannot serialize nested objects (## needs Ktor 1.5.0 or later)", t, e.release)
		}
		s, err := e.object(v, path, depth+1)
		if err != nil {
			return "", err
		}
		return "##" + s, nil
	}
	return "", encErr(path, ErrUnsupported, "Go type %s has no Ktor equivalent", t)
}

func asTextMarshaler(v reflect.Value) (encoding.TextMarshaler, bool) {
	if !v.CanInterface() {
		return nil, false
	}
	tm, ok := v.Interface().(encoding.TextMarshaler)
	if ok {
		return tm, true
	}
	if v.CanAddr() {
		tm, ok = v.Addr().Interface().(encoding.TextMarshaler)
	}
	return tm, ok
}

// marshalTextOf handles struct and array types with MarshalText (UUID
// types, enums) as Kotlin strings.
func marshalTextOf(v reflect.Value, path string) (string, bool, error) {
	tm, ok := asTextMarshaler(v)
	if !ok {
		return "", false, nil
	}
	b, err := tm.MarshalText()
	if err != nil {
		return "", true, encErr(path, ErrArgument, "MarshalText: %v", err)
	}
	return "#s" + string(b), true, nil
}

func charText(r rune, path string) (string, error) {
	if r < 0 || r > 0xFFFF || (r >= 0xD800 && r <= 0xDFFF) || !utf8.ValidRune(r) {
		return "", encErr(path, ErrRange, "%U is not one UTF-16 unit: a Kotlin Char cannot hold it", r)
	}
	return "#ch" + string(r), nil
}

// collectionText is serializeCollection: each element
// encodeURLQueryComponent-ed, joined by '&', the whole encoded once more.
func collectionText(items []string) string {
	for i := range items {
		items[i] = encodeURLQueryComponent(items[i])
	}
	return encodeURLQueryComponent(strings.Join(items, "&"))
}

func mapText(keys, values []string) string {
	parts := make([]string, len(keys))
	for i := range keys {
		parts[i] = encodeURLQueryComponent(keys[i]) + "=" + encodeURLQueryComponent(values[i])
	}
	return encodeURLQueryComponent(strings.Join(parts, "&"))
}

func (e *textEncoder) orderedMap(v reflect.Value, path string, depth int) (string, error) {
	keys := make([]string, v.Len())
	vals := make([]string, v.Len())
	for i := range keys {
		en := v.Index(i)
		k, err := e.value(en.Field(0), fieldInfo{}, path+"{key "+strconv.Itoa(i)+"}", depth+1)
		if err != nil {
			return "", err
		}
		x, err := e.value(en.Field(1), fieldInfo{}, path+"{"+strconv.Itoa(i)+"}", depth+1)
		if err != nil {
			return "", err
		}
		keys[i], vals[i] = k, x
	}
	return "#m" + mapText(keys, vals), nil
}

// goMap writes a Go map with its keys sorted by their serialized text.
func (e *textEncoder) goMap(v reflect.Value, path string, depth int) (string, error) {
	type kv struct{ k, v string }
	entries := make([]kv, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := e.value(it.Key(), fieldInfo{}, path+"{key}", depth+1)
		if err != nil {
			return "", err
		}
		x, err := e.value(it.Value(), fieldInfo{}, path+"{"+k+"}", depth+1)
		if err != nil {
			return "", err
		}
		entries = append(entries, kv{k, x})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].k < entries[j].k })
	keys := make([]string, len(entries))
	vals := make([]string, len(entries))
	for i, en := range entries {
		keys[i], vals[i] = en.k, en.v
	}
	return "#m" + mapText(keys, vals), nil
}

// treeValue writes a decoded Value back in the text format.
func (e *textEncoder) treeValue(v Value, path string, depth int) (string, error) {
	if depth > MaxDepth {
		return "", encErr(path, ErrDepth, "more than %d levels of nesting", MaxDepth)
	}
	switch v.Kind {
	case KindNull, KindJSONNull:
		return "#n", nil
	case KindInt:
		n, err := parseJavaInt(v.Text, 32)
		if err != nil {
			return "", encErr(path, ErrRange, "Int %q: %v", clip(v.Text), err)
		}
		return "#i" + strconv.FormatInt(n, 10), nil
	case KindLong:
		n, err := parseJavaInt(v.Text, 64)
		if err != nil {
			return "", encErr(path, ErrRange, "Long %q: %v", clip(v.Text), err)
		}
		return "#l" + strconv.FormatInt(n, 10), nil
	case KindFloat:
		f, err := parseJavaDouble(v.Text)
		if err != nil {
			return "", encErr(path, ErrSyntax, "Double %q: %v", clip(v.Text), err)
		}
		return "#f" + formatJavaDouble(f), nil
	case KindBool, KindJSONBool:
		if v.Text == "true" {
			return "#bot", nil
		}
		return "#bof", nil
	case KindBigDecimal:
		d, err := parseJavaBigDecimal(v.Text)
		if err != nil {
			return "", encErr(path, ErrSyntax, "BigDecimal %q: %v", clip(v.Text), err)
		}
		return "#bd" + d.String(), nil
	case KindBigInteger:
		s, err := parseJavaBigInteger(v.Text)
		if err != nil {
			return "", encErr(path, ErrSyntax, "BigInteger %q: %v", clip(v.Text), err)
		}
		return "#bi" + s, nil
	case KindChar:
		u, _ := firstUTF16(v.Text)
		if v.Text == "" {
			return "", encErr(path, ErrArgument, "empty Char")
		}
		if u >= 0xD800 && u <= 0xDFFF {
			return "", encErr(path, ErrUnsupported, "Char U+%04X is a lone surrogate: it has no UTF-8 form", u)
		}
		return "#ch" + wtf8(u), nil
	case KindString, KindJSONString:
		return "#s" + v.Text, nil
	case KindJSONNumber:
		if n, err := parseJavaInt(v.Text, 32); err == nil {
			return "#i" + strconv.FormatInt(n, 10), nil
		}
		if n, err := parseJavaInt(v.Text, 64); err == nil {
			return "#l" + strconv.FormatInt(n, 10), nil
		}
		f, err := parseJavaDouble(v.Text)
		if err != nil {
			return "", encErr(path, ErrSyntax, "number %q: %v", clip(v.Text), err)
		}
		return "#f" + formatJavaDouble(f), nil
	case KindOptional:
		if len(v.Items) == 0 {
			return "#om", nil
		}
		in, err := e.treeValue(v.Items[0], path+"?", depth+1)
		if err != nil {
			return "", err
		}
		return "#op" + in, nil
	case KindList, KindSet, KindJSONArray:
		items := make([]string, len(v.Items))
		for i, it := range v.Items {
			s, err := e.treeValue(it, path+"["+strconv.Itoa(i)+"]", depth+1)
			if err != nil {
				return "", err
			}
			items[i] = s
		}
		prefix := "#cl"
		if v.Kind == KindSet && !e.compat {
			prefix = "#cs"
		}
		return prefix + collectionText(items), nil
	case KindMap:
		n := len(v.Items) / 2
		keys, vals := make([]string, n), make([]string, n)
		for i := 0; i < n; i++ {
			k, err := e.treeValue(v.Items[2*i], path+"{key}", depth+1)
			if err != nil {
				return "", err
			}
			x, err := e.treeValue(v.Items[2*i+1], path+"{"+v.Items[2*i].Text+"}", depth+1)
			if err != nil {
				return "", err
			}
			keys[i], vals[i] = k, x
		}
		return "#m" + mapText(keys, vals), nil
	case KindObject, KindJSONObject:
		if !e.nested {
			return "", encErr(path, ErrUnsupported, "Ktor %s cannot serialize nested objects (## needs Ktor 1.5.0 or later)", e.release)
		}
		s, err := e.objectValue(v, path, depth+1)
		if err != nil {
			return "", err
		}
		return "##" + s, nil
	}
	return "", encErr(path, ErrArgument, "unknown kind %q", v.Kind)
}

// objectValue writes an object Value's fields in their order (a decoded
// payload keeps the order it was written in).
func (e *textEncoder) objectValue(v Value, path string, depth int) (string, error) {
	names := make([]string, len(v.Fields))
	vals := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		names[i] = f.Name
		if f.Name == typeTokenName && f.Value.Kind == KindString {
			vals[i] = f.Value.Text
			continue
		}
		s, err := e.treeValue(f.Value, joinPath(path, f.Name), depth+1)
		if err != nil {
			return "", err
		}
		vals[i] = s
	}
	return formURLEncode(names, vals, e.keepEquals), nil
}
