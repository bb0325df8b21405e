package codec

import (
	"errors"

	"github.com/sessionctl/sessionctl/internal/urlcodec"
)

// uriEncode is encodeURLQueryComponent(encodeFull = true, spaceToPlus = true)
// (Ktor before 2.2: only letters and digits stay) or, with param,
// encodeURLParameter(spaceToPlus = true) (2.2 and later: also - . _ ~).
func uriEncode(v string, param bool) string {
	if param {
		return urlcodec.EncodeParameter(v, true)
	}
	return urlcodec.EncodeQueryComponent(v, true, true)
}

// uriDecode is decodeURLQueryComponent(plusIsSpace = true), the same in every
// release: '+' is a space, each run of %XX escapes is one byte sequence
// decoded as UTF-8 the way the JDK does (malformed input becomes U+FFFD). A
// bad escape is reported with Ktor's own exception message.
func uriDecode(v string) (string, error) {
	s, err := urlcodec.DecodeQueryComponent(v, true)
	if err != nil {
		var ee *urlcodec.EscapeError
		if errors.As(err, &ee) {
			return "", newErr("decode", URI, ErrMalformed, ee.Error(), ee.Java())
		}
		return "", err
	}
	return s, nil
}
