package flags

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentGetDuringChanges reads keys from several goroutines while
// the admin handler sets and clears overrides, the file is rewritten and
// reloaded by its poller, the clock runs overrides out and snapshots are
// taken. Run under -race; every value read must be one that was in force.
func TestConcurrentGetDuringChanges(t *testing.T) {
	path := writeFlagsFile(t, `{"t.race.on": false, "t.race.rate": 0.1, "t.race.rules": {"rate": 0.1}}`)
	tick, ticks := manualTicks()
	file, err := File(path, tick, WithFileLogger(new(logRecorder).logger()))
	require.NoError(t, err)
	defer file.Close()

	on, rate, rls := Bool("t.race.on", false), Float("t.race.rate", 0), JSON("t.race.rules", rules{})
	clock := newFakeClock()
	s := NewSet(WithProvider(file), WithProvider(Static(map[string]any{"t.race.rate": 0.3})),
		WithClock(clock.Now), WithLogger(new(logRecorder).logger()), WithKeys(on, rate, rls))
	admin := NewAdminHandler(s, func(*http.Request) bool { return true })
	rates := map[float64]bool{0.1: true, 0.2: true, 0.9: true}

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			ctx := context.Background()
			for range 3000 {
				on.Get(ctx, s)
				if r := rate.Get(ctx, s); !rates[r] {
					t.Errorf("rate %v was never in force", r)
					return
				}
				if r := rls.Get(ctx, s); !rates[r.Rate] {
					t.Errorf("rules %+v were never in force", r)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			var r *http.Request
			if i%2 == 0 {
				r = httptest.NewRequest("POST", "/", strings.NewReader(
					`{"name":"t.race.rate","value":0.9,"ttl":"1m"}`))
				r.Header.Set("Content-Type", "application/json")
			} else {
				r = httptest.NewRequest("DELETE", "/?name=t.race.rate", nil)
			}
			w := httptest.NewRecorder()
			admin.ServeHTTP(w, r)
			if w.Code != http.StatusOK && w.Code != http.StatusNotFound {
				t.Errorf("admin answered %d: %s", w.Code, w.Body)
				return
			}
			_ = s.Override("t.race.on", i%3 == 0, time.Minute, "race")
		}
	})
	wg.Go(func() {
		for i := range 100 {
			v := []string{"0.1", "0.2"}[i%2]
			content := fmt.Sprintf(`{"t.race.on": true, "t.race.rate": %s, "t.race.rules": {"rate": %s}}`, v, v)
			// Not atomic on purpose: the poller may see half a file.
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Error(err)
				return
			}
			ticks <- time.Now()
		}
	})
	wg.Go(func() {
		for range 100 {
			clock.Advance(20 * time.Second)
			_ = s.Snapshot()
			_ = s.Stats()
		}
	})
	wg.Wait()

	st := s.Stats()
	assert.Zero(t, st.DecodeErrors)
	t.Logf("stats: %+v", st)
}

// TestConcurrentTimerExpiry runs the default expiry mode, in which a timer
// removes overrides, with timers that fire at once on their own goroutine,
// while other goroutines read the key and set overrides.
func TestConcurrentTimerExpiry(t *testing.T) {
	clock := newFakeClock()
	k := Int("t.race.timer", 0)
	s := NewSet(WithLogger(new(logRecorder).logger()), WithProvider(Static(map[string]any{"t.race.timer": 1})))
	s.now = clock.Now
	var timers sync.WaitGroup
	s.afterFunc = func(d time.Duration, f func()) func() bool {
		due := clock.Now().Add(d)
		timers.Go(func() {
			if !clock.Now().Before(due) {
				f()
			} // else, like a timer not yet fired
		})
		return func() bool { return false }
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 2000 {
				if v := k.Get(context.Background(), s); v != 1 && v != 2 {
					t.Errorf("read %d, never in force", v)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 200 {
			if err := s.Override("t.race.timer", 2, time.Second, "race"); err != nil {
				t.Error(err)
				return
			}
			clock.Advance(time.Second)
		}
	})
	wg.Wait()
	timers.Wait()
	clock.Advance(time.Second)
	s.mu.Lock()
	gone := s.expireLocked()
	s.mu.Unlock()
	s.logExpired(gone)
	assert.Equal(t, int64(1), k.Get(context.Background(), s))
	assert.Equal(t, uint64(200), s.Stats().OverridesSet)
}
