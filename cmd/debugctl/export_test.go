package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/capture"
)

// exportHARSchemaPath is the JSON Schema of HAR 1.2 that package capture's
// tests validate with.
var exportHARSchemaPath = filepath.Join("..", "..", "capture", "testdata", "har", "har-1.2.schema.json")

// exportRequireHAR fails t unless doc is a valid HAR 1.2 document, and returns
// its entries.
func exportRequireHAR(t *testing.T, doc []byte) []map[string]any {
	t.Helper()
	require.True(t, utf8.Valid(doc), "UTF-8")
	f, err := os.Open(exportHARSchemaPath)
	require.NoError(t, err)
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource("har.json", schemaDoc))
	sch, err := c.Compile("har.json")
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	require.NoError(t, err, "valid JSON")
	require.NoError(t, sch.Validate(inst), "valid HAR 1.2")

	var h struct {
		Log struct {
			Creator struct{ Name string } `json:"creator"`
			Entries []map[string]any      `json:"entries"`
		} `json:"log"`
	}
	require.NoError(t, json.Unmarshal(doc, &h))
	assert.Equal(t, "debugctl", h.Log.Creator.Name)
	return h.Log.Entries
}

func TestExportHAR(t *testing.T) {
	file := replayRecordCaptures(t, replayOrdersService(false), capture.Policy{Rate: 1}, func(base string, client *http.Client) {
		replayDo(t, client, "POST", base+"/orders?coupon=SPRING", `{"qty":2}`, http.Header{
			"Content-Type": {"application/json"}, "Authorization": {"Bearer s3cr3t-export"}, "Cookie": {"sid=abc123secret; theme=dark"},
		})
		replayDo(t, client, "POST", base+"/orders", `{"qty":0}`, replayJSONHeader)
	})

	t.Run("stdout", func(t *testing.T) {
		r := replayExec(t, nil, "export", "--har", file)
		require.Equal(t, exitOK, r.code, r)
		entries := exportRequireHAR(t, []byte(r.stdout))
		require.Len(t, entries, 2)
		req := entries[0]["request"].(map[string]any)
		assert.Equal(t, "POST", req["method"])
		assert.Regexp(t, `^http://127\.0\.0\.1:\d+/orders\?coupon=SPRING$`, req["url"])
		assert.Equal(t, []any{map[string]any{"name": "coupon", "value": "SPRING"}}, req["queryString"])
		assert.Equal(t, `{"qty":2}`, req["postData"].(map[string]any)["text"])
		assert.Equal(t, 500.0, entries[1]["response"].(map[string]any)["status"])
		assert.NotEmpty(t, entries[0]["_reprokit"].(map[string]any)["env_id"])
		assert.NotContains(t, r.stdout, "s3cr3t", "the archive is as redacted as the records")
		assert.NotContains(t, r.stdout, "abc123secret")
	})

	t.Run("filtered to a file", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "failures.har")
		r := replayExec(t, nil, "export", "--har", "--status", "5xx", "--out", out, file)
		require.Equal(t, exitOK, r.code, r)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "wrote 1 entries to "+out)
		st, err := os.Stat(out)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
		doc, err := os.ReadFile(out)
		require.NoError(t, err)
		entries := exportRequireHAR(t, doc)
		require.Len(t, entries, 1)
		assert.Equal(t, 500.0, entries[0]["response"].(map[string]any)["status"])

		// Not overwritten without --force…
		r = replayExec(t, nil, "export", "--har", "--out", out, file)
		require.Equal(t, exitUsage, r.code, r)
		assert.Contains(t, r.stderr, "exists; pass --force to overwrite it")
		same, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, doc, same)

		// …replaced whole with it, still 0600 even if it was not.
		require.NoError(t, os.Chmod(out, 0o644))
		r = replayExec(t, nil, "export", "--har", "--force", "--out", out, file)
		require.Equal(t, exitOK, r.code, r)
		doc, err = os.ReadFile(out)
		require.NoError(t, err)
		assert.Len(t, exportRequireHAR(t, doc), 2)
		st, err = os.Stat(out)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
		left, err := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.tmp"))
		require.NoError(t, err)
		assert.Empty(t, left, "no temporary file is left")
	})
}

func TestExportHostileRecords(t *testing.T) {
	crlf := "x\r\nSet-Cookie: evil=1\r\n\r\n<script>"
	bad := "\xff\xfe\x1b[31m"
	rec := replayGetRecord("/a"+crlf+bad+"?q="+bad, crlf+bad)
	rec.Request.Host = crlf
	rec.Request.Header = http.Header{crlf: {bad}, "Cookie": {bad + "=" + crlf}}
	rec.Response.Header.Set("Set-Cookie", crlf+"; Expires="+bad)
	rec.CorrelationID = crlf
	file := replayWriteRecords(t, t.TempDir(), "hostile.jsonl", rec, replayGetRecord("/b", "ok"))

	r := replayInProcess(t, t.Context(), nil, "export", "--har", file)
	require.Equal(t, exitOK, r.code, r)
	entries := exportRequireHAR(t, []byte(r.stdout))
	require.Len(t, entries, 2)
	assert.NotContains(t, r.stdout, "\r", "control characters are escaped in JSON")
	assert.NotContains(t, r.stdout, "\x1b")
	assert.True(t, strings.HasPrefix(entries[0]["request"].(map[string]any)["url"].(string), "http://localhost/ax%0D%0ASet-Cookie:%20evil=1%0D%0A%0D%0A%3Cscript%3E"), entries[0]["request"])
}

func TestExportUsage(t *testing.T) {
	dir := t.TempDir()
	file := replayWriteRecords(t, dir, "a.jsonl", replayGetRecord("/a", "ok"))
	truncated := filepath.Join(dir, "t.jsonl")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(truncated, data[:len(data)-10], 0o600))
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no format", []string{file}, exitUsage, "say the format: --har"},
		{"no file", []string{"--har"}, exitUsage, "no file given; pass capture files or folders: debugctl export --har captures/*.jsonl"},
		{"force without out", []string{"--har", "--force", file}, exitUsage, "--force goes with --out FILE"},
		{"bad filter", []string{"--har", "--status", "abc", file}, exitUsage, `--status "abc"`},
		{"missing file", []string{"--har", filepath.Join(dir, "nope.jsonl")}, exitInput, "no such file or folder: "},
		{"truncated", []string{"--har", truncated}, exitInput, "t.jsonl:1: truncated last line"},
		{"no folder for out", []string{"--har", "--out", filepath.Join(dir, "no", "such", "x.har"), file}, exitInput, "writing "},
		{"none matches", []string{"--har", "--correlation-id", "nope", file}, exitOK, "none matches the filters: the archive has no entry"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := replayInProcess(t, t.Context(), nil, append([]string{"export"}, tt.args...)...)
			require.Equal(t, tt.code, r.code, r)
			assert.Contains(t, r.stderr, tt.want)
			if tt.code == exitOK {
				exportRequireHAR(t, []byte(r.stdout))
			} else {
				assert.Empty(t, r.stdout)
			}
		})
	}

	r := replayInProcess(t, t.Context(), nil, "export", "--help")
	require.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stdout, "Usage: debugctl export --har")
	assert.Contains(t, r.stdout, "Examples:")
}
