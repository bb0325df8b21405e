// Package serializer reads and writes Ktor session payloads: the text
// format of SessionSerializerReflection (the default before Ktor 3.0.0,
// reflectionSessionSerializer() in 3.x) and of
// KotlinxBackwardCompatibleSessionSerializer (2.2.0 on), and the kotlinx
// JSON that is the default from Ktor 3.0.0.
//
// # Vocabulary
//
//	Ktor                                            here
//	SessionSerializerReflection,                    Text{Profile: p}, MarshalText, UnmarshalText (Style Reflection)
//	  reflectionSessionSerializer() (3.x)
//	KotlinxBackwardCompatibleSessionSerializer      Text{Profile: p, Style: BackwardCompatible}, MarshalTextWith
//	KotlinxSessionSerializer(Json)                  JSON, MarshalJSON, UnmarshalJSON
//	deserialize into an unknown class               DecodeText, DecodeJSON, Decode → Value
//
// # The text format
//
// A session is name=value pairs joined by '&', names and values put through
// encodeURLParameter(spaceToPlus = true). Values carry a type prefix:
//
//	#n or #    null                 #s   String, enum name, UUID
//	#i  #l     Int, Long            #ch  Char (one UTF-16 unit)
//	#f         Float or Double      #bot #bof  Boolean
//	#bd #bi    BigDecimal, BigInteger
//	#om #op…   Optional empty / present
//	#cl #cs    List / Set: elements encodeURLQueryComponent-ed, joined by '&', encoded again
//	#m         Map: key=value pairs, as for collections
//	##         nested object (Ktor 1.5.0+): its own form, encoded again
//
// SessionSerializerReflection writes properties sorted by name in every
// release; KotlinxBackwardCompatibleSessionSerializer writes them in
// declaration order and Sets as Lists. Readers accept any order. What the
// release changes (package ktor's table): nested classes, sealed $type and
// objects from 1.5.0; property values keep '=' unescaped from 1.4.3 to 1.5.4
// (encodeURLParameterValue); the backward-compatible serializer exists from
// 2.2.0; kotlinx JSON is the default from 3.0.0.
//
// # Go types
//
//	int8 int16 int32 int uint8 uint16   Int (#i); int beyond 32 bits is an error
//	int64 uint32 uint uint64            Long (#l)
//	float64 / float32                   Double / Float (#f, printed as Kotlin does: 3.0, 1.0E10)
//	bool, string                        Boolean, String
//	Char, or int32 tagged `ktor:",char"`    Char
//	big.Int, *big.Int, BigDecimal       BigInteger, BigDecimal (scale kept: 1.50)
//	encoding.TextMarshaler              String (enums, UUIDs)
//	Optional[T]                         java.util.Optional
//	pointers                            nullable (nil = #n)
//	slices / Set[T] or `ktor:",set"`    List / Set
//	OrderedMap[K, V] / Go maps          Map (Go maps in sorted key order)
//	structs                             nested objects (##; from Ktor 1.5.0)
//	Value                               written as it is
//
// A field is named by its `ktor:"name"` tag, else by its Go name in
// lowerCamelCase (LoginCount → loginCount, UserID → userID). `ktor:"-"`
// skips a field; the option "default" (or "default=JSON", the default as
// kotlinx writes it) says the Kotlin property has a default value: kotlinx
// Json (encodeDefaults = false) leaves it out when it equals the default
// and UnmarshalJSON fills it in when absent. The option "optional" lets UnmarshalText accept its
// absence (Ktor 1.x requires every constructor parameter).
//
// # Schema-less decoding
//
// DecodeText reads any text payload into a Value tree as Ktor 1.0.0 would
// read it (first of duplicate names wins, names case-insensitive, blanks
// trimmed, '+' as space in values, at most 1000 pairs, Java's number
// grammars), canonicalising scalars to what Kotlin's toString prints.
// Value.MarshalJSON renders the tree as plain JSON. Where Ktor itself would
// misread a value (a collection element holding '&' or '=', which Ktor's
// encodeURLQueryComponent leaves unescaped; with DecodeTextWith and
// BackwardCompatible, that serializer's list decoder, which does not decode
// elements), the Value carries a warning (AllWarnings).
// Nesting is capped at MaxDepth; errors are *DecodeError wrapping one of
// the Err* sentinels.
//
// # Typed fields (encode --set)
//
// ParseTypedField reads NAME[:TYPE]=VALUE, TYPE one of string (default),
// int, long, double, bool, char, bigdecimal, biginteger, null, raw (VALUE is
// a Ktor typed value such as "#op#i1"), optional<T>, list<T>, set<T>,
// map<K,V> (elements separated by ',', "\," for a comma, map entries
// KEY=VALUE). Examples: "loginCount:int=17", "roles:list<string>=admin,ops",
// "attrs:map<string,int>=z=26,a=1". EncodeFields writes such fields as a
// Ktor text payload.
package serializer
