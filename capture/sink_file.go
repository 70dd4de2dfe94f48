package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
)

// Defaults of [FileOptions].
const (
	// DefaultFileMaxBytes is the size past which a [FileSink] rotates its
	// file: 64 MiB.
	DefaultFileMaxBytes = 64 << 20
	// DefaultFileMaxFiles is how many rotated files a [FileSink] keeps.
	DefaultFileMaxFiles = 5
)

// ErrClosed is the error of a Write to a sink that was closed.
var ErrClosed = errors.New("capture: sink closed")

// FileOptions configures a [FileSink]. A zero FileOptions, or a nil one,
// consists entirely of default values.
type FileOptions struct {
	// MaxBytes is the size a file may reach: the sink rotates the file
	// before a write that would take it past MaxBytes, unless the file is
	// empty, so that a record larger than MaxBytes is still written, alone
	// in a new file. If zero or negative, DefaultFileMaxBytes (64 MiB) is
	// used.
	MaxBytes int64
	// MaxFiles is how many rotated files are kept: path.1 (the newest)
	// to path.MaxFiles; a rotation removes the oldest one beyond that. If
	// zero, DefaultFileMaxFiles (5) is used; if negative, none is kept
	// and a rotation removes the full file.
	MaxFiles int
	// Logger receives the sink's own warnings: the first error of each
	// kind (writing, removing a partial line, rotating, syncing), the
	// file's name and the operating system's error, never a record's
	// content. [FileSink.Stats] counts every error. If nil, the sink
	// logs nothing.
	Logger *slog.Logger
}

// FileSinkStats are the counters of a [FileSink], since it was made.
type FileSinkStats struct {
	// Written counts the records written to a file.
	Written uint64
	// Errors counts the Writes that returned an error, other than
	// ErrClosed: the record was not stored, and left no byte in the file.
	Errors uint64
	// Rotations counts the rotations of the file.
	Rotations uint64
	// Bytes counts the bytes written, environment lines included.
	Bytes uint64
}

// FileSink writes records to a file as JSON Lines, one record a line,
// readable by [ReadFile] and [NewDecoder], and rotates the file by size
// and count. It is safe for concurrent use; it writes one record at a
// time, on the caller's goroutine, so a request path should reach it
// through an [AsyncSink].
//
// # Environment lines
//
// Before the first record of a file that refers to an environment
// snapshot (a record with Env set and EnvID not empty), the sink writes
// the snapshot as its own line ([AppendEnv]), in the same write as the
// record, so that either both are stored or neither. Each file, rotated
// or not, holds the snapshots of its records: it can be read alone.
//
// # Whole lines
//
// A file holds only whole lines. When a write fails or is cut short (a
// full disk), the sink truncates the file back to where the write began,
// counts the error and returns it. If even that truncation fails, the
// sink tries it again at the next Write and, if it fails again, rotates
// the file first, so that the partial line ends a rotated file, where
// [Decoder] reports it as [ErrTruncatedLine] after reading every record
// before it, and never runs into a later record. A file that does not
// end with a newline when the sink opens it (a write cut by a crash) is
// rotated away the same way before the first write.
//
// # Files
//
// The file is created with mode 0600; an existing file with wider
// permissions is changed to 0600, since records, redacted as they are,
// tell a lot about the service. New records are appended to an existing
// file. The sink must be the only writer of its file and of its rotated
// files (path.1, path.2, …); its directory must exist.
type FileSink struct {
	path     string
	maxBytes int64
	maxFiles int
	fs       fileSystem
	warn     warnOnce

	written, errors, rotations, bytes atomic.Uint64

	mu         sync.Mutex          // protects the fields below
	f          file                // nil when closed, or after a rotation that could not open the new file
	size       int64               // bytes of whole lines in f; the offset of the next write
	partial    bool                // f holds a partial line past size that a truncation failed to remove
	mustRotate bool                // f ends with a partial line it was opened with
	envs       map[string]struct{} // IDs of the snapshots f holds
	buf, buf2  []byte              // encoding buffers, reused
	closed     bool
}

var _ Sink = (*FileSink)(nil)

// file is what a FileSink needs of an open file; *os.File has it.
type file interface {
	io.Writer
	io.ReaderAt
	Truncate(size int64) error
	Stat() (os.FileInfo, error)
	Sync() error
	Close() error
}

// fileSystem is the file system calls of a FileSink, which tests replace
// to fail on demand.
type fileSystem struct {
	// open opens name to append to it, creating it with mode 0600.
	open   func(name string) (file, error)
	rename func(oldpath, newpath string) error
	remove func(name string) error
}

// osFileSystem is the file system of the operating system.
func osFileSystem() fileSystem {
	return fileSystem{open: openFileOS, rename: os.Rename, remove: os.Remove}
}

// openFileOS opens name to append to it, creating it with mode 0600 or
// narrowing the permissions of an existing file to 0600. It refuses
// anything but a regular file, so that a FIFO or a device given by
// mistake does not block or swallow the records.
func openFileOS(name string) (file, error) {
	if fi, err := os.Stat(name); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("capture: file sink: %s is not a regular file", name)
	}
	// Read and write: the sink reads the last byte of an existing file.
	f, err := os.OpenFile(name, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("capture: file sink: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", name)
	}
	if err == nil && fi.Mode().Perm()&^0o600 != 0 {
		err = f.Chmod(0o600)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("capture: file sink: %w", err)
	}
	return f, nil
}

// NewFileSink returns a FileSink writing to the file at path, which it
// opens (creating it if needed) before it returns. o may be nil. It
// returns an error if path's directory does not exist or the file cannot
// be opened.
func NewFileSink(path string, o *FileOptions) (*FileSink, error) {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err == nil && !fi.IsDir() {
		err = fmt.Errorf("%s is not a directory", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("capture: file sink: the directory of %s: %w", path, err)
	}
	return newFileSink(path, o, osFileSystem())
}

func newFileSink(path string, o *FileOptions, fsys fileSystem) (*FileSink, error) {
	if path == "" {
		return nil, errors.New("capture: file sink: empty path")
	}
	if o == nil {
		o = &FileOptions{}
	}
	s := &FileSink{
		path:     path,
		maxBytes: o.MaxBytes,
		maxFiles: o.MaxFiles,
		fs:       fsys,
		warn:     warnOnce{logger: o.Logger},
		envs:     map[string]struct{}{},
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultFileMaxBytes
	}
	if s.maxFiles == 0 {
		s.maxFiles = DefaultFileMaxFiles
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

// Write appends rec to the file, after the line of its environment
// snapshot if the file does not hold it yet, rotating the file first if
// it would grow past MaxBytes. On an error, the file holds nothing of
// rec. Write returns [ErrNilRecord] for a nil rec and [ErrClosed] after
// Close. ctx is not used: a file write cannot be abandoned halfway.
func (s *FileSink) Write(_ context.Context, rec *Record) error {
	if rec == nil {
		s.errors.Add(1)
		return ErrNilRecord
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.write(rec); err != nil {
		s.errors.Add(1)
		return err
	}
	s.written.Add(1)
	return nil
}

// write is Write with s.mu held.
func (s *FileSink) write(rec *Record) error {
	if err := s.ready(); err != nil {
		return err
	}
	env := recordEnv(rec)
	withEnv := false
	buf := s.buf[:0]
	var err error
	if env != nil {
		if _, ok := s.envs[env.ID]; !ok {
			withEnv = true
			if buf, err = AppendEnv(buf, env); err != nil {
				return fmt.Errorf("capture: file sink: %w", err)
			}
		}
	}
	if buf, err = appendRecordLine(buf, rec); err != nil {
		s.buf = buf[:0]
		return fmt.Errorf("capture: file sink: %w", err)
	}
	s.buf = buf
	if s.size > 0 && s.size+int64(len(buf)) > s.maxBytes {
		if err := s.rotate(); err != nil {
			return err
		}
		if env != nil && !withEnv {
			// The new file needs the snapshot the old one had.
			withEnv = true
			b2, err := AppendEnv(s.buf2[:0], env)
			if err != nil {
				return fmt.Errorf("capture: file sink: %w", err)
			}
			s.buf, s.buf2 = append(b2, buf...), buf
			buf = s.buf
		}
	}

	n, err := s.f.Write(buf)
	if err == nil && n < len(buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		err = fmt.Errorf("capture: file sink: writing %s: %w", s.path, err)
		s.warn.warn(warnWrite, "capture: file sink: cannot write, records are dropped", slog.String("error", err.Error()))
		if terr := s.f.Truncate(s.size); terr != nil {
			s.partial = true
			terr = fmt.Errorf("capture: file sink: removing a partial line from %s: %w", s.path, terr)
			s.warn.warn(warnCut, "capture: file sink: cannot remove a partial line, the file will be rotated", slog.String("error", terr.Error()))
			err = errors.Join(err, terr)
		}
		return err
	}
	s.size += int64(n)
	s.bytes.Add(uint64(n))
	if withEnv {
		s.envs[env.ID] = struct{}{}
	}
	return nil
}

// ready makes f a file that ends with a whole line, reopening it after a
// failed rotation, removing a partial line a failed write left, or
// rotating the file away when that cannot be done.
func (s *FileSink) ready() error {
	if s.f == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	if s.partial {
		if err := s.f.Truncate(s.size); err != nil {
			s.mustRotate = true
		}
		s.partial = false
	}
	if s.mustRotate {
		return s.rotate()
	}
	return nil
}

// open opens the file at s.path as f.
func (s *FileSink) open() error {
	f, err := s.fs.open(s.path)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("capture: file sink: %w", err)
	}
	s.f, s.size, s.partial, s.mustRotate = f, fi.Size(), false, false
	clear(s.envs)
	if s.size > 0 {
		var last [1]byte
		if _, err := f.ReadAt(last[:], s.size-1); err != nil || last[0] != '\n' {
			s.mustRotate = true
		}
	}
	return nil
}

// rotate closes f, renames path.(N-1) to path.N … path to path.1,
// removing path.N first, and opens a new file at path.
func (s *FileSink) rotate() error {
	if s.f != nil {
		if err := s.f.Sync(); err != nil {
			s.warn.warn(warnSync, "capture: file sink: cannot sync the file", slog.String("path", s.path), slog.String("error", err.Error()))
		}
		s.f.Close()
		s.f = nil
	}
	if err := s.shift(); err != nil {
		err = fmt.Errorf("capture: file sink: rotating %s: %w", s.path, err)
		s.warn.warn(warnRotate, "capture: file sink: cannot rotate the file", slog.String("error", err.Error()))
		return err
	}
	s.rotations.Add(1)
	if err := s.open(); err != nil {
		s.warn.warn(warnRotate, "capture: file sink: cannot open the file after a rotation", slog.String("error", err.Error()))
		return err
	}
	return nil
}

// shift moves the rotated files one place up, and path to path.1.
func (s *FileSink) shift() error {
	if s.maxFiles < 0 {
		return ignoreNotExist(s.fs.remove(s.path))
	}
	if err := ignoreNotExist(s.fs.remove(s.rotated(s.maxFiles))); err != nil {
		return err
	}
	for i := s.maxFiles - 1; i >= 1; i-- {
		if err := ignoreNotExist(s.fs.rename(s.rotated(i), s.rotated(i+1))); err != nil {
			return err
		}
	}
	return ignoreNotExist(s.fs.rename(s.path, s.rotated(1)))
}

// rotated returns the name of the i-th rotated file.
func (s *FileSink) rotated(i int) string { return s.path + "." + strconv.Itoa(i) }

func ignoreNotExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Close syncs the file to disk and closes it. Writes after Close return
// [ErrClosed]; calling Close again does nothing and returns nil. ctx is
// not used.
func (s *FileSink) Close(_ context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.f == nil {
		return nil
	}
	var errs []error
	if s.partial {
		if err := s.f.Truncate(s.size); err != nil {
			errs = append(errs, fmt.Errorf("removing a partial line: %w", err))
		}
	}
	if err := s.f.Sync(); err != nil {
		errs = append(errs, err)
	}
	if err := s.f.Close(); err != nil {
		errs = append(errs, err)
	}
	s.f = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("capture: file sink: closing %s: %w", s.path, err)
	}
	return nil
}

// Stats returns the sink's counters. It does not wait for a Write in
// progress.
func (s *FileSink) Stats() FileSinkStats {
	return FileSinkStats{
		Written:   s.written.Load(),
		Errors:    s.errors.Load(),
		Rotations: s.rotations.Load(),
		Bytes:     s.bytes.Load(),
	}
}

// recordEnv returns the snapshot to write before rec, or nil: rec.Env,
// with rec.EnvID as its ID, so that a reader finds it under the ID the
// record names.
func recordEnv(rec *Record) *Env {
	if rec.Env == nil || rec.EnvID == "" {
		return nil
	}
	if rec.Env.ID == rec.EnvID {
		return rec.Env
	}
	e := *rec.Env
	e.ID = rec.EnvID
	return &e
}

// appendRecordLine is [AppendRecord] without its setting rec's Schema
// and Kind: a sink must not modify a record, which other sinks may be
// reading at the same time.
func appendRecordLine(dst []byte, rec *Record) ([]byte, error) {
	if rec.Schema == "" || rec.Kind == "" {
		r := *rec
		rec = &r
	}
	return AppendRecord(dst, rec)
}

// The kinds of problem a sink logs once each.
const (
	warnWrite = iota
	warnCut
	warnRotate
	warnSync
	warnQueueFull
	warnNextError
	warnNextPanic
	warnNextClose
	warnKinds
)

// warnOnce logs the first problem of each kind a sink meets through the
// user's logger, if any; the sink's Stats count them all. It is safe for
// concurrent use.
type warnOnce struct {
	logger *slog.Logger
	done   [warnKinds]atomic.Bool
}

func (w *warnOnce) warn(kind int, msg string, attrs ...slog.Attr) {
	if w.logger == nil || w.done[kind].Swap(true) {
		return
	}
	w.logger.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}
