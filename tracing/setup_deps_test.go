package tracing

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestSetupLinksNoGRPC checks that the tracing package, Setup and its
// OTLP/HTTP exporters included, links no gRPC: OTLP over gRPC comes only
// from package grpcdiag, through WithOTLPProtocol.
func TestSetupLinksNoGRPC(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	const pkg = "github.com/reprokit/reprokit/tracing"
	out, err := exec.Command(goCmd, "list", "-deps", pkg).Output()
	if err != nil {
		var stderr []byte
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
	}
	deps := strings.Fields(string(out))
	// The list must be real for the check to mean anything.
	found := false
	for _, p := range deps {
		found = found || p == "go.opentelemetry.io/otel/sdk/trace"
	}
	if !found {
		t.Fatalf("go list -deps %s does not list the OpenTelemetry SDK: %v", pkg, deps)
	}
	for _, p := range deps {
		if strings.HasPrefix(p, "google.golang.org/grpc") || strings.HasPrefix(p, "github.com/grpc-ecosystem") {
			t.Errorf("%s depends on %s", pkg, p)
		}
	}
}
