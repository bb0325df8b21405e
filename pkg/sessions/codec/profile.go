package codec

import (
	"fmt"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

// version is the Ktor release line a profile stands for, ordered.
type version int

const (
	v10 version = iota // 1.0.0
	v16                // 1.6.x
	v2                 // 2.2 .. 2.3.13
	v3                 // main ef92e5537d
)

func versionOf(op string, p transform.Profile) (version, error) {
	switch p {
	case transform.Profile10:
		return v10, nil
	case transform.Profile16:
		return v16, nil
	case transform.Profile2:
		return v2, nil
	case transform.Profile3, "":
		return v3, nil
	}
	return 0, newErr(op, "", ErrProfile, fmt.Sprintf("%q (want 1.0, 1.6, 2 or 3)", string(p)), "")
}
