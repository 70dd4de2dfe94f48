// Package reqmatch matches requests against rules written in
// http.ServeMux pattern syntax, with a method and a header condition,
// without allocating: the rule matcher that packages debugsample and
// capture share.
package reqmatch
