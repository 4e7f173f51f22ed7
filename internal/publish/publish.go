// Package publish owns what evctl push registers: the subject of every
// event and shared file (by the configured strategy), the registry text,
// the Confluent references between them, the order that registers
// referenced schemas first, and applying that plan to a registry.
package publish

import (
	"context"
	"errors"
	"fmt"
	"github.com/evctl/evctl/internal/registry/client"
	"net/http"
	"strings"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/schema"
)

// ConfigError is a subject naming problem of the config (exit 2).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// InputError is a catalog that cannot be published (exit 3): a reference
// cycle, a YAML document that has no JSON form.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Push actions.
const (
	ActionCreate     = "create"
	ActionNewVersion = "new-version"
	ActionUnchanged  = "unchanged"
)

type Item struct {
	Event   *schema.Event
	Subject string
	// Schema is what is sent: the source text, the type and, once the
	// referenced schemas' versions are known, the references.
	Schema client.Schema
	// Deps are the catalog events this one references, by reference name.
	Deps []Dep

	Action  string
	Level   string
	ID      int
	Version int
	// Known tells that ID and Version are the registered ones.
	Known bool
	// Failed is set when the registry rejected it (or a dependency).
	Failed bool
}

type Dep struct {
	Name   string
	Target *Item
}

// FillRefs sets the references from the dependencies whose registered
// version is known, and reports whether all of them are.
func (it *Item) FillRefs() bool {
	it.Schema.References = nil
	ok := true
	for _, d := range it.Deps {
		if !d.Target.Known {
			ok = false
			continue
		}
		it.Schema.References = append(it.Schema.References, client.Reference{Name: d.Name, Subject: d.Target.Subject, Version: d.Target.Version})
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
func RecordName(e *schema.Event) string {
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
func refDeps(e *schema.Event, cat *schema.Catalog) []depName {
	var out []depName
	for _, r := range cat.DirectRefs(e) {
		o := cat.ByPath(r.Path)
		if o == nil || o == e {
			continue
		}
		name := r.Name
		if e.Format == schema.Avro {
			// Confluent names an Avro reference by the full name of the type.
			name = RecordName(o)
		}
		out = append(out, depName{Name: name, Event: o})
	}
	return out
}

// topicKey is the annotation naming an event's Kafka topic, for the topic
// strategies.
const topicKey = "x-evctl-topic"

// subjectInput is what an event's subject is made of: its identity (with
// its domain), its record full name and its annotated topic.
func SubjectInput(e *schema.Event) client.SubjectInput {
	topic, _ := e.Root.Get(topicKey).StringValue()
	return client.SubjectInput{EventType: e.Key, RecordName: RecordName(e), Topic: topic}
}

// sharedSubject is the subject of a shared definition file, registered as a
// schema reference: the Avro full name of its type, else its catalog path.
func sharedSubject(e *schema.Event) string {
	if e.Format == schema.Avro {
		if n := RecordName(e); n != "" {
			return n
		}
	}
	return e.Path
}

type depName struct {
	Name  string
	Event *schema.Event
}

// registryItems maps the catalog to subjects and schemas, referenced
// schemas before the schemas that reference them.
func Plan(cfg *config.Config, cat *schema.Catalog) ([]*Item, error) {
	namer, err := client.NewSubjectNamer(cfg.Registry.SubjectStrategy, cfg.Registry.Topics)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	byEvent := map[*schema.Event]*Item{}
	bySubject := map[string]*Item{}
	for _, e := range cat.All() {
		subj := sharedSubject(e)
		if !e.Shared {
			subj, err = namer.Subject(SubjectInput(e))
			if err != nil {
				return nil, &ConfigError{Err: err}
			}
		}
		if o := bySubject[subj]; o != nil {
			return nil, &ConfigError{Err: fmt.Errorf("%s and %s both map to subject %s under subject_strategy %s: one subject holds one event's versions", o.Event.Path, e.Path, subj, namer.Strategy)}
		}
		text, err := registryText(e)
		if err != nil {
			return nil, &InputError{Err: err}
		}
		it := &Item{Event: e, Subject: subj, Schema: client.Schema{Text: text, Type: string(e.Format)}}
		byEvent[e], bySubject[subj] = it, it
	}
	for _, e := range cat.All() {
		for _, d := range refDeps(e, cat) {
			byEvent[e].Deps = append(byEvent[e].Deps, Dep{Name: d.Name, Target: byEvent[d.Event]})
		}
	}
	// Depth-first topological order, stable in catalog order.
	const (
		unseen = iota
		visiting
		done
	)
	state := map[*Item]int{}
	var order []*Item
	var visit func(it *Item, path []string) error
	visit = func(it *Item, path []string) error {
		switch state[it] {
		case done:
			return nil
		case visiting:
			return &InputError{Err: fmt.Errorf("schema references form a cycle: %s", strings.Join(append(path, it.Event.Path), " -> "))}
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
	for _, e := range cat.All() {
		if err := visit(byEvent[e], nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// Resolve decides each item's action against the registry (create,
// new-version or unchanged, with the subject's level and, when unchanged,
// its id and version), working on at most concurrency items at a time and
// on an item only once the items it references are resolved (their
// versions become its references for the lookup). The first failure in the
// order of items is returned; after a failure no further item starts.
//
// With more than one item, the registry's subjects are listed first (one
// request): an item whose subject is not among them is a create without a
// request of its own. A registry that refuses the list (a principal allowed
// only some subjects) is asked item by item, as with one item.
func Resolve(ctx context.Context, c *client.Client, items []*Item, level string, concurrency int) error {
	absent := absentSubjects(ctx, c, items)
	return each(items, concurrency, func(it *Item) error { return resolveItem(ctx, c, it, level, absent) })
}

// absentSubjects returns the subjects of items that the registry does not
// list (GET /subjects: the subjects with a live version), or nil when there
// is one item or the list cannot be had. Subjects of a context other than
// the default one (":.ctx:name") are never taken as absent: registries
// differ in whether the list shows them.
func absentSubjects(ctx context.Context, c *client.Client, items []*Item) map[string]bool {
	if len(items) < 2 {
		return nil
	}
	subs, err := c.Subjects(ctx)
	if err != nil {
		return nil
	}
	listed := make(map[string]bool, len(subs))
	for _, s := range subs {
		listed[s] = true
	}
	absent := map[string]bool{}
	for _, it := range items {
		if !listed[it.Subject] && !strings.HasPrefix(it.Subject, ":.") {
			absent[it.Subject] = true
		}
	}
	return absent
}

func resolveItem(ctx context.Context, c *client.Client, it *Item, level string, absent map[string]bool) error {
	if absent[it.Subject] {
		// No live version: what a lookup (40401) and a versions request
		// (none) would say.
		it.Action, it.Level = ActionCreate, level
		return nil
	}
	if it.FillRefs() {
		r, found, missing, err := c.LookupSubject(ctx, it.Subject, it.Schema)
		if err != nil {
			return err
		}
		if missing {
			// The registry said the subject has no live version: a
			// Versions request would say the same.
			it.Action, it.Level = ActionCreate, level
			return nil
		}
		if found {
			lvl, _, err := c.Level(ctx, it.Subject)
			if err != nil {
				return err
			}
			it.Action, it.Level, it.ID, it.Version, it.Known = ActionUnchanged, lvl, r.ID, r.Version, true
			return nil
		}
	}
	versions, err := c.Versions(ctx, it.Subject)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		it.Action, it.Level = ActionCreate, level
		return nil
	}
	lvl, _, err := c.Level(ctx, it.Subject)
	if err != nil {
		return err
	}
	it.Action, it.Level = ActionNewVersion, lvl
	return nil
}

type Rejection struct {
	// Reason and Details are the registry's; Err is a transport or auth
	// error (exit 4) rather than a rejection.
	Reason  string
	Details []string
	Err     error
}

// applyItem registers one item: the subject's level first for a new
// subject, then the schema.
func Apply(ctx context.Context, c *client.Client, it *Item) (Rejection, bool) {
	for _, d := range it.Deps {
		if d.Target.Failed {
			it.Failed = true
			return Rejection{Reason: fmt.Sprintf("not registered: it references %s (subject %s), which the registry rejected", d.Target.Event.Path, d.Target.Subject)}, false
		}
	}
	it.FillRefs()
	if it.Action == ActionCreate {
		if err := c.SetLevel(ctx, it.Subject, it.Level); err != nil {
			return Rejection{Err: err}, false
		}
	}
	id, version, err := c.Register(ctx, it.Subject, it.Schema)
	if err != nil {
		if !client.IsRejection(err) {
			return Rejection{Err: err}, false
		}
		it.Failed = true
		rej := Rejection{Reason: err.Error()}
		// For an incompatible schema (409) the verbose compatibility check
		// lists the reasons one by one.
		var re *client.Error
		if !errors.As(err, &re) || re.Status != http.StatusConflict {
			return rej, false
		}
		if ok, msgs, cerr := c.CheckCompatibility(ctx, it.Subject, it.Schema); cerr == nil && !ok {
			rej.Reason = fmt.Sprintf("the registry rejected the schema as incompatible under %s", it.Level)
			rej.Details = ReasonLines(msgs)
		}
		return rej, false
	}
	it.ID, it.Version, it.Known = id, version, true
	return Rejection{}, true
}

// ReasonLines keeps the registry's messages that explain, dropping the
// copies of old schema texts.
func ReasonLines(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		if strings.HasPrefix(m, "{oldSchema: ") {
			continue
		}
		out = append(out, m)
	}
	return out
}
