package capture

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/flags"
)

// viaEncodingJSON is what AppendRecord wrote before it had its own
// encoder, and what it must go on writing.
func viaEncodingJSON(t testing.TB, rec *Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sampleRecord(s string, n int64) *Record {
	return &Record{
		Schema: Schema, Kind: KindGRPC, ID: s, Start: time.Unix(1700000000, n).UTC(), Duration: time.Duration(n),
		CorrelationID: s, TraceID: s, SpanID: s, Reason: s,
		Request: Request{
			Method: s, URL: s, Host: s, Proto: s, Route: s,
			Header:  http.Header{s: {s, ""}, "B": nil, "A": {}, "Z" + s: {s}},
			Trailer: http.Header{"X": {s}},
			Body:    Body{ContentType: s, Size: n, Truncated: n%2 == 0, Omitted: n%3 == 0, Text: s},
		},
		Response: Response{Status: int(n % 1000), Header: http.Header{s: {s}}, Body: Body{Size: -n, Base64: s}},
		GRPC:     &GRPCStatus{Code: s, Message: s, RequestMessages: n, ResponseMessages: -n},
		Error:    s, Panic: s,
		Flags: []flags.FlagValue{{Name: s, Value: map[string]any{"k<&>": []any{s, 1.5, true, nil}}, Source: s}},
		EnvID: s,
	}
}

func TestAppendRecordMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " backslash \ slash /`, "<html>&amp;</html>", "\x00\x01\x1f\x7f", "\b\f\n\r\t",
		"\xff\xfe invalid", "é ü 日本 🎉", "\u2028\u2029", "\xed\xa0\x80 surrogate", "a\xc3", strings1000(),
	} {
		for _, rec := range []*Record{sampleRecord(s, 42), sampleRecord(s, 0), {Schema: s}, {Request: Request{Header: http.Header{}}}} {
			got, err := AppendRecord(nil, rec)
			if err != nil {
				t.Fatal(err)
			}
			if want := viaEncodingJSON(t, withDefaults(rec)); !bytes.Equal(got, want) {
				t.Errorf("for %q:\n got %s\nwant %s", s, got, want)
			}
		}
	}
}

// withDefaults returns a copy of rec with the Schema and Kind that
// AppendRecord writes for empty ones.
func withDefaults(rec *Record) *Record {
	r := *rec
	if r.Schema == "" {
		r.Schema = Schema
	}
	if r.Kind == "" {
		r.Kind = KindHTTP
	}
	return &r
}

func TestAppendRecordRefusesWhatEncodingJSONRefuses(t *testing.T) {
	rec := &Record{Start: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := AppendRecord(nil, rec); err == nil {
		t.Error("a year past 9999 was encoded")
	}
	rec = &Record{Flags: []flags.FlagValue{{Name: "f", Value: func() {}}}}
	if _, err := AppendRecord(nil, rec); err == nil {
		t.Error("a flag value encoding/json refuses was encoded")
	}
}

func FuzzAppendRecord(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\u2028", "<>&", "\x00"} {
		f.Add(s, int64(7))
	}
	f.Fuzz(func(t *testing.T, s string, n int64) {
		rec := sampleRecord(s, n%1e12)
		got, err := AppendRecord(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		if want := viaEncodingJSON(t, withDefaults(rec)); !bytes.Equal(got, want) {
			t.Errorf("for %q:\n got %s\nwant %s", s, got, want)
		}
	})
}

func strings1000() string { return string(bytes.Repeat([]byte("abc\"\n"), 200)) }

func BenchmarkAppendJSONString(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"customer":{"id":"cus_0042","email":"ann@example.com","password":"[REDACTED]"},"items":[`)
	for i := 0; sb.Len() < 960; i++ {
		sb.WriteString(`{"sku":"SKU-0001","qty":1,"price":19.99},`)
	}
	sb.WriteString(`{}]}`)
	s := sb.String()
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		buf = appendJSONString(buf[:0], s)
	}
}
