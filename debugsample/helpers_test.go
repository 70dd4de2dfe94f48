package debugsample

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// capture is a JSON log destination whose lines tests read back.
type capture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

// handler returns a JSON handler at level Info (as in production) that
// writes to c, without the time so lines compare stably.
func (c *capture) handler() slog.Handler {
	return slog.NewJSONHandler(c, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})
}

// timedHandler is handler with the time kept.
func (c *capture) timedHandler() slog.Handler {
	return slog.NewJSONHandler(c, nil)
}

// lines returns the decoded lines written so far.
func (c *capture) lines(t testing.TB) []map[string]any {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(c.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// msgs returns the msg field of each line.
func (c *capture) msgs(t testing.TB) []string {
	var out []string
	for _, l := range c.lines(t) {
		out = append(out, l["msg"].(string))
	}
	return out
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// testKey is a token key for tests; testKey2 a second, for rotation.
var (
	testKey  = []byte("0123456789abcdef0123456789abcdef")
	testKey2 = []byte("fedcba9876543210fedcba9876543210")
)

var bg = context.Background()
