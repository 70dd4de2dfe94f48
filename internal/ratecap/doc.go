// Package ratecap is the lock-free rate cap that packages debugsample and
// capture put on the requests they select.
package ratecap
