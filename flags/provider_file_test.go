package flags

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFileReloadsOnChange(t *testing.T) {
	path := writeFlagsFile(t, `{"t.file.rate": 0.1}`)
	p := openFile(t, path)
	k := Float("t.file.rate", 0)
	s := NewSet(WithProvider(p))
	ctx := context.Background()
	assert.Equal(t, 0.1, k.Get(ctx, s))

	require.NoError(t, os.WriteFile(path, []byte(`{"t.file.rate": 0.2}`), 0o600))
	assert.Equal(t, 0.1, k.Get(ctx, s), "nothing changes before the poll")
	p.poll()
	assert.Equal(t, 0.2, k.Get(ctx, s))

	p.poll() // the same version again: nothing to do
	st := s.Stats()
	assert.Equal(t, uint64(1), st.FileReloads)
	assert.Equal(t, uint64(2), st.Decodes)

	require.NoError(t, os.WriteFile(path, []byte(`{}`), 0o600))
	p.poll()
	assert.Equal(t, 0.0, k.Get(ctx, s), "a flag removed from the file gives the default")
	assert.Equal(t, "file:"+path, p.Name())
}

// TestFileKubernetesSymlinkSwap publishes versions the way the kubelet
// updates a ConfigMap volume: each version in its own timestamped
// directory, "..data" a symbolic link to the current one, the file a link
// through "..data", and a new version published by renaming a new link
// over "..data" and removing the old directory.
func TestFileKubernetesSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	publish := func(version, content string) {
		t.Helper()
		vdir := filepath.Join(dir, "..2025_03_14_09_26_53."+version)
		require.NoError(t, os.Mkdir(vdir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(vdir, "flags.json"), []byte(content), 0o644))
		old, _ := os.Readlink(filepath.Join(dir, "..data"))
		tmp := filepath.Join(dir, "..data_tmp")
		require.NoError(t, os.Symlink(filepath.Base(vdir), tmp))
		require.NoError(t, os.Rename(tmp, filepath.Join(dir, "..data")))
		if old != "" {
			require.NoError(t, os.RemoveAll(filepath.Join(dir, old)))
		}
	}
	publish("1", `{"t.k8s.on": false, "t.k8s.mode": "a"}`)
	path := filepath.Join(dir, "flags.json")
	require.NoError(t, os.Symlink(filepath.Join("..data", "flags.json"), path))

	p := openFile(t, path)
	on, mode := Bool("t.k8s.on", true), String("t.k8s.mode", "")
	s := NewSet(WithProvider(p))
	ctx := context.Background()
	assert.False(t, on.Get(ctx, s))
	assert.Equal(t, "a", mode.Get(ctx, s))

	publish("2", `{"t.k8s.on": true, "t.k8s.mode": "b"}`)
	p.poll()
	assert.True(t, on.Get(ctx, s))
	assert.Equal(t, "b", mode.Get(ctx, s))

	publish("3", `{"t.k8s.on": true, "t.k8s.mode": "c"}`)
	p.poll()
	assert.Equal(t, "c", mode.Get(ctx, s))
	assert.Equal(t, uint64(2), s.Stats().FileReloads)
	assert.Zero(t, s.Stats().FileReloadErrors)
}

// TestFileBadVersionsKeepLastGood refuses every kind of bad version,
// keeping the last good values, and counts and logs each bad version once.
func TestFileBadVersionsKeepLastGood(t *testing.T) {
	const good = `{"t.bad.file.on": true, "t.bad.file.rate": 0.5}`
	bad := []struct {
		name    string
		content string
	}{
		{name: "empty", content: ""},
		{name: "half_written", content: good[:len(good)/2]},
		{name: "invalid_json", content: `{"t.bad.file.on": tru}`},
		{name: "array", content: `[true]`},
		{name: "string", content: `"t.bad.file.on"`},
		{name: "invalid_name", content: `{"bad name": 1}`},
		{name: "crlf_name", content: `{"a\r\nb": 1}`},
		{name: "duplicate", content: `{"t.bad.file.on": true, "t.bad.file.on": false}`},
		{name: "trailing_data", content: good + ` {}`},
		{name: "too_large", content: `{"t.bad.file.on": false, "pad": "` + strings.Repeat("x", 200) + `"}`},
	}
	path := writeFlagsFile(t, good)
	logs := new(logRecorder)
	p := openFile(t, path, WithFileLogger(logs.logger()), WithMaxFileSize(128))
	on, rate := Bool("t.bad.file.on", false), Float("t.bad.file.rate", 0)
	s := NewSet(WithProvider(p))
	ctx := context.Background()

	for i, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
			p.poll()
			p.poll() // the same bad version again: not counted again
			assert.True(t, on.Get(ctx, s))
			assert.Equal(t, 0.5, rate.Get(ctx, s))
			assert.Equal(t, uint64(i+1), s.Stats().FileReloadErrors)
			recs := logs.records(t, "flags: flags file refused; keeping the last good values")
			assert.Len(t, recs, i+1)
		})
	}
	for _, rec := range logs.records(t, "") {
		assert.Equal(t, "ERROR", rec["level"])
		assert.NotContains(t, rec["error"], "\r")
	}

	// Back to the good version after bad ones: nothing to load.
	require.NoError(t, os.WriteFile(path, []byte(good), 0o600))
	p.poll()
	assert.Zero(t, s.Stats().FileReloads)

	// The file removed, then back with new values.
	require.NoError(t, os.Remove(path))
	p.poll()
	p.poll()
	assert.True(t, on.Get(ctx, s))
	assert.Equal(t, uint64(len(bad)+1), s.Stats().FileReloadErrors)
	require.NoError(t, os.WriteFile(path, []byte(`{"t.bad.file.on": false}`), 0o600))
	p.poll()
	assert.False(t, on.Get(ctx, s))
	assert.Equal(t, 0.0, rate.Get(ctx, s))
	assert.Equal(t, uint64(1), s.Stats().FileReloads)
}

func TestFileStartErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := File(filepath.Join(dir, "missing.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	_, err = File(writeFlagsFile(t, `{"a": `))
	assert.ErrorIs(t, err, ErrInvalidFile)

	_, err = File(writeFlagsFile(t, `{"a": 1}`), WithMaxFileSize(4))
	assert.ErrorIs(t, err, ErrFileTooLarge)

	// With WithMissingOK the provider starts empty and loads the file
	// when it appears.
	path := filepath.Join(dir, "later.json")
	p := openFile(t, path, WithMissingOK())
	k := Int("t.file.later", 3)
	s := NewSet(WithProvider(p))
	assert.Equal(t, int64(3), k.Get(context.Background(), s))
	require.NoError(t, os.WriteFile(path, []byte(`{"t.file.later": 4}`), 0o600))
	p.poll()
	assert.Equal(t, int64(4), k.Get(context.Background(), s))
}

// TestFilePollerGoroutine drives the real poller through its ticker and
// checks that Close stops it (goleak checks that it is gone).
func TestFilePollerGoroutine(t *testing.T) {
	path := writeFlagsFile(t, `{"t.poller.n": 1}`)
	tick, ticks := manualTicks()
	reloaded := make(chan error, 1)
	stopped := make(chan struct{})
	stopTicker := WithTicker(func(d time.Duration) (<-chan time.Time, func()) {
		assert.Equal(t, 7*time.Second, d)
		return ticks, func() { close(stopped) }
	})
	pr, err := File(path, tick, stopTicker, WithInterval(7*time.Second), WithInterval(-1),
		WithReloadHook(func(err error) { reloaded <- err }), WithFileLogger(new(logRecorder).logger()))
	require.NoError(t, err)
	k := Int("t.poller.n", 0)
	s := NewSet(WithProvider(pr))
	assert.Equal(t, int64(1), k.Get(context.Background(), s))

	require.NoError(t, os.WriteFile(path, []byte(`{"t.poller.n": 2}`), 0o600))
	ticks <- time.Now()
	require.NoError(t, <-reloaded)
	assert.Equal(t, int64(2), k.Get(context.Background(), s))

	require.NoError(t, os.WriteFile(path, []byte(`{"t.poller.n": `), 0o600))
	ticks <- time.Now()
	assert.ErrorIs(t, <-reloaded, ErrInvalidFile)
	assert.Equal(t, int64(2), k.Get(context.Background(), s))

	require.NoError(t, pr.Close())
	require.NoError(t, pr.Close(), "Close twice is fine")
	<-stopped
	assert.Equal(t, int64(2), k.Get(context.Background(), s), "values stay after Close")
}

func TestFileWatchStop(t *testing.T) {
	path := writeFlagsFile(t, `{}`)
	p := openFile(t, path)
	calls := 0
	stop := p.Watch(func() { calls++ })
	require.NoError(t, os.WriteFile(path, []byte(`{"a": 1}`), 0o600))
	p.poll()
	stop()
	require.NoError(t, os.WriteFile(path, []byte(`{"a": 2}`), 0o600))
	p.poll()
	assert.Equal(t, 1, calls)
	assert.Equal(t, []string{"a"}, p.Names())
	p.Watch(nil)()
}

func TestParseFileDropsNulls(t *testing.T) {
	v, err := parseFile([]byte(" {\"a\": null, \"b\": [ 1, 2 ]}\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, v.names)
	assert.Equal(t, `[1,2]`, string(v.values["b"]))
}
