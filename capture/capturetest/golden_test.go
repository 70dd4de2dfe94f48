package capturetest

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// update is the -update flag of the convention that Golden follows.
var update = flag.Bool("update", false, "rewrite golden files")

func TestGoldenFile(t *testing.T) {
	// testdata/order.golden.json was written by this test with -update.
	rec := orderRecord()
	rec.Response.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	f := run(t, func(tb testing.TB) { Golden(tb, filepath.Join("testdata", "order.golden.json"), rec) })
	if *update {
		return
	}
	assert.True(t, f.quiet(), f.report())
	data, err := os.ReadFile(filepath.Join("testdata", "order.golden.json"))
	require.NoError(t, err)
	assert.NotContains(t, string(data), `"id": "1"`)
	assert.Contains(t, string(data), `"(varies)"`)
}

func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "golden", "rec.json")
	rec := orderRecord()
	rec.Request.Header.Set("X-Request-ID", "a")

	f := run(t, func(tb testing.TB) { Golden(tb, path, rec) })
	assert.Contains(t, f.fatal, "does not exist: run the test with REPROKIT_UPDATE_GOLDEN=1 to write it")

	t.Setenv(UpdateEnv, "1")
	f = run(t, func(tb testing.TB) { Golden(tb, path, rec) })
	assert.Empty(t, f.fatal)
	assert.Equal(t, []string{"capturetest: wrote " + path}, f.logs)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	assert.Equal(t, "a", rec.Request.Header.Get("X-Request-ID"), "the record is not modified")

	t.Setenv(UpdateEnv, "")
	other := orderRecord()
	other.ID, other.CorrelationID, other.Start, other.Duration = "2", "c2", time.Now(), time.Second
	other.TraceID, other.SpanID, other.EnvID = "t", "s", "e"
	other.Request.Header.Set("X-Request-ID", "b")
	f = run(t, func(tb testing.TB) { Golden(tb, path, other) })
	assert.True(t, f.quiet(), "what differs on every run is not compared: %s", f.report())

	other.Response.Status = 201
	f = run(t, func(tb testing.TB) { Golden(tb, path, other) })
	require.Len(t, f.errors, 1)
	assert.Contains(t, f.errors[0], "the record differs from "+path+" at line 24:\n  want:     \"status\": 200,\n  got:      \"status\": 201,")

	require.NoError(t, flag.Set("update", "true"))
	defer flag.Set("update", "false")
	f = run(t, func(tb testing.TB) { Golden(tb, path, other) })
	assert.Equal(t, []string{"capturetest: wrote " + path}, f.logs, "-update rewrites")
	require.NoError(t, flag.Set("update", "false"))
	f = run(t, func(tb testing.TB) { Golden(tb, path, other) })
	assert.True(t, f.quiet(), f.report())

	f = run(t, func(tb testing.TB) { Golden(tb, path, nil) })
	assert.Equal(t, "capturetest: Golden: nil record", f.fatal)
}
