package flags

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the file provider's options.
const (
	// DefaultFileInterval is how often [File] polls its file unless
	// [WithInterval] says otherwise.
	DefaultFileInterval = 5 * time.Second
	// DefaultMaxFileSize is the largest file [File] reads, in bytes,
	// unless [WithMaxFileSize] says otherwise.
	DefaultMaxFileSize = 1 << 20
)

// FileOption configures the provider made by [File].
type FileOption interface {
	applyFile(*fileConfig)
}

type fileOptionFunc func(*fileConfig)

func (f fileOptionFunc) applyFile(c *fileConfig) { f(c) }

type fileConfig struct {
	interval  time.Duration
	newTicker func(time.Duration) (<-chan time.Time, func())
	logger    *slog.Logger
	maxSize   int64
	onReload  func(error)
	missingOK bool
}

// WithInterval sets how often the file is polled. The default is
// [DefaultFileInterval]; a d that is not positive is ignored.
func WithInterval(d time.Duration) FileOption {
	return fileOptionFunc(func(c *fileConfig) {
		if d > 0 {
			c.interval = d
		}
	})
}

// WithTicker replaces the ticker that paces the polls, so that tests can
// poll at will instead of sleeping: newTicker is called once with the
// interval and returns the channel to poll on each receive from and a
// function that stops it, called by Close. The default uses time.NewTicker.
// A nil function is ignored.
func WithTicker(newTicker func(interval time.Duration) (ticks <-chan time.Time, stop func())) FileOption {
	return fileOptionFunc(func(c *fileConfig) {
		if newTicker != nil {
			c.newTicker = newTicker
		}
	})
}

// WithFileLogger sets the logger of the provider's errors (one line per
// bad version of the file, at level Error). The default is slog.Default();
// a nil logger is ignored.
func WithFileLogger(l *slog.Logger) FileOption {
	return fileOptionFunc(func(c *fileConfig) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithMaxFileSize sets the largest file read, in bytes; a larger one is a
// bad version. The default is [DefaultMaxFileSize]; an n that is not
// positive is ignored.
func WithMaxFileSize(n int64) FileOption {
	return fileOptionFunc(func(c *fileConfig) {
		if n > 0 {
			c.maxSize = n
		}
	})
}

// WithReloadHook sets a function called after each poll that found a new
// version of the file, with nil if it was loaded and the reason if it was
// refused, for metrics and tests. It runs on the poller's goroutine after
// the Sets were told of the change; it must not block. None by default.
func WithReloadHook(fn func(err error)) FileOption {
	return fileOptionFunc(func(c *fileConfig) { c.onReload = fn })
}

// WithMissingOK makes a missing file at start-up not an error: the provider
// starts empty and loads the file when it appears.
func WithMissingOK() FileOption {
	return fileOptionFunc(func(c *fileConfig) { c.missingOK = true })
}

// File returns a provider of the flags in the file at path: a JSON object
// of flag names (see [ValidName]) to values; a null value is the same as
// no entry.
//
//	{"debug.enabled": true, "debug.sample-rate": 0.05, "capture.timeout": "2s",
//	 "debug.rules": [{"route": "/checkout", "rate": 1}]}
//
// File reads the file once before it returns, and returns an error
// wrapping [ErrInvalidFile] or [ErrFileTooLarge], or the error of os.Open,
// if that fails. It then polls the file (see [WithInterval]) and loads
// every new version, telling the Sets that use it. The path is opened anew
// on each poll, so a Kubernetes ConfigMap volume, which swaps a "..data"
// symbolic link to publish a new version, and editors that rename a new
// file into place are seen.
//
// A version that cannot be read, is too large (see [WithMaxFileSize]) or
// is not valid (such as a file caught half-written) is refused: the last
// good values stay in force, the error is logged once per bad version and
// counted in [Stats].FileReloadErrors of the Sets using the provider.
//
// Close stops the poller and waits for it; the provider then keeps its last
// values. The provider's Name is "file:" followed by path.
func File(path string, opts ...FileOption) (Provider, error) {
	c := fileConfig{
		interval: DefaultFileInterval,
		newTicker: func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		},
		logger:  slog.Default(),
		maxSize: DefaultMaxFileSize,
	}
	for _, o := range opts {
		if o != nil {
			o.applyFile(&c)
		}
	}
	p := &fileProvider{
		path:    path,
		name:    "file:" + path,
		cfg:     c,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		watches: make(map[int]func()),
	}
	p.values.Store(&fileValues{})
	data, err := readCapped(path, c.maxSize)
	switch {
	case err == nil:
		values, perr := parseFile(data)
		if perr != nil {
			return nil, fmt.Errorf("flags: file %s: %w", path, perr)
		}
		p.values.Store(values)
		p.seen = sha256.Sum256(data)
		p.good = p.seen
	case c.missingOK && errors.Is(err, fs.ErrNotExist):
		p.seen = versionOfError(err)
	default:
		return nil, fmt.Errorf("flags: file %s: %w", path, err)
	}
	ticks, stopTicker := c.newTicker(c.interval)
	go p.run(ticks, stopTicker)
	return p, nil
}

// fileValues is one loaded version of the file.
type fileValues struct {
	values map[string]json.RawMessage // compact JSON, never null
	names  []string                   // sorted
}

type fileProvider struct {
	path string
	name string
	cfg  fileConfig

	values atomic.Pointer[fileValues]

	// Owned by the poller goroutine after File returns.
	seen [32]byte // digest of the last version seen, good or bad
	good [32]byte // digest of the version in force

	reloads, errs atomic.Uint64

	watchMu sync.Mutex     // guards watches and nextID
	watches map[int]func() // by ID, to remove
	nextID  int

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

var (
	_ Provider    = (*fileProvider)(nil)
	_ Lister      = (*fileProvider)(nil)
	_ fileStatser = (*fileProvider)(nil)
)

func (p *fileProvider) Name() string { return p.name }

func (p *fileProvider) Lookup(name string) (any, bool) {
	v, ok := p.values.Load().values[name]
	if !ok {
		return nil, false
	}
	return v, true
}

func (p *fileProvider) Names() []string { return slices.Clone(p.values.Load().names) }

func (p *fileProvider) Watch(changed func()) func() {
	if changed == nil {
		return noStop
	}
	p.watchMu.Lock()
	id := p.nextID
	p.nextID++
	p.watches[id] = changed
	p.watchMu.Unlock()
	return func() {
		p.watchMu.Lock()
		delete(p.watches, id)
		p.watchMu.Unlock()
	}
}

// Close stops the poller and waits for it to return. It is safe to call
// more than once.
func (p *fileProvider) Close() error {
	p.closeOnce.Do(func() { close(p.stop) })
	<-p.done
	return nil
}

func (p *fileProvider) fileStats() (reloads, errors uint64) {
	return p.reloads.Load(), p.errs.Load()
}

func (p *fileProvider) run(ticks <-chan time.Time, stopTicker func()) {
	defer close(p.done)
	defer stopTicker()
	for {
		select {
		case <-p.stop:
			return
		case <-ticks:
			p.poll()
		}
	}
}

// poll reads the file and loads it if it is a new, valid version.
func (p *fileProvider) poll() {
	data, err := readCapped(p.path, p.cfg.maxSize)
	var version [32]byte
	if err != nil {
		version = versionOfError(err)
	} else {
		version = sha256.Sum256(data)
	}
	if version == p.seen {
		return
	}
	p.seen = version
	var values *fileValues
	if err == nil {
		if version == p.good {
			return // back to the version in force after a bad one
		}
		values, err = parseFile(data)
	}
	if err != nil {
		p.errs.Add(1)
		p.cfg.logger.LogAttrs(context.Background(), slog.LevelError,
			"flags: flags file refused; keeping the last good values",
			slog.String("path", logSafe(p.path, 1024)), slog.String("error", logSafe(err.Error(), maxLogValue)))
		if p.cfg.onReload != nil {
			p.cfg.onReload(err)
		}
		return
	}
	p.good = version
	p.values.Store(values)
	p.reloads.Add(1)
	p.watchMu.Lock()
	watches := slices.Collect(maps.Values(p.watches))
	p.watchMu.Unlock()
	for _, changed := range watches {
		changed()
	}
	if p.cfg.onReload != nil {
		p.cfg.onReload(nil)
	}
}

// versionOfError names a failed read, so that the same failure is logged
// once, not on every poll.
func versionOfError(err error) [32]byte {
	return sha256.Sum256([]byte("error\x00" + err.Error()))
}

// readCapped reads the file at path, refusing one larger than limit.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w (limit %d bytes)", ErrFileTooLarge, limit)
	}
	return data, nil
}

// parseFile parses a flags file: one JSON object of valid names to values,
// each name once. Null values are left out; the others are kept as compact
// JSON. Anything else, including an empty or truncated file, is an error
// wrapping ErrInvalidFile.
func parseFile(data []byte) (*fileValues, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: not JSON", ErrInvalidFile)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidFile)
	}
	values := make(map[string]json.RawMessage)
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: not JSON", ErrInvalidFile)
		}
		name, _ := tok.(string)
		if !ValidName(name) {
			return nil, fmt.Errorf("%w: invalid flag name %q", ErrInvalidFile, logSafe(name, MaxNameLength))
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: flag %s given twice", ErrInvalidFile, name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%w: not JSON", ErrInvalidFile)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, fmt.Errorf("%w: not JSON", ErrInvalidFile)
		}
		if v := buf.Bytes(); string(v) != "null" {
			values[name] = json.RawMessage(v)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("%w: not JSON", ErrInvalidFile)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the object", ErrInvalidFile)
	}
	return &fileValues{values: values, names: slices.Sorted(maps.Keys(values))}, nil
}
