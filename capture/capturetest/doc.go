// Package capturetest turns what capture recorded in production into
// regression tests, and checks in tests what a service captures.
//
// # From a production capture to a regression test
//
// Copy the line of a capture file that shows the bug (it is redacted, so
// it can be checked in) into testdata, then replay it against the
// handler in a test. [Replay] fails the test with a readable difference
// when the handler no longer answers as it did:
//
//	func TestOrder42Regression(t *testing.T) {
//		recs := capturetest.Load(t, "testdata/orders.jsonl")
//		rec := capturetest.Find(t, recs, capturetest.ByCorrelationID("req-7f3a"))
//		capturetest.Replay(t, newOrdersHandler(), rec,
//			capture.WithSubstitute(testCredentials), // the values that were redacted
//			capture.WithIgnoreFields("created_at"),  // what changes on every call
//		)
//	}
//
// Replay fails with the differences of status, headers and body, and
// logs the warnings of the replay (a redacted header that was left out,
// a request body that was cut when it was captured) and how the
// environment the record was taken in differs from the test's. To see
// a fixed bug stay fixed, edit the recorded response in the fixture to
// the expected one.
//
// [WriteFixture] writes records as a capture file does, to build
// fixtures by code; [Load] and [Find] read them back.
//
// # Checking what is captured
//
// A [Sink] keeps records in memory: give it to the capture middleware in
// a test, send requests, then assert on what was captured, and that no
// secret was:
//
//	sink := capturetest.NewSink()
//	// … serve requests through capture middleware writing to sink …
//	sink.RequireRecords(t, 1)
//	sink.RequireNoSecret(t, "sk_live_FAKE0000", userPassword)
//
// [Golden] compares a record with a golden file, to see what a change
// of redaction rules or of the handler does to the records.
//
// # Updating golden files
//
// [Golden] rewrites its file instead of comparing when the environment
// variable REPROKIT_UPDATE_GOLDEN ([UpdateEnv]) is set to a true value
// ("1", "true"), or when the test binary has a boolean flag named
// "update" (the common convention, which the test package defines
// itself) and it is set:
//
//	REPROKIT_UPDATE_GOLDEN=1 go test ./...
//	go test ./orders -update
//
// capturetest defines no flag of its own: a flag registered by a library
// clashes with the test package's own -update.
package capturetest
