package correlation

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// seen is what the handler behind the middleware observed.
type seen struct {
	id      string
	ok      bool
	headers http.Header // the request headers the handler saw
	logs    string      // what the handler logged through NewLogHandler
}

// serve sends req through the middleware built with opts and returns the
// response and what the handler saw.
func serve(t *testing.T, req *http.Request, opts ...Option) (*httptest.ResponseRecorder, seen) {
	t.Helper()
	var s seen
	var buf bytes.Buffer
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.id, s.ok = FromContext(r.Context())
		s.headers = r.Header
		logger.InfoContext(r.Context(), "handled", "path", r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	}), opts...)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	s.logs = buf.String()
	return rec, s
}

func TestMiddlewareAcceptsValidID(t *testing.T) {
	req := httptest.NewRequest("GET", "/orders", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	rec, s := serve(t, req)
	if !s.ok || s.id != "abc-123" {
		t.Fatalf("handler saw ID %q, %v; want abc-123", s.id, s.ok)
	}
	if got := rec.Header().Values("X-Request-ID"); len(got) != 1 || got[0] != "abc-123" {
		t.Errorf("response header = %q, want [abc-123]", got)
	}
	if !strings.Contains(s.logs, `"correlation_id":"abc-123"`) {
		t.Errorf("log line lacks the ID: %s", s.logs)
	}
}

func TestMiddlewareGeneratesID(t *testing.T) {
	rec, s := serve(t, httptest.NewRequest("GET", "/", nil))
	if !s.ok || !ValidID(s.id) || len(s.id) != 36 {
		t.Fatalf("handler saw ID %q, %v; want a new UUID", s.id, s.ok)
	}
	if got := rec.Header().Get("X-Request-ID"); got != s.id {
		t.Errorf("response header = %q, want the context's %q", got, s.id)
	}
	if !strings.Contains(s.logs, `"correlation_id":"`+s.id+`"`) {
		t.Errorf("log line lacks the ID: %s", s.logs)
	}
}

// hostileIDs are incoming values that must never survive the middleware.
var hostileIDs = []struct {
	name   string
	values []string
}{
	{"empty", []string{""}},
	{"whitespace", []string{"   "}},
	{"500 KB", []string{strings.Repeat("A", 500<<10)}},
	{"CRLF header injection", []string{"abc\r\nSet-Cookie: session=evil"}},
	{"LF", []string{"abc\ninjected"}},
	{"NUL", []string{"abc\x00def"}},
	{"ESC terminal sequence", []string{"\x1b]0;owned\x07abc"}},
	{"tab", []string{"abc\tdef"}},
	{"U+202E right-to-left override", []string{"abc\u202efdp.exe"}},
	{"U+2028 line separator", []string{"abc\u2028def"}},
	{"invalid UTF-8", []string{"abc\xff\xfe\xfd"}},
	{"valid ID plus trailing garbage", []string{"0192a8c4-7e0b-7c1e-9d3f-3a2b1c0d9e8f<script>"}},
	{"valid ID repeated", []string{"abc-123", "abc-123"}},
	{"many repeated headers", repeat("id-", 1000)},
}

func repeat(prefix string, n int) []string {
	v := make([]string, n)
	for i := range v {
		v[i] = prefix + strings.Repeat("x", i%7+1)
	}
	return v
}

func TestMiddlewareReplacesHostileIDs(t *testing.T) {
	for _, tt := range hostileIDs {
		t.Run(tt.name, func(t *testing.T) {
			stats := new(Stats)
			req := httptest.NewRequest("POST", "/pay", strings.NewReader("body"))
			req.Header["X-Request-Id"] = append([]string(nil), tt.values...)
			req.Header.Set("X-Correlation-Id", "other-valid-id")
			rec, s := serve(t, req, WithStats(stats), WithAcceptHeaders("X-Correlation-ID"))

			if !s.ok || !ValidID(s.id) || len(s.id) != 36 {
				t.Fatalf("handler saw ID %q, %v; want a new UUID", truncate(s.id), s.ok)
			}
			if got := rec.Header().Values("X-Request-ID"); len(got) != 1 || got[0] != s.id {
				t.Errorf("response header = %q, want [%s]", got, s.id)
			}
			if got := s.headers["X-Request-Id"]; got != nil {
				t.Errorf("handler still sees the refused header: %q", got)
			}
			if got := s.headers["X-Correlation-Id"]; got != nil {
				t.Errorf("a refused main header must not fall through to another: handler sees %q", got)
			}
			if got := req.Header["X-Request-Id"]; len(got) != len(tt.values) {
				t.Error("the middleware modified the caller's request headers")
			}
			for _, v := range tt.values {
				if v == "" || strings.TrimSpace(v) == "" {
					continue
				}
				for name, vals := range rec.Header() {
					for _, got := range vals {
						if strings.Contains(got, v) {
							t.Errorf("response header %s echoes the hostile value", name)
						}
					}
				}
				if strings.Contains(s.logs, v) || strings.Contains(s.logs, jsonEscape(v)) {
					t.Errorf("log line contains the hostile value: %s", truncate(s.logs))
				}
				if s.id == v {
					t.Error("context holds the hostile value")
				}
			}
			if stats.Rejected() != 1 || stats.Generated() != 1 || stats.Accepted() != 0 {
				t.Errorf("stats = accepted %d generated %d rejected %d, want 0 1 1",
					stats.Accepted(), stats.Generated(), stats.Rejected())
			}
		})
	}
}

// jsonEscape returns v as slog's JSON handler would write it, without quotes.
func jsonEscape(v string) string {
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("", "k", v)
	s := buf.String()
	i := strings.Index(s, `"k":"`)
	return strings.TrimSuffix(strings.TrimSpace(s[i+5:]), `"}`)
}

func TestMiddlewareOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     []Option
		header   map[string]string
		remote   string
		wantID   string // "" means a new one must be made
		wantEcho string // response header name
	}{
		{name: "custom header", opts: []Option{WithHeader("X-Trace-Tag")},
			header: map[string]string{"X-Trace-Tag": "t-1"}, wantID: "t-1", wantEcho: "X-Trace-Tag"},
		{name: "default header ignored under custom header", opts: []Option{WithHeader("X-Trace-Tag")},
			header: map[string]string{"X-Request-ID": "r-1"}, wantEcho: "X-Trace-Tag"},
		{name: "accepted alternative name, echoed as main", opts: []Option{WithAcceptHeaders("X-Correlation-ID")},
			header: map[string]string{"X-Correlation-ID": "c-1"}, wantID: "c-1", wantEcho: "X-Request-ID"},
		{name: "main header wins over alternative", opts: []Option{WithAcceptHeaders("X-Correlation-ID")},
			header: map[string]string{"X-Correlation-ID": "c-1", "X-Request-ID": "r-1"}, wantID: "r-1", wantEcho: "X-Request-ID"},
		{name: "option order does not matter", opts: []Option{WithAcceptHeaders("X-Correlation-ID"), WithHeader("X-Trace-Tag")},
			header: map[string]string{"X-Correlation-ID": "c-1"}, wantID: "c-1", wantEcho: "X-Trace-Tag"},
		{name: "malformed header names ignored", opts: []Option{WithHeader("X Bad\r\n"), WithAcceptHeaders("", "a:b")},
			header: map[string]string{"X-Request-ID": "r-1"}, wantID: "r-1", wantEcho: "X-Request-ID"},
		{name: "trust off", opts: []Option{WithTrustIncoming(false)},
			header: map[string]string{"X-Request-ID": "r-1"}, wantEcho: "X-Request-ID"},
		{name: "trusted proxy", opts: []Option{WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))},
			header: map[string]string{"X-Request-ID": "r-1"}, remote: "10.1.2.3:5555", wantID: "r-1", wantEcho: "X-Request-ID"},
		{name: "trusted proxy, IPv4-mapped peer", opts: []Option{WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))},
			header: map[string]string{"X-Request-ID": "r-1"}, remote: "[::ffff:10.1.2.3]:5555", wantID: "r-1", wantEcho: "X-Request-ID"},
		{name: "untrusted peer", opts: []Option{WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))},
			header: map[string]string{"X-Request-ID": "r-1"}, remote: "192.0.2.7:5555", wantEcho: "X-Request-ID"},
		{name: "unparseable peer", opts: []Option{WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))},
			header: map[string]string{"X-Request-ID": "r-1"}, remote: "@unix", wantEcho: "X-Request-ID"},
		{name: "no valid prefix trusts nobody", opts: []Option{WithTrustedProxies(netip.Prefix{})},
			header: map[string]string{"X-Request-ID": "r-1"}, remote: "10.1.2.3:5555", wantEcho: "X-Request-ID"},
		{name: "no valid prefix still trusts nobody when trust is turned on after", opts: []Option{WithTrustedProxies(netip.Prefix{}), WithTrustIncoming(true)},
			header: map[string]string{"X-Request-ID": "r-1"}, remote: "10.1.2.3:5555", wantEcho: "X-Request-ID"},
		{name: "trust off wins over trusted proxy", opts: []Option{WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8")), WithTrustIncoming(false)},
			header: map[string]string{"X-Request-ID": "r-1"}, remote: "10.1.2.3:5555", wantEcho: "X-Request-ID"},
		{name: "IPv6 trusted proxy", opts: []Option{WithTrustedProxies(netip.MustParsePrefix("fd00::/8"))},
			header: map[string]string{"X-Request-ID": "r-1"}, remote: "[fd00::1]:443", wantID: "r-1", wantEcho: "X-Request-ID"},
		{name: "custom validator", opts: []Option{WithValidator(func(s string) bool { return strings.HasPrefix(s, "ok/") })},
			header: map[string]string{"X-Request-ID": "ok/1"}, wantID: "ok/1", wantEcho: "X-Request-ID"},
		{name: "custom validator cannot let control bytes in", opts: []Option{WithValidator(func(s string) bool { return true })},
			header: map[string]string{"X-Request-ID": "lax\tid"}, wantEcho: "X-Request-ID"},
		{name: "custom validator refuses", opts: []Option{WithValidator(func(s string) bool { return false })},
			header: map[string]string{"X-Request-ID": "r-1"}, wantEcho: "X-Request-ID"},
		{name: "custom generator", opts: []Option{WithGenerator(func() string { return "gen-1" })},
			wantID: "gen-1", wantEcho: "X-Request-ID"},
		{name: "nil options ignored", opts: []Option{nil, WithValidator(nil), WithGenerator(nil), WithStats(nil)},
			header: map[string]string{"X-Request-ID": "r-1"}, wantID: "r-1", wantEcho: "X-Request-ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if tt.remote != "" {
				req.RemoteAddr = tt.remote
			}
			rec, s := serve(t, req, tt.opts...)
			if tt.wantID != "" && s.id != tt.wantID {
				t.Errorf("ID = %q, want %q", s.id, tt.wantID)
			}
			if tt.wantID == "" {
				if len(s.id) != 36 {
					t.Errorf("ID = %q, want a new UUID", s.id)
				}
				for _, v := range tt.header {
					if s.id == v {
						t.Errorf("ID = %q, the refused incoming value", s.id)
					}
				}
			}
			if got := rec.Header().Get(tt.wantEcho); got != s.id {
				t.Errorf("response %s = %q, want %q", tt.wantEcho, got, s.id)
			}
		})
	}
}

func TestMiddlewareBadGeneratorFallsBack(t *testing.T) {
	for _, bad := range []string{"", "x\r\ny", "\x00", "é"} {
		rec, s := serve(t, httptest.NewRequest("GET", "/", nil), WithGenerator(func() string { return bad }))
		if len(s.id) != 36 || rec.Header().Get("X-Request-ID") != s.id {
			t.Errorf("generator returning %q: ID %q, header %q; want a UUID in both", bad, s.id, rec.Header().Get("X-Request-ID"))
		}
	}
}

func TestMiddlewareLeavesBodyAndWriterAlone(t *testing.T) {
	body := strings.Repeat("0123456789", 100_000)
	var got string
	var flushed bool
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(bytes.Buffer)
		_, _ = b.ReadFrom(r.Body)
		got = b.String()
		w.Header().Add("X-Request-ID", "extra") // a handler may add more
		_ = http.NewResponseController(w).Flush()
		flushed = true
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(body)))
	if got != body {
		t.Errorf("handler read %d bytes, want %d", len(got), len(body))
	}
	if !flushed || !rec.Flushed {
		t.Error("Flush did not reach the recorder through the middleware")
	}
	if v := rec.Header().Values("X-Request-ID"); len(v) != 2 || v[1] != "extra" || !ValidID(v[0]) {
		t.Errorf("response IDs = %q", v)
	}
}

func TestMiddlewareRealServer(t *testing.T) {
	stats := new(Stats)
	srv := httptest.NewServer(NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := FromContext(r.Context())
		_, _ = w.Write([]byte(id))
	}), WithStats(stats)))
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("X-Request-ID", "from-client-1")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b := new(bytes.Buffer)
	_, _ = b.ReadFrom(resp.Body)
	if b.String() != "from-client-1" || resp.Header.Get("X-Request-ID") != "from-client-1" {
		t.Errorf("body %q, header %q; want from-client-1 in both", b, resp.Header.Get("X-Request-ID"))
	}
	if stats.Accepted() != 1 {
		t.Errorf("accepted = %d, want 1", stats.Accepted())
	}
}

func TestMiddlewareConcurrent(t *testing.T) {
	stats := new(Stats)
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := FromContext(r.Context())
		if want := r.Header.Get("X-Request-ID"); want != "" && id != want {
			t.Errorf("request with %q saw %q", want, id)
		}
	}), WithStats(stats))
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				req := httptest.NewRequest("GET", "/", nil)
				switch i % 3 {
				case 0:
					req.Header.Set("X-Request-ID", "w"+string(rune('a'+w))+"-"+strings.Repeat("x", i%5+1))
				case 1:
					req.Header.Set("X-Request-ID", "bad\x00")
				}
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		}()
	}
	wg.Wait()
	total := uint64(workers * each)
	if got := stats.Accepted() + stats.Generated(); got != total {
		t.Errorf("accepted+generated = %d, want %d", got, total)
	}
	if stats.Rejected() == 0 || stats.Rejected() > stats.Generated() {
		t.Errorf("rejected = %d, generated = %d", stats.Rejected(), stats.Generated())
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{Generated: "generated", Accepted: "accepted", Rejected: "rejected"} {
		if o.String() != want {
			t.Errorf("%d.String() = %q, want %q", o, o.String(), want)
		}
	}
}
