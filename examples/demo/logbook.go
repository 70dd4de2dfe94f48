package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/tracing"
)

// logBook collects the JSON log lines of every service in the order they
// were written, so the demo can print them side by side.
type logBook struct {
	mu      sync.Mutex // guards entries
	entries []logLine
}

type logLine struct {
	service string
	text    string
}

func newLogBook() *logBook { return &logBook{} }

// logger returns the logger a service would build in production: JSON to
// its output at level Info, wrapped so that every record carries the trace
// and span IDs and the correlation ID, and debug records are written only
// for the requests debug sampling picks.
func (b *logBook) logger(service string) *slog.Logger {
	w := &serviceWriter{book: b, service: service}
	json := slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: dropTime})
	return slog.New(debugsample.NewLogHandler(tracing.NewLogHandler(correlation.NewLogHandler(json)))).With("service", service)
}

func (b *logBook) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.entries = nil
}

func (b *logBook) lines() []logLine {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]logLine(nil), b.entries...)
}

// serviceWriter files each line a service's handler writes under its name.
type serviceWriter struct {
	book    *logBook
	service string
}

func (w *serviceWriter) Write(p []byte) (int, error) {
	w.book.mu.Lock()
	defer w.book.mu.Unlock()
	for _, l := range bytes.Split(bytes.TrimRight(p, "\n"), []byte("\n")) {
		w.book.entries = append(w.book.entries, logLine{service: w.service, text: string(l)})
	}
	return len(p), nil
}

// dropTime leaves the timestamp out so the demo's lines stay short; a real
// service keeps it.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// fieldIn returns the string field key of each line, in order; a line
// without one gives "".
func fieldIn(lines []logLine, key string) []string {
	ids := make([]string, len(lines))
	for i, l := range lines {
		var rec map[string]any
		if json.Unmarshal([]byte(l.text), &rec) == nil {
			ids[i], _ = rec[key].(string)
		}
	}
	return ids
}
