package otlphttp

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoGRPCDependency guards the reason this package exists: linking it
// must not link gRPC.
func TestNoGRPCDependency(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	const pkg = "github.com/reprokit/reprokit/internal/otlphttp"
	out, err := exec.CommandContext(t.Context(), goBin, "list", "-deps", pkg).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != pkg {
		t.Fatalf("go list printed %d packages, not ending with %s", len(deps), pkg)
	}
	for _, dep := range deps {
		for _, banned := range []string{
			"google.golang.org/grpc",
			"github.com/grpc-ecosystem",
			"go.opentelemetry.io/proto/otlp/collector",
		} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
