package tracing

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine is left running
// after them: a provider, processor, reader or exporter not shut down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
