// Command demo shows reprokit's story end to end in one process: two
// services on 127.0.0.1, a front that calls a back, and the requests a
// production incident is made of. It prints what each service logged and
// the trace each request made, so you can see one correlation ID and one
// trace follow a request across the hop, and hostile input being refused;
// debug logs switched on at runtime for a slice of traffic; and a failing
// request captured, redacted, and reproduced in process once the
// environment diff names what production has and the laptop lacks. It
// exits by itself.
//
//	go run ./examples/demo
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run starts the services, sends the requests and writes the story to out.
func run(ctx context.Context, out io.Writer) (err error) {
	spans := tracetest.NewInMemoryExporter()
	backTel, err := newTelemetry(ctx, "inventory", spans)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, backTel.shutdown(context.WithoutCancel(ctx))) }()
	frontTel, err := newTelemetry(ctx, "checkout", spans)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, frontTel.shutdown(context.WithoutCancel(ctx))) }()

	caps, err := newCaptures()
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, caps.close(context.WithoutCancel(ctx))) }()

	logs := newLogBook()
	dbg := newDebugging(logs.logger("admin"), productionConfig, caps.sink)
	back, err := startService(ctx, "inventory", newInventory(logs.logger("inventory"), backTel, dbg))
	if err != nil {
		return err
	}
	defer back.stop()
	front, err := startService(ctx, "checkout", newCheckout(logs.logger("checkout"), back.url, frontTel, dbg))
	if err != nil {
		return err
	}
	defer front.stop()

	failed := 0
	fmt.Fprintf(out, "reprokit demo: checkout (%s) calls inventory (%s)\n", front.url, back.url)
	all := scenarios()
	fmt.Fprintf(out, "\nPart 1: one ID and one trace per request, whatever the caller sends\n")
	for i, sc := range append(all, debugScenarios(dbg)...) {
		if i == len(all) {
			fmt.Fprintf(out, "\nPart 2: debug logs for a slice of live traffic, switched at runtime, kept only when the request fails\n")
		}
		fmt.Fprintf(out, "\n%d. %s\n", i+1, sc.title)
		if sc.before != nil {
			logs.reset()
			notes, err := sc.before(ctx, front.url)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.title, err)
			}
			for _, n := range notes {
				fmt.Fprintf(out, "   operator  %s\n", n)
			}
			for _, l := range logs.lines() {
				if l.service == "admin" {
					fmt.Fprintf(out, "   %-9s %s\n", l.service, l.text)
				}
			}
			if err := errors.Join(frontTel.flush(ctx), backTel.flush(ctx)); err != nil {
				return err
			}
		}
		logs.reset()
		spans.Reset()
		res, err := sc.send(ctx, front.url)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.title, err)
		}
		if err := errors.Join(frontTel.flush(ctx), backTel.flush(ctx)); err != nil {
			return fmt.Errorf("%s: flushing spans: %w", sc.title, err)
		}
		fmt.Fprintf(out, "   sent      X-Request-ID: %s\n", sc.describe())
		if sc.sku != "" {
			fmt.Fprintf(out, "             sku: %s\n", sc.sku)
		}
		if sc.token != nil {
			fmt.Fprintf(out, "             X-Debug-Token: (a signed token, not shown)\n")
		}
		if sc.traceparent != "" {
			fmt.Fprintf(out, "             traceparent: %s\n", sc.traceparent)
		}
		fmt.Fprintf(out, "   response  %s, X-Request-ID: %s\n", res.status, res.id)
		lines := logs.lines()
		for _, l := range lines {
			fmt.Fprintf(out, "   %-9s %s\n", l.service, l.text)
		}
		stubs := spans.GetSpans()
		if chain, _, err := describeTrace(stubs); err == nil {
			fmt.Fprintf(out, "   trace     %s\n", chain)
		}
		verdict, ok := sc.verdict(res, lines, stubs)
		if !ok {
			failed++
		}
		fmt.Fprintf(out, "   → %s\n", verdict)
	}
	if failed > 0 {
		return fmt.Errorf("%d scenarios did not go as the demo expects", failed)
	}

	fmt.Fprintf(out, "\nPart 3: the failing request, captured and redacted in production, reproduced on a laptop\n")
	logs.reset()
	return reproduce(ctx, out, len(all)+len(debugScenarios(dbg))+1, front.url, caps, newLaptop(logs, backTel))
}
