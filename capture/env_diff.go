package capture

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/safetext"
)

// The kinds of an [EnvChange], in the order an [EnvDiff] lists them.
const (
	EnvRuntime = "runtime"      // a field of Runtime: "go_version", "gomaxprocs", …
	EnvBuild   = "build"        // the main package and module, and build settings
	EnvDeps    = "dependencies" // a dependency, by module path
	EnvVars    = "env"          // an environment variable
	EnvFlags   = "flags"        // a flag in force
)

var envKinds = []string{EnvRuntime, EnvBuild, EnvDeps, EnvVars, EnvFlags}

// setValue is the value of an EnvChange for a variable that is set but
// whose value is not shown.
const setValue = "<set>"

// Bounds on what a report shows of a name or a value; the snapshots keep
// more.
const (
	maxShownName  = 256
	maxShownValue = 200
	maxUncompared = 10 // names listed on the "not compared" line
)

// EnvDiff is what differs between two environment snapshots, from
// [DiffEnv]. Print it with [EnvDiff.Format].
type EnvDiff struct {
	// Changes are the differences, sorted by kind (in the order
	// [EnvRuntime], [EnvBuild], [EnvDeps], [EnvVars], [EnvFlags]) then by
	// name.
	Changes []EnvChange
	// Uncompared are the variables set on both sides whose values could
	// not be compared, sorted: not kept on both sides, and not hashed
	// with one key on both (Env.HashKeyID). They are no difference:
	// [EnvDiff.Empty] does not count them.
	Uncompared []string
}

// EnvChange is one difference between two snapshots, A and B.
type EnvChange struct {
	// Kind is [EnvRuntime], [EnvBuild], [EnvDeps], [EnvVars] or
	// [EnvFlags].
	Kind string
	// Name is what differs: "go_version", "vcs.revision", a module path,
	// a variable's name, a flag's name.
	Name string
	// A and B are the values on each side as they may be shown: a kept
	// variable's value (with credentials masked), "<set>" for a variable
	// whose value is masked, a memory limit in MiB or GiB, a flag's value
	// and source ("true (override)"). Never a masked value, nor its hash.
	// Empty on a side where Name is absent.
	A, B string
	// InA and InB report whether Name is present on each side.
	InA, InB bool
	// Masked reports whether the values are not shown: a variable whose
	// value was not kept on a side. When it is present on both sides,
	// their keyed hashes differ.
	Masked bool
}

// DiffEnv returns what differs between the snapshots a and b. Either may
// be nil: everything in the other one is then present on one side only.
//
// It compares the fields of Runtime one by one, except Hostname; the main
// package and module of Build and its settings; the dependencies (added,
// removed, another version or replacement); the variables (set on one
// side only; kept on both sides with other values; masked on either side
// with other keyed hashes, compared only when both snapshots were hashed
// with one key); and the flags (value and source). It leaves out what
// names a snapshot rather than its environment, and always differs
// between two machines or two moments: ID, Taken, Service, Hostname and
// HashKeyID, the sums of modules, and when and by whom a flag was
// overridden.
//
// Values from a snapshot are not trusted: a kept value passes through the
// default [Redactor] again, and a Value without Kept is never shown.
func DiffEnv(a, b *Env) EnvDiff {
	var d EnvDiff
	d.compare(EnvRuntime, runtimeFields(a), runtimeFields(b))
	d.compare(EnvBuild, buildFields(a), buildFields(b))
	d.compare(EnvDeps, depFields(a), depFields(b))
	d.vars(a, b)
	d.compare(EnvFlags, flagFields(a), flagFields(b))
	slices.SortStableFunc(d.Changes, func(x, y EnvChange) int {
		if c := kindRank(x.Kind) - kindRank(y.Kind); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	})
	return d
}

// Empty reports whether d has no change. Variables that could not be
// compared (Uncompared) are no change.
func (d EnvDiff) Empty() bool { return len(d.Changes) == 0 }

// String returns the report of [EnvDiff.Format] with the sides named "a"
// and "b".
func (d EnvDiff) String() string {
	var b strings.Builder
	d.Format(&b, "a", "b") // a strings.Builder does not fail
	return b.String()
}

// Format writes d to w as a report for people, grouped by kind, one line
// per change, and returns the error of the write:
//
//	runtime:
//	  go_version: go1.25.4 in production, go1.25.1 in local
//	env:
//	  DB_URL: differs (values masked)
//	  ENABLE_CACHE: set in production, missing in local
//	  LANG: "en_US.UTF-8" in production, "C.UTF-8" in local
//	flags:
//	  checkout.v2: true (override) in production, false (default) in local
//
// nameA and nameB name the sides. Values of variables are quoted; names
// and values holding control characters, invalid UTF-8 or line breaks are
// quoted with escapes, and long ones cut, so that every change stays on
// one line. A diff without change reads "no differences".
func (d EnvDiff) Format(w io.Writer, nameA, nameB string) error {
	na, nb := shown(nameA, maxShownName, false), shown(nameB, maxShownName, false)
	var b strings.Builder
	if d.Empty() {
		b.WriteString("no differences\n")
	}
	kinds := make([]string, 0, len(envKinds))
	for _, c := range d.Changes {
		if !slices.Contains(kinds, c.Kind) {
			kinds = append(kinds, c.Kind)
		}
	}
	if len(d.Uncompared) > 0 && !slices.Contains(kinds, EnvVars) {
		kinds = append(kinds, EnvVars)
	}
	slices.SortStableFunc(kinds, func(x, y string) int { return kindRank(x) - kindRank(y) })
	for _, k := range kinds {
		b.WriteString(shown(k, maxShownName, false))
		b.WriteString(":\n")
		for _, c := range d.Changes {
			if c.Kind == k {
				b.WriteString("  ")
				c.writeLine(&b, na, nb)
				b.WriteByte('\n')
			}
		}
		if k == EnvVars && len(d.Uncompared) > 0 {
			writeUncompared(&b, d.Uncompared)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (c EnvChange) writeLine(b *strings.Builder, na, nb string) {
	b.WriteString(shown(c.Name, maxShownName, false))
	b.WriteString(": ")
	value := func(v string) string {
		if c.Masked {
			return "set"
		}
		return shown(v, maxShownValue, c.Kind == EnvVars)
	}
	switch {
	case c.InA && c.InB && c.Masked:
		b.WriteString("differs (values masked)")
	case c.InA && c.InB:
		fmt.Fprintf(b, "%s in %s, %s in %s", value(c.A), na, value(c.B), nb)
	case c.InA:
		fmt.Fprintf(b, "%s in %s, missing in %s", value(c.A), na, nb)
	case c.InB:
		fmt.Fprintf(b, "missing in %s, %s in %s", na, value(c.B), nb)
	default:
		fmt.Fprintf(b, "missing in %s and in %s", na, nb)
	}
}

func writeUncompared(b *strings.Builder, names []string) {
	b.WriteString("  values not compared (masked, not hashed with one key on both sides): ")
	for i, n := range names[:min(len(names), maxUncompared)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(shown(n, maxShownName, false))
	}
	if len(names) > maxUncompared {
		fmt.Fprintf(b, " and %d more", len(names)-maxUncompared)
	}
	b.WriteByte('\n')
}

// shown returns s as it may be printed on one line: valid UTF-8, cut at
// max bytes (marked "…"), and quoted with escapes when it holds anything
// but graphic characters, is empty or has spaces at its ends, or always
// when quote is true.
func shown(s string, max int, quote bool) string {
	if len(s) > max {
		s = safetext.Clean(s, max) + "…"
	}
	s = safetext.Clean(s, max+len("…"))
	if quote || s == "" || strings.TrimSpace(s) != s || !allGraphic(s) {
		return strconv.Quote(s)
	}
	return s
}

func allGraphic(s string) bool {
	for _, r := range s {
		if !unicode.IsGraphic(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

func kindRank(k string) int {
	if i := slices.Index(envKinds, k); i >= 0 {
		return i
	}
	return len(envKinds)
}

// compare adds a change of kind for every name whose value differs
// between fa and fb, or that only one of them has.
func (d *EnvDiff) compare(kind string, fa, fb map[string]string) {
	for name, va := range fa {
		vb, ok := fb[name]
		if !ok || va != vb {
			d.Changes = append(d.Changes, EnvChange{Kind: kind, Name: name, A: va, B: vb, InA: true, InB: ok})
		}
	}
	for name, vb := range fb {
		if _, ok := fa[name]; !ok {
			d.Changes = append(d.Changes, EnvChange{Kind: kind, Name: name, B: vb, InB: true})
		}
	}
}

func runtimeFields(e *Env) map[string]string {
	if e == nil {
		return nil
	}
	r := e.Runtime
	return map[string]string{
		"go_version":          r.GoVersion,
		"goos":                r.GOOS,
		"goarch":              r.GOARCH,
		"gomaxprocs":          strconv.Itoa(r.GOMAXPROCS),
		"num_cpu":             strconv.Itoa(r.NumCPU),
		"memory_limit":        humanBytes(r.MemoryLimit),
		"cgroup_memory_limit": humanBytes(r.CgroupMemoryLimit),
		"godebug":             defaultRedactor().Text(r.GODEBUG),
		"timezone":            zoneText(r.Timezone, r.TimezoneOffset),
	}
}

// humanBytes shows a memory limit in the largest binary unit that divides
// it, so that two different limits never look alike; 0 is "none".
func humanBytes(n int64) string {
	switch {
	case n <= 0:
		return "none"
	case n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// zoneText shows a time zone and its offset: "Europe/Paris (UTC+01:00)".
func zoneText(name string, offset int) string {
	sign := '+'
	if offset < 0 {
		sign, offset = '-', -offset
	}
	offset %= 100 * 3600 // a hand-made snapshot may hold anything
	return fmt.Sprintf("%s (UTC%c%02d:%02d)", name, sign, offset/3600, offset%3600/60)
}

func buildFields(e *Env) map[string]string {
	if e == nil {
		return nil
	}
	f := make(map[string]string, len(e.Build.Settings)+2)
	if e.Build.Path != "" {
		f["path"] = e.Build.Path
	}
	if m := moduleText(e.Build.Main); m != "" {
		f["main"] = m
	}
	for k, v := range e.Build.Settings {
		f[k] = v
	}
	return f
}

func depFields(e *Env) map[string]string {
	if e == nil {
		return nil
	}
	f := make(map[string]string, len(e.Build.Deps))
	for _, m := range e.Build.Deps {
		if _, dup := f[m.Path]; !dup {
			v := m
			v.Path = ""
			f[m.Path] = moduleText(v)
		}
	}
	return f
}

// moduleText shows a module: "path version", with " => path version" for
// its replacement.
func moduleText(m Module) string {
	s := strings.TrimSpace(m.Path + " " + m.Version)
	if m.Replace != nil {
		s += " => " + strings.TrimSpace(m.Replace.Path+" "+m.Replace.Version)
	}
	return s
}

func flagFields(e *Env) map[string]string {
	if e == nil {
		return nil
	}
	f := make(map[string]string, len(e.Flags))
	for _, fl := range e.Flags {
		if _, dup := f[fl.Name]; !dup {
			f[fl.Name] = flagText(fl.Value) + " (" + fl.Source + ")"
		}
	}
	return f
}

// flagText shows a flag's value: a string as it is, anything else as JSON.
func flagText(v any) string {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			s = fmt.Sprint(v)
		} else {
			s = string(b)
		}
	}
	return defaultRedactor().Text(s)
}

// vars compares the variables of a and b.
func (d *EnvDiff) vars(a, b *Env) {
	va, vb := varsByName(a), varsByName(b)
	hashed := a != nil && b != nil && a.HashKeyID != "" && a.HashKeyID == b.HashKeyID
	for name, x := range va {
		y, ok := vb[name]
		switch {
		case !ok:
			d.Changes = append(d.Changes, EnvChange{Kind: EnvVars, Name: name, A: varText(x), InA: true, Masked: !x.Kept})
		case x.Kept && y.Kept:
			if x.Value != y.Value {
				d.Changes = append(d.Changes, EnvChange{Kind: EnvVars, Name: name, A: varText(x), B: varText(y), InA: true, InB: true})
			}
		case hashed && !x.Kept && !y.Kept && isHashMark(x.Hash) && isHashMark(y.Hash):
			if x.Hash != y.Hash {
				d.Changes = append(d.Changes, EnvChange{Kind: EnvVars, Name: name, A: setValue, B: setValue, InA: true, InB: true, Masked: true})
			}
		default:
			d.Uncompared = append(d.Uncompared, name)
		}
	}
	for name, y := range vb {
		if _, ok := va[name]; !ok {
			d.Changes = append(d.Changes, EnvChange{Kind: EnvVars, Name: name, B: varText(y), InB: true, Masked: !y.Kept})
		}
	}
	slices.Sort(d.Uncompared)
}

func varsByName(e *Env) map[string]EnvVar {
	if e == nil {
		return nil
	}
	m := make(map[string]EnvVar, len(e.Vars))
	for _, v := range e.Vars {
		if _, dup := m[v.Name]; !dup {
			m[v.Name] = v
		}
	}
	return m
}

// varText is the value of v that may be shown: its value when it was
// kept, redacted again, else "<set>".
func varText(v EnvVar) string {
	if !v.Kept {
		return setValue
	}
	return defaultRedactor().Text(v.Value)
}

// isHashMark reports whether s is a keyed-hash mark, "[REDACTED:1a2b3c4d]".
func isHashMark(s string) bool {
	return len(s) == len("[REDACTED:12345678]") && strings.HasPrefix(s, "[REDACTED:") && redact.IsMark(s)
}
