// Package safetext makes text that arrived on a request safe to record in
// telemetry: valid UTF-8 (OTLP backends reject a whole batch over one
// invalid string) and bounded in length.
package safetext
