// Command server is a small net/http service that keeps its sessions the way
// a Ktor service does, with package sessions:
//
//   - POST /login?name=NAME sets USER_SESSION, a by-value session signed with
//     HMAC-SHA256 (Ktor's SessionTransportTransformerMessageAuthentication);
//   - GET /me shows it; POST /logout clears it;
//   - POST /cart/add?item=ITEM adds to CART, a session kept by id in a
//     directory storage in Ktor's layout (directorySessionStorage);
//   - GET /cart shows the cart; POST /cart/clear empties it;
//   - GET /stats shows the middleware's counters as JSON: per key id, how
//     many sessions each key verified, and how many were re-issued.
//
// Key rotation without logging anyone out: -old-keys lists the keys that
// signed sessions before -key; they still verify, and a session one of them
// verified is re-issued under -key on the response (sessions.RotateOnRead).
// Once /stats shows no more sessions verified by an old key (for as long as
// a cookie lives, 7 days), drop it:
//
//	go run ./examples/server -key $OLD                       # users log in
//	go run ./examples/server -key $NEW -old-keys $OLD        # they come back: re-signed under NEW
//	curl http://127.0.0.1:8080/stats                         # "verified" of the old key stops growing
//	go run ./examples/server -key $NEW                       # the old key is gone
//
// Run it:
//
//	go run ./examples/server -addr 127.0.0.1:8080 [-dir /tmp/sessions] [-profile 3]
//
// and try it with curl, keeping the cookies in a jar:
//
//	curl -c jar -b jar -X POST 'http://127.0.0.1:8080/login?name=Zo%C3%AB'
//	curl -c jar -b jar http://127.0.0.1:8080/me
//	curl -c jar -b jar -X POST 'http://127.0.0.1:8080/cart/add?item=tea'
//	curl -c jar -b jar http://127.0.0.1:8080/cart
//	curl -c jar -b jar -X POST http://127.0.0.1:8080/logout
//	curl -v -b 'USER_SESSION=forged' http://127.0.0.1:8080/me   # no session, no error page
//
// The cart's files appear under the storage directory (printed at start) as
// Ktor would write them; `sessionctl` can list, read and purge them.
// The MAC key comes from -key (hex) or is random for the process; -old-keys
// (hex, comma-separated) are the keys it replaces, still accepted on read.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/sessionctl/sessionctl/pkg/sessions"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

// UserSession is the signed by-value session.
type UserSession struct {
	Name       string
	LoginCount int
}

// Cart is the session kept by id in the directory storage.
type Cart struct {
	Items []string
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dir := flag.String("dir", "", "session directory (default: a new temporary directory)")
	keyHex := flag.String("key", "", "HMAC key in hex (default: random)")
	oldKeys := flag.String("old-keys", "", "older HMAC keys in hex, comma-separated: still read, their sessions re-issued under -key")
	profile := flag.String("profile", "3", "the Ktor release to behave as: 3.0.0, or 1.6, 2, 3 (the newest of a line)")
	flag.Parse()

	h, root, err := newHandler(*dir, *keyHex, *oldKeys, *profile, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "server: listening on http://%s, cart sessions under %s\n", *addr, root)
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// newHandler builds the application; logs go to logw.
func newHandler(dir, keyHex, oldKeysHex, profile string, logw io.Writer) (http.Handler, string, error) {
	p, err := transform.ParseProfile(profile)
	if err != nil {
		return nil, "", err
	}
	key := make([]byte, 32)
	if keyHex != "" {
		if key, err = hex.DecodeString(keyHex); err != nil {
			return nil, "", fmt.Errorf("-key: %w", err)
		}
	} else if _, err := rand.Read(key); err != nil {
		return nil, "", err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "sessionctl-example-"); err != nil {
			return nil, "", err
		}
	}
	keys := []transform.Key{{ID: "main", Bytes: key}}
	if oldKeysHex != "" {
		for i, h := range strings.Split(oldKeysHex, ",") {
			k, err := hex.DecodeString(strings.TrimSpace(h))
			if err != nil {
				return nil, "", fmt.Errorf("-old-keys: key %d: %w", i+1, err)
			}
			keys = append(keys, transform.Key{ID: fmt.Sprintf("old-%d", i+1), Bytes: k})
		}
	}
	mac, err := transform.NewMAC(keys, "HmacSHA256", p)
	if err != nil {
		return nil, "", err
	}
	store, err := storage.NewDirectoryCached(dir)
	if err != nil {
		return nil, "", err
	}
	logger := log.New(logw, "server: ", log.LstdFlags)
	hook := func(r *http.Request, err error) { logger.Printf("%s %s: %v", r.Method, r.URL.Path, err) }
	lax := "Lax"
	s, err := sessions.New(
		sessions.Cookie[UserSession]("USER_SESSION",
			sessions.ByValue(),
			sessions.WithTransformers(mac),
			sessions.RotateOnRead(),
			sessions.WithProfile(string(p)),
			sessions.WithCookie(func(c *codec.CookieConfig) {
				c.Extensions = append(c.Extensions, codec.Extension{Name: "SameSite", Value: &lax})
			}),
			sessions.WithErrorHook(hook)),
		sessions.Cookie[Cart]("CART",
			sessions.ByID(store),
			sessions.WithProfile(string(p)),
			sessions.WithErrorHook(hook)),
	)
	if err != nil {
		return nil, "", err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Stats())
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSpace(r.URL.Query().Get("name"))
		if name == "" {
			http.Error(w, "login needs ?name=", http.StatusBadRequest)
			return
		}
		u, _, err := sessions.Get[UserSession](r)
		if err != nil {
			serverError(w, logger, err)
			return
		}
		u = UserSession{Name: name, LoginCount: u.LoginCount + 1}
		if err := sessions.Set(r, u); err != nil {
			serverError(w, logger, err)
			return
		}
		fmt.Fprintf(w, "hello %s (login %d)\n", u.Name, u.LoginCount)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := sessions.Get[UserSession](r)
		switch {
		case err != nil:
			serverError(w, logger, err)
		case !ok:
			http.Error(w, "not logged in", http.StatusUnauthorized)
		default:
			fmt.Fprintf(w, "%s, %d logins\n", u.Name, u.LoginCount)
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := sessions.Clear[UserSession](r); err != nil {
			serverError(w, logger, err)
			return
		}
		io.WriteString(w, "bye\n")
	})
	mux.HandleFunc("POST /cart/add", func(w http.ResponseWriter, r *http.Request) {
		item := strings.TrimSpace(r.URL.Query().Get("item"))
		if item == "" {
			http.Error(w, "add needs ?item=", http.StatusBadRequest)
			return
		}
		c, err := sessions.GetOrSet(r, func() Cart { return Cart{} })
		if err != nil {
			serverError(w, logger, err)
			return
		}
		c.Items = append(c.Items, item)
		if err := sessions.Set(r, c); err != nil {
			serverError(w, logger, err)
			return
		}
		fmt.Fprintf(w, "cart: %s\n", strings.Join(c.Items, ", "))
	})
	mux.HandleFunc("GET /cart", func(w http.ResponseWriter, r *http.Request) {
		c, _, err := sessions.Get[Cart](r)
		if err != nil {
			serverError(w, logger, err)
			return
		}
		id, _, _ := sessions.ID[Cart](r)
		fmt.Fprintf(w, "cart %q: %s\n", id, strings.Join(c.Items, ", "))
	})
	mux.HandleFunc("POST /cart/clear", func(w http.ResponseWriter, r *http.Request) {
		if err := sessions.Clear[Cart](r); err != nil {
			serverError(w, logger, err)
			return
		}
		io.WriteString(w, "cart emptied\n")
	})
	return s.Handler(mux), dir, nil
}

func serverError(w http.ResponseWriter, logger *log.Logger, err error) {
	logger.Print(err)
	if errors.Is(err, sessions.ErrStorage) {
		http.Error(w, "session storage unavailable", http.StatusServiceUnavailable)
		return
	}
	http.Error(w, "internal error", http.StatusInternalServerError)
}
