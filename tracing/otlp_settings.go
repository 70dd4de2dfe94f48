package tracing

import (
	"context"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The OTLP protocols named by OTEL_EXPORTER_OTLP_PROTOCOL.
const (
	// ProtocolHTTPProtobuf is OTLP over HTTP with protobuf bodies: the
	// default, built in.
	ProtocolHTTPProtobuf = "http/protobuf"
	// ProtocolGRPC is OTLP over gRPC. It is not built in, so that a
	// program that does not ask for it links no gRPC: package grpcdiag
	// provides it through [WithOTLPProtocol].
	ProtocolGRPC = "grpc"
	// ProtocolHTTPJSON is OTLP over HTTP with JSON bodies. It is not
	// provided; [WithOTLPProtocol] can add it.
	ProtocolHTTPJSON = "http/json"
)

// The default OTLP endpoints, per the specification.
const (
	// DefaultOTLPHTTPEndpoint is the base URL of OTLP over HTTP when
	// OTEL_EXPORTER_OTLP_ENDPOINT is unset; the signal paths /v1/traces,
	// /v1/metrics and /v1/logs are appended to it.
	DefaultOTLPHTTPEndpoint = "http://localhost:4318"
	// DefaultOTLPGRPCEndpoint is the endpoint of OTLP over gRPC (and of
	// any other protocol whose name does not start with "http/") when
	// OTEL_EXPORTER_OTLP_ENDPOINT is unset.
	DefaultOTLPGRPCEndpoint = "http://localhost:4317"
	// DefaultOTLPTimeout is how long one export may take when
	// OTEL_EXPORTER_OTLP_TIMEOUT is unset.
	DefaultOTLPTimeout = 10 * time.Second
)

// The signals, as named in OTLPSettings.Signal and in the per-signal
// variables (in upper case).
const (
	signalTraces  = "traces"
	signalMetrics = "metrics"
	signalLogs    = "logs"
)

// envTemporalityPreference chooses the temporality of exported metrics. It
// has no general form: it concerns metrics only.
const envTemporalityPreference = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"

// The values of OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, as held
// in OTLPSettings.TemporalityPreference.
const (
	temporalityCumulative = "cumulative"
	temporalityDelta      = "delta"
	temporalityLowMemory  = "lowmemory"
)

var temporalityPreferences = []string{temporalityCumulative, temporalityDelta, temporalityLowMemory}

// OTLPSettings is what the OTEL_EXPORTER_OTLP_* variables say about one
// signal's exporter, with the per-signal variables
// (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, …) taking precedence over the
// general ones. Setup passes it to the factories of [OTLPExporters].
//
// Headers hold credentials: the String and LogValue methods leave their
// values out, so printing or logging the settings is safe.
type OTLPSettings struct {
	// Signal is "traces", "metrics" or "logs".
	Signal string
	// Protocol is the protocol chosen, such as "http/protobuf" or "grpc",
	// in lower case.
	Protocol string
	// Endpoint is the full URL to send to. For a protocol whose name
	// starts with "http/" it ends with the signal's path (/v1/traces, …)
	// unless it came from the per-signal variable, which is used as is.
	// For other protocols, such as grpc, it is the URL as given, by
	// default DefaultOTLPGRPCEndpoint.
	Endpoint string
	// Headers are the request headers (gRPC metadata) to send, decoded.
	// The map is the factory's own. Never nil.
	Headers map[string]string
	// Timeout bounds one export; DefaultOTLPTimeout when unset.
	Timeout time.Duration
	// Compression is "none" or "gzip".
	Compression string
	// TemporalityPreference is, for metrics, what
	// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE asks for:
	// "cumulative" (the default), "delta" or "lowmemory", in lower case.
	// It is empty for traces and logs. A metric exporter applies it
	// through [OTLPSettings.TemporalitySelector].
	TemporalityPreference string
	// LookupEnv is how Setup reads variables (see [WithEnvLookup]), for a
	// factory that needs more of them, such as
	// OTEL_EXPORTER_OTLP_CERTIFICATE.
	LookupEnv func(string) (string, bool)
}

// String describes s with the names of the headers but not their values.
func (s OTLPSettings) String() string {
	return "OTLPSettings{Signal:" + s.Signal + " Protocol:" + s.Protocol +
		" Endpoint:" + strconv.Quote(s.Endpoint) + " Headers:" + strings.Join(s.headerNames(), ",") +
		" Timeout:" + s.Timeout.String() + " Compression:" + s.Compression + s.temporalityField() + "}"
}

// temporalityField is the temporality preference for String, or nothing
// when there is none.
func (s OTLPSettings) temporalityField() string {
	if s.TemporalityPreference == "" {
		return ""
	}
	return " TemporalityPreference:" + s.TemporalityPreference
}

// LogValue logs s without the values of its headers.
func (s OTLPSettings) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("signal", s.Signal),
		slog.String("protocol", s.Protocol),
		slog.String("endpoint", s.Endpoint),
		slog.Any("headers", s.headerNames()),
		slog.Duration("timeout", s.Timeout),
		slog.String("compression", s.Compression),
	}
	if s.TemporalityPreference != "" {
		attrs = append(attrs, slog.String("temporality_preference", s.TemporalityPreference))
	}
	return slog.GroupValue(attrs...)
}

// TemporalitySelector returns the temporality of each instrument kind that
// s.TemporalityPreference asks for, as the OTLP exporter specification
// defines it, for a metric exporter (otlpmetricgrpc.WithTemporalitySelector,
// for one):
//
//   - "cumulative": cumulative for every kind.
//   - "delta": delta for Counter, ObservableCounter and Histogram;
//     cumulative for UpDownCounter and ObservableUpDownCounter, whose
//     sums are read as current levels, such as a queue's depth.
//   - "lowmemory": delta for Counter and Histogram, cumulative for the
//     others. An ObservableCounter reports totals, and making deltas of
//     them would mean keeping the last total of every series.
//
// Gauges are cumulative under every preference. An empty preference, as
// for traces and logs, is cumulative, the specification's default, and so
// is any other value, which Setup never passes.
func (s OTLPSettings) TemporalitySelector() sdkmetric.TemporalitySelector {
	return temporalitySelector(s.TemporalityPreference)
}

// temporalitySelector maps a value of
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE to the temporality of
// each instrument kind; see [OTLPSettings.TemporalitySelector].
func temporalitySelector(preference string) sdkmetric.TemporalitySelector {
	switch preference {
	case temporalityDelta:
		return deltaTemporality
	case temporalityLowMemory:
		return lowMemoryTemporality
	}
	return sdkmetric.DefaultTemporalitySelector
}

func deltaTemporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	switch k {
	case sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindObservableCounter, sdkmetric.InstrumentKindHistogram:
		return metricdata.DeltaTemporality
	}
	return metricdata.CumulativeTemporality
}

func lowMemoryTemporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	switch k {
	case sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindHistogram:
		return metricdata.DeltaTemporality
	}
	return metricdata.CumulativeTemporality
}

// readTemporalityPreference reads
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: cumulative (the
// default), delta or lowmemory, in any case.
func (r *envReader) readTemporalityPreference() string {
	return r.choice(envTemporalityPreference, temporalityCumulative, temporalityPreferences, nil)
}

func (s OTLPSettings) headerNames() []string {
	names := make([]string, 0, len(s.Headers))
	for k := range s.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// OTLPExporters makes the three exporters of one OTLP protocol. Package
// grpcdiag provides one for "grpc"; pass it to Setup with
// [WithOTLPProtocol]. Each factory is called at most once per Setup, with
// Setup's context, for a signal whose exporter variable selects "otlp"
// while the protocol variable selects this protocol. A nil factory makes
// Setup fail for that signal.
type OTLPExporters struct {
	// Traces makes the span exporter. If nil, the protocol cannot carry
	// traces.
	Traces func(context.Context, OTLPSettings) (sdktrace.SpanExporter, error)
	// Metrics makes the metric exporter. If nil, the protocol cannot
	// carry metrics.
	Metrics func(context.Context, OTLPSettings) (sdkmetric.Exporter, error)
	// Logs makes the log record exporter. If nil, the protocol cannot
	// carry logs.
	Logs func(context.Context, OTLPSettings) (sdklog.Exporter, error)
}

// otlpVar returns the name of an OTLP variable: the general one for an
// empty signal, else the per-signal one.
func otlpVar(signal, suffix string) string {
	if signal == "" {
		return "OTEL_EXPORTER_OTLP_" + suffix
	}
	return "OTEL_EXPORTER_OTLP_" + strings.ToUpper(signal) + "_" + suffix
}

// getOTLP reads the per-signal variable, else the general one, and
// returns the value and the name of the variable it came from.
func (r *envReader) getOTLP(signal, suffix string) (value, name string, ok bool) {
	name = otlpVar(signal, suffix)
	if v, ok := r.get(name); ok {
		return v, name, true
	}
	name = otlpVar("", suffix)
	v, ok := r.get(name)
	return v, name, ok
}

// otlpSettings reads the settings of signal's OTLP exporter. protocols
// holds the protocols added with WithOTLPProtocol; ok is false when the
// protocol cannot be used (the error is recorded).
func (r *envReader) otlpSettings(signal string, protocols map[string]OTLPExporters) (s OTLPSettings, ok bool) {
	s = OTLPSettings{Signal: signal, Protocol: ProtocolHTTPProtobuf, LookupEnv: r.lookup}
	ok = true
	if v, name, set := r.getOTLP(signal, "PROTOCOL"); set {
		s.Protocol = strings.ToLower(v)
		if _, added := protocols[s.Protocol]; !added && s.Protocol != ProtocolHTTPProtobuf {
			ok = false
			switch s.Protocol {
			case ProtocolGRPC:
				r.fail(name, v, "OTLP over gRPC is not linked in: pass grpcdiag.WithOTLP() to Setup, "+
					"or use http/protobuf", ErrUnsupported)
			case ProtocolHTTPJSON:
				r.fail(name, v, "OTLP with JSON bodies is not provided: use http/protobuf", ErrUnsupported)
			default:
				r.fail(name, v, "want http/protobuf or grpc", nil)
			}
		}
	}
	httpLike := strings.HasPrefix(s.Protocol, "http/")

	switch v, name, set := r.getOTLP(signal, "ENDPOINT"); {
	case !set && httpLike:
		s.Endpoint = DefaultOTLPHTTPEndpoint + "/v1/" + signal
	case !set:
		s.Endpoint = DefaultOTLPGRPCEndpoint
	default:
		u, reason := parseEndpoint(v)
		switch {
		case u == nil:
			r.fail(name, v, reason, nil)
			ok = false
		case httpLike && name == otlpVar("", "ENDPOINT"):
			// The general variable is a base URL: append the signal path.
			u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/" + signal
			if u.RawPath != "" {
				u.RawPath = strings.TrimSuffix(u.RawPath, "/") + "/v1/" + signal
			}
			s.Endpoint = u.String()
		default:
			s.Endpoint = v
		}
	}

	s.Headers = map[string]string{}
	if v, name, set := r.getOTLP(signal, "HEADERS"); set {
		h, reason := parseHeaders(v)
		if h == nil {
			r.fail(name, v, reason, nil)
			ok = false
		} else {
			s.Headers = h
		}
	}

	s.Timeout = DefaultOTLPTimeout
	if _, name, set := r.getOTLP(signal, "TIMEOUT"); set {
		s.Timeout = r.millis(name, DefaultOTLPTimeout)
	}

	s.Compression = "none"
	if _, name, set := r.getOTLP(signal, "COMPRESSION"); set {
		s.Compression = r.choice(name, "none", []string{"none", "gzip"}, nil)
	}
	return s, ok
}

// parseEndpoint parses an OTLP endpoint: an absolute http or https URL
// with a host. On failure it returns nil and the reason, which never
// quotes the value.
func parseEndpoint(v string) (*url.URL, string) {
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return nil, "not a valid URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, `want an absolute URL with scheme "http" or "https", such as ` + DefaultOTLPHTTPEndpoint
	case u.Host == "" || u.Opaque != "":
		return nil, "the URL has no host"
	}
	return u, ""
}

// parseHeaders parses a list of OTLP headers: comma-separated key=value
// pairs, keys and values percent-decoded, white space around each trimmed,
// empty entries skipped. Keys must be HTTP tokens and values may not hold
// control characters (after decoding), so a value cannot inject a header.
// A key given twice keeps its last value. On failure it returns nil and a
// reason that names the entry by position and never quotes it, since
// entries are secrets.
func parseHeaders(v string) (map[string]string, string) {
	h := map[string]string{}
	for i, entry := range strings.Split(v, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		pos := "entry " + strconv.Itoa(i+1)
		k, val, found := strings.Cut(entry, "=")
		if !found {
			return nil, pos + " is not key=value (its text is not shown: it may be a secret)"
		}
		k, err := url.PathUnescape(strings.TrimSpace(k))
		if err != nil {
			return nil, pos + ": the key has a malformed percent-encoding"
		}
		if !validOTLPHeaderName(k) {
			return nil, pos + ": the key is not a valid header name"
		}
		val, err = url.PathUnescape(strings.TrimSpace(val))
		if err != nil {
			return nil, pos + ": the value has a malformed percent-encoding"
		}
		if !validOTLPHeaderValue(val) {
			return nil, pos + ": the value holds control characters or invalid UTF-8"
		}
		h[k] = val
	}
	return h, ""
}

// validOTLPHeaderName reports whether name is a non-empty HTTP token
// (RFC 9110, section 5.6.2).
func validOTLPHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validOTLPHeaderValue reports whether v is valid UTF-8 without control
// characters other than tab.
func validOTLPHeaderValue(v string) bool {
	if !utf8.ValidString(v) {
		return false
	}
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
