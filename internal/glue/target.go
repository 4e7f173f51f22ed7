package glue

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/evctl/evctl/internal/compat"
)

// Item is one catalog event bound for a Glue registry.
type Item struct {
	// Name is the Glue schema name (the registry subject evctl derives).
	Name string
	// File is the schema file, for messages.
	File string
	// Format is AVRO or JSON; Definition the text registered.
	Format, Definition string
	// HasRefs is set when the schema references other files: Glue has no
	// schema references.
	HasRefs bool
}

// Refuse returns, for each item Glue would not accept, why; nil when
// every item may be sent. It makes no call.
func Refuse(registry string, items []Item) []error {
	var errs []error
	if err := CheckName("registry", registry); err != nil {
		errs = append(errs, err)
	}
	for _, it := range items {
		if err := CheckName("schema", it.Name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", it.File, err))
		}
		if it.HasRefs {
			errs = append(errs, fmt.Errorf("%s: %w: the schema references other files ($ref), and Glue has no schema references", it.File, ErrRefused))
		}
		if err := CheckDefinition(it.Format, []byte(it.Definition)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", it.File, err))
		}
	}
	return errs
}

// Actions of a plan.
const (
	ActionCreate     = "create"
	ActionNewVersion = "new-version"
	ActionUnchanged  = "unchanged"
	// ActionFailed: the definition is registered, and Glue marked it
	// FAILURE; registering it again returns the same failed version.
	ActionFailed = "registered-failed"
)

// Planned is an item with what the registry holds for it.
type Planned struct {
	Item
	Action string
	// Mode is the schema's compatibility mode in Glue, or the one a
	// created schema gets.
	Mode       string
	Checkpoint int64
	// Version is the registered version holding the definition, if any.
	Version Version
}

// Target is a Glue registry evctl pushes to and checks against.
type Target struct {
	C        *Client
	Registry string
	// MaxWait bounds the polling of a PENDING version.
	MaxWait time.Duration
}

func (t *Target) id(name string) SchemaID {
	return SchemaID{RegistryName: t.Registry, SchemaName: name}
}

// Plan looks each item up; mode is what a new schema is created with.
func (t *Target) Plan(ctx context.Context, items []Item, mode string) ([]Planned, error) {
	out := make([]Planned, 0, len(items))
	for _, it := range items {
		p := Planned{Item: it}
		sc, err := t.C.GetSchema(ctx, t.id(it.Name))
		switch {
		case IsNotFound(err):
			p.Action, p.Mode, p.Checkpoint = ActionCreate, mode, 1
			out = append(out, p)
			continue
		case err != nil:
			return nil, err
		}
		p.Mode, p.Checkpoint = sc.Compatibility, sc.SchemaCheckpoint
		if sc.DataFormat != it.Format {
			return nil, fmt.Errorf("%s: Glue schema %s is %s, the file is %s: %w: a Glue schema keeps its data format; publish the event under a new name", it.File, it.Name, sc.DataFormat, it.Format, ErrRefused)
		}
		v, err := t.C.GetSchemaByDefinition(ctx, t.id(it.Name), it.Definition)
		switch {
		case IsNotFound(err):
			p.Action = ActionNewVersion
		case err != nil:
			return nil, err
		default:
			full, err := t.C.GetSchemaVersionByID(ctx, v.SchemaVersionId)
			if err != nil {
				return nil, err
			}
			p.Version = full
			p.Action = ActionUnchanged
			if full.Status == "FAILURE" {
				p.Action = ActionFailed
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// Apply registers a planned item (create or new version), waits for the
// version to settle and returns it. DISABLED is refused without a call.
func (t *Target) Apply(ctx context.Context, p Planned) (Version, error) {
	var v Version
	var err error
	switch p.Action {
	case ActionCreate:
		v, err = t.C.CreateSchema(ctx, t.Registry, p.Name, p.Format, p.Mode, p.Definition)
	case ActionNewVersion:
		if p.Mode == ModeDisabled {
			return v, fmt.Errorf("%w: schema %s is DISABLED in Glue: it accepts no new version", ErrRefused, p.Name)
		}
		v, err = t.C.RegisterSchemaVersion(ctx, t.id(p.Name), p.Definition)
	default:
		return p.Version, nil
	}
	if err != nil {
		return v, err
	}
	number := v.VersionNumber
	settled, err := t.C.WaitSettled(ctx, v.SchemaVersionId, t.MaxWait)
	if err != nil {
		return v, err
	}
	if settled.VersionNumber == 0 {
		settled.VersionNumber = number
	}
	return settled, nil
}

// Explain runs evctl's engine the way Glue judges a version: the
// definition against the AVAILABLE versions numbered from the checkpoint
// up to (excluding) before (0: all), under the schema's mode; FAILURE
// versions do not count. It returns the result and the compared version
// documents. newDoc is the definition as a compat.Doc (its source text
// and name, for positions); nil means p.Definition.
func (t *Target) Explain(ctx context.Context, p Planned, newDoc *compat.Doc, before int64, policy compat.Policy) (compat.Result, []compat.Doc, error) {
	if p.Mode == ModeDisabled {
		return compat.Result{Compatible: false}, nil, nil
	}
	level, err := LevelOf(p.Mode)
	if err != nil {
		return compat.Result{}, nil, err
	}
	vs, err := t.C.ListSchemaVersions(ctx, t.id(p.Name))
	if err != nil && !IsNotFound(err) {
		return compat.Result{}, nil, err
	}
	var prev []compat.Doc
	for _, v := range vs {
		if v.Status != "AVAILABLE" || v.VersionNumber < p.Checkpoint || before > 0 && v.VersionNumber >= before {
			continue
		}
		full, err := t.C.GetSchemaVersionByID(ctx, v.SchemaVersionId)
		if err != nil {
			return compat.Result{}, nil, err
		}
		prev = append(prev, compat.Doc{Name: "glue:" + p.Name + "@" + strconv.FormatInt(v.VersionNumber, 10), Text: []byte(full.SchemaDefinition)})
	}
	if !level.Transitive() && len(prev) > 1 {
		prev = prev[len(prev)-1:]
	}
	if level == compat.None {
		prev = nil
	}
	doc := compat.Doc{Name: p.File, Text: []byte(p.Definition)}
	if newDoc != nil {
		doc = *newDoc
	}
	res, err := compat.Check(compat.Format(p.Format), level, doc, prev, compat.Options{Policy: policy})
	return res, prev, err
}
