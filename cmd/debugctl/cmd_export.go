package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/reprokit/reprokit/capture"
)

const exportSynopsis = "--har [--out FILE [--force]] [flags] FILE|FOLDER…"

const exportExamples = `  # Every record of a capture file, as an HTTP Archive on stdout:
  debugctl export --har captures/orders.jsonl > orders.har

  # The failures of the last hour, to a file (mode 0600), for a browser's
  # developer tools, Postman or k6 (har-to-k6):
  debugctl export --har --status 5xx --since 1h --out failures.har captures/

The archive holds what the records hold, redacted as they are; see
capture.WriteHAR for how a record becomes an entry (the URL is
http://<Host><target>). A folder stands for the *.jsonl files right inside
it. Export refuses to run when a file has a line that is not a record (it
names file:line), and, without --force, to overwrite a file.

Exit status: 0 written (an archive without entries when no record matches,
with a warning); 2 bad usage, or --out exists without --force; 3 a file or
line could not be read, or the archive could not be written.`

// runExport is debugctl export.
func runExport(ctx context.Context, c *cli, args []string) int {
	set := newFlags(c, "export", exportSynopsis, exportExamples)
	har := set.Bool("har", false, "write an HTTP Archive (HAR 1.2), the only format so far (required)")
	out := set.String("out", "", "write to `FILE`, created with mode 0600, rather than to stdout")
	force := set.Bool("force", false, "overwrite the --out file if it exists")
	filter := addFilterFlags(set)
	files, code := parseInterleaved(c, set, args)
	if code >= 0 {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "debugctl export: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case !*har:
		return usageErr("say the format: --har (an HTTP Archive, the only one so far): debugctl export --har captures/")
	case len(files) == 0:
		return usageErr("no file given; pass capture files or folders: debugctl export --har captures/*.jsonl")
	case *force && *out == "":
		return usageErr("--force goes with --out FILE")
	}
	flt, err := filter.filter(time.Now())
	if err != nil {
		return usageErr("%v", err)
	}
	sel := flt.Match
	if *out != "" && !*force {
		if _, err := os.Lstat(*out); err == nil {
			return usageErr("%s exists; pass --force to overwrite it, or another --out", clean(*out))
		}
	}

	l := readCaptureArgs(files)
	if len(l.problems) > 0 {
		printReadProblems(c.stderr, "debugctl export: ", l.problems)
		fmt.Fprintln(c.stderr, "debugctl export: not exporting: fix or leave out the files above (a truncated last line is a file copied while it was written)")
		return exitInput
	}
	recs := selectedRecords(l.recs, sel)
	if len(recs) == 0 {
		fmt.Fprintf(c.stderr, "debugctl export: warning: %d records in %d files, none matches the filters: the archive has no entry\n", len(l.recs), l.files)
	}
	opts := &capture.HAROptions{Creator: "debugctl"}
	if *out == "" {
		if err := capture.WriteHAR(c.stdout, recs, opts); err != nil {
			fmt.Fprintf(c.stderr, "debugctl export: %s\n", clean(err.Error()))
			return exitInput
		}
		return exitOK
	}
	if err := writeFileWith(*out, *force, func(w io.Writer) error { return capture.WriteHAR(w, recs, opts) }); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return usageErr("%s exists; pass --force to overwrite it, or another --out", clean(*out))
		}
		fmt.Fprintf(c.stderr, "debugctl export: writing %s: %s\n", clean(*out), clean(withoutPath(err).Error()))
		return exitInput
	}
	fmt.Fprintf(c.stderr, "debugctl export: wrote %d entries to %s\n", len(recs), clean(*out))
	return exitOK
}

// writeFileWith writes a new file at name, mode 0600, with write. Without
// force it fails with fs.ErrExist if name exists; with force it replaces
// it whole (a temporary file renamed over it), so a reader never sees
// half an archive. On an error the file it began is removed.
func writeFileWith(name string, force bool, write func(io.Writer) error) (err error) {
	var f *os.File
	if force {
		f, err = os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp") // mode 0600
	} else {
		f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	}
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if force {
		if err = os.Rename(f.Name(), name); err != nil {
			return err
		}
	}
	return nil
}
