package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/reprokit/reprokit/correlation"
)

// TestRequestIDStacks checks that every stack BenchmarkRequestID measures
// does its job, so that none of its numbers can come from a no-op: chi and
// reprokit put an ID in the context (the incoming one when it is valid),
// reprokit echoes it on the response, and bare does neither.
func TestRequestIDStacks(t *testing.T) {
	for _, tc := range requestCases {
		for _, impl := range requestIDImpls {
			t.Run("case="+tc.name+"/impl="+impl.name, func(t *testing.T) {
				var ctxID string
				probe := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					ctxID = impl.ctxID(r.Context())
					app.ServeHTTP(w, r)
				})
				h := impl.wrap(probe)
				r := newRequest(tc)
				w := newWriter()
				h.ServeHTTP(w, r)

				if w.status != http.StatusOK || w.n != len(body) {
					t.Errorf("response: status %d, %d bytes; want %d, %d bytes", w.status, w.n, http.StatusOK, len(body))
				}
				if got := w.header.Get("Content-Type"); got != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", got)
				}
				if got := r.Header.Get(correlation.DefaultHeader); got != tc.incoming {
					t.Errorf("stack modified the caller's request: %s = %q, want %q", correlation.DefaultHeader, got, tc.incoming)
				}

				echo := w.header.Get(correlation.DefaultHeader)
				if impl.name == "bare" {
					if ctxID != "" || echo != "" {
						t.Fatalf("bare: context ID %q, response ID %q; want neither", ctxID, echo)
					}
					return
				}
				if ctxID == "" {
					t.Fatal("no ID in the request context")
				}
				if tc.incoming != "" && ctxID != tc.incoming {
					t.Errorf("context ID = %q, want the incoming %q", ctxID, tc.incoming)
				}
				switch {
				case impl.echoes && echo != ctxID:
					t.Errorf("response %s = %q, want the context ID %q", correlation.DefaultHeader, echo, ctxID)
				case !impl.echoes && echo != "":
					t.Errorf("response %s = %q, want none", correlation.DefaultHeader, echo)
				}
				if impl.name == "reprokit" && tc.incoming == "" && !correlation.ValidID(ctxID) {
					t.Errorf("new ID %q is not a valid ID", ctxID)
				}
			})
		}
	}
}

// TestLogStacks checks that every handler BenchmarkLog measures writes the
// record, and that reprokit's carries the context's ID.
func TestLogStacks(t *testing.T) {
	ctx := correlation.NewContext(context.Background(), incomingID)
	for _, impl := range logImpls {
		t.Run("impl="+impl.name, func(t *testing.T) {
			var buf bytes.Buffer
			logCall(slog.New(impl.new(&buf)), ctx)
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("output %q: %v", buf.String(), err)
			}
			if rec["msg"] != "charged card" || rec["order"] != "A-1042" || rec["cents"] != 1999.0 || rec["retry"] != false {
				t.Errorf("record = %v, want the message and its three attributes", rec)
			}
			id, ok := rec[correlation.DefaultLogKey]
			switch {
			case impl.stamps && id != incomingID:
				t.Errorf("%s = %v, want %q", correlation.DefaultLogKey, id, incomingID)
			case !impl.stamps && ok:
				t.Errorf("%s = %v, want none", correlation.DefaultLogKey, id)
			}
		})
	}
}
