package main

import (
	"strings"
	"testing"
)

// TestHelpOnceOnStdout: every command's --help prints its usage, with
// examples, once, on stdout, and exits 0.
func TestHelpOnceOnStdout(t *testing.T) {
	for _, args := range [][]string{
		{"replay", "--help"}, {"export", "-h"}, {"token", "--help"},
		{"captures", "ls", "--help"}, {"captures", "show", "--help"}, {"captures", "stats", "--help"},
		{"env", "dump", "--help"}, {"env", "diff", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := runInProcess(t, nil, false, args...)
			if code != exitOK {
				t.Errorf("exit %d, want 0", code)
			}
			if stderr != "" {
				t.Errorf("stderr: %q", stderr)
			}
			if n := strings.Count(stdout, "Usage: debugctl"); n != 1 {
				t.Errorf("usage printed %d times:\n%s", n, stdout)
			}
			if !strings.Contains(stdout, "Examples:") && !strings.Contains(stdout, "example") {
				t.Errorf("no examples:\n%s", stdout)
			}
		})
	}
}
