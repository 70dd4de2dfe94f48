// Package respwriter wraps an http.ResponseWriter to observe the status code
// and the bytes of a response without changing what the client receives. It
// is the one writer wrapper of reprokit, shared by every layer that needs
// one.
//
// A wrapper keeps the optional interfaces of the writer it wraps:
// http.Flusher always (a no-op when the wrapped writer cannot flush), plus
// http.Hijacker and io.ReaderFrom when the wrapped writer has them (as
// HTTP/1 connections do), or http.Pusher when it has that (as HTTP/2 does).
// Unwrap returns the wrapped writer, so http.ResponseController reaches
// every other method (SetReadDeadline, EnableFullDuplex, …).
//
// 1xx informational codes written with WriteHeader are passed on and not
// recorded; the recorded status is the final one, 200 when the handler
// writes a body without calling WriteHeader.
package respwriter
