package otlphttp

import (
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		secrets []string
		want    string
	}{
		{"plain", "bad request", nil, "bad request"},
		{"trimmed and collapsed", "  a \t\r\n b  ", nil, "a b"},
		{"controls", "a\x00b\x1bc\x7fd", nil, "a?b?c?d"},
		{"C1 and bidi", "a\u0085b\u009bc\u202ed\u200be", nil, "a b?c?d?e"},
		{"invalid UTF-8", "a\xffb\xe2\x82", nil, "a?b??"},
		{"non-ASCII kept", "数据 rejected: ü", nil, "数据 rejected: ü"},
		{"secret", "key abc123456 is wrong", []string{"abc123456"}, "key [redacted] is wrong"},
		{"secret after cleaning", "Bearer\n\ttok", []string{"Bearer tok"}, "[redacted]"},
		{"secret split by control", "abc\x00123456", []string{"abc?123456"}, "[redacted]"},
		{"empty secret ignored", "x", []string{""}, "x"},
		{"long", strings.Repeat("é", 300), nil, strings.Repeat("é", 98) + "..."},
		{"exactly the cap", strings.Repeat("a", MaxErrorMessage), nil, strings.Repeat("a", MaxErrorMessage)},
		{"secret beyond the cap", strings.Repeat("a", 190) + "SECRET-VALUE", []string{"SECRET-VALUE"}, strings.Repeat("a", 190) + " [r..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sanitize([]byte(tt.in), tt.secrets)
			if tt.name == "secret beyond the cap" {
				if strings.Contains(got, "SECRET") {
					t.Errorf("sanitize = %q holds part of the secret", got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > MaxErrorMessage {
				t.Errorf("len = %d", len(got))
			}
		})
	}
}

func TestParseStatusMessage(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
		ok   bool
	}{
		{"empty", nil, "", true},
		{"code and message", []byte{0x08, 0x03, 0x12, 0x02, 'h', 'i'}, "hi", true},
		{"details skipped", []byte{0x1a, 0x02, 0x0a, 0x00, 0x12, 0x01, 'x'}, "x", true},
		{"last message wins", []byte{0x12, 0x01, 'a', 0x12, 0x01, 'b'}, "b", true},
		{"wrong wire type", []byte{0x10, 0x01}, "", true},
		{"group skipped", []byte{0x1b, 0x08, 0x01, 0x1c, 0x12, 0x01, 'g'}, "g", true},
		{"truncated length", []byte{0x12, 0x05, 'a'}, "", false},
		{"bad tag", []byte{0x00}, "", false},
		{"stray end group", []byte{0x0c}, "", false},
		{"fixed32 and fixed64", []byte{0x25, 1, 2, 3, 4, 0x29, 1, 2, 3, 4, 5, 6, 7, 8, 0x12, 0x01, 'z'}, "z", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatusMessage(tt.in)
			if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
				t.Errorf("parseStatusMessage(%x) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}
