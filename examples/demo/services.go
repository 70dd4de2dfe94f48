package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/tracing"
)

// newCheckout is the front service: it takes an order and reserves stock by
// calling inventory. Its client carries the request's ID to inventory.
//
// Checkout faces the callers, so its tracing treats every incoming trace
// context as untrusted (WithPublicEndpoint): a caller cannot choose its
// trace or force it to be sampled.
//
// It reads the SKU from the query, and logs debug lines at its decision
// points; they cost nothing unless debug sampling picks the request.
func newCheckout(logger *slog.Logger, inventoryURL string, tel *telemetry, dbg *debugging) http.Handler {
	client := &http.Client{
		Transport: tracing.NewTransport(correlation.NewTransport(http.DefaultTransport), tel.options()...),
		Timeout:   5 * time.Second,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		logger.InfoContext(ctx, "checkout started", "route", r.Pattern)
		sku := r.URL.Query().Get("sku")
		if !validSKU(sku) {
			sku = "A-42"
		}
		var payment struct {
			Card string `json:"card"`
		}
		if r.ContentLength != 0 {
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&payment); err != nil {
				http.Error(w, "bad payment details", http.StatusBadRequest)
				return
			}
		}
		logger.DebugContext(ctx, "cart parsed", "sku", sku, "items", 1, "paid_by_card", payment.Card != "")
		req, err := http.NewRequestWithContext(ctx, "POST", inventoryURL+"/reserve?sku="+sku, nil)
		if err != nil {
			logger.ErrorContext(ctx, "building inventory call", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		req.Header.Set("X-Api-Key", inventoryAPIKey)
		resp, err := client.Do(req)
		if err != nil {
			logger.ErrorContext(ctx, "inventory unreachable", "err", err)
			http.Error(w, "inventory unreachable", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		logger.DebugContext(ctx, "inventory answered", "status", resp.StatusCode)
		if resp.StatusCode != http.StatusOK {
			logger.ErrorContext(ctx, "reservation failed", "sku", sku, "inventory_status", resp.StatusCode)
			http.Error(w, "reservation failed", http.StatusBadGateway)
			return
		}
		var body struct {
			Reserved int `json:"reserved"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body); err != nil {
			logger.ErrorContext(ctx, "inventory answer unreadable", "err", err)
			http.Error(w, "bad inventory answer", http.StatusBadGateway)
			return
		}
		logger.InfoContext(ctx, "checkout done", "reserved", body.Reserved, "inventory_status", resp.StatusCode)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"reserved":%d}`+"\n", body.Reserved)
	})
	mux.Handle("/admin/flags", dbg.admin)
	return correlation.NewHandler(tracing.NewHandler(
		debugsample.NewHandler(capture.NewHandler(mux, dbg.sink, dbg.captureOptions()...), dbg.options()...),
		tel.options(tracing.WithPublicEndpoint())...))
}

// inventoryAPIKey is the credential checkout calls inventory with.
const inventoryAPIKey = "inv_live_5f2a9c81d04e7b36"

// newInventory is the back service. It trusts the trace context and the
// debug decision checkout sends. It fails for one data shape, and only
// with production's configuration: a SKU whose stock record has no
// warehouse, when the strict warehouse check is on. The kind of bug that
// shows only with production data and production flags.
func newInventory(logger *slog.Logger, tel *telemetry, dbg *debugging) http.Handler {
	stock := map[string]stockRecord{
		"A-42": {level: 7, warehouse: "north"},
		"B-13": {level: 2}, // migrated without a warehouse
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /reserve", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		sku := r.URL.Query().Get("sku")
		rec, ok := stock[sku]
		logger.DebugContext(ctx, "stock record loaded", "sku", sku, "found", ok, "stock", rec.level, "warehouse", rec.warehouse)
		if ok && rec.warehouse == "" && !strictWarehouse.Get(ctx, dbg.flags) {
			rec.warehouse = "north" // the default, unless the strict check is on
		}
		if !ok || rec.warehouse == "" {
			logger.ErrorContext(ctx, "cannot reserve stock", "sku", sku, "err", "no warehouse for this SKU")
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		logger.DebugContext(ctx, "reserving", "warehouse", rec.warehouse)
		logger.InfoContext(ctx, "stock reserved", "route", r.Pattern, "sku", sku)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"reserved":1}`+"\n")
	})
	return correlation.NewHandler(tracing.NewHandler(
		debugsample.NewHandler(capture.NewHandler(mux, dbg.sink, dbg.captureOptions()...),
			dbg.options(debugsample.WithTrustedPeers(netip.MustParsePrefix("127.0.0.0/8")))...),
		tel.options()...))
}

type stockRecord struct {
	level     int
	warehouse string
}

// validSKU reports whether s looks like a SKU: it goes into a URL.
func validSKU(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// service is one HTTP server on a loopback ephemeral port.
type service struct {
	url  string
	srv  *http.Server
	done chan error
}

func startService(ctx context.Context, name string, h http.Handler) (*service, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	s := &service{
		url:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second},
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

func (s *service) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	if err := <-s.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Println("server:", err)
	}
}
