package sqlstore

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/sessions"
	"github.com/sessionctl/sessionctl/pkg/sessions/storage"
)

type cart struct {
	UserID string `ktor:"userId"`
	Items  int    `ktor:"items"`
}

// TestMiddlewareSharesTheTable: the Go middleware keeps a by-id session in the table (a row
// in Ktor's text format, as the Ktor application's SessionStorage wrote it), reads back a row the
// application wrote, and a Clear removes the row.
func TestMiddlewareSharesTheTable(t *testing.T) {
	forEach(t, func(t *testing.T, b *backend) {
		ty := b.types()
		table := b.table(t, "id "+ty.id+" PRIMARY KEY", "data "+ty.text, "updated_at "+ty.bigint)
		st := b.store(t, Mapping{Table: table, ValueColumn: "data", UpdatedColumn: "updated_at", UpdatedUnit: Millis})
		s, err := sessions.New(sessions.Cookie[cart]("CART", sessions.ByID(st), sessions.WithProfile("2")))
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
			if err := sessions.Set(r, cart{UserID: "u-1", Items: 3}); err != nil {
				t.Error(err)
			}
		})
		mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
			c, ok, err := sessions.Get[cart](r)
			if err != nil || !ok {
				http.Error(w, "no session", 404)
				return
			}
			w.Write([]byte(c.UserID))
		})
		mux.HandleFunc("/clear", func(w http.ResponseWriter, r *http.Request) { sessions.Clear[cart](r) })
		h := s.Handler(mux)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/set", nil))
		cookie := rec.Header().Get("Set-Cookie")
		id := strings.TrimPrefix(strings.SplitN(cookie, ";", 2)[0], "CART=")
		if len(id) < 16 {
			t.Fatalf("Set-Cookie %q", cookie)
		}
		var data string
		if err := b.db.QueryRow(b.ph("SELECT data FROM "+b.d.quote(table)+" WHERE id = ?"), id).Scan(&data); err != nil {
			t.Fatal(err)
		}
		if data != "items=%23i3&userId=%23su-1" {
			t.Fatalf("row holds %q", data)
		}
		// a session the Ktor application wrote
		b.exec(t, b.ph("INSERT INTO "+b.d.quote(table)+" (id, data, updated_at) VALUES (?, ?, ?)"), "k1", "items=%23i1&userId=%23su-ktor", 1)
		req := httptest.NewRequest("GET", "/get", nil)
		req.Header.Set("Cookie", "CART=k1")
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Body.String() != "u-ktor" {
			t.Fatalf("reading the application's session: %d %q", rec.Code, rec.Body)
		}
		req = httptest.NewRequest("GET", "/clear", nil)
		req.Header.Set("Cookie", "CART=k1")
		h.ServeHTTP(httptest.NewRecorder(), req)
		if _, err := st.Read(ctx, "k1"); err == nil {
			t.Fatal("Clear left the row")
		}
		var _ storage.Storage = st
	})
}
