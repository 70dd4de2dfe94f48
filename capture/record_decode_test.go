package capture

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/flags"
)

// decodeFastChecked runs decodeRecordFast on line and, when it accepts
// the line, checks the contract: json.Unmarshal accepts it too and gives
// an equal record.
func decodeFastChecked(t testing.TB, line []byte) (*Record, bool) {
	t.Helper()
	var got Record
	if !decodeRecordFast(line, &got) {
		return nil, false
	}
	var want Record
	require.NoError(t, json.Unmarshal(line, &want), "the fast path took a line encoding/json refuses: %q", line)
	require.Equal(t, want, got, "the fast path and encoding/json differ on %q", line)
	return &got, true
}

// benchOrderBody is a JSON response body of about 170 bytes.
const benchOrderBody = `{"id":"ord_00000042","status":"paid","amount":129.9,"currency":"EUR",` +
	`"customer":{"id":"cus_000042","email":"[REDACTED]"},"items":[{"sku":"SKU-0042","qty":2}],"refunded":false}`

// benchRecord is a realistic record of a GET answered 200 with
// benchOrderBody, stored as JSON, or as text when asText.
func benchRecord(asText bool) *Record {
	body := Body{ContentType: "application/json", Size: int64(len(benchOrderBody))}
	if asText {
		body.Text = benchOrderBody
	} else {
		body.JSON = json.RawMessage(benchOrderBody)
	}
	return &Record{
		Schema:        Schema,
		Kind:          KindHTTP,
		ID:            "5f0c6e1a9b2d4c3e8f7a6b5c4d3e2f10",
		Start:         time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC),
		Duration:      3*time.Millisecond + 217*time.Microsecond,
		CorrelationID: "req-01HQ3ZK7X4M2",
		TraceID:       "4bf92f3577b34da6a3ce929d0e0e4736",
		SpanID:        "00f067aa0ba902b7",
		Reason:        ReasonRate,
		Request: Request{
			Method: "GET",
			URL:    "/v1/orders/ord_00000042?expand=items&token=[REDACTED]",
			Host:   "api.example.com",
			Proto:  "HTTP/1.1",
			Route:  "GET /v1/orders/{id}",
			Header: http.Header{
				"Accept":     {"application/json"},
				"User-Agent": {"orders-client/2.3.1 (+https://example.com/bot)"},
			},
			Body: Body{},
		},
		Response: Response{
			Status: http.StatusOK,
			Header: http.Header{
				"Content-Type":  {"application/json"},
				"Cache-Control": {"private, max-age=0"},
				"X-Request-Id":  {"req-01HQ3ZK7X4M2"},
				"Vary":          {"Accept-Encoding", "Authorization"},
			},
			Body: body,
		},
		EnvID: "9f86d081884c7d65",
	}
}

// canonicalRecords are records as the middleware makes them, each
// encoded by AppendRecord into a line the fast path must take.
func canonicalRecords() []struct {
	name string
	rec  *Record
} {
	recs := []struct {
		name string
		rec  *Record
	}{
		{"bench json body", benchRecord(false)},
		{"bench text body", benchRecord(true)},
	}
	recs = append(recs, fixtureRecords()...)

	text := benchRecord(true)
	text.Request.Body = Body{ContentType: "text/plain; charset=utf-8", Size: 64,
		Text: "line 1\r\n\ttab \"quoted\" back\\slash \x00\x1f\x7f é ü 日本 🎉 \u2028\u2029 </script>"}
	text.Response.Body = Body{ContentType: "text/plain", Size: 1 << 40, Truncated: true, Text: "cut here"}
	text.Error, text.Panic = "client disconnected", "boom: \"nil\" map"
	recs = append(recs, struct {
		name string
		rec  *Record
	}{"text with escapes and non-ASCII", text})

	binary := benchRecord(false)
	binary.Kind = KindGRPC
	binary.Request.Body = Body{ContentType: "application/octet-stream", Size: 6, Base64: "AAECA/7/"}
	binary.Response = Response{Status: 0, Trailer: http.Header{"Grpc-Status": {"14"}, "Grpc-Message": {}}}
	binary.GRPC = &GRPCStatus{Code: "Unavailable", Message: "upstream \"orders\" down", RequestMessages: 3, ResponseMessages: -1}
	recs = append(recs, struct {
		name string
		rec  *Record
	}{"base64 body, grpc status, empty header value", binary})

	flagged := benchRecord(false)
	flagged.Flags = []flags.FlagValue{
		{Name: "capture.rules", Value: map[string]any{"paths": []any{"/v1/orders"}, "rate": 0.5, "on": true}, Source: "file"},
		{Name: "capture.rate", Value: 0.125, Source: flags.SourceOverride, Expires: time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC), By: "192.0.2.10"},
		{Name: "debug", Value: false, Source: flags.SourceDefault},
	}
	flagged.Response.Body = Body{ContentType: "application/json", Size: 2 << 20, Omitted: true, Text: "[omitted: 2097152 bytes]"}
	flagged.Duration = -1
	recs = append(recs, struct {
		name string
		rec  *Record
	}{"flags with map, number and bool values, omitted body", flagged})

	extremes := &Record{Schema: Schema, Kind: KindHTTP, Start: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		Duration: -1 << 63, Request: Request{Body: Body{Size: 1<<63 - 1, JSON: json.RawMessage(`"just a string"`)}},
		Response: Response{Status: -1, Body: Body{Size: -1 << 63, JSON: json.RawMessage(`[1,{"a":[null,true,-0.5e3]},"\u00e9\ud83c\udf89"]`)}}}
	recs = append(recs, struct {
		name string
		rec  *Record
	}{"extreme numbers and raw JSON bodies", extremes})
	return recs
}

// TestDecodeRecordFastCanonical: every line AppendRecord writes (but
// one with a nil header value, written null) is taken by the fast path,
// which reads back the record and what encoding/json reads.
func TestDecodeRecordFastCanonical(t *testing.T) {
	for _, tt := range canonicalRecords() {
		t.Run(tt.name, func(t *testing.T) {
			line, err := AppendRecord(nil, tt.rec)
			require.NoError(t, err)
			got, ok := decodeFastChecked(t, line)
			require.True(t, ok, "the fast path refused a line AppendRecord wrote: %s", line)
			want := *tt.rec
			want.Env = nil
			require.Equal(t, &want, got)
		})
	}
}

// TestDecodeRecordFastVariants: lines AppendRecord does not write, but
// whose every key and value the fast path reads as encoding/json does:
// whitespace, escapes, invalid UTF-8, surrogates, other time zones.
func TestDecodeRecordFastVariants(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		check func(t *testing.T, rec *Record)
	}{
		{"whitespace between every token", " \t\r\n{ \"schema\" :\t\"s\" ,\n\"request\" : { \"header\" : { \"A\" : [ \"1\" , \"2\" ] } , \"body\" : { \"json\" : { \"k\" : [ 1 , 2 ] } } } }\r\n ",
			func(t *testing.T, rec *Record) {
				assert.Equal(t, http.Header{"A": {"1", "2"}}, rec.Request.Header)
				assert.Equal(t, `{ "k" : [ 1 , 2 ] }`, string(rec.Request.Body.JSON), "raw JSON is kept as it is, not compacted")
			}},
		{"keys in any order", `{"env_id":"e","response":{"body":{"text":"t","size":1},"status":201},"kind":"grpc","schema":"x"}`,
			func(t *testing.T, rec *Record) {
				assert.Equal(t, Record{Schema: "x", Kind: "grpc", EnvID: "e", Response: Response{Status: 201, Body: Body{Size: 1, Text: "t"}}}, *rec)
			}},
		{"empty objects", `{"request":{"header":{},"trailer":{},"body":{}},"response":{}}`,
			func(t *testing.T, rec *Record) {
				assert.NotNil(t, rec.Request.Header, "encoding/json makes an empty map")
				assert.Empty(t, rec.Request.Header)
			}},
		{"empty header array", `{"request":{"header":{"A":[]}}}`,
			func(t *testing.T, rec *Record) {
				assert.Equal(t, []string{}, rec.Request.Header["A"])
			}},
		{"every escape", `{"id":"\"\\\/\b\f\n\r\t\u0041\u00e9\u65e5\u0000\uFFFF"}`,
			func(t *testing.T, rec *Record) {
				assert.Equal(t, "\"\\/\b\f\n\r\t\u0041\u00e9\u65e5\x00\uffff", rec.ID)
			}},
		{"surrogate pair", `{"id":"\ud83c\udf89 \uD83C\uDF89"}`,
			func(t *testing.T, rec *Record) { assert.Equal(t, "🎉 🎉", rec.ID) }},
		{"lone high surrogate", `{"id":"a\ud83cb"}`,
			func(t *testing.T, rec *Record) { assert.Equal(t, "a\ufffdb", rec.ID) }},
		{"lone low surrogate", `{"id":"\udf89\ud83c"}`,
			func(t *testing.T, rec *Record) { assert.Equal(t, "\ufffd\ufffd", rec.ID) }},
		{"high surrogate then an escape that is not one", `{"id":"\ud83c\u0041\ud83c\n"}`,
			func(t *testing.T, rec *Record) { assert.Equal(t, "\ufffdA\ufffd\n", rec.ID) }},
		{"invalid UTF-8", "{\"id\":\"a\xffb\xc3\",\"reason\":\"\xed\xa0\x80\",\"request\":{\"header\":{\"K\xfe\":[\"v\xfe\"]}}}",
			func(t *testing.T, rec *Record) {
				assert.Equal(t, "a\ufffdb\ufffd", rec.ID)
				assert.Equal(t, "\ufffd\ufffd\ufffd", rec.Reason, "an encoded surrogate is three invalid bytes")
				assert.Equal(t, http.Header{"K\ufffd": {"v\ufffd"}}, rec.Request.Header)
			}},
		{"invalid UTF-8 and an escape", "{\"id\":\"\\n\xff\"}",
			func(t *testing.T, rec *Record) { assert.Equal(t, "\n\ufffd", rec.ID) }},
		{"invalid UTF-8 kept as is in raw JSON", "{\"response\":{\"body\":{\"json\":\"\xff\"}}}",
			func(t *testing.T, rec *Record) { assert.Equal(t, "\"\xff\"", string(rec.Response.Body.JSON)) }},
		{"escaped header key", `{"response":{"header":{"X-\u0041":["1"]}}}`,
			func(t *testing.T, rec *Record) { assert.Equal(t, http.Header{"X-A": {"1"}}, rec.Response.Header) }},
		{"time with an offset", `{"start":"2025-03-14T11:26:53.5+02:00"}`,
			func(t *testing.T, rec *Record) {
				assert.True(t, rec.Start.Equal(time.Date(2025, 3, 14, 9, 26, 53, 5e8, time.UTC)), "start %v", rec.Start)
			}},
		{"minus zero", `{"duration_ns":-0,"response":{"status":-0}}`,
			func(t *testing.T, rec *Record) { assert.Zero(t, rec.Duration) }},
		{"raw JSON literals", `{"request":{"body":{"json":-1.5e-3}},"response":{"body":{"json":true}}}`,
			func(t *testing.T, rec *Record) {
				assert.Equal(t, "-1.5e-3", string(rec.Request.Body.JSON))
				assert.Equal(t, "true", string(rec.Response.Body.JSON))
			}},
		{"grpc and flags as encoding/json reads them", `{"grpc":{"CODE":"OK","code":"Internal","x":1},"flags":[{"name":"f","value":{"a":null}}]}`,
			func(t *testing.T, rec *Record) {
				assert.Equal(t, &GRPCStatus{Code: "Internal"}, rec.GRPC)
				assert.Equal(t, []flags.FlagValue{{Name: "f", Value: map[string]any{"a": nil}}}, rec.Flags)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ok := decodeFastChecked(t, []byte(tt.line))
			require.True(t, ok, "the fast path refused %q", tt.line)
			tt.check(t, rec)
		})
	}
}

// TestDecodeRecordFastFallsBack: for every line outside the shape it
// reads, the fast path returns false, whether encoding/json accepts the
// line (valid) or not, and never panics.
func TestDecodeRecordFastFallsBack(t *testing.T) {
	canonical, err := AppendRecord(nil, benchRecord(false))
	require.NoError(t, err)
	deep := `{"request":{"body":{"json":` + strings.Repeat("[", maxRawDepth+1) + strings.Repeat("]", maxRawDepth+1) + `}}}`
	tooDeep := `{"request":{"body":{"json":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}}}`
	tests := []struct {
		name  string
		line  string
		valid bool // whether json.Unmarshal accepts the line
	}{
		{"case-mismatched key", `{"Schema":"reprokit.capture.v1"}`, true},
		{"case-mismatched nested key", `{"request":{"Method":"GET"}}`, true},
		{"case-mismatched body key", `{"request":{"body":{"JSON":1}}}`, true},
		{"escaped key", `{"sch\u0065ma":"x"}`, true},
		{"unknown key", `{"schema":"x","extra":1}`, true},
		{"unknown nested key", `{"response":{"body":{"size":1,"bytes":"x"}}}`, true},
		{"Env's Go name", `{"Env":{}}`, true},
		{"duplicate key", `{"kind":"http","kind":"grpc"}`, true},
		{"duplicate nested key", `{"request":{"method":"GET","method":"PUT"}}`, true},
		{"duplicate object key", `{"request":{"header":{"A":["1"]},"header":{"B":["2"]}}}`, true},
		{"duplicate header key", `{"request":{"header":{"A":["1"],"A":["2"]}}}`, true},
		{"duplicate header key after unescaping", `{"request":{"header":{"A":["1"],"\u0041":["2"]}}}`, true},
		{"null string", `{"schema":null}`, true},
		{"null object", `{"request":null}`, true},
		{"null header", `{"request":{"header":null}}`, true},
		{"null header value", `{"request":{"header":{"A":null}}}`, true},
		{"null in header array", `{"request":{"header":{"A":[null]}}}`, true},
		{"null raw JSON", `{"request":{"body":{"json":null}}}`, true},
		{"null time", `{"start":null}`, true},
		{"null grpc", `{"grpc":null}`, true},
		{"null flags", `{"flags":null}`, true},
		{"number for a string", `{"schema":1}`, false},
		{"string for a number", `{"duration_ns":"1"}`, false},
		{"string for a bool", `{"request":{"body":{"truncated":"true"}}}`, false},
		{"number for a bool", `{"request":{"body":{"omitted":1}}}`, false},
		{"array for an object", `{"request":[]}`, false},
		{"string for a header", `{"request":{"header":"A: 1"}}`, false},
		{"string for a header value", `{"request":{"header":{"A":"1"}}}`, false},
		{"number in a header value", `{"request":{"header":{"A":[1]}}}`, false},
		{"number for a time", `{"start":1710408413}`, false},
		{"bad time", `{"start":"yesterday"}`, false},
		{"escaped time", `{"start":"2025-03-14T09:26:53\u005a"}`, false},
		{"wrong type in grpc", `{"grpc":{"code":1}}`, false},
		{"wrong type in flags", `{"flags":{"name":"f"}}`, false},
		{"int64 overflow", `{"duration_ns":9223372036854775808}`, false},
		{"int64 underflow", `{"duration_ns":-9223372036854775809}`, false},
		{"twenty digits", `{"response":{"body":{"size":12345678901234567890}}}`, false},
		{"float for an int", `{"response":{"status":200.0}}`, false},
		{"exponent for an int", `{"response":{"status":2e2}}`, false},
		{"leading zero", `{"response":{"status":0200}}`, false},
		{"plus sign", `{"response":{"status":+200}}`, false},
		{"lone minus", `{"response":{"status":-}}`, false},
		{"trailing data", `{"schema":"x"}{}`, false},
		{"trailing garbage", `{"schema":"x"} x`, false},
		{"trailing comma", `{"schema":"x",}`, false},
		{"missing colon", `{"schema" "x"}`, false},
		{"missing comma", `{"schema":"x" "kind":"y"}`, false},
		{"truncated line", string(canonical[:len(canonical)/2]), false},
		{"truncated in a string", `{"schema":"rep`, false},
		{"truncated after a backslash", `{"schema":"rep\`, false},
		{"truncated escape", `{"schema":"\u00"}`, false},
		{"unknown escape", `{"schema":"\x41"}`, false},
		{"single-quote escape", `{"schema":"\'"}`, false},
		{"control char in string", "{\"schema\":\"a\x01b\"}", false},
		{"raw CRLF in a string", "{\"request\":{\"body\":{\"text\":\"a\r\nb\"}}}", false},
		{"raw tab in a key", "{\"request\":{\"header\":{\"A\tB\":[]}}}", false},
		{"control char in raw JSON", "{\"request\":{\"body\":{\"json\":\"\x00\"}}}", false},
		{"invalid raw JSON", `{"request":{"body":{"json":{"a":}}}}`, false},
		{"raw JSON cut", `{"request":{"body":{"json":{"a":1}}`, false},
		{"raw JSON literal glued", `{"request":{"body":{"json":tru"e"}}}`, false},
		{"bool glued", `{"request":{"body":{"truncated":truex}}}`, false},
		{"raw JSON deeper than maxRawDepth", deep, true},
		{"raw JSON deeper than encoding/json allows", tooDeep, false},
		{"not an object", `["schema"]`, false},
		{"BOM", "\ufeff{}", false},
		{"empty", ``, false},
		{"hostile mix", "{\"schema\":\"a\r\nb\xff\",\"x\":\"" + strings.Repeat("\\u0000", 100) + "\"}\r\n\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec Record
			assert.False(t, decodeRecordFast([]byte(tt.line), &rec), "the fast path took %q", tt.line)
			var want Record
			err := json.Unmarshal([]byte(tt.line), &want)
			assert.Equal(t, tt.valid, err == nil, "json.Unmarshal: %v", err)
		})
	}
}

// TestDecoderFastAndSlowPathsAgree: the Decoder returns the same for a
// line the fast path takes and for the same record written so that only
// encoding/json reads it, and still refuses, as before, a line the fast
// path reads but that is not a record of this schema.
func TestDecoderFastAndSlowPathsAgree(t *testing.T) {
	rec := benchRecord(false)
	line, err := AppendRecord(nil, rec)
	require.NoError(t, err)
	slow := bytes.Replace(line, []byte(`"schema"`), []byte(`"Schema"`), 1)

	for _, tt := range []struct {
		name string
		line []byte
	}{{"fast", line}, {"slow", slow}} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadRecords(bytes.NewReader(tt.line))
			require.NoError(t, err)
			require.Equal(t, []*Record{rec}, got)
		})
	}

	for _, tt := range []struct {
		name string
		line string
		err  error
	}{
		{"other schema", `{"schema":"reprokit.capture.v2","kind":"http"}`, ErrSchema},
		{"other kind", `{"schema":"reprokit.capture.v1","kind":"ftp"}`, ErrKind},
		{"env kind", `{"schema":"reprokit.capture.v1","kind":"env"}`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadRecords(strings.NewReader(tt.line))
			assert.Empty(t, got)
			if tt.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.err)
		})
	}
}

// FuzzDecodeRecordFast: whenever the fast path takes a line,
// json.Unmarshal takes it too and reads an equal record; it takes every
// line that is exactly what AppendRecord writes for what json.Unmarshal
// reads, but for the few it leaves to encoding/json on purpose (see
// refusedOnPurpose); and it never panics. Seeds in
// testdata/fuzz/FuzzDecodeRecordFast, and the lines of canonicalRecords.
func FuzzDecodeRecordFast(f *testing.F) {
	for _, tt := range canonicalRecords() {
		line, err := AppendRecord(nil, tt.rec)
		require.NoError(f, err)
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		_, took := decodeFastChecked(t, line)
		if took {
			return
		}
		var want Record
		if json.Unmarshal(line, &want) != nil || refusedOnPurpose(line, &want) {
			return
		}
		if again, err := AppendRecord(nil, &want); err == nil && bytes.Equal(bytes.TrimSuffix(again, []byte("\n")), line) {
			t.Fatalf("the fast path refused a line AppendRecord writes: %q", line)
		}
	})
}

// refusedOnPurpose reports whether line, which json.Unmarshal read as
// rec, may be one that AppendRecord writes and the fast path still
// leaves to encoding/json: one with null in it (a nil header value, a
// JSON body that is null), or nested deeper than maxRawDepth.
func refusedOnPurpose(line []byte, rec *Record) bool {
	if string(rec.Request.Body.JSON) == "null" || string(rec.Response.Body.JSON) == "null" ||
		bytes.Count(line, []byte("["))+bytes.Count(line, []byte("{")) > maxRawDepth {
		return true
	}
	for _, h := range []http.Header{rec.Request.Header, rec.Request.Trailer, rec.Response.Header, rec.Response.Trailer} {
		for _, vs := range h {
			if vs == nil {
				return true
			}
		}
	}
	return false
}

// BenchmarkDecodeRecord compares encoding/json with the fast path on a
// record of about 1 KB, its response body stored as JSON or as text.
func BenchmarkDecodeRecord(b *testing.B) {
	for _, body := range []struct {
		name   string
		asText bool
	}{{"json", false}, {"text", true}} {
		line, err := AppendRecord(nil, benchRecord(body.asText))
		require.NoError(b, err)
		line = bytes.TrimSuffix(line, []byte("\n"))
		for _, impl := range []struct {
			name   string
			decode func([]byte, *Record) bool
		}{
			{"encoding_json", func(line []byte, rec *Record) bool { return json.Unmarshal(line, rec) == nil }},
			{"fast", decodeRecordFast},
		} {
			b.Run("body="+body.name+"/impl="+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(line)))
				for b.Loop() {
					var rec Record
					if !impl.decode(line, &rec) {
						b.Fatal("not decoded")
					}
				}
			})
		}
	}
}
