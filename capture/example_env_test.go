package capture_test

import (
	"log/slog"
	"os"
	"time"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/flags"
)

// Two snapshots taken with one hash key, as production and a laptop would
// take them, diff into what differs between the two environments, without
// showing a value that was not allow-listed.
func ExampleDiffEnv() {
	key := []byte("a key every service of the fleet shares") // from a secret store
	clock := func() time.Time { return time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC) }
	checkoutV2 := flags.Bool("checkout.v2", false)
	quiet := flags.WithLogger(slog.New(slog.DiscardHandler))

	prodFlags := flags.NewSet(flags.WithKeys(checkoutV2), quiet)
	if err := prodFlags.Override("checkout.v2", true, time.Hour, "alice"); err != nil {
		panic(err)
	}
	production := capture.TakeEnv(&capture.EnvOptions{
		HashKey: key,
		Flags:   prodFlags,
		Now:     clock,
		Environ: func() []string {
			return []string{"DB_URL=postgres://app:s3cret@db.prod/app", "ENABLE_CACHE=1", "GOGC=200", "LANG=en_US.UTF-8"}
		},
	})
	local := capture.TakeEnv(&capture.EnvOptions{
		HashKey: key,
		Flags:   flags.NewSet(flags.WithKeys(checkoutV2), quiet),
		Now:     clock,
		Environ: func() []string {
			return []string{"DB_URL=postgres://app:dev@localhost/app", "GOGC=200", "LANG=C.UTF-8"}
		},
	})

	// Both snapshots were taken by this process, so the runtime and the
	// build are the same: only the variables and the flags differ.
	capture.DiffEnv(production, local).Format(os.Stdout, "production", "local")
	// Output:
	// env:
	//   DB_URL: differs (values masked)
	//   ENABLE_CACHE: set in production, missing in local
	//   LANG: "en_US.UTF-8" in production, "C.UTF-8" in local
	// flags:
	//   checkout.v2: true (override) in production, false (default) in local
}
