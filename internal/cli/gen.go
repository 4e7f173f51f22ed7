package cli

import (
	"errors"
	"fmt"
	"github.com/evctl/evctl/internal/registry/client"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/codegen"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/findings"
	"github.com/evctl/evctl/internal/lint"
	"github.com/evctl/evctl/internal/publish"
	"github.com/evctl/evctl/internal/schema"
)

type genOptions struct {
	Paths    []string
	Out      string
	Package  string
	Check    bool
	Split    int
	Optimize string
}

func newGenCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Generate code from the event catalog",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError("gen needs a language: evctl gen go")
		},
	}
	opts := &genOptions{}
	goCmd := &cobra.Command{
		Use:   "go [PATH...] --out DIR --package NAME [--check]",
		Short: "Generate Go structs, validators and schema metadata for every event",
		Long: `Generate one Go file per event (plus shared helpers) into DIR: a struct with
JSON or avro tags, EventType(), Subject(), Schema() returning the source text
exactly as written, and Validate(), compiled to plain Go, that allocates
nothing on a valid event. Keywords that are not compiled fall back to
santhosh-tekuri/jsonschema for that subschema only; every fallback is listed
on stderr.

Output is deterministic and gofmt'd. With --check nothing is written: the
command exits 1 and lists the stale files when DIR differs from what would be
generated.

With --split N the types go into internal packages of at most N events each
(DIR/internal/part1, part2...), which go build compiles in parallel, and the
package in DIR declares every type and constant under the same name (type
aliases), so code importing it does not change. Files whose types refer to
each other stay in one package. DIR must be inside a Go module (a go.mod in
DIR or above it), to import the parts by path.

With --optimize size only the types and the methods of wire.Event are
generated, for catalogs of thousands of events that must compile fast: a
JSON Schema event's Validate runs santhosh-tekuri/jsonschema on the bytes
encoding/json writes for it (which wire.Serializer then sends), an Avro event
keeps its generated Validate and is encoded by hamba/avro, and the envelope
fields carry evctl struct tags instead of accessor methods. Publishing is
slower and allocates; the verdicts are the same, and so are the bytes (an
Avro frame decodes to the same value: hamba/avro writes array and map blocks
with their byte size).
` + exitStatusHelp,
		Example: `  $ evctl gen go --out internal/events --package events
  $ evctl gen go schemas/v1 --out gen/v1 --package v1 --check
  $ evctl gen go --out internal/events --split 200
  $ evctl gen go --out internal/events --split 250 --optimize size`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			return runGenGo(app, opts)
		},
	}
	f := goCmd.Flags()
	f.StringVarP(&opts.Out, "out", "o", "", "output directory (default: gen.out from evctl.yaml)")
	f.StringVar(&opts.Package, "package", "", "Go package name (default: gen.package from evctl.yaml, else the base name of --out)")
	f.BoolVar(&opts.Check, "check", false, "do not write; exit 1 and list stale files if the generated code is out of date")
	f.IntVar(&opts.Split, "split", -1, "put the types into internal packages of at most N events each, compiled in parallel (default: gen.split from evctl.yaml, else 0: one package)")
	f.StringVar(&opts.Optimize, "optimize", "", "speed (generated validation and encoders) or size (types and wire.Event methods only, for large catalogs) (default: gen.optimize from evctl.yaml, else speed)")
	cmd.AddCommand(goCmd)
	return cmd
}

// subjectFunc names subjects with the configured strategy.
func subjectFunc(cfg *config.Config) (func(*schema.Event) (string, error), error) {
	namer, err := client.NewSubjectNamer(cfg.Registry.SubjectStrategy, cfg.Registry.Topics)
	if err != nil {
		return nil, &config.Error{Path: cfg.Path, Msg: err.Error()}
	}
	return func(e *schema.Event) (string, error) {
		return namer.Subject(publish.SubjectInput(e))
	}, nil
}

func runGenGo(app *App, opts *genOptions) error {
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	if opts.Out == "" && cfg.Gen.Out != "" {
		// gen.out is relative to the config's directory.
		ws, err := app.Workspace()
		if err != nil {
			return err
		}
		opts.Out = ws.display(filepath.ToSlash(cfg.Gen.Out))
	}
	if opts.Out == "" {
		return usageError("gen go needs --out DIR")
	}
	if opts.Package == "" {
		opts.Package = cfg.Gen.Package
	}
	if opts.Package == "" {
		opts.Package = strings.ReplaceAll(filepath.Base(filepath.Clean(opts.Out)), "-", "_")
	}
	if opts.Split < 0 {
		opts.Split = cfg.Gen.Split
	}
	if opts.Optimize == "" {
		opts.Optimize = cfg.Gen.Optimize
	}
	if opts.Optimize != "" && opts.Optimize != codegen.OptimizeSpeed && opts.Optimize != codegen.OptimizeSize {
		return usageError("--optimize %q: want speed or size", opts.Optimize)
	}
	var importPath string
	if opts.Split > 0 {
		if importPath, err = goImportPath(opts.Out); err != nil {
			return inputError(fmt.Errorf("gen go --split: %w", err))
		}
	}
	cat, scope, err := loadCatalog(app, cfg, opts.Paths)
	if err != nil {
		return err
	}
	cat = scope.catalog(cat)
	if len(cat.Errors) > 0 {
		for _, e := range cat.Errors {
			fmt.Fprintf(app.IO.ErrOut, "%s:%d:%d: error %s: %s\n", app.display(e.Path), e.Pos.Line, e.Pos.Col, findings.InvalidSchema, e.Msg)
		}
		return silentExit(ExitInput)
	}
	if cat.Files == 0 {
		return inputError(fmt.Errorf("no schema files found in %s", strings.Join(orDefault(opts.Paths, cfg.Roots), ", ")))
	}
	subject, err := subjectFunc(cfg)
	if err != nil {
		return err
	}
	var subjErr error
	env := codegen.Envelope{EventID: cfg.Lint.Envelope.EventID, OccurredAt: cfg.Lint.Envelope.OccurredAt, CorrelationID: cfg.Lint.Envelope.CorrelationID}
	files, fallbacks, err := codegen.Generate(cat, codegen.Options{Package: opts.Package, Split: opts.Split, Optimize: opts.Optimize, ImportPath: importPath, Envelope: env, EntityID: entityIDField, Subject: func(e *schema.Event) string {
		s, err := subject(e)
		if err != nil && subjErr == nil {
			subjErr = err
		}
		return s
	}})
	if subjErr != nil {
		return &config.Error{Path: cfg.Path, Msg: subjErr.Error()}
	}
	if err != nil {
		return inputError(fmt.Errorf("generate go: %w", err))
	}
	for _, fb := range fallbacks {
		fmt.Fprintf(app.IO.ErrOut, "evctl: fallback: %s\n", fb)
	}
	if opts.Check {
		stale, err := codegen.Check(opts.Out, files)
		if err != nil {
			return inputError(err)
		}
		if len(stale) > 0 {
			for _, s := range stale {
				fmt.Fprintf(app.IO.Out, "%s\n", filepath.ToSlash(filepath.Join(opts.Out, s)))
			}
			split := ""
			if opts.Split > 0 {
				split = fmt.Sprintf(" --split %d", opts.Split)
			}
			if opts.Optimize == codegen.OptimizeSize {
				split += " --optimize size"
			}
			fmt.Fprintf(app.IO.ErrOut, "evctl: %d generated file(s) are stale; run: evctl gen go --out %s --package %s%s\n", len(stale), opts.Out, opts.Package, split)
			return silentExit(ExitFindings)
		}
		return nil
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return inputError(fmt.Errorf("create %s: %w", opts.Out, errors.Unwrap(err)))
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(opts.Out, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return inputError(fmt.Errorf("create %s: %w", filepath.Dir(p), errors.Unwrap(err)))
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return inputError(fmt.Errorf("write %s: %w", p, errors.Unwrap(err)))
		}
	}
	// Remove generated files that are no longer produced.
	stale, err := codegen.Check(opts.Out, files)
	if err == nil {
		for _, s := range stale {
			if files[s] == nil {
				_ = os.Remove(filepath.Join(opts.Out, filepath.FromSlash(s)))
				if d := path.Dir(s); d != "." {
					// An internal package left empty goes too (Remove
					// fails on a directory that still holds files).
					_ = os.Remove(filepath.Join(opts.Out, filepath.FromSlash(d)))
				}
			}
		}
		_ = os.Remove(filepath.Join(opts.Out, codegen.PartsDir))
	}
	fmt.Fprintf(app.IO.ErrOut, "wrote %d file(s) to %s\n", len(names), opts.Out)
	return nil
}

// goImportPath is the import path of the package in dir: the module path
// of the nearest go.mod at or above dir, joined with dir's path below it.
func goImportPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			mod := modulePath(data)
			if mod == "" {
				return "", fmt.Errorf("%s has no module line", filepath.Join(d, "go.mod"))
			}
			rel, err := filepath.Rel(d, abs)
			if err != nil {
				return "", err
			}
			if rel == "." {
				return mod, nil
			}
			return mod + "/" + filepath.ToSlash(rel), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("read %s: %w", filepath.Join(d, "go.mod"), errors.Unwrap(err))
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or above it: the output must be inside a Go module to import its parts", dir)
		}
	}
}

// modulePath reads the module line of a go.mod ("" when there is none).
func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "module" {
			if p, err := strconv.Unquote(f[1]); err == nil {
				return p
			}
			return f[1]
		}
	}
	return ""
}

// entityIDField names the field PartitionKey returns: the identifier the
// single-entity rule requires.
func entityIDField(ev *schema.Event) string {
	if f := lint.EntityIDField(ev); f != nil {
		return f.Name
	}
	return ""
}
