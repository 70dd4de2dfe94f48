// Package redact holds reprokit's default rules for what is secret in an
// HTTP message: header names that carry credentials, and values that look
// like credentials whatever their name. Every layer that copies request or
// response data somewhere (span attributes, captures) applies them before
// the data leaves it.
package redact
