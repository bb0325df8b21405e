package serializer

// The fast path of MarshalJSON and UnmarshalJSON: a codec compiled once per
// struct type whose fields all have a plain JSON form (strings, booleans,
// integers, floats, pointers, slices and structs of those), writing bytes
// directly and reading the JSON text without a token stream or a Value
// tree. It is an optimisation only: it produces the same bytes as jsonWrite
// and the same Go value as DecodeJSON + assign. A type it cannot compile, or
// any input it is not sure about (escapes it does not handle, duplicate or
// unknown keys, absent fields, numbers out of range, NaN...), goes to that
// reference path, which also makes every error message.

import (
	"encoding"
	"math"
	"reflect"
	"strconv"
	"sync"
	"unicode/utf8"
)

type fastOp uint8

const (
	opString fastOp = iota
	opBool
	opInt   // Kotlin Int: int8, int16, int32, int (32-bit JSON range)
	opLong  // Kotlin Long: int64
	opUint  // uint8, uint16 (Int range)
	opULong // uint32, uint, uint64, uintptr (Long range)
	opFloat32
	opFloat64
	opPtr
	opSlice
	opStruct
)

// fastCodec compiles one Go type.
type fastCodec struct {
	op     fastOp
	typ    reflect.Type
	elem   *fastCodec // opPtr, opSlice
	fields []fastField
}

type fastField struct {
	name  string
	key   []byte // "name": as appendKotlinxString writes it
	index []int  // no pointer hops
	info  fieldInfo
	codec *fastCodec
}

var fastCache sync.Map // reflect.Type → *fastCodec (nil: not compilable)

var (
	typTextMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	typTextUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// fastCodecOf returns the compiled codec of struct type t, nil when t has a
// field the fast path does not handle.
func fastCodecOf(t reflect.Type) *fastCodec {
	if c, ok := fastCache.Load(t); ok {
		return c.(*fastCodec)
	}
	c := compileFast(t, 0)
	if c != nil && c.op != opStruct {
		c = nil
	}
	v, _ := fastCache.LoadOrStore(t, c)
	return v.(*fastCodec)
}

func compileFast(t reflect.Type, depth int) *fastCodec {
	if depth > 8 { // recursive or deeply nested types: the reference path
		return nil
	}
	switch t {
	case typValue, typBigInt, typBigDecimal, typChar:
		return nil
	}
	if t.Implements(typOptional) || t.Implements(typOrderedMap) || t.Implements(typTextMarshaler) || t.Implements(typTextUnmarshaler) {
		return nil
	}
	if pt := reflect.PointerTo(t); pt.Implements(typTextMarshaler) || pt.Implements(typTextUnmarshaler) {
		return nil
	}
	c := &fastCodec{typ: t}
	switch t.Kind() {
	case reflect.String:
		c.op = opString
	case reflect.Bool:
		c.op = opBool
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int:
		c.op = opInt
	case reflect.Int64:
		c.op = opLong
	case reflect.Uint8, reflect.Uint16:
		c.op = opUint
	case reflect.Uint32, reflect.Uint, reflect.Uint64, reflect.Uintptr:
		c.op = opULong
	case reflect.Float32:
		c.op = opFloat32
	case reflect.Float64:
		c.op = opFloat64
	case reflect.Pointer:
		c.op = opPtr
		if c.elem = compileFast(t.Elem(), depth+1); c.elem == nil {
			return nil
		}
	case reflect.Slice:
		c.op = opSlice
		if c.elem = compileFast(t.Elem(), depth+1); c.elem == nil {
			return nil
		}
	case reflect.Struct:
		c.op = opStruct
		si := fieldsOf(t)
		if len(si.declared) > 64 {
			return nil
		}
		for _, fi := range si.declared {
			if fi.char || fi.def {
				return nil // a Char, or a property with a default (left out when it holds it, filled in when absent)
			}
			ft := t
			for i, x := range fi.index {
				if i > 0 && ft.Kind() != reflect.Struct {
					return nil // an embedded pointer: fieldByIndex may stop there
				}
				ft = ft.Field(x).Type
			}
			fc := compileFast(ft, depth+1)
			if fc == nil {
				return nil
			}
			key := appendKotlinxString(nil, fi.name)
			c.fields = append(c.fields, fastField{name: fi.name, key: append(key, ':'), index: fi.index, info: fi, codec: fc})
		}
	default:
		return nil
	}
	return c
}

func (f *fastField) value(v reflect.Value) reflect.Value {
	for _, x := range f.index {
		v = v.Field(x)
	}
	return v
}

// fastMarshal is MarshalJSON's fast path; ok is false when it does not apply
// (the caller then takes the reference path).
func fastMarshal(v any, o *JSONOptions) (s string, ok bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return "", false
	}
	return fastMarshalWith(fastCodecOf(rv.Type()), rv, o)
}

func fastMarshalWith(c *fastCodec, rv reflect.Value, o *JSONOptions) (s string, ok bool) {
	if c == nil {
		return "", false
	}
	bp := fastBufs.Get().(*[]byte)
	b, ok := c.append((*bp)[:0], rv, o)
	if ok {
		s = string(b)
	}
	if cap(b) <= 4096 {
		*bp = b
		fastBufs.Put(bp)
	}
	return s, ok
}

var fastBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func (c *fastCodec) append(b []byte, v reflect.Value, o *JSONOptions) ([]byte, bool) {
	switch c.op {
	case opString:
		return appendKotlinxString(b, v.String()), true
	case opBool:
		if v.Bool() {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case opInt, opLong:
		return strconv.AppendInt(b, v.Int(), 10), true
	case opUint, opULong:
		return strconv.AppendUint(b, v.Uint(), 10), true
	case opFloat32, opFloat64:
		x := v.Float()
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return b, false // the reference path refuses it
		}
		if c.op == opFloat32 {
			return append(b, formatJavaFloat32(float32(x))...), true
		}
		return append(b, formatJavaDouble(x)...), true
	case opPtr:
		if v.IsNil() {
			return append(b, "null"...), true
		}
		return c.elem.append(b, v.Elem(), o)
	case opSlice:
		if v.IsNil() {
			return append(b, "[]"...), true
		}
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = c.elem.append(b, v.Index(i), o); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	}
	b = append(b, '{')
	n := 0
	for i := range c.fields {
		f := &c.fields[i]
		fv := f.value(v)
		if o.omitNull(fv) {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, f.key...)
		var ok bool
		if b, ok = f.codec.append(b, fv, o); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// fastUnmarshal is UnmarshalJSON's fast path into rv (a struct, settable);
// ok is false when the reference path must decide.
func fastUnmarshal(s string, rv reflect.Value) bool {
	return fastUnmarshalWith(fastCodecOf(rv.Type()), s, rv)
}

func fastUnmarshalWith(c *fastCodec, s string, rv reflect.Value) bool {
	if c == nil {
		return false
	}
	d := fastDecoder{s: s}
	if !d.value(c, rv) {
		return false
	}
	d.space()
	return d.i == len(d.s)
}

type fastDecoder struct {
	s string
	i int
}

func (d *fastDecoder) space() { d.i = skipSpace(d.s, d.i) }

func (d *fastDecoder) value(c *fastCodec, v reflect.Value) bool {
	d.space()
	if d.i >= len(d.s) {
		return false
	}
	ch := d.s[d.i]
	if ch == 'n' && c.op == opPtr {
		if !d.literal("null") {
			return false
		}
		v.SetZero()
		return true
	}
	switch c.op {
	case opString:
		str, ok := d.str()
		if !ok {
			return false
		}
		v.SetString(str)
	case opBool:
		switch {
		case ch == 't' && d.literal("true"):
			v.SetBool(true)
		case ch == 'f' && d.literal("false"):
			v.SetBool(false)
		default:
			return false
		}
	case opInt, opLong, opUint, opULong:
		bits := 32
		if c.op == opLong || c.op == opULong {
			bits = 64
		}
		n, ok := d.integer(bits)
		if !ok {
			return false
		}
		if c.op == opInt || c.op == opLong {
			if v.OverflowInt(n) {
				return false
			}
			v.SetInt(n)
		} else {
			if n < 0 || v.OverflowUint(uint64(n)) {
				return false
			}
			v.SetUint(uint64(n))
		}
	case opFloat32, opFloat64:
		text, ok := d.number()
		if !ok {
			return false
		}
		x, err := parseJavaDouble(text)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return false // kotlinx refuses Infinity (1e400): the reference path says so
		}
		if c.op == opFloat32 {
			x = float64(float32(x))
		}
		v.SetFloat(x)
	case opPtr:
		n := reflect.New(c.typ.Elem())
		if !d.value(c.elem, n.Elem()) {
			return false
		}
		v.Set(n)
	case opSlice:
		if ch != '[' {
			return false
		}
		d.i++
		d.space()
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			v.Set(reflect.MakeSlice(c.typ, 0, 0))
			return true
		}
		sl := reflect.MakeSlice(c.typ, 0, 4)
		for {
			n := sl.Len()
			if n == sl.Cap() {
				grown := reflect.MakeSlice(c.typ, n, 2*n)
				reflect.Copy(grown, sl)
				sl = grown
			}
			sl = sl.Slice(0, n+1)
			if !d.value(c.elem, sl.Index(n)) {
				return false
			}
			d.space()
			if d.i >= len(d.s) {
				return false
			}
			if d.s[d.i] == ',' {
				d.i++
				continue
			}
			if d.s[d.i] != ']' {
				return false
			}
			d.i++
			break
		}
		v.Set(sl)
	case opStruct:
		return d.object(c, v)
	}
	return true
}

func (d *fastDecoder) object(c *fastCodec, v reflect.Value) bool {
	if d.s[d.i] != '{' {
		return false
	}
	d.i++
	var seen uint64
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
	} else {
		for {
			d.space()
			if d.i >= len(d.s) || d.s[d.i] != '"' {
				return false
			}
			key, ok := d.str()
			if !ok {
				return false
			}
			j := -1
			for k := range c.fields {
				if c.fields[k].name == key {
					j = k
					break
				}
			}
			if j < 0 || seen&(1<<j) != 0 {
				return false // unknown (an error or ignoreUnknownKeys) or duplicate key
			}
			seen |= 1 << j
			d.space()
			if d.i >= len(d.s) || d.s[d.i] != ':' {
				return false
			}
			d.i++
			f := &c.fields[j]
			if !d.value(f.codec, f.value(v)) {
				return false
			}
			d.space()
			if d.i >= len(d.s) {
				return false
			}
			if d.s[d.i] == ',' {
				d.i++
				continue
			}
			if d.s[d.i] != '}' {
				return false
			}
			d.i++
			break
		}
	}
	for k := range c.fields {
		if seen&(1<<k) == 0 && !c.fields[k].info.optional {
			return false // absent: an error, or null under explicitNulls = false
		}
	}
	return true
}

func (d *fastDecoder) literal(lit string) bool {
	if len(d.s)-d.i >= len(lit) && d.s[d.i:d.i+len(lit)] == lit {
		d.i += len(lit)
		return true
	}
	return false
}

// str reads a JSON string at d.i: plain text is returned as a substring of
// the input (Go strings never change), simple escapes are decoded; anything
// else (a surrogate escape, a control character, invalid UTF-8) is left to
// the reference path.
func (d *fastDecoder) str() (string, bool) {
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return "", false
	}
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '"':
			d.i = j + 1
			out := d.s[start:j]
			if !ascii && !utf8.ValidString(out) {
				return "", false
			}
			return out, true
		case c == '\\':
			return d.escaped(start, j)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

func (d *fastDecoder) escaped(start, j int) (string, bool) {
	b := make([]byte, 0, j-start+16)
	b = append(b, d.s[start:j]...)
	for j < len(d.s) {
		c := d.s[j]
		switch {
		case c == '"':
			d.i = j + 1
			if !utf8.Valid(b) {
				return "", false
			}
			return string(b), true
		case c < 0x20:
			return "", false
		case c != '\\':
			b = append(b, c)
			j++
			continue
		}
		if j+1 >= len(d.s) {
			return "", false
		}
		switch e := d.s[j+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			if j+6 > len(d.s) {
				return "", false
			}
			r := 0
			for _, h := range []byte(d.s[j+2 : j+6]) {
				x := hexVal(h)
				if x < 0 {
					return "", false
				}
				r = r<<4 | x
			}
			if r >= 0xD800 && r <= 0xDFFF {
				return "", false // surrogates: the reference path pairs or replaces them
			}
			b = utf8.AppendRune(b, rune(r))
			j += 6
			continue
		default:
			return "", false
		}
		j += 2
	}
	return "", false
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// integer reads a JSON number that is an integer (no fraction, no
// exponent) fitting bits, as strconv.ParseInt(text, 10, bits) would.
func (d *fastDecoder) integer(bits int) (int64, bool) {
	text, ok := d.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, bits)
	return n, err == nil
}

// number reads a JSON number (RFC 8259 grammar) at d.i; it must end where a
// value may end.
func (d *fastDecoder) number() (string, bool) {
	end, ok := scanNumber(d.s, d.i)
	if !ok {
		return "", false
	}
	text := d.s[d.i:end]
	d.i = end
	return text, true
}
