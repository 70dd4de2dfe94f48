package flags_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/reprokit/reprokit/flags"
)

// A file provider polls its file and loads every valid new version; a bad
// one is refused and the last good values stay. Here the poll is driven by
// hand instead of every 5 seconds.
func ExampleFile() {
	dir, err := os.MkdirTemp("", "flags-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "flags.json")
	write := func(content string) {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			fmt.Println(err)
		}
	}
	write(`{"capture.max-body": 4096}`)

	ticks := make(chan time.Time)
	reloaded := make(chan error)
	file, err := flags.File(path,
		flags.WithTicker(func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }),
		flags.WithReloadHook(func(err error) { reloaded <- err }),
		flags.WithFileLogger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer file.Close()

	maxBody := flags.Int("capture.max-body", 1024)
	set := flags.NewSet(flags.WithProvider(file))
	ctx := context.Background()
	fmt.Println(maxBody.Get(ctx, set))

	write(`{"capture.max-body": 65536}`)
	ticks <- time.Now()
	fmt.Println(<-reloaded, maxBody.Get(ctx, set))

	write(`{"capture.max-body": 10`) // caught half-written
	ticks <- time.Now()
	fmt.Println(<-reloaded != nil, maxBody.Get(ctx, set), set.Stats().FileReloadErrors)
	// Output:
	// 4096
	// <nil> 65536
	// true 65536 1
}
