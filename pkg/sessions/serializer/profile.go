package serializer

import (
	"strconv"
	"strings"

	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// TextStyle is which of Ktor's serializers writes the text format. Both
// write the same wire format (a reader accepts either); they differ in
// property order, in how a Set is written and in how lists are read back.
type TextStyle string

const (
	// Reflection is SessionSerializerReflection: the default serializer of
	// every release before 3.0.0 (on the JVM), and reflectionSessionSerializer()
	// in 3.x, which is the same code. Properties sorted by name, Sets as #cs.
	Reflection TextStyle = "reflection"
	// BackwardCompatible is KotlinxBackwardCompatibleSessionSerializer
	// (from Ktor 2.2.0, opt-in): properties in declaration order, Sets
	// written as Lists (#cl), and a list decoder that does not decode its
	// elements.
	BackwardCompatible TextStyle = "backward-compatible"
)

// ParseTextStyle reads a TextStyle name: "reflection" (also "ktor-text",
// "text", "SessionSerializerReflection", "reflectionSessionSerializer") or
// "backward-compatible" (also "KotlinxBackwardCompatibleSessionSerializer",
// "kotlinx-backward-compatible"). "" is Reflection.
func ParseTextStyle(s string) (TextStyle, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "reflection", "ktor-text", "text", "sessionserializerreflection", "reflectionsessionserializer":
		return Reflection, nil
	case "backward-compatible", "backward_compatible", "kotlinx-backward-compatible", "kotlinxbackwardcompatiblesessionserializer":
		return BackwardCompatible, nil
	}
	return "", &EncodeError{Err: ErrArgument, Detail: "unknown text serializer " + strconv.Quote(s) + " (want reflection or backward-compatible)"}
}

// CheckTextStyle reports whether p's release has the serializer s:
// KotlinxBackwardCompatibleSessionSerializer exists from 2.2.0.
func CheckTextStyle(s TextStyle, p transform.Profile) error {
	r, err := p.Release()
	if err != nil {
		return &EncodeError{Err: ErrArgument, Detail: err.Error()}
	}
	switch s {
	case "", Reflection:
		return nil
	case BackwardCompatible:
		if !r.Has(ktor.TextBackwardCompatible) {
			return &EncodeError{Err: ErrUnsupported, Detail: "Ktor " + r.String() + " has no KotlinxBackwardCompatibleSessionSerializer (it exists from 2.2.0)"}
		}
		return nil
	}
	return &EncodeError{Err: ErrArgument, Detail: "unknown text serializer " + strconv.Quote(string(s))}
}

// textRules is what a release and a serializer do with the text format,
// each answer a change point of package ktor's table.
type textRules struct {
	release    ktor.Release
	nested     bool // nested classes (##), sealed $type and objects: 1.5.0 on
	keepEquals bool // form values keep '=' unescaped: 1.4.3 to 1.5.4 (reflection)
	compat     bool // KotlinxBackwardCompatibleSessionSerializer
}

func rulesOf(p transform.Profile, s TextStyle) textRules {
	r, err := p.Release()
	if err != nil {
		r = ktor.Newest()
	}
	compat := s == BackwardCompatible
	return textRules{release: r, nested: r.Has(ktor.TextNestedObjects), keepEquals: !compat && r.Has(ktor.TextFormKeepsEquals), compat: compat}
}
