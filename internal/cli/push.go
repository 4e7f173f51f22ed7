package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/registry"
	"github.com/evctl/evctl/internal/schema"
)

// Push actions.
const (
	actionCreate     = "create"
	actionNewVersion = "new-version"
	actionUnchanged  = "unchanged"
)

type pushOptions struct {
	Paths  []string
	DryRun bool
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
registry.subject_strategy: record (the event type, v1.OrderPlaced), topic
(<topic>-value) or topic_record (<topic>-<record full name>), with topics
from registry.topics.

A schema the registry rejects (incompatible or invalid) is reported with the
registry's reasons and makes the exit status 1; network and auth failures
make it 4.
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
	addRegistryFlags(cmd, rf)
	return cmd
}

// regItem is one event on its way to the registry.
type regItem struct {
	Event   *schema.Event
	Subject string
	// Schema is what is sent: the source text, the type and, once the
	// referenced schemas' versions are known, the references.
	Schema registry.Schema
	// Deps are the catalog events this one references, by reference name.
	Deps []regDep

	Action  string
	Level   string
	ID      int
	Version int
	// Known tells that ID and Version are the registered ones.
	Known bool
	// Failed is set when the registry rejected it (or a dependency).
	Failed bool
}

type regDep struct {
	Name   string
	Target *regItem
}

// fillRefs sets the references from the dependencies whose registered
// version is known, and reports whether all of them are.
func (it *regItem) fillRefs() bool {
	it.Schema.References = nil
	ok := true
	for _, d := range it.Deps {
		if !d.Target.Known {
			ok = false
			continue
		}
		it.Schema.References = append(it.Schema.References, registry.Reference{Name: d.Name, Subject: d.Target.Subject, Version: d.Target.Version})
	}
	return ok
}

// registryText is the text registered for an event: its source, or for JSON
// Schema written in YAML the equivalent JSON with keys in source order.
func registryText(e *schema.Event) (string, error) {
	if !e.YAML {
		return string(e.Source), nil
	}
	b, err := e.Root.CompactJSON()
	if err != nil {
		return "", fmt.Errorf("%s: %w", e.Path, err)
	}
	return string(b), nil
}

// recordName is the record's full name for topic_record: the Avro namespace
// and name, or the JSON Schema title.
func recordName(e *schema.Event) string {
	if e.Format == schema.Avro {
		name, _ := e.Root.Get("name").StringValue()
		if name == "" || strings.Contains(name, ".") {
			return name
		}
		if ns, _ := e.Root.Get("namespace").StringValue(); ns != "" {
			return ns + "." + name
		}
		return name
	}
	title, _ := e.Root.Get("title").StringValue()
	return strings.TrimSpace(title)
}

// refDeps returns the other catalog events e's $refs name, by the file
// part of the $ref as written (which is the registry reference name).
func refDeps(e *schema.Event, cat *schema.Catalog) []regDepName {
	if e.Format != schema.JSONSchema {
		return nil
	}
	var out []regDepName
	for _, file := range schema.FileRefs(e.Root) {
		o := cat.ByPath(filepath.ToSlash(filepath.Join(filepath.Dir(e.Path), filepath.FromSlash(file))))
		if o != nil && o != e {
			out = append(out, regDepName{Name: file, Event: o})
		}
	}
	return out
}

type regDepName struct {
	Name  string
	Event *schema.Event
}

// registryItems maps the catalog to subjects and schemas, referenced
// schemas before the schemas that reference them.
func registryItems(cfg *config.Config, cat *schema.Catalog) ([]*regItem, error) {
	namer, err := subjectNamer(cfg)
	if err != nil {
		return nil, err
	}
	byEvent := map[*schema.Event]*regItem{}
	bySubject := map[string]*regItem{}
	for _, e := range cat.Events {
		subj, err := namer.Subject(registry.SubjectInput{EventType: e.Type, RecordName: recordName(e)})
		if err != nil {
			return nil, usageError("%w", err)
		}
		if o := bySubject[subj]; o != nil {
			return nil, usageError("%s and %s both map to subject %s under subject_strategy %s: one subject holds one event's versions", o.Event.Path, e.Path, subj, namer.Strategy)
		}
		text, err := registryText(e)
		if err != nil {
			return nil, inputError(err)
		}
		typ := "AVRO"
		if e.Format == schema.JSONSchema {
			typ = "JSON"
		}
		it := &regItem{Event: e, Subject: subj, Schema: registry.Schema{Text: text, Type: typ}}
		byEvent[e], bySubject[subj] = it, it
	}
	for _, e := range cat.Events {
		for _, d := range refDeps(e, cat) {
			byEvent[e].Deps = append(byEvent[e].Deps, regDep{Name: d.Name, Target: byEvent[d.Event]})
		}
	}
	// Depth-first topological order, stable in catalog order.
	const (
		unseen = iota
		visiting
		done
	)
	state := map[*regItem]int{}
	var order []*regItem
	var visit func(it *regItem, path []string) error
	visit = func(it *regItem, path []string) error {
		switch state[it] {
		case done:
			return nil
		case visiting:
			return inputError(fmt.Errorf("schema references form a cycle: %s", strings.Join(append(path, it.Event.Path), " -> ")))
		}
		state[it] = visiting
		for _, d := range it.Deps {
			if err := visit(d.Target, append(path, it.Event.Path)); err != nil {
				return err
			}
		}
		state[it] = done
		order = append(order, it)
		return nil
	}
	for _, e := range cat.Events {
		if err := visit(byEvent[e], nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

func runPush(ctx context.Context, app *App, opts *pushOptions, rf *registryFlags) error {
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	level, err := compat.ParseLevel(cfg.Compat.Level)
	if err != nil {
		return usageError("compat.level: %w", err)
	}
	cat, err := loadCatalog(app, cfg, opts.Paths)
	if err != nil {
		return err
	}
	if len(cat.Errors) > 0 {
		for _, e := range cat.Errors {
			fmt.Fprintf(app.IO.ErrOut, "%s:%d:%d: error: %s (%s)\n", e.Path, e.Pos.Line, e.Pos.Col, e.Msg, ruleInvalidSchema)
		}
		return withHint(inputError(fmt.Errorf("%d schema file(s) do not parse; nothing was pushed", len(cat.Errors))), "run 'evctl lint' for details")
	}
	if len(cat.Events) == 0 {
		return inputError(fmt.Errorf("no schema files found in %s", strings.Join(orDefault(opts.Paths, cfg.Roots), ", ")))
	}
	items, err := registryItems(cfg, cat)
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
	if err := planPush(ctx, c, items, string(level)); err != nil {
		return registryFailure(err)
	}
	printPlan(app, items)
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Action]++
	}
	if opts.DryRun {
		fmt.Fprintf(app.IO.ErrOut, "dry run against %s: %d to create, %d new version(s), %d unchanged; nothing was registered\n",
			c.URL(), counts[actionCreate], counts[actionNewVersion], counts[actionUnchanged])
		return nil
	}
	rejected := 0
	done := map[string]int{}
	for _, it := range items {
		if it.Action == actionUnchanged {
			continue
		}
		if rej, ok := applyItem(ctx, c, it); !ok {
			if rej.err != nil {
				return registryFailure(rej.err)
			}
			rejected++
			printRejection(app, it, rej)
			continue
		}
		done[it.Action]++
		fmt.Fprintf(app.IO.Out, "%s: registered %s as id %d, version %d\n", it.Subject, it.Event.Path, it.ID, it.Version)
	}
	summary := fmt.Sprintf("%d created, %d new version(s), %d unchanged", done[actionCreate], done[actionNewVersion], counts[actionUnchanged])
	if rejected > 0 {
		fmt.Fprintf(app.IO.ErrOut, "pushed to %s: %s, %d rejected\n", c.URL(), summary, rejected)
		return silentExit(ExitFindings)
	}
	fmt.Fprintf(app.IO.ErrOut, "pushed to %s: %s\n", c.URL(), summary)
	return nil
}

// planPush decides each item's action against the registry, in order.
func planPush(ctx context.Context, c *registry.Client, items []*regItem, level string) error {
	for _, it := range items {
		if it.fillRefs() {
			r, found, err := c.Lookup(ctx, it.Subject, it.Schema)
			if err != nil {
				return err
			}
			if found {
				lvl, _, err := c.Level(ctx, it.Subject)
				if err != nil {
					return err
				}
				it.Action, it.Level, it.ID, it.Version, it.Known = actionUnchanged, lvl, r.ID, r.Version, true
				continue
			}
		}
		versions, err := c.Versions(ctx, it.Subject)
		if err != nil {
			return err
		}
		if len(versions) == 0 {
			it.Action, it.Level = actionCreate, level
			continue
		}
		lvl, _, err := c.Level(ctx, it.Subject)
		if err != nil {
			return err
		}
		it.Action, it.Level = actionNewVersion, lvl
	}
	return nil
}

func printPlan(app *App, items []*regItem) {
	tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
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

// rejection is why an item was not registered: the registry's reasons, or
// a failure (err) that ends the push.
type rejection struct {
	reason  string
	details []string
	err     error
}

// applyItem registers one item: the subject's level first for a new
// subject, then the schema.
func applyItem(ctx context.Context, c *registry.Client, it *regItem) (rejection, bool) {
	for _, d := range it.Deps {
		if d.Target.Failed {
			it.Failed = true
			return rejection{reason: fmt.Sprintf("not registered: it references %s (subject %s), which the registry rejected", d.Target.Event.Path, d.Target.Subject)}, false
		}
	}
	it.fillRefs()
	if it.Action == actionCreate {
		if err := c.SetLevel(ctx, it.Subject, it.Level); err != nil {
			return rejection{err: err}, false
		}
	}
	id, version, err := c.Register(ctx, it.Subject, it.Schema)
	if err != nil {
		if !registry.IsRejection(err) {
			return rejection{err: err}, false
		}
		it.Failed = true
		rej := rejection{reason: err.Error()}
		// For an incompatible schema (409) the verbose compatibility check
		// lists the reasons one by one.
		var re *registry.Error
		if !errors.As(err, &re) || re.Status != http.StatusConflict {
			return rej, false
		}
		if ok, msgs, cerr := c.CheckCompatibility(ctx, it.Subject, it.Schema); cerr == nil && !ok {
			rej.reason = fmt.Sprintf("the registry rejected the schema as incompatible under %s", it.Level)
			rej.details = reasonLines(msgs)
		}
		return rej, false
	}
	it.ID, it.Version, it.Known = id, version, true
	return rejection{}, true
}

// reasonLines keeps the registry's messages that explain, dropping the
// copies of old schema texts.
func reasonLines(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		if strings.HasPrefix(m, "{oldSchema: ") {
			continue
		}
		out = append(out, m)
	}
	return out
}

func printRejection(app *App, it *regItem, rej rejection) {
	fmt.Fprintf(app.IO.ErrOut, "evctl: %s (%s): %s\n", it.Subject, it.Event.Path, rej.reason)
	for _, d := range rej.details {
		fmt.Fprintf(app.IO.ErrOut, "evctl:   %s\n", d)
	}
}
