package flags

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Kind is the type of a flag's values, as a provider that decides per call
// (an [Evaluator]) needs to know it.
type Kind uint8

// The kinds of keys, one per constructor.
const (
	KindBool     Kind = iota + 1 // a [Bool] key: bool
	KindInt                      // an [Int] key: int64
	KindFloat                    // a [Float] key: float64
	KindString                   // a [String] key: string
	KindDuration                 // a [Duration] key: time.Duration
	KindJSON                     // a [JSON] key: any type encoding/json decodes
)

// String returns "bool", "int", "float", "string", "duration" or "json".
func (k Kind) String() string {
	switch k {
	case KindBool:
		return "bool"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindString:
		return "string"
	case KindDuration:
		return "duration"
	case KindJSON:
		return "json"
	}
	return "invalid"
}

// A raw value, as a provider gives it, is one of three forms:
//
//   - json.RawMessage: JSON text (the file provider, the admin handler),
//     decoded strictly: a bool key wants true or false, not "true";
//   - string: text (the env provider, and strings given to Static or
//     Override), parsed with strconv or time.ParseDuration, or as JSON text
//     for a JSON key;
//   - any other Go value (Static, Override, an Evaluator), taken as is when
//     it has the key's type or converts without loss.

func mismatch(k Kind, raw any) error {
	switch raw.(type) {
	case json.RawMessage:
		return fmt.Errorf("%w: %s key, JSON value of another type", ErrTypeMismatch, k)
	case string:
		return fmt.Errorf("%w: %s key, text that does not parse as one", ErrTypeMismatch, k)
	}
	return fmt.Errorf("%w: %s key, value of type %T", ErrTypeMismatch, k, raw)
}

func decodeBool(raw any) (bool, error) {
	switch v := raw.(type) {
	case bool:
		return v, nil
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b, nil
		}
	case json.RawMessage:
		switch string(bytes.TrimSpace(v)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, mismatch(KindBool, raw)
}

func decodeInt(raw any) (int64, error) {
	switch v := raw.(type) {
	case int:
		return int64(v), nil
	case int8:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v), nil
		}
	case uint8:
		return int64(v), nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), nil
		}
	case float32:
		return floatToInt(float64(v), raw)
	case float64:
		return floatToInt(v, raw)
	case json.Number:
		return parseIntText(string(v), raw)
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n, nil
		}
	case json.RawMessage:
		if t := bytes.TrimSpace(v); jsonNumber(t) {
			return parseIntText(string(t), raw)
		}
	}
	return 0, mismatch(KindInt, raw)
}

// parseIntText parses a JSON number that must be an integer: "10", or
// "1e3" and "10.0", which are integers too.
func parseIntText(s string, raw any) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, mismatch(KindInt, raw)
	}
	return floatToInt(f, raw)
}

func floatToInt(f float64, raw any) (int64, error) {
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, mismatch(KindInt, raw)
	}
	return int64(f), nil
}

func decodeFloat(raw any) (float64, error) {
	var f float64
	switch v := raw.(type) {
	case float64:
		f = v
	case float32:
		f = float64(v)
	case int:
		f = float64(v)
	case int8:
		f = float64(v)
	case int16:
		f = float64(v)
	case int32:
		f = float64(v)
	case int64:
		f = float64(v)
	case uint:
		f = float64(v)
	case uint8:
		f = float64(v)
	case uint16:
		f = float64(v)
	case uint32:
		f = float64(v)
	case uint64:
		f = float64(v)
	case json.Number:
		return parseFloatText(string(v), raw)
	case string:
		return parseFloatText(v, raw)
	case json.RawMessage:
		if t := bytes.TrimSpace(v); jsonNumber(t) {
			return parseFloatText(string(t), raw)
		}
		return 0, mismatch(KindFloat, raw)
	default:
		return 0, mismatch(KindFloat, raw)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, mismatch(KindFloat, raw)
	}
	return f, nil
}

// parseFloatText parses a finite number; "NaN" and "Inf" are refused, as
// no flag means either.
func parseFloatText(s string, raw any) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, mismatch(KindFloat, raw)
	}
	return f, nil
}

// jsonNumber reports whether t starts like a JSON number; the parse that
// follows checks the rest.
func jsonNumber(t []byte) bool {
	return len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9')
}

func decodeString(raw any) (string, error) {
	switch v := raw.(type) {
	case string:
		return v, nil
	case json.RawMessage:
		if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '"' {
			var s string
			if json.Unmarshal(t, &s) == nil {
				return s, nil
			}
		}
	}
	return "", mismatch(KindString, raw)
}

func decodeDuration(raw any) (time.Duration, error) {
	switch v := raw.(type) {
	case time.Duration:
		return v, nil
	case string:
		if d, err := time.ParseDuration(v); err == nil {
			return d, nil
		}
	case json.RawMessage:
		if s, err := decodeString(v); err == nil {
			if d, err := time.ParseDuration(s); err == nil {
				return d, nil
			}
		}
	}
	return 0, mismatch(KindDuration, raw)
}

// decodeJSON decodes raw into a T: JSON text with encoding/json, a T as
// is, and any other Go value (such as the map[string]any of an OpenFeature
// object flag) through its JSON encoding.
func decodeJSON[T any](raw any) (T, error) {
	var out T
	var text []byte
	switch v := raw.(type) {
	case json.RawMessage:
		text = v
	case T:
		return v, nil
	case string:
		text = []byte(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return out, mismatch(KindJSON, raw)
		}
		text = b
	}
	if err := json.Unmarshal(text, &out); err != nil {
		return out, fmt.Errorf("%w: json key: %v", ErrTypeMismatch, err)
	}
	return out, nil
}
