package codec

import (
	"errors"

	"github.com/sessionctl/sessionctl/internal/urlcodec"
	"github.com/sessionctl/sessionctl/pkg/ktor"
)

// uriEncode is encodeCookieValue's URI_ENCODING of ver:
// encodeURLQueryComponent(encodeFull = true, spaceToPlus = true) before
// 2.1.3 (only letters and digits stay), encodeFull = false in 2.1.3 (RFC
// 3986's reserved and unreserved characters stay too, ';' and ',' included),
// encodeURLParameter(spaceToPlus = true) from 2.2.0 (letters, digits and
// - . _ ~ stay).
// appendURIEncoded is uriEncode appending to b.
func appendURIEncoded(b []byte, v string, ver ktor.Release) []byte {
	switch {
	case ver.Has(ktor.URIEncodeParameter):
		return urlcodec.AppendParameter(b, v, true)
	case ver.Has(ktor.URIEncodeQueryPart):
		return urlcodec.AppendQueryComponent(b, v, false, true)
	}
	return urlcodec.AppendQueryComponent(b, v, true, true)
}

func uriEncode(v string, ver ktor.Release) string {
	switch {
	case ver.Has(ktor.URIEncodeParameter):
		return urlcodec.EncodeParameter(v, true)
	case ver.Has(ktor.URIEncodeQueryPart):
		return urlcodec.EncodeQueryComponent(v, false, true)
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
