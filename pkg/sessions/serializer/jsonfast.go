package serializer

import (
	"strconv"
	"unicode/utf8"
)

// decodeJSONFast decodes the common case of DecodeJSON without encoding/json's token API (which
// allocates per token and made encode --jsonl several times slower than rotate): strings without
// escapes or control characters, numbers, literals, arrays and objects within MaxDepth. Anything
// else — an escape, invalid UTF-8, a syntax error, trailing text — returns ok = false and
// DecodeJSON takes its full path, so results and errors are exactly DecodeJSON's (checked by
// FuzzDecodeJSONFast).
func decodeJSONFast(s string) (Value, bool) {
	p := fastJSON{s: s}
	v, ok := p.value(0)
	if !ok {
		return Value{}, false
	}
	p.ws()
	return v, p.i == len(p.s)
}

type fastJSON struct {
	s string
	i int
}

func (p *fastJSON) ws() { p.i = skipSpace(p.s, p.i) }

func (p *fastJSON) value(depth int) (Value, bool) {
	if depth > MaxDepth {
		return Value{}, false
	}
	p.ws()
	if p.i >= len(p.s) {
		return Value{}, false
	}
	switch c := p.s[p.i]; {
	case c == '"':
		str, ok := p.str()
		return Value{Kind: KindJSONString, Text: str}, ok
	case c == '-' || c >= '0' && c <= '9':
		n, ok := p.num()
		return Value{Kind: KindJSONNumber, Text: n}, ok
	case c == 't':
		return Value{Kind: KindJSONBool, Text: "true"}, p.lit("true")
	case c == 'f':
		return Value{Kind: KindJSONBool, Text: "false"}, p.lit("false")
	case c == 'n':
		return Value{Kind: KindJSONNull}, p.lit("null")
	case c == '[':
		p.i++
		v := Value{Kind: KindJSONArray}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return v, true
		}
		for {
			it, ok := p.value(depth + 1)
			if !ok {
				return Value{}, false
			}
			v.Items = append(v.Items, it)
			p.ws()
			if p.i >= len(p.s) {
				return Value{}, false
			}
			switch p.s[p.i] {
			case ',':
				p.i++
			case ']':
				p.i++
				return v, true
			default:
				return Value{}, false
			}
		}
	case c == '{':
		p.i++
		v := Value{Kind: KindJSONObject}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return v, true
		}
		for {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return Value{}, false
			}
			k, ok := p.str()
			if !ok {
				return Value{}, false
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return Value{}, false
			}
			p.i++
			it, ok := p.value(depth + 1)
			if !ok {
				return Value{}, false
			}
			dup := false
			for j := range v.Fields {
				if v.Fields[j].Name == k {
					v.Fields[j].Value = it
					v.Warnings = append(v.Warnings, "duplicate key "+strconv.Quote(k)+": the later value wins")
					dup = true
					break
				}
			}
			if !dup {
				v.Fields = append(v.Fields, Field{Name: k, Value: it})
			}
			p.ws()
			if p.i >= len(p.s) {
				return Value{}, false
			}
			switch p.s[p.i] {
			case ',':
				p.i++
			case '}':
				p.i++
				return v, true
			default:
				return Value{}, false
			}
		}
	}
	return Value{}, false
}

// str: a string without escapes, control characters or invalid UTF-8 (else not ok).
func (p *fastJSON) str() (string, bool) {
	start := p.i + 1
	for j := start; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '"':
			p.i = j + 1
			s := p.s[start:j]
			return s, utf8.ValidString(s)
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// num: a JSON number literal, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, kept as written.
func (p *fastJSON) num() (string, bool) {
	end, ok := scanNumber(p.s, p.i)
	if !ok {
		return "", false
	}
	n := p.s[p.i:end]
	p.i = end
	return n, true
}

// scanNumber scans the JSON number (RFC 8259 grammar) that starts at s[i] and returns where it
// ends; it must end where a value may end (encoding/json reads "1x" as an error).
func scanNumber(s string, i int) (int, bool) {
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if !digits() {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return 0, false
		}
	}
	if i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r', ',', ']', '}':
		default:
			return 0, false
		}
	}
	return i, true
}

// skipSpace returns the index of the first byte at or after i of s that is not JSON whitespace.
func skipSpace(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (p *fastJSON) lit(word string) bool {
	if len(p.s)-p.i < len(word) || p.s[p.i:p.i+len(word)] != word {
		return false
	}
	p.i += len(word)
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r', ',', ']', '}':
		default:
			return false
		}
	}
	return true
}
