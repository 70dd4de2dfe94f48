package otlphttp

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// checkSanitized fails unless s keeps every promise of sanitize.
func checkSanitized(t *testing.T, s string, secrets ...string) {
	t.Helper()
	if len(s) > MaxErrorMessage {
		t.Fatalf("%d bytes > %d", len(s), MaxErrorMessage)
	}
	if !utf8.ValidString(s) {
		t.Fatalf("%q is not valid UTF-8", s)
	}
	for _, r := range s {
		if r != ' ' && !unicode.IsPrint(r) {
			t.Fatalf("%q holds unprintable %U", s, r)
		}
	}
	for _, sec := range secrets {
		// A secret inside the redaction mark, or overlapping it,
		// cannot be told apart from the mark itself.
		if sec == "" || strings.ContainsAny(sec, "[]") || strings.Contains(redactedMark, sec) {
			continue
		}
		if strings.Contains(s, sec) {
			t.Fatalf("%q holds secret %q", s, sec)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add([]byte("plain error"), "Bearer s3cr3t-token")
	f.Add([]byte("echo: Bearer s3cr3t-token\x00\xff"), "Bearer s3cr3t-token")
	f.Add([]byte("Bearer\t\ts3cr3t-token"), "Bearer s3cr3t-token")
	f.Add([]byte(strings.Repeat("\u202e", 100)), "k")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		secrets := secretParts(header)
		got := sanitize(body, secrets)
		all := append([]string(nil), secrets...)
		for _, s := range secrets {
			all = append(all, printable(s))
		}
		checkSanitized(t, got, all...)
		// Text that is already clean passes unchanged.
		text := string(body)
		if len(secrets) == 0 && len(text) <= MaxErrorMessage && utf8.ValidString(text) &&
			strings.TrimSpace(text) == text && !strings.Contains(text, "  ") &&
			strings.IndexFunc(text, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 &&
			got != text {
			t.Fatalf("sanitize changed clean text %q to %q", text, got)
		}
	})
}

func FuzzErrorMessage(f *testing.F) {
	f.Add("application/x-protobuf", []byte{0x08, 0x03, 0x12, 0x02, 'h', 'i'})
	f.Add("text/plain; charset=utf-8", []byte("oops\r\n"))
	f.Add("application/protobuf", []byte{0x12, 0x05, 'a'})
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		const secret = "api-key-0123456789"
		got := errorMessage(contentType, append(body, []byte(secret)...), []string{secret})
		checkSanitized(t, got, secret)
	})
}

// FuzzParsePartialSuccess checks the hand-written decoder against the
// generated messages of all three signals: whatever they accept, it must
// accept with the same values.
func FuzzParsePartialSuccess(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x05, 0x08, 0x03, 0x12, 0x01, 'x'})
	f.Add([]byte{0x0a, 0x02, 0x08, 0x01, 0x0a, 0x03, 0x12, 0x01, 'y'})
	f.Add([]byte{0x08, 0x01, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parsePartialSuccess(b)

		var tr coltracepb.ExportTraceServiceResponse
		if proto.Unmarshal(b, &tr) == nil {
			want := partialSuccess{tr.GetPartialSuccess().GetRejectedSpans(), tr.GetPartialSuccess().GetErrorMessage()}
			if err != nil || got != want {
				t.Fatalf("parsePartialSuccess(%x) = %+v, %v; proto says %+v", b, got, err, want)
			}
		}
		var mr colmetricpb.ExportMetricsServiceResponse
		if proto.Unmarshal(b, &mr) == nil {
			want := partialSuccess{mr.GetPartialSuccess().GetRejectedDataPoints(), mr.GetPartialSuccess().GetErrorMessage()}
			if err != nil || got != want {
				t.Fatalf("parsePartialSuccess(%x) = %+v, %v; proto says %+v", b, got, err, want)
			}
		}
		var lr collogpb.ExportLogsServiceResponse
		if proto.Unmarshal(b, &lr) == nil {
			want := partialSuccess{lr.GetPartialSuccess().GetRejectedLogRecords(), lr.GetPartialSuccess().GetErrorMessage()}
			if err != nil || got != want {
				t.Fatalf("parsePartialSuccess(%x) = %+v, %v; proto says %+v", b, got, err, want)
			}
		}
	})
}
