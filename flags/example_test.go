package flags_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/reprokit/reprokit/flags"
)

// Keys are package-level variables: a name, a type and a default.
var (
	debugEnabled = flags.Bool("debug.enabled", false)
	sampleRate   = flags.Float("debug.sample-rate", 0.01)
	bufferFor    = flags.Duration("debug.buffer-ttl", 30*time.Second)
)

// A Set holds the providers, in order, and the overrides; Get reads a key
// through it.
func ExampleNewSet() {
	clock := func() time.Time { return time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC) }
	set := flags.NewSet(
		flags.WithProvider(flags.Static(map[string]any{
			"debug.sample-rate": 0.05,
			"debug.buffer-ttl":  "1m",
		})),
		flags.WithKeys(debugEnabled, sampleRate, bufferFor),
		flags.WithClock(clock),
		flags.WithLogger(slog.New(slog.DiscardHandler)),
	)
	ctx := context.Background()
	fmt.Println(debugEnabled.Get(ctx, set), sampleRate.Get(ctx, set), bufferFor.Get(ctx, set))

	// An operator turns debugging on for ten minutes.
	if err := set.Override("debug.enabled", true, 10*time.Minute, "alice"); err != nil {
		fmt.Println(err)
	}
	fmt.Println(debugEnabled.Get(ctx, set))

	for _, f := range set.Snapshot().Flags {
		fmt.Printf("%s=%v (%s)\n", f.Name, f.Value, f.Source)
	}
	// Output:
	// false 0.05 1m0s
	// true
	// debug.buffer-ttl=1m0s (static)
	// debug.enabled=true (override)
	// debug.sample-rate=0.05 (static)
}
