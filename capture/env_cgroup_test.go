package capture

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
)

func TestParseCgroupLimit(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"max\n", 0, true},
		{"max", 0, true},
		{"536870912\n", 512 << 20, true},
		{"  1073741824  ", 1 << 30, true},
		{"9223372036854771712\n", 0, true}, // v1: no limit
		{"9223372036854775807", 0, true},
		{"99999999999999999999999", 0, true}, // larger than int64
		{"-1", 0, true},
		{"0", 0, true},
		{"-2", 0, false},
		{"-99999999999999999999999", 0, false},
		{"", 0, false},
		{"MAX", 0, false},
		{"12k", 0, false},
		{"1 2", 0, false},
		{"0x10", 0, false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseCgroupLimit([]byte(tt.in))
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.ok, ok)
		})
	}
}

func TestParseProcCgroup(t *testing.T) {
	for _, tt := range []struct {
		name   string
		in     string
		v2     string
		haveV2 bool
		v1     string
		haveV1 bool
	}{
		{"v2", "0::/kubepods/pod1/ctr\n", "/kubepods/pod1/ctr", true, "", false},
		{"v1", "12:cpu,cpuacct:/a\n4:memory:/docker/abc\n", "", false, "/docker/abc", true},
		{"v1 joined controllers", "4:blkio,memory:/x\n", "", false, "/x", true},
		{"hybrid", "4:memory:/m\n0::/u\n", "/u", true, "/m", true},
		{"no newline at end", "0::/", "/", true, "", false},
		{"garbage", "nonsense\n::\n0:\n0::relative\n:memory:\n", "", false, "", false},
		{"memory as a prefix only", "4:memoryx:/x\n", "", false, "", false},
		{"path with colons", "0::/a:b\n", "/a:b", true, "", false},
		{"CRLF", "0::/a\r\n", "/a\r", true, "", false},
		{"first of each", "0::/first\n0::/second\n", "/first", true, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v2, haveV2, v1, haveV1 := parseProcCgroup([]byte(tt.in))
			assert.Equal(t, []any{tt.v2, tt.haveV2, tt.v1, tt.haveV1}, []any{v2, haveV2, v1, haveV1})
		})
	}
}

func TestCgroupMemoryLimit(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, tt := range []struct {
		name string
		fs   fstest.MapFS
		want int64
	}{
		{"nothing", fstest.MapFS{}, 0},
		{"v2 root, no /proc", fstest.MapFS{"sys/fs/cgroup/memory.max": file("268435456\n")}, 256 << 20},
		{"v2 unlimited", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("max\n"),
		}, 0},
		{"v2 the smallest of the ancestors", fstest.MapFS{
			"proc/self/cgroup":                 file("0::/a/b/c\n"),
			"sys/fs/cgroup/a/memory.max":       file("2147483648\n"),
			"sys/fs/cgroup/a/b/memory.max":     file("1073741824\n"),
			"sys/fs/cgroup/a/b/c/memory.max":   file("max\n"),
			"sys/fs/cgroup/a/b/c/cgroup.procs": file("1\n"),
		}, 1 << 30},
		{"v2 host path missing in the container", fstest.MapFS{
			"proc/self/cgroup":         file("0::/kubepods/burstable/pod1/ctr\n"),
			"sys/fs/cgroup/memory.max": file("536870912\n"),
		}, 512 << 20},
		{"v1", fstest.MapFS{
			"proc/self/cgroup": file("4:memory:/docker/abc\n"),
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": file("1073741824\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes":            file("9223372036854771712\n"),
		}, 1 << 30},
		{"v1 container root", fstest.MapFS{
			"proc/self/cgroup":                           file("4:memory:/docker/abc\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes": file("734003200\n"),
		}, 700 << 20},
		{"hybrid: v2 has no memory controller", fstest.MapFS{
			"proc/self/cgroup": file("4:memory:/m\n0::/\n"),
			"sys/fs/cgroup/memory/m/memory.limit_in_bytes": file("1048576\n"),
		}, 1 << 20},
		{"garbage limit", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("lots\n"),
		}, 0},
		{"oversized file", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("1048576" + strings.Repeat(" ", maxCgroupFile)),
		}, 0},
		{"dot-dot path", fstest.MapFS{
			"proc/self/cgroup":         file("0::/../../etc\n"),
			"sys/fs/cgroup/memory.max": file("1048576\n"),
		}, 1 << 20},
		{"deep path", fstest.MapFS{
			"proc/self/cgroup":         file("0::" + strings.Repeat("/d", 1000) + "\n"),
			"sys/fs/cgroup/memory.max": file("1048576\n"),
		}, 0}, // the walk stops before the root
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cgroupMemoryLimit(tt.fs))
		})
	}
}

// FuzzCgroupLimit: parseCgroupLimit never panics, never returns a
// negative limit, and agrees with itself on surrounding spaces. Seeds in
// testdata/fuzz/FuzzCgroupLimit.
func FuzzCgroupLimit(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		n, ok := parseCgroupLimit(data)
		if n < 0 || (!ok && n != 0) {
			t.Fatalf("parseCgroupLimit(%q) = %d, %t", data, n, ok)
		}
		padded := append(append([]byte(" \n"), data...), '\n')
		if n2, ok2 := parseCgroupLimit(padded); n2 != n || ok2 != ok {
			t.Fatalf("parseCgroupLimit(%q) = %d, %t; with spaces %d, %t", data, n, ok, n2, ok2)
		}
	})
}

// FuzzProcCgroup: any /proc/self/cgroup, with the limit files it may name,
// gives a limit that is 0 or one of the files' limits. Seeds in
// testdata/fuzz/FuzzProcCgroup.
func FuzzProcCgroup(f *testing.F) {
	f.Fuzz(func(t *testing.T, proc []byte, limit uint32) {
		v2, haveV2, v1, haveV1 := parseProcCgroup(proc)
		if haveV2 && !strings.HasPrefix(v2, "/") || haveV1 && !strings.HasPrefix(v1, "/") {
			t.Fatalf("parseProcCgroup(%q): paths %q, %q", proc, v2, v1)
		}
		want := int64(limit)
		fsys := fstest.MapFS{
			"proc/self/cgroup":         {Data: proc},
			"sys/fs/cgroup/memory.max": {Data: []byte(strconv.FormatInt(want, 10))},
		}
		if got := cgroupMemoryLimit(fsys); got != 0 && got != want {
			t.Fatalf("cgroupMemoryLimit with %q = %d, want 0 or %d", proc, got, want)
		}
	})
}
