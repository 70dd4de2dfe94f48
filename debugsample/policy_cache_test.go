package debugsample

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reprokit/reprokit/flags"
)

// TestFlagPolicyFollowsEveryChange checks that the policy kept between
// flag changes is dropped on each kind of change: an override set, one
// expiring (lazily, with a clock), one cleared, and a file reload.
func TestFlagPolicyFollowsEveryChange(t *testing.T) {
	clock := newFakeClock()
	dir := t.TempDir()
	path := filepath.Join(dir, "flags.json")
	if err := os.WriteFile(path, []byte(`{"debug.live_rate": 0}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tick := make(chan time.Time)
	file, err := flags.File(path, flags.WithTicker(func(time.Duration) (<-chan time.Time, func()) { return tick, func() {} }))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	set := flags.NewSet(flags.WithKeys(FlagKeys()...), flags.WithClock(clock.Now), flags.WithProvider(file))
	s := NewSampler(WithFlags(set), WithClock(clock.Now), WithPolicy(Policy{MaxPerSecond: 1e9}))
	mode := func() Mode { return s.Decide(httptest.NewRequest("GET", "/x", nil)).Mode }

	if m := mode(); m != Off {
		t.Fatalf("live_rate 0: %v", m)
	}
	if err := set.Override("debug.live_rate", 1.0, time.Minute, "test"); err != nil {
		t.Fatal(err)
	}
	if m := mode(); m != Live {
		t.Errorf("after override to 1: %v, want live", m)
	}
	clock.Advance(2 * time.Minute)
	if m := mode(); m != Off {
		t.Errorf("after the override expired: %v, want off", m)
	}
	if err := set.Override("debug.live_rate", 1.0, time.Minute, "test"); err != nil {
		t.Fatal(err)
	}
	mode()
	if err := set.Clear("debug.live_rate", "test"); err != nil {
		t.Fatal(err)
	}
	if m := mode(); m != Off {
		t.Errorf("after clearing: %v, want off", m)
	}
	if err := os.WriteFile(path, []byte(`{"debug.live_rate": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tick <- clock.Now() // the file provider polls
	deadline := time.Now().Add(5 * time.Second)
	for mode() != Live && time.Now().Before(deadline) {
		tick <- clock.Now()
	}
	if m := mode(); m != Live {
		t.Errorf("after the file changed to 1: %v, want live", m)
	}
}
