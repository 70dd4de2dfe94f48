package debugsample_test

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"time"

	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/flags"
)

// With flags, the policy changes at runtime: an operator turns live
// logging on for a while, through Set.Override or the flags admin
// endpoint, and it turns itself off when the override expires.
func ExampleWithFlags() {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	set := flags.NewSet(flags.WithKeys(debugsample.FlagKeys()...), flags.WithClock(clock),
		flags.WithLogger(slog.New(slog.DiscardHandler))) // each change is logged; not here

	s := debugsample.NewSampler(debugsample.WithFlags(set), debugsample.WithClock(clock))
	decide := func() debugsample.Mode { return s.Decide(httptest.NewRequest("GET", "/orders/7", nil)).Mode }

	fmt.Println("before:", decide())
	if err := set.Override("debug.live_rate", 1.0, 10*time.Minute, "oncall"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("overridden:", decide())
	now = now.Add(11 * time.Minute)
	fmt.Println("expired:", decide())
	// Output:
	// before: off
	// overridden: live
	// expired: off
}
