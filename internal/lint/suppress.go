package lint

import (
	"fmt"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/internal/suggest"
)

// IgnoreKey is the inline suppression annotation: on a JSON Schema node or
// an Avro schema, field or type, {"x-evctl-ignore": {"rule-id": "reason"}}
// accepts that rule's findings inside the node.
const IgnoreKey = "x-evctl-ignore"

// RuleStaleException is the id of the warning for an exception that no
// longer matches anything (or is malformed).
const RuleStaleException = "stale-exception"

type suppression struct {
	rule, reason string
	pos          schema.Pos
	node         *schema.Node
	// key is the position of the key whose value node is (a property's
	// name), where rules often report.
	key  schema.Pos
	used bool
}

// suppressions lists a document's x-evctl-ignore entries; malformed ones
// are reported through bad.
func suppressions(root *schema.Node, bad func(pos schema.Pos, msg string)) []*suppression {
	var out []*suppression
	var walk func(n *schema.Node, key schema.Pos, depth int)
	walk = func(n *schema.Node, key schema.Pos, depth int) {
		if n == nil || depth > schema.MaxDepth {
			return
		}
		for _, m := range n.Members {
			if m.Key == IgnoreKey {
				if m.Value.Kind != schema.Object {
					bad(m.KeyPos, fmt.Sprintf("%s must map rule ids to reasons, e.g. {\"explicit-units\": \"legacy field, see ADR-12\"}", IgnoreKey))
					continue
				}
				for _, e := range m.Value.Members {
					reason, _ := e.Value.StringValue()
					if reason == "" {
						bad(e.KeyPos, fmt.Sprintf("%s for %s needs a reason (a non-empty string)", IgnoreKey, e.Key))
						continue
					}
					out = append(out, &suppression{rule: e.Key, reason: reason, pos: e.KeyPos, node: n, key: key})
				}
				continue
			}
			walk(m.Value, m.KeyPos, depth+1)
		}
		for _, it := range n.Items {
			walk(it, schema.Pos{}, depth+1)
		}
	}
	walk(root, schema.Pos{}, 0)
	return out
}

// within reports whether pos is the position of n, of one of its keys, or
// of a node under it.
func within(n *schema.Node, pos schema.Pos, depth int) bool {
	if n == nil || depth > schema.MaxDepth {
		return false
	}
	if n.Pos == pos {
		return true
	}
	for _, m := range n.Members {
		if m.KeyPos == pos || within(m.Value, pos, depth+1) {
			return true
		}
	}
	for _, it := range n.Items {
		if within(it, pos, depth+1) {
			return true
		}
	}
	return false
}

// applySuppressions marks the findings on ev that an x-evctl-ignore accepts
// and reports the entries that accept nothing.
func applySuppressions(ev *schema.Event, ds []diag.Diagnostic) []diag.Diagnostic {
	var extra []diag.Diagnostic
	report := func(pos schema.Pos, msg string) {
		extra = append(extra, diag.Diagnostic{Rule: RuleStaleException, Severity: diag.Warning, File: ev.Path, Line: pos.Line, Column: pos.Col, Message: msg})
	}
	sups := suppressions(ev.Root, report)
	if len(sups) == 0 {
		return append(ds, extra...)
	}
	for i := range ds {
		d := &ds[i]
		for _, s := range sups {
			pos := schema.Pos{Line: d.Line, Col: d.Column}
			if s.rule == d.Rule && (pos == s.key || within(s.node, pos, 0)) {
				d.Allow(s.reason)
				s.used = true
				break
			}
		}
	}
	for _, s := range sups {
		if s.used {
			continue
		}
		if ByID(s.rule) == nil {
			report(s.pos, fmt.Sprintf("%s names %q, which is not a lint rule%s", IgnoreKey, s.rule, didYouMeanRule(s.rule)))
			continue
		}
		report(s.pos, fmt.Sprintf("%s accepts %s here, but it finds nothing here any more; remove the entry", IgnoreKey, s.rule))
	}
	return append(ds, extra...)
}

// didYouMeanRule suggests the nearest rule id.
func didYouMeanRule(id string) string {
	ids := make([]string, 0)
	for _, r := range All() {
		ids = append(ids, r.ID)
	}
	return suggest.DidYouMean(id, ids)
}
