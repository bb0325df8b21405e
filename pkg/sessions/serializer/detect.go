package serializer

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Format names a session payload format.
type Format string

// Formats a session payload can be in.
const (
	FormatText   Format = "ktor-text" // Ktor's reflection / backward-compatible text format
	FormatJSON   Format = "json"      // kotlinx.serialization Json (Ktor 3's default)
	FormatID     Format = "id"        // a bare session id (SessionTrackerById)
	FormatOpaque Format = "opaque"    // none of the above (still encrypted, foreign, corrupt)
)

// ParseFormat accepts a Format name ("ktor-text", "text", "json", "id",
// "opaque"); "" and "auto" mean detect.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto", "detect":
		return "", nil
	case "ktor-text", "text", "reflection", "ktor":
		return FormatText, nil
	case "json", "kotlinx":
		return FormatJSON, nil
	case "id":
		return FormatID, nil
	case "opaque", "raw":
		return FormatOpaque, nil
	}
	return "", &DecodeError{Offset: -1, Err: ErrArgument, Detail: "unknown format " + strconv.Quote(s) + " (want ktor-text, json, id or opaque)"}
}

// DefaultFormat is the serializer Ktor uses by default in p's release: the
// reflection text format before 3.0.0 (on the JVM), kotlinx JSON from 3.0.0.
func DefaultFormat(p transform.Profile) Format {
	if p.Has(ktor.DefaultSerializerJSON) {
		return FormatJSON
	}
	return FormatText
}

// DetectFormat tells which format payload is in:
//   - json: a JSON object or array (what kotlinx Json writes for a class);
//   - id: lower-case hex of 16 characters (Ktor before 1.5.0: one
//     generateNonce()), 32 (1.5.0 to 3.4.x: generateSessionId, two nonces)
//     or 64 (3.5.0 on: generateNonceBlocking(64));
//   - ktor-text: name=value pairs whose first value starts with '#' (or its
//     escape %23): the reflection format;
//   - opaque: anything else.
func DetectFormat(payload string) Format {
	t := strings.TrimLeft(payload, " \t\r\n")
	if t != "" && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(payload)) {
		return FormatJSON
	}
	if isSessionID(payload) {
		return FormatID
	}
	if looksLikeText(payload) {
		return FormatText
	}
	return FormatOpaque
}

func isSessionID(s string) bool {
	if len(s) != 16 && len(s) != 32 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func looksLikeText(s string) bool {
	seg := s
	if i := strings.IndexByte(s, '&'); i >= 0 {
		seg = s[:i]
	}
	eq := strings.IndexByte(seg, '=')
	if eq <= 0 || strings.TrimFunc(seg[:eq], isKotlinWhitespace) == "" {
		return false
	}
	v := strings.TrimLeftFunc(seg[eq+1:], isKotlinWhitespace)
	return strings.HasPrefix(v, "#") || strings.HasPrefix(v, "%23") || (seg[:eq] == typeTokenName && strings.Contains(s, "=%23"))
}

// Decode decodes payload in format f ("" = DetectFormat) as p's release
// reads it and says which format it used. A session id decodes to a String
// value; an opaque payload is an error wrapping ErrSyntax, returned with
// the payload as a String value.
func Decode(payload string, f Format, p transform.Profile) (Format, Value, error) {
	return DecodeWith(payload, f, Reflection, p)
}

// DecodeWith is Decode reading the text format as serializer s does.
func DecodeWith(payload string, f Format, s TextStyle, p transform.Profile) (Format, Value, error) {
	if f == "" {
		f = DetectFormat(payload)
	}
	switch f {
	case FormatText:
		v, err := DecodeTextWith(payload, s, p)
		return f, v, err
	case FormatJSON:
		v, err := DecodeJSON(payload)
		return f, v, err
	case FormatID:
		v := Value{Kind: KindString, Text: payload}
		if !isSessionID(payload) {
			v.Warnings = append(v.Warnings, "not in the form of an id Ktor generates (16, 32 or 64 lower-case hex characters)")
		}
		return f, v, nil
	case FormatOpaque:
		return f, Value{Kind: KindString, Text: payload},
			&DecodeError{Offset: -1, Err: ErrSyntax, Detail: "payload is neither Ktor text, JSON nor a session id (still transformed, or another serializer?)"}
	}
	return f, Value{}, &DecodeError{Offset: -1, Err: ErrArgument, Detail: "unknown format " + strconv.Quote(string(f))}
}

// Encode writes an object Value in format f (FormatText or FormatJSON),
// fields in the order they have (a decoded payload keeps its own order).
// FormatText is written as SessionSerializerReflection of p's release does
// (EncodeWith chooses the serializer); FormatJSON as kotlinx Json in its
// default configuration (NaN and Infinity refused, see MarshalJSON).
func Encode(v Value, f Format, p transform.Profile) (string, error) {
	return EncodeWith(v, f, Reflection, p)
}

// EncodeWith is Encode with text serializer s: BackwardCompatible writes
// Sets as Lists ("#cl"), as KotlinxBackwardCompatibleSessionSerializer does.
func EncodeWith(v Value, f Format, s TextStyle, p transform.Profile) (string, error) {
	switch f {
	case FormatJSON:
		b, err := appendKotlinxJSON(nil, v, "", 0)
		return string(b), err
	case FormatText, "":
		if v.Kind != KindObject && v.Kind != KindJSONObject {
			return "", encErr("", ErrArgument, "a session is an object, not %s", v.Kind)
		}
		if err := CheckTextStyle(s, p); err != nil {
			return "", err
		}
		e := textEncoder{textRules: rulesOf(p, s)}
		return e.objectValue(v, "", 0)
	}
	return "", encErr("", ErrArgument, "cannot encode to format %q", f)
}

// EncodeFields builds a Ktor text payload from typed fields (see
// ParseTypedField) as SessionSerializerReflection of p's release writes
// it: sorted by name.
func EncodeFields(fields []Field, p transform.Profile) (string, error) {
	return EncodeFieldsWith(fields, Reflection, p)
}

// EncodeFieldsWith is EncodeFields for serializer s: BackwardCompatible keeps
// the given (declaration) order.
func EncodeFieldsWith(fields []Field, s TextStyle, p transform.Profile) (string, error) {
	if err := CheckTextStyle(s, p); err != nil {
		return "", err
	}
	e := textEncoder{textRules: rulesOf(p, s)}
	fs := append([]Field(nil), fields...)
	if !e.compat {
		sort.SliceStable(fs, func(i, j int) bool { return lessUTF16(fs[i].Name, fs[j].Name) })
	}
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Name == "" {
			return "", encErr("", ErrArgument, "field without a name")
		}
		k := foldName(f.Name)
		if seen[k] {
			return "", encErr(f.Name, ErrArgument, "field given twice (Ktor's names are case-insensitive)")
		}
		seen[k] = true
	}
	return e.objectValue(Value{Kind: KindObject, Fields: fs}, "", 0)
}

// Serializer is a session serializer for Go structs.
type Serializer interface {
	Serialize(v any) (string, error)
	Deserialize(s string, v any) error
}

// Text is one of Ktor's text serializers of Profile's release: Style ""
// or Reflection is SessionSerializerReflection, BackwardCompatible is
// KotlinxBackwardCompatibleSessionSerializer.
type Text struct {
	Profile transform.Profile
	Style   TextStyle
}

// Serialize is MarshalTextWith(v, t.Style, t.Profile).
func (t Text) Serialize(v any) (string, error) { return MarshalTextWith(v, t.Style, t.Profile) }

// Deserialize is UnmarshalText.
func (t Text) Deserialize(s string, v any) error { return UnmarshalText(s, v) }

// JSON is Ktor 3's default serializer (kotlinx.serialization Json), under
// Options (the zero value: kotlinx's default Json).
type JSON struct{ Options JSONOptions }

// Serialize is MarshalJSONWith(v, j.Options).
func (j JSON) Serialize(v any) (string, error) { return MarshalJSONWith(v, j.Options) }

// Deserialize is UnmarshalJSONWith(s, v, j.Options).
func (j JSON) Deserialize(s string, v any) error { return UnmarshalJSONWith(s, v, j.Options) }

// ForFormat returns the Serializer of a format (FormatText or FormatJSON).
func ForFormat(f Format, p transform.Profile) (Serializer, error) {
	switch f {
	case FormatText:
		return Text{Profile: p}, nil
	case FormatJSON:
		return JSON{}, nil
	}
	return nil, encErr("", ErrArgument, "format %q has no serializer", f)
}
