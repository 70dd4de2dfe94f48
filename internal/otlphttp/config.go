package otlphttp

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// DefaultTimeout bounds one export, retries included, when [Config.Timeout]
// is zero.
const DefaultTimeout = 10 * time.Second

// UserAgent is the User-Agent header sent with every export unless
// [Config.Headers] sets one.
const UserAgent = "reprokit-otlp/0"

// Compression values accepted by [Config.Compression].
const (
	CompressionNone = "none"
	CompressionGzip = "gzip"
)

// Config configures one exporter. It is read once by the constructor; later
// changes to it, or to its Headers map, have no effect.
//
// Config never prints its header values: String, GoString and LogValue show
// the header names only, and the endpoint without its password.
type Config struct {
	// Endpoint is the full URL of the signal's endpoint, for example
	// "http://localhost:4318/v1/traces". It is required and must use the
	// http or https scheme. Surrounding white space is ignored; nothing is
	// appended to its path.
	Endpoint string

	// Headers are sent with every export (OTEL_EXPORTER_OTLP_HEADERS). They
	// may hold API keys, so they are never logged, never put in an error and
	// are redacted from any response text quoted in an error. A header here
	// replaces the default User-Agent; Content-Type, Content-Encoding,
	// Content-Length, Transfer-Encoding, Host and Connection are the
	// exporter's own and ignored here. If nil, no extra header is sent.
	Headers map[string]string

	// Timeout bounds one call of Export: every attempt and every wait
	// between attempts. The caller's context deadline applies as well,
	// whichever is sooner. If zero, DefaultTimeout is used; it must not be
	// negative.
	Timeout time.Duration

	// Compression is "" or "none" to send the body as is, or "gzip".
	// Case is ignored.
	Compression string

	// Temporality chooses the temporality of each instrument kind for the
	// metric exporter (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE);
	// the trace and log exporters ignore it. If nil, every kind is
	// cumulative.
	Temporality sdkmetric.TemporalitySelector

	// Client sends the requests. If nil, the exporter uses a client of its
	// own (a clone of http.DefaultTransport that follows redirects only
	// within the endpoint's scheme and host) and closes its idle
	// connections on Shutdown. A Client given here is used as is and left
	// open.
	Client *http.Client
}

// settings is a validated Config.
type settings struct {
	endpoint  string // as given, used for requests
	display   string // scheme://host/path, for error messages
	header    http.Header
	secrets   []string // header values to redact from quoted response text
	timeout   time.Duration
	gzip      bool
	client    *http.Client
	ownClient bool
}

// newSettings validates cfg. Each error names the Config field at fault and
// never quotes a header value or the endpoint's user information.
func newSettings(cfg Config) (settings, error) {
	var s settings
	var errs []error

	endpoint := strings.TrimSpace(cfg.Endpoint)
	u, err := parseEndpoint(endpoint)
	if err != nil {
		errs = append(errs, err)
	} else {
		s.endpoint = endpoint
		s.display = displayURL(u)
	}

	s.header, s.secrets, err = buildHeader(cfg.Headers)
	if err != nil {
		errs = append(errs, err)
	}

	switch {
	case cfg.Timeout < 0:
		errs = append(errs, fmt.Errorf("otlphttp: Config.Timeout: must not be negative, got %v", cfg.Timeout))
	case cfg.Timeout == 0:
		s.timeout = DefaultTimeout
	default:
		s.timeout = cfg.Timeout
	}

	switch strings.ToLower(strings.TrimSpace(cfg.Compression)) {
	case "", CompressionNone:
	case CompressionGzip:
		s.gzip = true
	default:
		errs = append(errs, fmt.Errorf("otlphttp: Config.Compression: unknown value %q (want %q, %q or empty)",
			truncateForError(cfg.Compression), CompressionNone, CompressionGzip))
	}

	if err := errors.Join(errs...); err != nil {
		return settings{}, err
	}
	if cfg.Client != nil {
		s.client = cfg.Client
	} else {
		s.client = newOwnClient(u)
		s.ownClient = true
	}
	return s, nil
}

func parseEndpoint(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("otlphttp: Config.Endpoint: required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes the whole input, which may hold a password;
		// keep only the reason.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("otlphttp: Config.Endpoint: not a valid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("otlphttp: Config.Endpoint: scheme must be http or https, got %q", truncateForError(u.Scheme))
	}
	if u.Host == "" {
		return nil, errors.New("otlphttp: Config.Endpoint: no host")
	}
	return u, nil
}

// displayURL returns u without user information, query or fragment.
func displayURL(u *url.URL) string {
	d := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return d.String()
}

// buildHeader validates and canonicalises the configured headers and
// returns the values to redact from response text.
func buildHeader(h map[string]string) (http.Header, []string, error) {
	out := make(http.Header, len(h)+1)
	out.Set("User-Agent", UserAgent)
	var secrets []string
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(h)) {
		value := h[name]
		if !validHeaderName(name) {
			errs = append(errs, fmt.Errorf("otlphttp: Config.Headers: invalid header name %q", truncateForError(name)))
			continue
		}
		if !validHeaderValue(value) {
			// Never quote the value: it may be a key.
			errs = append(errs, fmt.Errorf("otlphttp: Config.Headers[%q]: value holds characters not allowed in a header", name))
			continue
		}
		if reservedHeader(name) {
			continue
		}
		out.Set(name, strings.TrimSpace(value))
		secrets = append(secrets, secretParts(value)...)
	}
	return out, secrets, errors.Join(errs...)
}

// reservedHeader reports whether a header is the exporter's own to set
// (body framing and encoding), so a configured value is ignored.
func reservedHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Content-Type", "Content-Encoding", "Content-Length", "Transfer-Encoding", "Host", "Connection":
		return true
	}
	return false
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v holds no control character other
// than horizontal tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// truncateForError keeps at most 64 bytes of an invalid config value quoted
// in an error.
func truncateForError(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}

// String describes c without header values or the endpoint's password.
func (c Config) String() string {
	names := slices.Sorted(maps.Keys(c.Headers))
	return fmt.Sprintf("otlphttp.Config{Endpoint: %q, Headers: %v (values redacted), Timeout: %v, Compression: %q, Client: %t}",
		redactEndpoint(c.Endpoint), names, c.Timeout, c.Compression, c.Client != nil)
}

// GoString is String, so that %#v redacts too.
func (c Config) GoString() string { return c.String() }

// LogValue implements [slog.LogValuer] without header values.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("endpoint", redactEndpoint(c.Endpoint)),
		slog.Any("header_names", slices.Sorted(maps.Keys(c.Headers))),
		slog.Duration("timeout", c.Timeout),
		slog.String("compression", c.Compression),
	)
}

func redactEndpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid>"
	}
	return displayURL(u)
}
