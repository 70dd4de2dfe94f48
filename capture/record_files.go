package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNoCaptureFiles is the error of a folder that holds no capture file.
var ErrNoCaptureFiles = errors.New("capture: no capture file (*.jsonl, *.jsonl.N) in the folder")

// FileRecord is a record that [ReadFiles] read, and where it read it.
type FileRecord struct {
	// Record is the record, with its Env set from its file's snapshots.
	Record *Record
	// File is the file's path: a path given to ReadFiles, or a folder's
	// path joined with the name of a file in it.
	File string
	// Line is the number of the record's line in File, from 1.
	Line int
}

// FindFiles returns the capture files that paths name, in order: a file
// as it is, whatever its name; and for a folder, the files in it (not in
// its subfolders) named *.jsonl, and *.jsonl.1, *.jsonl.2, … as a
// [FileSink] rotates them, ordered by name, each rotated file before the
// newer ones (captures.jsonl.2, captures.jsonl.1, captures.jsonl), so
// that records come in the order they were written.
//
// It returns the error of the first path that cannot be read (an
// *fs.PathError, for which errors.Is(err, fs.ErrNotExist) reports whether
// it does not exist), or one wrapping [ErrNoCaptureFiles] for a folder
// without capture files.
func FindFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		files, err := folderFiles(p)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	return out, nil
}

// folderFiles returns the capture files of the folder dir, in the order
// of FindFiles.
func folderFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type file struct {
		name, base string
		n          int // rotation number; 0 for the current file
	}
	var files []file
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if base, n, ok := captureFileName(e.Name()); ok {
			files = append(files, file{e.Name(), base, n})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoCaptureFiles, dir)
	}
	slices.SortFunc(files, func(a, b file) int {
		if c := strings.Compare(a.base, b.base); c != 0 {
			return c
		}
		return b.n - a.n // oldest first: the highest number, the current file (0) last
	})
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = filepath.Join(dir, f.name)
	}
	return out, nil
}

// captureFileName reports whether name is that of a capture file,
// "base.jsonl" or a rotated "base.jsonl.N", and returns its base and
// rotation number (0 for the current file).
func captureFileName(name string) (base string, n int, ok bool) {
	if strings.HasSuffix(name, ".jsonl") {
		return name, 0, true
	}
	i := strings.LastIndexByte(name, '.')
	if i < 0 || !strings.HasSuffix(name[:i], ".jsonl") {
		return "", 0, false
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil || n <= 0 || strings.HasPrefix(name[i+1:], "+") {
		return "", 0, false
	}
	return name[:i], n, true
}

// ReadFiles returns an iterator over the records of the capture files
// that paths name, expanded by [FindFiles], file after file and line after
// line, each with its Env set from the snapshots of its own file.
//
// An error is yielded with a FileRecord that holds no Record, only the
// File and, for a line, the Line it is about, and the iteration goes on
// after it unless the loop stops: a *LineError (its File
// set) for a line that is not a record of [Schema], after which the next
// line is read (after [ErrTruncatedLine], the end of its file, the next
// file); the error of a path that cannot be read or a folder without
// capture files (see FindFiles), after which the next path is read; and an
// error reading a file, after which the next file is read. So a listing
// warns and goes on, and a command that must not run on a partial file
// stops at the first error.
//
// Files are read one at a time, as the loop asks for records, and each
// is closed before the next one is opened, and when the loop stops.
func ReadFiles(paths []string) iter.Seq2[FileRecord, error] {
	return func(yield func(FileRecord, error) bool) {
		for _, p := range paths {
			files, err := FindFiles([]string{p})
			if err != nil {
				if !yield(FileRecord{File: p}, err) {
					return
				}
				continue
			}
			for _, f := range files {
				if !readFileRecords(f, yield) {
					return
				}
			}
		}
	}
}

// readFileRecords yields the records of the file name, and reports
// whether the loop goes on.
func readFileRecords(name string, yield func(FileRecord, error) bool) bool {
	f, err := os.Open(name)
	if err != nil {
		return yield(FileRecord{File: name}, err)
	}
	defer f.Close()
	lr := &lineReader{r: bufio.NewReaderSize(f, 64<<10)}
	d := NewDecoder(lr)
	for {
		rec, err := d.Next()
		if err == io.EOF {
			return true
		}
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) {
				// The file cannot be read any further.
				return yield(FileRecord{File: name}, fmt.Errorf("%w (%s)", err, name))
			}
			le.File = name
			if !yield(FileRecord{File: name, Line: le.Line}, le) {
				return false
			}
			continue // after ErrTruncatedLine, Next says io.EOF
		}
		if !yield(FileRecord{Record: rec, File: name, Line: lr.line()}, nil) {
			return false
		}
	}
}

// lineReader hands the bytes of r on at most one line per Read, so that
// the lines it has handed on are the lines a Decoder reading from it has
// read: the Decoder's bufio.Reader reads only while its buffer holds no
// whole line, and the Decoder returns a record as soon as it has read its
// line. A test holds the two together.
type lineReader struct {
	r       *bufio.Reader
	rest    []byte // of the current line, not handed on yet
	err     error  // to return once rest is handed on
	lines   int    // newlines handed on
	partial bool   // the last byte handed on is not a newline
}

func (l *lineReader) Read(p []byte) (int, error) {
	if len(l.rest) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		frag, err := l.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = nil
		}
		l.rest, l.err = frag, err
		if len(frag) == 0 {
			return 0, err
		}
	}
	n := copy(p, l.rest)
	l.rest = l.rest[n:]
	if n > 0 {
		l.lines += bytes.Count(p[:n], []byte{'\n'})
		l.partial = p[n-1] != '\n'
	}
	return n, nil
}

// line returns the number of the line the Decoder read last.
func (l *lineReader) line() int {
	if l.partial {
		return l.lines + 1
	}
	return l.lines
}
