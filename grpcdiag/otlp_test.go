package grpcdiag_test

import (
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"

	"github.com/reprokit/reprokit/grpcdiag"
	"github.com/reprokit/reprokit/tracing"
)

// receiver is an in-process OTLP/gRPC receiver on 127.0.0.1:0 that keeps
// what it is sent. mu guards the fields below it.
type receiver struct {
	coltracepb.UnimplementedTraceServiceServer
	addr string

	mu          sync.Mutex
	traces      []*coltracepb.ExportTraceServiceRequest
	metrics     []*colmetricpb.ExportMetricsServiceRequest
	logs        []*collogspb.ExportLogsServiceRequest
	md          map[string][]metadata.MD // incoming metadata by full method
	compression map[string][]string      // grpc-encoding by full method
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{md: map[string][]metadata.MD{}, compression: map[string][]string{}}
	srv := grpc.NewServer(grpc.StatsHandler(compressionRecorder{r}))
	coltracepb.RegisterTraceServiceServer(srv, r)
	colmetricpb.RegisterMetricsServiceServer(srv, metricsService{r: r})
	collogspb.RegisterLogsServiceServer(srv, logsService{r: r})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r.addr = lis.Addr().String()
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-served
	})
	return r
}

func (r *receiver) seen(ctx context.Context, method string) {
	md, _ := metadata.FromIncomingContext(ctx)
	r.md[method] = append(r.md[method], md)
}

func (r *receiver) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen(ctx, "traces")
	r.traces = append(r.traces, req)
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// metricsService and logsService give the receiver the Export methods of
// the other two services, whose signatures differ.
type (
	metricsService struct {
		colmetricpb.UnimplementedMetricsServiceServer
		r *receiver
	}
	logsService struct {
		collogspb.UnimplementedLogsServiceServer
		r *receiver
	}
)

func (m metricsService) Export(ctx context.Context, req *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	m.r.seen(ctx, "metrics")
	m.r.metrics = append(m.r.metrics, req)
	return &colmetricpb.ExportMetricsServiceResponse{}, nil
}

func (l logsService) Export(ctx context.Context, req *collogspb.ExportLogsServiceRequest) (*collogspb.ExportLogsServiceResponse, error) {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	l.r.seen(ctx, "logs")
	l.r.logs = append(l.r.logs, req)
	return &collogspb.ExportLogsServiceResponse{}, nil
}

// compressionRecorder is a stats.Handler that notes the compression of
// each incoming call.
type compressionRecorder struct{ r *receiver }

func (c compressionRecorder) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return ctx
}
func (c compressionRecorder) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (c compressionRecorder) HandleConn(context.Context, stats.ConnStats) {}
func (c compressionRecorder) HandleRPC(_ context.Context, s stats.RPCStats) {
	if h, ok := s.(*stats.InHeader); ok {
		c.r.mu.Lock()
		defer c.r.mu.Unlock()
		signal := map[string]string{
			"/opentelemetry.proto.collector.trace.v1.TraceService/Export":     "traces",
			"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export": "metrics",
			"/opentelemetry.proto.collector.logs.v1.LogsService/Export":       "logs",
		}[h.FullMethod]
		c.r.compression[signal] = append(c.r.compression[signal], h.Compression)
	}
}

func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func serviceName(res *resourcepb.Resource) string {
	for _, kv := range res.GetAttributes() {
		if kv.GetKey() == "service.name" {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

// TestOTLPEndToEnd points tracing.Setup, with WithOTLP and
// OTEL_EXPORTER_OTLP_PROTOCOL=grpc, at an in-process OTLP/gRPC receiver
// and checks that a span, a metric and a log record arrive with their
// resource, headers and compression. The process environment holds OTLP
// variables that point elsewhere: they must have no effect.
func TestOTLPEndToEnd(t *testing.T) {
	recv := newReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-leaked=1")
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "1")

	const secret = "s3cr3t-token"
	var p tracing.Providers
	shutdown, err := tracing.Setup(context.Background(),
		grpcdiag.WithOTLP(),
		tracing.WithEnvLookup(envMap(map[string]string{
			"OTEL_EXPORTER_OTLP_PROTOCOL":           "grpc",
			"OTEL_EXPORTER_OTLP_ENDPOINT":           "http://" + recv.addr,
			"OTEL_EXPORTER_OTLP_HEADERS":            "authorization=Bearer%20" + secret,
			"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip",
			"OTEL_SERVICE_NAME":                     "grpc-e2e",
		})),
		tracing.WithoutGlobal(), tracing.WithProviders(&p))
	require.NoError(t, err)

	ctx, span := p.TracerProvider.Tracer("test").Start(context.Background(), "charge card")
	traceID := span.SpanContext().TraceID().String()
	counter, err := p.MeterProvider.Meter("test").Int64Counter("orders")
	require.NoError(t, err)
	counter.Add(ctx, 1)
	slog.New(p.LogHandler("test")).InfoContext(ctx, "charged")
	span.End()

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, shutdown(shutdownCtx))

	recv.mu.Lock()
	defer recv.mu.Unlock()
	var spans []string
	for _, req := range recv.traces {
		for _, rs := range req.GetResourceSpans() {
			assert.Equal(t, "grpc-e2e", serviceName(rs.GetResource()))
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					spans = append(spans, s.GetName())
					assert.Equal(t, traceID, hex.EncodeToString(s.GetTraceId()))
				}
			}
		}
	}
	assert.Equal(t, []string{"charge card"}, spans)

	var metrics []string
	for _, req := range recv.metrics {
		for _, rm := range req.GetResourceMetrics() {
			assert.Equal(t, "grpc-e2e", serviceName(rm.GetResource()))
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					metrics = append(metrics, m.GetName())
				}
			}
		}
	}
	assert.Equal(t, []string{"orders"}, metrics)

	var logs []string
	for _, req := range recv.logs {
		for _, rl := range req.GetResourceLogs() {
			assert.Equal(t, "grpc-e2e", serviceName(rl.GetResource()))
			for _, sl := range rl.GetScopeLogs() {
				for _, lr := range sl.GetLogRecords() {
					logs = append(logs, lr.GetBody().GetStringValue())
					assert.Equal(t, traceID, hex.EncodeToString(lr.GetTraceId()))
				}
			}
		}
	}
	assert.Equal(t, []string{"charged"}, logs)

	for _, signal := range []string{"traces", "metrics", "logs"} {
		require.NotEmpty(t, recv.md[signal], signal)
		for _, md := range recv.md[signal] {
			assert.Equal(t, []string{"Bearer " + secret}, md.Get("authorization"), signal)
			assert.Empty(t, md.Get("x-leaked"), "%s: a header from the process environment", signal)
		}
		want := ""
		if signal == "traces" {
			want = "gzip"
		}
		require.NotEmpty(t, recv.compression[signal], signal)
		for _, c := range recv.compression[signal] {
			assert.Equal(t, want, c, "%s compression", signal)
		}
	}
}

// TestOTLPMetricsTemporality sets
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE for tracing.Setup with
// WithOTLP and checks the temporality an in-process OTLP/gRPC receiver
// gets for a counter and an up-down counter. The process environment asks
// for delta: it must have no effect, since Setup reads its own lookup.
func TestOTLPMetricsTemporality(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta")
	const (
		cumulative = metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
		delta      = metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA
	)
	tests := []struct {
		name            string
		preference      string // unset when empty
		counter, upDown metricpb.AggregationTemporality
	}{
		{"default", "", cumulative, cumulative},
		{"delta", "Delta", delta, cumulative},
		{"lowmemory", "lowmemory", delta, cumulative},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := newReceiver(t)
			env := map[string]string{
				"OTEL_TRACES_EXPORTER":        "none",
				"OTEL_LOGS_EXPORTER":          "none",
				"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
				"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + recv.addr,
			}
			if tt.preference != "" {
				env["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"] = tt.preference
			}
			var p tracing.Providers
			shutdown, err := tracing.Setup(context.Background(), grpcdiag.WithOTLP(),
				tracing.WithEnvLookup(envMap(env)), tracing.WithoutGlobal(), tracing.WithProviders(&p))
			require.NoError(t, err)
			meter := p.MeterProvider.Meter("test")
			counter, err := meter.Int64Counter("orders")
			require.NoError(t, err)
			counter.Add(context.Background(), 2)
			upDown, err := meter.Int64UpDownCounter("queue.depth")
			require.NoError(t, err)
			upDown.Add(context.Background(), -1)
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, shutdown(shutdownCtx))

			recv.mu.Lock()
			defer recv.mu.Unlock()
			got := map[string]metricpb.AggregationTemporality{}
			for _, req := range recv.metrics {
				for _, rm := range req.GetResourceMetrics() {
					for _, sm := range rm.GetScopeMetrics() {
						for _, m := range sm.GetMetrics() {
							got[m.GetName()] = m.GetSum().GetAggregationTemporality()
						}
					}
				}
			}
			assert.Equal(t, map[string]metricpb.AggregationTemporality{"orders": tt.counter, "queue.depth": tt.upDown}, got)
		})
	}
}

// TestOTLPProtocolWithoutWithOTLP checks the error Setup gives when the
// protocol is grpc and grpcdiag.WithOTLP was not passed: it must say what
// to do.
func TestOTLPProtocolWithoutWithOTLP(t *testing.T) {
	_, err := tracing.Setup(context.Background(),
		tracing.WithEnvLookup(envMap(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})),
		tracing.WithoutGlobal())
	require.ErrorIs(t, err, tracing.ErrUnsupported)
	var envErr *tracing.EnvError
	require.ErrorAs(t, err, &envErr)
	assert.Equal(t, "OTEL_EXPORTER_OTLP_PROTOCOL", envErr.Var)
	assert.Contains(t, err.Error(), "grpcdiag.WithOTLP()")
	t.Logf("Setup's error: %v", err)
}

// TestOTLPSettings calls the factories directly with settings Setup would
// not pass, or that gRPC cannot use.
func TestOTLPSettings(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	const secret = "s3cr3t-value"
	tests := []struct {
		name    string
		s       tracing.OTLPSettings
		env     map[string]string
		wantErr string // "" for success
	}{
		{"http URL", tracing.OTLPSettings{Endpoint: "http://127.0.0.1:4317"}, nil, ""},
		{"https URL", tracing.OTLPSettings{Endpoint: "https://collector.example:4317/ignored/path"}, nil, ""},
		{"default endpoint", tracing.OTLPSettings{}, nil, ""},
		{"host:port, secure", tracing.OTLPSettings{Endpoint: "collector.example:4317"}, nil, ""},
		{"host:port, insecure", tracing.OTLPSettings{Endpoint: "collector.example:4317"},
			map[string]string{"OTEL_EXPORTER_OTLP_TRACES_INSECURE": "true"}, ""},
		{"gzip", tracing.OTLPSettings{Endpoint: "http://127.0.0.1:4317", Compression: "gzip"}, nil, ""},
		{"scheme", tracing.OTLPSettings{Endpoint: "ftp://collector.example:4317"}, nil, "scheme must be http or https"},
		{"no host", tracing.OTLPSettings{Endpoint: "http://"}, nil, "no host"},
		{"not host:port", tracing.OTLPSettings{Endpoint: "collector.example"}, nil, "neither a URL nor host:port"},
		{"bad INSECURE", tracing.OTLPSettings{Endpoint: "collector.example:4317"},
			map[string]string{"OTEL_EXPORTER_OTLP_INSECURE": "maybe"}, "OTEL_EXPORTER_OTLP_INSECURE"},
		{"compression", tracing.OTLPSettings{Compression: "br"}, nil, "compression"},
		{"header name", tracing.OTLPSettings{Headers: map[string]string{"bad!key": secret}}, nil, "bad!key"},
		{"reserved header name", tracing.OTLPSettings{Headers: map[string]string{"grpc-timeout": secret}}, nil, "grpc-timeout"},
		{"header value", tracing.OTLPSettings{Headers: map[string]string{"authorization": secret + "\u00e9"}}, nil, "not printable ASCII"},
		{"missing CA file", tracing.OTLPSettings{Endpoint: "https://collector.example:4317"},
			map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": filepath.Join(dir, "missing.pem")}, "OTEL_EXPORTER_OTLP_CERTIFICATE"},
		{"CA file without PEM", tracing.OTLPSettings{Endpoint: "https://collector.example:4317"},
			map[string]string{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": notPEM}, "no PEM certificate"},
		{"client certificate without key", tracing.OTLPSettings{Endpoint: "https://collector.example:4317"},
			map[string]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": notPEM}, "without OTEL_EXPORTER_OTLP_CLIENT_KEY"},
		{"bad client key pair", tracing.OTLPSettings{Endpoint: "https://collector.example:4317"},
			map[string]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": notPEM, "OTEL_EXPORTER_OTLP_CLIENT_KEY": notPEM}, "do not make a certificate and key pair"},
		{"insecure ignored for URLs", tracing.OTLPSettings{Endpoint: "https://collector.example:4317"},
			map[string]string{"OTEL_EXPORTER_OTLP_INSECURE": "maybe"}, ""},
	}
	f := grpcdiag.OTLPExporters()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.s.Signal = "traces"
			tt.s.Protocol = tracing.ProtocolGRPC
			tt.s.LookupEnv = envMap(tt.env)
			e, err := f.Traces(context.Background(), tt.s)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.NoError(t, e.Shutdown(context.Background()))
				require.NoError(t, e.Shutdown(context.Background()), "a second shutdown")
				return
			}
			require.ErrorIs(t, err, grpcdiag.ErrOTLPSettings)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), secret)
			assert.Nil(t, e)
		})
	}
	t.Run("metrics and logs", func(t *testing.T) {
		s := tracing.OTLPSettings{Signal: "metrics", Endpoint: "http://127.0.0.1:4317", LookupEnv: envMap(nil)}
		m, err := f.Metrics(context.Background(), s)
		require.NoError(t, err)
		assert.Equal(t, metricdata.CumulativeTemporality, m.Temporality(sdkmetric.InstrumentKindCounter))
		require.NoError(t, m.Shutdown(context.Background()))
		s.TemporalityPreference = "delta"
		m, err = f.Metrics(context.Background(), s)
		require.NoError(t, err)
		assert.Equal(t, metricdata.DeltaTemporality, m.Temporality(sdkmetric.InstrumentKindCounter))
		assert.Equal(t, metricdata.CumulativeTemporality, m.Temporality(sdkmetric.InstrumentKindUpDownCounter))
		require.NoError(t, m.Shutdown(context.Background()))
		s.Signal = "logs"
		l, err := f.Logs(context.Background(), s)
		require.NoError(t, err)
		require.NoError(t, l.Shutdown(context.Background()))
		s.Endpoint = "ftp://x:1"
		_, err = f.Metrics(context.Background(), s)
		require.True(t, errors.Is(err, grpcdiag.ErrOTLPSettings) && strings.Contains(err.Error(), "logs"))
		_, err = f.Logs(context.Background(), s)
		require.ErrorIs(t, err, grpcdiag.ErrOTLPSettings)
	})
}
