package grpcdiag_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/grpcdiag"
)

// A server captures every call of the health service, as a rule asks,
// into a sink that keeps the records in memory. A rule matches a call as
// "POST /pkg.Service/Method", so one pattern covers a service.
func ExampleWithCapture() {
	sink := capture.NewMemorySink(10)
	// In production the policy would come from flags (capture.WithFlags),
	// so that an operator turns capture on for a service at runtime, and
	// the sink would be a capture.AsyncSink over a file.
	captured := grpcdiag.WithCapture(sink, capture.WithPolicy(capture.Policy{
		Rules: []capture.Rule{{Pattern: "POST /grpc.health.v1.Health/", Rate: 1}},
	}))
	srv := grpc.NewServer(grpcdiag.ServerOptions(captured)...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
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

	client := healthpb.NewHealthClient(conn)
	for _, service := range []string{"", "no.such.Service"} {
		_, _ = client.Check(context.Background(), &healthpb.HealthCheckRequest{Service: service})
	}
	for _, rec := range sink.Records() {
		fmt.Println(rec.Kind, rec.Request.URL, rec.Reason, rec.GRPC.Code, rec.Response.Status, rec.Request.Body.ContentType)
	}
	// Output:
	// grpc /grpc.health.v1.Health/Check rate OK 200 application/json
	// grpc /grpc.health.v1.Health/Check rate NotFound 404 application/json
}
