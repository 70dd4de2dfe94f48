package capture

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bodyMarker is in the request body of every test record, so that a test
// can check that no error or log line carries a record's content.
const bodyMarker = "BODY-CONTENT-MARKER"

// testEnv returns an environment snapshot of the given ID, with Schema
// and Kind set as a Decoder sets them.
func testEnv(id string) *Env {
	return &Env{
		Schema:  Schema,
		Kind:    KindEnv,
		ID:      id,
		Taken:   time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Service: "orders",
		Runtime: Runtime{GoVersion: "go1.25.0", GOOS: "linux", GOARCH: "amd64", GOMAXPROCS: 4, NumCPU: 4, Timezone: "UTC"},
		Build:   Build{Main: Module{Path: "example.com/orders", Version: "v1.2.3"}},
		Vars:    []EnvVar{{Name: "ENABLE_CACHE", Hash: "[REDACTED:1a2b3c4d]"}},
	}
}

// testRecord returns a complete record, numbered i, whose request body
// holds bodyLen bytes or more, taken in env if not nil.
func testRecord(i, bodyLen int, env *Env) *Record {
	body := bodyMarker + strings.Repeat("x", max(bodyLen-len(bodyMarker), 0))
	rec := &Record{
		Schema:        Schema,
		Kind:          KindHTTP,
		ID:            fmt.Sprintf("%032x", i),
		Start:         time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
		Duration:      1500 * time.Microsecond,
		CorrelationID: fmt.Sprintf("req-%d", i),
		TraceID:       "4bf92f3577b34da6a3ce929d0e0e4736",
		SpanID:        "00f067aa0ba902b7",
		Reason:        ReasonRate,
		Request: Request{
			Method: "POST",
			URL:    fmt.Sprintf("/orders/%d?token=[REDACTED]", i),
			Host:   "api.example.com",
			Proto:  "HTTP/1.1",
			Route:  "POST /orders/{id}",
			Header: http.Header{"Content-Type": {"text/plain"}, "Authorization": {"Bearer [REDACTED]"}},
			Body:   Body{ContentType: "text/plain", Size: int64(len(body)), Text: body},
		},
		Response: Response{
			Status: 201,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   Body{ContentType: "application/json", Size: 11, Text: `{"ok":true}`},
		},
	}
	if env != nil {
		rec.EnvID, rec.Env = env.ID, env
	}
	return rec
}

// decodeFile reads every record of the file at path, failing the test on
// any bad line.
func decodeFile(t *testing.T, path string) []*Record {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []*Record
	d := NewDecoder(f)
	for {
		rec, err := d.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err, "file %s", filepath.Base(path))
		out = append(out, rec)
	}
}

func newTestFileSink(t *testing.T, o *FileOptions) (*FileSink, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "capture.jsonl")
	s, err := NewFileSink(path, o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(t.Context()) })
	return s, path
}

func TestFileSinkRoundTrip(t *testing.T) {
	s, path := newTestFileSink(t, nil)
	env := testEnv("0123456789abcdef")
	want := []*Record{testRecord(1, 100, env), testRecord(2, 0, nil), testRecord(3, 5000, env)}
	for _, rec := range want {
		require.NoError(t, s.Write(t.Context(), rec))
	}
	require.NoError(t, s.Close(t.Context()))

	assert.Equal(t, want, decodeFile(t, path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 4, strings.Count(string(data), "\n"), "one env line and three records")
	assert.Equal(t, 1, strings.Count(string(data), `"kind":"env"`), "the snapshot is written once per file")

	st := s.Stats()
	assert.Equal(t, FileSinkStats{Written: 3, Bytes: uint64(len(data))}, st)
}

func TestFileSinkMode(t *testing.T) {
	for _, tt := range []struct {
		name     string
		existing os.FileMode // 0: no file before
	}{
		{name: "new file"},
		{name: "existing 0644", existing: 0o644},
		{name: "existing 0666", existing: 0o666},
		{name: "existing 0600", existing: 0o600},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.jsonl")
			if tt.existing != 0 {
				require.NoError(t, os.WriteFile(path, nil, tt.existing))
				require.NoError(t, os.Chmod(path, tt.existing)) // past the umask
			}
			s, err := NewFileSink(path, nil)
			require.NoError(t, err)
			require.NoError(t, s.Write(t.Context(), testRecord(1, 10, nil)))
			require.NoError(t, s.Close(t.Context()))
			fi, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		})
	}
}

func TestFileSinkBadPath(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o600))
	for _, tt := range []struct {
		name, path, want string
	}{
		{name: "missing directory", path: filepath.Join(dir, "missing", "c.jsonl"), want: "the directory of"},
		{name: "parent is a file", path: filepath.Join(notDir, "c.jsonl"), want: "is not a directory"},
		{name: "path is a directory", path: dir, want: "is not a regular file"},
		{name: "empty path", path: "", want: "empty path"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewFileSink(tt.path, nil)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "capture: file sink: "), err.Error())
		})
	}
}

func TestFileSinkRotation(t *testing.T) {
	for _, tt := range []struct {
		name     string
		maxFiles int
		records  int
	}{
		{name: "three kept", maxFiles: 3, records: 40},
		{name: "one kept", maxFiles: 1, records: 40},
		{name: "none kept", maxFiles: -1, records: 40},
		{name: "fewer than the limit", maxFiles: 10, records: 12},
		{name: "default limit", maxFiles: 0, records: 40},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const maxBytes = 4096
			env := testEnv("00000000000000e1")
			s, path := newTestFileSink(t, &FileOptions{MaxBytes: maxBytes, MaxFiles: tt.maxFiles})
			for i := range tt.records {
				require.NoError(t, s.Write(t.Context(), testRecord(i, 1000, env)))
			}
			require.NoError(t, s.Close(t.Context()))
			st := s.Stats()
			assert.Equal(t, uint64(tt.records), st.Written)
			require.Greater(t, st.Rotations, uint64(2))

			// The files kept, oldest first: path.N … path.1, path.
			kept := int(st.Rotations)
			switch {
			case tt.maxFiles < 0:
				kept = 0
			case tt.maxFiles == 0:
				kept = min(kept, DefaultFileMaxFiles)
			default:
				kept = min(kept, tt.maxFiles)
			}
			var want, names []string
			for i := kept; i >= 1; i-- {
				want = append(want, fmt.Sprintf("%s.%d", path, i))
			}
			want = append(want, path)
			entries, err := os.ReadDir(filepath.Dir(path))
			require.NoError(t, err)
			for _, e := range entries {
				names = append(names, filepath.Join(filepath.Dir(path), e.Name()))
			}
			assert.ElementsMatch(t, want, names)

			// They hold the last records in order, each with its
			// snapshot, and none is past MaxBytes.
			var ids []string
			for _, name := range want {
				fi, err := os.Stat(name)
				require.NoError(t, err)
				assert.LessOrEqual(t, fi.Size(), int64(maxBytes), name)
				recs := decodeFile(t, name)
				require.NotEmpty(t, recs, name)
				for _, r := range recs {
					require.NotNil(t, r.Env, "a record of %s has no Env: the file is not self-contained", name)
					assert.Equal(t, env, r.Env)
					ids = append(ids, r.ID)
				}
			}
			for k, id := range ids {
				assert.Equal(t, fmt.Sprintf("%032x", tt.records-len(ids)+k), id)
			}
			if tt.maxFiles > int(st.Rotations) {
				assert.Len(t, ids, tt.records, "every record is kept")
			}
		})
	}
}

func TestFileSinkRecordLargerThanMaxBytes(t *testing.T) {
	s, path := newTestFileSink(t, &FileOptions{MaxBytes: 1000})
	require.NoError(t, s.Write(t.Context(), testRecord(1, 10, nil)))
	require.NoError(t, s.Write(t.Context(), testRecord(2, 5000, nil)))
	require.NoError(t, s.Write(t.Context(), testRecord(3, 10, nil)))
	require.NoError(t, s.Close(t.Context()))

	for name, want := range map[string]string{path + ".2": "1", path + ".1": "2", path: "3"} {
		recs := decodeFile(t, name)
		require.Len(t, recs, 1, name)
		assert.Equal(t, fmt.Sprintf("%032s", want), recs[0].ID, name)
	}
	assert.Equal(t, uint64(2), s.Stats().Rotations)
}

func TestFileSinkAppendsToExistingFile(t *testing.T) {
	env := testEnv("00000000000000e1")
	path := filepath.Join(t.TempDir(), "c.jsonl")
	for run := range 2 {
		s, err := NewFileSink(path, nil)
		require.NoError(t, err)
		require.NoError(t, s.Write(t.Context(), testRecord(run, 10, env)))
		require.NoError(t, s.Close(t.Context()))
	}
	recs := decodeFile(t, path)
	require.Len(t, recs, 2)
	for _, r := range recs {
		assert.Equal(t, env, r.Env)
	}
}

func TestFileSinkExistingPartialLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	good, err := AppendRecord(nil, testRecord(1, 10, nil))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(good, `{"schema":"reprokit.capture.v1","kind":"ht`...), 0o600))

	s, err := NewFileSink(path, nil)
	require.NoError(t, err)
	require.NoError(t, s.Write(t.Context(), testRecord(2, 10, nil)))
	require.NoError(t, s.Close(t.Context()))

	// The damaged file was rotated away: its good record reads, then its
	// cut line is reported as the end, and the new record is apart.
	recs, err := ReadFile(path + ".1")
	assert.ErrorIs(t, err, ErrTruncatedLine)
	require.Len(t, recs, 1)
	assert.Equal(t, fmt.Sprintf("%032x", 1), recs[0].ID)
	recs = decodeFile(t, path)
	require.Len(t, recs, 1)
	assert.Equal(t, fmt.Sprintf("%032x", 2), recs[0].ID)
}

func TestFileSinkHostileContent(t *testing.T) {
	for _, tt := range []struct {
		name string
		text string
		want string // if not text: invalid bytes become U+FFFD
	}{
		{name: "CRLF", text: "line1\r\nline2\r\n"},
		{name: "newlines", text: "\n\n{\"kind\":\"env\"}\n"},
		{name: "control characters", text: "\x00\x01\x1b[31m\x7f"},
		{name: "invalid UTF-8", text: "\xff\xfe\xc3(", want: "\uFFFD\uFFFD\uFFFD("},
		{name: "line separators", text: "a\u2028b\u2029c"},
		{name: "HTML", text: "<script>alert(1)</script>&amp;"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, path := newTestFileSink(t, nil)
			rec := testRecord(1, 0, testEnv("00000000000000e1"))
			rec.Request.Body.Text = tt.text
			rec.Request.URL = "/x?q=" + tt.text
			rec.Request.Header = http.Header{"X-Test": {tt.text}}
			rec.Error = tt.text
			require.NoError(t, s.Write(t.Context(), rec))
			require.NoError(t, s.Close(t.Context()))

			data, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, 2, strings.Count(string(data), "\n"), "an env line and a record line")
			recs := decodeFile(t, path)
			require.Len(t, recs, 1)
			if tt.want == "" {
				tt.want = tt.text
			}
			assert.Equal(t, tt.want, recs[0].Request.Body.String())
		})
	}
}

func TestFileSinkEnvIDMismatch(t *testing.T) {
	// A snapshot without its ID is written under the ID the record names.
	s, path := newTestFileSink(t, nil)
	env := testEnv("")
	rec := testRecord(1, 10, env)
	rec.EnvID = "00000000000000e2"
	require.NoError(t, s.Write(t.Context(), rec))
	require.NoError(t, s.Close(t.Context()))
	recs := decodeFile(t, path)
	require.Len(t, recs, 1)
	require.NotNil(t, recs[0].Env)
	assert.Equal(t, "00000000000000e2", recs[0].Env.ID)
	assert.Empty(t, env.ID, "the record's Env was modified")
}

func TestFileSinkDoesNotModifyRecords(t *testing.T) {
	s, path := newTestFileSink(t, nil)
	rec := testRecord(1, 10, nil)
	rec.Schema, rec.Kind = "", ""
	require.NoError(t, s.Write(t.Context(), rec))
	assert.Empty(t, rec.Schema)
	assert.Empty(t, rec.Kind)
	require.NoError(t, s.Close(t.Context()))
	assert.Len(t, decodeFile(t, path), 1, "the line has its schema and kind")
}

func TestFileSinkClose(t *testing.T) {
	s, path := newTestFileSink(t, nil)
	require.NoError(t, s.Write(t.Context(), testRecord(1, 10, nil)))
	require.NoError(t, s.Close(t.Context()))
	require.NoError(t, s.Close(t.Context()), "a second Close")
	assert.ErrorIs(t, s.Write(t.Context(), testRecord(2, 10, nil)), ErrClosed)
	assert.ErrorIs(t, s.Write(t.Context(), nil), ErrNilRecord)
	assert.Len(t, decodeFile(t, path), 1)
	assert.Equal(t, uint64(1), s.Stats().Written)
	assert.Equal(t, uint64(1), s.Stats().Errors, "the nil record")
}

func TestFileSinkConcurrentWriters(t *testing.T) {
	const writers, each = 8, 60
	s, path := newTestFileSink(t, &FileOptions{MaxBytes: 32 << 10, MaxFiles: 100})
	envs := []*Env{testEnv("00000000000000e1"), testEnv("00000000000000e2")}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				n := w*each + i
				if err := s.Write(t.Context(), testRecord(n, 200+n%7*300, envs[n%2])); err != nil {
					t.Error(err)
					return
				}
				if i%20 == 0 {
					_ = s.Stats()
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, s.Close(t.Context()))

	st := s.Stats()
	require.Greater(t, st.Rotations, uint64(2))
	seen := map[string]bool{}
	var bytes int64
	for i := 0; i <= int(st.Rotations); i++ {
		name := path
		if i > 0 {
			name = fmt.Sprintf("%s.%d", path, i)
		}
		fi, err := os.Stat(name)
		require.NoError(t, err)
		bytes += fi.Size()
		for _, r := range decodeFile(t, name) {
			require.NotNil(t, r.Env, name)
			assert.Equal(t, r.EnvID, r.Env.ID)
			assert.False(t, seen[r.ID], "record %s twice", r.ID)
			seen[r.ID] = true
		}
	}
	assert.Len(t, seen, writers*each)
	assert.Equal(t, uint64(writers*each), st.Written)
	assert.Equal(t, uint64(bytes), st.Bytes)
}

// faultFS is a file system that fails on demand, over the real one.
type faultFS struct {
	writeErrs  []error // the next Writes fail with these, in turn
	writeBytes int     // how many bytes of its data a failing Write writes first
	short      bool    // a failing Write returns its short count with a nil error
	truncErrs  int     // how many Truncates fail next
	renameErrs int     // how many renames fail next
	openErrs   int     // how many opens fail next
}

var errInjected = errors.New("injected failure")

func (ffs *faultFS) fileSystem() fileSystem {
	return fileSystem{
		open: func(name string) (file, error) {
			if ffs.openErrs > 0 {
				ffs.openErrs--
				return nil, &fs.PathError{Op: "open", Path: name, Err: errInjected}
			}
			f, err := openFileOS(name)
			if err != nil {
				return nil, err
			}
			return &faultFile{File: f.(*os.File), fs: ffs}, nil
		},
		rename: func(oldpath, newpath string) error {
			if ffs.renameErrs > 0 {
				ffs.renameErrs--
				return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: errInjected}
			}
			return os.Rename(oldpath, newpath)
		},
		remove: os.Remove,
	}
}

type faultFile struct {
	*os.File
	fs *faultFS
}

func (f *faultFile) Write(p []byte) (int, error) {
	if len(f.fs.writeErrs) == 0 {
		return f.File.Write(p)
	}
	err := f.fs.writeErrs[0]
	f.fs.writeErrs = f.fs.writeErrs[1:]
	n, werr := f.File.Write(p[:min(f.fs.writeBytes, len(p))])
	if werr != nil {
		return n, werr
	}
	if f.fs.short {
		return n, nil
	}
	return n, &fs.PathError{Op: "write", Path: f.Name(), Err: err}
}

func (f *faultFile) Truncate(size int64) error {
	if f.fs.truncErrs > 0 {
		f.fs.truncErrs--
		return &fs.PathError{Op: "truncate", Path: f.Name(), Err: errInjected}
	}
	return f.File.Truncate(size)
}

func newFaultFileSink(t *testing.T, ffs *faultFS, o *FileOptions) (*FileSink, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.jsonl")
	s, err := newFileSink(path, o, ffs.fileSystem())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(t.Context()) })
	return s, path
}

func TestFileSinkFailedWriteLeavesWholeLines(t *testing.T) {
	for _, tt := range []struct {
		name    string
		ffs     faultFS
		wantErr error
	}{
		{name: "disk full halfway", ffs: faultFS{writeErrs: []error{syscall.ENOSPC}, writeBytes: 300}, wantErr: syscall.ENOSPC},
		{name: "disk full at once", ffs: faultFS{writeErrs: []error{syscall.ENOSPC}}, wantErr: syscall.ENOSPC},
		{name: "I/O error after the env line", ffs: faultFS{writeErrs: []error{syscall.EIO}, writeBytes: 1}, wantErr: syscall.EIO},
		{name: "short write without error", ffs: faultFS{writeErrs: []error{nil}, writeBytes: 500, short: true}, wantErr: io.ErrShortWrite},
		{name: "two failures in a row", ffs: faultFS{writeErrs: []error{syscall.ENOSPC, syscall.ENOSPC}, writeBytes: 10}, wantErr: syscall.ENOSPC},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ffs := &faultFS{}
			failures := len(tt.ffs.writeErrs)
			env := testEnv("00000000000000e1")
			s, path := newFaultFileSink(t, ffs, nil)
			require.NoError(t, s.Write(t.Context(), testRecord(0, 100, nil)))
			*ffs = tt.ffs
			for i := range failures {
				err := s.Write(t.Context(), testRecord(100+i, 1000, env))
				require.ErrorIs(t, err, tt.wantErr)
				assert.NotContains(t, err.Error(), bodyMarker)
				assert.True(t, strings.HasPrefix(err.Error(), "capture: file sink: "), err.Error())
			}
			// The disk has room again: the snapshot is written with the
			// next record, since the failed write left none.
			require.NoError(t, s.Write(t.Context(), testRecord(1, 100, env)))
			require.NoError(t, s.Close(t.Context()))

			recs := decodeFile(t, path)
			require.Len(t, recs, 2)
			assert.Nil(t, recs[0].Env)
			assert.Equal(t, env, recs[1].Env)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.NotContains(t, string(data), fmt.Sprintf("%032x", 100), "a line of a failed write")

			st := s.Stats()
			assert.Equal(t, uint64(2), st.Written)
			assert.Equal(t, uint64(failures), st.Errors)
			assert.Equal(t, uint64(len(data)), st.Bytes)
		})
	}
}

func TestFileSinkFailedTruncate(t *testing.T) {
	for _, tt := range []struct {
		name         string
		truncErrs    int
		wantRotation bool
	}{
		{name: "the retry succeeds", truncErrs: 1},
		{name: "the retry fails: rotated", truncErrs: 2, wantRotation: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ffs := &faultFS{}
			s, path := newFaultFileSink(t, ffs, nil)
			require.NoError(t, s.Write(t.Context(), testRecord(0, 100, nil)))
			*ffs = faultFS{writeErrs: []error{syscall.ENOSPC}, writeBytes: 50, truncErrs: tt.truncErrs}
			err := s.Write(t.Context(), testRecord(1, 100, nil))
			require.ErrorIs(t, err, syscall.ENOSPC)
			require.ErrorIs(t, err, errInjected)
			assert.NotContains(t, err.Error(), bodyMarker)

			require.NoError(t, s.Write(t.Context(), testRecord(2, 100, nil)))
			require.NoError(t, s.Close(t.Context()))

			if !tt.wantRotation {
				assert.Zero(t, s.Stats().Rotations)
				ids := []string{}
				for _, r := range decodeFile(t, path) {
					ids = append(ids, r.ID)
				}
				assert.Equal(t, []string{fmt.Sprintf("%032x", 0), fmt.Sprintf("%032x", 2)}, ids)
				return
			}
			assert.Equal(t, uint64(1), s.Stats().Rotations)
			recs, err := ReadFile(path + ".1")
			assert.ErrorIs(t, err, ErrTruncatedLine, "the partial line ends the rotated file")
			require.Len(t, recs, 1)
			assert.Equal(t, fmt.Sprintf("%032x", 0), recs[0].ID)
			recs = decodeFile(t, path)
			require.Len(t, recs, 1)
			assert.Equal(t, fmt.Sprintf("%032x", 2), recs[0].ID)
		})
	}
}

func TestFileSinkFailedRotation(t *testing.T) {
	for _, tt := range []struct {
		name string
		ffs  faultFS
	}{
		{name: "rename fails", ffs: faultFS{renameErrs: 1}},
		{name: "reopen fails", ffs: faultFS{openErrs: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ffs := &faultFS{}
			env := testEnv("00000000000000e1")
			s, path := newFaultFileSink(t, ffs, &FileOptions{MaxBytes: 2000, MaxFiles: 2})
			require.NoError(t, s.Write(t.Context(), testRecord(0, 1000, env)))
			*ffs = tt.ffs
			err := s.Write(t.Context(), testRecord(1, 1000, env))
			require.ErrorIs(t, err, errInjected)
			assert.NotContains(t, err.Error(), bodyMarker)
			// The next write rotates and writes.
			require.NoError(t, s.Write(t.Context(), testRecord(2, 1000, env)))
			require.NoError(t, s.Close(t.Context()))

			assert.Equal(t, uint64(1), s.Stats().Rotations)
			assert.Equal(t, uint64(1), s.Stats().Errors)
			for name, id := range map[string]int{path + ".1": 0, path: 2} {
				recs := decodeFile(t, name)
				require.Len(t, recs, 1, name)
				assert.Equal(t, fmt.Sprintf("%032x", id), recs[0].ID)
				assert.Equal(t, env, recs[0].Env, "%s is not self-contained", name)
			}
		})
	}
}

func TestFileSinkLogsOncePerKind(t *testing.T) {
	var logs syncBuffer
	ffs := &faultFS{}
	s, _ := newFaultFileSink(t, ffs, &FileOptions{Logger: newTestLogger(&logs)})
	*ffs = faultFS{writeErrs: []error{syscall.ENOSPC, syscall.ENOSPC, syscall.ENOSPC}, writeBytes: 20}
	for i := range 3 {
		require.Error(t, s.Write(t.Context(), testRecord(i, 100, nil)))
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "cannot write"), logs.String())
	assert.NotContains(t, logs.String(), bodyMarker)
	assert.Equal(t, uint64(3), s.Stats().Errors)
}

func BenchmarkFileSinkWrite(b *testing.B) {
	s, err := NewFileSink(filepath.Join(b.TempDir(), "c.jsonl"), nil)
	require.NoError(b, err)
	defer s.Close(b.Context())
	rec := testRecord(1, 1024, testEnv("00000000000000e1"))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Write(b.Context(), rec); err != nil {
			b.Fatal(err)
		}
	}
}

// syncBuffer is a buffer safe for concurrent use, for a test's logs.
type syncBuffer struct {
	mu sync.Mutex // protects b
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}
