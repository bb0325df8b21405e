package serializer

import (
	"strconv"
	"strings"
)

// ParseTypedField reads one `--set` argument: NAME[:TYPE]=VALUE.
//
// TYPE (case-insensitive, default string) is one of:
//
//	string, s          #s   the value as is
//	int, i             #i   Kotlin Int (32-bit)
//	long, l            #l   Kotlin Long
//	double, float, f   #f   printed as Kotlin prints it (3 → 3.0)
//	bool, boolean, b   #bo  true / false
//	char, ch           #ch  exactly one UTF-16 unit
//	bigdecimal, bd     #bd  scale kept (1.50)
//	biginteger, bi     #bi
//	null, n            #n   VALUE must be empty
//	raw                     VALUE is already a Ktor typed value, e.g. "#op#i1"
//	optional<T>             empty VALUE = Optional.empty, else a T
//	list<T>, set<T>         comma-separated elements ("\," for a comma, "\\" for a backslash)
//	map<K,V>                comma-separated KEY=VALUE entries (split at the first '=')
//
// Examples: "loginCount:int=17", "roles:list<string>=admin,ops/eu",
// "attrs:map<string,int>=z=26,a=1", "name=Zoë".
func ParseTypedField(s string) (Field, error) {
	eq := strings.IndexByte(s, '=')
	if eq < 0 {
		return Field{}, typedErr(s, "want NAME[:TYPE]=VALUE")
	}
	head, val := s[:eq], s[eq+1:]
	name, typ, hasType := strings.Cut(head, ":")
	// a type may contain "=" only inside map<...>: NAME:map<K,V>=...
	name = strings.TrimSpace(name)
	if name == "" {
		return Field{}, typedErr(s, "empty field name")
	}
	if !hasType {
		typ = "string"
	}
	v, err := typedValue(strings.ToLower(strings.TrimSpace(typ)), val, 0)
	if err != nil {
		return Field{}, typedErr(s, err.Error())
	}
	return Field{Name: name, Value: v}, nil
}

func typedErr(s, why string) error {
	return &DecodeError{Offset: -1, Err: ErrArgument, Detail: "typed field " + strconv.Quote(clip(s)) + ": " + why}
}

type typedError string

func (e typedError) Error() string { return string(e) }

func typedValue(typ, val string, depth int) (Value, error) {
	if depth > 8 {
		return Value{}, typedError("type nested too deeply")
	}
	if inner, ok := generic(typ, "optional"); ok {
		if val == "" {
			return Value{Kind: KindOptional}, nil
		}
		in, err := typedValue(inner, val, depth+1)
		if err != nil {
			return Value{}, err
		}
		if in.Kind == KindNull {
			return Value{Kind: KindOptional}, nil
		}
		return Value{Kind: KindOptional, Items: []Value{in}}, nil
	}
	for _, coll := range []struct {
		name string
		kind Kind
	}{{"list", KindList}, {"set", KindSet}} {
		if inner, ok := generic(typ, coll.name); ok {
			v := Value{Kind: coll.kind}
			if val == "" {
				return v, nil
			}
			for _, e := range splitEscaped(val) {
				it, err := typedValue(inner, e, depth+1)
				if err != nil {
					return Value{}, err
				}
				v.Items = append(v.Items, it)
			}
			return v, nil
		}
	}
	if kv, ok := generic(typ, "map"); ok {
		kt, vt, ok := strings.Cut(kv, ",")
		if !ok {
			return Value{}, typedError("map needs map<K,V>")
		}
		kt, vt = strings.TrimSpace(kt), strings.TrimSpace(vt)
		v := Value{Kind: KindMap}
		if val == "" {
			return v, nil
		}
		for _, e := range splitEscaped(val) {
			ks, vs, ok := strings.Cut(e, "=")
			if !ok {
				return Value{}, typedError("map entry " + strconv.Quote(e) + " has no '='")
			}
			k, err := typedValue(kt, ks, depth+1)
			if err != nil {
				return Value{}, err
			}
			x, err := typedValue(vt, vs, depth+1)
			if err != nil {
				return Value{}, err
			}
			v.Items = append(v.Items, k, x)
		}
		return v, nil
	}
	switch typ {
	case "string", "s", "str", "enum", "uuid":
		return Value{Kind: KindString, Text: val}, nil
	case "int", "i":
		n, err := parseJavaInt(val, 32)
		if err != nil {
			return Value{}, typedError("not a Kotlin Int: " + strconv.Quote(clip(val)))
		}
		return Value{Kind: KindInt, Text: strconv.FormatInt(n, 10)}, nil
	case "long", "l":
		n, err := parseJavaInt(val, 64)
		if err != nil {
			return Value{}, typedError("not a Kotlin Long: " + strconv.Quote(clip(val)))
		}
		return Value{Kind: KindLong, Text: strconv.FormatInt(n, 10)}, nil
	case "double", "float", "f":
		x, err := parseJavaDouble(val)
		if err != nil {
			return Value{}, typedError("not a Kotlin Double: " + strconv.Quote(clip(val)))
		}
		return Value{Kind: KindFloat, Text: formatJavaDouble(x)}, nil
	case "bool", "boolean", "b":
		switch strings.ToLower(val) {
		case "true":
			return Value{Kind: KindBool, Text: "true"}, nil
		case "false":
			return Value{Kind: KindBool, Text: "false"}, nil
		}
		return Value{}, typedError("not a Boolean (true or false): " + strconv.Quote(clip(val)))
	case "char", "ch":
		u, rest := firstUTF16(val)
		if val == "" || rest || (u >= 0xD800 && u <= 0xDFFF) {
			return Value{}, typedError("a Char is exactly one UTF-16 unit: " + strconv.Quote(clip(val)))
		}
		return Value{Kind: KindChar, Text: val}, nil
	case "bigdecimal", "bd", "decimal":
		d, err := parseJavaBigDecimal(val)
		if err != nil {
			return Value{}, typedError("not a BigDecimal: " + strconv.Quote(clip(val)))
		}
		return Value{Kind: KindBigDecimal, Text: d.String()}, nil
	case "biginteger", "bi", "bigint":
		t, err := parseJavaBigInteger(val)
		if err != nil {
			return Value{}, typedError("not a BigInteger: " + strconv.Quote(clip(val)))
		}
		return Value{Kind: KindBigInteger, Text: t}, nil
	case "null", "n":
		if val != "" {
			return Value{}, typedError("null takes no value")
		}
		return Value{Kind: KindNull}, nil
	case "raw":
		d := textDecoder{textRules: rulesOf("", Reflection)}
		v, err := d.value(val, 1)
		if err != nil {
			return Value{}, typedError(err.Error())
		}
		return v, nil
	}
	return Value{}, typedError("unknown type " + strconv.Quote(typ))
}

func generic(typ, name string) (string, bool) {
	if strings.HasPrefix(typ, name+"<") && strings.HasSuffix(typ, ">") {
		return strings.TrimSpace(typ[len(name)+1 : len(typ)-1]), true
	}
	return "", false
}

// splitEscaped splits at ',' honouring "\," and "\\".
func splitEscaped(s string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case s[i] == ',':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(out, b.String())
}
