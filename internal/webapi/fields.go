package webapi

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// FieldLines writes a decoded session's fields as `encode --set` lines (NAME:TYPE=VALUE, the
// syntax of serializer.ParseTypedField), so the page can offer them for editing. Every line is
// checked: parsed back, it must serialize exactly as the field did in format; when a field cannot
// be written so (a name with ':' or '=', a value with a line break, a nested object in JSON),
// FieldLines returns nil and the page offers the JSON and payload forms instead.
func FieldLines(v serializer.Value, format serializer.Format, style serializer.TextStyle, p transform.Profile) []string {
	lines := make([]string, 0, len(v.Fields))
	for _, f := range v.Fields {
		l, ok := fieldLine(f, format)
		if !ok || !sameField(f, l, format, style, p) {
			return nil
		}
		lines = append(lines, l)
	}
	return lines
}

func fieldLine(f serializer.Field, format serializer.Format) (string, bool) {
	typ, val, ok := typed(f.Value, 0)
	if !ok && format == serializer.FormatText {
		// anything the text format holds: the field's own Ktor text, as the raw type
		s, err := serializer.EncodeFields([]serializer.Field{{Name: "x", Value: f.Value}}, transform.Profile3)
		if err != nil || !strings.HasPrefix(s, "x=") {
			return "", false
		}
		raw, err := url.QueryUnescape(s[2:])
		if err != nil {
			return "", false
		}
		typ, val, ok = "raw", raw, true
	}
	if !ok || strings.ContainsAny(f.Name+val, "\r\n") {
		return "", false
	}
	return f.Name + ":" + typ + "=" + val, true
}

// typed is a value as TYPE and VALUE of the --set syntax, when it has one.
func typed(v serializer.Value, depth int) (typ, val string, ok bool) {
	if depth > 1 {
		return "", "", false
	}
	switch v.Kind {
	case serializer.KindString, serializer.KindJSONString:
		return "String", v.Text, true
	case serializer.KindInt:
		return "Int", v.Text, true
	case serializer.KindLong:
		return "Long", v.Text, true
	case serializer.KindFloat:
		return "Double", v.Text, true
	case serializer.KindBool, serializer.KindJSONBool:
		return "Boolean", v.Text, true
	case serializer.KindChar:
		return "Char", v.Text, true
	case serializer.KindBigDecimal:
		return "BigDecimal", v.Text, true
	case serializer.KindBigInteger:
		return "BigInteger", v.Text, true
	case serializer.KindNull, serializer.KindJSONNull:
		return "null", "", true
	case serializer.KindJSONNumber:
		if !strings.ContainsAny(v.Text, ".eE") {
			return "Long", v.Text, true
		}
		return "BigDecimal", v.Text, true
	case serializer.KindOptional:
		if len(v.Items) == 0 {
			return "Optional<String>", "", true
		}
		t, s, ok := typed(v.Items[0], depth+1)
		return "Optional<" + t + ">", s, ok && s != ""
	case serializer.KindList, serializer.KindSet, serializer.KindJSONArray:
		name := "List"
		if v.Kind == serializer.KindSet {
			name = "Set"
		}
		elem, parts := "", make([]string, 0, len(v.Items))
		for _, it := range v.Items {
			t, s, ok := typed(it, depth+1)
			if !ok || elem != "" && t != elem {
				return "", "", false
			}
			elem = t
			parts = append(parts, escapeItem(s))
		}
		if elem == "" {
			elem = "String"
		}
		return name + "<" + elem + ">", strings.Join(parts, ","), true
	case serializer.KindMap:
		kt, vt, parts := "", "", make([]string, 0, len(v.Items)/2)
		for i := 0; i+1 < len(v.Items); i += 2 {
			k, ks, ok1 := typed(v.Items[i], depth+1)
			t, vs, ok2 := typed(v.Items[i+1], depth+1)
			if !ok1 || !ok2 || kt != "" && (k != kt || t != vt) || strings.Contains(ks, "=") {
				return "", "", false
			}
			kt, vt = k, t
			parts = append(parts, escapeItem(ks)+"="+escapeItem(vs))
		}
		if kt == "" {
			kt, vt = "String", "String"
		}
		return "Map<" + kt + "," + vt + ">", strings.Join(parts, ","), true
	}
	return "", "", false
}

func escapeItem(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`).Replace(s)
}

// sameField: line, read back as --set reads it, serializes exactly as f does.
func sameField(f serializer.Field, line string, format serializer.Format, style serializer.TextStyle, p transform.Profile) bool {
	g, err := serializer.ParseTypedField(line)
	if err != nil || g.Name != f.Name {
		return false
	}
	if format == serializer.FormatJSON {
		a, err1 := json.Marshal(f.Value)
		b, err2 := json.Marshal(g.Value)
		return err1 == nil && err2 == nil && string(a) == string(b)
	}
	a, err1 := serializer.EncodeFieldsWith([]serializer.Field{f}, style, p)
	b, err2 := serializer.EncodeFieldsWith([]serializer.Field{g}, style, p)
	return err1 == nil && err2 == nil && a == b
}
