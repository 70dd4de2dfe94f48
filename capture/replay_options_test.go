package capture

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplayConfig(t *testing.T) {
	env := &Env{ID: "x"}
	red := NewRedactor(Rules{})
	fill := func(string, string) (string, bool) { return "", false }
	paths := []string{"a", "b"}
	for _, tt := range []struct {
		name  string
		opts  []ReplayOption
		check func(t *testing.T, c *replayConfig)
	}{
		{"defaults", nil, func(t *testing.T, c *replayConfig) {
			assert.Nil(t, c.fill)
			assert.Nil(t, c.redactor)
			assert.Nil(t, c.env)
			assert.Empty(t, c.ignore)
			assert.Equal(t, []string{"Content-Type"}, c.headers)
			assert.Equal(t, "X-Request-Id", c.requestIDHd)
		}},
		{"nil and empty arguments are ignored", []ReplayOption{nil, WithSubstitute(nil), WithRedactor(nil), WithEnv(nil), WithRequestIDHeader("")}, func(t *testing.T, c *replayConfig) {
			assert.Nil(t, c.fill)
			assert.Nil(t, c.redactor)
			assert.Nil(t, c.env)
			assert.Equal(t, "X-Request-Id", c.requestIDHd)
		}},
		{"set", []ReplayOption{WithSubstitute(fill), WithRedactor(red), WithEnv(func() *Env { return env }), WithRequestIDHeader("x-correlation-id")}, func(t *testing.T, c *replayConfig) {
			assert.NotNil(t, c.fill)
			assert.Same(t, red, c.redactor)
			assert.Same(t, env, c.env())
			assert.Equal(t, "X-Correlation-Id", c.requestIDHd)
		}},
		{"headers add up, canonical", []ReplayOption{WithCompareHeaders("etag"), WithCompareHeaders("cache-control", "Content-Type")}, func(t *testing.T, c *replayConfig) {
			assert.Equal(t, []string{"Etag", "Cache-Control", "Content-Type"}, c.headers)
		}},
		{"no headers", []ReplayOption{WithCompareHeaders()}, func(t *testing.T, c *replayConfig) {
			assert.Empty(t, c.headers)
		}},
		{"ignore adds up and copies", []ReplayOption{WithIgnoreFields(paths...), WithIgnoreFields("c")}, func(t *testing.T, c *replayConfig) {
			paths[0] = "changed"
			assert.Equal(t, []string{"a", "b", "c"}, c.ignore)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, newReplayConfig(tt.opts))
		})
	}
}

func TestReplayWithRedactor(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ticket":"TCK-123456","note":"ok"}`)
	})
	rec := replayRecord(200, `{"ticket":"[REDACTED:0a1b2c3d]","note":"ok"}`)
	red := NewRedactor(Rules{Hash: true, HashKey: []byte("test key"), Patterns: []*regexp.Regexp{regexp.MustCompile(`TCK-\d+`)}})
	res, err := Replay(t.Context(), rec, HandlerTarget(h), WithRedactor(red))
	require.NoError(t, err)
	assert.Regexp(t, `^\{"ticket":"\[REDACTED:[0-9a-f]{8}\]","note":"ok"\}$`, res.Body.String())
	assert.True(t, res.Diff.Equal(), res.Diff.String())
	assert.NotContains(t, fmt.Sprintf("%+v", res), "TCK-123456")
}

func TestReplayWithRequestIDHeader(t *testing.T) {
	var got http.Header
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() })
	rec := replayRecord(200, "")
	rec.Request.Header.Set("X-Correlation-Id", "production")
	res, err := Replay(t.Context(), rec, HandlerTarget(h), WithRequestIDHeader("X-Correlation-ID"))
	require.NoError(t, err)
	assert.Equal(t, res.RequestID, got.Get("X-Correlation-Id"))
	assert.Empty(t, got.Get("X-Request-Id"))
}
