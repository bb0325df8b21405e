package transform

import (
	"fmt"
	"strings"

	"github.com/sessionctl/sessionctl/pkg/ktor"
)

// Chain is Ktor's List<SessionTransportTransformer>: Write applies the
// transformers left to right, Read undoes them right to left.
type Chain []Transformer

// Layer is what one transformer's read did, in unwrapping order.
type Layer struct {
	Step int // 1-based position of the transformer in the chain
	ReadInfo
	OK  bool
	Err error
}

// Write applies every transformer in order.
func (c Chain) Write(v string) (string, error) {
	for _, t := range c {
		var err error
		if v, err = t.Write(v); err != nil {
			return "", err
		}
	}
	return v, nil
}

func stepErr(step int, kind string, err error) error {
	if re, ok := err.(*ReadError); ok {
		cp := *re
		cp.Step = step
		return &cp
	}
	return &ReadError{Step: step, Transform: kind, Err: ErrMalformed, Detail: err.Error()}
}

// Read undoes the transformers from the last to the first. Layers lists each
// step tried, the last transformer first; on failure the last layer holds
// the *ReadError, whose Step names the transformer.
func (c Chain) Read(v string) (string, []Layer, error) {
	layers := make([]Layer, 0, len(c))
	for i := len(c) - 1; i >= 0; i-- {
		p, info, err := c[i].Read(v)
		if err != nil {
			err = stepErr(i+1, c[i].Kind(), err)
			return "", append(layers, Layer{Step: i + 1, ReadInfo: info, Err: err}), err
		}
		layers = append(layers, Layer{Step: i + 1, ReadInfo: info, OK: true})
		v = p
	}
	return v, layers, nil
}

// ReadFunc is Read without building the Layers: fn, when not nil, is told
// about each step that read, in unwrapping order (step is 1-based, as
// Layer.Step). The error is Read's.
func (c Chain) ReadFunc(v string, fn func(step int, info ReadInfo)) (string, error) {
	for i := len(c) - 1; i >= 0; i-- {
		p, info, err := c[i].Read(v)
		if err != nil {
			return "", stepErr(i+1, c[i].Kind(), err)
		}
		if fn != nil {
			fn(i+1, info)
		}
		v = p
	}
	return v, nil
}

// Explainer is a Transformer that can say why a read fails in more detail than Read does:
// Encrypt's legacy format, whose Read keeps a bad padding and a bad MAC to one error.
type Explainer interface {
	Explain(value string) error // nil when Read succeeds
}

// ReadExplained is Read for a person debugging their own value: when the failing transformer is
// an Explainer, its layer and error carry Explain's answer instead of Read's. It is not
// constant-time and its errors are a padding oracle: a server, a middleware or a batch check uses
// Read.
func (c Chain) ReadExplained(v string) (string, []Layer, error) {
	out, layers, err := c.Read(v)
	if err == nil || len(layers) == 0 {
		return out, layers, err
	}
	last := &layers[len(layers)-1]
	i := last.Step - 1
	ex, ok := c[i].(Explainer)
	if !ok {
		return out, layers, err
	}
	in := v
	if i+1 < len(c) {
		var perr error
		if in, _, perr = c[i+1:].Read(v); perr != nil {
			return out, layers, err
		}
	}
	if xerr := ex.Explain(in); xerr != nil {
		err = stepErr(i+1, c[i].Kind(), xerr)
		last.Err = err
	}
	return out, layers, err
}

// ReadInListOrder is what List.transformRead did before Ktor 1.2.1: it applied the
// reads in list order, not reversed, so it never read back its own chains of
// two or more transformers (unless they commute).
func (c Chain) ReadInListOrder(v string) (string, []Layer, error) {
	layers := make([]Layer, 0, len(c))
	for i := range c {
		p, info, err := c[i].Read(v)
		if err != nil {
			err = stepErr(i+1, c[i].Kind(), err)
			return "", append(layers, Layer{Step: i + 1, ReadInfo: info, Err: err}), err
		}
		layers = append(layers, Layer{Step: i + 1, ReadInfo: info, OK: true})
		v = p
	}
	return v, layers, nil
}

// KtorCouldRead reports whether that Ktor release could read its own output
// of this chain: before 1.2.1 Ktor read chains of two or more in list order,
// the wrong one.
func (c Chain) KtorCouldRead(p Profile) bool {
	return len(c) < 2 || p.Has(ktor.ChainReadReversed)
}

// Rotate reads v under any key and rewrites it under the current keys. A
// single transformer that is a Rotator (MAC, Encrypt, Digest) shares the work
// of the read and the write.
func (c Chain) Rotate(v string) (payload, rewritten string, layers []Layer, err error) {
	if len(c) == 1 {
		if r, ok := c[0].(Rotator); ok {
			p, w, info, err := r.Rotate(v)
			if err != nil {
				err = stepErr(1, c[0].Kind(), err)
				return "", "", []Layer{{Step: 1, ReadInfo: info, Err: err}}, err
			}
			return p, w, []Layer{{Step: 1, ReadInfo: info, OK: true}}, nil
		}
	}
	payload, layers, err = c.Read(v)
	if err != nil {
		return "", "", layers, err
	}
	rewritten, err = c.Write(payload)
	return payload, rewritten, layers, err
}

// String lists the transformers in write order, e.g.
// "encrypt(AES-128,HmacSHA256,current), mac(HmacSHA256)".
func (c Chain) String() string {
	s := make([]string, len(c))
	for i, t := range c {
		if st, ok := t.(fmt.Stringer); ok {
			s[i] = st.String()
		} else {
			s[i] = t.Kind()
		}
	}
	return strings.Join(s, ", ")
}
