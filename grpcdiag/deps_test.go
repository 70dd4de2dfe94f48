package grpcdiag_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestHTTPOnlyLinksNoGRPC checks the promise of the package documentation:
// grpcdiag is the only importer of gRPC, so a program that uses only the
// HTTP side of the module links none of it.
func TestHTTPOnlyLinksNoGRPC(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	deps := func(pkg string) []string {
		t.Helper()
		out, err := exec.Command(goCmd, "list", "-deps", pkg).Output()
		if err != nil {
			var stderr []byte
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				stderr = ee.Stderr
			}
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
		}
		return strings.Fields(string(out))
	}
	isGRPC := func(p string) bool { return strings.HasPrefix(p, "google.golang.org/grpc") }

	// The check must be able to fail: grpcdiag itself depends on gRPC.
	found := false
	for _, p := range deps("github.com/reprokit/reprokit/grpcdiag") {
		found = found || isGRPC(p)
	}
	if !found {
		t.Fatal("go list -deps of grpcdiag shows no gRPC package; the check below would prove nothing")
	}

	httpOnly := []string{
		"github.com/reprokit/reprokit/correlation",
		"github.com/reprokit/reprokit/tracing", // grpc OTLP comes from grpcdiag.WithOTLP
		"github.com/reprokit/reprokit",         // the whole HTTP stack
		"github.com/reprokit/reprokit/examples/demo",
		"github.com/reprokit/reprokit/capture",
		"github.com/reprokit/reprokit/capture/capturetest",
		"github.com/reprokit/reprokit/debugsample",
		"github.com/reprokit/reprokit/flags",
	}
	for _, pkg := range httpOnly {
		for _, p := range deps(pkg) {
			if isGRPC(p) {
				t.Errorf("%s depends on %s", pkg, p)
			}
		}
	}
}
