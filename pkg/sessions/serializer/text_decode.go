package serializer

import (
	"github.com/sessionctl/sessionctl/internal/javautf8"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// typeTokenName is the parameter Ktor 1.5.0+ adds for a sealed subclass.
const typeTokenName = "$type"

// DecodeText decodes a Ktor reflection text-format payload
// (SessionSerializerReflection, KotlinxBackwardCompatibleSessionSerializer)
// without knowing the session's class: an object Value whose Fields are the
// payload's properties in payload order.
//
// It reads what Ktor 1.0.0 reads: pairs split at '&' (at most 1000), names
// decoded without and values with '+' as space, blanks around names and
// values trimmed, names matched case-insensitively with the first of
// duplicates winning. Every property present must decode: an unknown type
// prefix, a bad number or a bad escape is an error, as it is in Ktor for a
// property the class has. "##" (nested objects) is an error before 1.5.0,
// which could not read them. Where Ktor would read a value differently from
// how it was written (a collection element holding '&' or '='), the Value
// carries a warning. DecodeText reads as SessionSerializerReflection;
// DecodeTextWith reads as the given serializer.
func DecodeText(payload string, p transform.Profile) (Value, error) {
	return DecodeTextWith(payload, Reflection, p)
}

// DecodeTextWith is DecodeText as serializer s of p's release reads:
// BackwardCompatible adds the warnings of its list decoder (elements not
// decoded, an empty list read as one empty element).
func DecodeTextWith(payload string, s TextStyle, p transform.Profile) (Value, error) {
	d := textDecoder{textRules: rulesOf(p, s)}
	valid := utf8.ValidString(payload)
	if !valid {
		// Ktor sees a Java String: undecodable bytes are U+FFFD already
		payload, _ = javautf8.String([]byte(payload))
	}
	v, err := d.object(payload, 0, true)
	if err == nil && !valid {
		v.Warnings = append(v.Warnings, "payload is not valid UTF-8: invalid bytes read as U+FFFD")
	}
	return v, err
}

type textDecoder struct {
	textRules
}

func (d *textDecoder) object(s string, depth int, top bool) (Value, error) {
	if depth > MaxDepth {
		return Value{}, decErr("", -1, ErrDepth, "more than %d levels of nesting", MaxDepth)
	}
	params, err := parseQueryString(s)
	if err != nil {
		return Value{}, err
	}
	obj := Value{Kind: KindObject, Fields: make([]Field, 0, len(params))}
	if strings.Count(s, "&") >= queryLimit {
		obj.Warnings = append(obj.Warnings, "more than 1000 pairs: Ktor's parseQueryString reads only the first 1000")
	}
	index := make(map[string]int, len(params))
	for _, qp := range params {
		key := foldName(qp.Name)
		if i, dup := index[key]; dup {
			first := obj.Fields[i].Name
			w := "duplicate property " + strconv.Quote(qp.Name) + ": Ktor reads the first one"
			if first != qp.Name {
				w = "property " + strconv.Quote(qp.Name) + " repeats " + strconv.Quote(first) + " (names are case-insensitive in Ktor): Ktor reads the first one"
			}
			obj.Warnings = append(obj.Warnings, w)
			continue
		}
		if !qp.HasValue {
			return Value{}, decErr(qp.Name, qp.Offset, ErrSyntax, "property without '=' and value")
		}
		var v Value
		if qp.Name == typeTokenName && d.nested {
			v = Value{Kind: KindString, Text: qp.Value}
		} else {
			v, err = d.value(qp.Value, depth+1)
			if err != nil {
				return Value{}, withPath(err, qp.Name)
			}
		}
		if strings.Contains(qp.Name, " ") {
			obj.Warnings = append(obj.Warnings, "property name "+strconv.Quote(qp.Name)+" holds a space: Ktor writes it as '+' and reads that back as '+'")
		}
		index[key] = len(obj.Fields)
		obj.Fields = append(obj.Fields, Field{Name: qp.Name, Value: v})
	}
	_ = top
	return obj, nil
}

// value is deserializeValue: one '#'-prefixed value.
func (d *textDecoder) value(s string, depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, decErr("", -1, ErrDepth, "more than %d levels of nesting", MaxDepth)
	}
	if !strings.HasPrefix(s, "#") {
		return Value{}, decErr("", 0, ErrSyntax, "bad serialized value %q: no '#' type prefix", clip(s))
	}
	if len(s) == 1 {
		return Value{Kind: KindNull}, nil
	}
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	switch s[1] {
	case 'n':
		v := Value{Kind: KindNull}
		if len(s) > 2 {
			v.Warnings = append(v.Warnings, "text after #n ignored by Ktor")
		}
		return v, nil
	case 'i', 'l':
		bits, kind := 32, KindInt
		if s[1] == 'l' {
			bits, kind = 64, KindLong
		}
		n, err := parseJavaInt(s[2:], bits)
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: kind, Text: strconv.FormatInt(n, 10)}, nil
	case 'f':
		f, err := parseJavaDouble(s[2:])
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: KindFloat, Text: formatJavaDouble(f)}, nil
	case 'b':
		switch at(2) {
		case 'o':
			switch at(3) {
			case 't', 'f':
				v := Value{Kind: KindBool, Text: "false"}
				if s[3] == 't' {
					v.Text = "true"
				}
				if len(s) > 4 {
					v.Warnings = append(v.Warnings, "text after #bo"+s[3:4]+" ignored by SessionSerializerReflection; KotlinxBackwardCompatibleSessionSerializer reads anything but exactly #bot as false")
				}
				return v, nil
			}
			return Value{}, decErr("", 0, ErrUnsupported, "unsupported bo-value %q", clip(s[:min(len(s), 4)]))
		case 'd':
			dec, err := parseJavaBigDecimal(s[3:])
			if err != nil {
				return Value{}, err
			}
			return Value{Kind: KindBigDecimal, Text: dec.String()}, nil
		case 'i':
			t, err := parseJavaBigInteger(s[3:])
			if err != nil {
				return Value{}, err
			}
			return Value{Kind: KindBigInteger, Text: t}, nil
		}
		return Value{}, decErr("", 0, ErrUnsupported, "unsupported b-type %q", s[:min(len(s), 3)])
	case 'o':
		switch at(2) {
		case 'm':
			return Value{Kind: KindOptional}, nil
		case 'p':
			in, err := d.value(s[3:], depth+1)
			if err != nil {
				return Value{}, withPath(err, "?")
			}
			if in.Kind == KindNull { // Optional.ofNullable(null) is empty
				return Value{Kind: KindOptional, Warnings: []string{"#op#n reads as Optional.empty"}}, nil
			}
			return Value{Kind: KindOptional, Items: []Value{in}}, nil
		}
		return Value{}, decErr("", 0, ErrUnsupported, "unsupported o-value %q", s[:min(len(s), 3)])
	case 's':
		return Value{Kind: KindString, Text: s[2:]}, nil
	case 'c':
		switch at(2) {
		case 'l':
			return d.collection(s[3:], KindList, depth)
		case 's':
			return d.collection(s[3:], KindSet, depth)
		case 'h':
			if len(s) == 3 {
				return Value{}, decErr("", 3, ErrSyntax, "#ch without a character (Ktor: char sequence is empty)")
			}
			u, rest := firstUTF16(s[3:])
			v := Value{Kind: KindChar, Text: wtf8(u)}
			if rest {
				if u >= 0xD800 && u <= 0xDBFF {
					v.Warnings = append(v.Warnings, "Ktor keeps only the first UTF-16 unit (a lone high surrogate) of "+strconv.Quote(s[3:min(len(s), 3+8)]))
				} else {
					v.Warnings = append(v.Warnings, "text after the first character ignored by Ktor")
				}
			}
			return v, nil
		}
		return Value{}, decErr("", 0, ErrUnsupported, "unsupported c-type %q", s[:min(len(s), 3)])
	case 'm':
		return d.mapValue(s[2:], depth)
	case '#':
		if !d.nested {
			return Value{}, decErr("", 0, ErrUnsupported, "nested object (##) is not readable by Ktor %s (unsupported type ##; nested objects need 1.5.0 or later)", d.release)
		}
		return d.object(s[2:], depth+1, false)
	}
	return Value{}, decErr("", 0, ErrUnsupported, "unsupported type %q", s[:2])
}

const nestedWarning = "a collection, map or object inside a collection: Ktor's encodeURLQueryComponent leaves '&' and '=' unescaped, so Ktor may not read back what it wrote"

// collection is deserializeCollection: decode once, split at '&', drop
// empty pieces, decode each piece and read it as a value.
func (d *textDecoder) collection(s string, kind Kind, depth int) (Value, error) {
	if depth+1 > MaxDepth {
		return Value{}, decErr("", -1, ErrDepth, "more than %d levels of nesting", MaxDepth)
	}
	inner, err := decodeURLQueryComponent(s, false)
	if err != nil {
		return Value{}, err
	}
	v := Value{Kind: kind}
	if inner == "" && d.compat && kind == KindList {
		v.Warnings = append(v.Warnings, "KotlinxBackwardCompatibleSessionSerializer reads an empty list as one empty element")
	}
	pieces := splitNonEmpty(inner)
	elems := make([]string, 0, len(pieces))
	for _, p := range pieces {
		dp, err := decodeURLQueryComponent(p, false)
		if err != nil {
			return Value{}, withPath(err, "["+strconv.Itoa(len(elems))+"]")
		}
		if !strings.HasPrefix(dp, "#") && len(elems) > 0 {
			// Ktor split an element that held '&' and fails on the rest
			// ("Bad serialized value"); put it back together.
			prev := len(elems) - 1
			elems[prev] += "&" + p
			v.Warnings = append(v.Warnings, "element "+strconv.Itoa(prev)+" holds '&': Ktor splits it there and fails (Bad serialized value); shown as written")
			continue
		}
		elems = append(elems, p)
	}
	seen := map[string]bool{}
	for i, p := range elems {
		dp, err := decodeURLQueryComponent(p, false)
		if err != nil {
			return Value{}, withPath(err, "["+strconv.Itoa(i)+"]")
		}
		if d.compat && dp != p {
			v.Warnings = append(v.Warnings, "element "+strconv.Itoa(i)+" is percent-encoded inside the list: KotlinxBackwardCompatibleSessionSerializer does not decode it and reads "+strconv.Quote(clip(p)))
		}
		e, err := d.value(dp, depth+1)
		if err != nil {
			return Value{}, withPath(err, "["+strconv.Itoa(i)+"]")
		}
		if isComposite(e.Kind) {
			v.Warnings = appendOnce(v.Warnings, nestedWarning)
		}
		if kind == KindSet {
			if k, ok := valueKey(e); ok {
				if seen[k] {
					v.Warnings = append(v.Warnings, "duplicate element "+strconv.Quote(clip(e.Text))+" dropped, as Kotlin's toSet() does")
					continue
				}
				seen[k] = true
			} else if containsEqual(v.Items, e) {
				v.Warnings = append(v.Warnings, "duplicate element dropped, as Kotlin's toSet() does")
				continue
			}
		}
		v.Items = append(v.Items, e)
	}
	return v, nil
}

// mapValue is deserializeMap: pieces split at '&', each split at its first
// '=' into key and value (a piece without '=' is both), later duplicates of
// a key replace its value in place (LinkedHashMap).
func (d *textDecoder) mapValue(s string, depth int) (Value, error) {
	if depth+1 > MaxDepth {
		return Value{}, decErr("", -1, ErrDepth, "more than %d levels of nesting", MaxDepth)
	}
	inner, err := decodeURLQueryComponent(s, false)
	if err != nil {
		return Value{}, err
	}
	v := Value{Kind: KindMap}
	type entry struct{ k, v string }
	var entries []entry
	for _, p := range splitNonEmpty(inner) {
		k, val := p, p
		if i := strings.IndexByte(p, '='); i >= 0 {
			k, val = p[:i], p[i+1:]
			// a key holding '=': Ktor cuts it at the first '=' and fails;
			// find the cut that leaves a '#'-prefixed value
			if !strings.HasPrefix(val, "#") {
				for j := i + 1; j < len(p); j++ {
					if p[j] == '=' && j+1 < len(p) && p[j+1] == '#' {
						k, val = p[:j], p[j+1:]
						v.Warnings = append(v.Warnings, "key "+strconv.Quote(clip(k))+" holds '=': Ktor cuts it at the first '=' and fails; shown as written")
						break
					}
				}
			}
		} else if !strings.HasPrefix(p, "#") && len(entries) > 0 {
			last := &entries[len(entries)-1]
			last.v += "&" + p
			v.Warnings = append(v.Warnings, "value of key "+strconv.Quote(clip(last.k))+" holds '&': Ktor splits it there and fails; shown as written")
			continue
		}
		entries = append(entries, entry{k, val})
	}
	pos := map[string]int{}
	for n, e := range entries {
		dk, err := decodeURLQueryComponent(e.k, false)
		if err != nil {
			return Value{}, withPath(err, "{"+strconv.Itoa(n)+"}")
		}
		kv, err := d.value(dk, depth+1)
		if err != nil {
			return Value{}, withPath(err, "{key "+strconv.Itoa(n)+"}")
		}
		dv, err := decodeURLQueryComponent(e.v, false)
		if err != nil {
			return Value{}, withPath(err, "{"+clip(kv.Text)+"}")
		}
		vv, err := d.value(dv, depth+1)
		if err != nil {
			return Value{}, withPath(err, "{"+clip(kv.Text)+"}")
		}
		if isComposite(kv.Kind) || isComposite(vv.Kind) {
			v.Warnings = appendOnce(v.Warnings, nestedWarning)
		}
		if key, ok := valueKey(kv); ok {
			if i, dup := pos[key]; dup {
				v.Items[i+1] = vv
				v.Warnings = append(v.Warnings, "duplicate key "+strconv.Quote(clip(kv.Text))+": the later value wins, as in Kotlin's associateBy")
				continue
			}
			pos[key] = len(v.Items)
		}
		v.Items = append(v.Items, kv, vv)
	}
	return v, nil
}

func isComposite(k Kind) bool {
	return k == KindList || k == KindSet || k == KindMap || k == KindObject
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "&")
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func containsEqual(items []Value, e Value) bool {
	for _, it := range items {
		if equalValues(it, e) {
			return true
		}
	}
	return false
}

func appendOnce(ws []string, w string) []string {
	for _, x := range ws {
		if x == w {
			return ws
		}
	}
	return append(ws, w)
}
