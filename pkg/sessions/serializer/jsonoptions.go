package serializer

import (
	"reflect"
)

// JSONOptions are the settings of kotlinx's Json { … } builder that change a
// session's JSON. The zero value is kotlinx's default Json, the one Ktor 3's
// default session serializer uses; a Ktor app that configures its own
// (serializer = KotlinxSessionSerializer(Json { … })) is read and written by
// the same options here.
type JSONOptions struct {
	// IgnoreUnknownKeys is ignoreUnknownKeys = true: a key without a field
	// is skipped (its value must still be JSON) instead of an error.
	IgnoreUnknownKeys bool
	// ImplicitNulls is explicitNulls = false: a nil pointer, nil interface
	// or empty Optional field is left out instead of written as null, and on
	// decoding an absent field of such a type (nullable, without a default)
	// is null instead of an error.
	ImplicitNulls bool
	// EncodeDefaults is encodeDefaults = true: fields tagged
	// `ktor:",default"` (or ",default=JSON") are written even when they hold
	// their default. By default (false, as kotlinx), such a field that holds
	// its default is left out.
	EncodeDefaults bool
}

// MarshalJSONWith is MarshalJSON under the options o.
func MarshalJSONWith(v any, o JSONOptions) (string, error) {
	return marshalJSON(v, &o)
}

// UnmarshalJSONWith is UnmarshalJSON under the options o.
func UnmarshalJSONWith(s string, v any, o JSONOptions) error {
	return unmarshalJSON(s, v, &o)
}

// omitNull reports whether a field holding fv is left out of the JSON
// because it is null under explicitNulls = false (o nil = kotlinx's default
// Json, which writes it).
func (o *JSONOptions) omitNull(fv reflect.Value) bool {
	return o != nil && o.ImplicitNulls && isNull(fv)
}

// encodeDefaults is encodeDefaults = true (o nil: false, kotlinx's default).
func (o *JSONOptions) encodeDefaults() bool { return o != nil && o.EncodeDefaults }

// isNullable reports whether a Go type is a nullable Kotlin type here.
func isNullable(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface || t.Implements(typOptional)
}

// isNull reports whether v is written as null.
func isNull(v reflect.Value) bool {
	switch {
	case v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface:
		return v.IsNil()
	case v.Type().Implements(typOptional):
		return !v.FieldByName("Present").Bool()
	}
	return false
}

// JSONCodec is MarshalJSONWith and UnmarshalJSONWith for one Go type,
// prepared once: a session serializer calls it on every request. The zero
// options are kotlinx's default Json. It is safe for concurrent use.
type JSONCodec[T any] struct {
	o    *JSONOptions
	fast *fastCodec // nil: T is not a plain struct, the reference path serves it
}

// NewJSONCodec prepares the JSON of T under the options o.
func NewJSONCodec[T any](o JSONOptions) *JSONCodec[T] {
	c := &JSONCodec[T]{o: &o}
	if t := reflect.TypeFor[T](); t.Kind() == reflect.Struct {
		c.fast = fastCodecOf(t)
	}
	return c
}

// Marshal is MarshalJSONWith(*v, o).
func (c *JSONCodec[T]) Marshal(v *T) (string, error) {
	if c.fast != nil {
		if s, ok := fastMarshalWith(c.fast, reflect.ValueOf(v).Elem(), c.o); ok {
			return s, nil
		}
	}
	return marshalJSON(v, c.o)
}

// Unmarshal is UnmarshalJSONWith(s, v, o).
func (c *JSONCodec[T]) Unmarshal(s string, v *T) error {
	if v == nil {
		return &DecodeError{Offset: -1, Err: ErrArgument, Detail: "UnmarshalJSON needs a non-nil pointer"}
	}
	if c.fast != nil && fastUnmarshalWith(c.fast, s, reflect.ValueOf(v).Elem()) {
		return nil
	}
	return unmarshalJSON(s, v, c.o)
}
