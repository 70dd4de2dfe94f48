package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestDemo runs the demo as `go run ./examples/demo` does and checks the
// story it tells.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"kept order-1001 across the hop and echoed it",
		`"correlation_id":"order-1001"`,
		"the same in both services and in the response",
		"linked to the caller's 4bf92f3577b34da6a3ce929d0e0e4736",
		"without the operator's token: 403 Forbidden",
		`"msg":"flags: override set"`,
		"written after the errors and marked debug_buffered=true",
		"written live in both services",
		"the forged token is counted",
		"Authorization: Bearer [REDACTED]",
		`request body: {"card":"[REDACTED]"}`,
		"X-Api-Key: [REDACTED]",
		"are in no record; the file is mode 600",
		"recorded 500, replayed 200: not reproduced",
		"inventory.strict_warehouse: true (static) in production, false (default) in laptop",
		"recorded 500, replayed 500: reproduced",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "no debug line"); n != 3 {
		t.Errorf("%d requests without debug lines, want 3 (off, buffered success, forged token):\n%s", n, text)
	}
	for _, secret := range []string{adminToken, customerCard, customerSession[:16], inventoryAPIKey, string(fleetEnvKey)} {
		if strings.Contains(text, secret) {
			t.Errorf("a secret is printed: %.8s…", secret)
		}
	}
	if n := strings.Count(text, "refused; new ID"); n != 2 {
		t.Errorf("%d hostile IDs refused, want 2:\n%s", n, text)
	}
	// Only the "sent" lines may show the hostile text, and only quoted.
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "admin=true") && !strings.Contains(line, "sent ") {
			t.Errorf("hostile text outside the sent line: %s", line)
		}
	}
	if strings.Contains(text, "\r") || strings.Contains(text, "UNEXPECTED") {
		t.Errorf("output has a raw CR or an unexpected outcome:\n%q", text)
	}
}
