package capture

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/reprokit/reprokit/flags"
	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/safetext"
)

// MinHashKeyLen is the shortest EnvOptions.HashKey that [TakeEnv] uses. A
// shorter key would let whoever reads a snapshot guess the key, then the
// values, so it is ignored: values are only marked as set, as with no key.
const MinHashKeyLen = 16

// Bounds on what an [Env] holds of the environment.
const (
	// maxEnvName is the longest variable name kept as it is; a longer
	// one is cut (and its value not kept).
	maxEnvName = 256
	// maxEnvValue is the longest kept value (after redaction); a longer
	// one is cut and marked.
	maxEnvValue = 4096
	// maxEnvText bounds the other strings taken from the environment:
	// the service name, the host name.
	maxEnvText = 256
)

// truncatedMark ends a kept value that was cut at maxEnvValue bytes.
const truncatedMark = "…[truncated]"

// EnvOptions configures [TakeEnv] and [EnvHandler]. Its zero value, like a
// nil *EnvOptions, takes a safe snapshot: the values of the variables
// named by [DefaultEnvAllow] are kept (credentials in them masked), and
// every other variable is only marked as set.
type EnvOptions struct {
	// Allow names the environment variables whose values are kept, after
	// the Redactor's value patterns: a credential in an allowed variable
	// is still masked. Names are compared exactly (case matters); an
	// entry ending in "*" is a prefix ("LC_*"; "*" alone allows every
	// variable). A variable whose name the Redactor's name rules call
	// sensitive (AWS_SECRET_ACCESS_KEY, REPROKIT_FLAG_API_TOKEN), or that
	// a Redactor in allow-list mode does not allow, is never kept, even
	// when it is listed by its full name: exempt it with the Redactor's
	// Rules.Keep instead. A name that is not valid UTF-8, is longer than
	// 256 bytes or holds a credential is stored cleaned, and its value is
	// not kept. Nil means [DefaultEnvAllow]; an empty non-nil slice keeps
	// no value.
	Allow []string

	// HashKey, when it is at least [MinHashKeyLen] bytes long, replaces
	// every value that is not kept by "[REDACTED:<8 hex>]", the first 8
	// hex digits of its HMAC-SHA256 under this key, so that snapshots
	// taken with the same key (every service of a fleet, and the laptop
	// that reproduces a bug) can compare values without showing them.
	// With a key, marks that the default Redactor leaves in kept values
	// are keyed hashes too. The key is a secret: whoever has it can test
	// guesses of a value against its hash. Nil, or a shorter key, means
	// values that are not kept are only marked as set.
	HashKey []byte

	// Flags, when set, puts the flags in force ([flags.Set.Snapshot]) in
	// the snapshot. Nil means no flags.
	Flags *flags.Set

	// Redactor masks the credentials in the values of allowed variables,
	// and decides which names are sensitive. Nil means
	// NewRedactor(Rules{}), or NewRedactor(Rules{HashKey: HashKey}) when
	// HashKey is used.
	Redactor *Redactor

	// Environ replaces os.Environ, and Now replaces time.Now, in tests.
	// Nil means the real ones.
	Environ func() []string
	Now     func() time.Time

	// Replacements for the machine, for this package's tests only; nil
	// means the real one. root is the file system the cgroup limits and
	// the time zone's name are read from (os.DirFS("/")); when it is
	// set, cgroups are read whatever GOOS is.
	root      fs.FS
	buildInfo func() (*debug.BuildInfo, bool)
	hostname  func() (string, error)
}

// DefaultEnvAllow returns, in a new slice, the variables whose values
// [TakeEnv] keeps when EnvOptions.Allow is nil: configuration that is no
// secret and matters for reproducing a bug.
//
//   - the Go runtime: GOGC, GOMEMLIMIT, GOMAXPROCS, GODEBUG, GOTRACEBACK,
//     GORACE;
//   - time zone and locale: TZ, LANG, LANGUAGE, LC_*;
//   - OpenTelemetry: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
//     OTEL_SDK_DISABLED, OTEL_PROPAGATORS, OTEL_TRACES_SAMPLER,
//     OTEL_TRACES_SAMPLER_ARG, the OTEL_{TRACES,METRICS,LOGS}_EXPORTER
//     choices, OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL, _TIMEOUT and
//     _COMPRESSION, and the batch and export settings OTEL_BSP_*,
//     OTEL_BLRP_* and OTEL_METRIC_EXPORT_*;
//   - reprokit's flags: REPROKIT_FLAG_* ([flags.DefaultEnvPrefix]).
//
// It leaves out OTEL_EXPORTER_OTLP_HEADERS, which carries credentials, and
// every OTEL_EXPORTER_OTLP_* variable not named. Values pass through the
// Redactor all the same: a password in an endpoint's URL is masked.
func DefaultEnvAllow() []string {
	return []string{
		"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG", "GOTRACEBACK", "GORACE",
		"TZ", "LANG", "LANGUAGE", "LC_*",
		"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SDK_DISABLED",
		"OTEL_PROPAGATORS", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
		"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER",
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
		"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_COMPRESSION",
		"OTEL_BSP_*", "OTEL_BLRP_*", "OTEL_METRIC_EXPORT_*",
		flags.DefaultEnvPrefix + "*",
	}
}

// TakeEnv returns a snapshot of the environment the process runs in, with
// every field of [Env] filled but Schema and Kind, which [AppendEnv] sets,
// and its ID computed. o may be nil, which is the zero EnvOptions. The snapshot holds no secret: see [EnvOptions] for
// what is kept of the environment variables.
//
// Build settings that may embed values (-ldflags, where -X sets
// variables, -gcflags, -asmflags and the CGO_*FLAGS) are left out of
// Build.Settings. On Linux, the cgroup memory limit is the smallest limit
// of the process's cgroup and its ancestors (cgroup v2, else v1).
//
// TakeEnv is safe for concurrent use; it reads a few files on Linux and
// hashes every variable, so it is meant for startup and for an admin
// endpoint, not for every request.
func TakeEnv(o *EnvOptions) *Env {
	return newEnvTaker(o).take()
}

// envTaker is the resolved configuration of TakeEnv, made once per
// EnvHandler. It is read-only after newEnvTaker, so safe for concurrent use.
type envTaker struct {
	allow     []string // exact names and "prefix*" entries
	red       *Redactor
	hash      *redact.Masker // nil when values are not hashed
	keyID     string
	flags     *flags.Set
	environ   func() []string
	now       func() time.Time
	root      fs.FS // nil: no file system to read
	cgroups   bool  // read cgroup limits from root
	buildInfo func() (*debug.BuildInfo, bool)
	hostname  func() (string, error)
}

func newEnvTaker(o *EnvOptions) *envTaker {
	if o == nil {
		o = &EnvOptions{}
	}
	t := &envTaker{
		red:       o.Redactor,
		flags:     o.Flags,
		environ:   o.Environ,
		now:       o.Now,
		root:      o.root,
		cgroups:   o.root != nil || runtime.GOOS == "linux",
		buildInfo: o.buildInfo,
		hostname:  o.hostname,
	}
	if t.environ == nil {
		t.environ = os.Environ
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.buildInfo == nil {
		t.buildInfo = debug.ReadBuildInfo
	}
	if t.hostname == nil {
		t.hostname = os.Hostname
	}
	if o.Allow == nil {
		t.allow = DefaultEnvAllow()
	} else {
		t.allow = slices.Clone(o.Allow)
	}
	if len(o.HashKey) >= MinHashKeyLen {
		key := slices.Clone(o.HashKey)
		t.hash = redact.NewMasker(true, key)
		sum := sha256.Sum256(key)
		t.keyID = hex.EncodeToString(sum[:4])
		if t.red == nil {
			t.red = NewRedactor(Rules{HashKey: key})
		}
	}
	t.red = t.red.get()
	if t.root == nil && runtime.GOOS != "windows" {
		t.root = os.DirFS("/")
	}
	return t
}

func (t *envTaker) take() *Env {
	now := t.now()
	environ := t.environ()
	e := &Env{Taken: now, HashKeyID: t.keyID}
	var service, godebug string
	e.Vars, service, godebug = t.vars(environ)
	e.Runtime = t.runtime(now, godebug)
	info, ok := t.buildInfo()
	e.Build = envBuild(info, ok)
	e.Service = t.service(service, e.Build)
	if t.flags != nil {
		e.Flags = t.envFlags(t.flags.Snapshot().Flags)
	}
	e.ID = e.ComputeID()
	return e
}

// vars returns the variables of environ, sorted, and the raw values of
// OTEL_SERVICE_NAME and GODEBUG.
func (t *envTaker) vars(environ []string) (vars []EnvVar, service, godebug string) {
	seen := make(map[string]bool, len(environ))
	vars = make([]EnvVar, 0, len(environ))
	for _, kv := range environ {
		name, value := splitEnv(kv)
		if name == "" {
			continue
		}
		// Masked before it is cut, so that no piece of a credential is
		// left at the cut.
		clean := safetext.Clean(t.red.Text(name), maxEnvName)
		if seen[clean] {
			continue // the first one is what os.Getenv reads
		}
		seen[clean] = true
		switch name {
		case "OTEL_SERVICE_NAME":
			service = value
		case "GODEBUG":
			godebug = value
		}
		v := EnvVar{Name: clean}
		switch {
		case clean == name && t.keeps(name):
			v.Kept = true
			v.Value = clip(t.red.Text(value), maxEnvValue)
		case t.hash != nil:
			v.Hash = t.hash.Mark(value)
		}
		vars = append(vars, v)
	}
	slices.SortFunc(vars, func(a, b EnvVar) int { return strings.Compare(a.Name, b.Name) })
	return vars, service, godebug
}

// splitEnv splits an entry of os.Environ. A leading "=" belongs to the
// name (Windows has "=C:=C:\dir"); an entry without "=" is a name with an
// empty value.
func splitEnv(kv string) (name, value string) {
	if i := strings.IndexByte(kv[min(1, len(kv)):], '='); i >= 0 {
		i += min(1, len(kv))
		return kv[:i], kv[i+1:]
	}
	return kv, ""
}

// keeps reports whether the value of the variable name is kept: allowed,
// and not sensitive by the Redactor's name rules.
func (t *envTaker) keeps(name string) bool {
	return allowed(t.allow, name) && t.red.engine.Name(name) == redact.Inspect
}

func allowed(allow []string, name string) bool {
	for _, a := range allow {
		if p, ok := strings.CutSuffix(a, "*"); ok {
			if strings.HasPrefix(name, p) {
				return true
			}
		} else if a == name {
			return true
		}
	}
	return false
}

// clip returns s as valid UTF-8 of at most max bytes, marked when cut.
func clip(s string, max int) string {
	if len(s) <= max {
		return safetext.Clean(s, max)
	}
	return safetext.Clean(s, max-len(truncatedMark)) + truncatedMark
}

func (t *envTaker) runtime(now time.Time, godebug string) Runtime {
	r := Runtime{
		GoVersion:  runtime.Version(),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		NumCPU:     runtime.NumCPU(),
		GODEBUG:    clip(t.red.Text(godebug), maxEnvValue),
	}
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 && l > 0 {
		r.MemoryLimit = l
	}
	if t.cgroups && t.root != nil {
		r.CgroupMemoryLimit = cgroupMemoryLimit(t.root)
	}
	abbrev, offset := now.In(time.Local).Zone()
	r.Timezone, r.TimezoneOffset = zoneName(t.root, time.Local.String(), abbrev), offset
	if h, err := t.hostname(); err == nil {
		r.Hostname = safetext.Clean(h, maxEnvText)
	}
	return r
}

// zoneName names the local time zone: its IANA name when Go knows it
// (from TZ) or /etc/localtime links to one, else the abbreviation of the
// zone in force ("CET").
func zoneName(root fs.FS, local, abbrev string) string {
	if local != "Local" && local != "" {
		return safetext.Clean(local, maxEnvText)
	}
	if root != nil {
		if target, err := fs.ReadLink(root, "etc/localtime"); err == nil {
			if _, name, ok := strings.Cut(target, "zoneinfo/"); ok && name != "" {
				return safetext.Clean(name, maxEnvText)
			}
		}
	}
	return abbrev
}

// service names the service: OTEL_SERVICE_NAME, else the main module's
// path, else the executable's name.
func (t *envTaker) service(otel string, b Build) string {
	if otel != "" {
		return safetext.Clean(t.red.Text(otel), maxEnvText)
	}
	if b.Main.Path != "" {
		return b.Main.Path
	}
	if len(os.Args) > 0 && os.Args[0] != "" {
		return safetext.Clean(filepath.Base(os.Args[0]), maxEnvText)
	}
	return ""
}

// envBuild copies the build information that matters for reproducing a
// bug. A test binary has build information whose Main.Path may be empty.
func envBuild(info *debug.BuildInfo, ok bool) Build {
	if !ok || info == nil {
		return Build{}
	}
	b := Build{Path: info.Path, Main: envModule(&info.Main)}
	for _, d := range info.Deps {
		if d != nil {
			b.Deps = append(b.Deps, envModule(d))
		}
	}
	slices.SortStableFunc(b.Deps, func(x, y Module) int { return strings.Compare(x.Path, y.Path) })
	for _, s := range info.Settings {
		if keepSetting(s.Key) {
			if b.Settings == nil {
				b.Settings = make(map[string]string)
			}
			b.Settings[s.Key] = s.Value
		}
	}
	return b
}

func envModule(m *debug.Module) Module {
	out := Module{Path: m.Path, Version: m.Version, Sum: m.Sum}
	if m.Replace != nil {
		r := Module{Path: m.Replace.Path, Version: m.Replace.Version, Sum: m.Replace.Sum}
		out.Replace = &r
	}
	return out
}

// keepSetting reports whether the build setting key is kept: what changes
// behaviour and holds no value a build could embed (-ldflags "-X" can).
func keepSetting(key string) bool {
	switch key {
	case "vcs", "vcs.revision", "vcs.time", "vcs.modified",
		"-tags", "-trimpath", "-race", "-msan", "-asan", "-cover",
		"-buildmode", "-compiler", "-pgo",
		"CGO_ENABLED", "GOOS", "GOARCH", "GOEXPERIMENT", "GOFIPS140",
		"DefaultGODEBUG",
		"GO386", "GOAMD64", "GOARM", "GOARM64", "GOMIPS", "GOMIPS64",
		"GOPPC64", "GORISCV64", "GOWASM", "GOLOONG64":
		return true
	}
	return false
}

// envFlags copies the flags in force so that they encode as JSON, hold no
// credential and read the same after a trip through a capture file: a
// duration becomes its text ("30s"), a string passes through the
// Redactor, the value of a flag with a sensitive name is masked, and a
// value that JSON cannot encode becomes its text.
func (t *envTaker) envFlags(in []flags.FlagValue) []flags.FlagValue {
	if len(in) == 0 {
		return nil
	}
	out := make([]flags.FlagValue, len(in))
	for i, f := range in {
		f.Name = safetext.Clean(f.Name, maxEnvName)
		f.By = safetext.Clean(t.red.Text(f.By), maxEnvText)
		if d, ok := f.Value.(time.Duration); ok {
			f.Value = d.String()
		}
		if _, err := json.Marshal(f.Value); err != nil {
			f.Value = fmt.Sprint(f.Value)
		}
		switch v := f.Value.(type) {
		case string:
			f.Value = clip(t.red.Value(f.Name, v), maxEnvValue)
		default:
			if t.red.engine.Name(f.Name) != redact.Inspect && v != nil {
				b, _ := json.Marshal(v)
				f.Value = t.red.Value(f.Name, string(b))
			}
		}
		out[i] = f
	}
	return out
}

// ComputeID returns the ID of e's content: the first 16 lower-case hex
// digits of a SHA-256 over the JSON encoding of every field but ID,
// Taken, Schema, Kind and the expiry and author of flag overrides (JSON
// sorts map keys, so the encoding is
// canonical). [TakeEnv] sets ID to it. It is the same after e is written
// to a capture file and read back, for the values JSON represents
// exactly.
func (e *Env) ComputeID() string {
	c := *e
	c.ID, c.Taken, c.Schema, c.Kind = "", time.Time{}, "", ""
	// When an override expires and who set it say nothing of the
	// environment (DiffEnv leaves them out too): an override set again
	// to the same value is the same environment.
	c.Flags = slices.Clone(c.Flags)
	for i := range c.Flags {
		c.Flags[i].Expires, c.Flags[i].By = time.Time{}, ""
	}
	b, err := json.Marshal(&c)
	if err != nil {
		// A flag value JSON cannot encode (a channel, NaN) in an Env
		// built by hand: hash its text instead.
		for i := range c.Flags {
			if _, err := json.Marshal(c.Flags[i].Value); err != nil {
				c.Flags[i].Value = fmt.Sprint(c.Flags[i].Value)
			}
		}
		b, _ = json.Marshal(&c)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
