package capture

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Where the cgroup memory limits are, relative to the root of the file
// system (Linux).
const (
	procSelfCgroup = "proc/self/cgroup"
	cgroupV2Mount  = "sys/fs/cgroup"        // unified hierarchy: <cgroup>/memory.max
	cgroupV1Mount  = "sys/fs/cgroup/memory" // memory controller: <cgroup>/memory.limit_in_bytes
	cgroupV2File   = "memory.max"
	cgroupV1File   = "memory.limit_in_bytes"

	// maxCgroupDepth bounds the walk up from the process's cgroup.
	maxCgroupDepth = 64
	// maxCgroupFile is the most read of a cgroup file; /proc/self/cgroup
	// lists one line per hierarchy, a limit file holds one number.
	maxCgroupFile = 64 << 10
	// cgroupV1Unlimited: cgroup v1 says "no limit" with the largest
	// page-aligned int64 (9223372036854771712); any limit this large is
	// none.
	cgroupV1Unlimited = int64(1) << 62
)

var errCgroupFileTooLarge = errors.New("capture: cgroup file too large")

// cgroupMemoryLimit returns the memory limit, in bytes, of the cgroup of
// the process, read from root, the file system's root: the smallest limit
// of the cgroup and its ancestors, as the kernel enforces each of them. It
// reads cgroup v2 first, then v1, and returns 0 when there is no limit or
// it cannot be read.
//
// In a container whose cgroup namespace is not its own, /proc/self/cgroup
// names a path of the host's hierarchy that the container's mount does
// not have; the walk up skips the missing levels and ends at the mount's
// root, which is the container's cgroup.
func cgroupMemoryLimit(root fs.FS) int64 {
	var v2, v1 string
	var haveV2, haveV1 bool
	if data, err := readSmall(root, procSelfCgroup); err == nil {
		v2, haveV2, v1, haveV1 = parseProcCgroup(data)
	}
	if !haveV2 && !haveV1 {
		// No /proc: try the roots of both hierarchies.
		v2, haveV2, v1, haveV1 = "/", true, "/", true
	}
	if haveV2 {
		if l := smallestLimit(root, cgroupV2Mount, v2, cgroupV2File); l > 0 {
			return l
		}
	}
	if haveV1 {
		return smallestLimit(root, cgroupV1Mount, v1, cgroupV1File)
	}
	return 0
}

// parseProcCgroup reads the lines "hierarchy-ID:controllers:path" of
// /proc/self/cgroup, and returns the path of the unified (v2) hierarchy
// ("0::/path") and that of the v1 hierarchy whose controllers include
// memory.
func parseProcCgroup(data []byte) (v2 string, haveV2 bool, v1 string, haveV1 bool) {
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		id, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		controllers, p, ok := bytes.Cut(rest, []byte(":"))
		if !ok || len(p) == 0 || p[0] != '/' {
			continue
		}
		switch {
		case string(id) == "0" && len(controllers) == 0:
			if !haveV2 {
				v2, haveV2 = string(p), true
			}
		case !haveV1:
			for c := range strings.SplitSeq(string(controllers), ",") {
				if c == "memory" {
					v1, haveV1 = string(p), true
					break
				}
			}
		}
	}
	return v2, haveV2, v1, haveV1
}

// smallestLimit walks from the cgroup at p under mount up to the mount's
// root, and returns the smallest limit read from file at each level, or 0.
func smallestLimit(root fs.FS, mount, p, file string) int64 {
	var least int64
	p = path.Clean("/" + p)
	for range maxCgroupDepth {
		if data, err := readSmall(root, path.Join(mount, p, file)); err == nil {
			if l, ok := parseCgroupLimit(data); ok && l > 0 && (least == 0 || l < least) {
				least = l
			}
		}
		if p == "/" {
			break
		}
		p = path.Dir(p)
	}
	return least
}

// parseCgroupLimit parses the content of memory.max (cgroup v2: a number
// of bytes, or "max") or memory.limit_in_bytes (v1: a number, huge when
// there is no limit). It returns 0 for no limit, and false when data is
// neither.
func parseCgroupLimit(data []byte) (int64, bool) {
	s := strings.TrimSpace(string(data))
	if s == "max" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange && s != "" && s[0] != '-' {
			return 0, true // larger than any memory: no limit
		}
		return 0, false
	case n < 0:
		return 0, n == -1 // -1 is "no limit" to some v1 kernels
	case n >= cgroupV1Unlimited:
		return 0, true
	}
	return n, true
}

// readSmall reads the file name of fsys, refusing one longer than
// maxCgroupFile.
func readSmall(fsys fs.FS, name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, fs.ErrInvalid
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCgroupFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxCgroupFile {
		return nil, errCgroupFileTooLarge
	}
	return data, nil
}
