package grpcdiag_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/grpcdiag"
)

// lookupHealth answers health checks after a lookup that fails for the
// service "db", logging a debug line at its decision point.
type lookupHealth struct {
	healthpb.UnimplementedHealthServer
	logger *slog.Logger
}

func (h lookupHealth) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	h.logger.DebugContext(ctx, "looking up", "service", req.GetService())
	if req.GetService() == "db" {
		h.logger.ErrorContext(ctx, "lookup failed", "service", req.GetService())
		return nil, status.Error(codes.Internal, "lookup failed")
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// A server buffers the debug lines of every call and writes them only for
// the calls that fail: the failing call's line comes after its error,
// marked debug_buffered=true, and the successful call's is dropped. The
// logger stays at Info, as in production.
func ExampleWithDebugSample() {
	logger := slog.New(debugsample.NewLogHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable output
			}
			return a
		},
	})))

	// In production the policy would come from flags (debugsample.WithFlags),
	// at a rate well below 1.
	debug := grpcdiag.WithDebugSample(debugsample.WithPolicy(debugsample.Policy{BufferedRate: 1}))
	srv := grpc.NewServer(grpcdiag.ServerOptions(debug)...)
	healthpb.RegisterHealthServer(srv, lookupHealth{logger: logger})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(lis) // returns when srv stops
	defer srv.Stop()

	conn, err := grpc.NewClient(lis.Addr().String(),
		append(grpcdiag.DialOptions(debug), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	client := healthpb.NewHealthClient(conn)
	for _, service := range []string{"web", "db"} {
		_, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{Service: service})
		fmt.Printf("%s: %v\n", service, status.Code(err))
	}
	// Output:
	// web: OK
	// level=ERROR msg="lookup failed" service=db
	// level=DEBUG msg="looking up" service=db debug_buffered=true
	// db: Internal
}
