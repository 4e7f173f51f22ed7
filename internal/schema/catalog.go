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

	hamba "github.com/hamba/avro/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/evctl/evctl/internal/config"

	"github.com/evctl/evctl/internal/avroparse"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Catalog is the set of events found under the given paths.
type Catalog struct {
	// Events are the parsed events, sorted by path.
	Events []*Event
	// Shared are the shared definition files, sorted by path: loaded for
	// reference resolution, never events.
	Shared []*Event
	// Errors are the files that could not be read or parsed, sorted by path.
	Errors []*Error
	// Files counts the schema files considered.
	Files int

	indexOnce sync.Once
	byKey     map[string]*Event
	byPath    map[string]*Event
	byURL     map[string]*Event // JSON Schema documents by path URL and $id
}

// index builds the lookup maps on first use; Events must not change after.
func (c *Catalog) index() {
	c.indexOnce.Do(func() {
		c.byKey = make(map[string]*Event, len(c.Events))
		c.byPath = make(map[string]*Event, len(c.Events)+len(c.Shared))
		for _, e := range c.Events {
			c.byKey[e.Key] = e
			c.byPath[e.Path] = e
		}
		for _, e := range c.Shared {
			c.byPath[e.Path] = e
		}
		c.byURL = map[string]*Event{}
		for _, e := range c.All() {
			if e.Format != JSONSchema {
				continue
			}
			c.byURL[docURL(e.Path).String()] = e
			if b := docBase(e.Path, e.Root).String(); c.byURL[b] == nil {
				c.byURL[b] = e
			}
		}
	})
}

// ByKey returns the event with the given identity (Event.Key), or nil.
func (c *Catalog) ByKey(key string) *Event {
	c.index()
	return c.byKey[key]
}

// ByType returns the event of the given type in the given domain, or nil.
func (c *Catalog) ByType(domain, typ string) *Event {
	c.index()
	return c.byKey[eventKey(domain, typ)]
}

// ByPath returns the event or shared file read from the given
// (slash-separated) path, or nil.
func (c *Catalog) ByPath(path string) *Event {
	c.index()
	return c.byPath[path]
}

// All returns the events and the shared files.
func (c *Catalog) All() []*Event {
	out := make([]*Event, 0, len(c.Events)+len(c.Shared))
	out = append(out, c.Events...)
	return append(out, c.Shared...)
}

func eventKey(domain, typ string) string {
	if domain == "" {
		return typ
	}
	return domain + "/" + typ
}

// LoadOptions tune Load.
type LoadOptions struct {
	// Dir is the directory the paths are relative to (the catalog root);
	// "" means the working directory. Event paths stay relative to it.
	Dir string
	// Roots are the schema roots, relative to Dir; the directories between
	// a root and an event's v<N> directory form its domain.
	Roots []string
	// Shared are globs, relative to Dir, of shared definition files.
	Shared []string
	// Skip reports whether a discovered file is left out entirely.
	Skip func(path string) bool
	// Unchecked skips format validation (hamba, metaschema), for baselines
	// that the compatibility engine judges anyway.
	Unchecked bool
	// Lean keeps only what lint needs: the parsed tree and the model.
	// Every file is validated as always (hamba/avro, JSON Schema metaschema
	// and compile), but the source bytes, the hamba schema and the compiled
	// JSON Schema are not kept, so memory grows with the trees alone.
	Lean bool
	// NoCompiled tells that the caller needs no compiled JSON Schema
	// (push sends the source text): a plain draft-07 document
	// (plainDraft07) is judged valid without compiling, as in a Lean load,
	// and Event.JSON stays nil for every event. Other documents are still
	// compiled, so the same files are rejected; the sources and the Avro
	// schemas are kept.
	NoCompiled bool
}

func (o LoadOptions) abs(p string) string {
	if o.Dir == "" || filepath.IsAbs(p) {
		return filepath.FromSlash(p)
	}
	return filepath.Join(o.Dir, filepath.FromSlash(p))
}

// Discover lists the schema files under paths. A path that is a file is
// taken whatever its extension; directories are searched recursively for
// .avsc, .json, .yaml and .yml, skipping hidden directories.
func Discover(paths []string, skip func(string) bool) ([]string, error) {
	return LoadOptions{Skip: skip}.discover(paths)
}

func (o LoadOptions) discover(paths []string) ([]string, error) {
	skip := o.Skip
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
		absRoot := o.abs(root)
		info, err := os.Stat(absRoot)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", root, unwrapPathError(err))
		}
		if !info.IsDir() {
			add(root)
			continue
		}
		err = filepath.WalkDir(absRoot, func(p string, d fs.DirEntry, err error) error {
			rel := p
			if r, rerr := filepath.Rel(absRoot, p); rerr == nil {
				rel = filepath.Join(filepath.FromSlash(root), r)
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", filepath.ToSlash(rel), unwrapPathError(err))
			}
			if d.IsDir() {
				if p != absRoot && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if _, _, ok := FormatOf(p); ok {
				add(rel)
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

// Discover lists the schema files under paths (relative to Dir), as Load
// finds them.
func (o LoadOptions) Discover(paths []string) ([]string, error) {
	return o.discover(paths)
}

// LoadFiles reads and parses the given files (as Discover lists them).
func LoadFiles(files []string, opts LoadOptions) *Catalog {
	return opts.loadFiles(files)
}

// Load discovers, reads and parses every schema file under paths. Problems
// with individual files are collected in Catalog.Errors; the returned error
// is only for a path that does not exist or cannot be walked.
func Load(paths []string, opts LoadOptions) (*Catalog, error) {
	files, err := opts.discover(paths)
	if err != nil {
		return nil, err
	}
	return opts.loadFiles(files), nil
}

// FileSource is one file's path and bytes, for LoadSources.
type FileSource struct {
	Path string
	Data []byte
}

func (o LoadOptions) loadFiles(files []string) *Catalog {
	srcs := make([]FileSource, len(files))
	for i, f := range files {
		srcs[i].Path = f
	}
	// Files are read by the parsing workers, on both cores.
	return loadSources(srcs, o, func(f string) ([]byte, error) { return os.ReadFile(o.abs(f)) })
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
	return LoadSourcesWith(srcs, LoadOptions{})
}

// LoadSourcesWith parses in-memory files with options (roots for domains,
// shared globs, Dir for the file URLs that $refs resolve against).
func LoadSourcesWith(srcs []FileSource, opts LoadOptions) *Catalog {
	return loadSources(srcs, opts, nil)
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

// loadSources parses srcs; read, when set, reads each file's bytes first.
func loadSources(srcs []FileSource, opts LoadOptions, read func(path string) ([]byte, error)) *Catalog {
	validate := !opts.Unchecked
	cat := &Catalog{Files: len(srcs)}
	events := make([]*Event, len(srcs))
	errs := make([]*Error, len(srcs))
	deferred := make([]bool, len(srcs))
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
				if read != nil {
					data, err := read(srcs[i].Path)
					if err != nil {
						errs[i] = &Error{Path: srcs[i].Path, Pos: Pos{1, 1}, Msg: fmt.Sprintf("cannot read file: %v", unwrapPathError(err)), Err: err}
						continue
					}
					srcs[i].Data = data
				}
				ev, err := parseEvent(srcs[i].Path, srcs[i].Data, opts)
				if err != nil {
					errs[i] = asError(srcs[i].Path, err)
					continue
				}
				events[i] = ev
				if ev.Format == Avro {
					err := buildAvro(ev, validate, nil)
					var ue *unknownTypeError
					if errors.As(err, &ue) {
						// Perhaps a named type of another file: resolved
						// once every file is parsed.
						deferred[i] = true
						continue
					}
					if err != nil {
						errs[i] = asError(srcs[i].Path, err)
						events[i] = nil
					}
				}
			}
		}()
	}
	wg.Wait()
	resolveAvroAcrossFiles(events, errs, deferred, validate)
	var jsonEvents []*Event
	var all []*Event
	for i := range srcs {
		if errs[i] != nil {
			cat.Errors = append(cat.Errors, errs[i])
			continue
		}
		if events[i].Format == JSONSchema {
			jsonEvents = append(jsonEvents, events[i])
		}
		all = append(all, events[i])
	}
	if validate && len(jsonEvents) > 0 {
		bad := compileJSON(jsonEvents, cat, opts)
		if len(bad) > 0 {
			kept := all[:0]
			for _, e := range all {
				if !bad[e] {
					kept = append(kept, e)
				}
			}
			all = kept
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Path < all[j].Path })
	// Duplicate event types, within a domain.
	first := map[string]*Event{}
	for _, e := range all {
		if e.Shared {
			cat.Shared = append(cat.Shared, e)
			continue
		}
		if prev, dup := first[e.Key]; dup {
			in := ""
			if e.Domain != "" {
				in = fmt.Sprintf(" in domain %q", e.Domain)
			}
			cat.Errors = append(cat.Errors, &Error{Path: e.Path, Pos: Pos{1, 1},
				Msg: fmt.Sprintf("duplicate event type %q%s: %s defines it too; keep one file per event type", e.Type, in, prev.Path)})
			continue
		}
		first[e.Key] = e
		cat.Events = append(cat.Events, e)
	}
	sortErrors(cat.Errors)
	if opts.Lean {
		for _, e := range all {
			e.Source, e.Avro, e.JSON = nil, nil, nil
		}
	}
	return cat
}

// resolveAvroAcrossFiles builds the Avro files that use named types of
// other files, in dependency order.
func resolveAvroAcrossFiles(events []*Event, errs []*Error, deferred []bool, validate bool) {
	any := false
	for _, d := range deferred {
		any = any || d
	}
	if !any {
		return
	}
	defs := map[string][]int{} // full name -> indexes of the files defining it
	for i, ev := range events {
		if ev == nil || ev.Format != Avro {
			continue
		}
		for _, name := range avroDefs(ev.Root) {
			defs[name] = append(defs[name], i)
		}
	}
	// definer picks the file defining a name for the file i: of several,
	// the nearest in the tree (longest common path prefix).
	definer := func(name string, i int) (int, bool) {
		best, bestLen := -1, -1
		for _, j := range defs[name] {
			if j == i {
				continue
			}
			if n := commonPrefix(events[i].Path, events[j].Path); n > bestLen {
				best, bestLen = j, n
			}
		}
		return best, best >= 0
	}
	const (
		todo = iota
		busy
		done
	)
	state := make([]int, len(events))
	var build func(i int) error
	build = func(i int) error {
		switch state[i] {
		case done:
			if errs[i] != nil {
				return errs[i]
			}
			return nil
		case busy:
			return fmt.Errorf("named types form a cycle across files at %s", events[i].Path)
		}
		if !deferred[i] {
			state[i] = done
			return nil
		}
		state[i] = busy
		ev := events[i]
		var deps, direct []*Event
		seen := map[int]bool{}
		resolve := func(full string) (*Type, error) {
			j, ok := definer(full, i)
			if !ok {
				return nil, nil
			}
			if err := build(j); err != nil {
				return nil, fmt.Errorf("named type %s is defined in %s, which is not valid", full, events[j].Path)
			}
			if !seen[j] {
				seen[j] = true
				deps = append(deps, events[j].avroDeps...)
				deps = append(deps, events[j])
				direct = append(direct, events[j])
			}
			return events[j].avroNamed[full], nil
		}
		err := buildAvroWith(ev, false, resolve)
		if err == nil && validate {
			err = validateAvro(ev, uniqueEvents(deps))
		}
		ev.avroDeps = uniqueEvents(deps)
		ev.avroDirect = direct
		state[i] = done
		if err != nil {
			errs[i] = asError(ev.Path, err)
			events[i] = nil
			return err
		}
		return nil
	}
	for i := range events {
		if events[i] != nil && deferred[i] {
			_ = build(i)
		}
	}
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func uniqueEvents(evs []*Event) []*Event {
	seen := map[*Event]bool{}
	out := evs[:0:0]
	for _, e := range evs {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// AvroDeps returns the files whose named types an Avro file uses, in
// dependency order (a file's own dependencies come before it).
func (e *Event) AvroDeps() []*Event { return e.avroDeps }

// avroDefs lists the full names of the named types an Avro document defines.
func avroDefs(root *Node) []string {
	var out []string
	var walk func(n *Node, ns string, depth int)
	walk = func(n *Node, ns string, depth int) {
		if n == nil || depth > MaxDepth {
			return
		}
		switch n.Kind {
		case Array:
			for _, it := range n.Items {
				walk(it, ns, depth+1)
			}
		case Object:
			typ := n.Get("type")
			if typ == nil {
				return
			}
			if typ.Kind != String {
				walk(typ, ns, depth+1)
				return
			}
			switch typ.Str {
			case "record", "error", "enum", "fixed":
				name, _ := n.Get("name").StringValue()
				tns, _ := n.Get("namespace").StringValue()
				if tns == "" && !strings.Contains(name, ".") {
					tns = ns
				}
				if i := strings.LastIndex(name, "."); i >= 0 {
					tns, name = name[:i], name[i+1:]
				}
				if name != "" {
					out = append(out, avroFullName(name, tns))
				}
				if f := n.Get("fields"); f != nil {
					for _, fn := range f.Items {
						walk(fn.Get("type"), tns, depth+1)
					}
				}
			case "array":
				walk(n.Get("items"), ns, depth+1)
			case "map":
				walk(n.Get("values"), ns, depth+1)
			}
		}
	}
	walk(root, "", 0)
	return out
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

func parseEvent(path string, data []byte, opts LoadOptions) (*Event, error) {
	path = filepath.ToSlash(path)
	format, isYAML, ok := FormatOf(path)
	if !ok {
		return nil, &Error{Path: path, Pos: Pos{1, 1}, Msg: "unsupported file type: want .avsc, .json, .yaml or .yml"}
	}
	base := filepath.Base(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	ver, vdir := VersionOf(path)
	ev := &Event{Path: path, Format: format, YAML: isYAML, Version: ver, VersionDir: vdir, Stem: stem, Source: data}
	ev.Shared = ver == 0
	ev.lean = opts.Lean
	for _, g := range opts.Shared {
		if config.MatchGlob(g, path) {
			ev.Shared = true
		}
	}
	if ev.Shared {
		ev.Type, ev.Key = path, path
	} else {
		ev.Domain = domainOf(vdir, opts.Roots)
		ev.Type = fmt.Sprintf("v%d.%s", ver, stem)
		ev.Key = eventKey(ev.Domain, ev.Type)
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
		// Built by the caller, which knows the other files' named types.
	case JSONSchema:
		if root.Kind != Object && root.Kind != Bool {
			return nil, &Error{Path: path, Pos: root.Pos, Msg: fmt.Sprintf("a JSON Schema must be an object or a boolean, found %s", root.Kind)}
		}
		ev.Top = buildJSONType(ev, root)
	}
	return ev, nil
}

// domainOf is the path between the schema root holding vdir and vdir's
// last element ("billing" of schemas/billing/v1 under root schemas).
func domainOf(vdir string, roots []string) string {
	parent := ""
	if i := strings.LastIndex(vdir, "/"); i >= 0 {
		parent = vdir[:i]
	}
	best := ""
	found := false
	for _, r := range roots {
		r = strings.TrimSuffix(filepath.ToSlash(filepath.Clean(r)), "/")
		switch {
		case r == ".":
			if !found {
				best, found = parent, true
			}
		case parent == r:
			return ""
		case strings.HasPrefix(parent, r+"/"):
			if d := parent[len(r)+1:]; !found || len(d) < len(best) {
				best, found = d, true
			}
		}
	}
	return best
}

// buildAvro builds an Avro event's model and, when validate is set, parses
// it with hamba. resolve finds named types of other files (nil: none).
func buildAvro(ev *Event, validate bool, resolve func(string) (*Type, error)) error {
	if err := buildAvroWith(ev, validate, resolve); err != nil {
		return err
	}
	if validate {
		return validateAvro(ev, nil)
	}
	return nil
}

func buildAvroWith(ev *Event, _ bool, resolve func(string) (*Type, error)) error {
	b := &avroBuilder{ev: ev, named: map[string]*Type{}, resolve: resolve}
	t, err := b.build(ev.Root, "", 0)
	if err != nil {
		return err
	}
	ev.Top = t
	ev.avroNamed = b.named
	return nil
}

// validateAvro parses the file with hamba, after the files defining the
// named types it uses.
func validateAvro(ev *Event, deps []*Event) error {
	var sch hamba.Schema
	err := errHambaFallback
	if len(deps) == 0 {
		// From the parsed tree, with hamba's constructors: the text is
		// parsed once.
		sch, err = hambaFromNode(ev.Source, ev.Root)
	}
	if errors.Is(err, errHambaFallback) {
		texts := make([][]byte, len(deps))
		for i, d := range deps {
			texts[i] = d.Source
		}
		sch, err = avroparse.ParseWith(ev.Source, texts)
	}
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "avro: ")
		return &Error{Path: ev.Path, Pos: ev.Root.Pos, Msg: "invalid Avro schema: " + msg, Err: err}
	}
	if !ev.lean {
		ev.Avro = sch
	}
	return nil
}

var printer = message.NewPrinter(language.English)

// leanCompilerFiles is how many files a lean load compiles with one JSON
// Schema compiler before starting a new one.
const leanCompilerFiles = 64

// compileJSON compiles every JSON Schema event so that $refs between
// catalog files resolve. Each worker has its own compiler holding every
// document. It returns the events that failed.
func compileJSON(events []*Event, cat *Catalog, opts LoadOptions) map[*Event]bool {
	bad := map[*Event]bool{}
	byURL := map[string]*Event{}
	urls := make([]string, len(events))
	for i, ev := range events {
		urls[i] = fileURL(opts.abs(ev.Path))
		byURL[urls[i]] = ev
	}
	// Documents are found by their $id too (resolved against their URL).
	ids := map[*Event]string{}
	for i, ev := range events {
		if b := idURL(urls[i], ev.Root); b != urls[i] {
			ids[ev] = b
			if _, taken := byURL[b]; !taken {
				byURL[b] = ev
			}
		}
	}
	// Each compiler loads, through the catalog loader, only the documents
	// the schemas it compiles reference.
	loader := catalogLoader{docs: byURL, ids: ids}
	errs := make([]*Error, len(events))
	var wg sync.WaitGroup
	n := workers(len(events))
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var c *jsonschema.Compiler
			compiled := 0
			for i := w; i < len(events); i += n {
				ev := events[i]
				if errs[i] != nil {
					continue
				}
				if e := checkRefs(ev, urls[i], byURL); e != nil {
					errs[i] = e
					continue
				}
				if (opts.Lean || opts.NoCompiled) && plainDraft07(ev.Root) {
					// Certainly valid draft-07, and the caller needs
					// no compiled schema.
					ev.Draft = 7
					continue
				}
				if c == nil || ((opts.Lean || opts.NoCompiled) && compiled == leanCompilerFiles) {
					// A compiler holds every document and schema it has
					// compiled; a lean load starts a new one now and then.
					c = jsonschema.NewCompiler()
					c.DefaultDraft(jsonschema.Draft7)
					c.UseLoader(loader)
					compiled = 0
				}
				compiled++
				sch, err := c.Compile(urls[i])
				if err != nil {
					errs[i] = jsonCompileError(ev, urls[i], err)
					continue
				}
				ev.Draft = sch.DraftVersion
				if !opts.Lean && !opts.NoCompiled {
					ev.JSON = sch
				}
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

// catalogLoader serves the catalog's documents by URL and by $id; nothing
// else is fetched. A document with a relative $id is served with its $id
// resolved against its file's URL: santhosh resolves a root $id against
// the URL it loaded the document from, so a document found by its $id
// ("common/user.json" in v1/common/user.json is v1/common/common/user.json)
// would otherwise get the $id resolved twice, and its own $refs would
// point nowhere (octokit's webhook schemas).
type catalogLoader struct {
	docs map[string]*Event
	ids  map[*Event]string // the $id resolved against the file's URL
}

func (l catalogLoader) Load(u string) (any, error) {
	if e, ok := l.docs[strings.TrimSuffix(u, "#")]; ok {
		doc := e.Root.Interface()
		if m, ok := doc.(map[string]any); ok && l.ids[e] != "" {
			if _, has := m["$id"].(string); has {
				m["$id"] = l.ids[e]
			}
		}
		return doc, nil
	}
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
// idURL is a document's $id resolved against its URL, without fragment,
// or its URL.
func idURL(docURL string, root *Node) string {
	id, _ := root.Get("$id").StringValue()
	if id == "" {
		return docURL
	}
	base, err := url.Parse(docURL)
	if err != nil {
		return docURL
	}
	r, err := url.Parse(id)
	if err != nil {
		return docURL
	}
	u := base.ResolveReference(r)
	u.Fragment = ""
	return u.String()
}

func checkRefs(ev *Event, evURL string, byURL map[string]*Event) *Error {
	base, _ := url.Parse(idURL(evURL, ev.Root))
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
