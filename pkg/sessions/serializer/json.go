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
	"unicode/utf8"
)

// DecodeJSON decodes a JSON payload (Ktor 3's default session serializer,
// kotlinx.serialization Json) into a Value tree of JSON kinds, keeping key
// order and numbers exactly as written. A key repeated in one object keeps
// the later value (kotlinx assigns properties in order) with a warning.
func DecodeJSON(payload string) (Value, error) {
	if v, ok := decodeJSONFast(payload); ok {
		return v, nil
	}
	return decodeJSONFull(payload)
}

// decodeJSONFull is DecodeJSON through encoding/json: every case, every error.
func decodeJSONFull(payload string) (Value, error) {
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
// objects keyed by the key's toString, strings escaped as kotlinx's
// printQuoted does (U+007F and U+2028 as they are, \b and \f short). NaN
// and Infinity are refused, as kotlinx does without
// allowSpecialFloatingPointValues. A field tagged `ktor:",default"` equal
// to its default is left out (encodeDefaults = false). BigInteger and
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
// `ktor:",optional"` or `ktor:",default"` (then set to the default), numbers
// must fit their Go type (a quoted number is read, as kotlinx's
// consumeNumericLiteral does) and NaN or Infinity for a Double is refused.
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
		out, err := appendKotlinxJSON(nil, v.Interface().(Value), path, depth)
		if err != nil {
			return err
		}
		b.Write(out)
		return nil
	case t == typBigInt:
		bi := v.Interface().(big.Int)
		b.Write(appendKotlinxString(nil, bi.String()))
		return nil
	case t == typBigDecimal:
		b.Write(appendKotlinxString(nil, v.Interface().(BigDecimal).String()))
		return nil
	case t == typChar || f.char && t.Kind() == reflect.Int32:
		s, err := charText(rune(v.Int()), path)
		if err != nil {
			return err
		}
		b.Write(appendKotlinxString(nil, s[3:]))
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
		b.Write(appendKotlinxString(nil, string(txt)))
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
			return specialFloat(path, formatJavaDouble(x))
		}
		if t.Kind() == reflect.Float32 {
			b.WriteString(formatJavaFloat32(float32(x)))
		} else {
			b.WriteString(formatJavaDouble(x))
		}
	case reflect.String:
		b.Write(appendKotlinxString(nil, v.String()))
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
			if !ok || o.omitNull(fv) {
				continue
			}
			var fb bytes.Buffer
			if err := jsonWrite(o, &fb, fv, fi, joinPath(path, fi.goName), depth+1); err != nil {
				return err
			}
			if fi.def && !o.encodeDefaults() {
				def, err := defaultText(fi, fv.Type(), path)
				if err != nil {
					return err
				}
				if fb.String() == def {
					continue // encodeDefaults = false
				}
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			b.Write(appendKotlinxString(nil, fi.name))
			b.WriteByte(':')
			b.Write(fb.Bytes())
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
	b.Write(appendKotlinxString(nil, s))
	return nil
}

// specialFloat is kotlinx Json's refusal of NaN and ±Infinity
// (JsonEncodingException: Unexpected special floating-point value).
func specialFloat(path, text string) error {
	return encErr(path, ErrRange, "kotlinx Json refuses the special floating-point value %s (allowSpecialFloatingPointValues = false)", text)
}

// appendKotlinxJSON writes v as Ktor 3's default serializer, kotlinx Json in
// its default configuration, writes the same data: NaN and ±Infinity are
// refused, strings escaped as kotlinx's printQuoted does, map keys must be
// primitives (allowStructuredMapKeys = false), Optional is its value or
// null. (BigDecimal and BigInteger have no kotlinx serializer; they are
// written as JSON numbers with their digits.)
func appendKotlinxJSON(b []byte, v Value, path string, depth int) ([]byte, error) {
	if depth > MaxDepth+2 {
		return nil, encErr(path, ErrDepth, "value nested deeper than MaxDepth")
	}
	var err error
	switch v.Kind {
	case KindNull, KindJSONNull:
		return append(b, "null"...), nil
	case KindInt, KindLong, KindBigInteger, KindBigDecimal, KindJSONNumber:
		if v.Text == "" {
			return nil, encErr(path, ErrArgument, "%s without a value", v.Kind)
		}
		return append(b, v.Text...), nil
	case KindFloat:
		switch v.Text {
		case "NaN", "Infinity", "-Infinity":
			return nil, specialFloat(path, v.Text)
		case "":
			return nil, encErr(path, ErrArgument, "Float without a value")
		}
		return append(b, v.Text...), nil
	case KindBool, KindJSONBool:
		if v.Text == "true" {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case KindChar, KindString, KindJSONString:
		return appendKotlinxString(b, v.Text), nil
	case KindOptional:
		if len(v.Items) == 0 {
			return append(b, "null"...), nil
		}
		return appendKotlinxJSON(b, v.Items[0], path, depth+1)
	case KindList, KindSet, KindJSONArray:
		b = append(b, '[')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendKotlinxJSON(b, it, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case KindMap:
		b = append(b, '{')
		for i := 0; i+1 < len(v.Items); i += 2 {
			k := v.Items[i]
			var ks string
			switch k.Kind {
			case KindNull, KindJSONNull:
				ks = "null"
			case KindList, KindSet, KindMap, KindObject, KindOptional, KindJSONArray, KindJSONObject:
				return nil, encErr(path, ErrUnsupported, "kotlinx Json map keys must be primitives, not %s (allowStructuredMapKeys = false)", k.Kind)
			case KindFloat:
				if k.Text == "NaN" || strings.HasSuffix(k.Text, "Infinity") {
					return nil, specialFloat(path+"{key}", k.Text)
				}
				ks = k.Text
			default:
				ks = k.Text
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKotlinxString(b, ks)
			b = append(b, ':')
			if b, err = appendKotlinxJSON(b, v.Items[i+1], path+"{"+ks+"}", depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case KindObject, KindJSONObject:
		b = append(b, '{')
		for i, f := range v.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKotlinxString(b, f.Name)
			b = append(b, ':')
			if b, err = appendKotlinxJSON(b, f.Value, joinPath(path, f.Name), depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, encErr(path, ErrArgument, "unknown kind %q", v.Kind)
}

// appendKotlinxString is kotlinx's printQuoted: '"' and '\\' escaped, the
// controls below U+0020 as \t \b \n \r \f or \u00xx (lower-case hex),
// everything else — U+007F, U+2028, U+2029 included — written as it is.
// Invalid UTF-8 is U+FFFD, as the JVM string it stands for holds; a WTF-8
// lone surrogate (a Kotlin Char holding half of a pair), which UTF-8 cannot
// carry, is written as its \uXXXX escape.
func appendKotlinxString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexLower[c>>4], hexLower[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		if u, ok := wtf8Surrogate(s[i:]); ok {
			b = append(b, '\\', 'u', hexLower[u>>12], hexLower[u>>8&15], hexLower[u>>4&15], hexLower[u&15])
			i += 3
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// defaultText is the JSON kotlinx writes for a property's default value: the
// tag's default=TEXT, or the Go zero value of the field written as JSON.
func defaultText(fi fieldInfo, t reflect.Type, path string) (string, error) {
	if fi.defaultJSON != "" {
		return fi.defaultJSON, nil
	}
	var b bytes.Buffer
	if err := jsonWrite(nil, &b, reflect.Zero(t), fi, joinPath(path, fi.goName), 0); err != nil {
		return "", err
	}
	return b.String(), nil
}
