package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/findings"
	"github.com/evctl/evctl/internal/publish"
	"github.com/evctl/evctl/internal/schema"
)

type pushOptions struct {
	Paths       []string
	DryRun      bool
	Concurrency int
}

func newPushCmd(app *App) *cobra.Command {
	opts := &pushOptions{}
	rf := &registryFlags{}
	cmd := &cobra.Command{
		Use:   "push [PATH...] [--dry-run]",
		Short: "Register the catalog's schemas in a schema registry",
		Long: `Register every event of the catalog (PATH..., default: the schema roots
from evctl.yaml) in a Confluent-compatible schema registry.

push first prints its plan, one line per event: the subject, the action
(create, new-version or unchanged), the compatibility level, and the id and
version when they are known. Then it applies the plan unless --dry-run:

  - a new subject gets compat.level from evctl.yaml before its first
    registration;
  - schemas that others reference (JSON Schema $refs to other files of the
    catalog) are registered first, and the $refs become registry
    references;
  - the schema text is the file's source exactly, with its docs and
    defaults (JSON Schema written in YAML is sent as the equivalent JSON,
    keys in source order).

Pushing the same catalog twice changes nothing. Subjects follow
registry.subject_strategy: event_type (default: the event type,
v1.OrderPlaced), record (Confluent's RecordNameStrategy: the Avro full name
or the JSON Schema title), topic (Confluent's TopicNameStrategy,
<topic>-value, what its serializers look up by default) or topic_record
(<topic>-<record full name>), with topics from registry.topics or an
x-evctl-topic annotation.

Up to --concurrency events are planned and registered at once (an event
only after the events it references). The plan and the results are printed
in catalog order whatever order the requests finish in.

A schema the registry rejects (incompatible or invalid) is reported with the
registry's reasons and makes the exit status 1; network and auth failures
make it 4: no further event is started, and the events registered before
the failure are listed.
` + registryHelp + "\n" + exitStatusHelp,
		Example: `  $ evctl push --dry-run
  $ evctl push
  $ EVCTL_REGISTRY_URL=https://registry.example.com evctl push schemas/v2`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			return runPush(cmd.Context(), app, opts, rf)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan and register nothing")
	cmd.Flags().IntVar(&opts.Concurrency, "concurrency", publish.DefaultConcurrency, "events planned and registered at once (1 = one request at a time)")
	addRegistryFlags(cmd, rf)
	return cmd
}

// publish.Item is one event on its way to the registry.
func runPush(ctx context.Context, app *App, opts *pushOptions, rf *registryFlags) error {
	if opts.Concurrency < 1 {
		return usageError("--concurrency %d: want 1 or more", opts.Concurrency)
	}
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	level, err := compat.ParseLevel(cfg.Compat.Level)
	if err != nil {
		return usageError("compat.level: %w", err)
	}
	ws, err := app.Workspace()
	if err != nil {
		return err
	}
	paths, scope := catalogPaths(ws, cfg, opts.Paths)
	lopts := loadOptions(ws, cfg)
	// push sends the source text: every file is validated, but no
	// compiled JSON Schema is needed.
	lopts.NoCompiled = true
	cat, err := schema.Load(paths, lopts)
	if err != nil {
		return inputError(err)
	}
	cat = scope.catalog(cat)
	if len(cat.Errors) > 0 {
		for _, e := range cat.Errors {
			fmt.Fprintf(app.IO.ErrOut, "%s:%d:%d: error %s: %s\n", app.display(e.Path), e.Pos.Line, e.Pos.Col, findings.InvalidSchema, e.Msg)
		}
		return withHint(inputError(fmt.Errorf("%d schema file(s) do not parse; nothing was pushed", len(cat.Errors))), "run 'evctl lint' for details")
	}
	if len(cat.Events) == 0 {
		return inputError(fmt.Errorf("no schema files found in %s", strings.Join(orDefault(opts.Paths, cfg.Roots), ", ")))
	}
	items, err := publish.Plan(cfg, cat)
	if err != nil {
		return err
	}
	if cfg.Registry.Kind == "glue" {
		return runPushGlue(ctx, app, cfg, items, level, opts.DryRun, rf)
	}
	c, err := app.registryClient(cfg, rf)
	if err != nil {
		return err
	}
	if err := publish.Resolve(ctx, c, items, string(level), opts.Concurrency); err != nil {
		return registryFailure(err)
	}
	printPlan(app, items)
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Action]++
	}
	if opts.DryRun {
		fmt.Fprintf(app.IO.ErrOut, "dry run against %s: %d to create, %d new version(s), %d unchanged; nothing was registered\n",
			c.URL(), counts[publish.ActionCreate], counts[publish.ActionNewVersion], counts[publish.ActionUnchanged])
		return nil
	}
	rejected := 0
	done := map[string]int{}
	results, err := publish.ApplyAll(ctx, c, items, opts.Concurrency)
	// One write per buffer rather than per line (2,000 lines for a fresh
	// catalog of 2,000 events); flushed before each rejection, which goes
	// to stderr, so that a terminal shows both in order.
	out := bufio.NewWriter(app.IO.Out)
	for _, r := range results {
		it := r.Item
		if !r.Registered {
			rejected++
			out.Flush()
			printRejection(app, it, r.Rejection)
			continue
		}
		done[it.Action]++
		fmt.Fprintf(out, "%s: registered %s as id %d, version %d\n", it.Subject, it.Event.Path, it.ID, it.Version)
	}
	out.Flush()
	if err != nil {
		return registryFailure(err)
	}
	summary := fmt.Sprintf("%d created, %d new version(s), %d unchanged", done[publish.ActionCreate], done[publish.ActionNewVersion], counts[publish.ActionUnchanged])
	if rejected > 0 {
		fmt.Fprintf(app.IO.ErrOut, "pushed to %s: %s, %d rejected\n", c.URL(), summary, rejected)
		return silentExit(ExitFindings)
	}
	fmt.Fprintf(app.IO.ErrOut, "pushed to %s: %s\n", c.URL(), summary)
	return nil
}

// planPush decides each item's action against the registry, in order.
func printPlan(app *App, items []*publish.Item) {
	// tabwriter writes every cell and its padding separately: buffer them.
	out := bufio.NewWriter(app.IO.Out)
	defer out.Flush()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBJECT\tACTION\tLEVEL\tID\tVERSION\tFILE")
	for _, it := range items {
		id, ver := "-", "-"
		if it.Known {
			id, ver = fmt.Sprint(it.ID), fmt.Sprint(it.Version)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", it.Subject, it.Action, it.Level, id, ver, it.Event.Path)
	}
	tw.Flush()
}

// publish.Rejection is why an item was not registered: the registry's reasons, or
// a failure (err) that ends the push.
func printRejection(app *App, it *publish.Item, rej publish.Rejection) {
	fmt.Fprintf(app.IO.ErrOut, "evctl: %s (%s): %s\n", it.Subject, it.Event.Path, rej.Reason)
	for _, d := range rej.Details {
		fmt.Fprintf(app.IO.ErrOut, "evctl:   %s\n", d)
	}
}
