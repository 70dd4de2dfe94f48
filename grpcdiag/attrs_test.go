package grpcdiag

import (
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short", "abc", 8, "abc"},
		{"cut", "abcdef", 3, "abc"},
		{"cut in a rune", "aé", 2, "a"},
		{"invalid", "a\xffb", 8, "a\uFFFDb"},
		{"replacement does not pass the cap", "\xff\xff\xffab", 3, "\uFFFD"},
		{"replacement cut in half", "ab\xff", 4, "ab"},
		{"valid U+FFFD at the end is kept", "a\uFFFD", 4, "a\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clean(tt.in, tt.max); got != tt.want {
				t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "abc", "é", "\xff", "a\xffé\xc3", strings.Repeat("\xff", 40)} {
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<16 {
			t.Skip()
		}
		got := clean(s, max)
		if !utf8.ValidString(got) || len(got) > max {
			t.Fatalf("clean(%q, %d) = %q", s, max, got)
		}
		if utf8.ValidString(s) && len(s) <= max && got != s {
			t.Fatalf("clean(%q, %d) = %q changed a valid, short value", s, max, got)
		}
	})
}

func FuzzParseMethod(f *testing.F) {
	for _, s := range []string{"", "/", "//", "/a/b", "/a/b/c", "/\xff.Svc/M\x00", "a/b", "/pkg.Svc/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, fullMethod string) {
		m, wellFormed := parseMethod(fullMethod)
		if !utf8.ValidString(m.name) || m.name == "" || len(m.name) > 2*maxNameLen+1 {
			t.Fatalf("span name %q", m.name)
		}
		for _, kv := range m.attrs {
			v := kv.Value.AsString()
			if !utf8.ValidString(v) || len(v) > maxNameLen {
				t.Fatalf("%s = %q", kv.Key, v)
			}
		}
		if wellFormed && (len(m.attrs) != 2 || "/"+m.name != fullMethod) {
			t.Fatalf("well-formed %q: %+v", fullMethod, m)
		}
	})
}

func TestTargetAttrs(t *testing.T) {
	tests := []struct {
		canonical string
		host      string // "" for no attributes
		port      int64  // 0 for none
	}{
		{"dns:///127.0.0.1:50051", "127.0.0.1", 50051},
		{"dns:///localhost:50051", "localhost", 50051},
		{"dns://8.8.8.8/example.com:443", "example.com", 443},
		{"dns:///example.com", "example.com", 0},
		{"dns:///[::1]:50051", "::1", 50051},
		{"passthrough:///10.0.0.1:8080", "10.0.0.1", 8080},
		{"unix:///run/app.sock", "/run/app.sock", 0},
		{"unix-abstract:///app", "@app", 0},
		{"xds:///my-service", "my-service", 0},
		{"dns:///host:0", "host", 0},
		{"dns:///host:99999", "host", 0},
		{"dns:///", "", 0},
		{"not a url\x00", "", 0},
		{"dns:///" + strings.Repeat("h", 5000) + ":1", strings.Repeat("h", maxAddressLen), 1},
	}
	for _, tt := range tests {
		t.Run(tt.canonical, func(t *testing.T) {
			got := map[attribute.Key]attribute.Value{}
			for _, kv := range targetAttrs(tt.canonical) {
				got[kv.Key] = kv.Value
			}
			if tt.host == "" {
				if len(got) != 0 {
					t.Fatalf("got %v, want none", got)
				}
				return
			}
			if v := got["server.address"].AsString(); v != tt.host {
				t.Errorf("server.address = %q, want %q", v, tt.host)
			}
			if v, ok := got["server.port"]; ok != (tt.port != 0) || v.AsInt64() != tt.port {
				t.Errorf("server.port = %v (present %v), want %d", v.AsInt64(), ok, tt.port)
			}
		})
	}
}
