package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/evctl/evctl/internal/avroparse"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Catalog is the set of events found under the given paths.
type Catalog struct {
	// Events are the parsed events, sorted by path.
	Events []*Event
	// Errors are the files that could not be read or parsed, sorted by path.
	Errors []*Error
	// Files counts the schema files considered.
	Files int

	indexOnce sync.Once
	byType    map[string]*Event
	byPath    map[string]*Event
}

// index builds the lookup maps on first use; Events must not change after.
func (c *Catalog) index() {
	c.indexOnce.Do(func() {
		c.byType = make(map[string]*Event, len(c.Events))
		c.byPath = make(map[string]*Event, len(c.Events))
		for _, e := range c.Events {
			c.byType[e.Type] = e
			c.byPath[e.Path] = e
		}
	})
}

// ByType returns the event of the given type, or nil.
func (c *Catalog) ByType(typ string) *Event {
	c.index()
	return c.byType[typ]
}

// ByPath returns the event read from the given (slash-separated) path, or nil.
func (c *Catalog) ByPath(path string) *Event {
	c.index()
	return c.byPath[path]
}

// LoadOptions tune Load.
type LoadOptions struct {
	// Skip reports whether a discovered file is ignored (by config globs).
	Skip func(path string) bool
}

// Discover lists the schema files under paths. A path that is a file is
// taken whatever its extension; directories are searched recursively for
// .avsc, .json, .yaml and .yml, skipping hidden directories.
func Discover(paths []string, skip func(string) bool) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		p = filepath.ToSlash(filepath.Clean(p))
		if seen[p] || (skip != nil && skip(p)) {
			return
		}
		seen[p] = true
		out = append(out, p)
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", root, unwrapPathError(err))
		}
		if !info.IsDir() {
			add(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("read %s: %w", p, unwrapPathError(err))
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if _, _, ok := FormatOf(p); ok {
				add(p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Load discovers, reads and parses every schema file under paths. Problems
// with individual files are collected in Catalog.Errors; the returned error
// is only for a path that does not exist or cannot be walked.
func Load(paths []string, opts LoadOptions) (*Catalog, error) {
	files, err := Discover(paths, opts.Skip)
	if err != nil {
		return nil, err
	}
	return LoadFiles(files)
}

// FileSource is one file's path and bytes, for LoadSources.
type FileSource struct {
	Path string
	Data []byte
}

// LoadFiles reads and parses the given files.
func LoadFiles(files []string) (*Catalog, error) {
	srcs := make([]FileSource, 0, len(files))
	cat := &Catalog{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			cat.Errors = append(cat.Errors, &Error{Path: f, Pos: Pos{1, 1}, Msg: fmt.Sprintf("cannot read file: %v", unwrapPathError(err)), Err: err})
			cat.Files++
			continue
		}
		srcs = append(srcs, FileSource{Path: f, Data: data})
	}
	c2 := LoadSources(srcs)
	c2.Errors = append(c2.Errors, cat.Errors...)
	c2.Files += cat.Files
	sortErrors(c2.Errors)
	return c2, nil
}

func sortErrors(errs []*Error) {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		return a.Pos.Col < b.Pos.Col
	})
}

// LoadSources parses in-memory files (as read from disk or from git) and
// validates them: Avro with hamba/avro, JSON Schema against its metaschema.
func LoadSources(srcs []FileSource) *Catalog {
	return loadSources(srcs, true)
}

// LoadSourcesUnchecked parses in-memory files into the model without
// validating them against their format (no hamba parse, no metaschema), for
// baselines whose schemas are judged by the compatibility engine anyway.
func LoadSourcesUnchecked(srcs []FileSource) *Catalog {
	return loadSources(srcs, false)
}

func workers(n int) int {
	w := runtime.GOMAXPROCS(0)
	if w > n {
		w = n
	}
	if w < 1 {
		w = 1
	}
	return w
}

func loadSources(srcs []FileSource, validate bool) *Catalog {
	cat := &Catalog{Files: len(srcs)}
	events := make([]*Event, len(srcs))
	errs := make([]*Error, len(srcs))
	var wg sync.WaitGroup
	next := make(chan int, len(srcs))
	for i := range srcs {
		next <- i
	}
	close(next)
	for w := workers(len(srcs)); w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ev, err := parseEvent(srcs[i].Path, srcs[i].Data, validate)
				if err != nil {
					errs[i] = asError(srcs[i].Path, err)
					continue
				}
				events[i] = ev
			}
		}()
	}
	wg.Wait()
	var jsonEvents []*Event
	for i := range srcs {
		if errs[i] != nil {
			cat.Errors = append(cat.Errors, errs[i])
			continue
		}
		if events[i].Format == JSONSchema {
			jsonEvents = append(jsonEvents, events[i])
		}
		cat.Events = append(cat.Events, events[i])
	}
	if validate && len(jsonEvents) > 0 {
		bad := compileJSON(jsonEvents, cat)
		if len(bad) > 0 {
			kept := cat.Events[:0]
			for _, e := range cat.Events {
				if !bad[e] {
					kept = append(kept, e)
				}
			}
			cat.Events = kept
		}
	}
	// Duplicate event types.
	sort.Slice(cat.Events, func(i, j int) bool { return cat.Events[i].Path < cat.Events[j].Path })
	first := map[string]*Event{}
	kept := cat.Events[:0]
	for _, e := range cat.Events {
		if prev, dup := first[e.Type]; dup {
			cat.Errors = append(cat.Errors, &Error{Path: e.Path, Pos: Pos{1, 1},
				Msg: fmt.Sprintf("duplicate event type %q: %s defines it too; keep one file per event type", e.Type, prev.Path)})
			continue
		}
		first[e.Type] = e
		kept = append(kept, e)
	}
	cat.Events = kept
	sortErrors(cat.Errors)
	return cat
}

func asError(path string, err error) *Error {
	var se *SyntaxError
	if errors.As(err, &se) {
		return &Error{Path: path, Pos: se.Pos, Msg: se.Msg, Err: err}
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Path: path, Pos: Pos{1, 1}, Msg: err.Error(), Err: err}
}

func parseEvent(path string, data []byte, validate bool) (*Event, error) {
	path = filepath.ToSlash(path)
	format, isYAML, ok := FormatOf(path)
	if !ok {
		return nil, &Error{Path: path, Pos: Pos{1, 1}, Msg: "unsupported file type: want .avsc, .json, .yaml or .yml"}
	}
	base := filepath.Base(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	ver, vdir := VersionOf(path)
	ev := &Event{Path: path, Format: format, YAML: isYAML, Version: ver, VersionDir: vdir, Stem: stem, Source: data}
	if ver > 0 {
		ev.Type = fmt.Sprintf("v%d.%s", ver, stem)
	} else {
		ev.Type = stem
	}
	var root *Node
	var err error
	if isYAML {
		root, err = ParseYAML(data)
	} else {
		root, err = ParseJSON(data)
	}
	if err != nil {
		return nil, err
	}
	ev.Root = root
	switch format {
	case Avro:
		if err := buildAvro(ev, validate); err != nil {
			return nil, err
		}
	case JSONSchema:
		if root.Kind != Object && root.Kind != Bool {
			return nil, &Error{Path: path, Pos: root.Pos, Msg: fmt.Sprintf("a JSON Schema must be an object or a boolean, found %s", root.Kind)}
		}
		ev.Top = buildJSONType(ev, root)
	}
	return ev, nil
}

func buildAvro(ev *Event, validate bool) error {
	if validate {
		sch, err := avroparse.Parse(ev.Source)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "avro: ")
			return &Error{Path: ev.Path, Pos: ev.Root.Pos, Msg: "invalid Avro schema: " + msg, Err: err}
		}
		ev.Avro = sch
	}
	b := &avroBuilder{ev: ev, named: map[string]*Type{}}
	t, err := b.build(ev.Root, "", 0)
	if err != nil {
		return err
	}
	ev.Top = t
	return nil
}

var printer = message.NewPrinter(language.English)

// compileJSON compiles every JSON Schema event so that $refs between
// catalog files resolve. Each worker has its own compiler holding every
// document. It returns the events that failed.
func compileJSON(events []*Event, cat *Catalog) map[*Event]bool {
	bad := map[*Event]bool{}
	byURL := map[string]*Event{}
	docs := make([]any, len(events))
	urls := make([]string, len(events))
	for i, ev := range events {
		urls[i] = fileURL(ev.Path)
		byURL[urls[i]] = ev
		docs[i] = ev.Root.Interface()
	}
	errs := make([]*Error, len(events))
	var wg sync.WaitGroup
	n := workers(len(events))
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := jsonschema.NewCompiler()
			c.DefaultDraft(jsonschema.Draft7)
			c.UseLoader(catalogLoader{})
			for i, ev := range events {
				if err := c.AddResource(urls[i], docs[i]); err != nil && i%n == w {
					errs[i] = &Error{Path: ev.Path, Pos: ev.Root.Pos, Msg: "invalid JSON Schema: " + err.Error(), Err: err}
				}
			}
			for i := w; i < len(events); i += n {
				ev := events[i]
				if errs[i] != nil {
					continue
				}
				if e := checkRefs(ev, urls[i], byURL); e != nil {
					errs[i] = e
					continue
				}
				sch, err := c.Compile(urls[i])
				if err != nil {
					errs[i] = jsonCompileError(ev, urls[i], err)
					continue
				}
				ev.JSON = sch
				ev.Draft = sch.DraftVersion
			}
		}(w)
	}
	wg.Wait()
	for i, e := range errs {
		if e != nil {
			cat.Errors = append(cat.Errors, e)
			bad[events[i]] = true
		}
	}
	return bad
}

type catalogLoader struct{}

func (catalogLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("%s is not a file of the catalog (evctl never fetches schemas from the network)", u)
}

func fileURL(p string) string {
	abs, err := filepath.Abs(filepath.FromSlash(p))
	if err != nil {
		abs = p
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return u.String()
}

// checkRefs reports the first $ref that points nowhere, at its position.
func checkRefs(ev *Event, evURL string, byURL map[string]*Event) *Error {
	base, _ := url.Parse(evURL)
	var found *Error
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		if found != nil || n == nil || depth > MaxDepth {
			return
		}
		switch n.Kind {
		case Object:
			for _, m := range n.Members {
				if m.Key == "$ref" && m.Value.Kind == String {
					if msg := refProblem(ev, base, m.Value.Str, byURL); msg != "" {
						found = &Error{Path: ev.Path, Pos: m.Value.Pos, Msg: msg}
						return
					}
				}
				if m.Key == "enum" || m.Key == "const" || m.Key == "examples" || m.Key == "default" {
					continue
				}
				walk(m.Value, depth+1)
			}
		case Array:
			for _, it := range n.Items {
				walk(it, depth+1)
			}
		}
	}
	walk(ev.Root, 0)
	return found
}

func refProblem(ev *Event, base *url.URL, ref string, byURL map[string]*Event) string {
	r, err := url.Parse(ref)
	if err != nil {
		return fmt.Sprintf("unresolvable $ref %q: %v", ref, err)
	}
	target := ev
	if r.Scheme != "" || r.Path != "" {
		abs := base.ResolveReference(r)
		abs.Fragment = ""
		t, ok := byURL[abs.String()]
		if !ok {
			if r.Scheme == "http" || r.Scheme == "https" || r.Scheme == "urn" {
				// May be the $id of a catalog file; the compiler resolves those.
				for _, e := range byURL {
					if id, _ := e.Root.Get("$id").StringValue(); id != "" && strings.TrimSuffix(id, "#") == strings.TrimSuffix(abs.String(), "#") {
						t, ok = e, true
						break
					}
				}
			}
			if !ok {
				return fmt.Sprintf("unresolvable $ref %q: no such file in the catalog", ref)
			}
		}
		target = t
	}
	frag := r.Fragment
	if frag == "" || strings.HasPrefix(frag, "/") {
		if target.Root.Pointer(frag) == nil {
			return fmt.Sprintf("unresolvable $ref %q: no schema at #%s in %s", ref, frag, target.Path)
		}
	}
	return ""
}

func jsonCompileError(ev *Event, evURL string, err error) *Error {
	var sve *jsonschema.SchemaValidationError
	if errors.As(err, &sve) {
		if ve, ok := sve.Err.(*jsonschema.ValidationError); ok {
			leaf := ve
			for len(leaf.Causes) > 0 {
				leaf = leaf.Causes[0]
			}
			pos := ev.Root.Pos
			if n := nodeAt(ev.Root, leaf.InstanceLocation); n != nil {
				pos = n.Pos
			}
			loc := "#/" + strings.Join(leaf.InstanceLocation, "/")
			return &Error{Path: ev.Path, Pos: pos, Msg: fmt.Sprintf("schema fails its metaschema at %s: %s", loc, leaf.ErrorKind.LocalizedString(printer)), Err: err}
		}
	}
	msg := strings.ReplaceAll(err.Error(), evURL, ev.Path)
	return &Error{Path: ev.Path, Pos: ev.Root.Pos, Msg: "invalid JSON Schema: " + msg, Err: err}
}

func nodeAt(root *Node, loc []string) *Node {
	cur := root
	for _, tok := range loc {
		var next *Node
		switch cur.Kind {
		case Object:
			next = cur.Get(tok)
		case Array:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err == nil && i >= 0 && i < len(cur.Items) {
				next = cur.Items[i]
			}
		}
		if next == nil {
			return cur
		}
		cur = next
	}
	return cur
}
