package transform

// Profiles lists the profiles ParseProfile returns, oldest first: what a version picker offers
// (the debugger page's Ktor release list).
func Profiles() []Profile { return []Profile{Profile10, Profile16, Profile2, Profile3} }
