package flags_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/reprokit/reprokit/flags"
)

// The admin handler lets an operator list the flags and override one for a
// while. Every request must pass authorize; every change is logged with
// who made it.
func ExampleNewAdminHandler() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // keep the example's output stable
			}
			return a
		},
	}))
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	set := flags.NewSet(
		flags.WithKeys(flags.Bool("debug.enabled", false)),
		flags.WithClock(func() time.Time { return now }),
		flags.WithLogger(logger),
	)
	authorize := func(r *http.Request) bool {
		return r.Header.Get("Authorization") == "Bearer s3cret" // use your own access control
	}
	admin := flags.NewAdminHandler(set, authorize, flags.WithWho(func(*http.Request) string { return "alice" }))

	send := func(method, body string, token string) {
		r := httptest.NewRequest(method, "/debug/flags", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		admin.ServeHTTP(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprint(w.Code, " ", w.Body.String())))
	}
	send("POST", `{"name":"debug.enabled","value":true,"ttl":"10m"}`, "guess")
	send("POST", `{"name":"debug.enabled","value":true,"ttl":"10m"}`, "s3cret")
	send("GET", "", "s3cret")
	// Output:
	// 403
	// {"level":"INFO","msg":"flags: override set","flag":"debug.enabled","who":"alice","old":"false","old_source":"default","new":"true","expires":"2025-03-14T09:10:00Z","ttl":"10m0s"}
	// 200 {"name":"debug.enabled","value":true,"source":"override","expires":"2025-03-14T09:10:00Z","by":"alice"}
	// 200 {"flags":[{"name":"debug.enabled","value":true,"source":"override","expires":"2025-03-14T09:10:00Z","by":"alice"}]}
}
