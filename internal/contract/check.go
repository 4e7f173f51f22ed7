package contract

import (
	"fmt"
	"sort"
	"strings"

	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/internal/suggest"
)

// Finding is one way a schema breaks a consumer's contract.
type Finding struct {
	Rule string
	// File and Pos are the schema position; Event its event type.
	File  string
	Pos   schema.Pos
	Event string
	// Contract and At are the contract and the position in it.
	Contract *Contract
	At       schema.Pos
	Message  string
}

// Check checks every contract of set against the events of cur. base, when
// not nil, is the earlier catalog: an event or field that exists there but
// not in cur was removed (a finding); one that exists in neither is a
// contract naming something the schema never had (an Error). Without base,
// anything missing from cur is an Error.
func Check(set *Set, cur, base *schema.Catalog) ([]Finding, []*Error) {
	var fs []Finding
	var errs []*Error
	for _, c := range set.Contracts {
		f, e := checkOne(c, cur, base, "")
		fs = append(fs, f...)
		errs = append(errs, e...)
	}
	sortFindings(fs)
	sortErrors(errs)
	return fs, errs
}

// Verify checks the contracts of set against the events of a producer's
// catalog named by label (git:origin/main, registry subject v1.OrderPlaced
// version 3), from the consumer's side: an event or field path the catalog
// lacks is a finding (the producer may send events without it), not an error.
func Verify(set *Set, cat *schema.Catalog, label string) []Finding {
	var fs []Finding
	for _, c := range set.Contracts {
		f, _ := checkOne(c, cat, nil, label)
		for i := range f {
			if f[i].File != label {
				f[i].File = label + ":" + f[i].File
			}
		}
		fs = append(fs, f...)
	}
	sortFindings(fs)
	return fs
}

// checkOne checks one contract; label is set when verifying (see Verify).
func checkOne(c *Contract, cur, base *schema.Catalog, label string) ([]Finding, []*Error) {
	var ev, old *schema.Event
	if cur != nil {
		ev = cur.ByKey(c.Event)
	}
	if base != nil {
		old = base.ByKey(c.Event)
	}
	if ev == nil && label != "" {
		return []Finding{{Rule: RuleEventRemoved.ID, File: label, Pos: schema.Pos{Line: 1, Col: 1}, Event: c.Event, Contract: c, At: c.EventPos,
			Message: fmt.Sprintf("consumer %s reads event %s (%s), which %s does not have%s", c.Consumer, c.Event, c.Where(c.EventPos), label, nearEvent(c.Event, cur))}}, nil
	}
	if ev == nil && old == nil {
		return nil, []*Error{{File: c.File, Pos: c.EventPos, Msg: fmt.Sprintf("event %s is not in the schema catalog%s; name an existing event type", c.Event, nearEvent(c.Event, cur, base))}}
	}
	if ev == nil {
		return []Finding{{Rule: RuleEventRemoved.ID, File: old.Path, Pos: schema.Pos{Line: 1, Col: 1}, Event: c.Event, Contract: c, At: c.EventPos,
			Message: fmt.Sprintf("event %s was removed, but consumer %s still reads it (%s): restore it, or have %s move to its successor and delete the contract first", c.Event, c.Consumer, c.Where(c.EventPos), c.Consumer)}}, nil
	}
	if ev.Top == nil {
		return nil, nil // does not parse: reported by lint as invalid-schema
	}
	var fs []Finding
	var errs []*Error
	for _, r := range c.Reads {
		res, why := Resolve(ev.Top, r.Path)
		if res == nil {
			var oldRes *Resolved
			if old != nil && old.Top != nil {
				oldRes, _ = Resolve(old.Top, r.Path)
			}
			if label != "" {
				fs = append(fs, Finding{Rule: RuleFieldRemoved.ID, File: ev.Path, Pos: parentPos(ev.Top, r.Path), Event: c.Event, Contract: c, At: r.Pos,
					Message: fmt.Sprintf("%s: consumer %s reads %s (%s), which %s may send without it: %s%s", r.Path, c.Consumer, r.Path, c.Where(r.Pos), label, why, nearField(ev.Top, why))})
				continue
			}
			if oldRes == nil {
				errs = append(errs, &Error{File: c.File, Pos: r.Pos, Msg: fmt.Sprintf("%s is not a field path of %s (%s): %s%s", r.Path, c.Event, ev.Path, why, nearField(ev.Top, why))})
				continue
			}
			fs = append(fs, Finding{Rule: RuleFieldRemoved.ID, File: ev.Path, Pos: parentPos(ev.Top, r.Path), Event: c.Event, Contract: c, At: r.Pos,
				Message: fmt.Sprintf("%s: consumer %s reads %s (%s), which the schema no longer has (%s); keep the field, or publish v%d.%s for the change", r.Path, c.Consumer, r.Path, c.Where(r.Pos), why, ev.Version+1, ev.Stem)})
			continue
		}
		fs = append(fs, checkRead(c, r, ev, res)...)
	}
	if !c.ToleratesNewFields && old != nil && old.Top != nil {
		fs = append(fs, newFields(c, ev, old)...)
	}
	return fs, errs
}

// checkRead checks one resolved read.
func checkRead(c *Contract, r *Read, ev *schema.Event, res *Resolved) []Finding {
	var fs []Finding
	at := res.Field.Pos
	add := func(rule, format string, args ...any) {
		fs = append(fs, Finding{Rule: rule, File: ev.Path, Pos: at, Event: c.Event, Contract: c, At: r.Pos,
			Message: fmt.Sprintf("%s: consumer %s ", r.Path, c.Consumer) + fmt.Sprintf(format, args...)})
	}
	if !r.Optional && res.Optional {
		reason := "not required"
		if res.OptionalField.Type.Nullable() {
			reason = "nullable"
		}
		how := "is " + reason
		if res.OptionalAt != r.Path && !strings.HasPrefix(r.Path, res.OptionalAt+"[]") {
			how = fmt.Sprintf("is under %s, which is %s", res.OptionalAt, reason)
		}
		add(RuleFieldOptional.ID, "reads it as always present (%s), but it %s: make it required and non-null, or have %s mark it optional: true once it copes with its absence", c.Where(r.Pos), how, c.Consumer)
	}
	got := kindOf(res.Type)
	if r.Type != "" && !accepts(r.Type, got) {
		if got == "" {
			got = "a value of more than one type"
		}
		add(RuleTypeChanged.ID, "reads it as %s (%s), but the schema now has %s; restore the type, or publish v%d.%s for the change", r.Type, c.Where(r.Pos), got, ev.Version+1, ev.Stem)
	}
	if len(r.Enum) > 0 && r.Unknown == UnknownFail {
		syms, closed := symbols(res.Type.NonNull())
		if !closed {
			syms, closed = symbols(res.Type)
		}
		switch {
		case !closed:
			add(RuleEnumUnhandled.ID, "handles only %s and fails on any other value (%s), but the schema allows any value; restore the enum, or have %s handle unknown values (unknown: ignore)", strings.Join(r.Enum, ", "), c.Where(r.Pos), c.Consumer)
		default:
			var extra []string
			for _, s := range syms {
				if !contains(r.Enum, s) {
					extra = append(extra, s)
				}
			}
			if len(extra) > 0 {
				add(RuleEnumUnhandled.ID, "handles only %s and fails on any other value (%s), but the schema allows %s: have %s handle it (add it to the contract's enum) before the producer ships it", strings.Join(r.Enum, ", "), c.Where(r.Pos), strings.Join(extra, ", "), c.Consumer)
			}
		}
	}
	return fs
}

// newFields reports fields added, since old, to the records a consumer
// that does not tolerate new fields reads.
func newFields(c *Contract, ev, old *schema.Event) []Finding {
	var fs []Finding
	seen := map[string]bool{}
	check := func(prefix string, nt, ot *schema.Type) {
		nr, or := record(nt), record(ot)
		if nr == nil || or == nil || seen[prefix] {
			return
		}
		seen[prefix] = true
		for _, f := range nr.Fields {
			if or.Field(f.Name) == nil {
				p := f.Name
				if prefix != "" {
					p = prefix + "." + f.Name
				}
				fs = append(fs, Finding{Rule: RuleFieldAdded.ID, File: ev.Path, Pos: f.Pos, Event: c.Event, Contract: c, At: c.TolerantPos,
					Message: fmt.Sprintf("%s: consumer %s does not tolerate new fields (%s), and %s is new; have %s accept unknown fields first, or publish the field in v%d.%s", p, c.Consumer, c.Where(c.TolerantPos), p, c.Consumer, ev.Version+1, ev.Stem)})
			}
		}
	}
	check("", ev.Top, old.Top)
	for _, r := range c.Reads {
		segs, _ := SplitPath(r.Path)
		prefix := ""
		for i := range segs {
			if i > 0 {
				prefix += "."
			}
			prefix += segs[i].Name + strings.Repeat("[]", segs[i].Array)
			nres, _ := Resolve(ev.Top, prefix)
			ores, _ := Resolve(old.Top, prefix)
			if nres == nil || ores == nil {
				break
			}
			check(prefix, nres.Type, ores.Type)
		}
	}
	return fs
}

// parentPos is the position of the deepest record of path that still exists.
func parentPos(top *schema.Type, path string) schema.Pos {
	segs, _ := SplitPath(path)
	pos := top.Pos
	prefix := ""
	for i := 0; i < len(segs)-1; i++ {
		if i > 0 {
			prefix += "."
		}
		prefix += segs[i].Name + strings.Repeat("[]", segs[i].Array)
		r, _ := Resolve(top, prefix)
		if r == nil {
			break
		}
		pos = r.Field.Pos
	}
	if pos.Line == 0 {
		pos = schema.Pos{Line: 1, Col: 1}
	}
	return pos
}

func nearEvent(name string, cats ...*schema.Catalog) string {
	var names []string
	for _, cat := range cats {
		if cat == nil {
			continue
		}
		for _, e := range cat.Events {
			names = append(names, e.Type)
		}
	}
	if best := suggest.Closest(name, names); best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}

func nearField(top *schema.Type, why string) string {
	missing, ok := strings.CutSuffix(why, " does not exist")
	if !ok {
		return ""
	}
	i := strings.LastIndex(missing, ".")
	parent, name := "", missing
	if i >= 0 {
		parent, name = missing[:i], missing[i+1:]
	}
	t := top
	if parent != "" {
		r, _ := Resolve(top, parent)
		if r == nil {
			return ""
		}
		t = r.Type
	}
	rec := record(t)
	if rec == nil {
		return ""
	}
	var names []string
	for _, f := range rec.Fields {
		names = append(names, f.Name)
	}
	if best := suggest.Closest(name, names); best != "" {
		return fmt.Sprintf("; did you mean %s?", strings.TrimPrefix(parent+"."+best, "."))
	}
	return ""
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Contract.File != b.Contract.File {
			return a.Contract.File < b.Contract.File
		}
		return a.At.Line < b.At.Line
	})
}
