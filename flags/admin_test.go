package flags

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// adminFixture is a Set with known keys, a fake clock and a log recorder,
// served by an admin handler that approves requests carrying the header
// "Authorization: Bearer ok".
type adminFixture struct {
	set     *Set
	handler http.Handler
	clock   *fakeClock
	logs    *logRecorder
	debug   *Key[bool]
	rate    *Key[float64]
}

func newAdminFixture(t testing.TB, opts ...AdminOption) *adminFixture {
	t.Helper()
	f := &adminFixture{
		clock: newFakeClock(),
		logs:  new(logRecorder),
		debug: Bool("t.admin.debug", false),
		rate:  Float("t.admin.rate", 0.01),
	}
	f.set = NewSet(WithClock(f.clock.Now), WithLogger(f.logs.logger()), WithKeys(f.debug, f.rate),
		WithMaxTTL(time.Hour), WithProvider(Static(map[string]any{"t.admin.static-only": "x"})))
	f.handler = NewAdminHandler(f.set, func(r *http.Request) bool {
		return r.Header.Get("Authorization") == "Bearer ok"
	}, opts...)
	return f
}

// do sends an authorized request (unless auth is false) and returns the
// response.
func (f *adminFixture) do(method, target, body string, auth bool) *httptest.ResponseRecorder {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	r.RemoteAddr = "192.0.2.10:40000"
	r.Header.Set("X-Forwarded-For", "203.0.113.99")
	if auth {
		r.Header.Set("Authorization", "Bearer ok")
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	return w
}

func errorOf(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), "body %q", w.Body.String())
	return body.Error
}

func TestAdminRefusesUnauthorized(t *testing.T) {
	f := newAdminFixture(t)
	valid := `{"name":"t.admin.debug","value":true,"ttl":"10m"}`
	for _, method := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"} {
		t.Run(method, func(t *testing.T) {
			w := f.do(method, "/flags?name=t.admin.debug", valid, false)
			assert.Equal(t, http.StatusForbidden, w.Code)
			assert.Empty(t, w.Body.String(), "no detail")
		})
	}
	assert.False(t, f.debug.Get(context.Background(), f.set), "nothing was set")
	st := f.set.Stats()
	assert.Equal(t, uint64(9), st.AdminRefused)
	assert.Zero(t, st.OverridesSet)
	assert.Empty(t, f.logs.raw())

	assert.Panics(t, func() { NewAdminHandler(f.set, nil) })
	assert.Panics(t, func() { NewAdminHandler(nil, func(*http.Request) bool { return true }) })
}

func TestAdminSetListClear(t *testing.T) {
	f := newAdminFixture(t)
	ctx := context.Background()

	w := f.do("POST", "/flags", `{"name":"t.admin.debug","value":true,"ttl":"10m"}`, true)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	expires := f.clock.Now().Add(10 * time.Minute)
	var got FlagValue
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, FlagValue{Name: "t.admin.debug", Value: true, Source: SourceOverride, Expires: expires, By: "192.0.2.10"}, got)
	assert.True(t, f.debug.Get(ctx, f.set))

	w = f.do("PUT", "/flags", `{"ttl":"1h","value":0.5,"name":"t.admin.rate"}`, true)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, 0.5, f.rate.Get(ctx, f.set))

	w = f.do("GET", "/flags", "", true)
	require.Equal(t, http.StatusOK, w.Code)
	var list struct {
		Flags []map[string]any `json:"flags"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &list))
	require.Len(t, list.Flags, 3)
	assert.Equal(t, map[string]any{"name": "t.admin.debug", "value": true, "source": "override",
		"expires": expires.Format(time.RFC3339Nano), "by": "192.0.2.10"}, list.Flags[0])
	assert.Equal(t, map[string]any{"name": "t.admin.static-only", "value": "x", "source": "static"}, list.Flags[2])

	w = f.do("DELETE", "/flags?name=t.admin.debug", "", true)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	got = FlagValue{}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, FlagValue{Name: "t.admin.debug", Value: false, Source: SourceDefault}, got)
	assert.False(t, f.debug.Get(ctx, f.set))

	w = f.do("DELETE", "/flags?name=t.admin.debug", "", true)
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "no override for this flag", errorOf(t, w))

	w = f.do("PATCH", "/flags", "", true)
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "GET, HEAD, POST, PUT, DELETE", w.Header().Get("Allow"))
}

// TestAdminChangeLog checks the log line of every change: who (the peer
// address by default, never a header), what, old and new value, expiry.
func TestAdminChangeLog(t *testing.T) {
	f := newAdminFixture(t)
	require.Equal(t, http.StatusOK, f.do("POST", "/", `{"name":"t.admin.rate","value":0.25,"ttl":"15m"}`, true).Code)
	recs := f.logs.records(t, "flags: override set")
	require.Len(t, recs, 1)
	rec := recs[0]
	assert.Equal(t, "INFO", rec["level"])
	assert.Equal(t, "t.admin.rate", rec["flag"])
	assert.Equal(t, "192.0.2.10", rec["who"], "the peer address, not X-Forwarded-For")
	assert.Equal(t, "0.01", rec["old"])
	assert.Equal(t, "default", rec["old_source"])
	assert.Equal(t, "0.25", rec["new"])
	assert.Equal(t, f.clock.Now().Add(15*time.Minute).Format(time.RFC3339Nano), rec["expires"])

	f.clock.Advance(time.Minute)
	require.Equal(t, http.StatusOK, f.do("DELETE", "/?name=t.admin.rate", "", true).Code)
	recs = f.logs.records(t, "flags: override cleared")
	require.Len(t, recs, 1)
	assert.Equal(t, "192.0.2.10", recs[0]["who"])
	assert.Equal(t, "0.25", recs[0]["old"])
	assert.Equal(t, "0.01", recs[0]["new"])

	// WithWho names the caller; what it returns is escaped.
	g := newAdminFixture(t, WithWho(func(r *http.Request) string { return "ops:" + r.Header.Get("X-User") }))
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"name":"t.admin.debug","value":true,"ttl":"1m"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer ok")
	r.Header.Set("X-User", "mallory\u2028forged\x7f")
	w := httptest.NewRecorder()
	g.handler.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
	recs = g.logs.records(t, "flags: override set")
	require.Len(t, recs, 1)
	assert.Equal(t, `ops:mallory\u2028forged\u007f`, recs[0]["who"])
}

func TestAdminRejectsBadRequests(t *testing.T) {
	f := newAdminFixture(t, WithMaxBodySize(256))
	cases := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		status      int
	}{
		{name: "oversized_body", body: `{"name":"t.admin.debug","value":"` + strings.Repeat("a", 300) + `","ttl":"1m"}`, status: 413},
		{name: "no_content_type", contentType: "-", body: `{"name":"t.admin.debug","value":true,"ttl":"1m"}`, status: 415},
		{name: "form_content_type", contentType: "application/x-www-form-urlencoded", body: `{"name":"t.admin.debug","value":true,"ttl":"1m"}`, status: 415},
		{name: "empty_body", body: "", status: 400},
		{name: "truncated", body: `{"name":"t.admin.debug","value":tr`, status: 400},
		{name: "array", body: `[{"name":"t.admin.debug","value":true,"ttl":"1m"}]`, status: 400},
		{name: "two_objects", body: `{"name":"t.admin.debug","value":true,"ttl":"1m"}{}`, status: 400},
		{name: "trailing_garbage", body: `{"name":"t.admin.debug","value":true,"ttl":"1m"} x`, status: 400},
		{name: "unknown_field", body: `{"name":"t.admin.debug","value":true,"ttl":"1m","who":"root"}`, status: 400},
		{name: "field_twice", body: `{"name":"t.admin.rate","name":"t.admin.debug","value":true,"ttl":"1m"}`, status: 400},
		{name: "field_case", body: `{"Name":"t.admin.debug","value":true,"ttl":"1m"}`, status: 400},
		{name: "missing_name", body: `{"value":true,"ttl":"1m"}`, status: 400},
		{name: "missing_value", body: `{"name":"t.admin.debug","ttl":"1m"}`, status: 400},
		{name: "null_value", body: `{"name":"t.admin.debug","value":null,"ttl":"1m"}`, status: 400},
		{name: "missing_ttl", body: `{"name":"t.admin.debug","value":true}`, status: 400},
		{name: "ttl_number", body: `{"name":"t.admin.debug","value":true,"ttl":600}`, status: 400},
		{name: "ttl_garbage", body: `{"name":"t.admin.debug","value":true,"ttl":"soon"}`, status: 400},
		{name: "ttl_zero", body: `{"name":"t.admin.debug","value":true,"ttl":"0s"}`, status: 400},
		{name: "ttl_negative", body: `{"name":"t.admin.debug","value":true,"ttl":"-1m"}`, status: 400},
		{name: "ttl_above_max", body: `{"name":"t.admin.debug","value":true,"ttl":"1h0m1s"}`, status: 400},
		{name: "name_number", body: `{"name":7,"value":true,"ttl":"1m"}`, status: 400},
		{name: "name_crlf", body: `{"name":"t.admin.debug\r\nX: y","value":true,"ttl":"1m"}`, status: 400},
		{name: "name_nul", body: `{"name":"t.admin.debug\u0000","value":true,"ttl":"1m"}`, status: 400},
		{name: "name_invalid_utf8", body: "{\"name\":\"t.admin.\xff\",\"value\":true,\"ttl\":\"1m\"}", status: 400},
		{name: "name_too_long", body: `{"name":"` + strings.Repeat("a", 129) + `","value":true,"ttl":"1m"}`, status: 400},
		{name: "value_crlf", body: `{"name":"t.admin.static-only","value":"a\r\nb","ttl":"1m"}`, status: 400},
		{name: "value_escape_seq", body: `{"name":"t.admin.static-only","value":"\u001b[31mred","ttl":"1m"}`, status: 400},
		{name: "value_bidi", body: `{"name":"t.admin.static-only","value":"\u202egnp.exe","ttl":"1m"}`, status: 400},
		{name: "value_invalid_utf8", body: "{\"name\":\"t.admin.static-only\",\"value\":\"\xc3\x28\",\"ttl\":\"1m\"}", status: 400},
		{name: "value_key_crlf", body: `{"name":"t.admin.static-only","value":{"a\nb":1},"ttl":"1m"}`, status: 400},
		{name: "value_wrong_type", body: `{"name":"t.admin.debug","value":"yes","ttl":"1m"}`, status: 400},
		{name: "value_wrong_type_number", body: `{"name":"t.admin.debug","value":1,"ttl":"1m"}`, status: 400},
		{name: "unknown_flag", body: `{"name":"t.admin.typo","value":true,"ttl":"1m"}`, status: 404},
		{name: "delete_no_name", method: "DELETE", target: "/", status: 400},
		{name: "delete_two_names", method: "DELETE", target: "/?name=t.admin.debug&name=t.admin.rate", status: 400},
		{name: "delete_crlf_name", method: "DELETE", target: "/?name=t.admin.debug%0D%0AX:%20y", status: 400},
		{name: "delete_invalid_utf8", method: "DELETE", target: "/?name=%FF", status: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method, target := tc.method, tc.target
			if method == "" {
				method = "POST"
			}
			if target == "" {
				target = "/"
			}
			r := httptest.NewRequest(method, target, strings.NewReader(tc.body))
			r.Header.Set("Authorization", "Bearer ok")
			switch tc.contentType {
			case "":
				r.Header.Set("Content-Type", "application/json; charset=utf-8")
			case "-":
			default:
				r.Header.Set("Content-Type", tc.contentType)
			}
			w := httptest.NewRecorder()
			f.handler.ServeHTTP(w, r)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			msg := errorOf(t, w)
			assert.NotEmpty(t, msg)
			assert.True(t, printableText(msg))
			for _, echo := range []string{"\r", "\n", "\x1b", "typo", "soon", "yes", "root"} {
				assert.NotContains(t, msg, echo, "the error never repeats the request")
			}
		})
	}
	st := f.set.Stats()
	assert.Zero(t, st.OverridesSet)
	assert.Equal(t, uint64(len(cases)), st.AdminRejected)
	assert.Empty(t, f.logs.records(t, "flags: override set"))
	assert.False(t, f.debug.Get(context.Background(), f.set))
}

func TestAdminUnknownFlagPolicy(t *testing.T) {
	body := `{"name":"t.admin.later","value":{"any":"json"},"ttl":"1m"}`

	strict := newAdminFixture(t)
	assert.Equal(t, http.StatusNotFound, strict.do("POST", "/", body, true).Code)
	assert.Equal(t, "unknown flag", errorOf(t, strict.do("POST", "/", body, true)))
	// Names of provider values are known.
	assert.Equal(t, http.StatusOK, strict.do("POST", "/", `{"name":"t.admin.static-only","value":"y","ttl":"1m"}`, true).Code)
	// A key read once is known.
	Bool("t.admin.later", false).Get(context.Background(), strict.set)
	assert.Equal(t, http.StatusBadRequest, strict.do("POST", "/", body, true).Code, "known now, and it is a bool")

	open := newAdminFixture(t, WithUnknownFlags(true))
	w := open.do("POST", "/", body, true)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	f, ok := open.set.Snapshot().Get("t.admin.later")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"any": "json"}, f.Value)
}

func TestAdminTooManyOverrides(t *testing.T) {
	f := newAdminFixture(t, WithUnknownFlags(true))
	f.set.maxOverrides = 1
	require.Equal(t, http.StatusOK, f.do("POST", "/", `{"name":"a","value":1,"ttl":"1m"}`, true).Code)
	w := f.do("POST", "/", `{"name":"b","value":1,"ttl":"1m"}`, true)
	assert.Equal(t, http.StatusConflict, w.Code)
	w = f.do("POST", "/", `{"name":"a","value":"`+strings.Repeat("x", DefaultMaxValueSize)+`","ttl":"1m"}`, true)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, "value too large", errorOf(t, w))
}

func TestPeerAddress(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.1:80": "192.0.2.1", "[2001:db8::1]:443": "2001:db8::1", "2001:db8::2": "2001:db8::2",
		"@": "unknown", "": "unknown", "evil\r\n:1": "unknown",
	} {
		assert.Equal(t, want, peerAddress(&http.Request{RemoteAddr: addr}), "%q", addr)
	}
}
