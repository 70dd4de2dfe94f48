package main

import (
	"crypto/subtle"
	"log/slog"
	"net/http"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/flags"
)

// debugging is the diagnostics setup both services share: one flag set
// (in production, a flags file or an OpenFeature provider), the admin
// endpoint that overrides flags at runtime, the key that signs debug
// tokens, and the sink captures go to.
type debugging struct {
	flags    *flags.Set
	admin    http.Handler
	tokenKey []byte
	stats    *debugsample.Stats
	sink     capture.Sink
	env      func() *capture.Env
}

// fleetEnvKey is the key environment snapshots hash variable values
// with. Every machine of a fleet, and the engineers' laptops, share it
// (from a secret store), so that their snapshots compare values without
// showing them.
var fleetEnvKey = []byte("demo-fleet-environment-key-0123")

// strictWarehouse makes inventory refuse a SKU whose stock record names
// no warehouse, instead of using the default one. Production turned it on;
// a laptop has its default, off.
var strictWarehouse = flags.Bool("inventory.strict_warehouse", false)

// productionConfig is the configuration production runs with, as a
// deployment's config file would set it: capture in on-failure mode,
// and the strict warehouse check.
var productionConfig = map[string]any{
	"capture.on_failure":         true,
	"inventory.strict_warehouse": true,
}

// adminToken authorises the demo's operator. A real service checks its
// own access control here: there is no open default.
const adminToken = "demo-operator-secret"

// newDebugging returns the setup of a machine whose configuration is
// config (productionConfig, or nil on a laptop), sending captures to sink.
func newDebugging(adminLog *slog.Logger, config map[string]any, sink capture.Sink) *debugging {
	set := flags.NewSet(
		flags.WithProvider(flags.Static(config)),
		flags.WithKeys(debugsample.FlagKeys()...),
		flags.WithKeys(capture.FlagKeys()...),
		flags.WithKeys(strictWarehouse),
		flags.WithLogger(adminLog),
	)
	return &debugging{
		flags:    set,
		admin:    flags.NewAdminHandler(set, authorizeOperator),
		tokenKey: []byte("demo-token-signing-key-0123456789"),
		stats:    new(debugsample.Stats),
		sink:     sink,
		env:      capture.CachedEnv(&capture.EnvOptions{Flags: set, HashKey: fleetEnvKey}),
	}
}

// captureOptions are the capture options of a service: the policy from
// the flags (capture.on_failure, capture.rate, capture.rules), and the
// environment snapshot records carry.
func (d *debugging) captureOptions() []capture.Option {
	return []capture.Option{capture.WithFlags(d.flags), capture.WithEnv(d.env)}
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
