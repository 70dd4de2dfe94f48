package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/capture"
)

const testToken = "test-admin-token-0123456789"

func startService(t *testing.T, env map[string]string) (*httptest.Server, *service) {
	t.Helper()
	env["OTEL_SDK_DISABLED"] = "true"
	svc, err := newService(context.Background(), config{
		captureDir: t.TempDir(),
		getenv:     func(k string) string { return env[k] },
		logger:     slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.handler)
	t.Cleanup(srv.Close)
	return srv, svc
}

// TestServiceCapturesItsFailure: with production's flag, the order of
// B-13 fails and is captured, with the environment it failed in.
func TestServiceCapturesItsFailure(t *testing.T) {
	// Flags and the snapshot read the process environment.
	t.Setenv("REPROKIT_FLAG_INVENTORY_STRICT_WAREHOUSE", "true")
	t.Setenv("DATABASE_PASSWORD", "s3cret-db-password")
	srv, svc := startService(t, map[string]string{
		"REPROKIT_ADMIN_TOKEN":  testToken,
		"REPROKIT_ENV_HASH_KEY": "fleet-key-0123456789abcdef",
	})
	for _, sku := range []string{"A-42", "B-13"} {
		resp, err := http.Post(srv.URL+"/orders?sku="+sku, "application/json", strings.NewReader(`{"note":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := map[string]int{"A-42": 200, "B-13": 500}[sku]
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", sku, resp.StatusCode, want)
		}
	}
	srv.Close()
	if err := svc.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs, err := capture.ReadFile(svc.capturePath)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Response.Status != 500 || recs[0].Reason != capture.ReasonFailure {
		t.Fatalf("records: %+v", recs)
	}
	env := recs[0].Env
	if env == nil {
		t.Fatal("the record has no environment")
	}
	if fv, ok := flagIn(env, "inventory.strict_warehouse"); !ok || fv != true {
		t.Errorf("the snapshot does not show the flag in force: %v", fv)
	}
	line, _ := capture.AppendEnv(nil, env)
	if strings.Contains(string(line), "s3cret") {
		t.Error("a variable's value is in the snapshot")
	}
}

func flagIn(env *capture.Env, name string) (any, bool) {
	for _, f := range env.Flags {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// TestEnvEndpointNeedsTheToken: /debug/env answers only the operator.
func TestEnvEndpointNeedsTheToken(t *testing.T) {
	t.Setenv("DATABASE_PASSWORD", "s3cret-db-password")
	srv, svc := startService(t, map[string]string{"REPROKIT_ADMIN_TOKEN": testToken})
	defer svc.close(context.Background())
	for _, tt := range []struct {
		auth string
		want int
	}{
		{"", http.StatusForbidden},
		{"Bearer wrong-token-0123456789", http.StatusForbidden},
		{"Bearer " + testToken, http.StatusOK},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/debug/env", nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("auth %q: %d, want %d", tt.auth, resp.StatusCode, tt.want)
		}
		if strings.Contains(string(body), "s3cret") {
			t.Error("a variable's value is served")
		}
		if tt.want == http.StatusOK {
			var env capture.Env
			if err := json.Unmarshal(body, &env); err != nil || env.ID == "" {
				t.Errorf("not a snapshot: %v %s", err, body)
			}
		}
	}
}

func TestAdminTokenIsRequired(t *testing.T) {
	_, err := newService(context.Background(), config{
		captureDir: t.TempDir(), getenv: func(string) string { return "" },
		logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err == nil || !strings.Contains(err.Error(), "REPROKIT_ADMIN_TOKEN") {
		t.Errorf("err = %v, want one naming REPROKIT_ADMIN_TOKEN", err)
	}
}
