package capturetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/internal/safetext"
)

// Sink is a [capture.Sink] that keeps every record it is given in
// memory, for tests. It is safe for concurrent use. The zero value is
// ready to use.
type Sink struct {
	mu   sync.Mutex // protects recs
	recs []*capture.Record
}

var _ capture.Sink = (*Sink)(nil)

// NewSink returns an empty Sink.
func NewSink() *Sink { return new(Sink) }

// errNilRecord is the error of Write for a nil record.
var errNilRecord = errors.New("capturetest: nil record")

// Write keeps rec, which it does not modify. It returns an error for a
// nil rec.
func (s *Sink) Write(_ context.Context, rec *capture.Record) error {
	if rec == nil {
		return errNilRecord
	}
	s.mu.Lock()
	s.recs = append(s.recs, rec)
	s.mu.Unlock()
	return nil
}

// Records returns the records written so far, in the order of their
// writes, in a new slice.
func (s *Sink) Records() []*capture.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*capture.Record(nil), s.recs...)
}

// Len returns how many records were written.
func (s *Sink) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
}

// RequireRecords fails the test (t.Fatal) unless the sink holds n
// records. Records reach it when the middleware hands them on: behind an
// asynchronous sink, close that first.
func (s *Sink) RequireRecords(t testing.TB, n int) {
	t.Helper()
	if got := s.Len(); got != n {
		t.Fatalf("capturetest: the sink holds %d records, want %d", got, n)
	}
}

// RequireNoSecret fails the test (t.Fatal) when any record the sink
// holds shows any of secrets: when the JSON line of the record, or of
// its environment snapshot, holds a piece of 8 bytes of a secret (or the
// whole secret if it is shorter), as it is or as JSON escapes it. The
// failure names the record and the secret by their positions, never the
// secret. An empty secret fails the test too: it would find nothing.
func (s *Sink) RequireNoSecret(t testing.TB, secrets ...string) {
	t.Helper()
	for i, secret := range secrets {
		if secret == "" {
			t.Fatalf("capturetest: RequireNoSecret: secret %d is empty", i)
			return
		}
	}
	var failures []string
	for i, rec := range s.Records() {
		c := *rec // AppendRecord sets Schema and Kind
		line, err := capture.AppendRecord(nil, &c)
		if err != nil {
			t.Fatalf("capturetest: RequireNoSecret: record %d: %v", i, err)
			return
		}
		if rec.Env != nil {
			if line, err = capture.AppendEnv(line, rec.Env); err != nil {
				t.Fatalf("capturetest: RequireNoSecret: record %d: %v", i, err)
				return
			}
		}
		text := string(line)
		for j, secret := range secrets {
			if at, ok := findPiece(text, secret); ok {
				failures = append(failures, fmt.Sprintf("record %d (ID %q) holds bytes %d to %d of secret %d",
					i, safetext.Clean(rec.ID, 64), at, at+min(8, len(secret)), j))
			}
		}
	}
	if len(failures) > 0 {
		t.Fatalf("capturetest: secrets were captured:\n  %s", strings.Join(failures, "\n  "))
	}
}

// findPiece returns where in secret the first of its pieces that text
// holds begins: every run of 8 bytes, or the whole secret if shorter,
// as it is or escaped as in a JSON string.
func findPiece(text, secret string) (int, bool) {
	n := min(8, len(secret))
	for i := 0; i+n <= len(secret); i++ {
		p := secret[i : i+n]
		if strings.Contains(text, p) {
			return i, true
		}
		if q := jsonEscaped(p); q != p && strings.Contains(text, q) {
			return i, true
		}
	}
	return 0, false
}

// jsonEscaped returns s as it appears inside a JSON string of a capture
// file (HTML characters not escaped).
func jsonEscaped(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return s
	}
	q := strings.TrimSuffix(b.String(), "\n")
	return q[1 : len(q)-1]
}
