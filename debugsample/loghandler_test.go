package debugsample

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// begin returns the context and Run of a request decided m by s.
func begin(s *Sampler, m Mode) (context.Context, *Run) {
	return s.Begin(bg, Decision{Mode: m})
}

func TestLogHandlerModes(t *testing.T) {
	s := NewSampler()
	tests := []struct {
		name string
		ctx  context.Context
		want []string // messages written
	}{
		{"no decision", bg, []string{"info"}},
		{"nil context", nil, []string{"info"}},
		{"off", func() context.Context { c, _ := begin(s, Off); return c }(), []string{"info"}},
		{"live", func() context.Context { c, _ := begin(s, Live); return c }(), []string{"debug", "info"}},
		{"buffered, running", func() context.Context { c, _ := begin(s, Buffered); return c }(), []string{"info"}},
		{"live by hand", NewContext(bg, Live), []string{"debug", "info"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out capture
			logger := slog.New(NewLogHandler(out.handler())) // next at Info, as in production
			logger.Log(tt.ctx, slog.LevelDebug, "debug")
			logger.Log(tt.ctx, slog.LevelInfo, "info")
			if got := out.msgs(t); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("written %v, want %v", got, tt.want)
			}
		})
	}
}

func TestThreshold(t *testing.T) {
	var out capture
	h := NewLogHandler(out.handler(), WithThreshold(slog.LevelWarn))
	ctx, _ := begin(NewSampler(), Off)
	if h.Enabled(ctx, slog.LevelInfo) {
		t.Error("Info enabled on an off request with the threshold at Warn")
	}
	if !h.Enabled(ctx, slog.LevelWarn) {
		t.Error("Warn disabled")
	}
}

// record makes a record at a chosen time.
func record(at time.Time, level slog.Level, msg string, args ...any) slog.Record {
	r := slog.NewRecord(at, level, msg, 0)
	r.Add(args...)
	return r
}

func TestBufferedFlushOnFailure(t *testing.T) {
	var out capture
	h := NewLogHandler(out.timedHandler())
	s := NewSampler()
	ctx, run := begin(s, Buffered)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if err := h.Handle(ctx, record(t0.Add(time.Duration(i)*time.Second), slog.LevelDebug, fmt.Sprintf("step %d", i), "i", i)); err != nil {
			t.Fatal(err)
		}
	}
	_ = h.Handle(ctx, record(t0.Add(5*time.Second), slog.LevelError, "failed"))
	if got := out.msgs(t); len(got) != 1 || got[0] != "failed" {
		t.Fatalf("before the end: %v; want only the error", got)
	}
	if !run.Finish(httptest.NewRequest("GET", "/", nil), 500, false) {
		t.Fatal("500 not a failure")
	}
	lines := out.lines(t)
	if len(lines) != 4 {
		t.Fatalf("%d lines: %s", len(lines), out.String())
	}
	for i, l := range lines[1:] {
		if l["msg"] != fmt.Sprintf("step %d", i) || l["i"] != float64(i) || l[BufferedKey] != true || l["level"] != "DEBUG" {
			t.Errorf("line %d: %v", i, l)
		}
		if want := t0.Add(time.Duration(i) * time.Second).Format(time.RFC3339); !strings.HasPrefix(l["time"].(string), want[:19]) {
			t.Errorf("line %d time %v, want the time of the call %s", i, l["time"], want)
		}
	}
	st := s.Stats()
	if st.Buffered() != 3 || st.Flushed() != 3 || st.Flushes() != 1 || st.Discarded() != 0 {
		t.Errorf("stats buffered %d flushed %d flushes %d discarded %d", st.Buffered(), st.Flushed(), st.Flushes(), st.Discarded())
	}
}

func TestBufferedDiscardOnSuccess(t *testing.T) {
	var out capture
	logger := slog.New(NewLogHandler(out.handler()))
	s := NewSampler()
	ctx, run := begin(s, Buffered)
	logger.DebugContext(ctx, "a")
	logger.DebugContext(ctx, "b")
	logger.InfoContext(ctx, "done")
	if run.Finish(httptest.NewRequest("GET", "/", nil), 200, false) {
		t.Fatal("200 counted as a failure")
	}
	if got := out.msgs(t); len(got) != 1 || got[0] != "done" {
		t.Errorf("written %v, want only the info line", got)
	}
	if s.Stats().Discarded() != 2 {
		t.Errorf("Discarded = %d, want 2", s.Stats().Discarded())
	}
	// Finish again changes nothing.
	if run.Finish(httptest.NewRequest("GET", "/", nil), 500, false); len(out.msgs(t)) != 1 {
		t.Error("a second Finish flushed")
	}
}

func TestBufferOverflow(t *testing.T) {
	tests := []struct {
		name     string
		records  int
		bytes    int
		log      int
		size     int // message length
		kept     int
		dropped  int
		firstMsg string
	}{
		{"by count", 3, 0, 5, 4, 3, 2, "m002"},
		{"by bytes", 0, 3 * 90, 5, 36, 3, 2, "m002"},
		{"one record too big", 0, 100, 1, 200, 0, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out capture
			h := NewLogHandler(out.timedHandler())
			s := NewSampler(WithBufferLimits(tt.records, tt.bytes))
			ctx, run := begin(s, Buffered)
			t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
			for i := 0; i < tt.log; i++ {
				msg := fmt.Sprintf("m%03d", i) + strings.Repeat("x", tt.size-4)
				_ = h.Handle(ctx, record(t0.Add(time.Duration(i)*time.Second), slog.LevelDebug, msg))
			}
			run.Finish(nil, 500, false)
			lines := out.lines(t)
			if len(lines) != tt.kept+1 {
				t.Fatalf("%d lines, want %d kept and a notice: %s", len(lines), tt.kept, out.String())
			}
			if lines[0][DroppedKey] != float64(tt.dropped) || lines[0][BufferedKey] != true {
				t.Errorf("notice %v, want %s=%d", lines[0], DroppedKey, tt.dropped)
			}
			if tt.kept > 0 && !strings.HasPrefix(lines[1]["msg"].(string), tt.firstMsg) {
				t.Errorf("first kept %v, want %s: the oldest go first", lines[1]["msg"], tt.firstMsg)
			}
			if s.Stats().Dropped() != uint64(tt.dropped) {
				t.Errorf("Dropped = %d, want %d", s.Stats().Dropped(), tt.dropped)
			}
		})
	}
}

// TestExplicitFlushThenFailure: Flush writes what is kept; a failure after
// it writes only what came later. Nothing is written twice.
func TestExplicitFlushThenFailure(t *testing.T) {
	var out capture
	logger := slog.New(NewLogHandler(out.handler()))
	s := NewSampler()
	ctx, run := begin(s, Buffered)
	logger.DebugContext(ctx, "one")
	logger.DebugContext(ctx, "two")
	if n := Flush(ctx); n != 2 {
		t.Errorf("Flush wrote %d, want 2", n)
	}
	if n := Flush(ctx); n != 0 {
		t.Errorf("second Flush wrote %d, want 0", n)
	}
	logger.DebugContext(ctx, "three")
	run.Finish(nil, 503, false)
	if n := Flush(ctx); n != 0 {
		t.Errorf("Flush after the end wrote %d", n)
	}
	if got := strings.Join(out.msgs(t), ","); got != "one,two,three" {
		t.Errorf("written %s, want one,two,three", got)
	}
	if Flush(bg) != 0 || Flush(NewContext(bg, Live)) != 0 {
		t.Error("Flush on a context that is not buffered wrote something")
	}
}

// TestLateRecords: records logged on a request's context after it ended
// are written or dropped, never kept.
func TestLateRecords(t *testing.T) {
	tests := []struct {
		name    string
		mode    Mode
		status  int
		enabled bool
		written bool
	}{
		{"live", Live, 200, true, true},
		{"buffered failed", Buffered, 500, true, true},
		{"buffered succeeded", Buffered, 200, false, false},
		{"off", Off, 500, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out capture
			h := NewLogHandler(out.handler())
			s := NewSampler()
			ctx, run := begin(s, tt.mode)
			run.Finish(nil, tt.status, false)
			if got := h.Enabled(ctx, slog.LevelDebug); got != tt.enabled {
				t.Errorf("Enabled after the end = %v, want %v", got, tt.enabled)
			}
			_ = h.Handle(ctx, record(time.Now(), slog.LevelDebug, "late"))
			if got := strings.Contains(out.String(), "late"); got != tt.written {
				t.Errorf("late record written = %v, want %v", got, tt.written)
			}
			if tt.mode == Buffered && !tt.written && s.Stats().Discarded() != 1 {
				t.Errorf("Discarded = %d, want the late record counted", s.Stats().Discarded())
			}
		})
	}
}

type lazy struct{ v *int }

func (l lazy) LogValue() slog.Value { return slog.IntValue(*l.v) }

// TestBufferedValuesAtCallTime: a LogValuer is resolved when the record is
// buffered, not when it is flushed, and records with many attributes keep
// all of them.
func TestBufferedValuesAtCallTime(t *testing.T) {
	var out capture
	logger := slog.New(NewLogHandler(out.handler()))
	ctx, run := begin(NewSampler(), Buffered)
	n := 1
	logger.DebugContext(ctx, "lazy", "n", lazy{&n}, slog.Group("g", "m", lazy{&n}))
	logger.DebugContext(ctx, "many", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6, "g", 7, "h", 8)
	n = 2
	run.Finish(nil, 500, false)
	lines := out.lines(t)
	if len(lines) != 2 {
		t.Fatal(out.String())
	}
	if lines[0]["n"] != float64(1) || lines[0]["g"].(map[string]any)["m"] != float64(1) {
		t.Errorf("LogValuer resolved at flush time: %v", lines[0])
	}
	if lines[1]["h"] != float64(8) || lines[1]["a"] != float64(1) || lines[1][BufferedKey] != true {
		t.Errorf("many attributes: %v", lines[1])
	}
}

func TestBufferedWithAttrsAndGroup(t *testing.T) {
	var out capture
	logger := slog.New(NewLogHandler(out.handler())).With("svc", "orders").WithGroup("req")
	ctx, run := begin(NewSampler(), Buffered)
	logger.DebugContext(ctx, "step", "k", "v")
	run.Finish(nil, 500, false)
	l := out.lines(t)[0]
	req, _ := l["req"].(map[string]any)
	if l["svc"] != "orders" || req["k"] != "v" || req[BufferedKey] != true {
		t.Errorf("line %v: want svc, and k and the marker inside req", l)
	}
}

// TestBufferConcurrent: goroutines of one request log while it ends; each
// record is written at most once, and accounted for.
func TestBufferConcurrent(t *testing.T) {
	for _, status := range []int{200, 500} {
		var out capture
		logger := slog.New(NewLogHandler(out.handler()))
		s := NewSampler(WithBufferLimits(1000, 1<<20))
		ctx, run := begin(s, Buffered)
		const workers, each = 4, 100
		var wg sync.WaitGroup
		start := make(chan struct{})
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				<-start
				for i := 0; i < each; i++ {
					logger.DebugContext(ctx, "r", "w", w, "i", i)
					if i == each/2 && w == 0 {
						Flush(ctx)
					}
				}
			}(w)
		}
		close(start)
		run.Finish(nil, status, false)
		wg.Wait()
		seen := map[string]bool{}
		for _, l := range out.lines(t) {
			k := fmt.Sprint(l["w"], "/", l["i"])
			if seen[k] {
				t.Fatalf("record %s written twice", k)
			}
			seen[k] = true
		}
		st := s.Stats()
		n := uint64(workers * each)
		switch {
		case status == 500 && uint64(len(seen)) != n:
			t.Errorf("failed request: %d of %d records written", len(seen), n)
		case status == 200 && (uint64(len(seen)) != st.Flushed() || st.Flushed()+st.Discarded() > n):
			// Records logged after the end stop at Enabled, uncounted.
			t.Errorf("succeeded request: %d written, %d flushed, %d discarded, of %d", len(seen), st.Flushed(), st.Discarded(), n)
		}
	}
}

// TestSampledCount: the process-wide count behind Enabled's fast path
// follows the sampled contexts that can still be logged with, and drops
// once they are unreachable.
func TestSampledCount(t *testing.T) {
	for i := 0; i < 1000 && sampled.Load() != 0; i++ { // earlier tests' contexts
		runtime.GC()
		runtime.Gosched()
	}
	base := sampled.Load()
	h := NewLogHandler(slog.DiscardHandler)
	off, _ := begin(NewSampler(), Off)
	if sampled.Load() != base {
		t.Fatal("an off request was counted")
	}
	ctx := NewContext(bg, Live)
	if sampled.Load() != base+1 || !h.Enabled(ctx, slog.LevelDebug) || h.Enabled(off, slog.LevelDebug) {
		t.Fatalf("count %d after a live context, base %d", sampled.Load(), base)
	}
	ctx = nil
	for i := 0; i < 1000 && sampled.Load() > base; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if sampled.Load() > base {
		t.Errorf("count %d after the live context became unreachable, want %d", sampled.Load(), base)
	}
}
