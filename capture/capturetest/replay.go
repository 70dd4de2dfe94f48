package capturetest

import (
	"net/http"
	"testing"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/internal/safetext"
)

// Replay replays rec against h in the process (see [capture.Replay] and
// [capture.HandlerTarget]) with the test's context, and returns the
// result. When the response differs from the recorded one, or the
// handler panicked where the recorded one did not, it fails the test
// (t.Errorf) with the difference, and logs how the environment the
// record was taken in differs from the test's. It logs the warnings of
// the replay (t.Log), and fails the test (t.Fatal) when the record
// cannot be replayed.
func Replay(t testing.TB, h http.Handler, rec *capture.Record, opts ...capture.ReplayOption) *capture.ReplayResult {
	t.Helper()
	switch {
	case h == nil:
		t.Fatalf("capturetest: Replay: nil handler")
		return nil
	case rec == nil:
		t.Fatalf("capturetest: Replay: nil record")
		return nil
	}
	name := recordName(rec)
	res, err := capture.Replay(t.Context(), rec, capture.HandlerTarget(h), opts...)
	if err != nil {
		t.Fatalf("capturetest: replaying %s: %v", name, err)
		return nil
	}
	for _, w := range res.Warnings {
		t.Logf("capturetest: replaying %s: %s", name, w)
	}
	panicked := res.Panic != "" && rec.Panic == ""
	if res.Diff.Equal() && !panicked {
		return res
	}
	if res.Env != nil && !res.Env.Empty() {
		t.Logf("capturetest: the environment of %s differs from this test's:\n%s", name, res.Env)
	}
	msg := res.Diff.String()
	if res.Diff.Equal() {
		msg = "the replayed response matches the recorded one, but"
	}
	if res.Panic != "" {
		msg += "\n  the handler panicked: " + res.Panic
	}
	t.Errorf("capturetest: replaying %s: %s", name, msg)
	return res
}

// recordName names rec in messages: its ID, or its method and URL.
func recordName(rec *capture.Record) string {
	if rec.ID != "" {
		return "record " + safetext.Clean(rec.ID, 64)
	}
	return "record of " + safetext.Clean(rec.Request.Method+" "+rec.Request.URL, 120)
}
