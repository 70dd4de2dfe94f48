package capturetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/internal/safetext"
)

// UpdateEnv is the environment variable that makes [Golden] write its
// files instead of comparing: set it to "1" or "true".
const UpdateEnv = "REPROKIT_UPDATE_GOLDEN"

// varies replaces, in a golden file, a header value that differs on
// every run.
const varies = "(varies)"

// Golden compares rec with the golden file at path, and fails the test
// (t.Errorf) at the first line that differs; or, in update mode (see the
// package documentation), writes the file (mode 0600, directories 0700).
// A missing file fails the test (t.Fatal) outside update mode.
//
// The file holds rec as indented JSON without what differs on every
// run: ID, Start, Duration, CorrelationID, TraceID, SpanID and EnvID are
// zeroed (and Env is not part of a record's JSON), and the values of the
// X-Request-ID and Date headers are written as "(varies)". rec is not
// modified.
func Golden(t testing.TB, path string, rec *capture.Record) {
	t.Helper()
	if rec == nil {
		t.Fatalf("capturetest: Golden: nil record")
		return
	}
	got, err := goldenJSON(rec)
	if err != nil {
		t.Fatalf("capturetest: Golden: %v", err)
		return
	}
	if updating() {
		if err := writePrivate(path, got); err != nil {
			t.Fatalf("capturetest: Golden: %v", err)
			return
		}
		t.Logf("capturetest: wrote %s", path)
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("capturetest: golden file %s does not exist: run the test with %s=1 to write it", path, UpdateEnv)
		return
	}
	if err != nil {
		t.Fatalf("capturetest: Golden: %v", err)
		return
	}
	if bytes.Equal(want, got) {
		return
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g || i >= len(wl) || i >= len(gl) {
			t.Errorf("capturetest: the record differs from %s at line %d:\n  want: %s\n  got:  %s\n(run the test with %s=1 to rewrite the file)",
				path, i+1, safetext.Clean(w, 200), safetext.Clean(g, 200), UpdateEnv)
			return
		}
	}
}

// updating reports whether Golden writes its files: UpdateEnv is true,
// or the test binary's -update flag is.
func updating() bool {
	if v, err := strconv.ParseBool(os.Getenv(UpdateEnv)); err == nil && v {
		return true
	}
	if f := flag.Lookup("update"); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			v, ok := g.Get().(bool)
			return ok && v
		}
	}
	return false
}

// goldenJSON returns rec as a golden file holds it.
func goldenJSON(rec *capture.Record) ([]byte, error) {
	c := *rec
	c.ID, c.Start, c.Duration = "", time.Time{}, 0
	c.CorrelationID, c.TraceID, c.SpanID, c.EnvID, c.Env = "", "", "", "", nil
	c.Request.Header = stable(c.Request.Header)
	c.Response.Header = stable(c.Response.Header)
	if c.Schema == "" {
		c.Schema = capture.Schema
	}
	if c.Kind == "" {
		c.Kind = capture.KindHTTP
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// stable returns h with the values of the headers that vary on every run
// replaced, in a new map when it changes any.
func stable(h http.Header) http.Header {
	var out http.Header
	for name, values := range h {
		if !strings.EqualFold(name, "X-Request-Id") && !strings.EqualFold(name, "Date") {
			continue
		}
		if out == nil {
			out = h.Clone()
		}
		v := make([]string, len(values))
		for i := range v {
			v[i] = varies
		}
		out[name] = v
	}
	if out == nil {
		return h
	}
	return out
}
