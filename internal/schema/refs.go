package schema

import (
	"net/url"
	"path"
	"strings"
)

// Ref is a file an event depends on: a JSON Schema file named by a $ref, or
// an Avro file defining a named type the event uses.
type Ref struct {
	// Name is the reference as written: the file part of the $ref (JSON
	// Schema) or the file's path (Avro).
	Name string
	// Path is the catalog path of the file.
	Path string
}

// RefsOf lists the files e depends on, directly or through other files,
// dependencies first for Avro, in document order for JSON Schema. Files
// missing from the catalog are listed too (with their path) so that a
// caller can look them up elsewhere.
func (c *Catalog) RefsOf(e *Event) []Ref {
	return c.refsOf(e, 32)
}

// DirectRefs lists the files e references itself (not through others).
func (c *Catalog) DirectRefs(e *Event) []Ref {
	return c.refsOf(e, 0)
}

func (c *Catalog) refsOf(e *Event, maxDepth int) []Ref {
	if e.Format == Avro {
		var out []Ref
		deps := e.avroDeps
		if maxDepth == 0 {
			deps = e.avroDirect
		}
		for _, d := range deps {
			out = append(out, Ref{Name: d.Path, Path: d.Path})
		}
		return out
	}
	c.index()
	var out []Ref
	seen := map[*Event]bool{e: true}
	var visit func(o *Event, depth int)
	visit = func(o *Event, depth int) {
		if depth > maxDepth {
			return
		}
		base := docBase(o.Path, o.Root)
		for _, file := range ExternalRefs(o.Root) {
			r, err := url.Parse(file)
			if err != nil {
				continue
			}
			u := base.ResolveReference(r)
			u.Fragment = ""
			t := c.byURL[u.String()]
			if t == nil {
				if u.Scheme == "file" {
					out = append(out, Ref{Name: file, Path: strings.TrimPrefix(u.Path, "/")})
				}
				continue
			}
			if seen[t] {
				continue
			}
			seen[t] = true
			out = append(out, Ref{Name: file, Path: t.Path})
			visit(t, depth+1)
		}
	}
	visit(e, 0)
	return out
}

// docURL is the URL a catalog path stands for when $refs resolve.
func docURL(p string) *url.URL {
	return &url.URL{Scheme: "file", Path: path.Join("/", p)}
}

// docBase is the base URL of a document's $refs: its $id, resolved against
// its path, or its path.
func docBase(p string, root *Node) *url.URL {
	u := docURL(p)
	if id, _ := root.Get("$id").StringValue(); id != "" {
		if r, err := url.Parse(id); err == nil {
			u = u.ResolveReference(r)
			u.Fragment = ""
		}
	}
	return u
}

// JSONRefs lists the files a JSON Schema document at docPath references,
// directly or through the referenced files, which lookup finds by catalog
// path (nil when absent).
func JSONRefs(root *Node, docPath string, lookup func(path string) *Node) []Ref {
	return jsonRefs(root, docPath, lookup)
}

func jsonRefs(root *Node, docPath string, lookup func(string) *Node) []Ref {
	var out []Ref
	seen := map[string]bool{docPath: true}
	var visit func(n *Node, from string, depth int)
	visit = func(n *Node, from string, depth int) {
		if n == nil || depth > 32 {
			return
		}
		for _, file := range FileRefs(n) {
			p := path.Clean(path.Join(path.Dir(from), file))
			if seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, Ref{Name: file, Path: p})
			visit(lookup(p), p, depth+1)
		}
	}
	visit(root, docPath, 0)
	return out
}

// ResolveRef resolves a JSON Schema $ref written in document from: the
// catalog document it names (from itself for a "#..." ref), found by path
// or by $id as the compatibility engine finds it, and the node its JSON
// pointer fragment selects. It returns nils when the catalog has no such
// document or node, or when the fragment is an anchor rather than a pointer.
func (c *Catalog) ResolveRef(from *Event, ref string) (*Event, *Node) {
	if from == nil || from.Format != JSONSchema {
		return nil, nil
	}
	file, frag := ref, ""
	if i := strings.IndexByte(ref, '#'); i >= 0 {
		file, frag = ref[:i], ref[i+1:]
	}
	doc := from
	if file != "" {
		r, err := url.Parse(file)
		if err != nil {
			return nil, nil
		}
		c.index()
		u := docBase(from.Path, from.Root).ResolveReference(r)
		u.Fragment = ""
		if doc = c.byURL[u.String()]; doc == nil {
			return nil, nil
		}
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	if frag != "" && !strings.HasPrefix(frag, "/") {
		return nil, nil
	}
	n := doc.Root.Pointer(frag)
	if n == nil {
		return nil, nil
	}
	return doc, n
}
