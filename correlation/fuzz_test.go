package correlation

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzValidID checks ValidID against its specification written plainly.
// Its seed corpus is in testdata/fuzz/FuzzValidID.
func FuzzValidID(f *testing.F) {
	f.Fuzz(func(t *testing.T, id string) {
		want := len(id) >= 1 && len(id) <= MaxIDLength &&
			strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") == ""
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	})
}

// FuzzMiddleware sends arbitrary header values through the middleware and
// checks what the user sees: the context, the response header and the log
// line hold either the incoming value, when it was valid, or a new UUID,
// and never any other text. Its seed corpus is in testdata/fuzz/FuzzMiddleware.
func FuzzMiddleware(f *testing.F) {
	f.Fuzz(func(t *testing.T, value string, repeat uint8) {
		var buf bytes.Buffer
		logger := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil)))
		var ctxID string
		h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctxID, _ = FromContext(r.Context())
			logger.InfoContext(r.Context(), "x")
		}))
		req := httptest.NewRequest("GET", "/", nil)
		n := int(repeat%4) + 1
		for range n {
			req.Header.Add("X-Request-ID", value)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		accepted := n == 1 && ValidID(value)
		switch {
		case accepted && ctxID != value:
			t.Fatalf("valid ID %q replaced by %q", value, ctxID)
		case !accepted && (len(ctxID) != 36 || !ValidID(ctxID)):
			t.Fatalf("refused %q but context holds %q, not a new UUID", value, ctxID)
		}
		if got := rec.Header().Values("X-Request-ID"); len(got) != 1 || got[0] != ctxID {
			t.Fatalf("response header %q, context %q", got, ctxID)
		}
		line := buf.String()
		if !utf8.ValidString(line) || strings.Count(line, "\n") != 1 {
			t.Fatalf("log output is not one valid line: %q", line)
		}
		if !strings.Contains(line, `"correlation_id":"`+ctxID+`"`) {
			t.Fatalf("log line lacks ID %q: %s", ctxID, line)
		}
	})
}
