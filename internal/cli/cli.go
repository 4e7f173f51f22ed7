// Package cli owns evctl's command tree: the cobra commands, their flags,
// the IO streams they write to, and the one place where errors become exit
// codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/mattn/go-isatty"

	"github.com/evctl/evctl/internal/baseline"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/publish"
)

// Exit codes, the same for every command and output format.
const (
	ExitOK       = 0 // clean; warnings are allowed
	ExitFindings = 1 // findings of error severity, incompatible changes
	ExitUsage    = 2 // usage or config error
	ExitInput    = 3 // input error: unreadable or unparseable schemas, missing git ref
	ExitRegistry = 4 // registry, network or auth error
)

// exitStatusHelp is appended to every command's long help.
const exitStatusHelp = `
Exit status:
  0  clean; warnings are allowed
  1  findings of error severity (lint errors, incompatible changes)
  2  usage or config error
  3  input error (unreadable or unparseable schema, missing git ref)
  4  registry, network or auth error`

// IOStreams are the streams a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY tells whether Out is a terminal (colour on auto).
	OutTTY bool
	// Getenv reads the environment; tests replace it.
	Getenv func(string) string
}

// SystemIO returns the process's standard streams.
func SystemIO() IOStreams {
	return IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		OutTTY: isatty.IsTerminal(os.Stdout.Fd()) || isatty.IsCygwinTerminal(os.Stdout.Fd()),
		Getenv: os.Getenv,
	}
}

// exitError carries an exit code. A nil err means the command already
// reported everything it had to say.
type exitError struct {
	code int
	err  error
	hint string
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

func inputError(err error) error { return &exitError{code: ExitInput, err: err} }

func registryError(err error) error { return &exitError{code: ExitRegistry, err: err} }

// silentExit ends the command with a code after output was already printed.
func silentExit(code int) error {
	if code == ExitOK {
		return nil
	}
	return &exitError{code: code}
}

func withHint(err error, hint string) error {
	var ee *exitError
	if errors.As(err, &ee) {
		ee.hint = hint
		return ee
	}
	return &exitError{code: ExitInput, err: err, hint: hint}
}

// Run runs evctl with args and returns the exit code. It is the only place
// where errors become exit codes.
func Run(ctx context.Context, args []string, ios IOStreams) int {
	if ios.Getenv == nil {
		ios.Getenv = os.Getenv
	}
	if ios.Getenv("GOGC") == "" {
		// evctl is a short-lived process: trade memory for less GC time.
		debug.SetGCPercent(400)
	}
	app := &App{IO: ios}
	root := newRootCmd(app)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := ExitInput
	var ee *exitError
	var ce *config.Error
	var bu *baseline.UsageError
	var bi *baseline.InputError
	hint := ""
	switch {
	case errors.As(err, &ee):
		code = ee.code
		hint = ee.hint
	case errors.As(err, &bu):
		code, hint = ExitUsage, bu.Hint
	case errors.As(err, &bi):
		code, hint = ExitInput, bi.Hint
	case errors.As(err, new(*publish.ConfigError)):
		code = ExitUsage
	case errors.As(err, new(*publish.InputError)):
		code = ExitInput
	case errors.As(err, &ce):
		code = ExitUsage
	case isFlagError(err):
		code = ExitUsage
	case errors.Is(err, context.Canceled):
		code = ExitInput
	}
	if ee != nil && ee.err == nil {
		return code
	}
	msg := err.Error()
	fmt.Fprintf(ios.ErrOut, "evctl: %s\n", msg)
	if hint != "" {
		for _, l := range strings.Split(hint, "\n") {
			fmt.Fprintf(ios.ErrOut, "evctl: hint: %s\n", l)
		}
	}
	if code == ExitUsage && hint == "" && (isFlagError(err) || (ee != nil && ce == nil) || bu != nil || errors.As(err, new(*publish.ConfigError))) {
		fmt.Fprintln(ios.ErrOut, "Run 'evctl --help' for usage.")
	}
	return code
}

type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func isFlagError(err error) bool {
	var fe *flagError
	if errors.As(err, &fe) {
		return true
	}
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "unknown flag") ||
		strings.HasPrefix(s, "unknown shorthand flag") || strings.Contains(s, "flag needs an argument") ||
		strings.HasPrefix(s, "invalid argument") || strings.HasPrefix(s, "accepts ") || strings.HasPrefix(s, "requires at least")
}
