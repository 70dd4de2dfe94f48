package grpcdiag_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/grpcdiag"
)

// exampleHealth answers health checks, logging each with its context.
type exampleHealth struct {
	healthpb.UnimplementedHealthServer
	logger *slog.Logger
}

func (h exampleHealth) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	h.logger.InfoContext(ctx, "health check")
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// A client whose context carries a correlation ID calls a server: the
// handler's log line and the response header carry the same ID.
func Example() {
	// Log lines without their time, so the output is stable.
	logger := slog.New(correlation.NewLogHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))

	srv := grpc.NewServer(grpcdiag.ServerOptions()...)
	healthpb.RegisterHealthServer(srv, exampleHealth{logger: logger})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(lis) // returns when srv stops
	defer srv.Stop()

	conn, err := grpc.NewClient(lis.Addr().String(),
		append(grpcdiag.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	// In a service, ctx would be the context of the request being served.
	ctx := correlation.NewContext(context.Background(), "req-42")
	var header metadata.MD
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Header(&header))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("echoed:", header.Get(grpcdiag.DefaultMetadataKey))
	// Output:
	// level=INFO msg="health check" correlation_id=req-42
	// echoed: [req-42]
}
