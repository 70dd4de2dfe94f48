package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// filesRecord returns a small record numbered i, taken in env if not nil.
func filesRecord(i int, env *Env) *Record {
	rec := &Record{
		Schema:   Schema,
		Kind:     KindHTTP,
		ID:       fmt.Sprintf("%032x", i),
		Start:    time.Date(2025, 6, 1, 10, 0, i, 0, time.UTC),
		Reason:   ReasonRate,
		Request:  Request{Method: "GET", URL: fmt.Sprintf("/orders/%d", i)},
		Response: Response{Status: 200},
	}
	if env != nil {
		rec.Env, rec.EnvID = env, env.ID
	}
	return rec
}

// recordLine returns rec as a line of a capture file.
func recordLine(t testing.TB, rec *Record) string {
	t.Helper()
	b, err := AppendRecord(nil, rec)
	require.NoError(t, err)
	return string(b)
}

// envLine returns env as a line of a capture file.
func envLine(t testing.TB, env *Env) string {
	t.Helper()
	b, err := AppendEnv(nil, env)
	require.NoError(t, err)
	return string(b)
}

// writeTestFile writes content to name in dir and returns its path.
func writeTestFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestFindFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"captures.jsonl", "captures.jsonl.1", "captures.jsonl.2", "captures.jsonl.10",
		"b.jsonl", "notes.txt", "captures.jsonl.x", "captures.jsonl.+1", "captures.jsonl.0", "a.json",
	} {
		writeTestFile(t, dir, name, "")
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.jsonl"), 0o700))
	writeTestFile(t, filepath.Join(dir, "sub.jsonl"), "deep.jsonl", "")
	single := writeTestFile(t, t.TempDir(), "any-name.log", "")

	got, err := FindFiles([]string{single, dir})
	require.NoError(t, err)
	want := []string{single}
	for _, name := range []string{"b.jsonl", "captures.jsonl.10", "captures.jsonl.2", "captures.jsonl.1", "captures.jsonl"} {
		want = append(want, filepath.Join(dir, name))
	}
	assert.Equal(t, want, got)

	_, err = FindFiles([]string{dir, filepath.Join(dir, "missing.jsonl")})
	assert.ErrorIs(t, err, fs.ErrNotExist)
	var pe *fs.PathError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, filepath.Join(dir, "missing.jsonl"), pe.Path)

	empty := t.TempDir()
	_, err = FindFiles([]string{empty})
	assert.ErrorIs(t, err, ErrNoCaptureFiles)
	assert.Contains(t, err.Error(), empty)

	got, err = FindFiles(nil)
	assert.NoError(t, err)
	assert.Empty(t, got)
}

func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	envA, envB := testEnv("aaaaaaaaaaaaaaaa"), testEnv("bbbbbbbbbbbbbbbb")
	long := filesRecord(3, envA)
	long.Response.Body.Text = strings.Repeat("x", 200<<10) // spans several reads of 64 KiB
	first := writeTestFile(t, dir, "a.jsonl", strings.Join([]string{
		envLine(t, envA),                    // 1
		recordLine(t, filesRecord(1, envA)), // 2
		"\n",                                // 3: blank
		"not json\n",                        // 4
		recordLine(t, filesRecord(2, nil)),  // 5
		`{"schema":"reprokit.capture.v9","kind":"http","id":"x"}` + "\n", // 6
		recordLine(t, long),                 // 7
		envLine(t, envB),                    // 8
		recordLine(t, filesRecord(4, envB)), // 9
		"  \t  \n",                          // 10
		strings.TrimSuffix(recordLine(t, filesRecord(5, envB)), "\n"), // 11: whole, without its newline
	}, ""))
	second := writeTestFile(t, dir, "b.jsonl", envLine(t, envA)+recordLine(t, filesRecord(6, nil))+`{"schema":"reprokit.capture.v1","kind":"http","id":"tru`)

	type got struct {
		id   string
		file string
		line int
		env  string
		err  error
	}
	var all []got
	for fr, err := range ReadFiles([]string{dir, filepath.Join(dir, "missing.jsonl"), second}) {
		g := got{file: fr.File, line: fr.Line, err: err}
		if fr.Record != nil {
			require.NoError(t, err)
			g.id = fr.Record.ID[28:]
			if fr.Record.Env != nil {
				g.env = fr.Record.Env.ID[:1]
			}
		}
		all = append(all, g)
	}
	require.Len(t, all, 12)
	for i, want := range []got{
		{id: "0001", file: first, line: 2, env: "a"},
		{file: first, line: 4},
		{id: "0002", file: first, line: 5},
		{file: first, line: 6},
		{id: "0003", file: first, line: 7, env: "a"},
		{id: "0004", file: first, line: 9, env: "b"},
		{id: "0005", file: first, line: 11, env: "b"},
		{id: "0006", file: second, line: 2},
		{file: second, line: 3},
		{file: filepath.Join(dir, "missing.jsonl")},
		{id: "0006", file: second, line: 2},
		{file: second, line: 3},
	} {
		g := all[i] // the folder's files, then missing.jsonl, then b.jsonl again
		assert.Equal(t, want.id, g.id, "item %d", i)
		assert.Equal(t, want.file, g.file, "item %d", i)
		assert.Equal(t, want.line, g.line, "item %d", i)
		assert.Equal(t, want.env, g.env, "item %d", i)
		if want.id == "" {
			assert.Error(t, g.err, "item %d", i)
		}
	}
	var le *LineError
	require.ErrorAs(t, all[1].err, &le)
	assert.Equal(t, first, le.File)
	assert.Equal(t, 4, le.Line)
	assert.ErrorIs(t, all[3].err, ErrSchema)
	assert.ErrorIs(t, all[8].err, ErrTruncatedLine)
	assert.ErrorIs(t, all[9].err, fs.ErrNotExist)
}

func TestReadFilesStops(t *testing.T) {
	dir := t.TempDir()
	var content strings.Builder
	for i := range 5 {
		content.WriteString(recordLine(t, filesRecord(i, nil)))
	}
	path := writeTestFile(t, dir, "a.jsonl", content.String())
	writeTestFile(t, dir, "b.jsonl", content.String())
	n := 0
	for fr, err := range ReadFiles([]string{dir}) {
		require.NoError(t, err)
		assert.Equal(t, path, fr.File)
		n++
		if n == 2 {
			break
		}
	}
	assert.Equal(t, 2, n)

	// After the loop stops, the file is closed: it can be removed and
	// its folder too (which fails on some systems while a file is open,
	// and is checked here on all).
	require.NoError(t, os.RemoveAll(dir))
}

func TestReadFilesNoPaths(t *testing.T) {
	for range ReadFiles(nil) {
		t.Fatal("records from no path")
	}
}

// TestLineReaderAgreesWithDecoder holds lineReader to its promise: the line
// it reports for each record is the line a Decoder reports for an error on
// it, for lines of every length around the buffers' sizes.
func TestLineReaderAgreesWithDecoder(t *testing.T) {
	for _, size := range []int{0, 1, 4095, 4096, 64<<10 - 200, 64 << 10, 64<<10 + 1, 130 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			var b bytes.Buffer
			var ids []string
			for i := range 6 {
				rec := filesRecord(i, nil)
				rec.Request.Body.Text = strings.Repeat("y", size*i/5)
				b.WriteString(recordLine(t, rec))
				ids = append(ids, rec.ID)
				if i%2 == 0 {
					b.WriteString("\n")
				}
			}
			lines := strings.Split(b.String(), "\n")
			lr := &lineReader{r: bufio.NewReaderSize(&b, 64<<10)}
			d := NewDecoder(lr)
			for _, id := range ids {
				rec, err := d.Next()
				require.NoError(t, err)
				require.Equal(t, id, rec.ID)
				assert.Contains(t, lines[lr.line()-1], `"id":"`+id+`"`)
			}
			_, err := d.Next()
			assert.ErrorIs(t, err, io.EOF)
		})
	}
}

// FuzzReadFiles: whatever a file holds, ReadFiles does not panic, and
// every record it yields is the record on the line it names, lines
// increasing. Seeds in testdata/fuzz/FuzzReadFiles.
func FuzzReadFiles(f *testing.F) {
	dir := f.TempDir()
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte) {
		path := writeTestFile(t, dir, fmt.Sprintf("f%d.jsonl", n.Add(1)), string(data))
		defer os.Remove(path)
		lines := bytes.Split(data, []byte("\n"))
		last := 0
		for fr, err := range ReadFiles([]string{path}) {
			var le *LineError
			if err != nil {
				if !errors.As(err, &le) {
					t.Fatalf("error that is not a LineError: %v", err)
				}
				if le.Line <= last && le.Line != 0 || le.Line > len(lines) {
					t.Fatalf("bad line %d after %d, of %d", le.Line, last, len(lines))
				}
				last = le.Line
				continue
			}
			if fr.Line <= last || fr.Line > len(lines) {
				t.Fatalf("record at line %d after %d, of %d", fr.Line, last, len(lines))
			}
			last = fr.Line
			alone, err := NewDecoder(bytes.NewReader(lines[fr.Line-1])).Next()
			if err != nil || alone.ID != fr.Record.ID {
				t.Fatalf("line %d (%q) is not the record %q: %v", fr.Line, lines[fr.Line-1], fr.Record.ID, err)
			}
		}
	})
}
