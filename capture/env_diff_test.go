package capture

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/flags"
)

const (
	diffKeyA = "aaaaaaaa"
	diffKeyB = "bbbbbbbb"
	hashX    = "[REDACTED:11111111]"
	hashY    = "[REDACTED:22222222]"
)

// diffBase is a snapshot for the DiffEnv tests; each case changes a copy.
func diffBase() *Env {
	return &Env{
		ID:      "0123456789abcdef",
		Taken:   time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC),
		Service: "checkout",
		Runtime: Runtime{
			GoVersion: "go1.25.4", GOOS: "linux", GOARCH: "amd64", GOMAXPROCS: 4, NumCPU: 4,
			CgroupMemoryLimit: 1 << 30, Timezone: "UTC", Hostname: "prod-1",
		},
		Build: Build{
			Path: "example.com/shop/cmd/checkout",
			Main: Module{Path: "example.com/shop", Version: "v1.4.0"},
			Deps: []Module{
				{Path: "example.com/lib", Version: "v1.0.0"},
				{Path: "golang.org/x/net", Version: "v0.40.0"},
			},
			Settings: map[string]string{"vcs.revision": "abc123", "CGO_ENABLED": "0"},
		},
		Vars: []EnvVar{
			{Name: "DB_URL", Hash: hashX},
			{Name: "GOGC", Value: "100", Kept: true},
			{Name: "HOME", Hash: hashX},
		},
		HashKeyID: diffKeyA,
		Flags: []flags.FlagValue{
			{Name: "checkout.v2", Value: false, Source: flags.SourceDefault},
		},
	}
}

func clone(e *Env) *Env {
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	var c Env
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return &c
}

func TestDiffEnv(t *testing.T) {
	for _, tt := range []struct {
		name       string
		a, b       func() *Env
		want       []EnvChange
		uncompared []string
	}{
		{
			name: "same",
			a:    diffBase, b: diffBase,
		},
		{
			name: "nil sides",
			a:    func() *Env { return nil }, b: func() *Env { return nil },
		},
		{
			name: "identity differs: no change",
			a:    diffBase,
			b: func() *Env {
				e := diffBase()
				e.ID, e.Taken, e.Service, e.Runtime.Hostname = "fedcba9876543210", time.Now(), "other", "laptop"
				e.Build.Deps[0].Sum = "h1:other"
				e.Flags[0].By = "bob"
				return e
			},
		},
		{
			name: "a round trip through JSON changes nothing",
			a:    diffBase,
			b:    func() *Env { return clone(diffBase()) },
		},
		{
			name: "runtime",
			a:    diffBase,
			b: func() *Env {
				e := diffBase()
				e.Runtime.GoVersion = "go1.25.1"
				e.Runtime.GOMAXPROCS = 8
				e.Runtime.MemoryLimit = 512 << 20
				e.Runtime.CgroupMemoryLimit = 0
				e.Runtime.Timezone, e.Runtime.TimezoneOffset = "Europe/Paris", 3600
				return e
			},
			want: []EnvChange{
				{Kind: EnvRuntime, Name: "cgroup_memory_limit", A: "1 GiB", B: "none", InA: true, InB: true},
				{Kind: EnvRuntime, Name: "go_version", A: "go1.25.4", B: "go1.25.1", InA: true, InB: true},
				{Kind: EnvRuntime, Name: "gomaxprocs", A: "4", B: "8", InA: true, InB: true},
				{Kind: EnvRuntime, Name: "memory_limit", A: "none", B: "512 MiB", InA: true, InB: true},
				{Kind: EnvRuntime, Name: "timezone", A: "UTC (UTC+00:00)", B: "Europe/Paris (UTC+01:00)", InA: true, InB: true},
			},
		},
		{
			name: "build and dependencies",
			a:    diffBase,
			b: func() *Env {
				e := diffBase()
				e.Build.Main.Version = "v1.5.0"
				e.Build.Settings["vcs.revision"] = "def456"
				e.Build.Settings["-race"] = "true"
				delete(e.Build.Settings, "CGO_ENABLED")
				e.Build.Deps = []Module{
					{Path: "example.com/lib", Version: "v1.0.0", Replace: &Module{Path: "../lib"}},
					{Path: "golang.org/x/net", Version: "v0.41.0"},
					{Path: "golang.org/x/text", Version: "v0.25.0"},
				}
				return e
			},
			want: []EnvChange{
				{Kind: EnvBuild, Name: "-race", B: "true", InB: true},
				{Kind: EnvBuild, Name: "CGO_ENABLED", A: "0", InA: true},
				{Kind: EnvBuild, Name: "main", A: "example.com/shop v1.4.0", B: "example.com/shop v1.5.0", InA: true, InB: true},
				{Kind: EnvBuild, Name: "vcs.revision", A: "abc123", B: "def456", InA: true, InB: true},
				{Kind: EnvDeps, Name: "example.com/lib", A: "v1.0.0", B: "v1.0.0 => ../lib", InA: true, InB: true},
				{Kind: EnvDeps, Name: "golang.org/x/net", A: "v0.40.0", B: "v0.41.0", InA: true, InB: true},
				{Kind: EnvDeps, Name: "golang.org/x/text", B: "v0.25.0", InB: true},
			},
		},
		{
			name: "variable missing on each side",
			a: func() *Env {
				e := diffBase()
				e.Vars = append(e.Vars, EnvVar{Name: "ENABLE_CACHE", Hash: hashX}, EnvVar{Name: "LANG", Value: "C", Kept: true})
				return e
			},
			b: func() *Env {
				e := diffBase()
				e.Vars = append(e.Vars, EnvVar{Name: "TZ", Value: "Europe/Paris", Kept: true}, EnvVar{Name: "X_NEW"})
				return e
			},
			want: []EnvChange{
				{Kind: EnvVars, Name: "ENABLE_CACHE", A: "<set>", InA: true, Masked: true},
				{Kind: EnvVars, Name: "LANG", A: "C", InA: true},
				{Kind: EnvVars, Name: "TZ", B: "Europe/Paris", InB: true},
				{Kind: EnvVars, Name: "X_NEW", B: "<set>", InB: true, Masked: true},
			},
		},
		{
			name: "masked values differ under one key",
			a:    diffBase,
			b: func() *Env {
				e := diffBase()
				e.Vars[0].Hash = hashY
				return e
			},
			want: []EnvChange{{Kind: EnvVars, Name: "DB_URL", A: "<set>", B: "<set>", InA: true, InB: true, Masked: true}},
		},
		{
			name: "kept values differ",
			a:    diffBase,
			b: func() *Env {
				e := diffBase()
				e.Vars[1].Value = "off"
				return e
			},
			want: []EnvChange{{Kind: EnvVars, Name: "GOGC", A: "100", B: "off", InA: true, InB: true}},
		},
		{
			name: "different keys: masked values not compared",
			a:    diffBase,
			b: func() *Env {
				e := diffBase()
				e.HashKeyID = diffKeyB
				e.Vars[0].Hash = hashY
				return e
			},
			uncompared: []string{"DB_URL", "HOME"},
		},
		{
			name: "no keys",
			a: func() *Env {
				e := diffBase()
				e.HashKeyID, e.Vars[0].Hash, e.Vars[2].Hash = "", "", ""
				return e
			},
			b: func() *Env {
				e := diffBase()
				e.HashKeyID, e.Vars[0].Hash, e.Vars[2].Hash = "", "", ""
				return e
			},
			uncompared: []string{"DB_URL", "HOME"},
		},
		{
			name: "kept on one side, masked on the other",
			a:    diffBase,
			b: func() *Env {
				e := diffBase()
				e.Vars[1] = EnvVar{Name: "GOGC", Hash: hashX}
				return e
			},
			uncompared: []string{"GOGC"},
		},
		{
			name: "a hash that is no mark is not compared",
			a:    diffBase,
			b: func() *Env {
				e := diffBase()
				e.Vars[0].Hash = "plain text"
				return e
			},
			uncompared: []string{"DB_URL"},
		},
		{
			name: "a value without Kept is never shown",
			a: func() *Env {
				e := diffBase()
				e.Vars = append(e.Vars, EnvVar{Name: "LEAK", Value: "hunter2hunter2"})
				return e
			},
			b:    diffBase,
			want: []EnvChange{{Kind: EnvVars, Name: "LEAK", A: "<set>", InA: true, Masked: true}},
		},
		{
			name: "a kept credential is redacted again",
			a: func() *Env {
				e := diffBase()
				e.Vars[1].Value = envFakeGHP
				return e
			},
			b:    diffBase,
			want: []EnvChange{{Kind: EnvVars, Name: "GOGC", A: Placeholder, B: "100", InA: true, InB: true}},
		},
		{
			name: "flags",
			a: func() *Env {
				e := diffBase()
				e.Flags = append(e.Flags, flags.FlagValue{Name: "debug.rate", Value: 0.5, Source: "file"})
				return e
			},
			b: func() *Env {
				e := diffBase()
				e.Flags = []flags.FlagValue{
					{Name: "checkout.v2", Value: true, Source: flags.SourceOverride},
					{Name: "new.flag", Value: "on", Source: "env"},
				}
				return e
			},
			want: []EnvChange{
				{Kind: EnvFlags, Name: "checkout.v2", A: "false (default)", B: "true (override)", InA: true, InB: true},
				{Kind: EnvFlags, Name: "debug.rate", A: "0.5 (file)", InA: true},
				{Kind: EnvFlags, Name: "new.flag", B: "on (env)", InB: true},
			},
		},
		{
			name: "a nil side",
			a: func() *Env {
				return &Env{Runtime: Runtime{GoVersion: "go1.25.4"}, Vars: []EnvVar{{Name: "A", Hash: hashX}}}
			},
			b: func() *Env { return nil },
			want: []EnvChange{
				{Kind: EnvRuntime, Name: "cgroup_memory_limit", A: "none", InA: true},
				{Kind: EnvRuntime, Name: "go_version", A: "go1.25.4", InA: true},
				{Kind: EnvRuntime, Name: "goarch", InA: true},
				{Kind: EnvRuntime, Name: "godebug", InA: true},
				{Kind: EnvRuntime, Name: "gomaxprocs", A: "0", InA: true},
				{Kind: EnvRuntime, Name: "goos", InA: true},
				{Kind: EnvRuntime, Name: "memory_limit", A: "none", InA: true},
				{Kind: EnvRuntime, Name: "num_cpu", A: "0", InA: true},
				{Kind: EnvRuntime, Name: "timezone", A: " (UTC+00:00)", InA: true},
				{Kind: EnvVars, Name: "A", A: "<set>", InA: true, Masked: true},
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := DiffEnv(tt.a(), tt.b())
			assert.Equal(t, tt.want, d.Changes)
			assert.Equal(t, tt.uncompared, d.Uncompared)
			assert.Equal(t, len(tt.want) == 0, d.Empty())
			assertOneLinePerChange(t, d, d.String())

			// The other way round: the same changes, sides swapped.
			r := DiffEnv(tt.b(), tt.a())
			require.Len(t, r.Changes, len(d.Changes))
			for i, c := range r.Changes {
				c.A, c.B, c.InA, c.InB = c.B, c.A, c.InB, c.InA
				assert.Equal(t, d.Changes[i], c)
			}
		})
	}
}

func TestEnvDiffFormat(t *testing.T) {
	a, b := diffBase(), diffBase()
	b.Runtime.GoVersion = "go1.25.1"
	b.Runtime.CgroupMemoryLimit = 512 << 20
	b.Build.Deps[1].Version = "v0.41.0"
	a.Vars = append(a.Vars,
		EnvVar{Name: "ENABLE_CACHE", Hash: hashX},
		EnvVar{Name: "LANG", Value: "en_US.UTF-8", Kept: true},
		EnvVar{Name: "PATH"},
	)
	b.Vars = append(b.Vars,
		EnvVar{Name: "LANG", Value: "C.UTF-8", Kept: true},
		EnvVar{Name: "PATH", Hash: hashX},
		EnvVar{Name: "EVIL\r\nNAME", Value: "line\nbreak\u2028", Kept: true},
	)
	b.Vars[0].Hash = hashY
	b.Flags[0] = flags.FlagValue{Name: "checkout.v2", Value: true, Source: flags.SourceOverride}

	var out strings.Builder
	require.NoError(t, DiffEnv(a, b).Format(&out, "production", "local"))
	assert.Equal(t, `runtime:
  cgroup_memory_limit: 1 GiB in production, 512 MiB in local
  go_version: go1.25.4 in production, go1.25.1 in local
dependencies:
  golang.org/x/net: v0.40.0 in production, v0.41.0 in local
env:
  DB_URL: differs (values masked)
  ENABLE_CACHE: set in production, missing in local
  "EVIL\r\nNAME": missing in production, "line\nbreak\u2028" in local
  LANG: "en_US.UTF-8" in production, "C.UTF-8" in local
  values not compared (masked, not hashed with one key on both sides): PATH
flags:
  checkout.v2: false (default) in production, true (override) in local
`, out.String())

	assert.Equal(t, "no differences\n", DiffEnv(b, b).String())

	c := diffBase()
	c.HashKeyID = ""
	assert.Equal(t, `no differences
env:
  values not compared (masked, not hashed with one key on both sides): DB_URL, HOME
`, DiffEnv(c, c).String())
}

func TestEnvDiffFormatManyUncompared(t *testing.T) {
	var e Env
	for i := range 25 {
		e.Vars = append(e.Vars, EnvVar{Name: string(rune('A' + i))})
	}
	assert.Equal(t, `no differences
env:
  values not compared (masked, not hashed with one key on both sides): A, B, C, D, E, F, G, H, I, J and 15 more
`, DiffEnv(&e, &e).String())
}

func TestEnvDiffFormatNames(t *testing.T) {
	d := EnvDiff{Changes: []EnvChange{{Kind: "custom", Name: "x", A: "1", B: "2", InA: true, InB: true}, {Kind: EnvRuntime, Name: "y"}}}
	var out strings.Builder
	require.NoError(t, d.Format(&out, "", "a\nb"))
	assert.Equal(t, `runtime:
  y: missing in "" and in "a\nb"
custom:
  x: 1 in "", 2 in "a\nb"
`, out.String())
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEnvDiffFormatWriteError(t *testing.T) {
	assert.EqualError(t, DiffEnv(diffBase(), nil).Format(failingWriter{}, "a", "b"), "disk full")
}

func TestShown(t *testing.T) {
	for _, tt := range []struct {
		in    string
		quote bool
		want  string
	}{
		{"plain", false, "plain"},
		{"plain", true, `"plain"`},
		{"", false, `""`},
		{" padded ", false, `" padded "`},
		{"a\tb", false, `"a\tb"`},
		{"\x1b[31mred", false, `"\x1b[31mred"`},
		{"bad\xff", false, "\"bad\uFFFD\""},
		{"\u202eevil", false, `"\u202eevil"`},
		{strings.Repeat("x", 300), false, strings.Repeat("x", 200) + "…"},
	} {
		assert.Equal(t, tt.want, shown(tt.in, 200, tt.quote), "shown(%q)", tt.in)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "none", -5: "none", 1 << 30: "1 GiB", 3 << 30: "3 GiB", 1536 << 20: "1536 MiB",
		4096: "4 KiB", 1000: "1000 B", (1 << 30) + 1: "1073741825 B",
	} {
		assert.Equal(t, want, humanBytes(n), "humanBytes(%d)", n)
	}
}

// FuzzDiffEnv: two snapshots read from JSON, however strange, diff
// without panic into a report of one line per change, and show no value
// that a snapshot did not keep. Seeds in testdata/fuzz/FuzzDiffEnv.
func FuzzDiffEnv(f *testing.F) {
	f.Fuzz(func(t *testing.T, ja, jb []byte) {
		var a, b *Env
		if json.Unmarshal(ja, &a) != nil || json.Unmarshal(jb, &b) != nil {
			return
		}
		d := DiffEnv(a, b)
		assertOneLinePerChange(t, d, d.String())
		va, vb := varsByName(a), varsByName(b)
		for _, c := range d.Changes {
			if c.Kind != EnvVars {
				continue
			}
			if c.InA && !va[c.Name].Kept && (c.A != setValue || !c.Masked) ||
				c.InB && !vb[c.Name].Kept && (c.B != setValue || !c.Masked) {
				t.Fatalf("a change shows a value that was not kept: %+v", c)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	})
}
