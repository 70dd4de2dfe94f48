package main

// This file holds what replay and export read and which records they
// work on: the capture files and folders named on the command line
// (capture.ReadFiles), and the filter flags of capture.Filter, which the
// captures command shares.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/reprokit/reprokit/capture"
)

// maxReadProblems is how many problems of reading are printed; the rest
// are counted.
const maxReadProblems = 20

// captureSet is what readCaptureArgs read.
type captureSet struct {
	// recs are the records, in the order of the arguments, a folder's
	// files sorted by name, a file's records in its order.
	recs []*capture.Record
	// files is how many files were read.
	files int
	// problems are the files that could not be read and the lines that
	// are not records, each naming file:line, cleaned for a terminal.
	problems []string
}

// readCaptureArgs reads the records of the capture files and folders of
// args (see capture.FindFiles: a folder stands for the capture files
// right inside it). Every file is read to its end, or to its truncated
// last line, so that every bad line is reported.
func readCaptureArgs(args []string) captureSet {
	var l captureSet
	last := ""
	for fr, err := range capture.ReadFiles(args) {
		if fr.File != "" && fr.File != last {
			last = fr.File
			l.files++
		}
		if err != nil {
			l.problems = append(l.problems, describeReadError(err))
			continue
		}
		l.recs = append(l.recs, fr.Record)
	}
	return l
}

// withoutPath returns the error of a file operation without the path,
// which the message names already.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// printReadProblems writes the problems of l to w, at most maxReadProblems of
// them, each after prefix ("debugctl replay: ").
func printReadProblems(w io.Writer, prefix string, problems []string) {
	for i, p := range problems {
		if i == maxReadProblems {
			fmt.Fprintf(w, "%sand %d more problems\n", prefix, len(problems)-maxReadProblems)
			return
		}
		fmt.Fprintf(w, "%s%s\n", prefix, p)
	}
}

// selectedRecords returns the records of recs that sel selects.
func selectedRecords(recs []*capture.Record, sel func(*capture.Record) bool) []*capture.Record {
	var out []*capture.Record
	for _, r := range recs {
		if sel(r) {
			out = append(out, r)
		}
	}
	return out
}
