package debugsample

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine is left running after
// them: a test server not closed, or a handler goroutine not waited for.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
