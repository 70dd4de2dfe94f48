package capture

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// harSchemaFile is the JSON Schema of a HAR 1.2 document, written from
// the specification's field tables.
const harSchemaFile = "testdata/har/har-1.2.schema.json"

const harSchemaID = "https://github.com/reprokit/reprokit/capture/testdata/har/har-1.2.schema.json"

// harSchema compiles harSchemaFile once.
var harSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	return compileSchema(harSchemaFile, harSchemaID)
})

// validateHAR fails t unless doc is valid JSON, valid UTF-8 and a valid
// HAR 1.2 document.
func validateHAR(t testing.TB, doc []byte) {
	t.Helper()
	require.True(t, utf8.Valid(doc), "the document is not UTF-8")
	require.True(t, json.Valid(doc), "the document is not JSON:\n%s", doc)
	sch, err := harSchema()
	require.NoError(t, err, "compiling %s", harSchemaFile)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	require.NoError(t, err)
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("the document does not match %s: %v\n%s", harSchemaFile, err, doc)
	}
}

// The HAR document as a reader written from the specification sees it,
// independent of the types WriteHAR encodes.
type (
	testHAR struct {
		Log struct {
			Version string `json:"version"`
			Creator struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"creator"`
			Entries []testHAREntry `json:"entries"`
		} `json:"log"`
	}
	testHAREntry struct {
		StartedDateTime string  `json:"startedDateTime"`
		Time            float64 `json:"time"`
		Comment         string  `json:"comment"`
		Request         struct {
			Method      string         `json:"method"`
			URL         string         `json:"url"`
			HTTPVersion string         `json:"httpVersion"`
			Cookies     []testHARPair  `json:"cookies"`
			Headers     []testHARPair  `json:"headers"`
			QueryString []testHARPair  `json:"queryString"`
			PostData    *testHARPosted `json:"postData"`
			HeadersSize int64          `json:"headersSize"`
			BodySize    int64          `json:"bodySize"`
			Trailers    []testHARPair  `json:"_trailers"`
		} `json:"request"`
		Response struct {
			Status      int           `json:"status"`
			StatusText  string        `json:"statusText"`
			HTTPVersion string        `json:"httpVersion"`
			Cookies     []testHARPair `json:"cookies"`
			Headers     []testHARPair `json:"headers"`
			Content     struct {
				Size     int64  `json:"size"`
				MimeType string `json:"mimeType"`
				Text     string `json:"text"`
				Encoding string `json:"encoding"`
				Comment  string `json:"comment"`
			} `json:"content"`
			RedirectURL string        `json:"redirectURL"`
			HeadersSize int64         `json:"headersSize"`
			BodySize    int64         `json:"bodySize"`
			Trailers    []testHARPair `json:"_trailers"`
		} `json:"response"`
		Timings struct {
			Send    float64 `json:"send"`
			Wait    float64 `json:"wait"`
			Receive float64 `json:"receive"`
		} `json:"timings"`
		Reprokit map[string]any `json:"_reprokit"`
	}
	testHARPair struct {
		Name     string `json:"name"`
		Value    string `json:"value"`
		Path     string `json:"path"`
		Domain   string `json:"domain"`
		Expires  string `json:"expires"`
		HTTPOnly bool   `json:"httpOnly"`
		Secure   bool   `json:"secure"`
	}
	testHARPosted struct {
		MimeType string        `json:"mimeType"`
		Text     *string       `json:"text"`
		Params   []testHARPair `json:"params"`
		Comment  string        `json:"comment"`
		Encoding string        `json:"_encoding"`
	}
)

// writeHAR writes recs, validates the document and returns it decoded.
func writeHAR(t testing.TB, recs ...*Record) testHAR {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteHAR(&buf, recs, &HAROptions{Creator: "test", Version: "1"}))
	validateHAR(t, buf.Bytes())
	var h testHAR
	require.NoError(t, json.Unmarshal(buf.Bytes(), &h))
	require.Len(t, h.Log.Entries, len(recs))
	return h
}

func pairs(kv ...string) []testHARPair {
	var out []testHARPair
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, testHARPair{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestWriteHARFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/records/*.jsonl")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			recs, err := ReadFile(file)
			require.NoError(t, err)
			h := writeHAR(t, recs...)
			assert.Equal(t, "1.2", h.Log.Version)
			for i, e := range h.Log.Entries {
				assert.Equal(t, e.Time, e.Timings.Send+e.Timings.Wait+e.Timings.Receive, "entry %d: time is the sum of the timings", i)
				assert.Contains(t, e.Request.URL, "://", "entry %d: the URL is absolute", i)
				assert.NotEmpty(t, e.Reprokit["id"], "entry %d", i)
			}
		})
	}
}

func TestWriteHAREntry(t *testing.T) {
	start := time.Date(2025, 6, 2, 14, 3, 11, 402118000, time.UTC)
	rec := &Record{
		Schema: Schema, Kind: KindHTTP, ID: "1f0c6a2b9d8e47f3a5b6c7d8e9f01234",
		Start: start, Duration: 3814200 * time.Nanosecond,
		CorrelationID: "req-1", TraceID: "1f0c6a2b1f0c6a2b1f0c6a2b1f0c6a2b", SpanID: "9d8e47f3a5b6c7d8",
		Reason: ReasonFailure, EnvID: "a3f1c09b7e2d4c58",
		Request: Request{
			Method: "POST", URL: "/orders/42?include=items&token=[REDACTED]&q=a%20b", Host: "orders.internal",
			Proto: "HTTP/1.1", Route: "POST /orders/{id}",
			Header: http.Header{
				"Content-Type": {"application/json"},
				"Cookie":       {"session=[REDACTED]; theme=dark", "[REDACTED]"},
				"Accept":       {"a", "b"},
			},
			Trailer: http.Header{"X-Checksum": {"abc"}},
			Body:    Body{ContentType: "application/json", Size: 200, Truncated: true, Text: `{"sku":"BK-1"`},
		},
		Response: Response{
			Status: 302,
			Header: http.Header{
				"Location":   {"/orders/43"},
				"Set-Cookie": {"sid=[REDACTED]; Path=/; Domain=example.com; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure", "bare=[REDACTED]; ;;=="},
			},
			Body: Body{ContentType: "image/png", Size: 4, Base64: base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G'})},
		},
		Error: "client disconnected",
	}
	e := writeHAR(t, rec).Log.Entries[0]

	assert.Equal(t, "2025-06-02T14:03:11.402Z", e.StartedDateTime)
	assert.InDelta(t, 3.8142, e.Time, 1e-9)
	assert.InDelta(t, 3.8142, e.Timings.Wait, 1e-9)
	assert.Zero(t, e.Timings.Send)
	assert.Zero(t, e.Timings.Receive)

	r := e.Request
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "http://orders.internal/orders/42?include=items&token=[REDACTED]&q=a%20b", r.URL)
	assert.Equal(t, "HTTP/1.1", r.HTTPVersion)
	assert.Equal(t, pairs("Host", "orders.internal", "Accept", "a", "Accept", "b",
		"Content-Type", "application/json",
		"Cookie", "session=[REDACTED]; theme=dark", "Cookie", "[REDACTED]"), r.Headers)
	assert.Equal(t, pairs("session", "[REDACTED]", "theme", "dark"), r.Cookies)
	assert.Equal(t, pairs("include", "items", "token", "[REDACTED]", "q", "a b"), r.QueryString)
	assert.Equal(t, pairs("X-Checksum", "abc"), r.Trailers)
	assert.EqualValues(t, -1, r.HeadersSize)
	assert.EqualValues(t, 200, r.BodySize)
	require.NotNil(t, r.PostData)
	require.NotNil(t, r.PostData.Text)
	assert.Equal(t, `{"sku":"BK-1"`, *r.PostData.Text)
	assert.Equal(t, "application/json", r.PostData.MimeType)
	assert.Contains(t, r.PostData.Comment, "the first 13 of 200 bytes")

	s := e.Response
	assert.Equal(t, 302, s.Status)
	assert.Equal(t, "Found", s.StatusText)
	assert.Equal(t, "HTTP/1.1", s.HTTPVersion)
	assert.Equal(t, "/orders/43", s.RedirectURL)
	require.Len(t, s.Cookies, 2)
	assert.Equal(t, testHARPair{Name: "sid", Value: "[REDACTED]", Path: "/", Domain: "example.com",
		Expires: "2026-10-21T07:28:00.000Z", HTTPOnly: true, Secure: true}, s.Cookies[0])
	assert.Equal(t, "bare", s.Cookies[1].Name)
	assert.Equal(t, "iVBORw==", s.Content.Text)
	assert.Equal(t, "base64", s.Content.Encoding)
	assert.Equal(t, "image/png", s.Content.MimeType)
	assert.EqualValues(t, 4, s.Content.Size)
	assert.EqualValues(t, 4, s.BodySize)
	assert.Empty(t, s.Content.Comment)

	assert.Equal(t, map[string]any{
		"id": rec.ID, "kind": "http", "correlation_id": "req-1", "trace_id": rec.TraceID, "span_id": rec.SpanID,
		"reason": "failure", "route": "POST /orders/{id}", "env_id": "a3f1c09b7e2d4c58", "truncated": true,
		"error": "client disconnected",
	}, e.Reprokit)
}

func TestWriteHARBodies(t *testing.T) {
	text := func(s string) *string { return &s }
	for _, tt := range []struct {
		name    string
		body    Body
		header  http.Header
		want    *testHARPosted
		content func(t *testing.T, e testHAREntry)
	}{
		{
			name: "no body",
			body: Body{},
			want: nil,
		},
		{
			name:   "form whole",
			body:   Body{Size: 25, Text: "a=1&b=%5BREDACTED%5D&c=x+y"},
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}},
			want: &testHARPosted{MimeType: "application/x-www-form-urlencoded; charset=utf-8",
				Params: pairs("a", "1", "b", "[REDACTED]", "c", "x y")},
		},
		{
			name: "form cut is text",
			body: Body{ContentType: "application/x-www-form-urlencoded", Size: 100, Truncated: true, Text: "a=1&b="},
			want: &testHARPosted{MimeType: "application/x-www-form-urlencoded", Text: text("a=1&b="),
				Comment: "body cut when captured: the first 6 of 100 bytes"},
		},
		{
			name: "empty form is text",
			body: Body{ContentType: "application/x-www-form-urlencoded", Size: 1, Text: "&"},
			want: &testHARPosted{MimeType: "application/x-www-form-urlencoded", Text: text("&")},
		},
		{
			name: "binary",
			body: Body{ContentType: "application/octet-stream", Size: 3, Base64: "AP8A"},
			want: &testHARPosted{MimeType: "application/octet-stream", Text: text("AP8A"), Encoding: "base64",
				Comment: "binary body in base64 (\"_encoding\"): HAR 1.2 defines an encoding for response content only"},
		},
		{
			name: "omitted",
			body: Body{ContentType: "application/pdf", Size: 5000, Omitted: true, Text: "[omitted: 5000 bytes]"},
			want: &testHARPosted{MimeType: "application/pdf", Text: text(""),
				Comment: "body omitted when captured (5000 bytes): the redaction rules keep no body of this type"},
		},
		{
			name: "size without stored bytes",
			body: Body{Size: 7},
			want: &testHARPosted{MimeType: "", Text: text("")},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &Record{
				Request:  Request{Method: "POST", URL: "/", Header: tt.header, Body: tt.body},
				Response: Response{Status: 200, Body: tt.body},
			}
			e := writeHAR(t, rec).Log.Entries[0]
			assert.Equal(t, tt.want, e.Request.PostData)
			c := e.Response.Content
			switch {
			case tt.body.Omitted:
				assert.Empty(t, c.Text)
				assert.Contains(t, c.Comment, "omitted")
			case tt.body.Base64 != "":
				assert.Equal(t, tt.body.Base64, c.Text)
				assert.Equal(t, "base64", c.Encoding)
			default:
				assert.Equal(t, tt.body.Text, c.Text)
				assert.Empty(t, c.Encoding)
			}
			assert.Equal(t, tt.body.Size, c.Size)
		})
	}
}

func TestWriteHARURL(t *testing.T) {
	for _, tt := range []struct {
		name      string
		url, host string
		want      string
	}{
		{"path", "/a/b?c=d", "svc:8080", "http://svc:8080/a/b?c=d"},
		{"no host", "/a", "", "http://localhost/a"},
		{"bad host", "/a", "evil.com/x?", "http://localhost/a"},
		{"absolute", "https://api.example.com/v1?x=1#frag", "ignored", "https://api.example.com/v1?x=1"},
		{"fragment", "/a#top", "h", "http://h/a"},
		{"asterisk", "*", "h", "http://h/*"},
		{"empty", "", "h", "http://h/"},
		{"ascii controls", "/a\r\nX-Evil: 1", "h", "http://h/a%0D%0AX-Evil:%201"},
		{"invalid utf-8", "/caf\xe9", "h", "http://h/caf%E9"},
		{"utf-8", "/café", "h", "http://h/caf%C3%A9"},
		{"excluded", "/a\"<>\\^`{|}", "h", "http://h/a%22%3C%3E%5C%5E%60%7B%7C%7D"},
		{"bare percent", "/100%?p=%zz&q=%41", "h", "http://h/100%25?p=%25zz&q=%41"},
		{"ftp is a path", "ftp://x/y", "h", "http://h/ftp://x/y"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &Record{Request: Request{Method: "GET", URL: tt.url, Host: tt.host}}
			e := writeHAR(t, rec).Log.Entries[0]
			assert.Equal(t, tt.want, e.Request.URL)
		})
	}
}

func TestWriteHARGRPC(t *testing.T) {
	recs, err := ReadFile("testdata/records/grpc.jsonl")
	require.NoError(t, err)
	h := writeHAR(t, recs...)
	for i, e := range h.Log.Entries {
		assert.Equal(t, "POST", e.Request.Method, "entry %d", i)
		assert.Equal(t, "HTTP/2.0", e.Request.HTTPVersion, "entry %d", i)
		assert.Equal(t, "grpc", e.Reprokit["kind"], "entry %d", i)
		assert.Contains(t, e.Comment, "gRPC", "entry %d", i)
		assert.NotNil(t, e.Reprokit["grpc"], "entry %d", i)
		assert.NotEmpty(t, e.Response.Trailers, "entry %d: Grpc-Status is a trailer", i)
	}
	// A gRPC record without a protocol is still HTTP/2.
	e := writeHAR(t, &Record{Kind: KindGRPC, Request: Request{Method: "POST", URL: "/pkg.S/M"}}).Log.Entries[0]
	assert.Equal(t, "HTTP/2.0", e.Request.HTTPVersion)
}

func TestWriteHARHostile(t *testing.T) {
	crlf := "a\r\nSet-Cookie: x=1\r\n\r\n<script>"
	bad := "\xff\xfe\x00\x1b[31m\u2028"
	rec := &Record{
		Schema: Schema, Kind: KindHTTP, ID: bad, CorrelationID: crlf, Reason: bad,
		Start:    time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC),
		Duration: -time.Second,
		Request: Request{
			Method: crlf, URL: "/" + crlf + bad + "?" + bad + "=" + crlf, Host: crlf, Proto: bad, Route: bad,
			Header:  http.Header{crlf: {bad}, bad: {crlf}, "Cookie": {bad + "=" + crlf}},
			Trailer: http.Header{bad: {bad}},
			Body:    Body{ContentType: bad, Size: -5, Text: crlf + bad, Truncated: true},
		},
		Response: Response{
			Status: -1,
			Header: http.Header{"Set-Cookie": {crlf + "=" + bad + "; Expires=" + bad}, "Location": {crlf}},
			Body:   Body{ContentType: bad, Size: 1 << 62, Base64: bad},
		},
		GRPC:  &GRPCStatus{Code: bad, Message: crlf},
		Error: bad, Panic: crlf,
	}
	var buf bytes.Buffer
	require.NoError(t, WriteHAR(&buf, []*Record{rec, {}, {Request: Request{URL: bad}}}, nil))
	doc := buf.Bytes()
	validateHAR(t, doc)
	assert.NotContains(t, string(doc), "\r", "control characters are escaped")
	assert.NotContains(t, string(doc), "\x1b")
	var h testHAR
	require.NoError(t, json.Unmarshal(doc, &h))
	require.Len(t, h.Log.Entries, 3)
	for _, e := range h.Log.Entries {
		if e.Reprokit["correlation_id"] == crlf {
			assert.Equal(t, "0001-01-01T00:00:00.000Z", e.StartedDateTime, "a year RFC 3339 cannot write")
			assert.Zero(t, e.Time, "a negative duration")
		}
	}
}

func TestWriteHAROrder(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := []*Record{
		{ID: "c", Start: t0.Add(2 * time.Second)},
		{ID: "a1", Start: t0},
		{ID: "b", Start: t0.Add(time.Second)},
		{ID: "a2", Start: t0},
	}
	h := writeHAR(t, recs...)
	var ids []string
	for _, e := range h.Log.Entries {
		ids = append(ids, e.Reprokit["id"].(string))
	}
	assert.Equal(t, []string{"a1", "a2", "b", "c"}, ids)
	assert.Equal(t, "c", recs[0].ID, "recs is not reordered")
}

func TestWriteHAREmpty(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteHAR(&buf, nil, &HAROptions{Creator: "debugctl", Version: "v1.2.3"}))
	validateHAR(t, buf.Bytes())
	assert.JSONEq(t, `{"log":{"version":"1.2","creator":{"name":"debugctl","version":"v1.2.3"},"entries":[]}}`, buf.String())
}

func TestWriteHARDefaultCreator(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteHAR(&buf, nil, nil))
	var h testHAR
	require.NoError(t, json.Unmarshal(buf.Bytes(), &h))
	assert.Equal(t, HARCreator, h.Log.Creator.Name)
	assert.NotEmpty(t, h.Log.Creator.Version)
}

func TestWriteHARRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		rec  *Record
		want error
	}{
		{"nil", nil, ErrNilRecord},
		{"schema", &Record{Schema: "reprokit.capture.v9"}, ErrSchema},
		{"env", &Record{Kind: KindEnv}, ErrKind},
		{"unknown kind", &Record{Kind: "\x1b[31mws"}, ErrKind},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WriteHAR(&buf, []*Record{{}, tt.rec}, nil)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), "record 1")
			assert.NotContains(t, err.Error(), "\x1b")
			assert.Zero(t, buf.Len(), "nothing is written")
		})
	}
}

type failingHARWriter struct{ n int }

func (w *failingHARWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestWriteHARWriteError(t *testing.T) {
	big := &Record{Response: Response{Body: Body{Text: strings.Repeat("x", 100<<10)}}}
	for _, n := range []int{0, 1, 3} {
		err := WriteHAR(&failingHARWriter{n: n}, []*Record{big, big, big}, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "disk full")
	}
}

func TestEscapeURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"http://h/a?b=c":   "http://h/a?b=c",
		"http://h/[x]":     "http://h/[x]",
		"http://h/%":       "http://h/%25",
		"http://h/%4":      "http://h/%254",
		"http://h/%41%zz":  "http://h/%41%25zz",
		"http://h/a b\x7f": "http://h/a%20b%7F",
	} {
		assert.Equal(t, want, escapeURL(in), "escapeURL(%q)", in)
	}
}

// FuzzWriteHAR writes the records of a capture file as a HAR document,
// which must always be valid JSON and UTF-8 and match the HAR 1.2
// schema, with one entry a record. Seeds are in
// testdata/fuzz/FuzzWriteHAR.
func FuzzWriteHAR(f *testing.F) {
	for _, file := range []string{"testdata/records/orders.jsonl", "testdata/records/grpc.jsonl"} {
		data, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _ := ReadRecords(bytes.NewReader(data))
		var buf bytes.Buffer
		if err := WriteHAR(&buf, recs, &HAROptions{Creator: "fuzz", Version: "0"}); err != nil {
			t.Fatalf("WriteHAR of decoded records: %v", err)
		}
		validateHAR(t, buf.Bytes())
		var h testHAR
		require.NoError(t, json.Unmarshal(buf.Bytes(), &h))
		require.Len(t, h.Log.Entries, len(recs))
	})
}
