package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/reprokit/reprokit/capture"
)

// The customer's secrets in the request of Part 3: none may reach a
// record.
const (
	customerCard    = "4242 4242 4242 4242"
	customerSession = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXN0LTgxIn0.Zm9vYmFyYmF6cXV4"
)

// reproduce is Part 3: a failing checkout is captured by both services,
// redacted; on the "laptop", the inventory record is replayed in process
// against the same code with the laptop's configuration, which does not
// reproduce it; the environment diff names the flag production has; with
// it set, the replay reproduces the failure.
func reproduce(ctx context.Context, out io.Writer, step int, front string, caps *captures, laptop *laptop) error {
	const id = "order-3001"
	fmt.Fprintf(out, "\n%d. A customer's checkout fails in production; both services capture it (capture.on_failure is on there)\n", step)
	body := `{"card":"` + customerCard + `"}`
	req, err := http.NewRequestWithContext(ctx, "POST", front+"/checkout?sku=B-13", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Request-ID", id)
	req.Header.Set("Authorization", "Bearer "+customerSession)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	fmt.Fprintf(out, "   sent      POST /checkout?sku=B-13, X-Request-ID: %s\n", id)
	fmt.Fprintf(out, "             Authorization: Bearer (the customer's session token), body {\"card\":\"(a card number)\"}\n")
	fmt.Fprintf(out, "   response  %s\n", resp.Status)

	recs, err := caps.await(ctx, id, 2)
	if err != nil {
		return err
	}
	var inventory *capture.Record
	for _, rec := range recs {
		svc := "checkout"
		if strings.HasPrefix(rec.Request.URL, "/reserve") {
			svc, inventory = "inventory", rec
		}
		fmt.Fprintf(out, "   record    %-9s %s %s → %d (%s), env %s\n", svc, rec.Request.Method, rec.Request.URL, rec.Response.Status, rec.Reason, rec.EnvID)
		for _, name := range []string{"Authorization", "X-Api-Key"} {
			if v := rec.Request.Header.Get(name); v != "" {
				fmt.Fprintf(out, "             %s: %s\n", name, v)
			}
		}
		if body := rec.Request.Body.String(); body != "" {
			fmt.Fprintf(out, "             request body: %s\n", body)
		}
	}
	if inventory == nil {
		return errors.New("inventory's record is missing")
	}
	raw, err := os.ReadFile(caps.path)
	if err != nil {
		return err
	}
	for _, secret := range []string{customerCard, "4242424242424242", customerSession[:20], inventoryAPIKey} {
		if strings.Contains(string(raw), secret) {
			fmt.Fprintf(out, "   → UNEXPECTED: a secret is in the capture file\n")
			return errors.New("a secret reached the capture file")
		}
	}
	st, err := os.Stat(caps.path)
	if err != nil {
		return err
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		return fmt.Errorf("the capture file has mode %o, want 0600", perm)
	}
	fmt.Fprintf(out, "   → the card number, the session token and the API key are in no record; the file is mode %o\n", st.Mode().Perm())

	step++
	fmt.Fprintf(out, "\n%d. On a laptop: the inventory record replayed in process, against the same code with the laptop's configuration\n", step)
	res, err := capture.Replay(ctx, inventory, capture.HandlerTarget(laptop.inventory), capture.WithEnv(laptop.env))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   replay    recorded %d, replayed %d: ", inventory.Response.Status, res.Status)
	if res.Diff.Equal() {
		fmt.Fprintf(out, "UNEXPECTED: reproduced without production's flags\n")
		return errors.New("the failure reproduced on the laptop's configuration")
	}
	fmt.Fprintf(out, "not reproduced\n")
	if res.Env == nil {
		return errors.New("the record carries no environment")
	}
	var report strings.Builder
	if err := res.Env.Format(&report, "production", "laptop"); err != nil {
		return err
	}
	fmt.Fprintf(out, "   env diff  production vs laptop:\n")
	for _, line := range strings.Split(strings.TrimRight(report.String(), "\n"), "\n") {
		fmt.Fprintf(out, "             %s\n", line)
	}
	if !strings.Contains(report.String(), strictWarehouse.Name()) {
		return errors.New("the environment diff does not name the flag")
	}
	fmt.Fprintf(out, "   → the laptop lacks production's %s=true\n", strictWarehouse.Name())

	step++
	fmt.Fprintf(out, "\n%d. The laptop sets %s=true as production has it, and replays again\n", step, strictWarehouse.Name())
	if err := laptop.dbg.flags.Override(strictWarehouse.Name(), true, time.Hour, "laptop"); err != nil {
		return err
	}
	res, err = capture.Replay(ctx, inventory, capture.HandlerTarget(laptop.inventory), capture.WithEnv(laptop.env))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   replay    recorded %d, replayed %d: ", inventory.Response.Status, res.Status)
	if !res.Diff.Equal() {
		fmt.Fprintf(out, "UNEXPECTED: still differs:\n%s\n", res.Diff.String())
		return errors.New("the failure did not reproduce with production's flags")
	}
	fmt.Fprintf(out, "reproduced: the same status and body as in production\n")
	fmt.Fprintf(out, "   → keep it as a regression test: capturetest.Replay(t, handler, rec) fails until the bug is fixed\n")
	return nil
}

// laptop is the inventory service as an engineer runs it locally: the
// same code, the laptop's configuration (no production config: every
// flag at its default), nothing captured.
type laptop struct {
	dbg       *debugging
	inventory http.Handler
	env       func() *capture.Env
}

func newLaptop(logs *logBook, tel *telemetry) *laptop {
	discard := capture.SinkFunc(func(context.Context, *capture.Record) error { return nil })
	dbg := newDebugging(logs.logger("laptop"), nil, discard)
	return &laptop{
		dbg:       dbg,
		inventory: newInventory(logs.logger("laptop"), tel, dbg),
		env:       dbg.env,
	}
}
