package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/reprokit/reprokit/internal/safetext"
)

// MaxLineBytes is the longest line a [Decoder] reads: a record holds at
// most two capped bodies, and a longer line is not one reprokit wrote.
const MaxLineBytes = 16 << 20

var (
	// ErrSchema is the error of a line whose schema is not [Schema].
	ErrSchema = errors.New("capture: unknown schema")
	// ErrKind is the error of a line whose kind is not one of the kinds.
	ErrKind = errors.New("capture: unknown kind of line")
	// ErrTruncatedLine is the error of a last line that ends before its
	// JSON does, as a file that was being written when it was copied.
	ErrTruncatedLine = errors.New("capture: truncated last line")
	// ErrLineTooLong is the error of a line longer than MaxLineBytes.
	ErrLineTooLong = errors.New("capture: line longer than MaxLineBytes")
)

// LineError is an error of one line of a capture file.
type LineError struct {
	// File is the file's name, when it was read by [ReadFile].
	File string
	// Line is the line's number, from 1.
	Line int
	// Err is what is wrong with it: ErrSchema, ErrKind, ErrTruncatedLine,
	// ErrLineTooLong or a JSON syntax error.
	Err error
}

func (e *LineError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("capture: %s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("capture: line %d: %v", e.Line, e.Err)
}

// Unwrap returns Err.
func (e *LineError) Unwrap() error { return e.Err }

// AppendRecord appends rec to dst as one line of JSON, newline
// included, with [Schema] and [KindHTTP] written for an empty Schema or
// Kind. It does not modify rec, which several sinks may share.
func AppendRecord(dst []byte, rec *Record) ([]byte, error) {
	if rec.Schema == "" || rec.Kind == "" {
		r := *rec
		if r.Schema == "" {
			r.Schema = Schema
		}
		if r.Kind == "" {
			r.Kind = KindHTTP
		}
		rec = &r
	}
	out, err := appendRecordJSON(dst, rec)
	if err != nil {
		return dst, fmt.Errorf("capture: encoding a record: %w", err)
	}
	return append(out, '\n'), nil
}

// AppendEnv appends env to dst as one line of JSON, newline included,
// with its Schema and Kind set.
func AppendEnv(dst []byte, env *Env) ([]byte, error) {
	e := *env
	e.Schema, e.Kind = Schema, KindEnv
	return appendJSONLine(dst, &e)
}

func appendJSONLine(dst []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false) // bodies stay readable: "<", not "\u003c"
	if err := enc.Encode(v); err != nil {
		return dst, fmt.Errorf("capture: encoding a line: %w", err)
	}
	return buf.Bytes(), nil
}

// A Decoder reads the records of a capture file (JSON Lines), and the
// environment snapshots between them, which it sets as the Env of the
// records that refer to them. It is not safe for concurrent use.
type Decoder struct {
	r    *bufio.Reader
	line int
	envs map[string]*Env
	err  error
}

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: bufio.NewReaderSize(r, 64<<10), envs: map[string]*Env{}}
}

// Next returns the next record, io.EOF after the last, or a *LineError
// for a line that is not a record of [Schema] or a snapshot. Blank lines
// are skipped. After a *LineError the Decoder may go on with the next
// line, except after ErrTruncatedLine, the end.
func (d *Decoder) Next() (*Record, error) {
	for {
		if d.err != nil {
			return nil, d.err
		}
		line, err := d.readLine()
		if err != nil {
			if err == io.EOF {
				d.err = io.EOF
			}
			return nil, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		rec, env, err := d.parse(line)
		if err != nil {
			return nil, &LineError{Line: d.line, Err: err}
		}
		if env != nil {
			d.envs[env.ID] = env
			continue
		}
		if rec.EnvID != "" {
			rec.Env = d.envs[rec.EnvID]
		}
		return rec, nil
	}
}

// Env returns the environment snapshot of the given ID read so far.
func (d *Decoder) Env(id string) (*Env, bool) {
	e, ok := d.envs[id]
	return e, ok
}

// Envs returns every environment snapshot read so far.
func (d *Decoder) Envs() []*Env {
	out := make([]*Env, 0, len(d.envs))
	for _, e := range d.envs {
		out = append(out, e)
	}
	return out
}

// readLine returns the next line without its newline. A last line
// without one is returned as it is; whether it parses decides whether it
// was whole.
func (d *Decoder) readLine() ([]byte, error) {
	var long []byte
	for {
		frag, err := d.r.ReadSlice('\n')
		if err == nil || err == io.EOF && (len(frag) > 0 || long != nil) {
			d.line++
			if long != nil {
				frag = append(long, frag...)
			}
			if len(bytes.TrimSuffix(frag, []byte("\n"))) > MaxLineBytes {
				d.skipped(err)
				return nil, &LineError{Line: d.line, Err: ErrLineTooLong}
			}
			if err == io.EOF {
				d.err = io.EOF
				if !json.Valid(bytes.TrimSpace(frag)) && len(bytes.TrimSpace(frag)) > 0 {
					return nil, &LineError{Line: d.line, Err: ErrTruncatedLine}
				}
			}
			return bytes.TrimSuffix(frag, []byte("\n")), nil
		}
		if err == bufio.ErrBufferFull {
			if len(long)+len(frag) > MaxLineBytes {
				d.line++
				if err := d.discardLine(); err != nil {
					d.err = err
				}
				return nil, &LineError{Line: d.line, Err: ErrLineTooLong}
			}
			long = append(long, frag...)
			continue
		}
		if err == io.EOF {
			return nil, io.EOF
		}
		d.err = err
		return nil, fmt.Errorf("capture: reading: %w", err)
	}
}

func (d *Decoder) skipped(err error) {
	if err == io.EOF {
		d.err = io.EOF
	}
}

// discardLine reads up to and including the next newline.
func (d *Decoder) discardLine() error {
	for {
		_, err := d.r.ReadSlice('\n')
		if err != bufio.ErrBufferFull {
			return err
		}
	}
}

// parse decodes one line as a record or a snapshot.
func (d *Decoder) parse(line []byte) (*Record, *Env, error) {
	// Most lines are records in the shape AppendRecord writes: decode
	// them without reflection. Any other line (snapshots, records
	// written otherwise, lines that are wrong) starts again with
	// encoding/json, which decides what it is.
	rec := new(Record)
	if decodeRecordFast(line, rec) && rec.Schema == Schema && (rec.Kind == KindHTTP || rec.Kind == KindGRPC) {
		return rec, nil, nil
	}
	*rec = Record{}
	// Decode the other records once, and go the long way, reading the
	// schema and kind first, only for the rest (snapshots, and lines
	// that are wrong).
	err := json.Unmarshal(line, rec)
	if rec.Schema == Schema && (rec.Kind == KindHTTP || rec.Kind == KindGRPC) {
		if err != nil {
			return nil, nil, jsonError{err}
		}
		return rec, nil, nil
	}
	var head struct {
		Schema string `json:"schema"`
		Kind   string `json:"kind"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, nil, jsonError{err}
	}
	if head.Schema != Schema {
		return nil, nil, fmt.Errorf("%w %q (this version reads %q)", ErrSchema, safetext.Clean(head.Schema, 64), Schema)
	}
	switch head.Kind {
	case KindHTTP, KindGRPC:
		// Not taken above, though the head reads alike: decode the
		// record on its own, as before the shortcut.
		rec := new(Record)
		if err := json.Unmarshal(line, rec); err != nil {
			return nil, nil, jsonError{err}
		}
		return rec, nil, nil
	case KindEnv:
		env := new(Env)
		if err := json.Unmarshal(line, env); err != nil {
			return nil, nil, jsonError{err}
		}
		return nil, env, nil
	}
	return nil, nil, fmt.Errorf("%w %q", ErrKind, safetext.Clean(head.Kind, 64))
}

// ReadFile reads every record of the capture file at path, with their
// Env set from the snapshots of the file. It stops at the first bad
// line, returning the records before it and a *LineError naming the
// file.
func ReadFile(path string) ([]*Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(NewDecoder(f), path)
}

// ReadRecords reads every record from r, as [ReadFile] does.
func ReadRecords(r io.Reader) ([]*Record, error) {
	return readAll(NewDecoder(r), "")
}

func readAll(d *Decoder, name string) ([]*Record, error) {
	var out []*Record
	for {
		rec, err := d.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			var le *LineError
			if errors.As(err, &le) {
				le.File = name
			}
			return out, err
		}
		out = append(out, rec)
	}
}

// maxErrorText bounds the text of an error about a line: encoding/json
// repeats the literal it refused, which in a hostile file may be
// megabytes long and hold control characters or secrets.
const maxErrorText = 256

// jsonError is a JSON error about a line, its text cleaned and cut.
type jsonError struct{ err error }

func (e jsonError) Error() string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, safetext.Clean(e.err.Error(), maxErrorText))
}

// Unwrap returns the encoding/json error.
func (e jsonError) Unwrap() error { return e.err }
