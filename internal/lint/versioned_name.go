package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// VersionedName requires the declared name to match the file and its v<N> directory.
var VersionedName = &Rule{
	ID:      "versioned-name",
	Doc:     "An event sits in a v<N> directory and declares the matching name: an Avro record named after the file in a namespace ending in v<N>, or a JSON Schema titled v<N>.<FileStem>.",
	Default: diag.Error,
	Policy: `The catalog's layout is the contract: schemas/v<N>/<Name>.<ext>. An Avro
record is named <Name> (the file stem) in a namespace whose last segment is
v<N>; a JSON Schema sets "title": "v<N>.<Name>" (and a "$id", if any, ends in
/v<N>/<Name>). The rule has no judgement calls and is not measured on the
corpus (foreign catalogs do not use this layout).

Bad:  schemas/v1/OrderPlaced.avsc declaring "name": "Order" or namespace com.acme.v2
Good: schemas/v1/OrderPlaced.avsc declaring "name": "OrderPlaced", namespace com.acme.orders.v1`,
	Bad: `{
  "type": "record",
  "name": "OrderPlaced",
  "namespace": "com.acme.orders",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": "order_id", "type": "string"}
  ]
}
`,
	Good: `{
  "type": "record",
  "name": "OrderPlaced",
  "namespace": "com.acme.orders.v1",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": "order_id", "type": "string"}
  ]
}
`,
	Run: runVersionedName,
}

var versionSegRE = regexp.MustCompile(`^v[0-9]+$`)

func runVersionedName(p *Pass) {
	ev := p.Event
	v := fmt.Sprintf("v%d", ev.Version)
	if ev.Format == schema.Avro {
		checkAvroName(p, v)
		return
	}
	want := v + "." + ev.Stem
	tn := ev.Root.Get("title")
	switch t, ok := tn.StringValue(); {
	case tn == nil:
		p.Reportf(rootPos(ev), "schema has no \"title\"; set it to %q", want)
	case !ok:
		p.Reportf(tn.Pos, "\"title\" must be the string %q", want)
	case t != want:
		p.Reportf(tn.Pos, "title %q does not match the file; set it to %q", t, want)
	}
	if idn := ev.Root.Get("$id"); idn != nil {
		if id, ok := idn.StringValue(); ok && !strings.Contains(id, "/"+v+"/") {
			p.Reportf(idn.Pos, "\"$id\" %q does not contain the version directory %q; use an $id such as %q", id, "/"+v+"/", idWithVersion(id, v))
		}
	}
}

func checkAvroName(p *Pass, v string) {
	ev := p.Event
	if _, named := ev.Root.Get("name").StringValue(); !named {
		p.Reportf(rootPos(ev), "the schema declares no named type; declare a record named %q in a namespace ending in %q, such as %q", ev.Stem, v, "com.example."+v)
		return
	}
	nn := ev.Root.Get("name")
	name, _ := nn.StringValue()
	ns, _ := ev.Root.Get("namespace").StringValue()
	if i := strings.LastIndex(name, "."); i >= 0 {
		ns, name = name[:i], name[i+1:]
	}
	pos := rootPos(ev)
	if nn != nil {
		pos = nn.Pos
	}
	if name != ev.Stem {
		p.Reportf(pos, "record name %q does not match the file name; name the record %q", name, ev.Stem)
	}
	nsPos := pos
	if n := ev.Root.Get("namespace"); n != nil && !strings.Contains(mustString(nn), ".") {
		nsPos = n.Pos
	}
	segs := strings.Split(ns, ".")
	if last := segs[len(segs)-1]; last != v {
		want := v
		switch {
		case ns == "":
			p.Reportf(nsPos, "record has no namespace; use a namespace ending in %q, such as %q", v, "com.example."+v)
			return
		case versionSegRE.MatchString(last):
			segs[len(segs)-1] = v
			want = strings.Join(segs, ".")
		default:
			want = ns + "." + v
		}
		p.Reportf(nsPos, "namespace %q does not end in the version %q; expected namespace %q", ns, v, want)
	}
}

func mustString(n *schema.Node) string {
	s, _ := n.StringValue()
	return s
}

// idWithVersion proposes an $id with /v<N>/ before the file name.
func idWithVersion(id, v string) string {
	i := strings.LastIndex(id, "/")
	if i < 0 {
		return v + "/" + id
	}
	dir, file := id[:i], id[i+1:]
	if j := strings.LastIndex(dir, "/"); j >= 0 && versionSegRE.MatchString(dir[j+1:]) {
		dir = dir[:j]
	}
	return dir + "/" + v + "/" + file
}
