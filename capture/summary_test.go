package capture

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	env := testEnv("aaaaaaaaaaaaaaaa")
	env.Build.Settings = map[string]string{"vcs.revision": "abc123"}
	rec := func(start time.Duration, method, url, route string, status int, reason string) *Record {
		return &Record{
			Kind: KindHTTP, Start: t0.Add(start), Duration: 2 * time.Second, Reason: reason,
			Request:  Request{Method: method, URL: url, Route: route},
			Response: Response{Status: status},
			EnvID:    env.ID, Env: env,
		}
	}
	recs := []*Record{
		rec(0, "GET", "/orders/1", "GET /orders/{id}", 200, ReasonRate),
		rec(time.Minute, "GET", "/orders/2?x=1", "GET /orders/{id}", 200, ReasonRate),
		rec(-time.Minute, "POST", "/orders", "/orders", 500, ReasonFailure),
		rec(30*time.Second, "GET", "/health", "", 200, ReasonDebug),
		nil,
	}
	recs[2].Panic = "boom"
	recs[2].Request.Body = Body{Truncated: true}
	recs[2].Response.Body = Body{Omitted: true, Text: "[omitted: 9 bytes]"}
	recs[3].Error = "client disconnected"
	recs[3].EnvID, recs[3].Env = "", nil
	grpc := rec(0, "POST", "/shop.Orders/Get", "", 200, ReasonRate)
	grpc.Kind = KindGRPC
	grpc.EnvID, grpc.Env = "bbbbbbbbbbbbbbbb", nil // its snapshot is not in the file
	recs = append(recs, grpc)

	got := Summarize(recs)
	assert.Equal(t, Summary{
		Records:  5,
		Kinds:    []Count{{"grpc", 1}, {"http", 4}},
		First:    t0.Add(-time.Minute),
		Last:     t0.Add(time.Minute + 2*time.Second),
		Routes:   []RouteCount{{"GET /orders/{id}", 200, 2}, {"GET /health", 200, 1}, {"POST /orders", 500, 1}, {"POST /shop.Orders/Get", 200, 1}},
		Statuses: []StatusCount{{200, 4}, {500, 1}},
		Reasons:  []Count{{"debug", 1}, {"failure", 1}, {"rate", 3}},
		Errors:   1, Panics: 1,
		TruncatedBodies: 1, OmittedBodies: 1,
		Environments: []EnvCount{
			{ID: env.ID, Service: "orders", GoVersion: "go1.25.0", Revision: "abc123", Records: 3},
			{ID: "bbbbbbbbbbbbbbbb", Records: 1},
		},
		WithoutEnv: 1,
	}, got)

	b, err := json.Marshal(got)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"routes":[{"route":"GET /orders/{id}","status":200,"records":2}`)
}

func TestSummarizeNothing(t *testing.T) {
	s := Summarize(nil)
	assert.Zero(t, s.Records)
	assert.True(t, s.First.IsZero())
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"records":0,"errors":0,"panics":0,"truncated_bodies":0,"omitted_bodies":0,"without_env":0}`, string(b))
}
