package capture

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
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

// benchFlags are ten flags as a service's flags.Set reports them, sorted
// by name, with the values a flag file, the environment, an override and
// the keys' defaults give.
func benchFlags() []flags.FlagValue {
	return []flags.FlagValue{
		{Name: "capture.max_body_bytes", Value: float64(65536), Source: "file"},
		{Name: "capture.max_per_second", Value: float64(1000000), Source: "env"},
		{Name: "capture.on_failure", Value: true, Source: "static"},
		{Name: "capture.rate", Value: 0.125, Source: flags.SourceOverride,
			Expires: time.Date(2026, 11, 22, 14, 17, 25, 7e8, time.UTC), By: "ops@example.com"},
		{Name: "capture.rules", Value: nil, Source: flags.SourceDefault},
		{Name: "debugsample.live", Value: false, Source: flags.SourceDefault},
		{Name: "debugsample.paths", Value: []any{"/v1/orders", "/v1/payments"}, Source: "file"},
		{Name: "log.level", Value: "info", Source: "env"},
		{Name: "orders.limits", Value: map[string]any{"a": []any{float64(1), "b", nil, 2.5e3}, "burst": float64(20), "on": true},
			Source: "file", Expires: time.Date(2026, 11, 22, 14, 17, 25, 0, time.UTC), By: "ops"},
		{Name: "tracing.sample_ratio", Value: 0.01, Source: "static"},
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

	tenFlags := benchRecord(false)
	tenFlags.Flags = benchFlags()
	recs = append(recs, struct {
		name string
		rec  *Record
	}{"ten flags of a flags.Set", tenFlags})

	valueTypes := benchRecord(true)
	valueTypes.Flags = []flags.FlagValue{
		{Name: "int", Value: float64(42), Source: "env"},
		{Name: "negative", Value: float64(-7), Source: "env"},
		{Name: "float", Value: -3.25, Source: "env"},
		{Name: "large exponent", Value: 6.02214076e23, Source: "env"},
		{Name: "small exponent", Value: -1.5e-9, Source: "env"},
		{Name: "largest float", Value: math.MaxFloat64, Source: "env"},
		{Name: "smallest float", Value: math.SmallestNonzeroFloat64, Source: "env"},
		{Name: "minus zero", Value: math.Copysign(0, -1), Source: "env"},
		{Name: "true", Value: true, Source: "static"},
		{Name: "null", Value: nil, Source: flags.SourceDefault},
		{Name: "escaped string", Value: "a \"quoted\" back\\slash\r\n\t\x00\x1f\x7f <b>&amp; é 日本 🎉 \u2028\u2029", Source: "file"},
		{Name: "empty string", Value: "", Source: ""},
		{Name: "nested", Value: map[string]any{
			"list":  []any{float64(1), "b", nil, 2.5e3, []any{}, map[string]any{}, []any{[]any{true}}},
			"map":   map[string]any{"k\"ey": map[string]any{"deep": false}, "": "empty key"},
			"empty": map[string]any{},
		}, Source: "file"},
		{Name: "empty array", Value: []any{}, Source: "file"},
		{Name: "empty object", Value: map[string]any{}, Source: "file"},
		{Name: "override \"by\" \u00e9", Value: "x", Source: flags.SourceOverride,
			Expires: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), By: "192.0.2.10\n<admin>"},
	}
	recs = append(recs, struct {
		name string
		rec  *Record
	}{"flags of every value type", valueTypes})

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
		{"grpc as encoding/json reads it", `{"grpc":{"CODE":"OK","code":"Internal","x":1},"flags":[{"name":"f","value":{"a":null}}]}`,
			func(t *testing.T, rec *Record) {
				assert.Equal(t, &GRPCStatus{Code: "Internal"}, rec.GRPC)
				assert.Equal(t, []flags.FlagValue{{Name: "f", Value: map[string]any{"a": nil}}}, rec.Flags)
			}},
		{"empty flags array", `{"flags":[]}`,
			func(t *testing.T, rec *Record) {
				assert.NotNil(t, rec.Flags, "encoding/json makes an empty slice")
				assert.Empty(t, rec.Flags)
			}},
		{"flag with no keys, or some", `{"flags":[{},{"value":1},{"by":"me","name":"n"}]}`,
			func(t *testing.T, rec *Record) {
				assert.Equal(t, []flags.FlagValue{{}, {Value: 1.0}, {Name: "n", By: "me"}}, rec.Flags)
			}},
		{"flag numbers", `{"flags":[{"value":[0,-12,3.25,-1.5E+3,2e-3,1e+2,-0,-0.0,1e-400,123456789012345678901234567890,0.1e1]}]}`,
			func(t *testing.T, rec *Record) {
				v := rec.Flags[0].Value.([]any)
				assert.Equal(t, []any{0.0, -12.0, 3.25, -1500.0, 0.002, 100.0, 0.0, 0.0, 0.0, 1.2345678901234568e29, 1.0}, v)
				assert.True(t, math.Signbit(v[6].(float64)), "-0 keeps its sign, as with encoding/json")
				assert.False(t, math.Signbit(v[8].(float64)), "an underflow is +0")
			}},
		{"flag literals", `{"flags":[{"value":true},{"value":false},{"value":null},{"value":[true,false,null]}]}`,
			func(t *testing.T, rec *Record) {
				assert.Equal(t, []flags.FlagValue{{Value: true}, {Value: false}, {Value: nil}, {Value: []any{true, false, nil}}}, rec.Flags)
			}},
		{"flag string with escapes and invalid UTF-8", "{\"flags\":[{\"name\":\"\\u0041\xff\",\"value\":\"\\n\\ud83c\\udf89\\ud800\xc3\\/\",\"source\":\"\\\"\"}]}",
			func(t *testing.T, rec *Record) {
				assert.Equal(t, []flags.FlagValue{{Name: "A\ufffd", Value: "\n🎉\ufffd\ufffd/", Source: `"`}}, rec.Flags)
			}},
		{"flag object with a key twice: the later value wins", `{"flags":[{"value":{"a":1,"b":[],"a":{"c":2},"\u0062":"x"}}]}`,
			func(t *testing.T, rec *Record) {
				assert.Equal(t, map[string]any{"a": map[string]any{"c": 2.0}, "b": "x"}, rec.Flags[0].Value)
			}},
		{"flag object keys with escapes and invalid UTF-8", "{\"flags\":[{\"value\":{\"\\t\":1,\"k\xfe\":2,\"\":3}}]}",
			func(t *testing.T, rec *Record) {
				assert.Equal(t, map[string]any{"\t": 1.0, "k\ufffd": 2.0, "": 3.0}, rec.Flags[0].Value)
			}},
		{"flag empty containers", `{"flags":[{"value":{"o":{},"a":[],"n":[[],[{}]]}}]}`,
			func(t *testing.T, rec *Record) {
				assert.Equal(t, map[string]any{"o": map[string]any{}, "a": []any{}, "n": []any{[]any{}, []any{map[string]any{}}}}, rec.Flags[0].Value)
			}},
		{"whitespace in flags", " {\"flags\" : [ { \"value\" : { \"a\" : [ 1 , \"b\" , null , 2.5e3 ] } , \"name\" :\"x\"\r\n} ,\t{ } ] } ",
			func(t *testing.T, rec *Record) {
				assert.Equal(t, []flags.FlagValue{{Name: "x", Value: map[string]any{"a": []any{1.0, "b", nil, 2500.0}}}, {}}, rec.Flags)
			}},
		{"flag expires with an offset, and by", `{"flags":[{"name":"x","value":1,"source":"override","expires":"2026-11-22T16:17:25.7+02:00","by":"ops"}]}`,
			func(t *testing.T, rec *Record) {
				assert.True(t, rec.Flags[0].Expires.Equal(time.Date(2026, 11, 22, 14, 17, 25, 7e8, time.UTC)), "expires %v", rec.Flags[0].Expires)
				assert.Equal(t, "ops", rec.Flags[0].By)
			}},
		{"more flags than flagValues keeps on its stack", `{"flags":[` + manyFlags(40) + `]}`,
			func(t *testing.T, rec *Record) {
				require.Len(t, rec.Flags, 40)
				for i, f := range rec.Flags {
					assert.Equal(t, flags.FlagValue{Name: "f" + strconv.Itoa(i), Value: float64(i), Source: "env"}, f)
				}
			}},
		{"flag value nested maxRawDepth deep", `{"flags":[{"value":` + strings.Repeat(`{"a":[`, maxRawDepth/2) + strings.Repeat(`]}`, maxRawDepth/2) + `}]}`,
			func(t *testing.T, rec *Record) { assert.NotNil(t, rec.Flags[0].Value) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ok := decodeFastChecked(t, []byte(tt.line))
			require.True(t, ok, "the fast path refused %q", tt.line)
			tt.check(t, rec)
		})
	}
}

// manyFlags returns n flag objects, named f0 to fn-1, separated by
// commas.
func manyFlags(n int) string {
	fs := make([]string, n)
	for i := range fs {
		fs[i] = `{"name":"f` + strconv.Itoa(i) + `","value":` + strconv.Itoa(i) + `,"source":"env"}`
	}
	return strings.Join(fs, ",")
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
		{"null flag", `{"flags":[null]}`, true},
		{"null flag name", `{"flags":[{"name":null}]}`, true},
		{"null flag source", `{"flags":[{"source":null}]}`, true},
		{"null flag expires", `{"flags":[{"expires":null}]}`, true},
		{"unknown flag key", `{"flags":[{"name":"f","value":1,"extra":1}]}`, true},
		{"case-mismatched flag key", `{"flags":[{"Name":"f"}]}`, true},
		{"escaped flag key", `{"flags":[{"n\u0061me":"f"}]}`, true},
		{"duplicate flag name", `{"flags":[{"name":"f","name":"g"}]}`, true},
		{"duplicate flag value", `{"flags":[{"value":1,"value":{"a":1}}]}`, true},
		{"duplicate flag expires", `{"flags":[{"expires":"2026-01-01T00:00:00Z","expires":"2027-01-01T00:00:00Z"}]}`, true},
		{"duplicate flags", `{"flags":[],"flags":[{"name":"f"}]}`, true},
		{"flag value deeper than maxRawDepth", `{"flags":[{"value":` + strings.Repeat("[", maxRawDepth+1) + strings.Repeat("]", maxRawDepth+1) + `}]}`, true},
		{"flag object value deeper than maxRawDepth", `{"flags":[{"value":` + strings.Repeat(`{"a":`, maxRawDepth+1) + "1" + strings.Repeat("}", maxRawDepth+1) + `}]}`, true},
		{"number for a flag name", `{"flags":[{"name":1}]}`, false},
		{"string for flag expires", `{"flags":[{"expires":"soon"}]}`, false},
		{"number for flag expires", `{"flags":[{"expires":1}]}`, false},
		{"array of strings for flags", `{"flags":["f"]}`, false},
		{"flag number with a leading zero", `{"flags":[{"value":01}]}`, false},
		{"flag number with a leading minus zero", `{"flags":[{"value":-01}]}`, false},
		{"flag number ending in a point", `{"flags":[{"value":1.}]}`, false},
		{"flag number with a point then an exponent", `{"flags":[{"value":1.e3}]}`, false},
		{"flag number starting with a point", `{"flags":[{"value":.5}]}`, false},
		{"flag number with a plus sign", `{"flags":[{"value":+1}]}`, false},
		{"flag number with no exponent digit", `{"flags":[{"value":1e}]}`, false},
		{"flag number with a signed empty exponent", `{"flags":[{"value":1e+}]}`, false},
		{"flag lone minus", `{"flags":[{"value":-}]}`, false},
		{"flag hex number", `{"flags":[{"value":0x10}]}`, false},
		{"flag number with underscores", `{"flags":[{"value":1_000}]}`, false},
		{"flag Infinity", `{"flags":[{"value":Infinity}]}`, false},
		{"flag NaN", `{"flags":[{"value":NaN}]}`, false},
		{"flag number out of float64 range", `{"flags":[{"value":1e400}]}`, false},
		{"flag negative number out of float64 range", `{"flags":[{"value":[-1.8e308]}]}`, false},
		{"flag literal glued", `{"flags":[{"value":nullx}]}`, false},
		{"flag number glued to a literal", `{"flags":[{"value":1true}]}`, false},
		{"flag literal cut", `{"flags":[{"value":nul}]}`, false},
		{"flag literal wrong case", `{"flags":[{"value":True}]}`, false},
		{"flag object key without value", `{"flags":[{"value":{"a"}}]}`, false},
		{"flag object value missing", `{"flags":[{"value":{"a":}}]}`, false},
		{"flag object key not a string", `{"flags":[{"value":{1:2}}]}`, false},
		{"flag object key with a bad escape", `{"flags":[{"value":{"\q":2}}]}`, false},
		{"flag trailing comma in a value array", `{"flags":[{"value":[1,]}]}`, false},
		{"flag trailing comma in a value object", `{"flags":[{"value":{"a":1,}}]}`, false},
		{"flag trailing comma in flags", `{"flags":[{},]}`, false},
		{"flag value missing", `{"flags":[{"value":}]}`, false},
		{"control char in a flag value", "{\"flags\":[{\"value\":\"a\x00b\"}]}", false},
		{"raw CRLF in a flag value key", "{\"flags\":[{\"value\":{\"a\r\n\":1}}]}", false},
		{"bad flag after many good ones", `{"flags":[` + manyFlags(20) + `,{"name":1}]}`, false},
		{"truncated flags", `{"flags":[`, false},
		{"truncated after many flags", `{"flags":[` + manyFlags(20), false},
		{"truncated flag", `{"flags":[{"name":"f","value":[1,2`, false},
		{"truncated flag number", `{"flags":[{"value":1`, false},
		{"truncated flag literal", `{"flags":[{"value":tr`, false},
		{"truncated flag object value", `{"flags":[{"value":{"a":{`, false},
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

// TestAnyValue: anyValue reads a JSON value, alone, into what
// json.Unmarshal gives for it in an any and stops right after it, or,
// for what json.Unmarshal refuses, reports false or stops before the
// end (where its caller finds no comma or closing bracket).
func TestAnyValue(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"string", `"a\u00e9\n"`, true},
		{"plain string", `"capture.rules"`, true},
		{"integer", `1000000`, true},
		{"negative float", `-0.125`, true},
		{"exponent", `2.5E-3`, true},
		{"minus zero", `-0`, true},
		{"underflow", `1e-400`, true},
		{"many digits", `3.14159265358979323846264338327950288419716939937510`, true},
		{"true", `true`, true},
		{"false", `false`, true},
		{"null", `null`, true},
		{"object", `{"a":[1,"b",null,2.5e3],"o":{"x":{}}}`, true},
		{"object with a key twice", `{"a":1,"a":2}`, true},
		{"array", `[[],{},"",0]`, true},
		{"whitespace", " [ 1 ,\t{ \"a\" : null }\r\n]", true},
		{"overflow", `1e309`, false},
		{"leading zero", `00`, false},
		{"bare minus", `-`, false},
		{"point without digits", `1.`, false},
		{"empty", ``, false},
		{"only whitespace", ` `, false},
		{"unclosed array", `[1`, false},
		{"unclosed object", `{"a":1`, false},
		{"unclosed string", `"abc`, false},
		{"bad literal", `nul`, false},
		{"colon in an array", `[1:2]`, false},
		{"comma in an object", `{"a",1}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := recordScanner{data: []byte(tt.in)}
			got, ok := s.anyValue(0)
			var want any
			err := json.Unmarshal([]byte(tt.in), &want)
			require.Equal(t, tt.ok, err == nil, "json.Unmarshal: %v", err)
			s.skipWS()
			require.Equal(t, tt.ok, ok && s.pos == len(tt.in), "ok %v, stopped at %d", ok, s.pos)
			if tt.ok {
				require.Equal(t, want, got)
			}
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
// record of about 1 KB, its response body stored as JSON or as text, and
// on that record with the ten flags of benchFlags (about 2 KB).
func BenchmarkDecodeRecord(b *testing.B) {
	for _, body := range []struct {
		name   string
		asText bool
		flags  []flags.FlagValue
	}{{"json", false, nil}, {"text", true, nil}, {"json/flags=10", false, benchFlags()}} {
		rec := benchRecord(body.asText)
		rec.Flags = body.flags
		line, err := AppendRecord(nil, rec)
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
