// Package check owns the comparison of a catalog with its earlier versions:
// every event against its baseline (and, at transitive levels, its history
// with the files it references as they were), removed events, new major
// versions, changes to shared files reported at the events using them, and
// the audited exceptions (compat.allow, allow_removed, unstable events).
package check

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/evctl/evctl/internal/baseline"
	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/findings"
	"github.com/evctl/evctl/internal/schema"
)

// StabilityKey marks an event that is linted but not compatibility-checked.
const StabilityKey = "x-evctl-stability"

// EventDoc turns an event into a compat document, with the text of the
// files it references (JSON Schema $refs, Avro named types) from its catalog.
func EventDoc(e *schema.Event, name string, cat *schema.Catalog) compat.Doc {
	d := compat.Doc{Name: name, Text: e.Source, YAML: e.YAML}
	for _, r := range cat.RefsOf(e) {
		if o := cat.ByPath(r.Path); o != nil {
			if d.References == nil {
				d.References = map[string][]byte{}
			}
			d.References[r.Name] = o.Source
		}
	}
	return d
}

// changedRefs lists the files e depends on whose text differs in base (or
// that base lacks): the shared files whose change is checked with e.
func changedRefs(e *schema.Event, cur, base *schema.Catalog) []string {
	var out []string
	for _, r := range cur.RefsOf(e) {
		o, b := cur.ByPath(r.Path), base.ByPath(r.Path)
		if o == nil {
			continue
		}
		if b == nil || !bytes.Equal(o.Source, b.Source) {
			out = append(out, r.Path)
		}
	}
	return out
}

// Compare compares every event of cur with its earlier versions in base
// (read from src), under level. x records the exceptions used.
func Compare(ctx context.Context, cfg *config.Config, x *Exceptions, cur, base *schema.Catalog, src baseline.Source, level compat.Level, policy compat.Policy) ([]diag.Diagnostic, error) {
	opts := compat.Options{Policy: policy}
	results := make([][]diag.Diagnostic, len(cur.Events))
	errs := make([]error, len(cur.Events))
	var wg sync.WaitGroup
	n := max(1, min(runtime.GOMAXPROCS(0), len(cur.Events)))
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(cur.Events); i += n {
				e := cur.Events[i]
				if Unstable(cfg, e) {
					results[i] = []diag.Diagnostic{{Rule: findings.UnstableEvent, Severity: diag.Info, File: e.Path, Line: 1, Column: 1, Event: e.Key,
						Message: fmt.Sprintf("%s is unstable (%s or compat.unstable): linted, not compatibility-checked", e.Key, StabilityKey)}}
					continue
				}
				results[i], errs[i] = compareEvent(ctx, x, cur, base, base.ByKey(e.Key), e, src, level, opts)
			}
		}(w)
	}
	wg.Wait()
	var ds []diag.Diagnostic
	for i := range results {
		if errs[i] != nil {
			return nil, errs[i]
		}
		ds = append(ds, results[i]...)
	}
	for _, b := range base.Events {
		if cur.ByKey(b.Key) != nil {
			continue
		}
		if reason, ok := x.allowRemoval(b); ok {
			d := diag.Diagnostic{Rule: findings.EventRemoved, File: b.Path, Line: 1, Column: 1, Event: b.Key,
				Message: fmt.Sprintf("event %s was removed", b.Key)}
			d.Allow(reason)
			ds = append(ds, d)
			continue
		}
		ds = append(ds, diag.Diagnostic{Rule: findings.EventRemoved, Severity: diag.Error, File: b.Path, Line: 1, Column: 1, Event: b.Key,
			Message: fmt.Sprintf("event %s existed in %s and was removed; consumers may still read it: restore it, or allow it in evctl.yaml under compat.allow_removed with a reason", b.Type, src.Describe())})
	}
	return ds, nil
}

// compareEvent compares one event of the catalog with its baseline b (nil
// when the event is new).
func compareEvent(ctx context.Context, x *Exceptions, cur, base *schema.Catalog, b, e *schema.Event, src baseline.Source, level compat.Level, opts compat.Options) ([]diag.Diagnostic, error) {
	var ds []diag.Diagnostic
	if b == nil {
		ds = append(ds, majorVersionNotes(cur, base, e, level, opts)...)
		return ds, nil
	}
	if b.Format != e.Format {
		ds = append(ds, diag.Diagnostic{Rule: findings.FormatChanged, Severity: diag.Error, File: e.Path, Line: 1, Column: 1, Event: e.Key,
			Message: fmt.Sprintf("%s changed from %s to %s; a registry rejects a different schema type; publish v%d.%s instead", e.Type, b.Format, e.Format, e.Version+1, e.Stem)})
		return ds, nil
	}
	changed := changedRefs(e, cur, base)
	if !level.Transitive() && bytes.Equal(b.Source, e.Source) && b.Path == e.Path && len(changed) == 0 {
		// Unchanged text and unchanged referenced files: a schema reads itself.
		return ds, nil
	}
	prev := []compat.Doc{EventDoc(b, src.Describe()+":"+b.Path, base)}
	if level.Transitive() {
		hist, err := src.History(ctx, b.Path)
		if err != nil {
			return nil, err
		}
		if len(hist) > 0 {
			prev = prev[:0]
			for _, h := range hist {
				d, err := historyDoc(ctx, src, b, h, base)
				if err != nil {
					return nil, err
				}
				prev = append(prev, d)
			}
		}
	}
	newDoc := EventDoc(e, e.Path, cur)
	res, err := compat.Check(e.Format, level, newDoc, prev, opts)
	if err != nil {
		if compat.IsParseError(err) {
			ds = append(ds, diag.Diagnostic{Rule: findings.InvalidBaseline, Severity: diag.Error, File: e.Path, Line: 1, Column: 1, Event: e.Key, Message: err.Error()})
			return ds, nil
		}
		return nil, err
	}
	if res.Compatible {
		return ds, nil
	}
	for _, c := range res.Changes {
		if c.Compatible {
			continue
		}
		line, col := At(c)
		via := ""
		if bytes.Equal(b.Source, e.Source) && len(changed) > 0 {
			via = fmt.Sprintf("; caused by the change to shared file %s, used by %s", strings.Join(changed, ", "), e.Key)
		}
		d := diag.Diagnostic{Rule: c.Type, Severity: diag.Error, File: e.Path, Line: line, Column: col, Event: e.Key,
			Message: fmt.Sprintf("%s; checked %s against %s%s; if the break is intended, publish v%d.%s instead, or accept it under compat.allow with a reason", ChangeText(c), c.Direction, against(c.Against, e.Path), via, e.Version+1, e.Stem)}
		if reason, ok := x.allowChange(e, c.Type, c.Path); ok {
			d.Allow(reason)
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// historyDoc is one committed version of b as a compat document, with the
// files it references as they were at that commit.
func historyDoc(ctx context.Context, src baseline.Source, b *schema.Event, h schema.FileSource, base *schema.Catalog) (compat.Doc, error) {
	d := compat.Doc{Name: src.Describe() + "@" + h.Path, Text: h.Data, YAML: b.YAML}
	commit, _, ok := strings.Cut(h.Path, ":")
	var refs []schema.Ref
	if b.Format == schema.JSONSchema {
		root, err := ParseRoot(h.Data, b.YAML)
		if err != nil {
			return d, nil // the engine reports it
		}
		if !ok {
			d.References = EventDoc(&schema.Event{Format: b.Format, Root: root, Path: b.Path}, "", base).References
			return d, nil
		}
		// Follow $refs through the files as they were at the commit.
		cache := map[string]*schema.Node{}
		var readErr error
		refs = schema.JSONRefs(root, b.Path, func(p string) *schema.Node {
			if n, ok := cache[p]; ok {
				return n
			}
			files, err := src.FilesAt(ctx, commit, []string{p})
			if err != nil {
				readErr = err
				return nil
			}
			n, _ := ParseRoot(files[p], strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml"))
			cache[p] = n
			return n
		})
		if readErr != nil {
			return d, readErr
		}
	}
	// The files the baseline version references (found by path or $id),
	// as they were at the commit.
	have := map[string]bool{}
	for _, r := range refs {
		have[r.Path] = true
	}
	for _, r := range base.RefsOf(b) {
		if !have[r.Path] {
			refs = append(refs, r)
		}
	}
	if len(refs) == 0 {
		return d, nil
	}
	if !ok {
		d.References = EventDoc(b, "", base).References
		return d, nil
	}
	paths := make([]string, len(refs))
	for i, r := range refs {
		paths[i] = r.Path
	}
	files, err := src.FilesAt(ctx, commit, paths)
	if err != nil {
		return d, err
	}
	for _, r := range refs {
		if data, ok := files[r.Path]; ok {
			if d.References == nil {
				d.References = map[string][]byte{}
			}
			d.References[r.Name] = data
		}
	}
	return d, nil
}

// majorVersionNotes diffs a new major version against the previous major.
func majorVersionNotes(cur, base *schema.Catalog, e *schema.Event, level compat.Level, opts compat.Options) []diag.Diagnostic {
	if e.Version < 2 {
		return nil
	}
	prevType := fmt.Sprintf("v%d.%s", e.Version-1, e.Stem)
	pe := cur.ByType(e.Domain, prevType)
	cat := cur
	if pe == nil {
		pe, cat = base.ByType(e.Domain, prevType), base
	}
	if pe == nil || pe.Format != e.Format {
		return nil
	}
	if base.ByKey(e.Key) != nil {
		return nil
	}
	if level == compat.None {
		level = compat.Backward
	}
	nonTransitive := compat.Level(strings.TrimSuffix(string(level), "_TRANSITIVE"))
	newDoc := EventDoc(e, e.Path, cur)
	prev := []compat.Doc{EventDoc(pe, pe.Path, cat)}
	res, err := compat.Check(e.Format, nonTransitive, newDoc, prev, opts)
	if err != nil {
		return nil
	}
	if res.Compatible {
		return []diag.Diagnostic{{Rule: findings.UnneededMajor, Severity: diag.Warning, File: e.Path, Line: 1, Column: 1, Event: e.Key,
			Message: fmt.Sprintf("%s is %s-compatible with %s; a new major version is not needed: evolve %s instead", e.Type, nonTransitive, prevType, pe.Path)}}
	}
	var ds []diag.Diagnostic
	for _, c := range res.Changes {
		l := Locate(c, newDoc.Name)
		ds = append(ds, diag.Diagnostic{Rule: c.Type, Severity: diag.Info, File: l.File, Line: l.Line, Column: l.Column, Event: e.Key,
			Message: fmt.Sprintf("new major version: %s; checked %s against %s", ChangeText(c), c.Direction, prevType)})
	}
	return ds
}

// ParseRoot parses a JSON or YAML document into the position-keeping model.
func ParseRoot(data []byte, isYAML bool) (*schema.Node, error) {
	if isYAML {
		return schema.ParseYAML(data)
	}
	return schema.ParseJSON(data)
}

// Located is a change with the position it points at.
type Located struct {
	compat.Change
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// Locate places a change where the engine found it: in the reader schema
// first (new for backward, previous for forward and for removals), then in
// the other; at 1:1 of newName when the engine found no place.
func Locate(c compat.Change, newName string) Located {
	order := []*compat.Position{c.New, c.Old}
	if c.Direction == compat.DirForward || strings.Contains(c.Type, "REMOVED") {
		order = []*compat.Position{c.Old, c.New}
	}
	for _, p := range order {
		if p != nil {
			return Located{Change: c, File: p.File, Line: p.Line, Column: p.Column}
		}
	}
	return Located{Change: c, File: newName, Line: 1, Column: 1}
}

// At is where a finding about the event goes: the change's place in the
// event's own text, as the engine found it (1:1 when it found none).
func At(c compat.Change) (line, col int) {
	if c.New != nil {
		return c.New.Line, c.New.Column
	}
	return 1, 1
}

// Unstable tells an event that is linted but not compatibility-checked:
// marked x-evctl-stability: unstable, or matched by compat.unstable.
func Unstable(cfg *config.Config, e *schema.Event) bool {
	if s, _ := e.Root.Get(StabilityKey).StringValue(); s == "unstable" {
		return true
	}
	for _, g := range cfg.Compat.Unstable {
		if config.MatchGlob(g, e.Path) {
			return true
		}
	}
	return false
}

// Exceptions tracks which compat.allow and allow_removed entries were used.
type Exceptions struct {
	mu      sync.Mutex
	cfg     *config.Config
	allow   []bool
	removed []bool
}

// NewExceptions tracks the exceptions of a config.
func NewExceptions(cfg *config.Config) *Exceptions {
	return &Exceptions{cfg: cfg, allow: make([]bool, len(cfg.Compat.Allow)), removed: make([]bool, len(cfg.Compat.AllowRemoved))}
}

// matchesEvent accepts the event's key (billing/v1.OrderPlaced) or, outside
// domains, its type.
func matchesEvent(name string, e *schema.Event) bool {
	return name == e.Key || (e.Domain == "" && name == e.Type)
}

// allowChange returns the reason of the compat.allow entry accepting a
// change of e, marking it used.
func (x *Exceptions) allowChange(e *schema.Event, changeType, path string) (string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i, a := range x.cfg.Compat.Allow {
		if !matchesEvent(a.Event, e) || a.Change != changeType {
			continue
		}
		if a.Path != "" && a.Path != path && "#"+a.Path != path && a.Path != "#"+path {
			continue
		}
		x.allow[i] = true
		return a.Reason, true
	}
	return "", false
}

// allowRemoval returns the reason of the allow_removed entry accepting the
// removal of e (by event, or its whole major version "v1").
func (x *Exceptions) allowRemoval(e *schema.Event) (string, bool) {
	for i, a := range x.cfg.Compat.AllowRemoved {
		if matchesEvent(a.Event, e) || a.Event == fmt.Sprintf("v%d", e.Version) {
			x.removed[i] = true
			return a.Reason, true
		}
	}
	return "", false
}

// Stale reports the entries that matched nothing, at their line in file
// (the config, as a catalog path).
func (x *Exceptions) Stale(file string) []diag.Diagnostic {
	var ds []diag.Diagnostic
	for i, a := range x.cfg.Compat.Allow {
		if !x.allow[i] {
			ds = append(ds, diag.Diagnostic{Rule: findings.StaleException, Severity: diag.Warning, File: file, Line: max(a.Line, 1), Column: 1,
				Message: fmt.Sprintf("compat.allow accepts %s for %s, but no such change was found; remove the entry", a.Change, a.Event)})
		}
	}
	for i, a := range x.cfg.Compat.AllowRemoved {
		if !x.removed[i] {
			ds = append(ds, diag.Diagnostic{Rule: findings.StaleException, Severity: diag.Warning, File: file, Line: max(a.Line, 1), Column: 1,
				Message: fmt.Sprintf("compat.allow_removed accepts the removal of %s, but nothing of it was removed; remove the entry", a.Event)})
		}
	}
	return ds
}

// ChangeText is a change's message, led by its path unless the message's
// title (its first clause) names the path itself.
func ChangeText(c compat.Change) string {
	if title, _ := diag.Layout(c.Message); c.Path == "" || strings.Contains(title, c.Path) {
		return c.Message
	}
	return c.Path + ": " + c.Message
}

// against names the baseline a change was found against without repeating
// the event's own path ("git:HEAD", not "git:HEAD:schemas/v1/X.avsc").
func against(doc, path string) string {
	for _, sep := range []string{":", "@"} {
		if s, ok := strings.CutSuffix(doc, sep+path); ok && s != "" {
			return s
		}
	}
	return doc
}
