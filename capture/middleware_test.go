package capture_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/flags"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// records is a sink for tests: it keeps what it is given.
type records struct {
	mu   sync.Mutex // guards recs
	recs []*capture.Record
}

func (s *records) Write(_ context.Context, rec *capture.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = append(s.recs, rec)
	return nil
}

func (s *records) all() []*capture.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*capture.Record(nil), s.recs...)
}

func (s *records) one(t *testing.T) *capture.Record {
	t.Helper()
	all := s.all()
	require.Len(t, all, 1, "records")
	return all[0]
}

// always captures every request.
var always = capture.WithPolicy(capture.Policy{Rate: 1, MaxPerSecond: 1e9})

// echo answers with the request's body and a JSON document of its own.
func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Set-Cookie", "session=s3cr3t-session-value")
	fmt.Fprintf(w, `{"got":%d,"access_token":"tok-9f8e7d6c5b4a","ok":true}`, len(body))
}

func TestCaptureRecord(t *testing.T) {
	var sink records
	h := correlation.NewHandler(capture.NewHandler(http.HandlerFunc(echo), &sink, always))
	body := `{"user":"ann","password":"hunter2-hunter2","items":[1,2]}`
	r := httptest.NewRequest("POST", "/login?next=%2Fhome&token=abcdef123456", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-sig-sig")
	r.Header.Set("X-Request-ID", "req-123")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, 200, w.Code)
	assert.Contains(t, w.Body.String(), "tok-9f8e7d6c5b4a", "the client gets the response unredacted")

	rec := sink.one(t)
	assert.Equal(t, capture.Schema, rec.Schema)
	assert.Equal(t, capture.KindHTTP, rec.Kind)
	assert.Len(t, rec.ID, 32)
	assert.Equal(t, capture.ReasonRate, rec.Reason)
	assert.Equal(t, "req-123", rec.CorrelationID)
	assert.Equal(t, "POST", rec.Request.Method)
	assert.Equal(t, "/login?next=%2Fhome&token=[REDACTED]", rec.Request.URL)
	assert.Equal(t, []string{"Bearer [REDACTED]"}, rec.Request.Header["Authorization"])
	assert.JSONEq(t, `{"user":"ann","password":"[REDACTED]","items":[1,2]}`, rec.Request.Body.String())
	assert.Equal(t, int64(len(body)), rec.Request.Body.Size)
	assert.False(t, rec.Request.Body.Truncated)
	assert.Equal(t, "application/json", rec.Request.Body.ContentType)
	assert.Equal(t, 200, rec.Response.Status)
	assert.Equal(t, "application/json", rec.Response.Body.ContentType)
	assert.JSONEq(t, fmt.Sprintf(`{"got":%d,"access_token":"[REDACTED]","ok":true}`, len(body)), rec.Response.Body.String())
	assert.NotContains(t, rec.Response.Header.Get("Set-Cookie"), "s3cr3t")

	line, err := capture.AppendRecord(nil, rec)
	require.NoError(t, err)
	for _, secret := range []string{"hunter2-hunter2", "eyJhbGciOiJIUzI1NiJ9", "abcdef123456", "tok-9f8e7d6c5b4a", "s3cr3t-session"} {
		assert.NotContains(t, string(line), secret)
	}
}

func TestNotSelectedPassesThrough(t *testing.T) {
	var sink records
	var seen *http.Request
	var seenBody io.ReadCloser
	h := capture.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, seenBody = r, r.Body
		w.WriteHeader(http.StatusTeapot)
	}), &sink)
	r := httptest.NewRequest("POST", "/", strings.NewReader("x"))
	body := r.Body
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Same(t, r, seen, "the handler gets the request itself")
	assert.Equal(t, body, seenBody, "and its body")
	assert.Equal(t, http.StatusTeapot, w.Code)
	assert.Empty(t, sink.all())
}

func TestDebugLiveRequestsAreCaptured(t *testing.T) {
	for _, tt := range []struct {
		name string
		mode debugsample.Mode
		opts []capture.Option
		want int
	}{
		{"live", debugsample.Live, nil, 1},
		{"buffered", debugsample.Buffered, nil, 0},
		{"off", debugsample.Off, nil, 0},
		{"live, turned off", debugsample.Live, []capture.Option{capture.WithDebugRequests(false)}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sink records
			h := capture.NewHandler(http.HandlerFunc(echo), &sink, tt.opts...)
			r := httptest.NewRequest("GET", "/", nil)
			r = r.WithContext(debugsample.NewContext(r.Context(), tt.mode))
			h.ServeHTTP(httptest.NewRecorder(), r)
			require.Len(t, sink.all(), tt.want)
			if tt.want > 0 {
				assert.Equal(t, capture.ReasonDebug, sink.all()[0].Reason)
			}
		})
	}
}

func TestOnFailure(t *testing.T) {
	fail := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), "boom") {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "upstream said no")
			return
		}
		io.WriteString(w, "fine")
	})
	var sink records
	var stats capture.Stats
	h := capture.NewHandler(fail, &sink, capture.WithPolicy(capture.Policy{OnFailure: true, MaxPerSecond: 1e9}), capture.WithStats(&stats))
	for i := range 50 { // the pooled buffers are reused between requests
		body := strings.Repeat(fmt.Sprint(i%10), 100+i)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/ok", strings.NewReader(body)))
	}
	require.Empty(t, sink.all(), "successful requests are not captured")

	r := httptest.NewRequest("POST", "/pay", strings.NewReader("boom"))
	r.Header.Set("Content-Type", "text/plain")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusBadGateway, w.Code)
	rec := sink.one(t)
	assert.Equal(t, capture.ReasonFailure, rec.Reason)
	assert.Equal(t, "boom", rec.Request.Body.String(), "no byte of an earlier request leaks into this one")
	assert.Equal(t, http.StatusBadGateway, rec.Response.Status)
	assert.Equal(t, "upstream said no", rec.Response.Body.String())
	assert.Equal(t, uint64(1), stats.Captured(capture.ReasonFailure))
}

func TestPanicIsCapturedThenRepanics(t *testing.T) {
	for _, onFailure := range []bool{false, true} {
		t.Run(fmt.Sprint("on_failure=", onFailure), func(t *testing.T) {
			var sink records
			pol := capture.Policy{Rate: 1, MaxPerSecond: 1e9}
			if onFailure {
				pol = capture.Policy{OnFailure: true, MaxPerSecond: 1e9}
			}
			h := capture.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				panic("nil map write; card 4111 1111 1111 1111")
			}), &sink, capture.WithPolicy(pol))
			r := httptest.NewRequest("GET", "/x", nil)
			require.PanicsWithValue(t, "nil map write; card 4111 1111 1111 1111", func() {
				h.ServeHTTP(httptest.NewRecorder(), r)
			})
			rec := sink.one(t)
			assert.Equal(t, 500, rec.Response.Status)
			assert.Contains(t, rec.Panic, "nil map write")
			assert.NotContains(t, rec.Panic, "4111 1111", "the panic text is redacted")
		})
	}
}

func TestBodyLimitAndTrueSize(t *testing.T) {
	var sink records
	h := capture.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, 300))
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, strings.Repeat("z", 5000))
		_ = n
	}), &sink, always, capture.WithBodyLimit(100))
	r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("a", 1000)))
	r.Header.Set("Content-Type", "text/plain")
	h.ServeHTTP(httptest.NewRecorder(), r)
	rec := sink.one(t)
	assert.Equal(t, int64(1000), rec.Request.Body.Size, "the Content-Length, though the handler read 300")
	assert.True(t, rec.Request.Body.Truncated)
	assert.LessOrEqual(t, len(rec.Request.Body.String()), 100)
	assert.Equal(t, int64(5000), rec.Response.Body.Size)
	assert.True(t, rec.Response.Body.Truncated)
	assert.LessOrEqual(t, len(rec.Response.Body.String()), 100)
}

func TestSinkFailuresNeverReachTheClient(t *testing.T) {
	for _, tt := range []struct {
		name string
		sink capture.Sink
	}{
		{"error", capture.SinkFunc(func(context.Context, *capture.Record) error { return errors.New("disk full") })},
		{"panic", capture.SinkFunc(func(context.Context, *capture.Record) error { panic("sink bug") })},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stats capture.Stats
			h := capture.NewHandler(http.HandlerFunc(echo), tt.sink, always, capture.WithStats(&stats), capture.WithLogger(discardLogger()))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader("abc")))
			assert.Equal(t, 200, w.Code)
			assert.Contains(t, w.Body.String(), `"got":3`)
			assert.Equal(t, uint64(1), stats.SinkErrors()+stats.SinkPanics())
		})
	}
}

func TestRateCap(t *testing.T) {
	var sink records
	var stats capture.Stats
	now := time.Unix(1700000000, 0)
	h := capture.NewHandler(http.HandlerFunc(echo), &sink,
		capture.WithPolicy(capture.Policy{Rate: 1, MaxPerSecond: 2}),
		capture.WithStats(&stats), capture.WithClock(func() time.Time { return now }))
	for range 5 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	assert.Len(t, sink.all(), 2, "a burst of MaxPerSecond")
	assert.Equal(t, uint64(3), stats.RateCapped())
	now = now.Add(time.Second)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	assert.Len(t, sink.all(), 3, "refilled after a second")
}

func TestPolicyFromFlags(t *testing.T) {
	set := flags.NewSet(flags.WithKeys(capture.FlagKeys()...))
	var sink records
	h := capture.NewHandler(http.HandlerFunc(echo), &sink, capture.WithFlags(set))
	get := func(path string) { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil)) }
	get("/checkout")
	require.Empty(t, sink.all(), "off by default")

	require.NoError(t, set.Override("capture.rules", `[{"pattern":"GET /checkout","rate":1}]`, time.Minute, "test"))
	get("/checkout")
	get("/other")
	recs := sink.all()
	require.Len(t, recs, 1, "only the route of the rule")
	assert.Equal(t, "/checkout", recs[0].Request.URL)
	require.NotEmpty(t, recs[0].Flags, "the flags in force are in the record")
	fv, ok := flags.Snapshot{Flags: recs[0].Flags}.Get("capture.rules")
	require.True(t, ok)
	assert.Equal(t, flags.SourceOverride, fv.Source)
}

func TestInvalidRulesAreCounted(t *testing.T) {
	var stats capture.Stats
	var sink records
	h := capture.NewHandler(http.HandlerFunc(echo), &sink, capture.WithStats(&stats), capture.WithLogger(discardLogger()),
		capture.WithPolicy(capture.Policy{Rules: []capture.Rule{{Pattern: "/{x", Rate: 1}, {Pattern: "/ok", Header: "Bad\r\nHeader"}, {Pattern: "/good", Rate: 1}}}))
	assert.Equal(t, uint64(2), stats.InvalidRules())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/good", nil))
	assert.Len(t, sink.all(), 1, "the valid rule still applies")
}

func TestHostileRequests(t *testing.T) {
	for _, tt := range []struct {
		name        string
		contentType string
		body        string
		header      [2]string
	}{
		{"invalid UTF-8 JSON", "application/json", "{\"a\":\"\xff\xfe\"}", [2]string{"X-A", "b"}},
		{"control characters", "text/plain", "line\x00one\r\nline\x1btwo", [2]string{"X-Ctl", "a\x01b"}},
		{"binary", "application/octet-stream", "\x00\x01\x02", [2]string{"X-Bin", "\x7f"}},
		{"malformed JSON", "application/json", `{"password": "hunter2hunter2", `, [2]string{"X-A", "b"}},
		{"huge header", "text/plain", "x", [2]string{"X-Big", strings.Repeat("v", 64<<10)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sink records
			h := capture.NewHandler(http.HandlerFunc(echo), &sink, always)
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.contentType)
			r.Header[tt.header[0]] = []string{tt.header[1]}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, 200, w.Code)
			rec := sink.one(t)
			line, err := capture.AppendRecord(nil, rec)
			require.NoError(t, err)
			back, err := capture.ReadRecords(strings.NewReader(string(line)))
			require.NoError(t, err, "the record is valid JSON whatever came in")
			require.Len(t, back, 1)
			assert.NotContains(t, string(line), "hunter2hunter2")
		})
	}
}

func TestConcurrentRequests(t *testing.T) {
	var sink records
	h := capture.NewHandler(http.HandlerFunc(echo), &sink, capture.WithPolicy(capture.Policy{Rate: 1, OnFailure: true, MaxPerSecond: 1e9}))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				body := fmt.Sprintf(`{"worker":%d,"n":%d}`, i, j)
				r := httptest.NewRequest("POST", "/", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
		}()
	}
	wg.Wait()
	recs := sink.all()
	require.Len(t, recs, 400)
	for _, rec := range recs {
		assert.Regexp(t, `^\{"worker":\d,"n":\d+\}$`, rec.Request.Body.String())
		assert.Contains(t, rec.Response.Body.String(), fmt.Sprintf(`"got":%d`, len(rec.Request.Body.String())))
	}
}

// TestThroughRealServer checks, over a real connection, what a wrapper
// most often breaks: Expect: 100-continue, MaxBytesReader, Flush through
// http.ResponseController, ReadFrom and Hijack.
func TestThroughRealServer(t *testing.T) {
	var sink records
	mux := http.NewServeMux()
	mux.HandleFunc("POST /expect", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized) // refuses without reading
	})
	mux.HandleFunc("POST /limited", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 10)
		if _, err := io.ReadAll(r.Body); err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
				return
			}
		}
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for i := range 3 {
			fmt.Fprintf(w, "chunk %d\n", i)
			if err := rc.Flush(); err != nil {
				t.Errorf("Flush through the wrapper: %v", err)
			}
		}
	})
	mux.HandleFunc("GET /readfrom", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(io.ReaderFrom); !ok {
			t.Error("the writer lost io.ReaderFrom")
		}
		io.Copy(w, strings.NewReader(strings.Repeat("r", 10000)))
	})
	mux.HandleFunc("GET /hijack", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack through the wrapper: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\nhello")
		brw.Flush()
	})
	srv := httptest.NewServer(capture.NewHandler(mux, &sink, always))
	defer srv.Close()

	t.Run("expect 100-continue", func(t *testing.T) {
		read := make(chan struct{}, 1)
		body := &watchedReader{r: strings.NewReader(strings.Repeat("b", 1<<20)), read: read}
		req, _ := http.NewRequest("POST", srv.URL+"/expect", body)
		req.ContentLength = 1 << 20
		req.Header.Set("Expect", "100-continue")
		tr := &http.Transport{ExpectContinueTimeout: 10 * time.Second}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		select {
		case <-read:
			t.Error("the body was sent: the middleware read it ahead of the handler")
		default:
		}
	})
	t.Run("MaxBytesReader", func(t *testing.T) {
		resp, err := http.Post(srv.URL+"/limited", "text/plain", strings.NewReader(strings.Repeat("x", 100)))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	})
	t.Run("Flush", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/stream")
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, "chunk 0\nchunk 1\nchunk 2\n", string(b))
	})
	t.Run("ReadFrom", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/readfrom")
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Len(t, b, 10000)
	})
	t.Run("Hijack", func(t *testing.T) {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		defer conn.Close()
		fmt.Fprintf(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	})

	byURL := map[string]*capture.Record{}
	require.Eventually(t, func() bool { return len(sink.all()) == 5 }, 5*time.Second, 10*time.Millisecond)
	for _, rec := range sink.all() {
		byURL[rec.Request.URL] = rec
	}
	assert.Equal(t, int64(1<<20), byURL["/expect"].Request.Body.Size, "the Content-Length")
	assert.True(t, byURL["/expect"].Request.Body.Truncated)
	assert.Empty(t, byURL["/expect"].Request.Body.String(), "nothing was read, nothing kept")
	limited := byURL["/limited"]
	assert.Equal(t, http.StatusRequestEntityTooLarge, limited.Response.Status)
	assert.Equal(t, int64(100), limited.Request.Body.Size, "the Content-Length, though MaxBytesReader stopped at 11")
	assert.True(t, limited.Request.Body.Truncated)
	assert.Equal(t, "chunk 0\nchunk 1\nchunk 2\n", byURL["/stream"].Response.Body.String())
	assert.Equal(t, int64(10000), byURL["/readfrom"].Response.Body.Size)
	assert.Contains(t, byURL["/hijack"].Error, "hijacked")
}

// watchedReader signals its first Read.
type watchedReader struct {
	r    io.Reader
	read chan struct{}
	once sync.Once
}

func (w *watchedReader) Read(p []byte) (int, error) {
	w.once.Do(func() { w.read <- struct{}{} })
	return w.r.Read(p)
}

func TestTruncatedUpload(t *testing.T) {
	var sink records
	srv := httptest.NewServer(capture.NewHandler(http.HandlerFunc(echo), &sink, always))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly-fifty-bytes-of-the-hundred-promised-xxxxxxxxx")
	conn.(*net.TCPConn).CloseWrite()
	io.Copy(io.Discard, conn)
	conn.Close()
	require.Eventually(t, func() bool { return len(sink.all()) == 1 }, 5*time.Second, 10*time.Millisecond)
	rec := sink.all()[0]
	assert.Equal(t, int64(100), rec.Request.Body.Size)
	assert.True(t, rec.Request.Body.Truncated)
	assert.Contains(t, rec.Error, "reading the request body")
}

func TestStreamingHashes(t *testing.T) {
	// The big version of this test, 1 GiB each way, is TestGigabyte.
	testStreaming(t, 8<<20)
}

func testStreaming(t *testing.T, size int64) {
	var sink records
	var inSum [32]byte
	h := capture.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hash := sha256.New()
		io.Copy(hash, r.Body)
		copy(inSum[:], hash.Sum(nil))
		w.Header().Set("Content-Type", "application/octet-stream")
		io.Copy(w, io.LimitReader(pattern{}, size))
	}), &sink, capture.WithPolicy(capture.Policy{Rate: 1, OnFailure: true, MaxPerSecond: 1e9}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/octet-stream", io.LimitReader(pattern{}, size))
	require.NoError(t, err)
	hash := sha256.New()
	n, err := io.Copy(hash, resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, size, n)
	want := sha256.New()
	io.Copy(want, io.LimitReader(pattern{}, size))
	assert.Equal(t, want.Sum(nil), inSum[:], "the handler read every byte")
	assert.Equal(t, want.Sum(nil), hash.Sum(nil), "the client got every byte")
	require.Eventually(t, func() bool { return len(sink.all()) == 1 }, 5*time.Second, 10*time.Millisecond)
	rec := sink.all()[0]
	assert.Equal(t, size, rec.Request.Body.Size)
	assert.Equal(t, size, rec.Response.Body.Size)
	assert.True(t, rec.Request.Body.Omitted, "binary is omitted by default")
}

// pattern is an endless reader of a byte pattern that does not compress.
type pattern struct{}

func (pattern) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	return len(p), nil
}

// TestRecordsToFile is the path a service takes: the middleware, an
// AsyncSink over a FileSink, Close, and the file read back with each
// record's environment.
func TestRecordsToFile(t *testing.T) {
	set := flags.NewSet(flags.WithKeys(capture.FlagKeys()...), flags.WithLogger(discardLogger()))
	require.NoError(t, set.Override("capture.rate", 1.0, time.Minute, "test"))
	path := t.TempDir() + "/captures.jsonl"
	file, err := capture.NewFileSink(path, nil)
	require.NoError(t, err)
	sink := capture.NewAsyncSink(file, nil)
	h := capture.NewHandler(http.HandlerFunc(echo), sink, capture.WithFlags(set))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/a", strings.NewReader("1")))
	require.NoError(t, set.Override("capture.on_failure", true, time.Minute, "test"))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/b", strings.NewReader("2")))
	require.NoError(t, sink.Close(context.Background()))

	recs, err := capture.ReadFile(path)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	for _, rec := range recs {
		require.NotNil(t, rec.Env, "the file holds the snapshot of every record")
		assert.Equal(t, rec.EnvID, rec.Env.ID)
	}
	assert.NotEqual(t, recs[0].EnvID, recs[1].EnvID, "a flag changed between the two: another environment")
	diff := capture.DiffEnv(recs[0].Env, recs[1].Env)
	assert.Contains(t, diff.String(), "capture.on_failure")
}

// TestBlockedSinkNeverHoldsARequest: behind an AsyncSink, a sink that
// blocks (a hung disk, a stuck Collector) costs the requests nothing: the
// queue fills, then records are dropped and counted.
func TestBlockedSinkNeverHoldsARequest(t *testing.T) {
	release := make(chan struct{})
	blocked := capture.SinkFunc(func(ctx context.Context, _ *capture.Record) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	async := capture.NewAsyncSink(blocked, &capture.AsyncOptions{MaxRecords: 4})
	var stats capture.Stats
	h := capture.NewHandler(http.HandlerFunc(echo), async, always, capture.WithStats(&stats))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader("x")))
			if w.Code != 200 || !strings.Contains(w.Body.String(), `"got":1`) {
				t.Errorf("response changed: %d %s", w.Code, w.Body)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("requests waited for the blocked sink")
	}
	assert.Equal(t, uint64(50), stats.CapturedTotal())
	assert.GreaterOrEqual(t, stats.SinkErrors(), uint64(50-4-1), "the records the queue could not take are counted")
	close(release)
	require.NoError(t, async.Close(context.Background()))
}

// TestJSONBodiesAreEmbedded: a whole JSON body is stored as JSON in the
// record, so jq reads into it; a body that would break the line (a line
// break between tokens) or is not UTF-8 or was cut is stored as text.
func TestJSONBodiesAreEmbedded(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		asJSON     bool
	}{
		{"compact", `{"a":1,"password":"hunter2-hunter2","b":[true,null]}`, true},
		{"spaces kept", `{ "a" : 1 }`, true},
		{"pretty", "{\n  \"a\": 1\n}", false},
		{"CR", "{\"a\":1}\r", false},
		{"not UTF-8", "{\"a\":\"\xff\"}", false},
		{"cut", `{"a":"` + strings.Repeat("x", 200) + `"}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sink records
			h := capture.NewHandler(http.HandlerFunc(echo), &sink, always, capture.WithBodyLimit(128))
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/json")
			h.ServeHTTP(httptest.NewRecorder(), r)
			b := sink.one(t).Request.Body
			assert.Equal(t, tt.asJSON, len(b.JSON) > 0, "stored as JSON")
			assert.NotContains(t, b.String(), "hunter2")
			line, err := capture.AppendRecord(nil, sink.one(t))
			require.NoError(t, err)
			assert.Equal(t, 1, strings.Count(string(line), "\n"), "one line")
			back, err := capture.ReadRecords(strings.NewReader(string(line)))
			require.NoError(t, err)
			assert.Equal(t, b.String(), back[0].Request.Body.String())
			if tt.asJSON {
				assert.Contains(t, string(line), `"json":`+b.String())
			}
		})
	}
}
