package capturetest

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/capture"
)

func fixtureRecord(id, corr string, env *capture.Env) *capture.Record {
	return &capture.Record{
		ID:            id,
		Start:         time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		CorrelationID: corr,
		Reason:        capture.ReasonManual,
		Request:       capture.Request{Method: "GET", URL: "/orders/" + id},
		Response: capture.Response{
			Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   capture.Body{Text: `{"id":"` + id + `"}`},
		},
		Env: env,
	}
}

func TestWriteFixtureLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "orders.jsonl")
	prod := &capture.Env{ID: "prod", Service: "orders"}
	staging := &capture.Env{ID: "staging", Service: "orders"}
	recs := []*capture.Record{
		fixtureRecord("1", "c1", prod),
		fixtureRecord("2", "c2", staging),
		fixtureRecord("3", "c3", prod),
		fixtureRecord("4", "c4", nil),
	}
	WriteFixture(t, path, recs...)
	for _, r := range recs {
		assert.Empty(t, r.Schema, "the records given are not modified")
		assert.Empty(t, r.EnvID)
	}

	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	st, err = os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := splitLines(string(data))
	require.Len(t, lines, 6, "two snapshots and four records")
	assert.Contains(t, lines[0], `"kind":"env"`)
	assert.Contains(t, lines[2], `"kind":"env"`)

	got := Load(t, path)
	require.Len(t, got, 4)
	assert.Equal(t, "prod", got[0].Env.ID)
	assert.Equal(t, "staging", got[1].Env.ID)
	assert.Same(t, got[0].Env, got[2].Env)
	assert.Nil(t, got[3].Env)
	assert.Equal(t, "3", Find(t, got, ByCorrelationID("c3")).ID)
	assert.Equal(t, "c2", Find(t, got, ByID("2")).CorrelationID)

	// A file that exists keeps no other mode.
	require.NoError(t, os.Chmod(path, 0o644))
	WriteFixture(t, path, recs[3])
	st, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	assert.Len(t, Load(t, path), 1)
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}

func TestLoadFailures(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	WriteFixture(t, bad, fixtureRecord("1", "c1", nil))
	f, err := os.OpenFile(bad, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"schema":"other.v9","kind":"http"}` + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())

	for _, tt := range []struct {
		name string
		fn   func(t testing.TB)
		want string
	}{
		{"missing file", func(t testing.TB) { Load(t, filepath.Join(dir, "none.jsonl")) }, "capturetest: loading records: open "},
		{"bad line", func(t testing.TB) { Load(t, bad) }, "bad.jsonl:2: capture: unknown schema"},
		{"no match", func(t testing.TB) { Find(t, nil, ByID("x")) }, "capturetest: none of the 0 records matches"},
		{"nil match", func(t testing.TB) { Find(t, nil, nil) }, "capturetest: Find: nil match"},
		{"nil record", func(t testing.TB) { WriteFixture(t, filepath.Join(dir, "x"), nil) }, "record 0 is nil"},
		{"env without ID", func(t testing.TB) {
			WriteFixture(t, filepath.Join(dir, "x"), fixtureRecord("1", "", &capture.Env{}))
		}, "the Env of record 0 has no ID"},
		{"EnvID not the Env's", func(t testing.TB) {
			r := fixtureRecord("1", "", &capture.Env{ID: "a"})
			r.EnvID = "b"
			WriteFixture(t, filepath.Join(dir, "x"), r)
		}, `record 0 has EnvID "b" but an Env of ID "a"`},
		{"directory in the way", func(t testing.TB) { WriteFixture(t, dir, fixtureRecord("1", "", nil)) }, "capturetest: WriteFixture: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := run(t, tt.fn)
			assert.Contains(t, f.fatal, tt.want, f.report())
		})
	}
}
