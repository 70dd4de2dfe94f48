package capture

import (
	"time"

	"github.com/reprokit/reprokit/flags"
)

// Env is a snapshot of the environment a process runs in: what differs
// between production and a laptop and is not in the code. Records carry
// its ID; see [TakeEnv] and [DiffEnv].
//
// An Env holds no secret: environment variable values are kept only for
// the names allow-listed when it was taken, and otherwise replaced by a
// keyed hash (when a key was given, so that two snapshots taken with the
// same key can be compared) or only marked as set.
type Env struct {
	// Schema is [Schema], Kind is [KindEnv], when an Env is a line of a
	// capture file.
	Schema string `json:"schema,omitempty"`
	Kind   string `json:"kind,omitempty"`
	// ID identifies the snapshot's content: 16 lower-case hex digits of
	// a SHA-256 over every field but ID, Taken, and the expiry and author
	// of flag overrides, so that two snapshots of the same environment
	// have the same ID.
	ID string `json:"id"`
	// Taken is when the snapshot was taken.
	Taken time.Time `json:"taken"`
	// Service is the service's name: OTEL_SERVICE_NAME, else the main
	// module's path, else the executable's name.
	Service string `json:"service,omitempty"`
	// Runtime is the Go runtime and the machine.
	Runtime Runtime `json:"runtime"`
	// Build is the binary's build information.
	Build Build `json:"build"`
	// Vars are the process's environment variables, sorted by name.
	Vars []EnvVar `json:"vars,omitempty"`
	// HashKeyID identifies the key the values of Vars were hashed with:
	// 8 hex digits of a SHA-256 of the key, empty when values were not
	// hashed. Hashes are compared only between snapshots with the same
	// HashKeyID.
	HashKeyID string `json:"hash_key_id,omitempty"`
	// Flags are the flags in force, when a flags Set was given.
	Flags []flags.FlagValue `json:"flags,omitempty"`
}

// Runtime describes the Go runtime and the machine of an [Env].
type Runtime struct {
	GoVersion  string `json:"go_version"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	NumCPU     int    `json:"num_cpu"`
	// MemoryLimit is the Go memory limit in bytes (GOMEMLIMIT or
	// debug.SetMemoryLimit); 0 when there is none.
	MemoryLimit int64 `json:"memory_limit,omitempty"`
	// CgroupMemoryLimit is the memory limit of the process's cgroup in
	// bytes (Linux); 0 when there is none or it cannot be read.
	CgroupMemoryLimit int64 `json:"cgroup_memory_limit,omitempty"`
	// GODEBUG is the GODEBUG setting the process runs with.
	GODEBUG string `json:"godebug,omitempty"`
	// Timezone is the local time zone's name, and its offset from UTC
	// in seconds when the snapshot was taken.
	Timezone       string `json:"timezone"`
	TimezoneOffset int    `json:"timezone_offset"`
	// Hostname is the machine's host name.
	Hostname string `json:"hostname,omitempty"`
}

// Build is the build information of the binary of an [Env].
type Build struct {
	// Path is the main package's import path, Main the main module.
	Path string `json:"path,omitempty"`
	Main Module `json:"main"`
	// Deps are the dependencies the binary was built with, sorted by
	// path.
	Deps []Module `json:"deps,omitempty"`
	// Settings are the build settings: VCS revision and time, whether
	// the work tree was modified, -tags, CGO_ENABLED, GOAMD64 and the
	// like.
	Settings map[string]string `json:"settings,omitempty"`
}

// Module is a module of a [Build].
type Module struct {
	Path    string `json:"path"`
	Version string `json:"version,omitempty"`
	Sum     string `json:"sum,omitempty"`
	// Replace is the module that replaced this one, if any.
	Replace *Module `json:"replace,omitempty"`
}

// EnvVar is one environment variable of an [Env].
type EnvVar struct {
	Name string `json:"name"`
	// Value is the value, for a name that was allow-listed; else empty.
	Value string `json:"value,omitempty"`
	// Hash is "[REDACTED:<8 hex>]", the keyed hash of the value, when
	// the value was not kept and a key was given; else empty.
	Hash string `json:"hash,omitempty"`
	// Kept reports whether Value holds the value.
	Kept bool `json:"kept,omitempty"`
}
