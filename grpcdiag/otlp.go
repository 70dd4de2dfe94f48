package grpcdiag

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/tracing"
)

// ErrOTLPSettings is wrapped by the errors of the OTLP exporter factories
// when the settings cannot make a gRPC exporter.
var ErrOTLPSettings = errors.New("grpcdiag: OTLP settings unusable over gRPC")

// otlpUserAgent is the user agent of the exporters' connections.
const otlpUserAgent = "reprokit-grpcdiag-otlp-exporter"

// WithOTLP returns the option of [tracing.Setup] that makes "grpc" a value
// of OTEL_EXPORTER_OTLP_PROTOCOL (and of its per-signal forms), exporting
// traces, metrics and logs over OTLP/gRPC with the exporters of
// [OTLPExporters]:
//
//	shutdown, err := tracing.Setup(ctx, grpcdiag.WithOTLP())
//
// The variable still chooses: without OTEL_EXPORTER_OTLP_PROTOCOL=grpc
// the default, http/protobuf, is used.
func WithOTLP() tracing.SetupOption {
	return tracing.WithOTLPProtocol(tracing.ProtocolGRPC, OTLPExporters())
}

// OTLPExporters returns the factories of the OTLP/gRPC exporters, for
// [tracing.WithOTLPProtocol]; [WithOTLP] is the shorthand.
//
// Each exporter has a connection of its own, closed when the exporter is
// shut down, made from the [tracing.OTLPSettings] Setup passes:
//
//   - Endpoint: a URL whose scheme decides the transport security, http
//     for none and https for TLS, and whose host[:port] is dialled (its
//     path is ignored: gRPC has no paths); or a bare host:port, secured
//     unless OTEL_EXPORTER_OTLP_INSECURE (or the per-signal
//     OTEL_EXPORTER_OTLP_TRACES_INSECURE, …) is "true".
//   - Headers: sent as gRPC metadata with every export. Their names must
//     be valid gRPC metadata keys and their values printable ASCII.
//   - Timeout bounds each export; Compression "gzip" compresses them.
//   - With TLS, OTEL_EXPORTER_OTLP_CERTIFICATE names a PEM file of the
//     root certificates to trust instead of the system's, and
//     OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and
//     OTEL_EXPORTER_OTLP_CLIENT_KEY a client certificate and its key, each
//     also per signal.
//
// These variables are read through OTLPSettings.LookupEnv, so
// tracing.WithEnvLookup governs them too. Every setting is passed to the
// OpenTelemetry exporters explicitly, so the OTEL_EXPORTER_OTLP_* variables
// they would read from the process environment on their own have no
// effect. The metric exporter uses the temporality of
// [tracing.OTLPSettings.TemporalitySelector], which Setup reads from
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (cumulative unless it
// says delta or lowmemory), and the SDK's default aggregation. A factory that cannot use its settings returns an error
// wrapping [ErrOTLPSettings] that never shows a header's value.
func OTLPExporters() tracing.OTLPExporters {
	return tracing.OTLPExporters{
		Traces:  newOTLPTraceExporter,
		Metrics: newOTLPMetricExporter,
		Logs:    newOTLPLogExporter,
	}
}

func newOTLPTraceExporter(ctx context.Context, s tracing.OTLPSettings) (sdktrace.SpanExporter, error) {
	conn, err := dialOTLP(s)
	if err != nil {
		return nil, err
	}
	e, err := otlptracegrpc.New(ctx,
		otlptracegrpc.WithGRPCConn(conn),
		otlptracegrpc.WithHeaders(s.Headers),
		otlptracegrpc.WithTimeout(otlpTimeout(s)))
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("grpcdiag: OTLP span exporter: %w", err)
	}
	return &otlpTraceExporter{Exporter: e, conn: conn}, nil
}

func newOTLPMetricExporter(ctx context.Context, s tracing.OTLPSettings) (sdkmetric.Exporter, error) {
	conn, err := dialOTLP(s)
	if err != nil {
		return nil, err
	}
	e, err := otlpmetricgrpc.New(ctx,
		otlpmetricgrpc.WithGRPCConn(conn),
		otlpmetricgrpc.WithHeaders(s.Headers),
		otlpmetricgrpc.WithTimeout(otlpTimeout(s)),
		otlpmetricgrpc.WithTemporalitySelector(s.TemporalitySelector()),
		otlpmetricgrpc.WithAggregationSelector(sdkmetric.DefaultAggregationSelector))
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("grpcdiag: OTLP metric exporter: %w", err)
	}
	return &otlpMetricExporter{Exporter: e, conn: conn}, nil
}

func newOTLPLogExporter(ctx context.Context, s tracing.OTLPSettings) (sdklog.Exporter, error) {
	conn, err := dialOTLP(s)
	if err != nil {
		return nil, err
	}
	e, err := otlploggrpc.New(ctx,
		otlploggrpc.WithGRPCConn(conn),
		otlploggrpc.WithHeaders(s.Headers),
		otlploggrpc.WithTimeout(otlpTimeout(s)))
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("grpcdiag: OTLP log exporter: %w", err)
	}
	return &otlpLogExporter{Exporter: e, conn: conn}, nil
}

// The exporters close the connection they were given when they are shut
// down, which the OpenTelemetry exporters leave to whoever made it.
type (
	otlpTraceExporter struct {
		*otlptrace.Exporter
		conn *grpc.ClientConn
	}
	otlpMetricExporter struct {
		*otlpmetricgrpc.Exporter
		conn *grpc.ClientConn
	}
	otlpLogExporter struct {
		*otlploggrpc.Exporter
		conn *grpc.ClientConn
	}
)

var (
	_ sdktrace.SpanExporter = (*otlpTraceExporter)(nil)
	_ sdkmetric.Exporter    = (*otlpMetricExporter)(nil)
	_ sdklog.Exporter       = (*otlpLogExporter)(nil)
)

// Shutdown shuts the exporter down, then closes its connection.
func (e *otlpTraceExporter) Shutdown(ctx context.Context) error {
	return errors.Join(e.Exporter.Shutdown(ctx), closeConn(e.conn))
}

// Shutdown shuts the exporter down, then closes its connection.
func (e *otlpMetricExporter) Shutdown(ctx context.Context) error {
	return errors.Join(e.Exporter.Shutdown(ctx), closeConn(e.conn))
}

// Shutdown shuts the exporter down, then closes its connection.
func (e *otlpLogExporter) Shutdown(ctx context.Context) error {
	return errors.Join(e.Exporter.Shutdown(ctx), closeConn(e.conn))
}

// closeConn closes conn; closing it twice, as a second Shutdown does, is
// not an error.
func closeConn(conn *grpc.ClientConn) error {
	if err := conn.Close(); err != nil && status.Code(err) != codes.Canceled {
		return err
	}
	return nil
}

func otlpTimeout(s tracing.OTLPSettings) time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return tracing.DefaultOTLPTimeout
}

// dialOTLP makes the connection of one exporter. It does not connect:
// gRPC does on the first export.
func dialOTLP(s tracing.OTLPSettings) (*grpc.ClientConn, error) {
	target, secure, err := otlpTarget(s)
	if err != nil {
		return nil, err
	}
	if err := checkOTLPHeaders(s.Headers); err != nil {
		return nil, err
	}
	creds := insecure.NewCredentials()
	if secure {
		tlsCfg, err := otlpTLS(s)
		if err != nil {
			return nil, err
		}
		creds = credentials.NewTLS(tlsCfg)
	}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithUserAgent(otlpUserAgent),
	}
	switch s.Compression {
	case "gzip":
		opts = append(opts, grpc.WithDefaultCallOptions(grpc.UseCompressor(gzip.Name)))
	case "", "none":
	default:
		return nil, fmt.Errorf("%w: %s: compression %q: want gzip or none", ErrOTLPSettings, s.Signal, s.Compression)
	}
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: endpoint: %v", ErrOTLPSettings, s.Signal, err)
	}
	return conn, nil
}

// otlpTarget returns the gRPC target of the settings' endpoint and whether
// the connection is secured.
func otlpTarget(s tracing.OTLPSettings) (target string, secure bool, err error) {
	endpoint := s.Endpoint
	if endpoint == "" {
		endpoint = tracing.DefaultOTLPGRPCEndpoint
	}
	if strings.Contains(endpoint, "://") {
		u, perr := url.Parse(endpoint)
		switch {
		case perr != nil:
			return "", false, fmt.Errorf("%w: %s: the endpoint is not a valid URL", ErrOTLPSettings, s.Signal)
		case u.Scheme != "http" && u.Scheme != "https":
			return "", false, fmt.Errorf("%w: %s: the endpoint's scheme must be http or https", ErrOTLPSettings, s.Signal)
		case u.Host == "":
			return "", false, fmt.Errorf("%w: %s: the endpoint has no host", ErrOTLPSettings, s.Signal)
		}
		return u.Host, u.Scheme == "https", nil
	}
	if _, _, err := net.SplitHostPort(endpoint); err != nil {
		return "", false, fmt.Errorf("%w: %s: the endpoint is neither a URL nor host:port", ErrOTLPSettings, s.Signal)
	}
	insecure, name, err := otlpBool(s, "INSECURE")
	if err != nil {
		return "", false, fmt.Errorf("%w: %s: %s: want true or false", ErrOTLPSettings, s.Signal, name)
	}
	return endpoint, !insecure, nil
}

// otlpVar reads the per-signal form of an OTLP variable, else the general
// one, through the settings' lookup, and returns the value and the name
// it came from.
func otlpVar(s tracing.OTLPSettings, suffix string) (value, name string, ok bool) {
	lookup := s.LookupEnv
	if lookup == nil {
		return "", "", false
	}
	if s.Signal != "" {
		name = "OTEL_EXPORTER_OTLP_" + strings.ToUpper(s.Signal) + "_" + suffix
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), name, true
		}
	}
	name = "OTEL_EXPORTER_OTLP_" + suffix
	if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v), name, true
	}
	return "", name, false
}

func otlpBool(s tracing.OTLPSettings, suffix string) (value bool, name string, err error) {
	v, name, ok := otlpVar(s, suffix)
	if !ok {
		return false, name, nil
	}
	switch strings.ToLower(v) {
	case "true":
		return true, name, nil
	case "false":
		return false, name, nil
	}
	return false, name, ErrOTLPSettings
}

// otlpTLS returns the TLS configuration of a secured connection.
func otlpTLS(s tracing.OTLPSettings) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if file, name, ok := otlpVar(s, "CERTIFICATE"); ok {
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %s: %v", ErrOTLPSettings, s.Signal, name, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: %s: %s: no PEM certificate in the file", ErrOTLPSettings, s.Signal, name)
		}
		cfg.RootCAs = pool
	}
	certFile, certName, hasCert := otlpVar(s, "CLIENT_CERTIFICATE")
	keyFile, keyName, hasKey := otlpVar(s, "CLIENT_KEY")
	switch {
	case hasCert && hasKey:
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			// The error may quote the key file's content: not shown.
			return nil, fmt.Errorf("%w: %s: %s and %s do not make a certificate and key pair", ErrOTLPSettings, s.Signal, certName, keyName)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case hasCert:
		return nil, fmt.Errorf("%w: %s: %s is set without %s", ErrOTLPSettings, s.Signal, certName, keyName)
	case hasKey:
		return nil, fmt.Errorf("%w: %s: %s is set without %s", ErrOTLPSettings, s.Signal, keyName, certName)
	}
	return cfg, nil
}

// checkOTLPHeaders checks that gRPC can send the headers: names that are
// valid metadata keys, not reserved, for text values, and values of
// printable ASCII. Values, which hold credentials, are never shown.
func checkOTLPHeaders(h map[string]string) error {
	for k, v := range h {
		key, ok := metadataKey(k)
		if !ok {
			return fmt.Errorf("%w: header %q is not a valid gRPC metadata key for a text value", ErrOTLPSettings, clean(k, maxNameLen))
		}
		if !sendable(v) {
			return fmt.Errorf("%w: the value of header %q is not printable ASCII (it is not shown: it may be a secret)", ErrOTLPSettings, key)
		}
	}
	return nil
}
