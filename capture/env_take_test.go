package capture

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/flags"
)

// Fake secrets of the environment tests: none is, or ever was, a working
// credential.
const (
	envFakeAWSSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEYxyz"
	envFakeAWSID     = "AKIAIOSFODNN7FAKE123"
	envFakeDBPass    = "Sup3rS3cretPassw0rdQ"
	envFakeJWT       = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlbnZGQUtFIn0.envFAKEsignatureFAKEsig00"
	envFakeGHP       = "ghp_ENVfakeQ7w3Rk9ZpL2mENVfakeX4vB8nT6yHc"
	envFakeURLPass   = "Hunter2Hunter2xyzQ"
	envFakeBearer    = "bearerQzX81LmwPo3RTsVk"
	envFakeFlagToken = "flagTokenValueK7d2Mq9Wz"
	envFakeGODEBUG   = "godebugSecretValue98765"
)

var envFakeSecrets = []string{
	envFakeAWSSecret, envFakeAWSID, envFakeDBPass, envFakeJWT, envFakeGHP,
	envFakeURLPass, envFakeBearer, envFakeFlagToken, envFakeGODEBUG,
}

// envSecretEnviron is an environment full of credentials, some of them in
// allowed variables.
func envSecretEnviron() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + envFakeAWSID,
		"AWS_SECRET_ACCESS_KEY=" + envFakeAWSSecret,
		"DATABASE_URL=postgres://app:" + envFakeDBPass + "@db.internal:5432/app",
		"DB_PASSWORD=" + envFakeDBPass,
		// Allowed by default, with credentials inside.
		"OTEL_RESOURCE_ATTRIBUTES=deployment.environment=prod,auth=" + envFakeJWT,
		"OTEL_EXPORTER_OTLP_ENDPOINT=https://collector:" + envFakeURLPass + "@otel.internal:4318",
		"OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer " + envFakeBearer,
		"LANG=" + envFakeGHP,
		"GODEBUG=http2debug=1,token=" + envFakeGODEBUG,
		// Allowed by the REPROKIT_FLAG_* prefix, but a sensitive name.
		"REPROKIT_FLAG_API_TOKEN=" + envFakeFlagToken,
		"ENABLE_CACHE=true",
		"OTEL_SERVICE_NAME=checkout",
	}
}

// assertNoSecret fails when any 8-byte piece of a fake secret is in out.
func assertNoSecret(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range envFakeSecrets {
		for i := 0; i+8 <= len(s); i++ {
			if strings.Contains(out, s[i:i+8]) {
				t.Errorf("%s holds %q, a piece of a secret:\n%s", what, s[i:i+8], out)
				break
			}
		}
	}
}

func fixedNow() time.Time { return time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC) }

// testEnvOptions returns options that depend on nothing of the machine but
// the Go runtime.
func testEnvOptions(environ ...string) *EnvOptions {
	return &EnvOptions{
		Environ:   func() []string { return environ },
		Now:       fixedNow,
		root:      fstest.MapFS{},
		buildInfo: testBuildInfo,
		hostname:  func() (string, error) { return "host-1", nil },
	}
}

func testBuildInfo() (*debug.BuildInfo, bool) {
	return &debug.BuildInfo{
		GoVersion: "go1.25.4",
		Path:      "example.com/shop/cmd/checkout",
		Main:      debug.Module{Path: "example.com/shop", Version: "v1.4.0"},
		Deps: []*debug.Module{
			{Path: "golang.org/x/net", Version: "v0.40.0", Sum: "h1:net"},
			{Path: "example.com/lib", Version: "v1.0.0", Replace: &debug.Module{Path: "../lib", Version: ""}},
			nil,
		},
		Settings: []debug.BuildSetting{
			{Key: "-ldflags", Value: "-X main.apiKey=" + envFakeGHP},
			{Key: "-gcflags", Value: "all=-N -l"},
			{Key: "CGO_CFLAGS", Value: "-I/home/dev/include"},
			{Key: "-tags", Value: "netgo"},
			{Key: "-trimpath", Value: "true"},
			{Key: "CGO_ENABLED", Value: "0"},
			{Key: "GOAMD64", Value: "v3"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.modified", Value: "false"},
		},
	}, true
}

func envJSON(t *testing.T, e *Env) string {
	t.Helper()
	b, err := AppendEnv(nil, e)
	require.NoError(t, err)
	require.True(t, json.Valid(b), "AppendEnv wrote invalid JSON")
	return string(b)
}

func envVar(e *Env, name string) (EnvVar, bool) {
	i := slices.IndexFunc(e.Vars, func(v EnvVar) bool { return v.Name == name })
	if i < 0 {
		return EnvVar{}, false
	}
	return e.Vars[i], true
}

func TestTakeEnvHoldsNoSecret(t *testing.T) {
	for _, tt := range []struct {
		name string
		key  []byte
	}{
		{"no key", nil},
		{"hash key", []byte("fleet-wide key of 32 bytes......")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := testEnvOptions(envSecretEnviron()...)
			o.HashKey = tt.key
			o.Allow = append(DefaultEnvAllow(), "DB_PASSWORD", "ENABLE_CACHE")
			e := TakeEnv(o)
			assertNoSecret(t, "the snapshot", envJSON(t, e))

			v, ok := envVar(e, "DB_PASSWORD")
			require.True(t, ok)
			assert.False(t, v.Kept, "a sensitive name listed in Allow is kept")
			v, _ = envVar(e, "REPROKIT_FLAG_API_TOKEN")
			assert.False(t, v.Kept, "a sensitive name allowed by a prefix is kept")
			v, _ = envVar(e, "ENABLE_CACHE")
			assert.Equal(t, EnvVar{Name: "ENABLE_CACHE", Value: "true", Kept: true}, v)
			v, _ = envVar(e, "OTEL_RESOURCE_ATTRIBUTES")
			assert.True(t, v.Kept)
			assert.Contains(t, v.Value, "deployment.environment=prod")
			assert.Equal(t, "checkout", e.Service)
			assert.Contains(t, e.Runtime.GODEBUG, "http2debug=1")

			other := TakeEnv(testEnvOptions("DB_PASSWORD=x", "LANG=C"))
			assertNoSecret(t, "the diff", DiffEnv(e, other).String())
			assertNoSecret(t, "the diff", DiffEnv(other, e).String())
		})
	}
}

func TestTakeEnvValues(t *testing.T) {
	key := []byte("0123456789abcdef")
	environ := []string{"GOGC=200", "LC_ALL=C", "HOME=/root", "SECRET_THING=x", "EMPTY=", "NOEQUALS"}
	for _, tt := range []struct {
		name  string
		allow []string
		key   []byte
		red   *Redactor
		want  []EnvVar
		keyID bool
	}{
		{
			name: "defaults",
			want: []EnvVar{
				{Name: "EMPTY"}, {Name: "GOGC", Value: "200", Kept: true}, {Name: "HOME"},
				{Name: "LC_ALL", Value: "C", Kept: true}, {Name: "NOEQUALS"}, {Name: "SECRET_THING"},
			},
		},
		{
			name:  "empty allow keeps nothing",
			allow: []string{},
			want: []EnvVar{
				{Name: "EMPTY"}, {Name: "GOGC"}, {Name: "HOME"}, {Name: "LC_ALL"}, {Name: "NOEQUALS"}, {Name: "SECRET_THING"},
			},
		},
		{
			name:  "star allows every name but sensitive ones",
			allow: []string{"*"},
			want: []EnvVar{
				{Name: "EMPTY", Kept: true}, {Name: "GOGC", Value: "200", Kept: true}, {Name: "HOME", Value: "/root", Kept: true},
				{Name: "LC_ALL", Value: "C", Kept: true}, {Name: "NOEQUALS", Kept: true}, {Name: "SECRET_THING"},
			},
		},
		{
			name:  "prefix and exact names",
			allow: []string{"HOM*", "GOGC"},
			want: []EnvVar{
				{Name: "EMPTY"}, {Name: "GOGC", Value: "200", Kept: true}, {Name: "HOME", Value: "/root", Kept: true},
				{Name: "LC_ALL"}, {Name: "NOEQUALS"}, {Name: "SECRET_THING"},
			},
		},
		{
			name:  "hash key",
			allow: []string{"GOGC"},
			key:   key,
			keyID: true,
			want: []EnvVar{
				{Name: "EMPTY", Hash: envMark(key, "")}, {Name: "GOGC", Value: "200", Kept: true},
				{Name: "HOME", Hash: envMark(key, "/root")}, {Name: "LC_ALL", Hash: envMark(key, "C")},
				{Name: "NOEQUALS", Hash: envMark(key, "")}, {Name: "SECRET_THING", Hash: envMark(key, "x")},
			},
		},
		{
			name:  "Rules.Keep exempts a sensitive name",
			allow: []string{"SECRET_THING"},
			red:   NewRedactor(Rules{Keep: []string{"secret_thing"}}),
			want: []EnvVar{
				{Name: "EMPTY"}, {Name: "GOGC"}, {Name: "HOME"},
				{Name: "LC_ALL"}, {Name: "NOEQUALS"}, {Name: "SECRET_THING", Value: "x", Kept: true},
			},
		},
		{
			name:  "a Redactor in allow-list mode has the last word",
			allow: []string{"GOGC", "HOME"},
			red:   NewRedactor(Rules{AllowList: true, Allow: []string{"HOME"}}),
			want: []EnvVar{
				{Name: "EMPTY"}, {Name: "GOGC"}, {Name: "HOME", Value: "/root", Kept: true},
				{Name: "LC_ALL"}, {Name: "NOEQUALS"}, {Name: "SECRET_THING"},
			},
		},
		{
			name:  "short key is ignored",
			allow: []string{"GOGC"},
			key:   []byte("short"),
			want: []EnvVar{
				{Name: "EMPTY"}, {Name: "GOGC", Value: "200", Kept: true}, {Name: "HOME"},
				{Name: "LC_ALL"}, {Name: "NOEQUALS"}, {Name: "SECRET_THING"},
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := testEnvOptions(environ...)
			o.Allow, o.HashKey, o.Redactor = tt.allow, tt.key, tt.red
			e := TakeEnv(o)
			assert.Equal(t, tt.want, e.Vars)
			if tt.keyID {
				assert.Regexp(t, `^[0-9a-f]{8}$`, e.HashKeyID)
			} else {
				assert.Empty(t, e.HashKeyID)
			}
		})
	}
}

// envMark is the keyed hash of value under key, computed independently of
// the Masker.
func envMark(key []byte, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	return "[REDACTED:" + hex.EncodeToString(m.Sum(nil)[:4]) + "]"
}

func TestTakeEnvHashKeyIsCopied(t *testing.T) {
	key := []byte("0123456789abcdef")
	o := testEnvOptions("HOME=/root")
	o.Allow = []string{}
	o.HashKey = key
	h := EnvHandler(func(*http.Request) bool { return true }, o)
	want := TakeEnv(o)
	key[0] = 'X'
	o.Environ = func() []string { return []string{"HOME=/other"} }
	got := getEnv(t, h)
	assert.Equal(t, want.Vars, got.Vars, "the handler did not copy its options")
	assert.Equal(t, want.HashKeyID, got.HashKeyID)
}

func TestTakeEnvSameKeySameHash(t *testing.T) {
	key := []byte("a key shared by the whole fleet")
	a := testEnvOptions("DB_URL=postgres://x")
	a.HashKey = key
	b := testEnvOptions("DB_URL=postgres://x")
	b.HashKey = slices.Clone(key)
	ea, eb := TakeEnv(a), TakeEnv(b)
	assert.Equal(t, ea.HashKeyID, eb.HashKeyID)
	assert.Equal(t, ea.Vars, eb.Vars)
	b.HashKey = []byte("another key, as long as the first")
	assert.NotEqual(t, ea.HashKeyID, TakeEnv(b).HashKeyID)
}

func TestTakeEnvID(t *testing.T) {
	set := flags.NewSet(
		flags.WithKeys(flags.Bool("checkout.v2", false)),
		flags.WithLogger(slog.New(slog.DiscardHandler)),
	)
	o := testEnvOptions("GOGC=100", "HOME=/root")
	o.Flags = set
	first := TakeEnv(o)
	o.Now = func() time.Time { return fixedNow().Add(time.Hour) }
	second := TakeEnv(o)
	require.Regexp(t, `^[0-9a-f]{16}$`, first.ID)
	assert.Equal(t, first.ID, second.ID, "two snapshots of one environment")
	assert.Equal(t, first.ID, first.ComputeID())

	require.NoError(t, set.Override("checkout.v2", true, time.Hour, "alice"))
	flagged := TakeEnv(o)
	assert.NotEqual(t, first.ID, flagged.ID, "a flag changed")
	assert.NotEqual(t, first.ID, TakeEnv(testEnvOptions("GOGC=200", "HOME=/root")).ID, "a variable changed")

	// Schema and Kind do not count; a trip through a capture file
	// keeps the ID.
	line := envJSON(t, flagged)
	var back Env
	require.NoError(t, json.Unmarshal([]byte(line), &back))
	assert.Equal(t, flagged.ID, back.ID)
	assert.Equal(t, flagged.ID, back.ComputeID())
}

func TestComputeIDUnencodableFlag(t *testing.T) {
	e := &Env{Flags: []flags.FlagValue{{Name: "f", Value: math.NaN(), Source: "static"}}}
	id := e.ComputeID()
	assert.Regexp(t, `^[0-9a-f]{16}$`, id)
	assert.Equal(t, id, e.ComputeID())
	assert.True(t, math.IsNaN(e.Flags[0].Value.(float64)), "ComputeID changed e")
}

func TestTakeEnvFlags(t *testing.T) {
	set := flags.NewSet(
		flags.WithProvider(flags.Static(map[string]any{
			"api.token":   envFakeFlagToken,
			"note":        "see " + envFakeGHP,
			"buffer-ttl":  "30s",
			"sample-rate": 0.5,
		})),
		flags.WithKeys(flags.Duration("buffer-ttl", time.Second)),
		flags.WithLogger(slog.New(slog.DiscardHandler)),
	)
	o := testEnvOptions()
	o.Flags = set
	e := TakeEnv(o)
	assertNoSecret(t, "the snapshot", envJSON(t, e))
	got := map[string]any{}
	for _, f := range e.Flags {
		got[f.Name] = f.Value
	}
	assert.Equal(t, "30s", got["buffer-ttl"], "a duration is kept as its text")
	assert.Equal(t, 0.5, got["sample-rate"])
	assert.Equal(t, Placeholder, got["api.token"])
	assert.Equal(t, "see "+Placeholder, got["note"])
}

func TestTakeEnvBuild(t *testing.T) {
	e := TakeEnv(testEnvOptions())
	assert.Equal(t, Build{
		Path: "example.com/shop/cmd/checkout",
		Main: Module{Path: "example.com/shop", Version: "v1.4.0"},
		Deps: []Module{
			{Path: "example.com/lib", Version: "v1.0.0", Replace: &Module{Path: "../lib"}},
			{Path: "golang.org/x/net", Version: "v0.40.0", Sum: "h1:net"},
		},
		Settings: map[string]string{
			"-tags": "netgo", "-trimpath": "true", "CGO_ENABLED": "0", "GOAMD64": "v3",
			"vcs.revision": "0123456789abcdef0123456789abcdef01234567", "vcs.modified": "false",
		},
	}, e.Build)
	assertNoSecret(t, "the snapshot", envJSON(t, e))

	o := testEnvOptions()
	o.buildInfo = func() (*debug.BuildInfo, bool) { return nil, false }
	assert.Equal(t, Build{}, TakeEnv(o).Build)

	// The real one, as go test builds it: Main.Path may be empty.
	real := TakeEnv(&EnvOptions{Environ: func() []string { return nil }})
	assert.NotEmpty(t, real.Build.Path)
	assert.NotEmpty(t, real.Service)
}

func TestTakeEnvService(t *testing.T) {
	for _, tt := range []struct {
		name    string
		environ []string
		main    string
		want    string
	}{
		{"OTEL_SERVICE_NAME", []string{"OTEL_SERVICE_NAME=checkout"}, "example.com/shop", "checkout"},
		{"main module", nil, "example.com/shop", "example.com/shop"},
		{"executable", nil, "", filepath.Base(os.Args[0])},
		{"redacted", []string{"OTEL_SERVICE_NAME=" + envFakeGHP}, "", Placeholder},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := testEnvOptions(tt.environ...)
			o.buildInfo = func() (*debug.BuildInfo, bool) {
				return &debug.BuildInfo{Main: debug.Module{Path: tt.main}}, true
			}
			assert.Equal(t, tt.want, TakeEnv(o).Service)
		})
	}
}

func TestTakeEnvRuntime(t *testing.T) {
	o := testEnvOptions("GODEBUG=http2debug=1")
	o.root = fstest.MapFS{
		"proc/self/cgroup":                           {Data: []byte("0::/kubepods/pod1/ctr\n")},
		"sys/fs/cgroup/kubepods/memory.max":          {Data: []byte("1073741824\n")},
		"sys/fs/cgroup/kubepods/pod1/ctr/memory.max": {Data: []byte("max\n")},
		"sys/fs/cgroup/memory.max":                   {Data: []byte("max\n")},
		"etc/localtime":                              {Data: []byte("/usr/share/zoneinfo/Europe/Paris"), Mode: 0o777 | fs.ModeSymlink},
	}
	e := TakeEnv(o)
	r := e.Runtime
	assert.Equal(t, runtime.Version(), r.GoVersion)
	assert.Equal(t, runtime.GOOS, r.GOOS)
	assert.Equal(t, runtime.GOARCH, r.GOARCH)
	assert.Equal(t, runtime.GOMAXPROCS(0), r.GOMAXPROCS)
	assert.Equal(t, runtime.NumCPU(), r.NumCPU)
	assert.Equal(t, int64(1<<30), r.CgroupMemoryLimit)
	assert.Equal(t, "http2debug=1", r.GODEBUG)
	assert.Equal(t, "host-1", r.Hostname)
	if time.Local.String() == "Local" {
		assert.Equal(t, "Europe/Paris", r.Timezone)
	}
	_, offset := fixedNow().In(time.Local).Zone()
	assert.Equal(t, offset, r.TimezoneOffset)
	assert.Equal(t, fixedNow(), e.Taken)

	old := debug.SetMemoryLimit(512 << 20)
	defer debug.SetMemoryLimit(old)
	assert.Equal(t, int64(512<<20), TakeEnv(o).Runtime.MemoryLimit)
	debug.SetMemoryLimit(math.MaxInt64)
	assert.Zero(t, TakeEnv(o).Runtime.MemoryLimit)
}

func TestZoneName(t *testing.T) {
	link := func(target string) fstest.MapFS {
		return fstest.MapFS{"etc/localtime": {Data: []byte(target), Mode: fs.ModeSymlink}}
	}
	for _, tt := range []struct {
		name  string
		root  fs.FS
		local string
		want  string
	}{
		{"TZ", nil, "America/New_York", "America/New_York"},
		{"link", link("/usr/share/zoneinfo/Asia/Tokyo"), "Local", "Asia/Tokyo"},
		{"relative link", link("../usr/share/zoneinfo/Etc/UTC"), "Local", "Etc/UTC"},
		{"link elsewhere", link("/opt/tz"), "Local", "JST"},
		{"no link", fstest.MapFS{}, "Local", "JST"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, zoneName(tt.root, tt.local, "JST"))
		})
	}
}

func TestSplitEnv(t *testing.T) {
	for _, tt := range []struct{ in, name, value string }{
		{"A=1", "A", "1"},
		{"A==1", "A", "=1"},
		{"A=", "A", ""},
		{"A", "A", ""},
		{"=C:=C:\\dir", "=C:", "C:\\dir"},
		{"=", "=", ""},
		{"", "", ""},
	} {
		name, value := splitEnv(tt.in)
		assert.Equal(t, [2]string{tt.name, tt.value}, [2]string{name, value}, "splitEnv(%q)", tt.in)
	}
}

func TestTakeEnvHostile(t *testing.T) {
	big := strings.Repeat("v", 1<<20)
	environ := []string{
		"BAD\r\nNAME=x",
		"ESC\x1b[31mNAME=x",
		"\xff\xfeBROKEN=x",
		"LANG=line1\r\nline2\x00\xff",
		"LC_ALL=" + big,
		strings.Repeat("N", 1<<20) + "=x",
		"DUP=first", "DUP=second",
		"",
		"=",
		"\u2028SEP=x",
	}
	for i := range 10000 {
		environ = append(environ, "VAR_"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+"_"+strconv.Itoa(i)+"=v")
	}
	o := testEnvOptions(environ...)
	o.HashKey = []byte("0123456789abcdef0123")
	e := TakeEnv(o)
	line := envJSON(t, e)
	assert.Less(t, len(line), 4<<20, "the snapshot is bounded")

	require.True(t, slices.IsSortedFunc(e.Vars, func(a, b EnvVar) int { return strings.Compare(a.Name, b.Name) }))
	names := map[string]bool{}
	for _, v := range e.Vars {
		assert.True(t, utf8.ValidString(v.Name) && utf8.ValidString(v.Value), "%q", v.Name)
		assert.LessOrEqual(t, len(v.Name), maxEnvName)
		assert.LessOrEqual(t, len(v.Value), maxEnvValue)
		assert.False(t, names[v.Name], "duplicate %q", v.Name)
		names[v.Name] = true
	}
	dup, _ := envVar(e, "DUP")
	assert.Equal(t, envMark(o.HashKey, "first"), dup.Hash, "the first of duplicates is what Getenv reads")
	lcAll, _ := envVar(e, "LC_ALL")
	assert.True(t, strings.HasSuffix(lcAll.Value, truncatedMark))
	lang, _ := envVar(e, "LANG")
	assert.Equal(t, "line1\r\nline2\x00\uFFFD", lang.Value)
	long := strings.Repeat("N", maxEnvName)
	nv, ok := envVar(e, long)
	require.True(t, ok, "a long name is cut")
	assert.False(t, nv.Kept)

	var back Env
	require.NoError(t, json.Unmarshal([]byte(line), &back))
	assert.Equal(t, e.ID, back.ID)

	d := DiffEnv(e, nil)
	var out bytes.Buffer
	require.NoError(t, d.Format(&out, "prod\r\nuction", "local"))
	assertOneLinePerChange(t, d, out.String())
}

// assertOneLinePerChange checks that the report of d has a line per
// change, a heading per kind and a line for the uncompared variables, and
// nothing else: no value or name broke a line.
func assertOneLinePerChange(t *testing.T, d EnvDiff, out string) {
	t.Helper()
	kinds := map[string]bool{}
	for _, c := range d.Changes {
		kinds[c.Kind] = true
	}
	want := len(d.Changes) + len(kinds)
	if len(d.Uncompared) > 0 {
		want++
		if !kinds[EnvVars] {
			want++
		}
	}
	if d.Empty() {
		want++
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	assert.Len(t, lines, want)
	assert.NotContains(t, out, "\r")
	assert.NotContains(t, out, "\u2028")
	for _, l := range lines {
		assert.True(t, utf8.ValidString(l))
	}
}

func TestCleanRuntimeValues(t *testing.T) {
	o := testEnvOptions("GODEBUG=" + strings.Repeat("g", 1<<20))
	o.hostname = func() (string, error) { return strings.Repeat("h", 1000) + "\xff", nil }
	e := TakeEnv(o)
	assert.LessOrEqual(t, len(e.Runtime.GODEBUG), maxEnvValue)
	assert.LessOrEqual(t, len(e.Runtime.Hostname), maxEnvText)
	assert.True(t, utf8.ValidString(e.Runtime.Hostname))

	o.hostname = func() (string, error) { return "", io.ErrUnexpectedEOF }
	assert.Empty(t, TakeEnv(o).Runtime.Hostname)
}

func BenchmarkTakeEnv(b *testing.B) {
	environ := make([]string, 0, 100)
	for i := range 100 {
		environ = append(environ, "VAR_"+strconv.Itoa(i)+"=some value of a variable")
	}
	o := testEnvOptions(environ...)
	o.HashKey = []byte("0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		TakeEnv(o)
	}
}

// FuzzTakeEnv: any environment gives a snapshot that encodes as JSON,
// holds sorted, distinct, bounded valid UTF-8 names and values, and diffs
// into one line per change. Seeds in testdata/fuzz/FuzzTakeEnv.
func FuzzTakeEnv(f *testing.F) {
	f.Fuzz(func(t *testing.T, kv1, kv2 string, allowAll bool) {
		o := testEnvOptions(kv1, kv2, "LANG="+kv2, "GODEBUG="+kv1, "OTEL_SERVICE_NAME="+kv2)
		o.HashKey = []byte("0123456789abcdef")
		if allowAll {
			o.Allow = []string{"*"}
		}
		e := TakeEnv(o)
		b, err := AppendEnv(nil, e)
		if err != nil || !json.Valid(b) {
			t.Fatalf("AppendEnv: %v, valid %t", err, json.Valid(b))
		}
		for i, v := range e.Vars {
			if i > 0 && e.Vars[i-1].Name >= v.Name {
				t.Fatalf("vars not sorted and distinct: %q, %q", e.Vars[i-1].Name, v.Name)
			}
			if !utf8.ValidString(v.Name) || !utf8.ValidString(v.Value) || len(v.Name) > maxEnvName || len(v.Value) > maxEnvValue {
				t.Fatalf("bad var %q=%q", v.Name, v.Value)
			}
			if v.Kept == (v.Hash != "") {
				t.Fatalf("var %q: kept %t, hash %q", v.Name, v.Kept, v.Hash)
			}
		}
		if !utf8.ValidString(e.Service) || len(e.Service) > maxEnvText {
			t.Fatalf("service %q", e.Service)
		}
		d := DiffEnv(e, nil)
		assertOneLinePerChange(t, d, d.String())
		if t.Failed() {
			t.FailNow()
		}
	})
}

// TestEnvIDIgnoresOverrideExpiry: an override set again to the same
// value, with another expiry or by someone else, is the same environment.
func TestEnvIDIgnoresOverrideExpiry(t *testing.T) {
	a := &Env{Flags: []flags.FlagValue{{Name: "checkout.v2", Value: true, Source: flags.SourceOverride, Expires: time.Unix(1, 0), By: "ann"}}}
	b := &Env{Flags: []flags.FlagValue{{Name: "checkout.v2", Value: true, Source: flags.SourceOverride, Expires: time.Unix(2, 0), By: "bob"}}}
	c := &Env{Flags: []flags.FlagValue{{Name: "checkout.v2", Value: false, Source: flags.SourceOverride, Expires: time.Unix(1, 0), By: "ann"}}}
	if a.ComputeID() != b.ComputeID() {
		t.Error("the expiry or author of an override changed the ID")
	}
	if a.ComputeID() == c.ComputeID() {
		t.Error("the value of an override did not change the ID")
	}
	if !a.Flags[0].Expires.Equal(time.Unix(1, 0)) || a.Flags[0].By != "ann" {
		t.Error("ComputeID modified the snapshot")
	}
}
