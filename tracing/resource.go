package tracing

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// resourceSettings is what the variables and options say about the
// resource, before detection.
type resourceSettings struct {
	envName  string               // OTEL_SERVICE_NAME, or ""
	envAttrs []attribute.KeyValue // OTEL_RESOURCE_ATTRIBUTES, in order
	name     string               // WithServiceName, or ""
	version  string               // WithServiceVersion, or ""
	env      string               // WithEnvironment, or ""
	build    func() (*debug.BuildInfo, bool)
}

// readResource reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
func (r *envReader) readResource(s *resourceSettings) {
	if v, ok := r.get(envServiceName); ok {
		if reason := checkAttrValue(v); reason != "" {
			r.fail(envServiceName, v, reason, nil)
		} else {
			s.envName = v
		}
	}
	if v, ok := r.get(envResourceAttributes); ok {
		attrs, err := parseResourceAttributes(v)
		if err != nil {
			r.fail(envResourceAttributes, v, err.Error(), nil)
		} else {
			s.envAttrs = attrs
		}
	}
}

// serviceAttrs returns service.name, service.version and
// deployment.environment.name as settled by the precedence documented on
// Setup: variables, then options, then what the program knows of itself.
func (s *resourceSettings) serviceAttrs() []attribute.KeyValue {
	fromEnv := func(k attribute.Key) string {
		v := ""
		for _, kv := range s.envAttrs {
			if kv.Key == k {
				v = kv.Value.AsString() // the last one wins, as in a resource
			}
		}
		return v
	}
	first := func(vs ...string) string {
		for _, v := range vs {
			if v != "" {
				return v
			}
		}
		return ""
	}
	var out []attribute.KeyValue
	name := first(s.envName, fromEnv(semconv.ServiceNameKey), s.name, defaultServiceName())
	out = append(out, semconv.ServiceName(name))
	if v := first(fromEnv(semconv.ServiceVersionKey), s.version, buildVersion(s.build)); v != "" {
		out = append(out, semconv.ServiceVersion(v))
	}
	if v := first(fromEnv(semconv.DeploymentEnvironmentNameKey), s.env); v != "" {
		out = append(out, semconv.DeploymentEnvironmentNameKey.String(v))
	}
	return out
}

// buildResource detects the cheap host and process attributes and adds the
// configured ones over them.
func buildResource(ctx context.Context, s *resourceSettings) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithOSType(),
		resource.WithProcessPID(),
		resource.WithProcessExecutableName(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithProcessRuntimeDescription(),
		resource.WithAttributes(s.envAttrs...),
		resource.WithAttributes(s.serviceAttrs()...),
		resource.WithSchemaURL(semconv.SchemaURL),
	)
	if res == nil {
		return nil, err
	}
	// A detector that failed (no host name, say) leaves its attributes
	// out; that is not worth failing Setup for.
	return res, nil
}

// defaultServiceName is the specification's fallback service name:
// "unknown_service:" and the executable's name.
func defaultServiceName() string {
	exe, err := os.Executable()
	if err != nil || exe == "" {
		if len(os.Args) == 0 {
			return "unknown_service"
		}
		exe = os.Args[0]
	}
	return "unknown_service:" + strings.TrimSuffix(filepath.Base(exe), ".exe")
}

// buildVersion is the version of the main module, or when that is
// "(devel)" (a build from a work tree), "devel-" and the first 12 digits
// of the VCS revision, with "+dirty" if the tree had changes. It is empty
// when neither is known.
func buildVersion(read func() (*debug.BuildInfo, bool)) string {
	if read == nil {
		read = debug.ReadBuildInfo
	}
	bi, ok := read()
	if !ok || bi == nil {
		return ""
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return ""
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := "devel-" + rev
	if dirty {
		v += "+dirty"
	}
	return v
}

// parseResourceAttributes parses the value of OTEL_RESOURCE_ATTRIBUTES as
// the specification describes it: comma-separated key=value pairs in the
// W3C Baggage format without properties, values percent-decoded, white
// space around keys and values trimmed. Empty entries (a trailing comma)
// are skipped. Keys must be HTTP tokens ("service.name", "k8s.pod.name").
// Values may not hold control characters before or after decoding, and
// must be valid UTF-8 once decoded, since OTLP carries strings as UTF-8.
// The error names the entry by position; the caller names the variable.
func parseResourceAttributes(v string) ([]attribute.KeyValue, error) {
	var attrs []attribute.KeyValue
	for i, entry := range strings.Split(v, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		fail := func(what string) error {
			return &attrError{entry: i + 1, what: what}
		}
		k, val, found := strings.Cut(entry, "=")
		if !found {
			return nil, fail("is not key=value")
		}
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if !validOTLPHeaderName(k) {
			return nil, fail("has an empty key or one with characters other than letters, digits and !#$%&'*+-.^_`|~")
		}
		if hasASCIIControl(val) {
			return nil, fail("has control characters in its value")
		}
		dec, err := url.PathUnescape(val)
		if err != nil {
			return nil, fail("has a malformed percent-encoding in its value")
		}
		if reason := checkAttrValue(dec); reason != "" {
			return nil, fail("has a value that, decoded, " + reason)
		}
		attrs = append(attrs, attribute.String(k, dec))
	}
	return attrs, nil
}

// attrError is the error of parseResourceAttributes.
type attrError struct {
	entry int
	what  string
}

func (e *attrError) Error() string {
	return "entry " + strconv.Itoa(e.entry) + " " + e.what
}

// checkAttrValue returns why v cannot be a resource attribute value, or "".
func checkAttrValue(v string) string {
	switch {
	case !utf8.ValidString(v):
		return "is not valid UTF-8"
	case hasASCIIControl(v):
		return "holds control characters"
	}
	return ""
}

// hasASCIIControl reports whether s holds an ASCII control character.
func hasASCIIControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}
