package serializer

import "github.com/sessionctl/sessionctl/pkg/transform"

// version is the Ktor behaviour family a profile selects.
type version int

const (
	v100 version = iota // Ktor 1.0.0: no nested objects, properties sorted by name
	v16                 // Ktor 1.6 and 2.x: "##" nested objects and "$type" for sealed classes
	v3                  // Ktor 3.x: kotlinx backward-compatible format, declaration order, JSON default
)

func versionOf(p transform.Profile) version {
	switch string(p) {
	case "1.0", "1.0.0", "1":
		return v100
	case "1.6", "1.x", "2", "2.x", "2.0":
		return v16
	}
	return v3 // "3", "3.x", "head", ""
}
