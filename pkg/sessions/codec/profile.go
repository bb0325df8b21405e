package codec

import (
	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// release is the exact Ktor release p names, or an *Error wrapping
// ErrProfile that says why there is none (and the nearest known releases).
// Every behaviour question of this package is then a lookup in package
// ktor's table: release.Has(change).
func release(op string, p transform.Profile) (ktor.Release, error) {
	r, err := p.Release()
	if err != nil {
		return ktor.Release{}, newErr(op, "", ErrProfile, err.Error(), "")
	}
	return r, nil
}
