package correlation

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
	"time"
)

func TestLogHandlerSlogtest(t *testing.T) {
	// The handler must keep every slog.Handler rule of the handler it
	// wraps, both on records that carry no ID and through its own logic.
	var buf bytes.Buffer
	newHandler := func(*testing.T) slog.Handler {
		buf.Reset()
		return NewLogHandler(slog.NewJSONHandler(&buf, nil))
	}
	result := func(t *testing.T) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	slogtest.Run(t, newHandler, result)
}

// logLine logs through a NewLogHandler over JSON and returns the decoded line.
func logLine(t *testing.T, ctx context.Context, do func(*slog.Logger), opts ...LogOption) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	do(slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil), opts...)))
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("%v in %q", err, buf.String())
	}
	return m
}

func TestLogHandlerStampsID(t *testing.T) {
	ctx := NewContext(context.Background(), "req-42")
	tests := []struct {
		name string
		opts []LogOption
		log  func(*slog.Logger)
		want func(map[string]any) any
	}{
		{"top level", nil,
			func(l *slog.Logger) { l.InfoContext(ctx, "m", "a", 1) },
			func(m map[string]any) any { return m["correlation_id"] }},
		{"custom key", []LogOption{WithLogKey("rid"), WithLogKey(""), nil},
			func(l *slog.Logger) { l.InfoContext(ctx, "m") },
			func(m map[string]any) any { return m["rid"] }},
		{"after WithAttrs", nil,
			func(l *slog.Logger) { l.With("svc", "front").InfoContext(ctx, "m") },
			func(m map[string]any) any { return m["correlation_id"] }},
		{"inside an open group, as documented", nil,
			func(l *slog.Logger) { l.WithGroup("req").InfoContext(ctx, "m", "a", 1) },
			func(m map[string]any) any { g, _ := m["req"].(map[string]any); return g["correlation_id"] }},
		{"many attributes", nil,
			func(l *slog.Logger) { l.InfoContext(ctx, "m", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6, "g", 7) },
			func(m map[string]any) any { return m["correlation_id"] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := logLine(t, ctx, tt.log, tt.opts...)
			if got := tt.want(m); got != "req-42" {
				t.Errorf("ID = %v in %v", got, m)
			}
		})
	}
}

func TestLogHandlerWithoutID(t *testing.T) {
	m := logLine(t, context.Background(), func(l *slog.Logger) { l.InfoContext(context.Background(), "m") })
	if _, ok := m["correlation_id"]; ok {
		t.Errorf("a record without an ID got one: %v", m)
	}
	h := NewLogHandler(slog.NewJSONHandler(new(bytes.Buffer), nil))
	//lint:ignore SA1012 handlers must cope with a nil context.
	if err := h.Handle(nil, slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)); err != nil {
		t.Error(err)
	}
}

// recordKeeper is a handler that keeps the records it gets.
type recordKeeper struct{ got []slog.Record }

func (k *recordKeeper) Enabled(context.Context, slog.Level) bool { return true }
func (k *recordKeeper) Handle(_ context.Context, r slog.Record) error {
	k.got = append(k.got, r)
	return nil
}
func (k *recordKeeper) WithAttrs([]slog.Attr) slog.Handler { return k }
func (k *recordKeeper) WithGroup(string) slog.Handler      { return k }

func TestLogHandlerDoesNotShareRecordStorage(t *testing.T) {
	// A record with more than five attributes keeps the rest in a slice;
	// adding the ID must not write into the caller's copy of it.
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	for i := range 6 {
		r.AddAttrs(slog.Int(string(rune('a'+i)), i))
	}
	keep := &recordKeeper{}
	h := NewLogHandler(keep)
	for _, id := range []string{"one", "two"} {
		if err := h.Handle(NewContext(context.Background(), id), r); err != nil {
			t.Fatal(err)
		}
	}
	if r.NumAttrs() != 6 {
		t.Errorf("caller's record now has %d attributes, want 6", r.NumAttrs())
	}
	for i, want := range []string{"one", "two"} {
		var got []string
		keep.got[i].Attrs(func(a slog.Attr) bool {
			if a.Key == DefaultLogKey || strings.HasPrefix(a.Key, "!") {
				got = append(got, a.Key+"="+a.Value.String())
			}
			return true
		})
		if len(got) != 1 || got[0] != DefaultLogKey+"="+want {
			t.Errorf("record %d has %v, want only %s=%s", i, got, DefaultLogKey, want)
		}
	}
}

func TestLogHandlerEnabledIsNexts(t *testing.T) {
	h := NewLogHandler(slog.NewJSONHandler(new(bytes.Buffer), &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := NewContext(context.Background(), "x")
	if h.Enabled(ctx, slog.LevelInfo) || !h.Enabled(ctx, slog.LevelError) {
		t.Error("Enabled does not follow the wrapped handler's level")
	}
}

func TestLogHandlerNilNextPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewLogHandler(nil) did not panic")
		}
	}()
	NewLogHandler(nil)
}
