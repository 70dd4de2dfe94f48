package capture

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them, such
// as the worker of an AsyncSink that was not closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
