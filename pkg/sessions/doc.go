// Package sessions is Ktor's Sessions plugin for net/http: middleware that
// reads and writes the same cookies, headers and stored sessions as a Ktor
// service next to it, byte for byte.
//
// # From Ktor to Go
//
//	install(Sessions) {                                  s, err := sessions.New(
//	    cookie<UserSession>("USER_SESSION") {                sessions.Cookie[UserSession]("USER_SESSION",
//	        cookie.path = "/app"                                 sessions.WithCookie(func(c *codec.CookieConfig) {
//	        cookie.extensions["SameSite"] = "lax"                    c.Path = "/app"; c.Extensions = ... }),
//	        transform(SessionTransportTransformer                sessions.WithTransformers(mac),
//	            MessageAuthentication(key))                      sessions.WithProfile("3.0.0")),
//	    }
//	    cookie<Cart>("CART", directorySessionStorage(dir))   sessions.Cookie[Cart]("CART", sessions.ByID(dirStorage)),
//	    header<Api>("X-Api", storage) { identity { … } }     sessions.Header[Api]("X-Api", sessions.ByID(st),
//	                                                             sessions.WithIDGenerator(gen)),
//	    header<Token>("X-Token")                             sessions.Header[Token]("X-Token"),
//	}                                                    )
//	                                                     handler = s.Handler(mux)
//
//	call.sessions.get<UserSession>()                     sessions.Get[UserSession](r)   // (v, ok, err)
//	call.sessions.set(UserSession(…))                    sessions.Set(r, UserSession{…})
//	call.sessions.clear<UserSession>()                   sessions.Clear[UserSession](r)
//	call.sessions.getOrSet { UserSession(…) }            sessions.GetOrSet(r, func() UserSession { … })
//	call.sessions.get("NAME") as T                       sessions.GetNamed[T](r, "NAME")
//	call.sessions.get("NAME"), set("NAME", v), clear     c, _ := sessions.Current(r); c.Get("NAME"), c.Set, c.Clear
//	call.sessions.findName(T::class)                     c.FindName(reflect.TypeFor[T]())
//	call.sessionId<Cart>()                               sessions.ID[Cart](r)
//	call.sessions.clear<Cart>(sessionId)    (3.5)        sessions.ClearID[Cart](r, id)
//	identity { call -> … }                  (3.5)        sessions.WithRequestIDGenerator(func(r) (string, error))
//	serializer = …                                       sessions.WithSerializer(sessions.TextSerializer[T](p))
//	serializer = KotlinxSessionSerializer(Json { … })    sessions.WithSerializer(sessions.JSONSerializerWith[T](opts))
//	sendOnlyIfModified = true                            sessions.SendOnlyIfModified()
//	register(SessionProvider(n, T::class, transport,     sessions.Custom[T](n, transport, sessions.WithTracker(tracker))
//	    tracker))
//	CacheStorage(delegate, idle)                         storage.NewCache(d, idle), storage.NewCacheWith
//	(no Ktor equivalent: a key list)                     sessions.RotateOnRead(), (*Sessions).Stats
//
// Transformers are package transform's (Digest, MAC, Encrypt), cookie
// configurations package codec's, storages package storage's. Transport and
// Tracker are Ktor's SessionTransport and SessionTracker as two small
// interfaces; Cookie, Header, ByValue and ByID are their built-in
// implementations.
//
// Two providers of one Go type are refused by New, as Ktor 1.2.0 and later
// refuse a second provider of a session type (1.0.0 to 1.1.x did not check:
// when both reproduce such a release they are accepted, the first serving
// the type). Two providers of one name are refused in every release.
//
// # Releases
//
// A provider reproduces one exact Ktor release, chosen with WithProfile
// ("3.0.0"; "1.6", "2", "3" are the newest release of their line; default
// the newest release). Every choice is a lookup in package ktor's table: the
// cookie defaults (codec.DefaultCookieConfig), the default serializer
// (reflection text before 3.0.0, kotlinx JSON from 3.0.0), the id format
// (storage.DefaultIDGenerator: 16, 32 from 1.5.0, 64 hex characters from
// 3.5.0), how the cookie is read (URI-decoded whatever the encoding before
// 1.6.6, with the configured encoding from 1.6.6; the Cookie: name pattern of
// the release), the cookie encodings and Set-Cookie rendering, and when a
// session is sent:
//   - from 2.3.1 (SessionData with old and new values): a session is sent
//     only when set; a session that came in and was cleared, or could not be
//     read, is cleared off (expired cookie, stored session invalidated);
//   - before 2.3.1: the current session, read or set, is sent again on every
//     response that looked at it (so a cookie's Expires slides); before 1.4.1
//     only a session it could read counts as incoming, so an unreadable one
//     is left in place.
//
// SendOnlyIfModified exists from 3.5.0; asking for it with an older release
// is a configuration error.
//
// # The request's sessions
//
// Sessions are read lazily, on the first Get, Set, Clear or ID of a provider:
// a handler that never looks at a session costs nothing and changes nothing.
// This is the deferred mode of Ktor 3.1 and later
// (io.ktor.server.sessions.deferred=true), not Ktor's default: every Ktor
// release reads every session when the call comes in, so that a session that
// came in and cannot be read is cleared off (from 1.4.1), and before 2.3.1
// every session read is sent back, on any response. LoadEagerly makes a provider do
// that.
// Changes are written once, before the first byte of the response: on the
// first Write, WriteHeader or Flush of the wrapped http.ResponseWriter, or
// when the handler returns having written nothing. After that, Set and Clear
// fail with ErrTooLate.
//
// A session that cannot be read (a bad cookie encoding, a tampered or
// undecodable value, an id no longer stored, an id the storage refuses) is no
// session: never an error page. Ktor did the same for most of these; where it
// threw (a stored session its class cannot read) this package drops the id
// and leaves the stored data alone. The provider's error hook (WithErrorHook)
// is told why; the library itself never logs. Storage failures (I/O) are
// errors of Get and Set; a failure while writing a session at commit turns
// the response into a 500, as an exception in Ktor's send pipeline does.
//
// Ktor's by-id trackers before 1.6.3 kept an id they could not find
// and stored the next session under it, a session fixation; this package
// drops such ids in every release, as Ktor 1.6.3 and later do.
//
// # Key rotation
//
// Ktor has no key list; package transform's MAC and Encrypt have one (the
// first key writes, every key reads, a read names the key that verified).
// With RotateOnRead, a session read under an old key, in the legacy encrypt
// format, or (for a JSON provider) in Ktor's text format is sent back in the
// current key and format on the same response, so that a rotation completes
// as users come back. Sessions.Stats counts, per key id, the sessions each
// key verified: an old key can go once its count stops growing for as long as
// a cookie lives.
package sessions
