package serializer

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the Kotlin type a decoded value had on the wire.
type Kind string

// Kinds of the Ktor text format, then of JSON.
const (
	KindNull       Kind = "null"
	KindInt        Kind = "int"
	KindLong       Kind = "long"
	KindFloat      Kind = "float" // "#f": Ktor reads it as a Double
	KindBool       Kind = "bool"
	KindBigDecimal Kind = "bigdecimal"
	KindBigInteger Kind = "biginteger"
	KindChar       Kind = "char"
	KindString     Kind = "string"
	KindOptional   Kind = "optional"
	KindList       Kind = "list"
	KindSet        Kind = "set"
	KindMap        Kind = "map"
	KindObject     Kind = "object"

	KindJSONString Kind = "jstring"
	KindJSONNumber Kind = "jnumber"
	KindJSONBool   Kind = "jbool"
	KindJSONNull   Kind = "jnull"
	KindJSONArray  Kind = "jarray"
	KindJSONObject Kind = "jobject"
)

// Value is one decoded value, schema-less.
//
// Scalars keep their text in Text, canonicalised to what Kotlin's toString
// prints for the value Ktor read (#i+07 → "7", #f1e10 → "1.0E10",
// #bd1.50 → "1.50"); a Char holding half of a surrogate pair is kept as
// that UTF-16 unit in WTF-8 (MarshalJSON writes it as \uXXXX). JSON numbers
// keep their literal text. Bool Text is "true"/"false".
//
// Optional: Items holds the present value (none when empty). List, Set,
// JSON array: Items. Map: Items holds key, value, key, value, ... Object and
// JSON object: Fields, in payload order.
type Value struct {
	Kind     Kind
	Text     string
	Items    []Value
	Fields   []Field
	Warnings []string
}

// Field is a named value of an object.
type Field struct {
	Name  string
	Value Value
}

// Field returns the value of the first field named name.
func (v Value) Field(name string) (Value, bool) {
	for _, f := range v.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return Value{}, false
}

// AllWarnings returns the warnings of v and everything under it, each
// prefixed with the path of the value it is about.
func (v Value) AllWarnings() []string {
	var out []string
	v.collectWarnings("", &out)
	return out
}

func (v Value) collectWarnings(path string, out *[]string) {
	for _, w := range v.Warnings {
		if path == "" {
			*out = append(*out, w)
		} else {
			*out = append(*out, path+": "+w)
		}
	}
	switch v.Kind {
	case KindMap:
		for i := 1; i < len(v.Items); i += 2 {
			v.Items[i-1].collectWarnings(path+"{key "+v.Items[i-1].Text+"}", out)
			v.Items[i].collectWarnings(path+"{"+v.Items[i-1].Text+"}", out)
		}
	default:
		for i, it := range v.Items {
			it.collectWarnings(path+"["+strconv.Itoa(i)+"]", out)
		}
	}
	for _, f := range v.Fields {
		f.Value.collectWarnings(joinPath(path, f.Name), out)
	}
}

// KtorType names the Kotlin type of v: "Int", "String", "List<String>",
// "Map<String, Int>", "Optional<Long>", "Any?"...
func (v Value) KtorType() string {
	switch v.Kind {
	case KindNull:
		return "Nothing?"
	case KindInt:
		return "Int"
	case KindLong:
		return "Long"
	case KindFloat:
		return "Double"
	case KindBool:
		return "Boolean"
	case KindBigDecimal:
		return "BigDecimal"
	case KindBigInteger:
		return "BigInteger"
	case KindChar:
		return "Char"
	case KindString:
		return "String"
	case KindOptional:
		if len(v.Items) == 0 {
			return "Optional<*>"
		}
		return "Optional<" + v.Items[0].KtorType() + ">"
	case KindList:
		return "List<" + commonType(v.Items, 0, 1) + ">"
	case KindSet:
		return "Set<" + commonType(v.Items, 0, 1) + ">"
	case KindMap:
		return "Map<" + commonType(v.Items, 0, 2) + ", " + commonType(v.Items, 1, 2) + ">"
	case KindObject:
		return "Object"
	case KindJSONString:
		return "String"
	case KindJSONNumber:
		return "Number"
	case KindJSONBool:
		return "Boolean"
	case KindJSONNull:
		return "Nothing?"
	case KindJSONArray:
		return "List<" + commonType(v.Items, 0, 1) + ">"
	case KindJSONObject:
		return "Object"
	}
	return "Any?"
}

// commonType is the element type of items[start::step]: the one type they
// share, "T?" when some are null, "Any"/"Any?" when they differ, "Nothing"
// when there are none.
func commonType(items []Value, start, step int) string {
	t := ""
	nullable, mixed := false, false
	for i := start; i < len(items); i += step {
		if items[i].Kind == KindNull || items[i].Kind == KindJSONNull {
			nullable = true
			continue
		}
		k := items[i].KtorType()
		if t == "" {
			t = k
		} else if t != k {
			mixed = true
		}
	}
	switch {
	case t == "" && nullable:
		return "Nothing?"
	case t == "":
		return "Nothing"
	case mixed:
		t = "Any"
	}
	if nullable {
		t += "?"
	}
	return t
}

// MarshalJSON renders v as plain JSON: an object of the fields; Int, Long
// and BigInteger as exact JSON numbers; Double as a JSON number that
// round-trips, with NaN and ±Infinity as strings; BigDecimal as a JSON
// number with its digits; Char and String as strings; Optional as its value
// or null; List and Set as arrays; Map as an object keyed by the keys'
// Kotlin toString when those are distinct strings, else an array of [k, v];
// nested objects as objects.
func (v Value) MarshalJSON() ([]byte, error) {
	var b []byte
	return appendJSON(b, v, 0)
}

func appendJSON(b []byte, v Value, depth int) ([]byte, error) {
	if depth > MaxDepth+2 {
		return nil, &EncodeError{Err: ErrDepth, Detail: "value nested deeper than MaxDepth"}
	}
	var err error
	switch v.Kind {
	case KindNull, KindJSONNull:
		return append(b, "null"...), nil
	case KindInt, KindLong, KindBigInteger, KindBigDecimal:
		if v.Text == "" {
			return append(b, "null"...), nil
		}
		return append(b, v.Text...), nil
	case KindJSONNumber:
		if v.Text == "" {
			return append(b, '0'), nil
		}
		return append(b, v.Text...), nil
	case KindFloat:
		switch v.Text {
		case "NaN", "Infinity", "-Infinity", "":
			return appendJSONString(b, v.Text), nil
		}
		return append(b, v.Text...), nil
	case KindBool, KindJSONBool:
		if v.Text == "true" {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case KindChar, KindString, KindJSONString:
		return appendJSONString(b, v.Text), nil
	case KindOptional:
		if len(v.Items) == 0 {
			return append(b, "null"...), nil
		}
		return appendJSON(b, v.Items[0], depth+1)
	case KindList, KindSet, KindJSONArray:
		b = append(b, '[')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, it, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case KindMap:
		if keys, ok := mapKeyStrings(v.Items); ok {
			b = append(b, '{')
			for i := 0; i+1 < len(v.Items); i += 2 {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, keys[i/2])
				b = append(b, ':')
				if b, err = appendJSON(b, v.Items[i+1], depth+1); err != nil {
					return nil, err
				}
			}
			return append(b, '}'), nil
		}
		b = append(b, '[')
		for i := 0; i+1 < len(v.Items); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			if b, err = appendJSON(b, v.Items[i], depth+1); err != nil {
				return nil, err
			}
			b = append(b, ',')
			if b, err = appendJSON(b, v.Items[i+1], depth+1); err != nil {
				return nil, err
			}
			b = append(b, ']')
		}
		return append(b, ']'), nil
	case KindObject, KindJSONObject:
		b = append(b, '{')
		for i, f := range v.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.Name)
			b = append(b, ':')
			if b, err = appendJSON(b, f.Value, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, &EncodeError{Err: ErrArgument, Detail: "unknown kind " + strconv.Quote(string(v.Kind))}
}

// mapKeyStrings gives the JSON object keys for a map: the keys' Kotlin
// toString (a String or Char key as itself, null as "null"), when scalar
// and distinct.
func mapKeyStrings(items []Value) ([]string, bool) {
	keys := make([]string, 0, len(items)/2)
	seen := make(map[string]bool, len(items)/2)
	for i := 0; i+1 < len(items); i += 2 {
		k := items[i]
		var s string
		switch k.Kind {
		case KindNull, KindJSONNull:
			s = "null"
		case KindList, KindSet, KindMap, KindObject, KindOptional, KindJSONArray, KindJSONObject:
			return nil, false
		default:
			s = k.Text
		}
		if seen[s] {
			return nil, false
		}
		seen[s] = true
		keys = append(keys, s)
	}
	return keys, true
}

// appendJSONString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// except a WTF-8 encoded lone surrogate (a Kotlin Char holding half of a
// pair), which is written as its \uXXXX escape.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
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
			b = append(b, `\ufffd`...)
		} else if r == 0x2028 || r == 0x2029 {
			b = append(b, '\\', 'u', '2', '0', '2', hexLower[r&15])
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

const hexLower = "0123456789abcdef"

// wtf8Surrogate reports whether s starts with a WTF-8 encoded surrogate
// (ED A0..BF xx) and returns its UTF-16 unit.
func wtf8Surrogate(s string) (uint16, bool) {
	if len(s) < 3 || s[0] != 0xED || s[1] < 0xA0 || s[1] > 0xBF || s[2] < 0x80 || s[2] > 0xBF {
		return 0, false
	}
	return uint16(0xD000 | uint16(s[1]&0x3F)<<6 | uint16(s[2]&0x3F)), true
}

// wtf8 encodes a UTF-16 unit (a surrogate included) as WTF-8.
func wtf8(u uint16) string {
	if u < 0xD800 || u > 0xDFFF {
		return string(rune(u))
	}
	return string([]byte{0xED, byte(0x80 | (u>>6)&0x3F), byte(0x80 | u&0x3F)})
}

// firstUTF16 is Kotlin's String.first() for s: its first UTF-16 unit, and
// whether s held more than that unit.
func firstUTF16(s string) (unit uint16, rest bool) {
	if u, ok := wtf8Surrogate(s); ok {
		return u, len(s) > 3
	}
	r, n := utf8.DecodeRuneInString(s)
	if r > 0xFFFF {
		return uint16(0xD800 + ((r - 0x10000) >> 10)), true
	}
	return uint16(r), len(s) > n
}

// equalValues is Kotlin equality of two decoded values (Set and Map keys).
func equalValues(a, b Value) bool {
	if a.Kind != b.Kind || a.Text != b.Text || len(a.Items) != len(b.Items) || len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Items {
		if !equalValues(a.Items[i], b.Items[i]) {
			return false
		}
	}
	for i := range a.Fields {
		if a.Fields[i].Name != b.Fields[i].Name || !equalValues(a.Fields[i].Value, b.Fields[i].Value) {
			return false
		}
	}
	return true
}

// valueKey is a hashable identity for equalValues on scalar values.
func valueKey(v Value) (string, bool) {
	switch v.Kind {
	case KindList, KindSet, KindMap, KindObject, KindOptional, KindJSONArray, KindJSONObject:
		return "", false
	}
	return string(v.Kind) + "\x00" + v.Text, true
}

var _ = strings.Builder{}
