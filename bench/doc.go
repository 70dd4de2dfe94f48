// Package bench compares reprokit's middleware with the peers people would
// otherwise use. It holds only benchmarks and the tests that keep them
// honest, and lives in its own module so that the peers (chi, …) never
// enter reprokit's go.mod.
//
// See README.md for what is measured, how to run it and the latest results.
package bench
