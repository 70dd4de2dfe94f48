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
	"time"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/tracing"
)

// newCheckout is the front service: it takes an order and reserves stock by
// calling inventory. Its client carries the request's ID to inventory.
//
// Checkout faces the callers, so its tracing treats every incoming trace
// context as untrusted (WithPublicEndpoint): a caller cannot choose its
// trace or force it to be sampled.
func newCheckout(logger *slog.Logger, inventoryURL string, tel *telemetry) http.Handler {
	client := &http.Client{
		Transport: tracing.NewTransport(correlation.NewTransport(http.DefaultTransport), tel.options()...),
		Timeout:   5 * time.Second,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		logger.InfoContext(ctx, "checkout started", "route", r.Pattern)
		req, err := http.NewRequestWithContext(ctx, "POST", inventoryURL+"/reserve?sku=A-42", nil)
		if err != nil {
			logger.ErrorContext(ctx, "building inventory call", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			logger.ErrorContext(ctx, "inventory unreachable", "err", err)
			http.Error(w, "inventory unreachable", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
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
	return correlation.NewHandler(tracing.NewHandler(mux, tel.options(tracing.WithPublicEndpoint())...))
}

// newInventory is the back service. It trusts the trace context checkout
// sends.
func newInventory(logger *slog.Logger, tel *telemetry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /reserve", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "stock reserved", "route", r.Pattern, "sku", r.URL.Query().Get("sku"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"reserved":1}`+"\n")
	})
	return correlation.NewHandler(tracing.NewHandler(mux, tel.options()...))
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
