package tracing

import (
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// batchSettings are the settings of a batching processor, read from
// OTEL_BSP_* (spans) or OTEL_BLRP_* (log records).
type batchSettings struct {
	delay    time.Duration // between two exports
	timeout  time.Duration // of one export
	queue    int           // records held at most
	maxBatch int           // records in one export at most
}

// readBatch reads the four variables of prefix ("OTEL_BSP" or
// "OTEL_BLRP") over the defaults of the specification. An export batch
// larger than the queue is an error when both are set; when only the queue
// is set, the batch shrinks to fit it.
func (r *envReader) readBatch(prefix string, defDelay time.Duration) batchSettings {
	const defQueue, defBatch = 2048, 512
	b := batchSettings{
		delay:   r.millis(prefix+"_SCHEDULE_DELAY", defDelay),
		timeout: r.millis(prefix+"_EXPORT_TIMEOUT", 30*time.Second),
		queue:   r.positiveInt(prefix+"_MAX_QUEUE_SIZE", defQueue),
	}
	name := prefix + "_MAX_EXPORT_BATCH_SIZE"
	if v, ok := r.get(name); ok {
		b.maxBatch = r.positiveInt(name, defBatch)
		if b.maxBatch > b.queue && !r.failed[prefix+"_MAX_QUEUE_SIZE"] {
			r.fail(name, v, "the export batch cannot be larger than the queue, "+prefix+"_MAX_QUEUE_SIZE", nil)
		}
	} else {
		b.maxBatch = min(defBatch, b.queue)
	}
	return b
}

// spanProcessor returns a batch span processor for e with settings b. All
// four settings are passed, so the SDK's own reading of the process
// environment never overrides what Setup read.
func (b batchSettings) spanProcessor(e sdktrace.SpanExporter) sdktrace.SpanProcessor {
	return sdktrace.NewBatchSpanProcessor(e,
		sdktrace.WithBatchTimeout(b.delay),
		sdktrace.WithExportTimeout(b.timeout),
		sdktrace.WithMaxQueueSize(b.queue),
		sdktrace.WithMaxExportBatchSize(b.maxBatch),
	)
}

// logProcessor returns a batch log record processor for e with settings b.
func (b batchSettings) logProcessor(e sdklog.Exporter) *sdklog.BatchProcessor {
	return sdklog.NewBatchProcessor(e,
		sdklog.WithExportInterval(b.delay),
		sdklog.WithExportTimeout(b.timeout),
		sdklog.WithMaxQueueSize(b.queue),
		sdklog.WithExportMaxBatchSize(b.maxBatch),
	)
}

// readerSettings are the settings of the periodic metric reader.
type readerSettings struct {
	interval time.Duration
	timeout  time.Duration
}

// readReader reads OTEL_METRIC_EXPORT_INTERVAL and
// OTEL_METRIC_EXPORT_TIMEOUT over their defaults, 60s and 30s.
func (r *envReader) readReader() readerSettings {
	return readerSettings{
		interval: r.millis(envMetricInterval, 60*time.Second),
		timeout:  r.millis(envMetricTimeout, 30*time.Second),
	}
}

// reader returns a periodic reader that exports to e.
func (s readerSettings) reader(e sdkmetric.Exporter) sdkmetric.Reader {
	return sdkmetric.NewPeriodicReader(e,
		sdkmetric.WithInterval(s.interval),
		sdkmetric.WithTimeout(s.timeout),
	)
}
