package grpcdiag_test

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/grpcdiag"
)

// debugKey signs and verifies the debug tokens of the tests.
var debugKey = []byte("grpcdiag test key: 32 bytes long")

// tokenHeader is the metadata key of a debug token.
const tokenHeader = "x-debug-token"

// mintToken returns a token for scope, valid for a minute from the time
// of opts' clock.
func mintToken(t testing.TB, scope string, opts ...debugsample.Option) string {
	t.Helper()
	token, err := debugsample.NewToken(debugKey, time.Minute, scope, opts...)
	require.NoError(t, err)
	return token
}

// withToken returns ctx with the correlation ID id and, unless token is
// empty, the debug token in its outgoing metadata.
func withToken(id, token string) context.Context {
	ctx := correlation.NewContext(context.Background(), id)
	if token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, tokenHeader, token)
	}
	return ctx
}

// linesWith returns the log lines whose message is msg.
func linesWith(t *testing.T, data []byte, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range logLines(t, data) {
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// serviceCalls are the two kinds of call, naming a service the test
// health server may fail for, with the message of the handler's debug
// line.
var serviceCalls = []struct {
	name  string
	debug string
	do    func(e *env, ctx context.Context, service string) callResult
}{
	{"unary", "check detail", (*env).checkService},
	{"stream", "watch detail", (*env).watchService},
}

// TestDebugTokenLive checks that a call with a valid token is logged live,
// and one without is off.
func TestDebugTokenLive(t *testing.T) {
	for _, c := range serviceCalls {
		t.Run(c.name, func(t *testing.T) {
			st := new(debugsample.Stats)
			e := newEnv(t, envConfig{debugLog: true, server: []grpcdiag.Option{
				grpcdiag.WithDebugSample(debugsample.WithTokenKeys(debugKey), debugsample.WithStats(st)),
			}})

			r := c.do(e, withToken("call-token", mintToken(t, "*")), "")
			require.NoError(t, r.err)
			assert.Equal(t, "live/token", r.seen(trailerDebug))
			lines := linesWith(t, e.logs.Bytes(), c.debug)
			require.Len(t, lines, 1, "the debug line is written")
			assert.Equal(t, "DEBUG", lines[0]["level"])
			assert.Equal(t, "call-token", lines[0][correlation.DefaultLogKey])
			assert.NotContains(t, lines[0], "debug_buffered", "live, not flushed")

			r = c.do(e, withToken("call-plain", ""), "")
			require.NoError(t, r.err)
			assert.Equal(t, "off/none", r.seen(trailerDebug))
			assert.Len(t, linesWith(t, e.logs.Bytes(), c.debug), 1, "no debug line for the call without a token")

			assert.Equal(t, uint64(1), st.TokensAccepted())
			assert.Equal(t, uint64(1), st.Decisions(debugsample.Live))
			assert.Equal(t, uint64(1), st.Decisions(debugsample.Off))
		})
	}
}

// TestDebugTokenRefused checks that a forged, expired, premature,
// malformed or out-of-scope token is ignored, counted by reason, and never
// logged.
func TestDebugTokenRefused(t *testing.T) {
	past := func() time.Time { return time.Now().Add(-time.Hour) }
	future := func() time.Time { return time.Now().Add(time.Hour) }
	valid := mintToken(t, "*")
	tests := []struct {
		name  string
		token string
		why   debugsample.TokenRefusal
	}{
		{"forged", valid[:len(valid)-10] + "AAAAAAAA" + valid[len(valid)-2:], debugsample.TokenForged},
		{"other key", func() string {
			tok, err := debugsample.NewToken([]byte("another key that is long enough!"), time.Minute, "*")
			require.NoError(t, err)
			return tok
		}(), debugsample.TokenForged},
		{"expired", mintToken(t, "*", debugsample.WithClock(past)), debugsample.TokenExpired},
		{"not yet valid", mintToken(t, "*", debugsample.WithClock(future)), debugsample.TokenNotYetValid},
		{"truncated", valid[:len(valid)-5], debugsample.TokenMalformed},
		{"garbage", "not-a-token", debugsample.TokenMalformed},
		{"oversized", "v1." + strings.Repeat("A", 600), debugsample.TokenOversized},
		{"out of scope", mintToken(t, "/other.Service/"), debugsample.TokenOutOfScope},
	}
	for _, tt := range tests {
		for _, c := range serviceCalls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				st := new(debugsample.Stats)
				e := newEnv(t, envConfig{debugLog: true, server: []grpcdiag.Option{
					grpcdiag.WithDebugSample(debugsample.WithTokenKeys(debugKey), debugsample.WithStats(st)),
				}})
				token := tt.token
				r := c.do(e, withToken("call-refused", token), "")
				require.NoError(t, r.err)
				assert.Equal(t, "off/none", r.seen(trailerDebug))
				assert.Empty(t, linesWith(t, e.logs.Bytes(), c.debug), "no debug line")
				assert.Equal(t, uint64(1), st.TokensRefused(tt.why), "counted as %v", tt.why)
				assert.Equal(t, uint64(1), st.TokensRefusedTotal())
				assert.Equal(t, uint64(0), st.TokensAccepted())
				requireAbsent(t, e.logs.Bytes(), []string{token})
				requireAbsent(t, e.libLogs.Bytes(), []string{token})
			})
		}
	}
}

// TestDebugTokenScope checks that a token scoped to one method makes only
// that method live.
func TestDebugTokenScope(t *testing.T) {
	st := new(debugsample.Stats)
	e := newEnv(t, envConfig{debugLog: true, server: []grpcdiag.Option{
		grpcdiag.WithDebugSample(debugsample.WithTokenKeys(debugKey), debugsample.WithStats(st)),
	}})
	token := mintToken(t, "POST /grpc.health.v1.Health/Check")
	r := e.checkService(withToken("in-scope", token), "")
	require.NoError(t, r.err)
	assert.Equal(t, "live/token", r.seen(trailerDebug))
	r = e.watchService(withToken("out-of-scope", token), "")
	require.NoError(t, r.err)
	assert.Equal(t, "off/none", r.seen(trailerDebug))
	assert.Equal(t, uint64(1), st.TokensAccepted())
	assert.Equal(t, uint64(1), st.TokensRefused(debugsample.TokenOutOfScope))
}

// TestDebugBuffered checks, on the real server, that a buffered call's
// debug line is flushed, marked, after its other lines when the call fails
// with a code that means the server failed, and dropped otherwise.
func TestDebugBuffered(t *testing.T) {
	tests := []struct {
		service string
		flushed bool
	}{
		{"", false},
		{serviceInternal, true},
		{serviceNotFound, false},
	}
	for _, tt := range tests {
		for _, c := range serviceCalls {
			t.Run(fmt.Sprintf("%s/%q", c.name, tt.service), func(t *testing.T) {
				st := new(debugsample.Stats)
				e := newEnv(t, envConfig{debugLog: true, server: []grpcdiag.Option{
					grpcdiag.WithDebugSample(debugsample.WithPolicy(debugsample.Policy{BufferedRate: 1}), debugsample.WithStats(st)),
				}})
				r := c.do(e, withToken("call-buffered", ""), tt.service)
				if tt.service == "" {
					require.NoError(t, r.err)
				} else {
					require.Error(t, r.err)
				}
				assert.Equal(t, "buffered/rate", r.seen(trailerDebug))

				lines := logLines(t, e.logs.Bytes())
				if !tt.flushed {
					assert.Empty(t, linesWith(t, e.logs.Bytes(), c.debug), "dropped")
					assert.Equal(t, uint64(1), st.Discarded())
					assert.Equal(t, uint64(0), st.Flushed())
					return
				}
				require.Len(t, lines, 2)
				assert.Equal(t, "INFO", lines[0]["level"], "the info line was written at once")
				flushed := lines[1]
				assert.Equal(t, c.debug, flushed["msg"])
				assert.Equal(t, "DEBUG", flushed["level"])
				assert.Equal(t, true, flushed["debug_buffered"])
				assert.Equal(t, "call-buffered", flushed[correlation.DefaultLogKey])
				assert.Equal(t, uint64(1), st.Flushed())
				assert.Equal(t, uint64(0), st.Discarded())
			})
		}
	}
}

// TestDebugRules checks that rules match the request view of a call: the
// full method as the path, the metadata as headers, the :authority as the
// host, and that a decision hook sees that view.
func TestDebugRules(t *testing.T) {
	type seen struct {
		method, path, host, remote, tenant string
	}
	var (
		mu    sync.Mutex // guards views
		views []seen
	)
	hook := func(r *http.Request, _ debugsample.Decision) {
		mu.Lock()
		defer mu.Unlock()
		views = append(views, seen{r.Method, r.URL.Path, r.Host, r.RemoteAddr, r.Header.Get("X-Tenant")})
	}
	e := newEnv(t, envConfig{debugLog: true, server: []grpcdiag.Option{
		grpcdiag.WithDebugSample(debugsample.WithDecisionHook(hook), debugsample.WithPolicy(debugsample.Policy{
			Rules: []debugsample.Rule{
				{Pattern: "POST /grpc.health.v1.Health/Watch", BufferedRate: 1},
				{Header: "X-Tenant", Value: "acme", LiveRate: 1},
				{Pattern: "127.0.0.1/grpc.health.v1.Health/{method}", Header: "X-Tenant", Value: "beta", LiveRate: 1},
			},
			MaxPerSecond: math.Inf(1),
		})),
	}})
	tenant := func(name string) context.Context {
		return metadata.AppendToOutgoingContext(context.Background(), "x-tenant", name)
	}
	tests := []struct {
		name string
		do   func() callResult
		want string
	}{
		{"method pattern", func() callResult { return e.watch(context.Background()) }, "buffered/rule"},
		{"no rule", func() callResult { return e.check(context.Background()) }, "off/none"},
		{"metadata header", func() callResult { return e.check(tenant("acme")) }, "live/rule"},
		{"host and header", func() callResult { return e.check(tenant("beta")) }, "live/rule"},
		{"other tenant", func() callResult { return e.check(tenant("gamma")) }, "off/none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.do()
			require.NoError(t, r.err)
			assert.Equal(t, tt.want, r.seen(trailerDebug))
		})
	}

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, views, len(tests))
	assert.Equal(t, seen{"POST", "/grpc.health.v1.Health/Watch", e.addr, views[0].remote, ""}, views[0])
	assert.Equal(t, seen{"POST", "/grpc.health.v1.Health/Check", e.addr, views[2].remote, "acme"}, views[2])
	assert.Regexp(t, `^127\.0\.0\.1:\d+$`, views[0].remote)
}

// TestDebugConcurrent makes many calls at once, live by token, buffered and
// failing, buffered and succeeding, unary and streaming, and checks that
// each call's debug line went where its own decision says. Run it with
// -race.
func TestDebugConcurrent(t *testing.T) {
	st := new(debugsample.Stats)
	e := newEnv(t, envConfig{debugLog: true, server: []grpcdiag.Option{
		grpcdiag.WithDebugSample(debugsample.WithTokenKeys(debugKey), debugsample.WithStats(st),
			debugsample.WithPolicy(debugsample.Policy{BufferedRate: 1, MaxPerSecond: math.Inf(1)})),
	}})
	token := mintToken(t, "*")
	const (
		workers = 16
		perG    = 24
	)
	type want struct {
		msg      string
		lines    int
		buffered bool
	}
	var (
		mu    sync.Mutex // guards wants
		wants = map[string]want{}
	)
	errs := make(chan error, workers*perG)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range perG {
				id := fmt.Sprintf("g%d-call%d", g, i)
				c := serviceCalls[i%2]
				live := i%3 == 0
				fail := i%4 < 2
				tok, service := "", ""
				if live {
					tok = token
				}
				if fail {
					service = serviceInternal
				}
				w := want{msg: c.debug}
				switch {
				case live:
					w.lines = 1
				case fail:
					w.lines, w.buffered = 1, true
				}
				mu.Lock()
				wants[id] = w
				mu.Unlock()
				r := c.do(e, withToken(id, tok), service)
				if (r.err != nil) != fail {
					errs <- fmt.Errorf("%s: error %v, want failure %v", id, r.err, fail)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	got := map[string][]map[string]any{}
	for _, l := range logLines(t, e.logs.Bytes()) {
		if l["level"] == "DEBUG" {
			id, _ := l[correlation.DefaultLogKey].(string)
			got[id] = append(got[id], l)
		}
	}
	for id, w := range wants {
		lines := got[id]
		if !assert.Len(t, lines, w.lines, id) || w.lines == 0 {
			continue
		}
		assert.Equal(t, w.msg, lines[0]["msg"], id)
		if w.buffered {
			assert.Equal(t, true, lines[0]["debug_buffered"], id)
		} else {
			assert.NotContains(t, lines[0], "debug_buffered", id)
		}
		delete(got, id)
	}
	assert.Empty(t, got, "debug lines of no call")
	total := uint64(workers * perG)
	assert.Equal(t, total, st.Decisions(debugsample.Live)+st.Decisions(debugsample.Buffered))
	assert.Equal(t, st.Buffered(), st.Flushed()+st.Discarded())
}

// TestNoDebugSample checks that without WithDebugSample the handler's
// context carries no decision and debug lines stay off, even with a valid
// token.
func TestNoDebugSample(t *testing.T) {
	for _, c := range serviceCalls {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, envConfig{debugLog: true})
			r := c.do(e, withToken("call", mintToken(t, "*")), "")
			require.NoError(t, r.err)
			assert.Empty(t, r.seen(trailerDebug))
			assert.Empty(t, linesWith(t, e.logs.Bytes(), c.debug))
		})
	}
}

// TestDebugRequestView checks, with fabricated calls, the request a
// decision hook sees: the metadata under canonical header names, without
// pseudo-headers and binary keys, the :authority as Host, and the address
// of each call's own peer.
func TestDebugRequestView(t *testing.T) {
	var got []*http.Request
	hook := func(r *http.Request, _ debugsample.Decision) { got = append(got, r) }
	unary := grpcdiag.UnaryServerInterceptor(grpcdiag.WithDebugSample(debugsample.WithDecisionHook(hook)))
	md := metadata.MD{
		":authority":    {"svc.example:443"},
		"x-tenant":      {"acme", "beta"},
		"user-agent":    {"grpc-go/1.84.0"},
		"x-debug-token": {"v1.not-a-token"},
		"baggage":       {"tenant=acme"},
		"custom_key":    {"1"},
		"1st":           {"2"},
		"trace-bin":     {"\x00\x01"},
	}
	peers := []net.Addr{tcpAddr("10.1.2.3:5000"), tcpAddr("[fd00::1]:6000"), tcpAddr("10.1.2.3:5000"), fakeAddr("10.9.9.9:1"), nil}
	for _, p := range peers {
		ctx := metadata.NewIncomingContext(context.Background(), md)
		if p != nil {
			ctx = peer.NewContext(ctx, &peer.Peer{Addr: p})
		}
		callUnary(t, unary, ctx)
	}
	require.Len(t, got, len(peers))
	for i, r := range got {
		want := ""
		if peers[i] != nil {
			want = peers[i].String()
		}
		assert.Equal(t, want, r.RemoteAddr)
		assert.Equal(t, "POST", r.Method)
		assert.Equal(t, "/grpc.health.v1.Health/Check", r.URL.Path)
		assert.Equal(t, "/grpc.health.v1.Health/Check", r.RequestURI)
		assert.Equal(t, "svc.example:443", r.Host)
		assert.Equal(t, http.Header{
			"X-Tenant":      {"acme", "beta"},
			"User-Agent":    {"grpc-go/1.84.0"},
			"X-Debug-Token": {"v1.not-a-token"},
			"Baggage":       {"tenant=acme"},
			"Custom_key":    {"1"},
			"1st":           {"2"},
		}, r.Header)
	}
	assert.Len(t, md, 8, "the incoming metadata is left as it was")
}
