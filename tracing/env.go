package tracing

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The variables that Setup reads besides the OTLP exporter ones (see
// otlp_settings.go), named once so that error messages and tests agree.
const (
	envSDKDisabled        = "OTEL_SDK_DISABLED"
	envServiceName        = "OTEL_SERVICE_NAME"
	envResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES"
	envPropagators        = "OTEL_PROPAGATORS"
	envTracesSampler      = "OTEL_TRACES_SAMPLER"
	envTracesSamplerArg   = "OTEL_TRACES_SAMPLER_ARG"
	envMetricInterval     = "OTEL_METRIC_EXPORT_INTERVAL"
	envMetricTimeout      = "OTEL_METRIC_EXPORT_TIMEOUT"
)

// ErrUnsupported is wrapped by the [EnvError] of a variable whose value is
// valid by the OpenTelemetry specification but not provided by this
// package, such as OTEL_TRACES_EXPORTER=zipkin, OTEL_TRACES_SAMPLER=xray,
// or OTEL_EXPORTER_OTLP_PROTOCOL=grpc without package grpcdiag. Test for it
// with errors.Is.
var ErrUnsupported = errors.New("tracing: unsupported setting")

// maxEnvValueLen is the longest value Setup reads from any variable; a
// longer one is an error. The longest legitimate values, resource
// attributes and headers, are far shorter.
const maxEnvValueLen = 64 << 10

// maxShownValueLen is the most bytes of a value that an [EnvError] keeps.
const maxShownValueLen = 80

// maxDurationMillis is the longest duration, in milliseconds, that a
// variable may set: about 24.8 days, the largest int32.
const maxDurationMillis = 1<<31 - 1

// maxQueueSize is the largest queue or batch size a variable may set, so
// that a typo cannot make a processor allocate gigabytes up front.
const maxQueueSize = 1 << 20

// EnvError reports an environment variable whose value Setup cannot use.
// Setup returns one per bad variable, joined with errors.Join; find them
// with errors.As.
//
// An EnvError never holds a secret: the value of a variable that may carry
// credentials (the OTLP headers, an endpoint with user information or a
// query) is left out, and every other value is cut short.
type EnvError struct {
	// Var is the name of the variable, such as "OTEL_TRACES_SAMPLER".
	Var string
	// Value is the offending value, cut to at most 80 bytes (with "…"
	// appended when cut), or empty when it is not shown because it may
	// hold a secret.
	Value string
	// Reason says what is wrong and what would be accepted.
	Reason string
	// Err is the underlying error, such as [ErrUnsupported], or nil.
	Err error
}

// Error returns "tracing: VAR="value": reason", with the value quoted (so
// control characters and invalid UTF-8 are escaped) and cut short, or
// "tracing: VAR: reason" when the value is not shown.
func (e *EnvError) Error() string {
	var b strings.Builder
	b.WriteString("tracing: ")
	b.WriteString(e.Var)
	if e.Value != "" {
		b.WriteByte('=')
		b.WriteString(strconv.Quote(capValue(e.Value)))
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns e.Err.
func (e *EnvError) Unwrap() error { return e.Err }

// capValue cuts v to at most maxShownValueLen bytes, at a character
// boundary, and marks the cut with "…".
func capValue(v string) string {
	const mark = "…"
	if len(v) <= maxShownValueLen || strings.HasSuffix(v, mark) && len(v) <= maxShownValueLen+len(mark) {
		return v
	}
	cut := maxShownValueLen
	for cut > maxShownValueLen-utf8.UTFMax && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + mark
}

// shownValue is the part of a variable's value that may appear in an
// error: nothing for header lists, nothing for an endpoint that could hold
// credentials or a token, and the capped value otherwise.
func shownValue(name, value string) string {
	switch {
	case strings.HasSuffix(name, "_HEADERS"):
		return ""
	case strings.HasSuffix(name, "_ENDPOINT") && strings.ContainsAny(value, "@?#"):
		return ""
	}
	return capValue(value)
}

// envReader reads variables through a lookup function and collects one
// error per bad variable, so that Setup can report them all at once.
type envReader struct {
	lookup func(string) (string, bool)
	errs   []error
	failed map[string]bool // the variables that already have an error
}

func newEnvReader(lookup func(string) (string, bool)) *envReader {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	return &envReader{lookup: lookup, failed: make(map[string]bool)}
}

// get returns the value of name without surrounding white space, and
// whether it is set to something other than white space: per the
// specification, an empty variable is treated as unset.
func (r *envReader) get(name string) (string, bool) {
	v, ok := r.lookup(name)
	if !ok {
		return "", false
	}
	if len(v) > maxEnvValueLen {
		r.fail(name, v, "longer than "+strconv.Itoa(maxEnvValueLen)+" bytes", nil)
		return "", false
	}
	v = strings.TrimSpace(v)
	return v, v != ""
}

// fail records an error for name, once per variable.
func (r *envReader) fail(name, value, reason string, err error) {
	if r.failed[name] {
		return
	}
	r.failed[name] = true
	r.errs = append(r.errs, &EnvError{Var: name, Value: shownValue(name, value), Reason: reason, Err: err})
}

// err returns every error recorded so far, joined, or nil.
func (r *envReader) err() error { return errors.Join(r.errs...) }

// bool reads a boolean: "true" or "false" in any case. Unset is false.
func (r *envReader) bool(name string) bool {
	v, ok := r.get(name)
	if !ok {
		return false
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	r.fail(name, v, `want "true" or "false"`, nil)
	return false
}

// positiveInt reads a whole number from 1 to maxQueueSize, or returns def.
func (r *envReader) positiveInt(name string, def int) int {
	v, ok := r.get(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxQueueSize {
		r.fail(name, v, "want a whole number from 1 to "+strconv.Itoa(maxQueueSize), nil)
		return def
	}
	return n
}

// nonNegativeInt reads a whole number from 0 to the largest int32, or
// returns def.
func (r *envReader) nonNegativeInt(name string, def int) int {
	v, ok := r.get(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 0 {
		r.fail(name, v, "want a whole number from 0 to "+strconv.Itoa(1<<31-1), nil)
		return def
	}
	return int(n)
}

// millis reads a positive duration in whole milliseconds, or returns def.
func (r *envReader) millis(name string, def time.Duration) time.Duration {
	v, ok := r.get(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > maxDurationMillis {
		r.fail(name, v, "want a whole number of milliseconds from 1 to "+strconv.Itoa(maxDurationMillis), nil)
		return def
	}
	return time.Duration(n) * time.Millisecond
}

// choice reads one of the values in allowed, in any case, and returns it
// in lower case, or def when unset. A value in unsupported is refused with
// ErrUnsupported; any other with a list of what is allowed.
func (r *envReader) choice(name, def string, allowed []string, unsupported map[string]string) string {
	v, ok := r.get(name)
	if !ok {
		return def
	}
	lv := strings.ToLower(v)
	for _, a := range allowed {
		if lv == a {
			return a
		}
	}
	r.refuse(name, v, lv, allowed, unsupported)
	return def
}

// refuse records the error for a value lv (lower case of v) that is not in
// allowed.
func (r *envReader) refuse(name, v, lv string, allowed []string, unsupported map[string]string) {
	if why, ok := unsupported[lv]; ok {
		r.fail(name, v, why, ErrUnsupported)
		return
	}
	r.fail(name, v, "want one of "+strings.Join(allowed, ", "), nil)
}

// list reads a comma-separated list of values from allowed, in any case,
// and returns them in lower case without repeats, or def when unset. The
// value "none" (when allowed) means an empty list and cannot be combined
// with others. An empty entry is an error.
func (r *envReader) list(name string, def []string, allowed []string, unsupported map[string]string) []string {
	v, ok := r.get(name)
	if !ok {
		return def
	}
	var out []string
	none := false
	for _, item := range strings.Split(v, ",") {
		lv := strings.ToLower(strings.TrimSpace(item))
		switch {
		case lv == "":
			r.fail(name, v, "empty entry in the comma-separated list", nil)
			return def
		case !containsValue(allowed, lv):
			r.refuse(name, v, lv, allowed, unsupported)
			return def
		case lv == "none":
			none = true
		case !containsValue(out, lv):
			out = append(out, lv)
		}
	}
	if none && len(out) > 0 {
		r.fail(name, v, `"none" cannot be combined with other values`, nil)
		return def
	}
	return out
}

func containsValue(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
