package capturetest

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/capture"
)

func orderHandler(total string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"1","total":`+total+`}`)
	})
}

func orderRecord() *capture.Record {
	r := fixtureRecord("1", "c1", nil)
	r.Request.Header = http.Header{"Authorization": {"Bearer [REDACTED]"}}
	r.Response.Body.Text = `{"id":"1","total":30}`
	return r
}

func TestReplay(t *testing.T) {
	prod := &capture.Env{ID: "prod", Vars: []capture.EnvVar{{Name: "ENABLE_CACHE"}}}
	local := &capture.Env{ID: "prod"}
	for _, tt := range []struct {
		name   string
		h      http.Handler
		rec    func() *capture.Record
		opts   []capture.ReplayOption
		errors []string // pieces of the one error expected
		logs   []string // pieces of the logs expected, in order
	}{
		{
			name: "same", h: orderHandler("30"), rec: orderRecord,
			logs: []string{`capturetest: replaying record 1: header "Authorization" holds a redacted value: left out`},
		},
		{
			name: "differs", h: orderHandler("31"), rec: orderRecord,
			errors: []string{"capturetest: replaying record 1: the replayed response differs", "body total: 30 → 31"},
			logs:   []string{"left out"},
		},
		{
			name: "differs, with the environment", h: orderHandler("31"),
			rec: func() *capture.Record {
				r := orderRecord()
				r.Request.Header = nil
				r.Env = prod
				return r
			},
			opts:   []capture.ReplayOption{capture.WithEnv(func() *capture.Env { return local })},
			errors: []string{"body total: 30 → 31"},
			logs:   []string{"capturetest: the environment of record 1 differs from this test's:\n"},
		},
		{
			name: "same, the environment aside", h: orderHandler("30"),
			rec: func() *capture.Record {
				r := orderRecord()
				r.Request.Header = nil
				r.Env = prod
				return r
			},
			opts: []capture.ReplayOption{capture.WithEnv(func() *capture.Env { return local })},
		},
		{
			name: "panic", rec: orderRecord,
			h:      http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("out of stock") }),
			errors: []string{"status: 200 → 500", "the handler panicked: out of stock"},
			logs:   []string{"left out"},
		},
		{
			name: "panic with the recorded status", rec: func() *capture.Record {
				r := orderRecord()
				r.Request.Header = nil
				r.ID = ""
				r.Response = capture.Response{Status: 500}
				return r
			},
			h:      http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("out of stock") }),
			errors: []string{"replaying record of GET /orders/1: the replayed response matches the recorded one, but\n  the handler panicked: out of stock"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var res *capture.ReplayResult
			f := run(t, func(tb testing.TB) { res = Replay(tb, tt.h, tt.rec(), tt.opts...) })
			require.Empty(t, f.fatal)
			require.NotNil(t, res)
			if tt.errors == nil {
				assert.Empty(t, f.errors)
			} else {
				require.Len(t, f.errors, 1, f.report())
				for _, want := range tt.errors {
					assert.Contains(t, f.errors[0], want)
				}
			}
			require.Len(t, f.logs, len(tt.logs), f.report())
			for i, want := range tt.logs {
				assert.Contains(t, f.logs[i], want)
			}
		})
	}
}

func TestReplayFatal(t *testing.T) {
	bad := orderRecord()
	bad.Request.Method = "GET /x"
	for _, tt := range []struct {
		name string
		fn   func(t testing.TB)
		want string
	}{
		{"nil handler", func(t testing.TB) { Replay(t, nil, orderRecord()) }, "capturetest: Replay: nil handler"},
		{"nil record", func(t testing.TB) { Replay(t, orderHandler("1"), nil) }, "capturetest: Replay: nil record"},
		{"not replayable", func(t testing.TB) { Replay(t, orderHandler("1"), bad) }, "capturetest: replaying record 1: capture: the record cannot be replayed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := run(t, tt.fn)
			assert.True(t, strings.HasPrefix(f.fatal, tt.want), f.report())
		})
	}
}
