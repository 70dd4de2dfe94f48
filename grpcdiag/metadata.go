package grpcdiag

import "strings"

// DefaultMetadataKey is the metadata key that carries the correlation ID
// unless [correlation.WithHeader] names another header: the lower-case form
// of [correlation.DefaultHeader].
const DefaultMetadataKey = "x-request-id"

// metadataKey returns the metadata key for the HTTP header name header and
// reports whether that name makes a usable key: gRPC keys are lower case
// and limited to 0–9 a–z - _ . (HTTP tokens allow more), must not start
// with "grpc-", which gRPC reserves, and must not end in "-bin", which
// marks a binary value.
func metadataKey(header string) (string, bool) {
	key := strings.ToLower(header)
	if key == "" || strings.HasPrefix(key, "grpc-") || strings.HasSuffix(key, "-bin") {
		return DefaultMetadataKey, false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return DefaultMetadataKey, false
		}
	}
	return key, true
}
