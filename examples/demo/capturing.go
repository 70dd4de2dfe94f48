package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/reprokit/reprokit/capture"
)

// captures is where the services write what they capture: a JSON Lines
// file (mode 0600, rotated), behind a bounded queue so that no request
// waits for the disk. In production each service has its own file on
// local disk, or an OTLPSink to the Collector.
type captures struct {
	dir  string
	path string
	sink *capture.AsyncSink
}

func newCaptures() (*captures, error) {
	dir, err := os.MkdirTemp("", "reprokit-demo-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "captures.jsonl")
	file, err := capture.NewFileSink(path, nil)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &captures{dir: dir, path: path, sink: capture.NewAsyncSink(file, nil)}, nil
}

// close drains the queue, closes the file and removes it.
func (c *captures) close(ctx context.Context) error {
	err := c.sink.Close(ctx)
	return errors.Join(err, os.RemoveAll(c.dir))
}

// await returns the records of the request with the given correlation ID
// once n of them are in the file: the queue writes them a moment after
// the response.
func (c *captures) await(ctx context.Context, correlationID string, n int) ([]*capture.Record, error) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		// A line being written as we read is a truncated last line:
		// read again on the next tick.
		recs, _ := capture.ReadFile(c.path)
		var found []*capture.Record
		for _, rec := range recs {
			if rec.CorrelationID == correlationID {
				found = append(found, rec)
			}
		}
		if len(found) >= n {
			return found, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %d captures of %s: %w", n, correlationID, ctx.Err())
		case <-tick.C:
		}
	}
}
