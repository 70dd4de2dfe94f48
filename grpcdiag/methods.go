package grpcdiag

import (
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"google.golang.org/grpc/codes"
)

// maxMethods caps the methods one interceptor keeps metric series for.
// Past it, a method not yet seen is recorded under rpc.service and
// rpc.method "_OTHER", so a client that calls made-up method names
// through a grpc.UnknownServiceHandler cannot make the series grow
// without bound: at most maxMethods+1 methods times 17 status codes.
const maxMethods = 1024

// otherMethod is the value of rpc.service and rpc.method in the metrics of
// a method past the cap, or whose name is malformed.
const otherMethod = "_OTHER"

// maxCode is the highest status code gRPC defines. A peer can send any
// number; higher ones count as Unknown in the metrics.
const maxCode = codes.Unauthenticated

// method is what the interceptors know of one full method name, such as
// "/grpc.health.v1.Health/Check". It is read-only once built, but for the
// lazily built metric options of its series.
type method struct {
	name   string               // span name: "grpc.health.v1.Health/Check"
	attrs  []attribute.KeyValue // rpc.service and rpc.method, or none if malformed
	series *series              // metric attributes; shared "_OTHER" if not kept
}

// series holds the metric record options of one method, one per status
// code, each built on first use. It is safe for concurrent use.
type series struct {
	service, method string
	opts            [maxCode + 1]atomic.Pointer[[]metric.RecordOption]
}

var rpcSystemGRPC = semconv.RPCSystemGRPC

// options returns the record options for a call that ended with code.
func (s *series) options(code codes.Code) []metric.RecordOption {
	if code > maxCode {
		code = codes.Unknown
	}
	if p := s.opts[code].Load(); p != nil {
		return *p
	}
	opts := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(
		rpcSystemGRPC,
		semconv.RPCServiceKey.String(s.service),
		semconv.RPCMethodKey.String(s.method),
		semconv.RPCGRPCStatusCodeKey.Int(int(code)),
	))}
	s.opts[code].CompareAndSwap(nil, &opts)
	return *s.opts[code].Load()
}

// methodTable maps full method names to what is known of them, for at most
// maxMethods names. It is safe for concurrent use.
type methodTable struct {
	other *series

	mu      sync.RWMutex // guards methods
	methods map[string]*method
}

func newMethodTable() *methodTable {
	return &methodTable{
		other:   &series{service: otherMethod, method: otherMethod},
		methods: make(map[string]*method),
	}
}

// lookup returns what is known of fullMethod, making it on first sight. A
// well-formed name is kept until the table is full; a malformed one, or one
// past the cap, is made again for every call and recorded as "_OTHER".
func (t *methodTable) lookup(fullMethod string) *method {
	t.mu.RLock()
	m, ok := t.methods[fullMethod]
	t.mu.RUnlock()
	if ok {
		return m
	}
	m, wellFormed := parseMethod(fullMethod)
	if !wellFormed {
		m.series = t.other
		return m
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if kept, ok := t.methods[fullMethod]; ok {
		return kept
	}
	if len(t.methods) >= maxMethods {
		m.series = t.other
		return m
	}
	// Kept for the life of the interceptor: refer to a copy, not to the
	// memory of the call that brought the name.
	key := strings.Clone(fullMethod)
	m, _ = parseMethod(key)
	m.series = &series{service: m.attrs[0].Value.AsString(), method: m.attrs[1].Value.AsString()}
	t.methods[key] = m
	return m
}

// parseMethod splits a full method name, "/{package.Service}/{Method}",
// at its last slash, as the gRPC server does, into the span name and the
// rpc.service and rpc.method attributes, every value cleaned. wellFormed
// reports whether the name is one a metric series may be kept for: both
// parts present, of printable ASCII and within the length cap.
func parseMethod(fullMethod string) (m *method, wellFormed bool) {
	name := strings.TrimPrefix(fullMethod, "/")
	i := strings.LastIndexByte(name, '/')
	if i <= 0 || i == len(name)-1 {
		// Not service/method: name the span after what there is.
		name = clean(name, 2*maxNameLen)
		if name == "" {
			name = "grpc"
		}
		return &method{name: name}, false
	}
	service, meth := name[:i], name[i+1:]
	wellFormed = len(fullMethod) > 0 && fullMethod[0] == '/' &&
		len(service) <= maxNameLen && len(meth) <= maxNameLen &&
		printable(service) && printable(meth)
	if !wellFormed {
		service, meth = clean(service, maxNameLen), clean(meth, maxNameLen)
		name = service + "/" + meth
	}
	return &method{
		name: name,
		attrs: []attribute.KeyValue{
			semconv.RPCServiceKey.String(service),
			semconv.RPCMethodKey.String(meth),
		},
	}, wellFormed
}

// printable reports whether s is made of printable ASCII other than space.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
