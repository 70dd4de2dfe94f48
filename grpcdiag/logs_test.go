package grpcdiag_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
)

// uuidV7 matches the text form of a UUIDv7, the shape of correlation.NewID.
var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// syncBuffer is a bytes.Buffer safe for concurrent use; mu guards buf.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written.
func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// handlerLogger returns the logger a service's handlers would use: JSON into
// buf, stamped with the correlation ID of each record's context.
func handlerLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(correlation.NewLogHandler(slog.NewJSONHandler(buf, nil)))
}

// debugLogger returns handlerLogger's logger with debugsample's log handler
// on top, at Info as in production: a call's debug lines are written when
// its decision says so.
func debugLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(debugsample.NewLogHandler(correlation.NewLogHandler(slog.NewJSONHandler(buf, nil))))
}

// libLogger returns a logger for the package's own warnings, into buf.
func libLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// logLines decodes JSON Lines.
func logLines(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "log line %q", sc.Text())
		lines = append(lines, m)
	}
	require.NoError(t, sc.Err())
	return lines
}

// idsLogged returns the correlation_id of every line with message msg.
func idsLogged(t *testing.T, data []byte, msg string) []string {
	t.Helper()
	var ids []string
	for _, l := range logLines(t, data) {
		if l["msg"] != msg {
			continue
		}
		id, _ := l[correlation.DefaultLogKey].(string)
		ids = append(ids, id)
	}
	return ids
}

// requireAbsent fails if any of the hostile values can be found in data,
// either raw or in a decoded string of a JSON log line. Values too short or
// too blank to search for meaningfully (the empty string, spaces) are
// checked by the callers' exact comparisons instead.
func requireAbsent(t *testing.T, data []byte, hostile []string) {
	t.Helper()
	var strs []string
	for _, l := range logLines(t, data) {
		strs = appendStrings(strs, l)
	}
	for _, h := range hostile {
		if len(strings.TrimSpace(h)) < 3 {
			continue
		}
		require.NotContains(t, string(data), h, "hostile value in raw log output")
		for _, s := range strs {
			require.NotContains(t, s, h, "hostile value in a decoded log string")
		}
	}
}

func appendStrings(dst []string, v any) []string {
	switch v := v.(type) {
	case string:
		dst = append(dst, v)
	case map[string]any:
		for k, e := range v {
			dst = append(dst, k)
			dst = appendStrings(dst, e)
		}
	case []any:
		for _, e := range v {
			dst = appendStrings(dst, e)
		}
	}
	return dst
}
