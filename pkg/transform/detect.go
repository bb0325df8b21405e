package transform

import (
	"strconv"
	"strings"
)

// Candidate is one chain that could have produced a value.
type Candidate struct {
	Chain       string `json:"chain"`       // write order, e.g. "encrypt(AES,HmacSHA256), mac(HmacSHA256)"
	Description string `json:"description"` // what the shape says
	Confidence  string `json:"confidence"`  // "high" | "medium" | "low"
	Keys        string `json:"keys"`        // the key material a read would need
}

type sigAlt struct {
	chain, keys, why string
	conf             string
}

// alternatives for a trailing "/<hex of n chars>", most likely first.
func sigAlts(n int) []sigAlt {
	mac := func(a string, conf ...string) sigAlt {
		c := "high"
		if len(conf) > 0 {
			c = conf[0]
		}
		return sigAlt{"mac(" + a + ")", "an " + a + " key", "signed with " + a, c}
	}
	dig := func(a, conf string) sigAlt {
		return sigAlt{"digest(" + a + ")", "none (a salt, default \"ktor\")", "a salted " + a + " digest (Ktor 1.x, no key)", conf}
	}
	switch n {
	case 32:
		return []sigAlt{dig("MD5", "medium"), mac("HmacMD5")}
	case 40:
		return []sigAlt{mac("HmacSHA1"), dig("SHA-1", "medium")}
	case 56:
		return []sigAlt{mac("HmacSHA224", "medium"), dig("SHA-224", "medium"), mac("HmacSHA512/224", "low"), mac("HmacSHA3-224", "low")}
	case 64:
		return []sigAlt{mac("HmacSHA256"), dig("SHA-256", "medium"), mac("HmacSHA512/256", "low"), dig("SHA-512/256", "low"), mac("HmacSHA3-256", "low"), dig("SHA3-256", "low")}
	case 96:
		return []sigAlt{dig("SHA-384", "high"), mac("HmacSHA384"), mac("HmacSHA3-384", "low"), dig("SHA3-384", "low")}
	case 128:
		return []sigAlt{mac("HmacSHA512"), dig("SHA-512", "medium"), mac("HmacSHA3-512", "low"), dig("SHA3-512", "low")}
	}
	return nil
}

func allHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if _, ok := asciiHex(s[i]); !ok {
			return false
		}
	}
	return true
}

const maxCandidates = 16

// Detect lists the chains that could have produced value, judging by its
// shape alone (separators and hex lengths), best guess first. A value with no
// recognisable shape yields one candidate: plain (no transformer, or an id).
func Detect(value string) []Candidate {
	var out []Candidate
	detect(value, 0, func(c Candidate) bool {
		out = append(out, c)
		return len(out) < maxCandidates
	})
	return out
}

func lower(c string) string {
	switch c {
	case "high":
		return "medium"
	default:
		return "low"
	}
}

func detect(v string, depth int, emit func(Candidate) bool) bool {
	found := false
	if depth < 3 {
		if enc, ok := encryptShape(v); ok {
			for _, c := range enc {
				found = true
				if !emit(c) {
					return true
				}
			}
		}
		if before, sig, ok := splitLast(v, '/'); ok && allHex(sig) {
			alts := sigAlts(len(sig))
			if len(alts) > 0 {
				upper := strings.ToLower(sig) != sig
				var inner []Candidate
				detect(before, depth+1, func(c Candidate) bool { inner = append(inner, c); return len(inner) < 2 })
				if len(inner) > 0 && len(alts) > 2 {
					alts = alts[:2] // nested: only the likely outer layers
				}
				for _, a := range alts {
					note := ""
					if upper && strings.HasPrefix(a.chain, "mac(") {
						note = "; upper-case hex: Ktor would reject this signature"
					}
					if len(inner) == 0 {
						found = true
						if !emit(Candidate{Chain: a.chain, Description: "payload + \"/\" + " + strconv.Itoa(len(sig)) + " hex characters: " + a.why + note, Confidence: a.conf, Keys: a.keys}) {
							return true
						}
						continue
					}
					for _, in := range inner {
						found = true
						if !emit(Candidate{Chain: in.Chain + ", " + a.chain, Description: in.Description + "; then " + a.why + note,
							Confidence: lower(in.Confidence), Keys: in.Keys + "; " + a.keys}) {
							return true
						}
					}
				}
			}
		}
	}
	if !found && depth == 0 {
		emit(Candidate{Chain: "", Description: "no signature or encryption shape: a plain (untransformed) value or a session id", Confidence: "medium", Keys: "none"})
	}
	return found
}

// encryptShape recognises hex(iv)/hex(ct):hex(mac).
func encryptShape(v string) ([]Candidate, bool) {
	ivHex, rest, ok := splitLast(v, '/')
	if !ok || !allHex(ivHex) {
		return nil, false
	}
	ctHex, macHex, ok := splitLast(rest, ':')
	if !ok || !allHex(ctHex) || !allHex(macHex) || len(ctHex)%32 != 0 {
		return nil, false
	}
	var macs []string
	switch len(macHex) {
	case 32:
		macs = []string{"HmacMD5"}
	case 40:
		macs = []string{"HmacSHA1"}
	case 56:
		macs = []string{"HmacSHA224"}
	case 64:
		macs = []string{"HmacSHA256"}
	case 96:
		macs = []string{"HmacSHA384"}
	case 128:
		macs = []string{"HmacSHA512"}
	default:
		return nil, false
	}
	blocks := strconv.Itoa(len(ctHex) / 32)
	var out []Candidate
	switch len(ivHex) {
	case 32:
		for i, m := range macs {
			conf := "high"
			if i > 0 {
				conf = "low"
			}
			out = append(out,
				Candidate{Chain: "encrypt(AES," + m + ",current)", Confidence: conf,
					Description: "16-byte IV / " + blocks + " AES block(s) : " + m + " over the ciphertext (Ktor 3 format)",
					Keys:        "an AES key (16, 24 or 32 bytes) and an " + m + " sign key"},
				Candidate{Chain: "encrypt(AES-128," + m + ",legacy)", Confidence: lower(conf),
					Description: "16-byte IV / " + blocks + " AES block(s) : " + m + " over the plaintext (Ktor 1.x-2.x format: the IV is as long as the key, so AES-128)",
					Keys:        "a 16-byte AES key and an " + m + " sign key"})
		}
	case 48, 64:
		out = append(out, Candidate{Chain: "encrypt(AES-" + strconv.Itoa(len(ivHex)*4) + "," + macs[0] + ",legacy)", Confidence: "low",
			Description: strconv.Itoa(len(ivHex)/2) + "-byte IV: Ktor before 3.5.1 asked for a key-length IV, but AES/CBC refuses it: no Ktor could have written or read this",
			Keys:        "an AES key of " + strconv.Itoa(len(ivHex)/2) + " bytes and an " + macs[0] + " sign key"})
	default:
		return nil, false
	}
	return out, true
}
