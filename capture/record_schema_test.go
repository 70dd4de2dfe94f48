package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/flags"
)

// schemaFile is the JSON Schema of one line of a capture file, relative
// to this package's directory (where go test runs).
const schemaFile = "schema/record.v1.json"

// schemaID is the $id the schema file must declare.
const schemaID = "https://github.com/reprokit/reprokit/capture/schema/record.v1.json"

// lineSchema compiles schemaFile once for every test of the package.
// Formats ("date-time") are asserted, not only annotations.
var lineSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	return compileSchema(schemaFile, schemaID)
})

// compileSchema compiles the JSON Schema in file, declared as id,
// asserting formats (date-time, uri), not only annotating them.
func compileSchema(file, id string) (*jsonschema.Schema, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		return nil, err
	}
	return c.Compile(id)
}

// schemaError returns why line does not match the schema of a capture
// line, or nil when it does.
func schemaError(t testing.TB, line []byte) error {
	t.Helper()
	sch, err := lineSchema()
	require.NoError(t, err, "compiling %s", schemaFile)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// validateLine fails t unless line (one line of a capture file, with or
// without its newline) matches schema/record.v1.json.
func validateLine(t testing.TB, line []byte) {
	t.Helper()
	if err := schemaError(t, line); err != nil {
		shown := line
		if len(shown) > 2048 {
			shown = shown[:2048]
		}
		t.Errorf("line does not match %s: %v\nline: %s", schemaFile, err, shown)
	}
}

// schemaErrorPaths returns the instance locations ("/request/body") of
// the innermost causes of a validation error.
func schemaErrorPaths(err error) []string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, "/"+strings.Join(e.InstanceLocation, "/"))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}

// fixtureTime is the start of every fixture; UTC, so that a decoded time
// is deeply equal to it.
var fixtureTime = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

// fixtureEnv returns an environment snapshot with every field set,
// Replace modules and flags of every JSON type included.
func fixtureEnv() *Env {
	return &Env{
		Schema:  Schema,
		Kind:    KindEnv,
		ID:      "9f86d081884c7d65",
		Taken:   fixtureTime.Add(-time.Hour),
		Service: "orders",
		Runtime: Runtime{
			GoVersion:         "go1.25.0",
			GOOS:              "linux",
			GOARCH:            "amd64",
			GOMAXPROCS:        4,
			NumCPU:            8,
			MemoryLimit:       512 << 20,
			CgroupMemoryLimit: 1 << 30,
			GODEBUG:           "http2client=0",
			Timezone:          "CET",
			TimezoneOffset:    3600,
			Hostname:          "orders-7d9f-xk2p",
		},
		Build: Build{
			Path: "example.com/orders/cmd/orders",
			Main: Module{Path: "example.com/orders", Version: "v1.4.2", Sum: "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
			Deps: []Module{
				{Path: "example.com/lib", Version: "v0.3.0", Sum: "h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=",
					Replace: &Module{Path: "../lib", Version: "(devel)"}},
				{Path: "example.com/other", Version: "v1.0.0",
					Replace: &Module{Path: "example.com/fork", Version: "v1.0.1", Sum: "h1:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC="}},
				{Path: "golang.org/x/text", Version: "v0.41.0"},
			},
			Settings: map[string]string{
				"-tags":        "netgo",
				"CGO_ENABLED":  "0",
				"GOAMD64":      "v3",
				"vcs.revision": "3f1c0de2a9b84c7e5d6f70812a3b4c5d6e7f8091",
				"vcs.modified": "false",
			},
		},
		Vars: []EnvVar{
			{Name: "DATABASE_URL", Hash: "[REDACTED:1a2b3c4d]"},
			{Name: "EMPTY_KEPT", Kept: true},
			{Name: "ENABLE_CACHE"},
			{Name: "LOG_LEVEL", Value: "debug", Kept: true},
		},
		HashKeyID: "0badc0de",
		Flags: []flags.FlagValue{
			{Name: "cache.enabled", Value: true, Source: "env"},
			{Name: "capture.rate", Value: 0.25, Source: flags.SourceOverride,
				Expires: fixtureTime.Add(time.Hour), By: "192.0.2.10"},
			{Name: "features", Value: map[string]any{"a": []any{"x", float64(1)}, "b": nil}, Source: "file"},
			{Name: "mode", Value: "fast", Source: flags.SourceDefault},
			{Name: "unset", Value: nil, Source: flags.SourceDefault},
		},
	}
}

// fixtureRecords returns records that between them set every field of
// Record and of the types in it. Each is complete as AppendRecord leaves
// it (Schema and Kind set), so that a decoded copy is equal to it.
func fixtureRecords() []struct {
	name string
	rec  *Record
} {
	full := &Record{
		Schema:        Schema,
		Kind:          KindHTTP,
		ID:            "0123456789abcdef0123456789abcdef",
		Start:         fixtureTime,
		Duration:      1234567 * time.Nanosecond,
		CorrelationID: "req-7f3a9c",
		TraceID:       "4bf92f3577b34da6a3ce929d0e0e4736",
		SpanID:        "00f067aa0ba902b7",
		Reason:        ReasonFailure,
		Request: Request{
			Method: "POST",
			URL:    "/orders/42?token=[REDACTED]&page=2",
			Host:   "api.example.com",
			Proto:  "HTTP/1.1",
			Route:  "POST /orders/{id}",
			Header: http.Header{
				"Content-Type":  {"application/json"},
				"Authorization": {"Bearer [REDACTED]"},
				"Accept":        {"application/json", "text/plain"},
			},
			Trailer: http.Header{"X-Checksum": {"[REDACTED:0a1b2c3d]"}},
			Body: Body{
				ContentType: "application/json",
				Size:        70000,
				Truncated:   true,
				Text:        `{"item":"book","card":"[REDACTED]","note":"<b>&</b>"}`,
			},
		},
		Response: Response{
			Status:  500,
			Header:  http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
			Trailer: http.Header{"Grpc-Status": {"13"}},
			Body:    Body{ContentType: "text/plain; charset=utf-8", Size: 22, Text: "internal server error\n"},
		},
		Error: "client disconnected",
		Panic: "runtime error: index out of range [3] with length 3",
		Flags: []flags.FlagValue{
			{Name: "capture.rate", Value: 0.25, Source: flags.SourceOverride, Expires: fixtureTime.Add(time.Hour), By: "192.0.2.10"},
			{Name: "list", Value: []any{"a", true, nil}, Source: "file"},
		},
		EnvID: "9f86d081884c7d65",
	}
	grpc := &Record{
		Schema:   Schema,
		Kind:     KindGRPC,
		ID:       "fedcba9876543210fedcba9876543210",
		Start:    fixtureTime.Add(time.Second),
		Duration: 5 * time.Millisecond,
		TraceID:  "0af7651916cd43dd8448eb211c80319c",
		SpanID:   "b7ad6b7169203331",
		Reason:   ReasonDebug,
		Request: Request{
			Method: "POST",
			URL:    "/orders.v1.Orders/Watch",
			Proto:  "HTTP/2.0",
			Header: http.Header{"Content-Type": {"application/grpc"}},
			Body:   Body{ContentType: "application/grpc", Size: 12, Text: `{"orderId":"42"}`},
		},
		Response: Response{
			Status: 200,
			Body:   Body{ContentType: "application/grpc", Size: 4, Base64: "AAECAw=="},
		},
		GRPC: &GRPCStatus{
			Code:             "Unavailable",
			Message:          "backend [REDACTED] is down",
			RequestMessages:  1,
			ResponseMessages: 7,
		},
		EnvID: "9f86d081884c7d65",
	}
	omitted := &Record{
		Schema: Schema, Kind: KindHTTP,
		ID:     "00000000000000000000000000000001",
		Start:  fixtureTime.Add(2 * time.Second),
		Reason: ReasonRate,
		Request: Request{Method: "PUT", URL: "/upload",
			Body: Body{ContentType: "application/octet-stream", Size: 3, Omitted: true, Text: "[omitted: 3 bytes]"}},
		Response: Response{Status: 204},
	}
	minimal := &Record{
		Schema:   Schema,
		Kind:     KindHTTP,
		ID:       "ffffffffffffffffffffffffffffffff",
		Start:    fixtureTime.Add(3 * time.Second),
		Reason:   ReasonManual,
		Request:  Request{Method: "GET", URL: "/"},
		Response: Response{},
	}
	return []struct {
		name string
		rec  *Record
	}{
		{"full http", full},
		{"grpc with status", grpc},
		{"omitted body", omitted},
		{"minimal", minimal},
	}
}

// TestSchemaValidatesEncodedLines: every line AppendRecord and AppendEnv
// write matches the schema.
func TestSchemaValidatesEncodedLines(t *testing.T) {
	for _, tt := range fixtureRecords() {
		t.Run(tt.name, func(t *testing.T) {
			line, err := AppendRecord(nil, tt.rec)
			require.NoError(t, err)
			validateLine(t, line)
		})
	}
	t.Run("schema and kind filled in", func(t *testing.T) {
		rec := &Record{ID: "0123456789abcdef0123456789abcdef", Start: fixtureTime, Reason: ReasonManual,
			Request: Request{Method: "GET", URL: "/"}}
		line, err := AppendRecord(nil, rec)
		require.NoError(t, err)
		validateLine(t, line)
	})
	t.Run("env", func(t *testing.T) {
		line, err := AppendEnv(nil, fixtureEnv())
		require.NoError(t, err)
		validateLine(t, line)
	})
	t.Run("env without schema and kind", func(t *testing.T) {
		env := fixtureEnv()
		env.Schema, env.Kind = "", ""
		line, err := AppendEnv(nil, env)
		require.NoError(t, err)
		validateLine(t, line)
	})
	t.Run("hostile strings", func(t *testing.T) {
		line, err := AppendRecord(nil, hostileRecord())
		require.NoError(t, err)
		validateLine(t, line)
	})
}

// TestSchemaValidatesSampleFiles: every line of every sample file in
// testdata/records matches the schema.
func TestSchemaValidatesSampleFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "records", "*.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no sample capture files")
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			require.NoError(t, err)
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(nil, MaxLineBytes+1)
			lines := 0
			for sc.Scan() {
				line := bytes.TrimSpace(sc.Bytes())
				if len(line) == 0 {
					continue
				}
				lines++
				validateLine(t, line)
			}
			require.NoError(t, sc.Err())
			assert.NotZero(t, lines)
		})
	}
}

// TestSchemaRejects: lines that are not what reprokit writes do not
// match, and fail where they are wrong.
func TestSchemaRejects(t *testing.T) {
	full := fixtureRecords()[0].rec
	grpc := fixtureRecords()[1].rec
	for _, tt := range []struct {
		name   string
		base   any // *Record or *Env, encoded and then changed
		change func(m map[string]any)
		wantAt string // the instance location of an innermost error
	}{
		{"missing schema", full, func(m map[string]any) { delete(m, "schema") }, "/"},
		{"other schema", full, func(m map[string]any) { m["schema"] = "reprokit.capture.v2" }, "/schema"},
		{"missing kind", full, func(m map[string]any) { delete(m, "kind") }, "/"},
		{"unknown kind", full, func(m map[string]any) { m["kind"] = "websocket" }, "/kind"},
		{"record of kind env", full, func(m map[string]any) { m["kind"] = "env" }, "/"},
		{"upper-case trace_id", full, func(m map[string]any) { m["trace_id"] = "4BF92F3577B34DA6A3CE929D0E0E4736" }, "/trace_id"},
		{"short trace_id", full, func(m map[string]any) { m["trace_id"] = "4bf92f3577b34da6" }, "/trace_id"},
		{"long span_id", full, func(m map[string]any) { m["span_id"] = "00f067aa0ba902b700" }, "/span_id"},
		{"bad id", full, func(m map[string]any) { m["id"] = "not-an-id" }, "/id"},
		{"empty id", full, func(m map[string]any) { m["id"] = "" }, "/id"},
		{"bad env_id", full, func(m map[string]any) { m["env_id"] = "9f86d081884c7d6" }, "/env_id"},
		{"start not a date-time", full, func(m map[string]any) { m["start"] = "yesterday" }, "/start"},
		{"duration as string", full, func(m map[string]any) { m["duration_ns"] = "1ms" }, "/duration_ns"},
		{"unknown reason", full, func(m map[string]any) { m["reason"] = "because" }, "/reason"},
		{"missing request", full, func(m map[string]any) { delete(m, "request") }, "/"},
		{"status as string", full, func(m map[string]any) { obj(m, "response")["status"] = "200" }, "/response/status"},
		{"status 1000", full, func(m map[string]any) { obj(m, "response")["status"] = 1000 }, "/response/status"},
		{"status negative", full, func(m map[string]any) { obj(m, "response")["status"] = -1 }, "/response/status"},
		{"status fraction", full, func(m map[string]any) { obj(m, "response")["status"] = 200.5 }, "/response/status"},
		{"text and base64", full, func(m map[string]any) { obj(m, "request", "body")["base64"] = "AAEC" }, "/request/body"},
		{"bad base64", full, func(m map[string]any) {
			obj(m, "request", "body")["base64"] = "AAE"
			delete(obj(m, "request", "body"), "text")
		}, "/request/body/base64"},
		{"negative size", full, func(m map[string]any) { obj(m, "request", "body")["size"] = -1 }, "/request/body/size"},
		{"missing size", full, func(m map[string]any) { delete(obj(m, "request", "body"), "size") }, "/request/body"},
		{"omitted without mark", full, func(m map[string]any) { obj(m, "request", "body")["omitted"] = true }, "/request/body/text"},
		{"header value not a list", full, func(m map[string]any) { obj(m, "request", "header")["Accept"] = "text/plain" }, "/request/header/Accept"},
		{"header value not strings", full, func(m map[string]any) { obj(m, "request", "header")["Accept"] = []any{1} }, "/request/header/Accept/0"},
		{"unknown field", full, func(m map[string]any) { m["user"] = "alice" }, "/"},
		{"unknown request field", full, func(m map[string]any) { obj(m, "request")["cookies"] = []any{} }, "/request"},
		{"unknown body field", full, func(m map[string]any) { obj(m, "response", "body")["json"] = map[string]any{} }, "/response/body"},
		{"flag without source", full, func(m map[string]any) { delete(m["flags"].([]any)[0].(map[string]any), "source") }, "/flags/0"},
		{"flag expires not a date-time", full, func(m map[string]any) { m["flags"].([]any)[0].(map[string]any)["expires"] = "soon" }, "/flags/0/expires"},
		{"http with grpc status", full, func(m map[string]any) { m["grpc"] = map[string]any{"code": "OK"} }, "/"},
		{"grpc without status", grpc, func(m map[string]any) { delete(m, "grpc") }, "/"},
		{"grpc unknown code", grpc, func(m map[string]any) { obj(m, "grpc")["code"] = "Oops" }, "/grpc/code"},
		{"grpc negative count", grpc, func(m map[string]any) { obj(m, "grpc")["request_messages"] = -2 }, "/grpc/request_messages"},
		{"env short id", fixtureEnv(), func(m map[string]any) { m["id"] = "9f86d081" }, "/id"},
		{"env without runtime", fixtureEnv(), func(m map[string]any) { delete(m, "runtime") }, "/"},
		{"env with record field", fixtureEnv(), func(m map[string]any) { m["reason"] = "rate" }, "/"},
		{"env gomaxprocs 0", fixtureEnv(), func(m map[string]any) { obj(m, "runtime")["gomaxprocs"] = 0 }, "/runtime/gomaxprocs"},
		{"env unknown module field", fixtureEnv(), func(m map[string]any) { obj(m, "build", "main")["dir"] = "/src" }, "/build/main"},
		{"env replace unknown field", fixtureEnv(), func(m map[string]any) {
			obj(m, "build")["deps"].([]any)[0].(map[string]any)["replace"].(map[string]any)["x"] = 1
		}, "/build/deps/0/replace"},
		{"env var value not kept", fixtureEnv(), func(m map[string]any) { delete(m["vars"].([]any)[3].(map[string]any), "kept") }, "/vars/3"},
		{"env var bad hash", fixtureEnv(), func(m map[string]any) { m["vars"].([]any)[0].(map[string]any)["hash"] = "secret" }, "/vars/0/hash"},
		{"env setting not a string", fixtureEnv(), func(m map[string]any) { obj(m, "build", "settings")["CGO_ENABLED"] = 0 }, "/build/settings/CGO_ENABLED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var line []byte
			var err error
			switch v := tt.base.(type) {
			case *Record:
				line, err = AppendRecord(nil, v)
			case *Env:
				line, err = AppendEnv(nil, v)
			}
			require.NoError(t, err)
			require.NoError(t, schemaError(t, line), "the base line must match before it is changed")
			var m map[string]any
			require.NoError(t, json.Unmarshal(line, &m))
			tt.change(m)
			changed, err := json.Marshal(m)
			require.NoError(t, err)
			err = schemaError(t, changed)
			require.Error(t, err, "schema accepts %s", changed)
			assert.Contains(t, schemaErrorPaths(err), tt.wantAt, "%v", err)
		})
	}
	t.Run("not an object", func(t *testing.T) {
		for _, line := range []string{`[]`, `"reprokit.capture.v1"`, `null`, `42`} {
			assert.Error(t, schemaError(t, []byte(line)), line)
		}
	})
}

// obj returns the object at the path of keys in m.
func obj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

// schemaDefs names the $defs entry of the schema that describes each Go
// struct type a capture line holds.
var schemaDefs = map[reflect.Type]string{
	reflect.TypeFor[Record]():          "record",
	reflect.TypeFor[Request]():         "request",
	reflect.TypeFor[Response]():        "response",
	reflect.TypeFor[Body]():            "body",
	reflect.TypeFor[GRPCStatus]():      "grpc_status",
	reflect.TypeFor[flags.FlagValue](): "flag",
	reflect.TypeFor[Env]():             "env",
	reflect.TypeFor[Runtime]():         "runtime",
	reflect.TypeFor[Build]():           "build",
	reflect.TypeFor[Module]():          "module",
	reflect.TypeFor[EnvVar]():          "env_var",
}

// requiredInLine lists the fields that the Go type omits when empty but
// that a line always has, because AppendEnv sets them.
var requiredInLine = map[string]bool{"env.schema": true, "env.kind": true}

// TestSchemaMatchesGoTypes walks Record and Env and every struct type in
// them: each JSON field of the Go type is a property of the schema object
// of that type, of the matching JSON type, required exactly when the Go
// field is not omitempty; and the schema object has no property the Go
// type lacks. Adding a field to a type without the schema fails here.
func TestSchemaMatchesGoTypes(t *testing.T) {
	raw, err := os.ReadFile(schemaFile)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	defs, _ := doc["$defs"].(map[string]any)
	require.NotNil(t, defs, "schema without $defs")

	w := &schemaWalker{t: t, defs: defs, seen: map[reflect.Type]bool{}}
	w.structType(reflect.TypeFor[Record]())
	w.structType(reflect.TypeFor[Env]())
	for typ, name := range schemaDefs {
		assert.True(t, w.seen[typ], "schemaDefs maps %v to %q, but Record and Env do not hold it", typ, name)
	}

	t.Run("top level", func(t *testing.T) {
		assert.Equal(t, schemaID, doc["$id"])
		assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", doc["$schema"])
		assert.NotEmpty(t, doc["title"])
		assert.NotEmpty(t, doc["description"])
		assert.Equal(t, "#/$defs/env", doc["then"].(map[string]any)["$ref"])
		assert.Equal(t, "#/$defs/record", doc["else"].(map[string]any)["$ref"])
	})
	t.Run("constants", func(t *testing.T) {
		assert.Equal(t, Schema, obj(defs, "schema_id")["const"])
		assert.ElementsMatch(t, []any{KindHTTP, KindGRPC}, obj(defs, "record", "properties", "kind")["enum"])
		assert.Equal(t, KindEnv, obj(defs, "env", "properties", "kind")["const"])
		assert.ElementsMatch(t, []any{KindHTTP, KindGRPC, KindEnv}, obj(doc, "properties", "kind")["enum"])
		assert.ElementsMatch(t, []any{ReasonRate, ReasonDebug, ReasonFailure, ReasonManual},
			obj(defs, "record", "properties", "reason")["enum"])
	})
}

// schemaWalker checks Go struct types against the schema's $defs.
type schemaWalker struct {
	t    *testing.T
	defs map[string]any
	seen map[reflect.Type]bool // struct types checked or being checked
}

// structType checks the struct type typ against its $defs entry.
func (w *schemaWalker) structType(typ reflect.Type) {
	if w.seen[typ] {
		return
	}
	w.seen[typ] = true
	name, ok := schemaDefs[typ]
	if !ok {
		w.t.Errorf("struct type %v is in a capture line but has no $defs entry in schemaDefs and the schema", typ)
		return
	}
	def, _ := w.defs[name].(map[string]any)
	if def == nil {
		w.t.Errorf("schema has no $defs/%s for %v", name, typ)
		return
	}
	if def["additionalProperties"] != false {
		w.t.Errorf("$defs/%s: additionalProperties is not false", name)
	}
	props, _ := def["properties"].(map[string]any)
	var required []string
	reqs, _ := def["required"].([]any)
	for _, r := range reqs {
		required = append(required, r.(string))
	}
	fields := map[string]bool{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		jsonName, opts, _ := strings.Cut(tag, ",")
		if jsonName == "" {
			jsonName = f.Name
		}
		fields[jsonName] = true
		where := name + "." + jsonName
		prop, ok := props[jsonName].(map[string]any)
		if !ok {
			w.t.Errorf("%v.%s: JSON field %q is not a property of $defs/%s", typ, f.Name, jsonName, name)
			continue
		}
		omit := slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
		wantRequired := !omit || requiredInLine[where]
		if got := slices.Contains(required, jsonName); got != wantRequired {
			w.t.Errorf("%s: required is %v in the schema, the Go field %v.%s says %v", where, got, typ, f.Name, wantRequired)
		}
		if _, ok := prop["description"]; !ok && prop["$ref"] == nil {
			w.t.Errorf("%s: no description", where)
		}
		w.value(where, f.Type, prop)
	}
	for p := range props {
		if !fields[p] {
			w.t.Errorf("$defs/%s has property %q that %v has no field for", name, p, typ)
		}
	}
	for _, r := range required {
		if !fields[r] {
			w.t.Errorf("$defs/%s requires %q that %v has no field for", name, r, typ)
		}
	}
}

// value checks that the schema s describes a JSON value of the Go type
// typ.
func (w *schemaWalker) value(where string, typ reflect.Type, s map[string]any) {
	if ref, ok := s["$ref"].(string); ok {
		defName, found := strings.CutPrefix(ref, "#/$defs/")
		if !found {
			w.t.Errorf("%s: $ref %q is not to $defs", where, ref)
			return
		}
		st := typ
		for st.Kind() == reflect.Pointer {
			st = st.Elem()
		}
		if st.Kind() == reflect.Struct && st != reflect.TypeFor[time.Time]() {
			if schemaDefs[st] != defName {
				w.t.Errorf("%s: $ref %q, but %v is described by $defs/%s", where, ref, st, schemaDefs[st])
			}
			w.structType(st)
			return
		}
		def, _ := w.defs[defName].(map[string]any)
		if def == nil {
			w.t.Errorf("%s: $ref %q to nothing", where, ref)
			return
		}
		w.value(where, typ, def)
		return
	}
	jsonType, _ := s["type"].(string)
	switch typ.Kind() {
	case reflect.Pointer:
		w.value(where, typ.Elem(), s)
	case reflect.String:
		w.wantType(where, typ, jsonType, "string")
	case reflect.Bool:
		w.wantType(where, typ, jsonType, "boolean")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		w.wantType(where, typ, jsonType, "integer")
	case reflect.Slice:
		if typ == reflect.TypeFor[json.RawMessage]() { // any JSON value, as any is
			if jsonType != "" {
				w.t.Errorf("%s: %v holds any JSON value, the schema says %q", where, typ, jsonType)
			}
			return
		}
		w.wantType(where, typ, jsonType, "array")
		items, _ := s["items"].(map[string]any)
		if items == nil {
			w.t.Errorf("%s: array without items", where)
			return
		}
		w.value(where+"[]", typ.Elem(), items)
	case reflect.Map:
		w.wantType(where, typ, jsonType, "object")
		elems, _ := s["additionalProperties"].(map[string]any)
		if elems == nil {
			w.t.Errorf("%s: map without a schema for its values", where)
			return
		}
		w.value(where+"{}", typ.Elem(), elems)
	case reflect.Interface:
		if jsonType != "" {
			w.t.Errorf("%s: %v holds any JSON value, the schema says %q", where, typ, jsonType)
		}
	case reflect.Struct:
		if typ == reflect.TypeFor[time.Time]() {
			w.wantType(where, typ, jsonType, "string")
			if s["format"] != "date-time" {
				w.t.Errorf("%s: time.Time without format date-time", where)
			}
			return
		}
		w.t.Errorf("%s: struct %v is described inline; use a $ref to its $defs entry", where, typ)
	default:
		w.t.Errorf("%s: no JSON type known for %v", where, typ)
	}
}

func (w *schemaWalker) wantType(where string, typ reflect.Type, got, want string) {
	if got != want {
		w.t.Errorf("%s: Go type %v is JSON %q, the schema says %q", where, typ, want, got)
	}
}
