package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"go.uber.org/goleak"
)

// debugctlBin is the path of the debugctl binary that TestMain builds once
// for the end-to-end tests; run it with [debugctl] or [debugctlEnv].
var debugctlBin string

// TestMain builds the debugctl binary once, with the go command of the
// toolchain that runs the tests, into a temporary folder removed at the
// end, then runs the tests, and fails them if a goroutine outlives them
// (an in-process command, or a test server, that was not stopped).
func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "debugctl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "debugctl tests:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	debugctlBin = filepath.Join(dir, "debugctl")
	if runtime.GOOS == "windows" {
		debugctlBin += ".exe"
	}
	// go test puts the bin folder of its own toolchain first in the PATH
	// of a test (runtime.GOROOT is deprecated), so this is the go command
	// that runs the tests.
	gocmd, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "debugctl tests: no go command:", err)
		return 1
	}
	build := exec.Command(gocmd, "build", "-o", debugctlBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "debugctl tests: building debugctl:", err)
		return 1
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "debugctl tests: goroutines outlived the tests:", err)
			return 1
		}
	}
	return code
}
