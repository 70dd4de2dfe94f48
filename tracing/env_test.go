package tracing

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// plan reads the variables in env as Setup would, with opts, and returns
// the plan and the error.
func plan(env map[string]string, opts ...SetupOption) (*setupPlan, error) {
	c := newSetupConfig(append([]SetupOption{WithEnvLookup(envMap(env))}, opts...))
	r := newEnvReader(c.lookup)
	r.bool(envSDKDisabled)
	p := readPlan(r, c)
	return p, r.err()
}

// grpcStub is an OTLPExporters that fails if called; reading the plan
// never calls it.
var grpcStub = OTLPExporters{
	Traces: func(context.Context, OTLPSettings) (sdktrace.SpanExporter, error) {
		return nil, errors.New("not for use")
	},
	Metrics: func(context.Context, OTLPSettings) (sdkmetric.Exporter, error) {
		return nil, errors.New("not for use")
	},
	Logs: func(context.Context, OTLPSettings) (sdklog.Exporter, error) {
		return nil, errors.New("not for use")
	},
}

func TestEnvValid(t *testing.T) {
	type check func(t *testing.T, p *setupPlan)
	otlp := func(signal string, p *setupPlan) *OTLPSettings {
		switch signal {
		case signalTraces:
			return p.traces.otlp
		case signalMetrics:
			return p.metrics.otlp
		}
		return p.logs.otlp
	}
	endpoint := func(signal, want string) check {
		return func(t *testing.T, p *setupPlan) {
			t.Helper()
			s := otlp(signal, p)
			if s == nil || s.Endpoint != want {
				t.Errorf("%s endpoint = %v, want %q", signal, s, want)
			}
		}
	}
	settings := func(signal string, f func(s *OTLPSettings) bool) check {
		return func(t *testing.T, p *setupPlan) {
			t.Helper()
			if s := otlp(signal, p); s == nil || !f(s) {
				t.Errorf("%s settings = %v", signal, s)
			}
		}
	}
	sampler := func(want string) check {
		return func(t *testing.T, p *setupPlan) {
			t.Helper()
			if got := p.sampler.Description(); !strings.HasPrefix(got, want) {
				t.Errorf("sampler = %s, want %s…", got, want)
			}
		}
	}
	// temporality checks the preference the metric plan and its OTLP
	// settings hold.
	temporality := func(want string) check {
		return func(t *testing.T, p *setupPlan) {
			t.Helper()
			if p.metrics.temporality != want || p.metrics.otlp == nil || p.metrics.otlp.TemporalityPreference != want {
				t.Errorf("metrics = %+v, settings %v; want temporality %s", p.metrics, p.metrics.otlp, want)
			}
		}
	}
	tests := []struct {
		name  string
		env   map[string]string
		opts  []SetupOption
		check check
	}{
		{"defaults", nil, nil, func(t *testing.T, p *setupPlan) {
			for _, sig := range []string{signalTraces, signalMetrics, signalLogs} {
				s := otlp(sig, p)
				want := OTLPSettings{Signal: sig, Protocol: ProtocolHTTPProtobuf,
					Endpoint: "http://localhost:4318/v1/" + sig, Timeout: 10 * time.Second, Compression: "none"}
				if sig == signalMetrics {
					want.TemporalityPreference = "cumulative"
				}
				if s == nil || s.String() != want.String() || len(s.Headers) != 0 || s.LookupEnv == nil {
					t.Errorf("%s: %v, want %v", sig, s, want)
				}
			}
			if p.traces.console || p.metrics.console || p.logs.console {
				t.Error("console exporter by default")
			}
			if p.traces.temporality != "" || p.metrics.temporality != "cumulative" || p.logs.temporality != "" {
				t.Errorf("temporality preferences = %q %q %q, want cumulative for metrics only",
					p.traces.temporality, p.metrics.temporality, p.logs.temporality)
			}
			if got, want := p.bsp, (batchSettings{5 * time.Second, 30 * time.Second, 2048, 512}); got != want {
				t.Errorf("bsp = %+v, want %+v", got, want)
			}
			if got, want := p.blrp, (batchSettings{time.Second, 30 * time.Second, 2048, 512}); got != want {
				t.Errorf("blrp = %+v, want %+v", got, want)
			}
			if got, want := p.reader, (readerSettings{60 * time.Second, 30 * time.Second}); got != want {
				t.Errorf("reader = %+v, want %+v", got, want)
			}
			if got, want := p.limits.span, sdktrace.NewSpanLimits(); got != want {
				t.Errorf("span limits = %+v, want %+v", got, want)
			}
			if got := p.propagator.Fields(); strings.Join(slices.Sorted(slices.Values(got)), ",") != "baggage,traceparent,tracestate" {
				t.Errorf("propagator fields = %v", got)
			}
		}},
		{"sampler default", nil, nil, sampler("ParentBased{root:AlwaysOnSampler")},
		{"empty is unset", map[string]string{"OTEL_TRACES_SAMPLER": "", "OTEL_EXPORTER_OTLP_ENDPOINT": "  "}, nil,
			endpoint(signalTraces, "http://localhost:4318/v1/traces")},
		{"OTEL_SDK_DISABLED=false", map[string]string{"OTEL_SDK_DISABLED": "False"}, nil, nil},

		{"base endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318"}, nil,
			endpoint(signalMetrics, "https://collector:4318/v1/metrics")},
		{"base endpoint with slash", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/"}, nil,
			endpoint(signalLogs, "http://c:4318/v1/logs")},
		{"base endpoint with path", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c/otlp/"}, nil,
			endpoint(signalTraces, "http://c/otlp/v1/traces")},
		{"base endpoint with escaped path", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c/a%2Fb"}, nil,
			endpoint(signalTraces, "http://c/a%2Fb/v1/traces")},
		{"signal endpoint as is", map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://base:4318",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999/custom",
		}, nil, func(t *testing.T, p *setupPlan) {
			endpoint(signalTraces, "http://traces:9999/custom")(t, p)
			endpoint(signalMetrics, "http://base:4318/v1/metrics")(t, p)
		}},
		{"headers decoded", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "api-key=a%20b%2Cc , x-tenant=t1,,"}, nil,
			settings(signalLogs, func(s *OTLPSettings) bool {
				return len(s.Headers) == 2 && s.Headers["api-key"] == "a b,c" && s.Headers["x-tenant"] == "t1"
			})},
		{"signal headers replace", map[string]string{
			"OTEL_EXPORTER_OTLP_HEADERS":         "a=1,b=2",
			"OTEL_EXPORTER_OTLP_METRICS_HEADERS": "c=3",
		}, nil, func(t *testing.T, p *setupPlan) {
			settings(signalMetrics, func(s *OTLPSettings) bool { return len(s.Headers) == 1 && s.Headers["c"] == "3" })(t, p)
			settings(signalTraces, func(s *OTLPSettings) bool { return len(s.Headers) == 2 })(t, p)
		}},
		{"timeout", map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "1500", "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT": "20"}, nil,
			func(t *testing.T, p *setupPlan) {
				settings(signalTraces, func(s *OTLPSettings) bool { return s.Timeout == 1500*time.Millisecond })(t, p)
				settings(signalLogs, func(s *OTLPSettings) bool { return s.Timeout == 20*time.Millisecond })(t, p)
			}},
		{"compression", map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "GZIP", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "none"}, nil,
			func(t *testing.T, p *setupPlan) {
				settings(signalTraces, func(s *OTLPSettings) bool { return s.Compression == "none" })(t, p)
				settings(signalMetrics, func(s *OTLPSettings) bool { return s.Compression == "gzip" })(t, p)
			}},
		{"protocol http/protobuf", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "HTTP/Protobuf"}, nil,
			settings(signalTraces, func(s *OTLPSettings) bool { return s.Protocol == ProtocolHTTPProtobuf })},
		{"protocol grpc added", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"},
			[]SetupOption{WithOTLPProtocol("gRPC", grpcStub)}, func(t *testing.T, p *setupPlan) {
				settings(signalTraces, func(s *OTLPSettings) bool {
					return s.Protocol == ProtocolGRPC && s.Endpoint == DefaultOTLPGRPCEndpoint
				})(t, p)
				settings(signalMetrics, func(s *OTLPSettings) bool { return s.Protocol == ProtocolHTTPProtobuf })(t, p)
			}},
		{"grpc base endpoint as is", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "https://c:4317"},
			[]SetupOption{WithOTLPProtocol("grpc", grpcStub)},
			endpoint(signalLogs, "https://c:4317")},

		{"exporters console and otlp", map[string]string{"OTEL_TRACES_EXPORTER": "console, OTLP,console"}, nil,
			func(t *testing.T, p *setupPlan) {
				if !p.traces.console || p.traces.otlp == nil {
					t.Errorf("traces = %+v", p.traces)
				}
			}},
		{"exporters none", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "None", "OTEL_LOGS_EXPORTER": "console"}, nil,
			func(t *testing.T, p *setupPlan) {
				if p.traces != (signalPlan{}) || p.metrics != (signalPlan{}) || !p.logs.console || p.logs.otlp != nil {
					t.Errorf("plan = %+v %+v %+v", p.traces, p.metrics, p.logs)
				}
			}},
		{"exporter from option not read", map[string]string{"OTEL_TRACES_EXPORTER": "bogus", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "bogus"},
			[]SetupOption{WithSpanExporter(new(spanRecorder))},
			func(t *testing.T, p *setupPlan) {
				if p.traces != (signalPlan{}) {
					t.Errorf("traces = %+v", p.traces)
				}
			}},
		{"metric reader from option", map[string]string{"OTEL_METRICS_EXPORTER": "bogus"},
			[]SetupOption{WithMetricReader(sdkmetric.NewManualReader())}, nil},
		{"log exporter from option", map[string]string{"OTEL_LOGS_EXPORTER": "bogus"},
			[]SetupOption{WithLogExporter(new(logRecorder))}, nil},
		{"otlp settings not read without otlp", map[string]string{
			"OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none",
			"OTEL_EXPORTER_OTLP_ENDPOINT": "bogus",
		}, nil, nil},

		{"temporality cumulative", map[string]string{envTemporalityPreference: "cumulative"}, nil, temporality("cumulative")},
		{"temporality delta", map[string]string{envTemporalityPreference: "delta"}, nil, temporality("delta")},
		{"temporality lowmemory", map[string]string{envTemporalityPreference: "lowmemory"}, nil, temporality("lowmemory")},
		{"temporality in mixed case", map[string]string{envTemporalityPreference: " LowMemory\t"}, nil, temporality("lowmemory")},
		{"temporality in upper case", map[string]string{envTemporalityPreference: "DELTA"}, nil, temporality("delta")},
		{"temporality empty is unset", map[string]string{envTemporalityPreference: " "}, nil, temporality("cumulative")},
		{"temporality through another protocol", map[string]string{
			envTemporalityPreference: "Delta", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "grpc",
		}, []SetupOption{WithOTLPProtocol("grpc", grpcStub)}, temporality("delta")},
		{"temporality for the console exporter", map[string]string{
			envTemporalityPreference: "delta", "OTEL_METRICS_EXPORTER": "console",
		}, nil, func(t *testing.T, p *setupPlan) {
			if !p.metrics.console || p.metrics.otlp != nil || p.metrics.temporality != "delta" {
				t.Errorf("metrics = %+v, want console with delta", p.metrics)
			}
		}},
		{"temporality not read without a metric exporter", map[string]string{
			envTemporalityPreference: "bogus", "OTEL_METRICS_EXPORTER": "none",
		}, nil, nil},
		{"temporality not read with a metric exporter from options", map[string]string{envTemporalityPreference: "bogus"},
			[]SetupOption{WithMetricExporter(new(metricRecorder))}, nil},

		{"always_on", map[string]string{"OTEL_TRACES_SAMPLER": "always_on", "OTEL_TRACES_SAMPLER_ARG": "junk"}, nil,
			sampler("AlwaysOnSampler")},
		{"always_off", map[string]string{"OTEL_TRACES_SAMPLER": "ALWAYS_OFF"}, nil, sampler("AlwaysOffSampler")},
		{"traceidratio", map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"}, nil,
			sampler("TraceIDRatioBased{0.25}")},
		{"traceidratio default arg", map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio"}, nil,
			sampler("TraceIDRatioBased{1}")},
		{"traceidratio zero", map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"}, nil,
			sampler("TraceIDRatioBased{0}")},
		{"parentbased_always_on", map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_always_on"}, nil,
			sampler("ParentBased{root:AlwaysOnSampler")},
		{"parentbased_always_off", map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_always_off"}, nil,
			sampler("ParentBased{root:AlwaysOffSampler")},
		{"parentbased_traceidratio", map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1e-1"}, nil,
			sampler("ParentBased{root:TraceIDRatioBased{0.1}")},
		{"WithSampler wins", map[string]string{"OTEL_TRACES_SAMPLER": "bogus"}, []SetupOption{WithSampler(sdktrace.NeverSample())},
			sampler("AlwaysOffSampler")},

		{"bsp", map[string]string{
			"OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_BSP_EXPORT_TIMEOUT": "200",
			"OTEL_BSP_MAX_QUEUE_SIZE": "64", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "64",
		}, nil, func(t *testing.T, p *setupPlan) {
			if got, want := p.bsp, (batchSettings{100 * time.Millisecond, 200 * time.Millisecond, 64, 64}); got != want {
				t.Errorf("bsp = %+v, want %+v", got, want)
			}
		}},
		{"small queue shrinks the batch", map[string]string{"OTEL_BLRP_MAX_QUEUE_SIZE": "10"}, nil,
			func(t *testing.T, p *setupPlan) {
				if p.blrp.queue != 10 || p.blrp.maxBatch != 10 {
					t.Errorf("blrp = %+v", p.blrp)
				}
			}},
		{"blrp", map[string]string{"OTEL_BLRP_SCHEDULE_DELAY": "50", "OTEL_BLRP_EXPORT_TIMEOUT": "60"}, nil,
			func(t *testing.T, p *setupPlan) {
				if p.blrp.delay != 50*time.Millisecond || p.blrp.timeout != 60*time.Millisecond {
					t.Errorf("blrp = %+v", p.blrp)
				}
			}},
		{"metric reader", map[string]string{"OTEL_METRIC_EXPORT_INTERVAL": "1000", "OTEL_METRIC_EXPORT_TIMEOUT": "500"}, nil,
			func(t *testing.T, p *setupPlan) {
				if got, want := p.reader, (readerSettings{time.Second, 500 * time.Millisecond}); got != want {
					t.Errorf("reader = %+v, want %+v", got, want)
				}
			}},
		{"limits", map[string]string{
			"OTEL_ATTRIBUTE_COUNT_LIMIT": "10", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "100",
			"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "20", "OTEL_SPAN_EVENT_COUNT_LIMIT": "0",
			"OTEL_SPAN_LINK_COUNT_LIMIT": "3", "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT": "4",
			"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT": "5", "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT": "50",
		}, nil, func(t *testing.T, p *setupPlan) {
			want := sdktrace.SpanLimits{AttributeValueLengthLimit: 100, AttributeCountLimit: 20, EventCountLimit: 0,
				LinkCountLimit: 3, AttributePerEventCountLimit: 4, AttributePerLinkCountLimit: 5}
			if p.limits.span != want {
				t.Errorf("span limits = %+v, want %+v", p.limits.span, want)
			}
			if p.limits.logAttrCount != 10 || p.limits.logValueLen != 50 {
				t.Errorf("log limits = %+v", p.limits)
			}
		}},
		{"propagators none", map[string]string{"OTEL_PROPAGATORS": "none"}, nil, func(t *testing.T, p *setupPlan) {
			if got := p.propagator.Fields(); len(got) != 0 {
				t.Errorf("fields = %v", got)
			}
		}},
		{"propagators baggage", map[string]string{"OTEL_PROPAGATORS": "baggage"}, nil, func(t *testing.T, p *setupPlan) {
			if got := p.propagator.Fields(); len(got) != 1 || got[0] != "baggage" {
				t.Errorf("fields = %v", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := plan(tt.env, tt.opts...)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

// secret is a header value that must never appear in an error.
const secret = "s3cr3t-t0ken"

func TestEnvInvalid(t *testing.T) {
	tests := []struct {
		env         map[string]string
		opts        []SetupOption
		wantVar     string
		unsupported bool
	}{
		{env: map[string]string{"OTEL_SDK_DISABLED": "yes"}, wantVar: "OTEL_SDK_DISABLED"},
		{env: map[string]string{"OTEL_SERVICE_NAME": "a\x00b"}, wantVar: "OTEL_SERVICE_NAME"},
		{env: map[string]string{"OTEL_SERVICE_NAME": "caf\xe9"}, wantVar: "OTEL_SERVICE_NAME"},
		{env: map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "a=1,b"}, wantVar: "OTEL_RESOURCE_ATTRIBUTES"},
		{env: map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "a=%zz"}, wantVar: "OTEL_RESOURCE_ATTRIBUTES"},
		{env: map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "=v"}, wantVar: "OTEL_RESOURCE_ATTRIBUTES"},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "jaeger"}, wantVar: "OTEL_TRACES_EXPORTER", unsupported: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, wantVar: "OTEL_TRACES_EXPORTER", unsupported: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp,,console"}, wantVar: "OTEL_TRACES_EXPORTER"},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "none,console"}, wantVar: "OTEL_TRACES_EXPORTER"},
		{env: map[string]string{"OTEL_METRICS_EXPORTER": "prometheus"}, wantVar: "OTEL_METRICS_EXPORTER", unsupported: true},
		{env: map[string]string{"OTEL_METRICS_EXPORTER": "stdout"}, wantVar: "OTEL_METRICS_EXPORTER"},
		{env: map[string]string{"OTEL_LOGS_EXPORTER": "logging"}, wantVar: "OTEL_LOGS_EXPORTER", unsupported: true},
		{env: map[string]string{"OTEL_LOGS_EXPORTER": "otlp\r\nX: y"}, wantVar: "OTEL_LOGS_EXPORTER"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, wantVar: "OTEL_EXPORTER_OTLP_PROTOCOL", unsupported: true},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/json"}, wantVar: "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", unsupported: true},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"}, wantVar: "OTEL_EXPORTER_OTLP_PROTOCOL"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"}, wantVar: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://c"}, wantVar: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://"}, wantVar: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://user:" + secret + "@:bad"}, wantVar: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://c\n/v1"}, wantVar: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer " + secret + ",junk" + secret}, wantVar: "OTEL_EXPORTER_OTLP_HEADERS"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "key=" + secret + "%zz"}, wantVar: "OTEL_EXPORTER_OTLP_HEADERS"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "key=" + secret + "%0d%0aX-Evil: 1"}, wantVar: "OTEL_EXPORTER_OTLP_HEADERS"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": secret + " x=1"}, wantVar: "OTEL_EXPORTER_OTLP_TRACES_HEADERS"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "k" + secret + "\xff=1"}, wantVar: "OTEL_EXPORTER_OTLP_HEADERS"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, wantVar: "OTEL_EXPORTER_OTLP_TIMEOUT"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "0"}, wantVar: "OTEL_EXPORTER_OTLP_TIMEOUT"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT": "-5"}, wantVar: "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "99999999999999999999"}, wantVar: "OTEL_EXPORTER_OTLP_TIMEOUT"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, wantVar: "OTEL_EXPORTER_OTLP_COMPRESSION"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "deflate"}, wantVar: "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION"},
		{env: map[string]string{envTemporalityPreference: "deltas"}, wantVar: envTemporalityPreference},
		{env: map[string]string{envTemporalityPreference: "low_memory"}, wantVar: envTemporalityPreference},
		{env: map[string]string{envTemporalityPreference: "delta,cumulative"}, wantVar: envTemporalityPreference},
		{env: map[string]string{envTemporalityPreference: "delta\r\nX: y"}, wantVar: envTemporalityPreference},
		{env: map[string]string{envTemporalityPreference: "\xffdelta", "OTEL_METRICS_EXPORTER": "console"}, wantVar: envTemporalityPreference},
		{env: map[string]string{"OTEL_TRACES_SAMPLER": "sometimes"}, wantVar: "OTEL_TRACES_SAMPLER"},
		{env: map[string]string{"OTEL_TRACES_SAMPLER": "jaeger_remote"}, wantVar: "OTEL_TRACES_SAMPLER", unsupported: true},
		{env: map[string]string{"OTEL_TRACES_SAMPLER": "xray"}, wantVar: "OTEL_TRACES_SAMPLER", unsupported: true},
		{env: map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"}, wantVar: "OTEL_TRACES_SAMPLER_ARG"},
		{env: map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "-0.1"}, wantVar: "OTEL_TRACES_SAMPLER_ARG"},
		{env: map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "half"}, wantVar: "OTEL_TRACES_SAMPLER_ARG"},
		{env: map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "NaN"}, wantVar: "OTEL_TRACES_SAMPLER_ARG"},
		{env: map[string]string{"OTEL_PROPAGATORS": "b3"}, wantVar: "OTEL_PROPAGATORS", unsupported: true},
		{env: map[string]string{"OTEL_PROPAGATORS": "tracecontext,w3c"}, wantVar: "OTEL_PROPAGATORS"},
		{env: map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "0"}, wantVar: "OTEL_BSP_SCHEDULE_DELAY"},
		{env: map[string]string{"OTEL_BSP_EXPORT_TIMEOUT": "1.5"}, wantVar: "OTEL_BSP_EXPORT_TIMEOUT"},
		{env: map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "1000000000"}, wantVar: "OTEL_BSP_MAX_QUEUE_SIZE"},
		{env: map[string]string{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "4096"}, wantVar: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"},
		{env: map[string]string{"OTEL_BLRP_MAX_QUEUE_SIZE": "0"}, wantVar: "OTEL_BLRP_MAX_QUEUE_SIZE"},
		{env: map[string]string{"OTEL_BLRP_SCHEDULE_DELAY": "soon"}, wantVar: "OTEL_BLRP_SCHEDULE_DELAY"},
		{env: map[string]string{"OTEL_BLRP_EXPORT_TIMEOUT": "-1"}, wantVar: "OTEL_BLRP_EXPORT_TIMEOUT"},
		{env: map[string]string{"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE": "x"}, wantVar: "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"},
		{env: map[string]string{"OTEL_METRIC_EXPORT_INTERVAL": "0"}, wantVar: "OTEL_METRIC_EXPORT_INTERVAL"},
		{env: map[string]string{"OTEL_METRIC_EXPORT_TIMEOUT": "1m"}, wantVar: "OTEL_METRIC_EXPORT_TIMEOUT"},
		{env: map[string]string{"OTEL_ATTRIBUTE_COUNT_LIMIT": "-1"}, wantVar: "OTEL_ATTRIBUTE_COUNT_LIMIT"},
		{env: map[string]string{"OTEL_SPAN_LINK_COUNT_LIMIT": "many"}, wantVar: "OTEL_SPAN_LINK_COUNT_LIMIT"},
		{env: map[string]string{"OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT": "4294967296"}, wantVar: "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT"},
		{env: map[string]string{"OTEL_SERVICE_NAME": strings.Repeat("x", maxEnvValueLen+1)}, wantVar: "OTEL_SERVICE_NAME"},
	}
	for _, tt := range tests {
		var value string
		for _, v := range tt.env {
			value = v
		}
		t.Run(tt.wantVar+"="+capValue(value), func(t *testing.T) {
			_, err := plan(tt.env, tt.opts...)
			ees := envErrors(err)
			if len(ees) != 1 || ees[0].Var != tt.wantVar {
				t.Fatalf("errors = %v, want one EnvError for %s", err, tt.wantVar)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantVar) || !strings.HasPrefix(msg, "tracing: ") {
				t.Errorf("message %q does not name %s", msg, tt.wantVar)
			}
			if strings.Contains(msg, secret) || strings.Contains(ees[0].Value, secret) {
				t.Errorf("message %q shows a secret", msg)
			}
			if strings.ContainsAny(msg, "\r\n\x00") || !utf8.ValidString(msg) || len(msg) > 400 {
				t.Errorf("message %q is not one short, printable line", msg)
			}
			if got := errors.Is(err, ErrUnsupported); got != tt.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v", got, tt.unsupported)
			}
		})
	}
}

func TestEnvErrorsAreAllReported(t *testing.T) {
	env := map[string]string{
		"OTEL_TRACES_SAMPLER":            "bogus",
		"OTEL_EXPORTER_OTLP_TIMEOUT":     "x", // read for the three signals, reported once
		"OTEL_EXPORTER_OTLP_HEADERS":     "no-equals-" + secret,
		"OTEL_BSP_MAX_QUEUE_SIZE":        "-1",
		"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "4", // not compared with a bad queue size
		"OTEL_METRIC_EXPORT_INTERVAL":    "often",
		// Read although the metrics' OTLP settings failed.
		envTemporalityPreference: "Deltas",
	}
	_, err := plan(env)
	var got []string
	for _, e := range envErrors(err) {
		got = append(got, e.Var)
	}
	want := "OTEL_TRACES_SAMPLER OTEL_EXPORTER_OTLP_HEADERS OTEL_EXPORTER_OTLP_TIMEOUT " +
		"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE OTEL_BSP_MAX_QUEUE_SIZE OTEL_METRIC_EXPORT_INTERVAL"
	if strings.Join(got, " ") != want {
		t.Errorf("reported %v\nwant %s", got, want)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error shows a secret: %v", err)
	}
}

func TestEnvErrorMessage(t *testing.T) {
	long := strings.Repeat("é", 100)
	tests := []struct {
		err  *EnvError
		want string
	}{
		{&EnvError{Var: "OTEL_X", Value: "v", Reason: "bad"}, `tracing: OTEL_X="v": bad`},
		{&EnvError{Var: "OTEL_X", Reason: "bad"}, `tracing: OTEL_X: bad`},
		{&EnvError{Var: "OTEL_X", Value: "a\r\nb\x00\xff", Reason: "bad"}, `tracing: OTEL_X="a\r\nb\x00\xff": bad`},
		{&EnvError{Var: "OTEL_X", Value: long, Reason: "bad"}, `tracing: OTEL_X="` + strings.Repeat("é", 40) + `…": bad`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %s\nwant      %s", got, tt.want)
		}
	}
	e := &EnvError{Var: "V", Err: ErrUnsupported}
	if !errors.Is(e, ErrUnsupported) {
		t.Error("EnvError does not unwrap to its Err")
	}
	if got := shownValue("OTEL_EXPORTER_OTLP_ENDPOINT", "http://u:p@h"); got != "" {
		t.Errorf("endpoint with a password shown as %q", got)
	}
	if got := shownValue("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "a=b"); got != "" {
		t.Errorf("headers shown as %q", got)
	}
}

// hostileValues are values no variable should panic on.
var hostileValues = []string{
	"\r\n", "a\r\nSet-Cookie: x=1", "\x00", "a\x00b", "\xff\xfe", "%", "%zz", "%0a", "%00", "=", ",,,", "=,=",
	"k=%", "k=%e9", "k=%c3%28", "k=v;prop=1", "\u202e", "9223372036854775808", "-0", "0x10", "1e400", "Inf",
	strings.Repeat("a", 1<<20), strings.Repeat("k=v,", 1<<18), strings.Repeat("%", 1<<20),
}

// setupVars are all the variables Setup reads.
var setupVars = []string{
	"OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_PROPAGATORS",
	"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER",
	"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
	"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS",
	"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_COMPRESSION",
	"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
	"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
	"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
	"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
	"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
	"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
	"OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
	"OTEL_BLRP_SCHEDULE_DELAY", "OTEL_BLRP_EXPORT_TIMEOUT", "OTEL_BLRP_MAX_QUEUE_SIZE", "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
	"OTEL_METRIC_EXPORT_INTERVAL", "OTEL_METRIC_EXPORT_TIMEOUT",
	"OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
	"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT",
	"OTEL_SPAN_LINK_COUNT_LIMIT", "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
	"OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
	"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
}

func TestEnvHostileValues(t *testing.T) {
	for _, name := range setupVars {
		for _, v := range hostileValues {
			_, err := plan(map[string]string{name: v})
			checkEnvErr(t, name, v, err)
		}
	}
}

// checkEnvErr checks what an error from reading name=v may hold: only
// EnvErrors, for name, each a short printable line, never showing a
// header value.
func checkEnvErr(t *testing.T, name, v string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	ees := envErrors(err)
	if len(ees) != 1 || ees[0].Var != name {
		t.Fatalf("%s=%q: errors = %v, want one EnvError for it", name, capValue(v), err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n\x00") || !utf8.ValidString(msg) || len(msg) > 400 {
		t.Errorf("%s=%q: message %q is not one short, printable line", name, capValue(v), msg)
	}
	if strings.HasSuffix(name, "_HEADERS") && ees[0].Value != "" {
		t.Errorf("%s=%q: error shows the value: %q", name, capValue(v), msg)
	}
}
