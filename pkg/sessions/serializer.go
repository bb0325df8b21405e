package sessions

import (
	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// Serializer turns a session value into the text a tracker stores or sends
// and back: Ktor's SessionSerializer<T>.
type Serializer[T any] interface {
	Serialize(v T) (string, error)
	Deserialize(s string) (T, error)
}

// TextSerializer is Ktor's reflection text format (SessionSerializerReflection,
// the default before 3.0.0; reflectionSessionSerializer() in 3.x) as written
// by the profile's release: `count=%23i1&name=%23sBob`, properties sorted by
// name. T is a struct; see package serializer for how Go fields map to Kotlin
// properties (and serializer.BackwardCompatible for
// KotlinxBackwardCompatibleSessionSerializer).
func TextSerializer[T any](p transform.Profile) Serializer[T] { return textSerializer[T]{p} }

type textSerializer[T any] struct{ p transform.Profile }

// boxedSerializer is implemented by this package's serializers: they work on
// the *T the middleware's slots hold, without copying the session into an
// interface again.
type boxedSerializer[T any] interface {
	serializeBoxed(v any) (string, error) // v is a *T
	deserializeBoxed(text string) (any, error)
}

func (s textSerializer[T]) serializeBoxed(v any) (string, error) {
	return serializer.MarshalText(v, s.p)
}

func (s textSerializer[T]) deserializeBoxed(text string) (any, error) {
	v := new(T)
	if err := serializer.UnmarshalText(text, v); err != nil {
		return nil, err
	}
	return v, nil
}

func (s textSerializer[T]) Serialize(v T) (string, error) { return serializer.MarshalText(v, s.p) }

func (s textSerializer[T]) Deserialize(text string) (T, error) {
	var v T
	err := serializer.UnmarshalText(text, &v)
	return v, err
}

// JSONSerializer is Ktor 3's default session serializer, kotlinx.serialization
// Json in its default configuration: `{"name":"Bob","count":1}`.
func JSONSerializer[T any]() Serializer[T] { return JSONSerializerWith[T](serializer.JSONOptions{}) }

// JSONSerializerWith is the kotlinx JSON serializer of a Ktor app that
// configures its Json: serializer = KotlinxSessionSerializer(Json {
// ignoreUnknownKeys = true; explicitNulls = false; encodeDefaults = true })
// is JSONSerializerWith[T](serializer.JSONOptions{IgnoreUnknownKeys: true,
// ImplicitNulls: true, EncodeDefaults: true}).
func JSONSerializerWith[T any](o serializer.JSONOptions) Serializer[T] {
	return jsonSerializer[T]{serializer.NewJSONCodec[T](o)}
}

type jsonSerializer[T any] struct{ c *serializer.JSONCodec[T] }

// jsonKind marks the package's JSON serializers (RotateOnRead reads Ktor's
// text format when they cannot read a session).
type jsonKind interface{ kotlinxJSON() }

func (jsonSerializer[T]) kotlinxJSON() {}

func (s jsonSerializer[T]) Serialize(v T) (string, error) { return s.c.Marshal(&v) }

func (s jsonSerializer[T]) Deserialize(text string) (T, error) {
	var v T
	err := s.c.Unmarshal(text, &v)
	return v, err
}

func (s jsonSerializer[T]) serializeBoxed(v any) (string, error) { return s.c.Marshal(v.(*T)) }

func (s jsonSerializer[T]) deserializeBoxed(text string) (any, error) {
	v := new(T)
	if err := s.c.Unmarshal(text, v); err != nil {
		return nil, err
	}
	return v, nil
}

// DefaultSerializer is the serializer Ktor's cookie<T>/header<T> builders use
// by default in the profile's release: the reflection text format before
// 3.0.0, kotlinx JSON from 3.0.0.
func DefaultSerializer[T any](p transform.Profile) Serializer[T] {
	if p.Has(ktor.DefaultSerializerJSON) {
		return JSONSerializer[T]()
	}
	return TextSerializer[T](p)
}
