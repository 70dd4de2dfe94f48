package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/flags"
	"github.com/reprokit/reprokit/tracing"
)

// strictWarehouse makes the order route refuse a SKU whose stock record
// names no warehouse, instead of using the default one.
var strictWarehouse = flags.Bool("inventory.strict_warehouse", false)

type config struct {
	captureDir string
	getenv     func(string) string
	logger     *slog.Logger
}

// service is the handler and what must be closed with it.
type service struct {
	handler     http.Handler
	capturePath string
	close       func(context.Context) error
}

func logHandler(next slog.Handler) slog.Handler {
	return debugsample.NewLogHandler(tracing.NewLogHandler(correlation.NewLogHandler(next)))
}

func newService(ctx context.Context, cfg config) (*service, error) {
	adminToken := cfg.getenv("REPROKIT_ADMIN_TOKEN")
	if len(adminToken) < 16 {
		return nil, errors.New("REPROKIT_ADMIN_TOKEN must hold a token of at least 16 characters: /admin/flags and /debug/env accept nobody else")
	}
	authorize := func(r *http.Request) bool {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		return ok && subtle.ConstantTimeCompare([]byte(got), []byte(adminToken)) == 1
	}

	shutdownTel, err := tracing.Setup(ctx, tracing.WithServiceName("orders"), tracing.WithLogger(cfg.logger),
		tracing.WithEnvLookup(func(name string) (string, bool) { v := cfg.getenv(name); return v, v != "" }))
	if err != nil {
		return nil, err
	}

	set := flags.NewSet(
		flags.WithProvider(flags.Env("")), // REPROKIT_FLAG_*, first: wins
		flags.WithProvider(flags.Static(map[string]any{
			"capture.on_failure": true, // this service's default: keep the failing requests
		})),
		flags.WithKeys(debugsample.FlagKeys()...),
		flags.WithKeys(capture.FlagKeys()...),
		flags.WithKeys(strictWarehouse),
		flags.WithLogger(cfg.logger),
	)

	if err := os.MkdirAll(cfg.captureDir, 0o700); err != nil {
		return nil, errors.Join(err, shutdownTel(ctx))
	}
	path := filepath.Join(cfg.captureDir, "captures.jsonl")
	file, err := capture.NewFileSink(path, &capture.FileOptions{Logger: cfg.logger})
	if err != nil {
		return nil, errors.Join(err, shutdownTel(ctx))
	}
	sink := capture.NewAsyncSink(file, &capture.AsyncOptions{Logger: cfg.logger})
	envOpts := &capture.EnvOptions{Flags: set}
	if key := cfg.getenv("REPROKIT_ENV_HASH_KEY"); key != "" {
		envOpts.HashKey = []byte(key)
	}
	env := capture.CachedEnv(envOpts)

	var debugOpts []debugsample.Option
	debugOpts = append(debugOpts, debugsample.WithFlags(set), debugsample.WithLogger(cfg.logger))
	if key := cfg.getenv("REPROKIT_DEBUG_KEY"); key != "" {
		debugOpts = append(debugOpts, debugsample.WithTokenKeys([]byte(key)))
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", orders(cfg.logger, set))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.Handle("/admin/flags", flags.NewAdminHandler(set, authorize))
	mux.Handle("GET /debug/env", capture.EnvHandler(authorize, envOpts))

	h := correlation.NewHandler(tracing.NewHandler(debugsample.NewHandler(
		capture.NewHandler(mux, sink, capture.WithFlags(set), capture.WithEnv(env), capture.WithLogger(cfg.logger)),
		debugOpts...)))
	return &service{
		handler:     h,
		capturePath: path,
		close: func(ctx context.Context) error {
			return errors.Join(sink.Close(ctx), shutdownTel(ctx))
		},
	}, nil
}

type stockRecord struct {
	level     int
	warehouse string
}

// orders reserves one item of the SKU in the query. B-13 was migrated
// without a warehouse.
func orders(logger *slog.Logger, set *flags.Set) http.HandlerFunc {
	stock := map[string]stockRecord{"A-42": {7, "north"}, "B-13": {2, ""}}
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		sku := r.URL.Query().Get("sku")
		rec, ok := stock[sku]
		logger.DebugContext(ctx, "stock record loaded", "found", ok, "stock", rec.level, "warehouse", rec.warehouse)
		if !ok {
			http.Error(w, "unknown sku", http.StatusNotFound)
			return
		}
		if rec.warehouse == "" && !strictWarehouse.Get(ctx, set) {
			rec.warehouse = "north"
		}
		if rec.warehouse == "" {
			logger.ErrorContext(ctx, "cannot reserve stock", "err", "no warehouse for this SKU")
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		logger.InfoContext(ctx, "stock reserved", "warehouse", rec.warehouse)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"reserved":1,"warehouse":%q}`+"\n", rec.warehouse)
	}
}
