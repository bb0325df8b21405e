package serializer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// DecodeJSON decodes a JSON payload (Ktor 3's default session serializer,
// kotlinx.serialization Json) into a Value tree of JSON kinds, keeping key
// order and numbers exactly as written. A key repeated in one object keeps
// the later value (kotlinx assigns properties in order) with a warning.
func DecodeJSON(payload string) (Value, error) {
	dec := json.NewDecoder(strings.NewReader(payload))
	dec.UseNumber()
	v, err := jsonValue(dec, 0)
	if err != nil {
		return Value{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Value{}, decErr("", int(dec.InputOffset()), ErrSyntax, "text after the JSON value")
	}
	return v, nil
}

func jsonErr(dec *json.Decoder, err error) error {
	var de *DecodeError
	if errors.As(err, &de) {
		return err
	}
	off := int(dec.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return decErr("", off, ErrSyntax, "JSON: %v", err)
}

func jsonValue(dec *json.Decoder, depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, decErr("", int(dec.InputOffset()), ErrDepth, "more than %d levels of nesting", MaxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return Value{}, jsonErr(dec, err)
	}
	switch t := tok.(type) {
	case nil:
		return Value{Kind: KindJSONNull}, nil
	case bool:
		return Value{Kind: KindJSONBool, Text: strconv.FormatBool(t)}, nil
	case json.Number:
		return Value{Kind: KindJSONNumber, Text: string(t)}, nil
	case string:
		return Value{Kind: KindJSONString, Text: t}, nil
	case json.Delim:
		if t == '[' {
			v := Value{Kind: KindJSONArray}
			for dec.More() {
				it, err := jsonValue(dec, depth+1)
				if err != nil {
					return Value{}, withPath(err, "["+strconv.Itoa(len(v.Items))+"]")
				}
				v.Items = append(v.Items, it)
			}
			if _, err := dec.Token(); err != nil {
				return Value{}, jsonErr(dec, err)
			}
			return v, nil
		}
		v := Value{Kind: KindJSONObject}
		index := map[string]int{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return Value{}, jsonErr(dec, err)
			}
			k, _ := kt.(string)
			it, err := jsonValue(dec, depth+1)
			if err != nil {
				return Value{}, withPath(err, k)
			}
			if i, dup := index[k]; dup {
				v.Fields[i].Value = it
				v.Warnings = append(v.Warnings, "duplicate key "+strconv.Quote(k)+": the later value wins")
				continue
			}
			index[k] = len(v.Fields)
			v.Fields = append(v.Fields, Field{Name: k, Value: it})
		}
		if _, err := dec.Token(); err != nil {
			return Value{}, jsonErr(dec, err)
		}
		return v, nil
	}
	return Value{}, decErr("", int(dec.InputOffset()), ErrSyntax, "unexpected JSON token")
}

// MarshalJSON writes v (a struct or pointer to one) the way Ktor 3's
// default serializer (kotlinx.serialization Json, default configuration)
// does: properties in declaration order, null for nil pointers, Double and
// Float as Kotlin prints them (1.0E10), Long as a plain number, Char as a
// one-character string, enums and UUIDs (TextMarshaler) as strings, maps as
// objects keyed by the key's toString. NaN and Infinity are refused, as
// kotlinx does without allowSpecialFloatingPointValues. BigInteger and
// BigDecimal (which kotlinx only handles through a custom serializer) are
// written as strings. Optional is its value or null.
func MarshalJSON(v any) (string, error) { return marshalJSON(v, nil) }

func marshalJSON(v any, o *JSONOptions) (string, error) {
	if s, ok := fastMarshal(v, o); ok {
		return s, nil
	}
	var b bytes.Buffer
	if err := jsonWrite(o, &b, reflect.ValueOf(v), fieldInfo{}, "", 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

// UnmarshalJSON reads a kotlinx Json payload into v (a pointer to a struct):
// unknown keys are an error, absent fields are an error unless tagged
// `ktor:",optional"`, numbers must fit their Go type.
func UnmarshalJSON(s string, v any) error { return unmarshalJSON(s, v, nil) }

func unmarshalJSON(s string, v any, o *JSONOptions) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &DecodeError{Offset: -1, Err: ErrArgument, Detail: "UnmarshalJSON needs a non-nil pointer"}
	}
	if e := rv.Elem(); e.Kind() == reflect.Struct && fastUnmarshal(s, e) {
		return nil
	}
	tree, err := DecodeJSON(s)
	if err != nil {
		return err
	}
	return assign(o, rv.Elem(), tree, fieldInfo{}, "", 0)
}

func jsonWrite(o *JSONOptions, b *bytes.Buffer, v reflect.Value, f fieldInfo, path string, depth int) error {
	if depth > MaxDepth {
		return encErr(path, ErrDepth, "more than %d levels of nesting (a cycle?)", MaxDepth)
	}
	if !v.IsValid() {
		b.WriteString("null")
		return nil
	}
	t := v.Type()
	switch {
	case t == typValue:
		out, err := v.Interface().(Value).MarshalJSON()
		if err != nil {
			return err
		}
		b.Write(out)
		return nil
	case t == typBigInt:
		bi := v.Interface().(big.Int)
		b.Write(appendJSONString(nil, bi.String()))
		return nil
	case t == typBigDecimal:
		b.Write(appendJSONString(nil, v.Interface().(BigDecimal).String()))
		return nil
	case t == typChar || f.char && t.Kind() == reflect.Int32:
		s, err := charText(rune(v.Int()), path)
		if err != nil {
			return err
		}
		b.Write(appendJSONString(nil, s[3:]))
		return nil
	case t.Implements(typOptional):
		if !v.FieldByName("Present").Bool() {
			b.WriteString("null")
			return nil
		}
		return jsonWrite(o, b, v.FieldByName("Value"), fieldInfo{}, path, depth+1)
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		return jsonWrite(o, b, v.Elem(), f, path, depth+1)
	}
	if tm, ok := asTextMarshaler(v); ok {
		txt, err := tm.MarshalText()
		if err != nil {
			return encErr(path, ErrArgument, "MarshalText: %v", err)
		}
		b.Write(appendJSONString(nil, string(txt)))
		return nil
	}
	switch t.Kind() {
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64, reflect.Uintptr:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		x := v.Float()
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return encErr(path, ErrRange, "%v is not allowed in kotlinx Json without allowSpecialFloatingPointValues", x)
		}
		if t.Kind() == reflect.Float32 {
			b.WriteString(formatJavaFloat32(float32(x)))
		} else {
			b.WriteString(formatJavaDouble(x))
		}
	case reflect.String:
		b.Write(appendJSONString(nil, v.String()))
	case reflect.Slice, reflect.Array:
		if t.Implements(typOrderedMap) {
			b.WriteByte('{')
			for i := 0; i < v.Len(); i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				en := v.Index(i)
				if err := jsonKeyWrite(b, en.Field(0), path); err != nil {
					return err
				}
				b.WriteByte(':')
				if err := jsonWrite(o, b, en.Field(1), fieldInfo{}, path+"{"+strconv.Itoa(i)+"}", depth+1); err != nil {
					return err
				}
			}
			b.WriteByte('}')
			return nil
		}
		if t.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := jsonWrite(o, b, v.Index(i), fieldInfo{}, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case reflect.Map:
		type kv struct {
			k string
			v reflect.Value
		}
		var entries []kv
		it := v.MapRange()
		for it.Next() {
			var kb bytes.Buffer
			if err := jsonKeyWrite(&kb, it.Key(), path); err != nil {
				return err
			}
			entries = append(entries, kv{kb.String(), it.Value()})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].k < entries[j].k })
		b.WriteByte('{')
		for i, en := range entries {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(en.k)
			b.WriteByte(':')
			if err := jsonWrite(o, b, en.v, fieldInfo{}, path+"{"+en.k+"}", depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case reflect.Struct:
		si := fieldsOf(t)
		b.WriteByte('{')
		n := 0
		for _, fi := range si.declared {
			fv, ok := fieldByIndex(v, fi.index)
			if !ok || o.omit(fi, fv) {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			b.Write(appendJSONString(nil, fi.name))
			b.WriteByte(':')
			if err := jsonWrite(o, b, fv, fi, joinPath(path, fi.goName), depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return encErr(path, ErrUnsupported, "Go type %s has no kotlinx equivalent", t)
	}
	return nil
}

// jsonKeyWrite writes a map key as kotlinx does: a primitive's toString,
// quoted.
func jsonKeyWrite(b *bytes.Buffer, k reflect.Value, path string) error {
	var inner bytes.Buffer
	if err := jsonWrite(nil, &inner, k, fieldInfo{}, path, MaxDepth); err != nil {
		return err
	}
	s := inner.String()
	if strings.HasPrefix(s, "\"") {
		b.WriteString(s)
		return nil
	}
	if strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") {
		return encErr(path, ErrUnsupported, "kotlinx Json map keys must be primitives")
	}
	b.Write(appendJSONString(nil, s))
	return nil
}
