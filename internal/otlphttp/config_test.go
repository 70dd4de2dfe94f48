package otlphttp

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestConfigInvalid(t *testing.T) {
	const secret = "hunter2-secret"
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"empty endpoint", Config{}, "Config.Endpoint"},
		{"blank endpoint", Config{Endpoint: "  "}, "Config.Endpoint"},
		{"unparseable endpoint", Config{Endpoint: "http://user:" + secret + "@host:port/x"}, "Config.Endpoint"},
		{"control character", Config{Endpoint: "http://host/\x00"}, "Config.Endpoint"},
		{"bad scheme", Config{Endpoint: "grpc://localhost:4317"}, "Config.Endpoint"},
		{"no scheme", Config{Endpoint: "localhost:4318/v1/traces"}, "Config.Endpoint"},
		{"no host", Config{Endpoint: "http:///v1/traces"}, "Config.Endpoint"},
		{"negative timeout", Config{Endpoint: "http://h/", Timeout: -time.Second}, "Config.Timeout"},
		{"unknown compression", Config{Endpoint: "http://h/", Compression: "zstd"}, "Config.Compression"},
		{"bad header name", Config{Endpoint: "http://h/", Headers: map[string]string{"bad name": "v"}}, "Config.Headers"},
		{"empty header name", Config{Endpoint: "http://h/", Headers: map[string]string{"": "v"}}, "Config.Headers"},
		{"bad header value", Config{Endpoint: "http://h/", Headers: map[string]string{"api-key": secret + "\r\nX-Evil: 1"}}, "Config.Headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, newExp := range map[string]func(Config) error{
				"trace":  func(c Config) error { _, err := NewTraceExporter(c); return err },
				"metric": func(c Config) error { _, err := NewMetricExporter(c); return err },
				"log":    func(c Config) error { _, err := NewLogExporter(c); return err },
			} {
				err := newExp(tt.cfg)
				if err == nil {
					t.Fatalf("%s: no error", name)
				}
				if !strings.Contains(err.Error(), tt.field) {
					t.Errorf("%s: error %q does not name %s", name, err, tt.field)
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("%s: error %q quotes a secret", name, err)
				}
			}
		})
	}
}

func TestConfigAllErrorsAtOnce(t *testing.T) {
	_, err := NewTraceExporter(Config{Timeout: -1, Compression: "br"})
	for _, field := range []string{"Config.Endpoint", "Config.Timeout", "Config.Compression"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("error %v does not name %s", err, field)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	s, err := newSettings(Config{Endpoint: "https://user:pw@collector.example:4318/v1/traces?token=abc#frag", Compression: " Gzip "})
	if err != nil {
		t.Fatal(err)
	}
	if s.timeout != DefaultTimeout || !s.gzip || !s.ownClient || s.client == nil || s.client == http.DefaultClient {
		t.Errorf("settings = %+v", s)
	}
	if s.display != "https://collector.example:4318/v1/traces" {
		t.Errorf("display = %q, want no user, query or fragment", s.display)
	}
	if got := s.header.Get("User-Agent"); got != UserAgent {
		t.Errorf("User-Agent = %q", got)
	}
	c := &http.Client{}
	s, err = newSettings(Config{Endpoint: "http://h/", Client: c, Compression: "none", Timeout: time.Second})
	if err != nil || s.client != c || s.ownClient || s.gzip || s.timeout != time.Second {
		t.Errorf("settings = %+v, %v", s, err)
	}
}

func TestConfigNeverPrintsSecrets(t *testing.T) {
	const secret = "Bearer tok-123456"
	cfg := Config{
		Endpoint: "https://user:passw0rd@collector.example/v1/logs?key=qk",
		Headers:  map[string]string{"Authorization": secret, "X-Tenant": "acme-tenant"},
		Timeout:  time.Second,
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg)
	outputs := map[string]string{
		"%v":     fmt.Sprintf("%v", cfg),
		"%+v":    fmt.Sprintf("%+v", cfg),
		"%#v":    fmt.Sprintf("%#v", cfg),
		"String": cfg.String(),
		"&%v":    fmt.Sprintf("%v", &cfg),
		"slog":   logged.String(),
	}
	for verb, out := range outputs {
		for _, s := range []string{"tok-123456", "acme-tenant", "passw0rd", "qk"} {
			if strings.Contains(out, s) {
				t.Errorf("%s output %q holds %q", verb, out, s)
			}
		}
		if !strings.Contains(out, "Authorization") || !strings.Contains(out, "collector.example") {
			t.Errorf("%s output %q lost the header names or host", verb, out)
		}
	}
}

func TestSecretParts(t *testing.T) {
	got := secretParts("  Bearer abcdef123  ")
	want := []string{"Bearer abcdef123", "Bearer", "abcdef123"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("secretParts = %q, want %q", got, want)
	}
	if got := secretParts("short"); fmt.Sprint(got) != "[short]" {
		t.Errorf("secretParts(short) = %q", got)
	}
	if got := secretParts(""); len(got) != 0 {
		t.Errorf("secretParts(\"\") = %q", got)
	}
}
