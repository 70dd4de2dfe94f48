package otlphttp

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testCtx returns a context that ends with the test or after 30s.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fast makes a client retry after a millisecond or so, for tests that do
// not measure the backoff itself.
func fast(c *client) *client {
	c.backoff = backoff{initial: time.Millisecond, max: 4 * time.Millisecond}
	return c
}

// shutdownOnCleanup shuts an exporter down when the test ends, so that no
// connection goroutine outlives it.
func shutdownOnCleanup(t *testing.T, s interface{ Shutdown(context.Context) error }) {
	t.Helper()
	t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
}
