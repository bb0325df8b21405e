package transform

import "github.com/sessionctl/sessionctl/pkg/ktor"

// Profiles lists every exact release ParseProfile returns, oldest first: what a version picker
// offers (the debugger page's Ktor release list).
func Profiles() []Profile {
	rs := ktor.Releases()
	out := make([]Profile, len(rs))
	for i, r := range rs {
		out[i] = ProfileOf(r)
	}
	return out
}

// Aliases are the names of the newest release of each line, oldest line first.
func Aliases() []Profile { return []Profile{Profile10, Profile16, Profile2, Profile3} }
