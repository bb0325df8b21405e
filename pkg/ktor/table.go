package ktor

import "strconv"

// A Change is one behaviour of Ktor's sessions that some releases have and
// others do not. Every version-dependent decision in sessionctl is
// Release.Has(Change) on this table; nothing compares release numbers or
// names elsewhere.
type Change int

// The change points, in the order of the table.
const (
	_ Change = iota

	// transform
	DigestDefaultSHA384  // SessionTransportTransformerDigest's default algorithm is SHA-384
	DigestDeprecated     // SessionTransportTransformerDigest is @Deprecated
	DigestDeprecatedErr  // … at DeprecationLevel.ERROR
	DigestRemoved        // SessionTransportTransformerDigest no longer exists
	MACDefaultSHA256     // SessionTransportTransformerMessageAuthentication's default algorithm is HmacSHA256
	ChainReadReversed    // List.transformRead undoes the transformers from the last one
	EncryptMACCiphertext // encrypt writes MAC(ciphertext) and has backwardCompatibleRead
	EncryptStrictHex     // encrypt reads IV and ciphertext with Kotlin's strict hexToByteArray
	EncryptBlockSizedIV  // encrypt asks its ivGenerator for the 16-byte AES block, not the key length

	// cookie
	CookieSessionDuration // CookieConfiguration.duration may be null (a session cookie)
	CookieMaxAgeClamped   // Max-Age above Int.MAX_VALUE is clamped to it
	CookieMaxAgeSeconds   // maxAgeInSeconds: 0 is a session cookie; Expires from the unclamped value
	CookieMaxAgeNullable  // maxAgeInSeconds: Long? — null is a session cookie, 0 renders Max-Age=0
	CookieDefaultPathHTTP // CookieConfiguration defaults path "/" and httpOnly true
	CookieEqualsAllowed   // '=' is no longer one of the characters RAW refuses and DQUOTES quotes
	CookieErrorDQuotes    // the DQUOTES refusal names DQUOTES (and RAW's message has two spaces)
	CookieErrorCannot     // the refusals say "cannot be encoded" instead of "couldn't be encoded"
	Base64EncodeUnsigned  // BASE64 encodes bytes without the sign-extension bug
	Base64DecodeUTF8      // BASE64 decodes to UTF-8 text instead of Latin-1
	Base64DecodeURLSafe   // Ktor's lenient BASE64 decoder reads '-' as '+' (and '_' as '/')
	Base64DecodeStrict    // BASE64 decodes with kotlin.io.encoding.Base64 (strict)
	ReceiveConfiguredEnc  // the server decodes the session cookie with the configured encoding
	CookieHeaderWideNames // Cookie: header names may hold ()<>@:/\"[]?
	ClearCookieAttributes // clear() sends every configured attribute (clearCookie())
	CookieExtensionsRaw   // extension values are written RAW, not with the cookie's encoding
	URIEncodeQueryPart    // URI encoding keeps RFC 3986's reserved characters (encodeFull = false)
	URIEncodeParameter    // URI encoding is encodeURLParameter: letters, digits and -._~ stay
	RawUnchecked          // RAW writes any value

	// serializer
	TextFormKeepsEquals    // the reflection serializer's property values keep '=' unescaped
	TextNestedObjects      // the reflection serializer writes nested classes (##), sealed $type and objects
	TextBackwardCompatible // KotlinxBackwardCompatibleSessionSerializer exists
	DefaultSerializerJSON  // the default session serializer is kotlinx JSON

	// storage
	SessionIDTwoNonces // generateSessionId is two nonces (32 hex characters)
	SessionID64        // generateSessionId is generateNonceBlocking(64) (64 hex characters)

	// middleware
	UniqueProviders    // Sessions refuses a second provider of a name or session type already registered
	IncomingUnreadable // a session that arrived but does not read counts as incoming (and is cleared)
	SendOnlySet        // only a session set by the call is sent back (old and new values)
	SendOnlyIfModified // the sendOnlyIfModified option exists

	numChanges
)

// Info describes one change point, in the manner of Go's
// internal/godebugs table: its name, the first release that has the new
// behaviour, and where Ktor's source shows it.
type Info struct {
	Change Change
	Name   string  // stable identifier, e.g. "encrypt-strict-hex"
	Area   string  // transform, cookie, serializer, storage, middleware
	First  Release // the first release with New
	Until  Release // the first release without it again; zero: kept to this day
	Old    string  // the behaviour before First (and from Until)
	New    string  // the behaviour from First
	Source string  // file:line (tag) in github.com/ktorio/ktor
	// Reads is true when the change can make one side read (accept, or decode to other
	// content) a value the other side does not: the changes that explain why a value works
	// on one release and not another. Changes of what is written are false.
	Reads bool
}

func r(major, minor, patch int) Release { return Release{major, minor, patch} }

// table is indexed by Change - 1.
var table = [numChanges - 1]Info{
	{DigestDefaultSHA384, "digest-default-sha384", "transform", r(1, 1, 0), Release{},
		"SessionTransportTransformerDigest() digests with SHA-256", "… with SHA-384",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionTransportTransformerDigest.kt:20 (1.1.0)", true},
	{DigestDeprecated, "digest-deprecated", "transform", r(1, 1, 0), Release{},
		"SessionTransportTransformerDigest is a normal transformer", "@Deprecated: \"potentially vulnerable\"",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionTransportTransformerDigest.kt:16 (1.1.0)", false},
	{DigestDeprecatedErr, "digest-deprecated-error", "transform", r(1, 2, 2), Release{},
		"deprecated with a warning", "deprecated at DeprecationLevel.ERROR (code using it no longer compiles)",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionTransportTransformerDigest.kt:23 (1.2.2)", false},
	{DigestRemoved, "digest-removed", "transform", r(2, 0, 0), Release{},
		"SessionTransportTransformerDigest exists", "SessionTransportTransformerDigest is gone",
		"ktor-server/ktor-server-plugins/ktor-server-sessions (2.0.0): no SessionTransportTransformerDigest.kt", true},
	{MACDefaultSHA256, "mac-default-sha256", "transform", r(1, 1, 2), Release{},
		"SessionTransportTransformerMessageAuthentication(key) signs with HmacSHA1", "… with HmacSHA256",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionTransportTransformerMessageAuthentication.kt:16 (1.1.2)", true},
	{ChainReadReversed, "chain-read-reversed", "transform", r(1, 2, 1), Release{},
		"transformRead applies the transformers in list order, so chains of two or more never read back",
		"transformRead undoes them from the last (asReversed)",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionTransportTransformer.kt:35 (1.2.1)", true},
	{EncryptMACCiphertext, "encrypt-mac-ciphertext", "transform", r(3, 0, 0), Release{},
		"encrypt writes MAC(plaintext) (the legacy format)", "encrypt writes MAC(ciphertext); backwardCompatibleRead reads the legacy format",
		"ktor-server/ktor-server-plugins/ktor-server-sessions/jvm/src/io/ktor/server/sessions/SessionTransportTransformerEncrypt.kt:107, :42 (3.0.0)", true},
	{EncryptStrictHex, "encrypt-strict-hex", "transform", r(3, 5, 0), Release{},
		"encrypt reads IV and ciphertext with Ktor's lenient hex() (an odd trailing character is ignored, full-width digits pass)",
		"… with Kotlin's strict hexToByteArray()",
		"ktor-server/ktor-server-plugins/ktor-server-sessions/jvm/src/io/ktor/server/sessions/SessionTransportTransformerEncrypt.kt:83, :89 (3.5.0)", true},
	{EncryptBlockSizedIV, "encrypt-iv-block-size", "transform", r(3, 5, 1), Release{},
		"encrypt asks ivGenerator for as many bytes as the key: AES-192/256 fail in the constructor with the default generator",
		"encrypt asks ivGenerator for 16 bytes",
		"ktor-server/ktor-server-plugins/ktor-server-sessions/jvm/src/io/ktor/server/sessions/SessionTransportTransformerEncrypt.kt:68, :115 (3.5.1; KTOR-9425)", false},

	{CookieSessionDuration, "cookie-session-duration", "cookie", r(1, 0, 1), Release{},
		"CookieConfiguration.duration is not nullable (no session cookies); a duration above Int.MAX_VALUE seconds sends no Max-Age",
		"duration may be null (a session cookie); above Int.MAX_VALUE seconds neither Max-Age nor Expires is sent",
		"ktor-server/ktor-server-core/src/io/ktor/sessions/SessionTransportCookie.kt:62, :31 (1.0.1)", false},
	{CookieMaxAgeClamped, "cookie-max-age-clamped", "cookie", r(1, 1, 2), Release{},
		"a max age above Int.MAX_VALUE is dropped", "Max-Age is clamped to Int.MAX_VALUE (and Expires computed from the clamped value)",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionTransportCookie.kt:31 (1.1.2)", false},
	{CookieMaxAgeSeconds, "cookie-max-age-seconds", "cookie", r(1, 3, 0), Release{},
		"duration: null is a session cookie, Duration.ZERO sends Expires=now",
		"maxAgeInSeconds: Long; 0 is a session cookie; Expires = now + the unclamped max age",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionTransportCookie.kt:35, :86 (1.3.0)", false},
	{CookieMaxAgeNullable, "cookie-max-age-nullable", "cookie", r(3, 0, 0), Release{},
		"maxAgeInSeconds = 0 sends neither Max-Age nor Expires",
		"maxAgeInSeconds: Long?; null is a session cookie, 0 sends Max-Age=0",
		"ktor-server/ktor-server-plugins/ktor-server-sessions/common/src/io/ktor/server/sessions/SessionTransportCookie.kt:84, ktor-http/common/src/io/ktor/http/Cookie.kt:155 (3.0.0)", false},
	{CookieDefaultPathHTTP, "cookie-default-path-httponly", "cookie", r(1, 2, 0), Release{},
		"a fresh CookieConfiguration has no path and httpOnly false", "path \"/\" and httpOnly true",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionTransportCookie.kt:85, :95 (1.2.0)", false},
	{CookieEqualsAllowed, "cookie-equals-allowed", "cookie", r(1, 2, 0), Release{},
		"'=' is escaped in cookies: RAW refuses it, DQUOTES quotes it, cookie and extension names may not hold it",
		"'=' is a plain character",
		"ktor-http/common/src/io/ktor/http/Cookie.kt:210 (1.2.0)", false},
	{CookieErrorDQuotes, "cookie-error-dquotes", "cookie", r(1, 4, 3), Release{},
		"a DQUOTES refusal says \"… couldn't be encoded in RAW format. Consider URL_ENCODING mode\"",
		"it says \"DQUOTES format\"; RAW's message has two spaces before \"Consider\"",
		"ktor-http/common/src/io/ktor/http/Cookie.kt:204 (1.4.3)", false},
	{CookieErrorCannot, "cookie-error-cannot", "cookie", r(1, 5, 3), Release{},
		"refusals say \"couldn't be encoded\"", "\"cannot be encoded\"",
		"ktor-http/common/src/io/ktor/http/Cookie.kt:197 (1.5.3)", false},
	{Base64EncodeUnsigned, "base64-encode-unsigned", "cookie", r(1, 1, 0), Release{},
		"BASE64 encoding sign-extends bytes: non-ASCII text comes out wrong (é → /6k=)", "bytes are masked with 0xFF",
		"ktor-utils/common/src/io/ktor/util/Base64.kt:33 (1.1.0)", false},
	{Base64DecodeUTF8, "base64-decode-utf8", "cookie", r(1, 2, 3), Release{},
		"BASE64 decodes each byte to one Latin-1 character", "BASE64 decodes the bytes as UTF-8 (decodeBase64String)",
		"ktor-http/common/src/io/ktor/http/Cookie.kt:202 (1.2.3)", true},
	{Base64DecodeURLSafe, "base64-decode-url-safe", "cookie", r(3, 1, 2), Release{},
		"Ktor's lenient BASE64 decoder reads '-' and '_' as 63 ('/')", "it reads '-' as 62 ('+') and '_' as 63 ('/')",
		"ktor-utils/common/src/io/ktor/util/Base64.kt:20 (3.1.2)", true},
	{Base64DecodeStrict, "base64-decode-strict", "cookie", r(3, 4, 0), Release{},
		"BASE64 decodes with Ktor's lenient decoder (unknown symbols read as '/', padding optional, a lone last symbol dropped)",
		"BASE64 decodes with kotlin.io.encoding.Base64 (strict: padding, pad bits and symbols checked)",
		"ktor-http/common/src/io/ktor/http/Cookie.kt:235 (3.4.0)", true},
	{ReceiveConfiguredEnc, "receive-configured-encoding", "cookie", r(1, 6, 6), Release{},
		"the server reads the session cookie with call.request.cookies[name]: always URI-decoded, whatever the configured encoding",
		"cookies[name, configuration.encoding]: decoded with the configured encoding",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionTransportCookie.kt:28 (1.6.6; KTOR-524)", true},
	{CookieHeaderWideNames, "cookie-header-wide-names", "cookie", r(2, 0, 0), Release{},
		"Cookie: header names exclude ()<>@:/\\\"[]? (the name pattern stops there)", "names are anything but ;={} and blanks",
		"ktor-http/common/src/io/ktor/http/Cookie.kt:93 (2.0.0)", true},
	{ClearCookieAttributes, "clear-cookie-attributes", "cookie", r(2, 1, 1), Release{},
		"clear() is appendExpired: NAME=; Expires=epoch; Domain; Path; $x-enc=URI_ENCODING, nothing else",
		"clear() renders clearCookie(): every configured attribute with an empty value and Expires at the epoch",
		"ktor-server/ktor-server-plugins/ktor-server-sessions/jvm/src/io/ktor/server/sessions/SessionTransportCookie.kt:57 (2.1.1)", false},
	{CookieExtensionsRaw, "cookie-extensions-raw", "cookie", r(2, 1, 3), Release{},
		"extension values are encoded with the cookie's encoding", "extension values are written RAW",
		"ktor-http/common/src/io/ktor/http/Cookie.kt:225 (2.1.3)", false},
	{URIEncodeQueryPart, "uri-encode-query-part", "cookie", r(2, 1, 3), r(2, 2, 0),
		"URI encoding is encodeURLQueryComponent(encodeFull = true): only letters and digits stay",
		"encodeURLQueryComponent(encodeFull = false): also :/?#[]@!$&'()*,;=-._~+ stay",
		"ktor-http/common/src/io/ktor/http/Cookie.kt:186 (2.1.3)", false},
	{URIEncodeParameter, "uri-encode-parameter", "cookie", r(2, 2, 0), Release{},
		"URI encoding is encodeURLQueryComponent", "URI encoding is encodeURLParameter(spaceToPlus = true): letters, digits and -._~ stay",
		"ktor-http/common/src/io/ktor/http/Cookie.kt:186 (2.2.0)", false},
	{RawUnchecked, "raw-unchecked", "cookie", r(3, 0, 2), Release{},
		"RAW refuses blanks, controls, ; , and \" (IllegalArgumentException)", "RAW writes any value as it is",
		"ktor-http/common/src/io/ktor/http/Cookie.kt:171 (3.0.2)", false},

	{TextFormKeepsEquals, "text-form-keeps-equals", "serializer", r(1, 4, 3), r(1, 6, 0),
		"formUrlEncode writes property values with encodeURLParameter: '=' becomes %3D",
		"formUrlEncode writes values with encodeURLParameterValue, which keeps '='",
		"ktor-http/common/src/io/ktor/http/HttpUrlEncoded.kt:45, Codecs.kt:141 (1.4.3); Codecs.kt:136 (1.6.0)", false},
	{TextNestedObjects, "text-nested-objects", "serializer", r(1, 5, 0), Release{},
		"the reflection serializer refuses nested classes (Unsupported value type)",
		"nested classes are written as ##…, sealed subclasses with $type, objects as their instance",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionSerializerReflection.kt:353 (1.5.0)", true},
	{TextBackwardCompatible, "text-backward-compatible", "serializer", r(2, 2, 0), Release{},
		"only the reflection serializer writes the text format",
		"KotlinxBackwardCompatibleSessionSerializer writes it too (declaration order, Sets as Lists)",
		"ktor-server/ktor-server-plugins/ktor-server-sessions/jvmAndNix/src/io/ktor/server/sessions/serialization/KotlinxSessionSerializer.kt:52 (2.2.0)", true},
	{DefaultSerializerJSON, "default-serializer-json", "serializer", r(3, 0, 0), Release{},
		"the default serializer is the reflection text format (JVM)", "the default serializer is kotlinx JSON",
		"ktor-server/ktor-server-plugins/ktor-server-sessions/common/src/io/ktor/server/sessions/SessionSerializer.kt:40 (3.0.0; KTOR-6175)", false},

	{SessionIDTwoNonces, "session-id-two-nonces", "storage", r(1, 5, 0), Release{},
		"a new session id is one generateNonce() (16 hex characters)", "generateSessionId() = two nonces (32 hex characters)",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/SessionIdProvider.kt:12 (1.5.0)", false},
	{SessionID64, "session-id-64", "storage", r(3, 5, 0), Release{},
		"generateSessionId() is 32 hex characters", "generateNonceBlocking(64): 64 hex characters",
		"ktor-server/ktor-server-plugins/ktor-server-sessions/common/src/io/ktor/server/sessions/SessionIdProvider.kt:14 (3.5.0)", false},

	{UniqueProviders, "unique-providers", "middleware", r(1, 2, 0), Release{},
		"a second provider of a name or type is registered too (\"todo: check that type & name is unique\"); the first serves the type",
		"register() throws: \"There is already registered session provider with name/for type …\"",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/Sessions.kt:38 (1.2.0)", false},
	{IncomingUnreadable, "incoming-unreadable", "middleware", r(1, 4, 1), Release{},
		"only a session that reads counts as incoming: an unreadable one is left in place",
		"a session that arrived counts as incoming even when it does not read, so it is cleared",
		"ktor-server/ktor-server-core/jvm/src/io/ktor/sessions/Sessions.kt:206 (1.4.1)", false},
	{SendOnlySet, "send-only-set", "middleware", r(2, 3, 1), Release{},
		"the current session, read or set, is sent again with every response",
		"only a session the call set is sent (old and new values); a cleared or unreadable one is cleared off",
		"ktor-server/ktor-server-plugins/ktor-server-sessions/jvmAndNix/src/io/ktor/server/sessions/SessionData.kt:150 (2.3.1)", false},
	{SendOnlyIfModified, "send-only-if-modified", "middleware", r(3, 5, 0), Release{},
		"no sendOnlyIfModified option", "sendOnlyIfModified skips resending an unchanged session",
		"ktor-server/ktor-server-plugins/ktor-server-sessions/common/src/io/ktor/server/sessions/SessionData.kt:264 (3.5.0; KTOR-470)", false},
}

// Has reports whether release r has the behaviour of change c. An unknown
// Change panics: the set of changes is fixed at compile time.
func (r Release) Has(c Change) bool {
	in := &table[c-1]
	return !r.Before(in.First) && (in.Until == (Release{}) || r.Before(in.Until))
}

// Lookup returns the table entry of c.
func Lookup(c Change) Info { return table[c-1] }

// Table returns every change point, in table order.
func Table() []Info { return append([]Info(nil), table[:]...) }

// ByName finds a change point by its Name.
func ByName(name string) (Info, bool) {
	for _, in := range table {
		if in.Name == name {
			return in, true
		}
	}
	return Info{}, false
}

// String is the change's Name.
func (c Change) String() string {
	if c <= 0 || c >= numChanges {
		return "ktor.Change(" + strconv.Itoa(int(c)) + ")"
	}
	return table[c-1].Name
}

// Span is a run of consecutive releases, First to Last, that answer every
// Change the same way: within a span no session behaviour differs.
type Span struct{ First, Last Release }

// String is "3.0.0–3.4.3", or "3.5.2" for a span of one release.
func (s Span) String() string {
	if s.First == s.Last {
		return s.First.String()
	}
	return s.First.String() + "–" + s.Last.String()
}

// Spans cuts the known releases at every change point of the table.
func Spans() []Span {
	cut := map[Release]bool{}
	for _, in := range table {
		cut[in.First] = true
		if in.Until != (Release{}) {
			cut[in.Until] = true
		}
	}
	var out []Span
	for i, rel := range releases {
		if i == 0 || cut[rel] {
			out = append(out, Span{First: rel, Last: rel})
			continue
		}
		out[len(out)-1].Last = rel
	}
	return out
}

// Differences lists the changes on which a and b differ, in table order.
func Differences(a, b Release) []Info {
	var out []Info
	for _, in := range table {
		if a.Has(in.Change) != b.Has(in.Change) {
			out = append(out, in)
		}
	}
	return out
}
