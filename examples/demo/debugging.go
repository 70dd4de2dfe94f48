package main

import (
	"crypto/subtle"
	"log/slog"
	"net/http"

	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/flags"
)

// debugging is the debug-sampling setup both services share: one flag set
// (in production, a flags file or an OpenFeature provider), the admin
// endpoint that overrides flags at runtime, and the key that signs debug
// tokens.
type debugging struct {
	flags    *flags.Set
	admin    http.Handler
	tokenKey []byte
	stats    *debugsample.Stats
}

// adminToken authorises the demo's operator. A real service checks its
// own access control here: there is no open default.
const adminToken = "demo-operator-secret"

func newDebugging(adminLog *slog.Logger) *debugging {
	set := flags.NewSet(flags.WithKeys(debugsample.FlagKeys()...), flags.WithLogger(adminLog))
	return &debugging{
		flags:    set,
		admin:    flags.NewAdminHandler(set, authorizeOperator),
		tokenKey: []byte("demo-token-signing-key-0123456789"),
		stats:    new(debugsample.Stats),
	}
}

func authorizeOperator(r *http.Request) bool {
	want := "Bearer " + adminToken
	got := r.Header.Get("Authorization")
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// options are the debugsample options of a service.
func (d *debugging) options(more ...debugsample.Option) []debugsample.Option {
	return append([]debugsample.Option{
		debugsample.WithFlags(d.flags),
		debugsample.WithTokenKeys(d.tokenKey),
		debugsample.WithStats(d.stats),
	}, more...)
}
