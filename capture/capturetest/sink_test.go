package capturetest

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/capture"
)

func TestSink(t *testing.T) {
	var s Sink // the zero value works
	assert.Zero(t, s.Len())
	s.RequireRecords(t, 0)
	require.Error(t, s.Write(t.Context(), nil))

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			assert.NoError(t, s.Write(t.Context(), fixtureRecord(string(rune('a'+i%26)), "", nil)))
		})
	}
	wg.Wait()
	s.RequireRecords(t, 50)
	recs := s.Records()
	require.Len(t, recs, 50)
	recs[0] = nil
	assert.NotNil(t, s.Records()[0], "Records returns a copy")

	f := run(t, func(t testing.TB) { s.RequireRecords(t, 3) })
	assert.Equal(t, "capturetest: the sink holds 50 records, want 3", f.fatal)
}

func TestSinkRequireNoSecret(t *testing.T) {
	const secret = "FAKEsecretFAKEsecret0042"
	leak := func(edit func(r *capture.Record)) *Sink {
		s := NewSink()
		r := fixtureRecord("1", "c1", nil)
		edit(r)
		require.NoError(t, s.Write(t.Context(), fixtureRecord("0", "", nil)))
		require.NoError(t, s.Write(t.Context(), r))
		return s
	}
	for _, tt := range []struct {
		name    string
		edit    func(r *capture.Record)
		secrets []string
		want    string
	}{
		{name: "clean", edit: func(r *capture.Record) {}, secrets: []string{secret}},
		{name: "redacted", edit: func(r *capture.Record) { r.Request.Header = http.Header{"Authorization": {"Bearer [REDACTED]"}} }, secrets: []string{secret}},
		{
			name: "whole", edit: func(r *capture.Record) { r.Request.Header = http.Header{"Authorization": {"Bearer " + secret}} },
			secrets: []string{"other-secret", secret}, want: `record 1 (ID "1") holds bytes 0 to 8 of secret 1`,
		},
		{
			name: "a piece", edit: func(r *capture.Record) { r.Response.Body.Text = "…ecretFAKEs…" },
			secrets: []string{secret}, want: `record 1 (ID "1") holds bytes 5 to 13 of secret 0`,
		},
		{
			name: "short secret whole", edit: func(r *capture.Record) { r.Request.URL = "/x?pin=4711" },
			secrets: []string{"4711"}, want: "holds bytes 0 to 4 of secret 0",
		},
		{
			name: "escaped in JSON", edit: func(r *capture.Record) { r.Response.Body.Text = "a\"b\\c\nd-secret" },
			secrets: []string{"a\"b\\c\nd-s"}, want: "of secret 0",
		},
		{
			name: "in the environment", edit: func(r *capture.Record) {
				r.Env = &capture.Env{ID: "e", Vars: []capture.EnvVar{{Name: "DB_URL", Value: "postgres://u:" + secret + "@db", Kept: true}}}
			},
			secrets: []string{secret}, want: "of secret 0",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := run(t, func(tb testing.TB) { leak(tt.edit).RequireNoSecret(tb, tt.secrets...) })
			if tt.want == "" {
				assert.Empty(t, f.fatal)
				return
			}
			assert.Contains(t, f.fatal, tt.want)
			for _, s := range tt.secrets {
				assert.NotContains(t, f.fatal, s, "the failure does not show the secret")
			}
		})
	}
	f := run(t, func(tb testing.TB) { NewSink().RequireNoSecret(tb, "x", "") })
	assert.Equal(t, "capturetest: RequireNoSecret: secret 1 is empty", f.fatal)
}
