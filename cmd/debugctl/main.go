package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"unicode"
)

// Exit codes, documented in the package doc.
const (
	exitOK      = 0 // done, and nothing differs
	exitDiffers = 1 // a replay or an environment diff found differences
	exitUsage   = 2 // bad command line
	exitInput   = 3 // a file, record or snapshot could not be read
	exitTarget  = 4 // a target or service could not be reached, or refused us
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], newCLI(os.Stdin, os.Stdout, os.Stderr))
	stop()
	os.Exit(code)
}

// cli is what a command runs with: its streams and its environment, so
// that tests run commands in process as well as through the binary.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// terminal reports whether stdout is a terminal: human output with a
	// progress bar rather than plain lines.
	terminal bool
	getenv   func(string) string
}

func newCLI(stdin io.Reader, stdout, stderr io.Writer) *cli {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	if f, ok := stdout.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			c.terminal = true
		}
	}
	return c
}

// command is one subcommand of debugctl.
type command struct {
	name    string
	summary string
	// run runs the command with its arguments (after its name) and
	// returns the exit code.
	run func(ctx context.Context, c *cli, args []string) int
}

// commands are debugctl's subcommands; each lives in cmd_<name>.go.
var commands = []command{
	{"replay", "send captured requests to a local server and compare the responses", runReplay},
	{"captures", "list, show and summarise capture files (ls, show, stats)", runCaptures},
	{"env", "dump this machine's environment, or diff two (dump, diff)", runEnv},
	{"token", "mint a debug token for the X-Debug-Token header", runToken},
	{"export", "write captured records as an HTTP Archive (--har)", runExport},
}

func run(ctx context.Context, args []string, c *cli) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		usage(c.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	name, rest := args[0], args[1:]
	if name == "help" {
		name, rest = rest[0], []string{"--help"}
	}
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd.run(ctx, c, rest)
		}
	}
	fmt.Fprintf(c.stderr, "debugctl: unknown command %q; run 'debugctl help' for the list\n", clean(name))
	return exitUsage
}

// runSub runs the subcommand args[0] of the command name, one of subs,
// or prints the command's usage: to stdout when asked, to stderr with
// exit status 2 when no or an unknown subcommand is given.
func runSub(ctx context.Context, c *cli, name, usage string, subs []command, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprint(c.stdout, usage)
		return exitOK
	}
	names := make([]string, len(subs))
	for i, sub := range subs {
		if sub.name == args[0] {
			return sub.run(ctx, c, args[1:])
		}
		names[i] = sub.name
	}
	fmt.Fprintf(c.stderr, "debugctl %s: unknown subcommand %q; want %s\n", name, clean(args[0]), strings.Join(names, ", "))
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "debugctl reproduces production bugs from reprokit captures.")
	fmt.Fprintln(w, "\nUsage:\n  debugctl <command> [flags] [arguments]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for _, cmd := range commands {
		names = append(names, fmt.Sprintf("  %-9s %s", cmd.name, cmd.summary))
	}
	sort.Strings(names)
	fmt.Fprintln(w, strings.Join(names, "\n"))
	fmt.Fprintln(w, "\nRun 'debugctl <command> --help' for a command's flags and examples.")
	fmt.Fprintln(w, "Exit status: 0 done and nothing differs, 1 differences found, 2 bad usage,")
	fmt.Fprintln(w, "3 unreadable input, 4 target unreachable or refused.")
}

// newFlags returns the flag set of a command, writing its usage (the
// synopsis, the examples and the flags) to c.stderr on a parse error and
// to c.stdout for --help.
func newFlags(c *cli, name, synopsis, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet("debugctl "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: debugctl %s %s\n", name, synopsis)
		if examples != "" {
			fmt.Fprintf(out, "\nExamples:\n%s\n", examples)
		}
		fmt.Fprintln(out, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args with fs; it returns the exit code to stop with, or
// -1 to go on. --help prints the usage to stdout and stops with 0.
//
// Flags may come after the arguments ("debugctl env diff A B --json"), as
// the usage lines show them; "--" ends the flags, so that an argument
// that begins with "-" can be given after it. fs.Args() holds the
// arguments afterwards.
func parse(c *cli, fs *flag.FlagSet, args []string) int {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--h" || a == "-help" || a == "--help" {
			// Printed once, to stdout: left to the flag package, the
			// usage would go to stderr first.
			fs.SetOutput(c.stdout)
			fs.Usage()
			return exitOK
		}
	}
	var positional []string
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			fs.SetOutput(c.stdout)
			fs.Usage()
			return exitOK
		case err != nil:
			return exitUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if i := len(args) - len(rest); i > 0 && args[i-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	fs.Parse(append([]string{"--"}, positional...)) // sets fs.Args(); "--" cannot fail
	return -1
}

// clean makes untrusted text (a file's content, an argument echoed in
// an error) safe to print on one line of a terminal.
func clean(s string) string {
	const max = 200
	if len(s) > max {
		s = s[:max] + "…"
	}
	return cleanAll(s)
}

// cleanAll is clean without the cut, for text printed whole, such as one
// line of a body.
func cleanAll(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u2028' || r == '\u2029' || r == '\ufffd' ||
			unicode.Is(unicode.Bidi_Control, r) { // would reorder what follows on the line
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}
