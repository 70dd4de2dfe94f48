package capture

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/correlation"
)

// TestMiddlewareRecordsMatchSchema: what the middleware writes, for the
// shapes of request it meets, is what the JSON Schema describes, and so
// is the snapshot a file sink writes beside it.
func TestMiddlewareRecordsMatchSchema(t *testing.T) {
	sink := NewMemorySink(0)
	h := correlation.NewHandler(NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case strings.Contains(string(body), "panic"):
			panic("handler bug")
		case r.URL.Path == "/binary":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write([]byte{0, 1, 2, 0xff})
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Trailer", "X-Checksum")
			io.WriteString(w, `{"ok":true,"token":"abc123def456"}`)
			w.Header().Set("X-Checksum", "c0ffee")
		}
	}), sink, WithPolicy(Policy{Rate: 1, MaxPerSecond: 1e9}), WithBodyLimit(16)))

	for _, req := range []*http.Request{
		httptest.NewRequest("POST", "/json?password=x", strings.NewReader(`{"password":"hunter2-hunter2","n":1}`)),
		httptest.NewRequest("GET", "/binary", nil),
		httptest.NewRequest("POST", "/text", strings.NewReader("line one\r\nline\x00two\xff")),
		httptest.NewRequest("POST", "/p", strings.NewReader("panic")),
	} {
		req.Header.Set("Content-Type", "application/json")
		func() {
			defer func() { _ = recover() }()
			h.ServeHTTP(httptest.NewRecorder(), req)
		}()
	}
	recs := sink.Records()
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4", len(recs))
	}
	for _, rec := range recs {
		line, err := AppendRecord(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		validateLine(t, line)
		if rec.Env == nil {
			t.Fatal("no environment snapshot on the record")
		}
		env, err := AppendEnv(nil, rec.Env)
		if err != nil {
			t.Fatal(err)
		}
		validateLine(t, env)
	}
}
