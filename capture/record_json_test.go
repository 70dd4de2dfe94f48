package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/flags"
)

// encodeLines returns the lines of the records and snapshots in vs, in
// order, as a capture file holds them.
func encodeLines(t testing.TB, vs ...any) []byte {
	t.Helper()
	var out []byte
	var err error
	for _, v := range vs {
		switch v := v.(type) {
		case *Record:
			c := *v // AppendRecord may fill in Schema and Kind
			out, err = AppendRecord(out, &c)
		case *Env:
			out, err = AppendEnv(out, v)
		default:
			t.Fatalf("encodeLines: %T", v)
		}
		require.NoError(t, err)
	}
	return out
}

// decodeAll reads every record of data, failing t on any error.
func decodeAll(t testing.TB, r io.Reader) (*Decoder, []*Record) {
	t.Helper()
	d := NewDecoder(r)
	var out []*Record
	for {
		rec, err := d.Next()
		if err == io.EOF {
			return d, out
		}
		require.NoError(t, err)
		out = append(out, rec)
	}
}

// withEnv returns a copy of rec with its EnvID and Env set.
func withEnv(rec *Record, env *Env) *Record {
	c := *rec
	c.Env = env
	if env != nil {
		c.EnvID = env.ID
	}
	return &c
}

// withEnvID returns a copy of rec referring to the snapshot id, with no
// Env.
func withEnvID(rec *Record, id string) *Record {
	c := *rec
	c.EnvID, c.Env = id, nil
	return &c
}

// TestDecoderRoundTrip: records written by AppendRecord read back equal,
// each with the Env of the snapshot line before it that it refers to;
// a record whose snapshot is not before it in the file has no Env.
func TestDecoderRoundTrip(t *testing.T) {
	fx := fixtureRecords()
	full, grpc, omitted, minimal := fx[0].rec, fx[1].rec, fx[2].rec, fx[3].rec
	env1 := fixtureEnv()
	env2 := fixtureEnv()
	env2.ID, env2.Service = "0123456789abcdef", "orders-canary"
	env2.Flags = nil

	file := encodeLines(t,
		withEnvID(full, env2.ID), // before env2's line: not attached
		env1,
		withEnvID(full, env1.ID),
		withEnvID(grpc, env1.ID),
		env2,
		withEnvID(omitted, env2.ID),
		withEnvID(minimal, ""),
		withEnvID(full, "aaaaaaaaaaaaaaaa"), // no such snapshot
		withEnvID(grpc, env1.ID),
	)
	want := []*Record{
		withEnvID(full, env2.ID),
		withEnv(full, env1),
		withEnv(grpc, env1),
		withEnv(omitted, env2),
		withEnvID(minimal, ""),
		withEnvID(full, "aaaaaaaaaaaaaaaa"),
		withEnv(grpc, env1),
	}
	d, got := decodeAll(t, bytes.NewReader(file))
	require.Equal(t, want, got)
	assert.Same(t, got[1].Env, got[6].Env, "records of one snapshot share it")

	e, ok := d.Env(env1.ID)
	require.True(t, ok)
	assert.Equal(t, env1, e)
	_, ok = d.Env("aaaaaaaaaaaaaaaa")
	assert.False(t, ok)
	envs := d.Envs()
	slices.SortFunc(envs, func(a, b *Env) int { return strings.Compare(a.ID, b.ID) })
	assert.Equal(t, []*Env{env2, env1}, envs)

	recs, err := ReadRecords(bytes.NewReader(file))
	require.NoError(t, err)
	assert.Equal(t, want, recs)

	for _, line := range bytes.SplitAfter(file, []byte("\n")) {
		if len(line) > 0 {
			validateLine(t, line)
		}
	}
}

// TestAppendEnvSetsSchemaAndKind: AppendEnv writes the line's schema and
// kind whatever the Env holds, and does not change the Env.
func TestAppendEnvSetsSchemaAndKind(t *testing.T) {
	env := fixtureEnv()
	env.Schema, env.Kind = "", "something else"
	line, err := AppendEnv([]byte("prefix\n"), env)
	require.NoError(t, err)
	assert.Equal(t, "something else", env.Kind, "AppendEnv changed its argument")
	line, ok := bytes.CutPrefix(line, []byte("prefix\n"))
	require.True(t, ok, "AppendEnv did not append to dst")
	var head struct{ Schema, Kind string }
	require.NoError(t, json.Unmarshal(line, &head))
	assert.Equal(t, Schema, head.Schema)
	assert.Equal(t, KindEnv, head.Kind)
}

// TestDecoderLineEndings: CRLF line endings, blank and white-space lines
// and a last line without a newline read as plain LF lines, however the
// reader splits its reads.
func TestDecoderLineEndings(t *testing.T) {
	fx := fixtureRecords()
	r1, r2 := fx[0].rec, fx[1].rec
	l1 := strings.TrimSuffix(string(encodeLines(t, r1)), "\n")
	l2 := strings.TrimSuffix(string(encodeLines(t, r2)), "\n")
	inputs := []struct {
		name string
		file string
		want []*Record
	}{
		{"LF", l1 + "\n" + l2 + "\n", []*Record{r1, r2}},
		{"CRLF", l1 + "\r\n" + l2 + "\r\n", []*Record{r1, r2}},
		{"mixed", l1 + "\r\n" + l2 + "\n", []*Record{r1, r2}},
		{"blank lines", "\n\n" + l1 + "\n\n \t \n" + l2 + "\n\n\n", []*Record{r1, r2}},
		{"blank CRLF lines", "\r\n\r\n" + l1 + "\r\n\r\n" + l2 + "\r\n\r\n", []*Record{r1, r2}},
		{"indented", "  " + l1 + "\n\t" + l2 + "  \n", []*Record{r1, r2}},
		{"last line without newline", l1 + "\n" + l2, []*Record{r1, r2}},
		{"last line ends in CR", l1 + "\r\n" + l2 + "\r", []*Record{r1, r2}},
		{"trailing blanks without newline", l1 + "\n" + l2 + "\n  ", []*Record{r1, r2}},
		{"empty", "", nil},
		{"only blank lines", "\n\r\n \n\t", nil},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"one byte", iotest.OneByteReader},
		{"half", iotest.HalfReader},
		{"data with EOF", iotest.DataErrReader},
	}
	for _, in := range inputs {
		for _, rd := range readers {
			t.Run(in.name+"/"+rd.name, func(t *testing.T) {
				_, got := decodeAll(t, rd.wrap(strings.NewReader(in.file)))
				assert.Equal(t, in.want, got)
			})
		}
	}
}

// nextError calls d.Next, which must fail with a *LineError of the given
// line, and returns it.
func nextError(t *testing.T, d *Decoder, line int) *LineError {
	t.Helper()
	rec, err := d.Next()
	require.Error(t, err, "got a record: %+v", rec)
	var le *LineError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, line, le.Line)
	assertSafeErrorText(t, err)
	return le
}

// nextRecord calls d.Next, which must return a record equal to want.
func nextRecord(t *testing.T, d *Decoder, want *Record) {
	t.Helper()
	rec, err := d.Next()
	require.NoError(t, err)
	assert.Equal(t, want, rec)
}

// nextEOF calls d.Next, which must return io.EOF, twice.
func nextEOF(t *testing.T, d *Decoder) {
	t.Helper()
	for range 2 {
		rec, err := d.Next()
		require.Equal(t, io.EOF, err, "got %+v", rec)
	}
}

// assertSafeErrorText checks that err's text can be logged or shown as
// it is: valid UTF-8, one line, no control or format characters.
func assertSafeErrorText(t testing.TB, err error) {
	t.Helper()
	msg := err.Error()
	if !utf8.ValidString(msg) {
		t.Errorf("error text is not valid UTF-8: %q", msg)
	}
	for _, r := range msg {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Errorf("error text holds %U raw: %q", r, msg)
			return
		}
	}
}

// TestDecoderUnknownSchema: a line of another schema is a *LineError
// wrapping ErrSchema, with its line number; the schema value it shows is
// cleaned and short, however hostile; the Decoder goes on.
func TestDecoderUnknownSchema(t *testing.T) {
	fx := fixtureRecords()
	r1, r2 := fx[0].rec, fx[3].rec
	for _, tt := range []struct {
		name   string
		schema string // raw JSON of the schema member, "" for none
	}{
		{"next version", `"schema":"reprokit.capture.v2",`},
		{"empty", `"schema":"",`},
		{"missing", ``},
		{"null", `"schema":null,`},
		{"CRLF injection", `"schema":"v1\r\ncapture: line 9: all good",`},
		{"terminal escape", `"schema":"\u001b[31mred\u001b[0m\u0007",`},
		{"NUL and DEL", `"schema":"a\u0000b\u007fc",`},
		{"bidi override", `"schema":"\u202etxt.exe\u2066",`},
		{"line separator", `"schema":"a\u2028b",`},
		{"invalid UTF-8", "\"schema\":\"\xff\xfe\xc3\","},
		{"long", `"schema":"` + strings.Repeat("reprokit.capture.v1", 5000) + `",`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := encodeLines(t, r1)
			file = append(file, `{`+tt.schema+`"kind":"http","id":"0123456789abcdef0123456789abcdef"}`+"\n"...)
			file = append(file, encodeLines(t, r2)...)
			d := NewDecoder(bytes.NewReader(file))
			nextRecord(t, d, r1)
			le := nextError(t, d, 2)
			assert.ErrorIs(t, le, ErrSchema)
			assert.Empty(t, le.File)
			msg := le.Error()
			assert.Contains(t, msg, "line 2")
			assert.Contains(t, msg, Schema, "the error says which schema this version reads")
			assert.LessOrEqual(t, len(msg), 512, "error text too long: %q", msg)
			nextRecord(t, d, r2)
			nextEOF(t, d)
		})
	}
}

// TestDecoderUnknownKind: a line of an unknown kind is a *LineError
// wrapping ErrKind, cleaned like a schema; the Decoder goes on.
func TestDecoderUnknownKind(t *testing.T) {
	r1 := fixtureRecords()[0].rec
	for _, tt := range []struct{ name, kind string }{
		{"websocket", `"kind":"websocket",`},
		{"upper case", `"kind":"HTTP",`},
		{"empty", `"kind":"",`},
		{"missing", ``},
		{"CRLF and escape", `"kind":"http\r\n\u001b[2J",`},
		{"long", `"kind":"` + strings.Repeat("x", 100000) + `",`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := []byte(`{"schema":"reprokit.capture.v1",` + tt.kind + `"id":"x"}` + "\n")
			file = append(file, encodeLines(t, r1)...)
			d := NewDecoder(bytes.NewReader(file))
			le := nextError(t, d, 1)
			assert.ErrorIs(t, le, ErrKind)
			assert.LessOrEqual(t, len(le.Error()), 512, "error text too long")
			nextRecord(t, d, r1)
			nextEOF(t, d)
		})
	}
}

// TestDecoderMalformedLines: a line that is not JSON, or JSON of the
// wrong shape, is a *LineError of its line, and the Decoder goes on with
// the next line.
func TestDecoderMalformedLines(t *testing.T) {
	r1, r2 := fixtureRecords()[0].rec, fixtureRecords()[3].rec
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	bad := []struct {
		line    string
		errType any // pointer to the type Err must be
	}{
		{`{"schema":`, &syntax},
		{`not json`, &syntax},
		{`{"schema":"reprokit.capture.v1","kind":"http"} {"second":"object"}`, &syntax},
		{`{"schema":"reprokit.capture.v1","kind":"http","id":"` + "\x01" + `"}`, &syntax},
		{`[1,2,3]`, &typ},
		{`"reprokit.capture.v1"`, &typ},
		{`{"schema":1,"kind":"http"}`, &typ},
		{`{"schema":"reprokit.capture.v1","kind":"http","duration_ns":"1ms"}`, &typ},
		{`{"schema":"reprokit.capture.v1","kind":"http","response":{"status":"200"}}`, &typ},
		{`{"schema":"reprokit.capture.v1","kind":"http","response":{"status":200.5}}`, &typ},
		{`{"schema":"reprokit.capture.v1","kind":"env","runtime":[]}`, &typ},
		{`{"schema":"reprokit.capture.v1","kind":"http","flags":[{"value":1e999}]}`, &typ},
		{`{"schema":"reprokit.capture.v1","kind":"http","flags":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, nil},
	}
	file := encodeLines(t, r1)
	for _, b := range bad {
		file = append(file, b.line+"\n"...)
	}
	file = append(file, encodeLines(t, r2)...)

	d := NewDecoder(bytes.NewReader(file))
	nextRecord(t, d, r1)
	for i, b := range bad {
		le := nextError(t, d, i+2)
		if b.errType != nil {
			assert.ErrorAs(t, le.Err, b.errType, "line %d: %v", i+2, le)
		}
	}
	nextRecord(t, d, r2)
	nextEOF(t, d)
}

// TestDecoderTruncatedLastLine: a file cut anywhere in its last line
// ends with ErrTruncatedLine for that line, then io.EOF; cut just before
// the newline, the line is whole and read.
func TestDecoderTruncatedLastLine(t *testing.T) {
	fx := fixtureRecords()
	r1, r2 := fx[0].rec, fx[1].rec
	first := encodeLines(t, r1)
	last := bytes.TrimSuffix(encodeLines(t, r2), []byte("\n"))
	for cut := 1; cut < len(last); cut++ {
		file := append(slices.Clip(first), last[:cut]...)
		d := NewDecoder(bytes.NewReader(file))
		nextRecord(t, d, r1)
		le := nextError(t, d, 2)
		require.ErrorIs(t, le, ErrTruncatedLine, "cut at %d: %q", cut, last[:cut])
		nextEOF(t, d)
	}
	t.Run("whole last line", func(t *testing.T) {
		d := NewDecoder(bytes.NewReader(append(slices.Clip(first), last...)))
		nextRecord(t, d, r1)
		nextRecord(t, d, r2)
		nextEOF(t, d)
	})
	t.Run("ReadFile", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "cut.jsonl")
		require.NoError(t, os.WriteFile(path, append(slices.Clip(first), last[:len(last)/2]...), 0o600))
		recs, err := ReadFile(path)
		assert.Equal(t, []*Record{r1}, recs)
		require.ErrorIs(t, err, ErrTruncatedLine)
		assert.Contains(t, err.Error(), path+":2:")
	})
}

// repeatReader reads n copies of the byte b, without holding them.
type repeatReader struct {
	b byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	if len(p) > 0 {
		p[0] = r.b
		for filled := 1; filled < len(p); filled *= 2 {
			copy(p[filled:], p[:filled])
		}
	}
	r.n -= int64(len(p))
	return len(p), nil
}

// longLine returns a reader of one line of JSON that is n bytes long
// without its newline, mostly padding it does not hold.
func longLine(n int) io.Reader {
	const head, tail = `{"schema":"reprokit.capture.v1","kind":"http","pad":"`, `"}`
	return io.MultiReader(strings.NewReader(head),
		&repeatReader{b: 'a', n: int64(n - len(head) - len(tail))},
		strings.NewReader(tail))
}

// TestDecoderLineTooLong: a line longer than MaxLineBytes is a *LineError
// wrapping ErrLineTooLong, and the Decoder goes on after it.
func TestDecoderLineTooLong(t *testing.T) {
	fx := fixtureRecords()
	r1, r2 := fx[0].rec, fx[3].rec
	for _, tt := range []struct {
		name string
		n    int
		end  string
	}{
		{"one byte over", MaxLineBytes + 1, "\n"},
		{"one byte over, CRLF", MaxLineBytes + 1, "\r\n"},
		{"17 MiB", 17 << 20, "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(io.MultiReader(bytes.NewReader(encodeLines(t, r1)),
				longLine(tt.n), strings.NewReader(tt.end),
				bytes.NewReader(encodeLines(t, r2))))
			nextRecord(t, d, r1)
			le := nextError(t, d, 2)
			assert.ErrorIs(t, le, ErrLineTooLong)
			nextRecord(t, d, r2)
			nextEOF(t, d)
		})
	}
	t.Run("last line, no newline", func(t *testing.T) {
		d := NewDecoder(io.MultiReader(bytes.NewReader(encodeLines(t, r1)), longLine(MaxLineBytes+10)))
		nextRecord(t, d, r1)
		le := nextError(t, d, 2)
		assert.ErrorIs(t, le, ErrLineTooLong)
		nextEOF(t, d)
	})
	t.Run("longest line", func(t *testing.T) {
		// A line of exactly MaxLineBytes bytes is not "longer than
		// MaxLineBytes": its newline does not count (it once did).
		rec := &Record{Schema: Schema, Kind: KindHTTP, ID: "0123456789abcdef0123456789abcdef",
			Start: fixtureTime, Reason: ReasonManual, Request: Request{Method: "GET", URL: "/", Body: Body{Text: "x"}}}
		line := encodeLines(t, rec)
		head, tail, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\n")), []byte(`"text":"x"`))
		require.True(t, ok)
		pad := MaxLineBytes - len(head) - len(tail) - len(`"text":""`)
		d := NewDecoder(io.MultiReader(bytes.NewReader(head), strings.NewReader(`"text":"`),
			&repeatReader{b: 'y', n: int64(pad)}, strings.NewReader(`"`), bytes.NewReader(tail),
			strings.NewReader("\n"), bytes.NewReader(encodeLines(t, r2))))
		got, err := d.Next()
		require.NoError(t, err, "a line of exactly MaxLineBytes bytes")
		assert.Len(t, got.Request.Body.String(), pad)
		nextRecord(t, d, r2)
		nextEOF(t, d)
	})
}

// TestDecoderReadError: an error of the reader ends the Decoder with
// that error, every time Next is called again; it is not a *LineError.
func TestDecoderReadError(t *testing.T) {
	r1 := fixtureRecords()[0].rec
	errDisk := errors.New("disk on fire")
	for _, tt := range []struct {
		name string
		rest io.Reader
	}{
		{"between lines", iotest.ErrReader(errDisk)},
		{"inside a line", io.MultiReader(strings.NewReader(`{"schema":"repro`), iotest.ErrReader(errDisk))},
		{"inside a long line", io.MultiReader(&repeatReader{b: 'a', n: 1 << 20}, iotest.ErrReader(errDisk))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(io.MultiReader(bytes.NewReader(encodeLines(t, r1)), tt.rest))
			nextRecord(t, d, r1)
			for range 2 {
				_, err := d.Next()
				require.ErrorIs(t, err, errDisk)
				var le *LineError
				assert.False(t, errors.As(err, &le), "a read error is not an error of a line")
			}
		})
	}
}

// TestReadFile: the sample files read whole with every record's Env set;
// an error names the file and the line; a missing file is an
// fs.ErrNotExist.
func TestReadFile(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "records", "*.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			recs, err := ReadFile(name)
			require.NoError(t, err)
			require.NotEmpty(t, recs)
			for i, rec := range recs {
				assert.Equal(t, Schema, rec.Schema)
				if rec.EnvID == "" {
					assert.Nil(t, rec.Env, "record %d", i)
					continue
				}
				if assert.NotNil(t, rec.Env, "record %d: the sample files are self-contained", i) {
					assert.Equal(t, rec.EnvID, rec.Env.ID)
				}
			}
		})
	}

	fx := fixtureRecords()
	good := encodeLines(t, fx[0].rec, fx[1].rec)
	content := append(slices.Clip(good), "{\"schema\":\"reprokit.capture.v1\",\"kind\":\"http\",\"id\":\x01}\n"...)
	content = append(content, encodeLines(t, fx[2].rec)...)
	t.Run("bad line", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bad.jsonl")
		require.NoError(t, os.WriteFile(path, content, 0o600))
		recs, err := ReadFile(path)
		assert.Equal(t, []*Record{fx[0].rec, fx[1].rec}, recs, "the records before the bad line")
		var le *LineError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, path, le.File)
		assert.Equal(t, 3, le.Line)
		assert.Contains(t, err.Error(), path+":3: ")
		assertSafeErrorText(t, err)
	})
	t.Run("ReadRecords", func(t *testing.T) {
		recs, err := ReadRecords(bytes.NewReader(content))
		assert.Len(t, recs, 2)
		var le *LineError
		require.ErrorAs(t, err, &le)
		assert.Empty(t, le.File)
		assert.Equal(t, "capture: line 3: "+le.Err.Error(), err.Error())
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := ReadFile(filepath.Join(t.TempDir(), "none.jsonl"))
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
}

// hostileRecordWith returns a record whose strings hold what a hostile
// client sends: NUL, control characters, CRLF, invalid UTF-8, line and
// paragraph separators, bidi overrides, HTML. Each such string goes
// through s.
func hostileRecordWith(s func(string) string) *Record {
	return &Record{
		Schema:        Schema,
		Kind:          KindHTTP,
		ID:            "0123456789abcdef0123456789abcdef",
		Start:         fixtureTime,
		CorrelationID: s("id\x00\r\nX-Injected: 1"),
		Reason:        ReasonRate,
		Request: Request{
			Method: s("GET\x00"),
			URL:    s("/a\xffb?q=\xc3\x28&r=\u2028\u2029"),
			Host:   s("evil\x1b[2J.example"),
			Header: map[string][]string{
				s("X-Bad\xfe"):  {s("v\x00\x01\x7f"), s("\xed\xa0\x80")}, // a surrogate, invalid in UTF-8
				s("X-Bidi"):     {s("\u202egnp.exe")},
				s("X-Html"):     {s("<script>alert('&')</script>")},
				s("X-Overlong"): {s("\xc0\xaf")},
			},
			Body: Body{Size: 6, Text: s("a\x00b\xff\r\n")},
		},
		Response: Response{Status: 400, Body: Body{Size: 2, Text: s("\t\v\f\b")}},
		Error:    s("read: \xe2\x82"), // cut mid-rune
		Panic:    s("panic\x00\u0085\U0010FFFF"),
		Flags:    []flags.FlagValue{{Name: s("f\xff"), Value: s("v\x00\xff"), Source: s("src\x1b")}},
	}
}

// hostileRecord is hostileRecordWith its strings as they are.
func hostileRecord() *Record { return hostileRecordWith(func(s string) string { return s }) }

// fixUTF8 returns s with each byte that is not part of valid UTF-8
// replaced by U+FFFD, as encoding/json writes it.
func fixUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// TestHostileStringsRoundTrip: whatever bytes a record's strings hold,
// its line is one line of valid UTF-8 JSON with no raw control
// character, and reads back with NUL and every valid rune intact and
// each invalid byte as U+FFFD.
func TestHostileStringsRoundTrip(t *testing.T) {
	line := encodeLines(t, hostileRecord())
	require.True(t, json.Valid(line))
	require.True(t, utf8.Valid(line))
	body, ok := bytes.CutSuffix(line, []byte("\n"))
	require.True(t, ok)
	for i, c := range body {
		if c < 0x20 { // JSON escapes C0 controls; DEL and C1 may stay raw
			t.Errorf("byte %d of the line is %#x raw", i, c)
		}
	}
	validateLine(t, line)

	_, got := decodeAll(t, bytes.NewReader(line))
	require.Len(t, got, 1)
	assert.Equal(t, hostileRecordWith(fixUTF8), got[0])
	assert.Equal(t, "a\x00b\uFFFD\r\n", got[0].Request.Body.String())
}

// TestDecodersConcurrent: separate Decoders read the same bytes at once
// (run with -race).
func TestDecodersConcurrent(t *testing.T) {
	env := fixtureEnv()
	var vs []any
	var want []*Record
	vs = append(vs, env)
	for range 20 {
		for _, f := range fixtureRecords() {
			r := withEnvID(f.rec, env.ID)
			vs = append(vs, r)
			want = append(want, withEnv(r, env))
		}
	}
	file := encodeLines(t, vs...)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			d := NewDecoder(bytes.NewReader(file))
			var got []*Record
			for {
				rec, err := d.Next()
				if err == io.EOF {
					break
				}
				if !assert.NoError(t, err) {
					return
				}
				got = append(got, rec)
			}
			assert.Equal(t, want, got)
		})
	}
	wg.Wait()
}

// TestAppendRecordSharedRecord: sinks share records (see Sink), so
// several may encode the same record at once.
// AppendRecord once filled in an empty Schema and Kind on the record
// itself, which -race reports here.
func TestAppendRecordSharedRecord(t *testing.T) {
	rec := &Record{ID: "0123456789abcdef0123456789abcdef", Start: fixtureTime, Reason: ReasonManual,
		Request: Request{Method: "GET", URL: "/"}}
	var wg sync.WaitGroup
	lines := make([][]byte, 4)
	for i := range lines {
		wg.Go(func() {
			line, err := AppendRecord(nil, rec)
			assert.NoError(t, err)
			lines[i] = line
		})
	}
	wg.Wait()
	for _, line := range lines {
		validateLine(t, line)
		assert.Equal(t, string(lines[0]), string(line))
	}
	assert.Empty(t, rec.Schema, "AppendRecord modified the record it encoded")
	assert.Empty(t, rec.Kind, "AppendRecord modified the record it encoded")
}

// TestDecoderRecordWithoutEnvID: a record that names no snapshot has no
// Env.
// A snapshot line without an id (which reprokit never writes, but a
// hand-made or damaged file may hold) must not attach to them.
func TestDecoderRecordWithoutEnvID(t *testing.T) {
	rec := withEnvID(fixtureRecords()[3].rec, "")
	file := []byte(`{"schema":"reprokit.capture.v1","kind":"env","taken":"2025-03-14T09:26:53Z","runtime":{},"build":{"main":{"path":""}}}` + "\n")
	file = append(file, encodeLines(t, rec)...)
	_, got := decodeAll(t, bytes.NewReader(file))
	require.Len(t, got, 1)
	assert.Nil(t, got[0].Env, "a record without env_id got the snapshot without id")
}

// TestDecoderErrorTextBounded: the text of a line's error stays short and
// free of raw control characters whatever the line holds.
// encoding/json quotes what did not parse (a whole number literal, a
// whole time string with DEL left raw), so a hostile line could put
// megabytes of its own bytes into the error; the decoder cuts and cleans
// the text (FuzzDecoder's seed time_with_del found the DEL).
func TestDecoderErrorTextBounded(t *testing.T) {
	for _, tt := range []struct{ name, line string }{
		{"huge integer", `{"schema":"reprokit.capture.v1","kind":"http","duration_ns":` + strings.Repeat("9", 1<<20) + `}`},
		{"huge exponent", `{"schema":"reprokit.capture.v1","kind":"http","flags":[{"value":1` + strings.Repeat("0", 1<<20) + `e999}]}`},
		{"long time", `{"schema":"reprokit.capture.v1","kind":"http","start":"` + strings.Repeat("FAKE-SECRET-", 1<<16) + `"}`},
		{"time with DEL", "{\"schema\":\"reprokit.capture.v1\",\"kind\":\"env\",\"taken\":\"2025-01-01T00:00:00Z\x7f\"}"}, // Time.UnmarshalJSON sees raw bytes, not JSON escapes
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(strings.NewReader(tt.line + "\n"))
			le := nextError(t, d, 1)
			assert.LessOrEqual(t, len(le.Error()), 1024, "error text of %d bytes", len(le.Error()))
			nextEOF(t, d)
		})
	}
}

// normalized returns a deep copy of v for comparing decoded values:
// empty slices and maps become nil (the encoding omits both alike) and
// times are in UTC (a "+00:00" and a "Z" time read into different
// locations).
func normalized(v any) any {
	return normalizeValue(reflect.ValueOf(v)).Interface()
}

func normalizeValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(normalizeValue(v.Elem()))
		return p
	case reflect.Interface:
		out := reflect.New(v.Type()).Elem()
		if !v.IsNil() {
			out.Set(normalizeValue(v.Elem()))
		}
		return out
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			return reflect.ValueOf(time.Unix(tm.Unix(), int64(tm.Nanosecond())).UTC())
		}
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			out.Field(i).Set(normalizeValue(v.Field(i)))
		}
		return out
	case reflect.Slice:
		out := reflect.New(v.Type()).Elem()
		if v.Len() == 0 {
			return out
		}
		out.Set(reflect.MakeSlice(v.Type(), v.Len(), v.Len()))
		for i := range v.Len() {
			out.Index(i).Set(normalizeValue(v.Index(i)))
		}
		return out
	case reflect.Map:
		out := reflect.New(v.Type()).Elem()
		if v.Len() == 0 {
			return out
		}
		out.Set(reflect.MakeMapWithSize(v.Type(), v.Len()))
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), normalizeValue(it.Value()))
		}
		return out
	}
	return v
}

// FuzzDecoder: on any bytes the Decoder never panics and reaches io.EOF
// within a call per line; every error is a *LineError of a later line
// than the one before, with text safe to show; ErrTruncatedLine is the
// last; and every record and snapshot it returns encodes into a line
// that reads back equal and encodes the same again. Seeds in
// testdata/fuzz/FuzzDecoder.
func FuzzDecoder(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(bytes.NewReader(data))
		maxCalls := bytes.Count(data, []byte("\n")) + 1
		lastErrLine := 0
		for calls := 0; ; calls++ {
			if calls > maxCalls {
				t.Fatalf("no io.EOF after %d calls of Next on %d lines", calls, maxCalls)
			}
			rec, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var le *LineError
				if !errors.As(err, &le) {
					t.Fatalf("error %v (%T) is not a *LineError", err, err)
				}
				if le.Line <= lastErrLine {
					t.Fatalf("error of line %d after one of line %d", le.Line, lastErrLine)
				}
				lastErrLine = le.Line
				assertSafeErrorText(t, err)
				if errors.Is(err, ErrTruncatedLine) {
					if _, err := d.Next(); err != io.EOF {
						t.Fatalf("after ErrTruncatedLine: %v, want io.EOF", err)
					}
				}
				continue
			}
			if rec.Schema != Schema || (rec.Kind != KindHTTP && rec.Kind != KindGRPC) {
				t.Fatalf("record of schema %q, kind %q", rec.Schema, rec.Kind)
			}
			if rec.Env != nil && rec.Env.ID != rec.EnvID {
				t.Fatalf("record of env_id %q has the Env %q", rec.EnvID, rec.Env.ID)
			}
			c := *rec
			c.Env = nil
			recordReadsBack(t, &c)
		}
		if _, err := d.Next(); err != io.EOF {
			t.Fatalf("Next after io.EOF: %v", err)
		}
		for _, env := range d.Envs() {
			if env.Schema != Schema || env.Kind != KindEnv {
				t.Fatalf("snapshot of schema %q, kind %q", env.Schema, env.Kind)
			}
			envReadsBack(t, env)
		}
	})
}

// recordReadsBack checks that rec (without Env) encodes into one line
// that reads back equal to it and encodes the same again.
func recordReadsBack(t *testing.T, rec *Record) {
	t.Helper()
	line, err := AppendRecord(nil, rec)
	if err != nil {
		t.Fatalf("AppendRecord of a decoded record: %v", err)
	}
	if !json.Valid(line) || bytes.IndexByte(line, '\n') != len(line)-1 {
		t.Fatalf("AppendRecord wrote no single line of JSON: %q", line)
	}
	d := NewDecoder(bytes.NewReader(line))
	back, err := d.Next()
	if err != nil {
		t.Fatalf("re-encoded record %s does not read: %v", line, err)
	}
	if _, err := d.Next(); err != io.EOF {
		t.Fatalf("re-encoded record reads as more than one: %v", err)
	}
	again, err := AppendRecord(nil, back)
	if err != nil || !bytes.Equal(line, again) {
		t.Fatalf("record encodes differently once read back (%v):\n%s\n%s", err, line, again)
	}
	if want, got := normalized(rec), normalized(back); !reflect.DeepEqual(want, got) {
		t.Fatalf("record reads back different:\nwant %+v\ngot  %+v", want, got)
	}
}

// envReadsBack checks that env encodes into one line that reads back
// equal to it and encodes the same again.
func envReadsBack(t *testing.T, env *Env) {
	t.Helper()
	line, err := AppendEnv(nil, env)
	if err != nil {
		t.Fatalf("AppendEnv of a decoded snapshot: %v", err)
	}
	d := NewDecoder(bytes.NewReader(line))
	if rec, err := d.Next(); err != io.EOF {
		t.Fatalf("re-encoded snapshot %s reads as %+v, %v", line, rec, err)
	}
	envs := d.Envs()
	if len(envs) != 1 {
		t.Fatalf("re-encoded snapshot reads as %d snapshots", len(envs))
	}
	again, err := AppendEnv(nil, envs[0])
	if err != nil || !bytes.Equal(line, again) {
		t.Fatalf("snapshot encodes differently once read back (%v):\n%s\n%s", err, line, again)
	}
	if want, got := normalized(env), normalized(envs[0]); !reflect.DeepEqual(want, got) {
		t.Fatalf("snapshot reads back different:\nwant %+v\ngot  %+v", want, got)
	}
}
