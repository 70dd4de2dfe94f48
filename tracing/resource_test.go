package tracing

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func TestParseResourceAttributes(t *testing.T) {
	tests := []struct {
		in      string
		want    string // key=value;… as parsed, or "" when an error is wanted
		wantErr string // part of the error
	}{
		{in: "a=1", want: "a=1"},
		{in: " service.name = checkout , k8s.pod.name=pod-1 ", want: "service.name=checkout;k8s.pod.name=pod-1"},
		{in: "a=1,,b=2,", want: "a=1;b=2"},
		{in: "a=", want: "a="},
		{in: "a=x=y", want: "a=x=y"},
		{in: "a=%2C%3D%25%20%C3%A9", want: "a=,=% é"},
		{in: "a=hello world", want: "a=hello world"},
		{in: "a=1,a=2", want: "a=1;a=2"},
		{in: "a", wantErr: "entry 1 is not key=value"},
		{in: "a=1,b", wantErr: "entry 2 is not key=value"},
		{in: "=1", wantErr: "entry 1 has an empty key"},
		{in: "a b=1", wantErr: "entry 1 has an empty key or one with characters"},
		{in: "é=1", wantErr: "entry 1 has an empty key or one with characters"},
		{in: "a=%", wantErr: "malformed percent-encoding"},
		{in: "a=%zz", wantErr: "malformed percent-encoding"},
		{in: "a=%e9", wantErr: "not valid UTF-8"},
		{in: "a=\xff", wantErr: "not valid UTF-8"},
		{in: "a=%0a", wantErr: "holds control characters"},
		{in: "a=x\ty", wantErr: "control characters in its value"},
		{in: "a=x\x00", wantErr: "control characters in its value"},
	}
	for _, tt := range tests {
		attrs, err := parseResourceAttributes(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parse(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parse(%q) error = %v", tt.in, err)
			continue
		}
		if got := kvString(attrs); got != tt.want {
			t.Errorf("parse(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func kvString(attrs []attribute.KeyValue) string {
	var parts []string
	for _, kv := range attrs {
		parts = append(parts, string(kv.Key)+"="+kv.Value.String())
	}
	return strings.Join(parts, ";")
}

func TestServiceAttributes(t *testing.T) {
	exe, _ := os.Executable()
	unknown := "unknown_service:" + strings.TrimSuffix(filepath.Base(exe), ".exe")
	released := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, true
	}
	devel := func(rev, modified string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified},
			}}, true
		}
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }
	tests := []struct {
		name  string
		env   map[string]string
		opts  []SetupOption
		build func() (*debug.BuildInfo, bool)
		want  string // service.name|service.version|deployment.environment.name
	}{
		{"defaults", nil, nil, none, unknown + "||"},
		{"build version", nil, nil, released, unknown + "|v1.2.3|"},
		{"devel revision", nil, nil, devel("0123456789abcdef0123", "false"), unknown + "|devel-0123456789ab|"},
		{"devel dirty", nil, nil, devel("abc", "true"), unknown + "|devel-abc+dirty|"},
		{"devel without revision", nil, nil, devel("", ""), unknown + "||"},
		{"options", nil, []SetupOption{WithServiceName("opt"), WithServiceVersion("v9"), WithEnvironment("staging")}, released,
			"opt|v9|staging"},
		{"attributes beat options", map[string]string{
			"OTEL_RESOURCE_ATTRIBUTES": "service.name=attr,service.version=v2,deployment.environment.name=prod",
		}, []SetupOption{WithServiceName("opt"), WithServiceVersion("v9"), WithEnvironment("staging")}, released,
			"attr|v2|prod"},
		{"service name beats attributes", map[string]string{
			"OTEL_SERVICE_NAME": "env", "OTEL_RESOURCE_ATTRIBUTES": "service.name=attr",
		}, []SetupOption{WithServiceName("opt")}, none, "env||"},
		{"last attribute wins", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=a,service.name=b"}, nil, none, "b||"},
		{"empty options ignored", nil, []SetupOption{WithServiceName(""), WithServiceVersion(""), WithEnvironment("")}, none,
			unknown + "||"},
		{"invalid UTF-8 option mended", nil, []SetupOption{WithServiceName("a\xffb")}, none, "a\uFFFDb||"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newSetupConfig(append([]SetupOption{WithEnvLookup(envMap(tt.env))}, tt.opts...))
			c.resource.build = tt.build
			r := newEnvReader(c.lookup)
			r.readResource(&c.resource)
			if err := r.err(); err != nil {
				t.Fatal(err)
			}
			res, err := buildResource(context.Background(), &c.resource)
			if err != nil {
				t.Fatal(err)
			}
			get := func(k string) string {
				v, _ := res.Set().Value(attribute.Key(k))
				return v.AsString()
			}
			got := get("service.name") + "|" + get("service.version") + "|" + get("deployment.environment.name")
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestResourceContents(t *testing.T) {
	c := newSetupConfig([]SetupOption{WithEnvLookup(envMap(map[string]string{
		"OTEL_RESOURCE_ATTRIBUTES": "team=payments,host.name=override",
	}))})
	r := newEnvReader(c.lookup)
	r.readResource(&c.resource)
	res, err := buildResource(context.Background(), &c.resource)
	if err != nil {
		t.Fatal(err)
	}
	set := res.Set()
	want := map[string]string{
		"telemetry.sdk.language":  "go",
		"telemetry.sdk.name":      "opentelemetry",
		"process.pid":             strconv.Itoa(os.Getpid()),
		"team":                    "payments",
		"host.name":               "override", // the variable wins over detection
		"process.runtime.name":    "go",
		"os.type":                 "", // any value
		"process.executable.name": "",
	}
	for k, v := range want {
		got, ok := set.Value(attribute.Key(k))
		if !ok || v != "" && got.String() != v {
			t.Errorf("%s = %q (present %v), want %q", k, got.String(), ok, v)
		}
	}
	// Command-line arguments may hold secrets; they are not collected.
	if _, ok := set.Value("process.command_args"); ok {
		t.Error("resource holds process.command_args")
	}
	if res.SchemaURL() == "" {
		t.Error("resource has no schema URL")
	}
}
