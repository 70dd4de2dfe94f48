package capturetest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/reprokit/reprokit/capture"
)

// Load returns the records of the capture file at path, each with the
// Env the file holds for it. It fails the test (t.Fatal) when the file
// cannot be read or holds a line that is not a record, naming the file
// and line.
func Load(t testing.TB, path string) []*capture.Record {
	t.Helper()
	recs, err := capture.ReadFile(path)
	if err != nil {
		t.Fatalf("capturetest: loading records: %v", err)
		return nil
	}
	return recs
}

// Find returns the first of recs that match reports true for, and fails
// the test (t.Fatal) when there is none.
func Find(t testing.TB, recs []*capture.Record, match func(*capture.Record) bool) *capture.Record {
	t.Helper()
	if match == nil {
		t.Fatalf("capturetest: Find: nil match")
		return nil
	}
	for _, r := range recs {
		if r != nil && match(r) {
			return r
		}
	}
	t.Fatalf("capturetest: none of the %d records matches", len(recs))
	return nil
}

// ByCorrelationID returns a match for [Find]: the record of the request
// whose correlation ID is id, as it shows in logs and in the
// X-Request-ID response header.
func ByCorrelationID(id string) func(*capture.Record) bool {
	return func(r *capture.Record) bool { return r.CorrelationID == id }
}

// ByID returns a match for [Find]: the record whose ID is id.
func ByID(id string) func(*capture.Record) bool {
	return func(r *capture.Record) bool { return r.ID == id }
}

// WriteFixture writes recs to path as a capture file does: JSON Lines,
// the environment snapshot of each record (its Env) before the first
// record taken in it, so that [Load] gives each record its Env again. A
// record with an Env but no EnvID is written with the Env's ID. The file
// is made with mode 0600 and its missing directories with 0700, as
// records may tell more about a service than its source does. recs are
// not modified. It fails the test (t.Fatal) on a nil record, an Env
// without an ID, a record whose EnvID is not its Env's, or an error
// writing.
func WriteFixture(t testing.TB, path string, recs ...*capture.Record) {
	t.Helper()
	var out []byte
	written := map[string]bool{}
	for i, rec := range recs {
		if rec == nil {
			t.Fatalf("capturetest: WriteFixture: record %d is nil", i)
			return
		}
		c := *rec
		if env := c.Env; env != nil {
			switch {
			case env.ID == "":
				t.Fatalf("capturetest: WriteFixture: the Env of record %d has no ID", i)
				return
			case c.EnvID == "":
				c.EnvID = env.ID
			case c.EnvID != env.ID:
				t.Fatalf("capturetest: WriteFixture: record %d has EnvID %q but an Env of ID %q", i, c.EnvID, env.ID)
				return
			}
			if !written[env.ID] {
				written[env.ID] = true
				var err error
				if out, err = capture.AppendEnv(out, env); err != nil {
					t.Fatalf("capturetest: WriteFixture: %v", err)
					return
				}
			}
		}
		var err error
		if out, err = capture.AppendRecord(out, &c); err != nil {
			t.Fatalf("capturetest: WriteFixture: record %d: %v", i, err)
			return
		}
	}
	if err := writePrivate(path, out); err != nil {
		t.Fatalf("capturetest: WriteFixture: %v", err)
	}
}

// writePrivate writes data to path with mode 0600, whatever the mode of
// a file that was there, making missing directories with mode 0700.
func writePrivate(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
