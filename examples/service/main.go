// Command service is a small order service wired with every layer of
// reprokit, to copy into a new service and to try debugctl against: one
// ID and one trace per request, debug logs on demand, captures of the
// failing requests, and the environment endpoint that `debugctl env diff`
// reads.
//
//	REPROKIT_ADMIN_TOKEN=$(openssl rand -hex 16) go run ./examples/service -addr 127.0.0.1:8080 -captures ./captures
//
// It reads its configuration from the environment:
//
//   - REPROKIT_ADMIN_TOKEN (required): the bearer token of /admin/flags and
//     /debug/env. There is no open default.
//   - REPROKIT_DEBUG_KEY: the key (at least 16 bytes) that debug tokens are
//     signed with; without it, debug tokens are refused.
//   - REPROKIT_ENV_HASH_KEY: the key the environment snapshot hashes
//     variable values with; share it across the fleet and with laptops so
//     that `debugctl env diff` compares values without showing them.
//   - REPROKIT_FLAG_*: flags, such as REPROKIT_FLAG_CAPTURE_ON_FAILURE=true
//     and REPROKIT_FLAG_INVENTORY_STRICT_WAREHOUSE=true.
//   - OTEL_*: OpenTelemetry, as tracing.Setup reads them
//     (OTEL_SDK_DISABLED=true to run without).
//
// The order route fails for the SKU B-13 when the flag
// inventory.strict_warehouse is on: a bug that shows only with
// production's configuration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dir := flag.String("captures", "captures", "folder of the capture files (created 0700)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *dir, os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down: the server first, then
// the capture queue (drained to the file), then telemetry.
func run(ctx context.Context, addr, dir string, getenv func(string) string, logOut *os.File) error {
	logger := newLogger(logOut)
	svc, err := newService(ctx, config{captureDir: dir, getenv: getenv, logger: logger})
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return errors.Join(err, svc.close(context.Background()))
	}
	srv := &http.Server{Handler: svc.handler, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("listening", "addr", ln.Addr().String(), "captures", svc.capturePath)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return errors.Join(err, svc.close(context.Background()))
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	<-done
	return errors.Join(err, svc.close(shutdown))
}

// newLogger is the service's logger: JSON at Info, with the correlation,
// trace and span IDs of the request, and debug records for the requests
// debug sampling picks.
func newLogger(out *os.File) *slog.Logger {
	return slog.New(logHandler(slog.NewJSONHandler(out, nil)))
}
