// Package httpreq holds what reprokit's middlewares share about the
// requests they pass on.
package httpreq
