package respwriter

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type recordingObserver struct {
	mu     sync.Mutex
	codes  []int
	body   bytes.Buffer
	writes int
}

func (o *recordingObserver) WroteHeader(code int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes = append(o.codes, code)
}

func (o *recordingObserver) Wrote(p []byte, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.body.Write(p[:n])
	o.writes++
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name    string
		handler func(http.ResponseWriter)
		want    int
		body    string
	}{
		{"implicit 200 on write", func(w http.ResponseWriter) { io.WriteString(w, "hi") }, 200, "hi"},
		{"explicit", func(w http.ResponseWriter) { w.WriteHeader(404) }, 404, ""},
		{"first final code wins", func(w http.ResponseWriter) { w.WriteHeader(503); w.WriteHeader(200) }, 503, ""},
		{"flush before write is 200", func(w http.ResponseWriter) { w.(http.Flusher).Flush() }, 200, ""},
		{"nothing written", func(http.ResponseWriter) {}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := &recordingObserver{}
			rec := httptest.NewRecorder()
			w := Wrap(rec, obs)
			tt.handler(w)
			ww := Of(w)
			if ww.Status() != tt.want {
				t.Errorf("Status() = %d, want %d", ww.Status(), tt.want)
			}
			if tt.want != 0 && (len(obs.codes) != 1 || obs.codes[0] != tt.want) {
				t.Errorf("observer saw codes %v, want [%d]", obs.codes, tt.want)
			}
			if obs.body.String() != tt.body || rec.Body.String() != tt.body || ww.Written() != int64(len(tt.body)) {
				t.Errorf("observer %q, client %q, Written %d; want %q", obs.body.String(), rec.Body.String(), ww.Written(), tt.body)
			}
		})
	}
}

// TestInformationalIsNotFinal uses a real server: httptest.ResponseRecorder
// takes a 1xx code for the final one.
func TestInformationalIsNotFinal(t *testing.T) {
	var status int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := Wrap(w, nil)
		ww.Header().Set("Link", "</a.css>; rel=preload")
		ww.WriteHeader(http.StatusEarlyHints)
		ww.WriteHeader(http.StatusCreated)
		io.WriteString(ww, "x")
		status = Of(ww).Status()
	}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if status != http.StatusCreated || resp.StatusCode != http.StatusCreated {
		t.Errorf("recorded %d, client got %d; want 201 for both", status, resp.StatusCode)
	}
}

func TestOfOtherWriter(t *testing.T) {
	if Of(httptest.NewRecorder()) != nil {
		t.Error("Of found a Writer in a plain recorder")
	}
}

// TestHTTP1KeepsInterfaces runs a real HTTP/1 server: Hijack, ReadFrom,
// Flush and ResponseController all work through the wrapper.
func TestHTTP1KeepsInterfaces(t *testing.T) {
	big := strings.Repeat("abcdefgh", 1<<15) // 256 KiB
	var obs recordingObserver
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := Wrap(w, nil)
		switch r.URL.Path {
		case "/hijack":
			h, ok := ww.(http.Hijacker)
			if !ok {
				t.Error("HTTP/1 wrapper lost http.Hijacker")
				return
			}
			conn, buf, err := h.Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
			buf.Flush()
			if !Of(ww).Hijacked() {
				t.Error("Hijacked() = false after Hijack")
			}
		case "/readfrom":
			if _, ok := ww.(io.ReaderFrom); !ok {
				t.Error("HTTP/1 wrapper lost io.ReaderFrom")
			}
			n, err := io.Copy(ww, strings.NewReader(big))
			if err != nil || n != int64(len(big)) || Of(ww).Written() != n {
				t.Errorf("io.Copy = %d, %v; Written %d", n, err, Of(ww).Written())
			}
		case "/observed-readfrom":
			ow := Wrap(w, &obs)
			n, err := ow.(io.ReaderFrom).ReadFrom(strings.NewReader(big))
			if err != nil || n != int64(len(big)) {
				t.Errorf("ReadFrom = %d, %v", n, err)
			}
		case "/controller":
			rc := http.NewResponseController(ww)
			if err := rc.SetWriteDeadline(time.Now().Add(time.Second)); err != nil {
				t.Errorf("ResponseController cannot reach the connection: %v", err)
			}
			io.WriteString(ww, "part1")
			if err := rc.Flush(); err != nil {
				t.Error(err)
			}
			io.WriteString(ww, "part2")
		}
	}))
	defer srv.Close()

	get := func(path string) string {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := get("/hijack"); got != "hijacked" {
		t.Errorf("hijack body %q", got)
	}
	if got := get("/readfrom"); got != big {
		t.Errorf("readfrom body has %d bytes, want %d", len(got), len(big))
	}
	if got := get("/observed-readfrom"); got != big || obs.body.String() != big {
		t.Errorf("observed readfrom: client %d bytes, observer %d, want %d", len(got), obs.body.Len(), len(big))
	}
	if got := get("/controller"); got != "part1part2" {
		t.Errorf("controller body %q", got)
	}
}

func TestHTTP2KeepsPusher(t *testing.T) {
	var gotPusher, gotHijacker bool
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := Wrap(w, nil)
		_, gotPusher = ww.(http.Pusher)
		_, gotHijacker = ww.(http.Hijacker)
		ww.(http.Flusher).Flush()
		io.WriteString(ww, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	client.Transport.(*http.Transport).ForceAttemptHTTP2 = true
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "HTTP/2.0" {
		t.Fatalf("served over %q, want HTTP/2.0", b)
	}
	if !gotPusher || gotHijacker {
		t.Errorf("HTTP/2 wrapper: Pusher %v (want true), Hijacker %v (want false)", gotPusher, gotHijacker)
	}
}

func TestUnwrap(t *testing.T) {
	rec := httptest.NewRecorder()
	w := Wrap(rec, nil)
	if u := w.(interface{ Unwrap() http.ResponseWriter }).Unwrap(); u != rec {
		t.Error("Unwrap does not return the wrapped writer")
	}
	// A second layer still reaches the recorder's Flush.
	w2 := Wrap(w, nil)
	if err := http.NewResponseController(w2).Flush(); err != nil || !rec.Flushed {
		t.Errorf("Flush through two layers: %v, flushed %v", err, rec.Flushed)
	}
}

func TestWriteErrorCountsOnlyWritten(t *testing.T) {
	w := Wrap(&shortWriter{rec: httptest.NewRecorder()}, nil)
	n, err := w.Write([]byte("hello"))
	if n != 2 || err == nil || Of(w).Written() != 2 {
		t.Errorf("Write = %d, %v; Written %d; want 2, error, 2", n, err, Of(w).Written())
	}
}

type shortWriter struct{ rec *httptest.ResponseRecorder }

func (s *shortWriter) Header() http.Header { return s.rec.Header() }
func (s *shortWriter) WriteHeader(c int)   { s.rec.WriteHeader(c) }
func (s *shortWriter) Write(p []byte) (int, error) {
	s.rec.Write(p[:2])
	return 2, io.ErrShortWrite
}

// Hijack on a writer whose connection refuses passes the error through.
func TestHijackErrorPassesThrough(t *testing.T) {
	w := Wrap(&hijackRefuser{httptest.NewRecorder()}, nil)
	if _, _, err := w.(http.Hijacker).Hijack(); err == nil || Of(w).Hijacked() {
		t.Error("Hijack error not passed through")
	}
}

type hijackRefuser struct{ *httptest.ResponseRecorder }

func (hijackRefuser) Hijack() (_ net.Conn, _ *bufio.ReadWriter, _ error) {
	return nil, nil, http.ErrNotSupported
}
func (h hijackRefuser) ReadFrom(r io.Reader) (int64, error) { return io.Copy(h.ResponseRecorder, r) }

func TestConcurrentWrappers(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				w := Wrap(httptest.NewRecorder(), &recordingObserver{})
				io.WriteString(w, "x")
			}
		}()
	}
	wg.Wait()
}
