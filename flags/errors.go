package flags

import "errors"

// The errors of this package. Functions wrap them with detail; test for them
// with errors.Is.
var (
	// ErrInvalidName is returned for a flag name that is not [ValidName].
	ErrInvalidName = errors.New("flags: invalid flag name")
	// ErrInvalidValue is returned for an override value that is not allowed:
	// nil or JSON null, not encodable as JSON, holding invalid UTF-8 or
	// control characters, or not decoding to the type of the flag's key.
	ErrInvalidValue = errors.New("flags: invalid flag value")
	// ErrValueTooLarge is returned for an override value whose JSON encoding
	// is longer than the limit set by [WithMaxValueSize].
	ErrValueTooLarge = errors.New("flags: flag value too large")
	// ErrInvalidTTL is returned for an override whose time to live is not
	// positive or is above the limit set by [WithMaxTTL].
	ErrInvalidTTL = errors.New("flags: override TTL must be positive and at most the maximum")
	// ErrTooManyOverrides is returned when an override would exceed the
	// limit set by [WithMaxOverrides].
	ErrTooManyOverrides = errors.New("flags: too many overrides")
	// ErrNoOverride is returned by [Set.Clear] for a flag that has no
	// override in force.
	ErrNoOverride = errors.New("flags: no override for this flag")
	// ErrNotFound is returned by an [Evaluator] that does not have the flag;
	// the Set then asks the next provider.
	ErrNotFound = errors.New("flags: flag not found")
	// ErrTypeMismatch is returned when a value does not decode to the type
	// of a key: by the decoders, and by an [Evaluator] whose value for the
	// flag has another type.
	ErrTypeMismatch = errors.New("flags: value does not decode to the key's type")
	// ErrInvalidFile is returned by [File] for a file that is not a JSON
	// object of valid flag names to non-null values.
	ErrInvalidFile = errors.New("flags: invalid flags file")
	// ErrFileTooLarge is returned by [File] for a file longer than the limit
	// set by [WithMaxFileSize].
	ErrFileTooLarge = errors.New("flags: flags file too large")
)
