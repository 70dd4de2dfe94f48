package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/reprokit/reprokit/debugsample"
)

// debugScenarios are the second part of the story: debug logs for a slice
// of live traffic, switched at runtime, kept only when the request fails.
func debugScenarios(d *debugging) []scenario {
	return []scenario{
		{
			title:  "Debug sampling is off (the default): a failing request logs its info and error lines, no debug",
			header: "order-2001",
			sku:    "B-13",
			check:  expectDebug(http.StatusBadGateway, debugNone),
		},
		{
			title:  "An operator sets debug.buffered_rate=1 for 10 minutes through the admin endpoint; a request that succeeds drops its debug lines",
			header: "order-2002",
			sku:    "A-42",
			before: func(ctx context.Context, front string) ([]string, error) {
				denied, err := adminCall(ctx, front, "POST", "Bearer guess", `{"name":"debug.buffered_rate","value":1,"ttl":"10m"}`)
				if err != nil {
					return nil, err
				}
				allowed, err := adminCall(ctx, front, "POST", "Bearer "+adminToken, `{"name":"debug.buffered_rate","value":1,"ttl":"10m"}`)
				return []string{"without the operator's token: " + denied, "with it: " + allowed}, err
			},
			check: expectDebug(http.StatusOK, debugNone),
		},
		{
			title:  "Same setting, the failing request: its debug lines are flushed after its error, in both services",
			header: "order-2003",
			sku:    "B-13",
			check:  expectDebug(http.StatusBadGateway, debugBuffered),
		},
		{
			title:  "The override is cleared; a request carrying a debug token minted by the demo is logged live",
			header: "order-2004",
			sku:    "A-42",
			before: func(ctx context.Context, front string) ([]string, error) {
				cleared, err := adminCall(ctx, front, "DELETE", "Bearer "+adminToken, "")
				return []string{"DELETE debug.buffered_rate: " + cleared}, err
			},
			token: func() (string, error) { return debugsample.NewToken(d.tokenKey, 5*time.Minute, "*") },
			check: expectDebug(http.StatusOK, debugLive),
		},
		{
			title:  "A forged debug token is ignored and counted",
			header: "order-2005",
			sku:    "A-42",
			token: func() (string, error) {
				return debugsample.NewToken([]byte("not-the-service-key-0123456789ab"), 5*time.Minute, "*")
			},
			check: func(res result, lines []logLine) (string, bool) {
				if line, ok := expectDebug(http.StatusOK, debugNone)(res, lines); !ok {
					return line, ok
				}
				if n := d.stats.TokensRefused(debugsample.TokenForged); n != 1 {
					return fmt.Sprintf("UNEXPECTED: %d forged tokens counted, want 1", n), false
				}
				return "no debug line; the forged token is counted (tokens refused as forged: 1), never logged", true
			},
		},
	}
}

// adminCall sends one request to checkout's flag admin endpoint and
// describes the answer.
func adminCall(ctx context.Context, front, method, auth, body string) (string, error) {
	url := front + "/admin/flags"
	if method == "DELETE" {
		url += "?name=debug.buffered_rate"
	}
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var answer bytes.Buffer
	_, _ = answer.ReadFrom(http.MaxBytesReader(nil, resp.Body, 4096))
	text := strings.TrimSpace(answer.String())
	if text == "" {
		return resp.Status, nil
	}
	return resp.Status + " " + text, nil
}

// What a debug scenario expects to see of debug lines.
const (
	debugNone     = iota // no debug line at all
	debugBuffered        // debug lines from both services, flushed after each one's error
	debugLive            // debug lines from both services, written as they happened
)

func expectDebug(status, want int) func(result, []logLine) (string, bool) {
	return func(res result, lines []logLine) (string, bool) {
		if !strings.HasPrefix(res.status, fmt.Sprint(status)) {
			return fmt.Sprintf("UNEXPECTED: status %s, want %d", res.status, status), false
		}
		debug := map[string]int{}    // debug lines by service
		buffered := map[string]int{} // of which flushed from a buffer
		afterError := map[string]bool{}
		sawError := map[string]bool{}
		for _, l := range lines {
			var rec map[string]any
			if json.Unmarshal([]byte(l.text), &rec) != nil {
				continue
			}
			switch rec["level"] {
			case "ERROR":
				sawError[l.service] = true
			case "DEBUG":
				debug[l.service]++
				if rec[debugsample.BufferedKey] == true {
					buffered[l.service]++
				}
				afterError[l.service] = sawError[l.service]
			}
		}
		total := debug["checkout"] + debug["inventory"]
		switch want {
		case debugNone:
			if total != 0 {
				return fmt.Sprintf("UNEXPECTED: %d debug lines", total), false
			}
			return "info and error lines only; no debug line was written", true
		case debugBuffered:
			for _, svc := range []string{"checkout", "inventory"} {
				if debug[svc] == 0 || buffered[svc] != debug[svc] || !afterError[svc] {
					return fmt.Sprintf("UNEXPECTED: %s wrote %d debug lines, %d from its buffer, after its error: %v", svc, debug[svc], buffered[svc], afterError[svc]), false
				}
			}
			return fmt.Sprintf("%d debug lines, kept while the request ran, written after the errors and marked %s=true", total, debugsample.BufferedKey), true
		default:
			for _, svc := range []string{"checkout", "inventory"} {
				if debug[svc] == 0 || buffered[svc] != 0 {
					return fmt.Sprintf("UNEXPECTED: %s wrote %d debug lines, %d from a buffer", svc, debug[svc], buffered[svc]), false
				}
			}
			return fmt.Sprintf("%d debug lines written live in both services: the decision travelled to inventory as baggage", total), true
		}
	}
}
