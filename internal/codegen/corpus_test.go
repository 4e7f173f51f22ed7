package codegen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/evctl/evctl/internal/codegen"
	"github.com/evctl/evctl/internal/schema"
)

// corpusPublishers are the real-world schema sets under testdata/corpus,
// each with its SOURCE.md and LICENSE. shared marks the multi-file sets:
// globs of their shared files, which their events $ref across files; such
// a set is generated as one catalog into one package, the way a user runs
// gen go on the repository (each shared file once, every event using its
// types). The others get one package per event.
var corpusPublishers = []struct {
	dir    string
	shared []string
}{
	{"cloudevents", nil},
	{"google-cloudevents", nil},
	{"apache-avro", nil},
	{"hamba-avro", nil},
	{"octokit-webhooks", []string{"v1/common/**"}},
}

// corpusGoal is the share of valid schemas that must generate and build.
const corpusGoal = 97.0

// TestCorpus generates Go for every valid schema of the real-world corpus
// and builds all packages with one go command: each event of a single-file
// set into a package of its own (with the files defining the Avro named
// types it uses, which gen go needs beside it), each multi-file set as one
// catalog. It prints, per publisher, how many schemas the loader accepts,
// how many generate and how many build, and every failure's reason; it
// fails when fewer than corpusGoal percent of the valid schemas generate
// and build.
func TestCorpus(t *testing.T) {
	start := time.Now()
	type stat struct{ files, shared, valid, generated, built int }
	stats := map[string]*stat{}
	type unit struct {
		pub     string
		label   string // the event's path, or the catalog's directory
		events  int
		catalog bool
	}
	units := map[string]unit{} // package -> what it holds
	pkgs := map[string]map[string][]byte{}
	instances := map[string]corpusInstances{} // JSON Schema events, by name
	var failures []string
	// Every package is generated with --optimize size too, as package
	// <pkg>s: it must build wherever the speed package builds, and the
	// differentials compare the two (sizeDiffSource).
	sizePkgs := map[string]map[string][]byte{}
	genSize := func(cat *schema.Catalog, pkg string) {
		files, _, err := codegen.Generate(cat, codegen.Options{Package: pkg + "s", Optimize: codegen.OptimizeSize})
		if err != nil {
			t.Errorf("generate %s with --optimize size: %v", pkg, oneLine(err.Error()))
			return
		}
		sizePkgs[pkg+"s"] = files
	}
	for _, pub := range corpusPublishers {
		st := &stat{}
		stats[pub.dir] = st
		root := filepath.Join("testdata", "corpus", pub.dir)
		srcs := dirSources(t, filepath.Join(root, "v1"))
		for i := range srcs {
			srcs[i].Path = "v1/" + srcs[i].Path
		}
		st.files = len(srcs)
		if pub.shared != nil {
			cat := schema.LoadSourcesWith(srcs, schema.LoadOptions{Shared: pub.shared})
			st.valid = len(cat.Events)
			st.shared = len(cat.Shared)
			pkg := fmt.Sprintf("c%04d", len(units))
			units[pkg] = unit{pub: pub.dir, label: pub.dir + " (catalog)", events: len(cat.Events), catalog: true}
			files, _, err := codegen.Generate(&schema.Catalog{Events: cat.Events, Shared: cat.Shared}, codegen.Options{Package: pkg})
			if err != nil {
				failures = append(failures, fmt.Sprintf("generate %s catalog: %v", pub.dir, oneLine(err.Error())))
				continue
			}
			st.generated += len(cat.Events)
			pkgs[pkg] = files
			genSize(&schema.Catalog{Events: cat.Events, Shared: cat.Shared}, pkg)
			validStarts := 0
			for i, ev := range cat.Events {
				if ev.Format == schema.JSONSchema {
					base, ok := startInstance(t, ev)
					if ok {
						validStarts++
					}
					var doc any
					if err := json.Unmarshal(base, &doc); err != nil {
						t.Fatal(err)
					}
					instances[fmt.Sprintf("%s_%03d", pkg, i)] = makeInstancesFrom(t, ev, pkg, numbers(doc), catalogInstancesPerEvent)
				}
			}
			// The mutations start from the first example, else an
			// instance built from the compiled schema (across files).
			t.Logf("%s: %d of %d events start from a valid instance", pub.dir, validStarts, len(cat.Events))
			if validStarts < len(cat.Events)/2 {
				t.Errorf("%s: too few events start from a valid instance", pub.dir)
			}
			continue
		}
		cat := schema.LoadSources(srcs)
		st.valid = len(cat.Events)
		for _, ev := range cat.Events {
			pkg := fmt.Sprintf("c%04d", len(units))
			units[pkg] = unit{pub: pub.dir, label: pub.dir + "/" + ev.Path, events: 1}
			evCat := &schema.Catalog{Events: append([]*schema.Event{ev}, avroDeps(ev, cat.Events)...)}
			files, _, err := codegen.Generate(evCat, codegen.Options{Package: pkg})
			if err != nil {
				failures = append(failures, fmt.Sprintf("generate %s/%s: %v", pub.dir, ev.Path, oneLine(err.Error())))
				continue
			}
			st.generated++
			pkgs[pkg] = files
			genSize(evCat, pkg)
			if ev.Format == schema.JSONSchema {
				instances[pkg] = makeInstancesFrom(t, ev, pkg, numbers(sampleJSON(ev.Root, ev.Root, 0)), corpusInstancesPerEvent)
			}
		}
	}
	// The project's own catalogs join the module for the AppendJSON
	// differential: every construct gen go has for JSON Schema.
	extraPkgs := map[string]string{"xbundled": "../../schemas", "xcatalog": "testdata/catalog"}
	for pkg, dir := range extraPkgs {
		cat := schema.LoadSources(dirSources(t, dir))
		if len(cat.Errors) > 0 {
			t.Fatalf("catalog %s: %v", dir, cat.Errors[0])
		}
		files, _, err := codegen.Generate(cat, codegen.Options{Package: pkg})
		if err != nil {
			t.Fatalf("generate %s: %v", dir, err)
		}
		pkgs[pkg] = files
		genSize(cat, pkg)
	}
	tmp := t.TempDir()
	generated := time.Since(start)
	all := maps.Clone(pkgs)
	maps.Copy(all, sizePkgs)
	failed := buildPackages(t, tmp, all)
	sizeBuilt := 0
	for pkg := range pkgs {
		if _, bad := failed[pkg]; bad {
			continue
		}
		if msg, bad := failed[pkg+"s"]; bad {
			t.Errorf("build %s with --optimize size (the speed package builds): %s", units[pkg].label, msg)
		} else if sizePkgs[pkg+"s"] != nil {
			sizeBuilt++
		}
	}
	t.Logf("--optimize size: %d of the packages that build also build with --optimize size", sizeBuilt)
	builtAt := time.Since(start)
	for pkg, dir := range extraPkgs {
		if msg, bad := failed[pkg]; bad {
			t.Errorf("build %s: %s", dir, msg)
		}
		delete(pkgs, pkg)
	}
	appendPkgs := map[string]int{} // package -> random values per event
	for pkg := range pkgs {
		if _, bad := failed[pkg]; !bad {
			appendPkgs[pkg] = appendValuesPerEvent
			if units[pkg].catalog {
				appendPkgs[pkg] = catalogAppendValuesPerEvent
			}
		}
	}
	for pkg := range extraPkgs {
		if _, bad := failed[pkg]; !bad {
			appendPkgs[pkg] = appendValuesPerEvent
		}
	}
	for pkg := range pkgs {
		u := units[pkg]
		if msg, bad := failed[pkg]; bad {
			failures = append(failures, fmt.Sprintf("build %s: %s", u.label, msg))
			continue
		}
		stats[u.pub].built += u.events
	}
	sort.Strings(failures)
	for _, f := range failures {
		t.Log(f)
	}
	var valid, built int
	for _, pub := range corpusPublishers {
		st := stats[pub.dir]
		kind := ""
		if pub.shared != nil {
			kind = fmt.Sprintf(" [multi-file catalog, %d of the files shared: one package]", st.shared)
		}
		t.Logf("%-20s files %4d, valid %4d, generated %4d, built %4d (%.1f%% of valid)%s", pub.dir, st.files, st.valid, st.generated, st.built,
			100*float64(st.built)/float64(max(st.valid, 1)), kind)
		valid += st.valid
		built += st.built
	}
	pct := 100 * float64(built) / float64(valid)
	t.Logf("all schemas: %d of %d valid generate and build (%.1f%%); %d packages built in one go command",
		built, valid, pct, len(pkgs))
	if pct < corpusGoal {
		t.Errorf("%.1f%% of valid schemas generate and build, goal %.0f%%", pct, corpusGoal)
	}
	for name, in := range instances {
		if _, bad := failed[in.Pkg]; bad {
			delete(instances, name)
		}
	}
	sizeOK := map[string]bool{}
	for pkg := range sizePkgs {
		if _, bad := failed[pkg]; !bad {
			sizeOK[strings.TrimSuffix(pkg, "s")] = true
		}
	}
	runInstances(t, tmp, instances, appendPkgs, sizeOK)
	t.Logf("test took %s: generation and instances %s, go build %s, the differentials in the generated module %s", time.Since(start).Round(time.Second),
		generated.Round(time.Second), (builtAt - generated).Round(time.Second), (time.Since(start) - builtAt).Round(time.Second))
}

// corpusInstancesPerEvent is how many raw instances (a sample of the
// schema, then mutations of it) each JSON Schema event of the corpus gets;
// catalogInstancesPerEvent is the same for each event of a multi-file
// catalog, whose events are larger (octokit's payloads hold dozens of
// nested shared objects, and santhosh's verdicts cost in proportion).
const (
	corpusInstancesPerEvent  = 200
	catalogInstancesPerEvent = 100
)

// corpusInstances are the raw instances of one event with santhosh's
// verdicts, as the test inside the generated module reads them.
type corpusInstances struct {
	Pkg   string            `json:"pkg"`
	Type  string            `json:"type"`
	Docs  []json.RawMessage `json:"docs"`
	Valid []bool            `json:"valid"`
}

// makeInstancesFrom makes n raw instances of ev, an event of package pkg:
// base, then mutations of it, with santhosh's verdicts.
func makeInstancesFrom(t *testing.T, ev *schema.Event, pkg string, base any, n int) corpusInstances {
	t.Helper()
	out := corpusInstances{Pkg: pkg, Type: ev.Key}
	r := rand.New(rand.NewPCG(uint64(len(ev.Path)), 11))
	pools := newPools(ev.Root)
	for i := 0; i < n; i++ {
		doc := cloneJSON(base)
		if i > 0 {
			for k := 1 + r.IntN(2); k > 0; k-- {
				doc = mutateJSON(r, doc, pools)
			}
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out.Docs = append(out.Docs, b)
		out.Valid = append(out.Valid, ev.JSON.Validate(inst) == nil)
	}
	return out
}

// runInstances writes the instances and a test into the generated module
// and runs it once: the receive path (ValidateJSON on the bytes, then
// validate.DecodeJSON) against santhosh's verdicts, and Validate() on every
// decoded valid event.
//
// It also runs the AppendJSON differential over appendPkgs: every JSON
// Schema event, filled with its package's count of seeded random values (and
// every decoded valid instance), must append exactly what json.Marshal
// writes, or fail where json.Marshal fails.
func runInstances(t *testing.T, tmp string, instances map[string]corpusInstances, appendPkgs map[string]int, size map[string]bool) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(tmp, "instances"), 0o755); err != nil {
		t.Fatal(err)
	}
	var imports, entries, sizeEntries strings.Builder
	names := make([]string, 0, len(instances))
	for name := range instances {
		names = append(names, name)
	}
	sort.Strings(names)
	imported := map[string]bool{}
	for _, name := range names {
		pkg := instances[name].Pkg
		b, err := json.Marshal(instances[name])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, "instances", name+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if !imported[pkg] {
			imported[pkg] = true
			fmt.Fprintf(&imports, "\t%s \"example.com/evctlgen/%s\"\n", pkg, pkg)
		}
		fmt.Fprintf(&entries, "\t%q: func(s string) any { return %s.NewEvent(s) },\n", name, pkg)
		if size[pkg] {
			fmt.Fprintf(&sizeEntries, "\t%q: func(s string) any { return %ss.NewEvent(s) },\n", name, pkg)
			if !imported[pkg+"s"] {
				imported[pkg+"s"] = true
				fmt.Fprintf(&imports, "\t%ss \"example.com/evctlgen/%ss\"\n", pkg, pkg)
			}
		}
	}
	appendNames := make([]string, 0, len(appendPkgs))
	for pkg := range appendPkgs {
		appendNames = append(appendNames, pkg)
	}
	sort.Strings(appendNames)
	var allEvents strings.Builder
	for _, pkg := range appendNames {
		sizeNew := "nil"
		if size[pkg] {
			sizeNew = fmt.Sprintf("func(s string) any { return %ss.NewEvent(s) }", pkg)
			if !imported[pkg+"s"] {
				imported[pkg+"s"] = true
				fmt.Fprintf(&imports, "\t%ss \"example.com/evctlgen/%ss\"\n", pkg, pkg)
			}
		}
		fmt.Fprintf(&allEvents, "\t%q: {%s.EventTypes, func(s string) any { return %s.NewEvent(s) }, %s, %d},\n", pkg, pkg, pkg, sizeNew, appendPkgs[pkg])
		if !imported[pkg] {
			imported[pkg] = true
			fmt.Fprintf(&imports, "\t%s \"example.com/evctlgen/%s\"\n", pkg, pkg)
		}
	}
	src := `package corpus_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evctl/evctl/wire/validate"
` + imports.String() + `)

var newEvent = map[string]func(string) any{
` + entries.String() + `}

var sizeEvent = map[string]func(string) any{
` + sizeEntries.String() + `}

var allEvents = map[string]struct {
	types  []string
	nf     func(string) any
	size   func(string) any
	values int
}{
` + allEvents.String() + `}

` + appendDiffSource + sizeDiffSource + `

func TestInstances(t *testing.T) {
	var total, agree, validateAgree, valid, decoded, revalidated int
	for pkg, nf := range newEvent {
		b, err := os.ReadFile("instances/" + pkg + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Type  string            ` + "`json:\"type\"`" + `
			Docs  []json.RawMessage ` + "`json:\"docs\"`" + `
			Valid []bool            ` + "`json:\"valid\"`" + `
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		for i, d := range f.Docs {
			e := nf(f.Type)
			vj := e.(interface{ ValidateJSON([]byte) error }).ValidateJSON(d) == nil
			// The receive path accepts what ValidateJSON passes and the
			// generated struct holds.
			ours := vj
			var derr error
			if vj {
				derr = validate.DecodeJSON(d, e)
				ours = derr == nil
			}
			total++
			if vj == f.Valid[i] {
				validateAgree++
			}
			if ours == f.Valid[i] {
				agree++
			} else if derr != nil {
				fmt.Printf("UNDECODABLE %s: %v\n", pkg, derr)
			} else {
				fmt.Printf("DISAGREE %s ours=%v: %s\n", pkg, ours, d)
			}
			if !f.Valid[i] {
				continue
			}
			valid++
			if !ours {
				continue
			}
			decoded++
			compareAppend(pkg, e)
			if sf := sizeEvent[pkg]; sf != nil {
				s := sf(f.Type)
				if err := validate.DecodeJSON(d, s); err != nil {
					fmt.Printf("SIZE-DIFFERS %s: the --optimize size type does not decode a valid instance: %v\n", pkg, err)
				} else {
					compareSize(pkg, e, s, true)
				}
			}
			if err := e.(interface{ Validate() error }).Validate(); err != nil {
				fmt.Printf("REJECTED %s: %v: %s\n", pkg, err, d)
				continue
			}
			revalidated++
		}
	}
	fmt.Printf("CORPUS-FIGURES %d %d %d %d %d %d\n", total, agree, validateAgree, valid, decoded, revalidated)
}
`
	if err := os.WriteFile(filepath.Join(tmp, "corpus_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool(t), "test", "-count=1", "-v", "-run", "TestInstances|TestAppendJSON", ".")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test in the generated module: %v\n%s", err, out)
	}
	var total, agree, validateAgree, valid, decoded, revalidated int
	var appendEvents, appendValues, appendErrors, appendValid int
	var sizeCompared, sizeRefused, sizeValid, sizeDecoded int
	kinds := map[string]int{}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "CORPUS-FIGURES "); ok {
			fmt.Sscan(rest, &total, &agree, &validateAgree, &valid, &decoded, &revalidated)
			continue
		}
		if rest, ok := strings.CutPrefix(line, "APPEND-FIGURES "); ok {
			fmt.Sscan(rest, &appendEvents, &appendValues, &appendErrors, &appendValid)
			continue
		}
		if rest, ok := strings.CutPrefix(line, "SIZE-FIGURES "); ok {
			fmt.Sscan(rest, &sizeCompared, &sizeRefused, &sizeValid, &sizeDecoded)
			continue
		}
		if k, _, ok := strings.Cut(line, " "); ok && (k == "DISAGREE" || k == "UNDECODABLE" || k == "REJECTED" || k == "APPEND-DIFFERS" || k == "SIZE-DIFFERS") {
			if kinds[k] < 10 {
				t.Log(oneLine(line))
			}
			kinds[k]++
		}
	}
	if total == 0 {
		t.Fatalf("no figures from the generated module:\n%s", out)
	}
	pct := 100 * float64(agree) / float64(total)
	t.Logf("corpus instances: %d raw instances of %d JSON Schema events, %d valid by santhosh; ValidateJSON agrees on %d; "+
		"the receive path (ValidateJSON, then DecodeJSON into the generated struct) agrees on %d (%.3f%%); "+
		"%d valid instances decode (%.2f%%) and %d of those pass Validate() (%.2f%%)",
		total, len(instances), valid, validateAgree, agree, pct, decoded, 100*float64(decoded)/float64(max(valid, 1)), revalidated, 100*float64(revalidated)/float64(max(decoded, 1)))
	t.Logf("AppendJSON: %d values of %d JSON Schema events (random fills and decoded instances) compared with json.Marshal, "+
		"%d of them values json.Marshal refuses; AppendValidatedJSON compared on the %d that pass Validate() (and on the rest: Validate's failure, buffer unchanged); %d differ",
		appendValues, appendEvents, appendErrors, appendValid, kinds["APPEND-DIFFERS"])
	t.Logf("--optimize size: %d values (%d decoded valid instances, the rest random fills) compared with the speed code: %d that encoding/json refuses, %d valid; "+
		"%d differ in bytes or in Validate's verdict", sizeCompared, sizeDecoded, sizeRefused, sizeValid, kinds["SIZE-DIFFERS"])
	if n := kinds["SIZE-DIFFERS"]; n > 0 {
		t.Errorf("--optimize size differs from the speed code on %d values", n)
	}
	if sizeCompared < appendValues/2 || sizeDecoded < 1000 || sizeValid < 1000 || sizeRefused == 0 {
		t.Errorf("the --optimize size differential compared too little: %d values, %d decoded, %d valid, %d refused", sizeCompared, sizeDecoded, sizeValid, sizeRefused)
	}
	if n := kinds["APPEND-DIFFERS"]; n > 0 {
		t.Errorf("AppendJSON differs from json.Marshal on %d values", n)
	}
	if appendEvents < 100 || appendValues < appendEvents*catalogAppendValuesPerEvent || appendErrors == 0 || appendValid < 10000 {
		t.Errorf("the AppendJSON differential compared too little: %d events, %d values, %d refused, %d valid", appendEvents, appendValues, appendErrors, appendValid)
	}
	if pct < 99.9 {
		t.Errorf("the receive path agrees with santhosh on %.3f%% of the corpus instances, goal 99.9%%", pct)
	}
	if valid < total/10 {
		t.Errorf("only %d of %d corpus instances are valid: the sampler is too weak to measure", valid, total)
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// buildPackages writes the packages into one temporary module and runs one
// `go build ./...`; it returns the packages that failed with their first
// error line.
func buildPackages(t *testing.T, tmp string, pkgs map[string]map[string][]byte) map[string]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for name, files := range pkgs {
		dir := filepath.Join(tmp, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, b := range files {
			if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	gomod, err := os.ReadFile("testdata/ownmodule/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	gomod = bytes.ReplaceAll(gomod, []byte("REPO_ROOT"), []byte(root))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), gomod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool(t), "build", "./...")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	failed := map[string]string{}
	if err == nil {
		return failed
	}
	cur := ""
	for _, line := range strings.Split(string(out), "\n") {
		if pkg, ok := strings.CutPrefix(line, "# example.com/evctlgen/"); ok {
			cur = pkg
			continue
		}
		if cur != "" && failed[cur] == "" && strings.TrimSpace(line) != "" {
			failed[cur] = oneLine(line)
		}
	}
	if len(failed) == 0 {
		t.Fatalf("go build failed without naming a package: %v\n%s", err, out)
	}
	return failed
}

// goTool is the go command on PATH.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// dirSources reads the schema files under dir, with paths relative to it.
func dirSources(t *testing.T, dir string) []schema.FileSource {
	t.Helper()
	var srcs []schema.FileSource
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		srcs = append(srcs, schema.FileSource{Path: filepath.ToSlash(rel), Data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Path < srcs[j].Path })
	return srcs
}

// appendValuesPerEvent is how many random values each JSON Schema event
// gets in the AppendJSON differential; catalogAppendValuesPerEvent, each
// event of a multi-file catalog (octokit's: large nested structs).
const (
	appendValuesPerEvent        = 300
	catalogAppendValuesPerEvent = 50
)

// appendDiffSource is the AppendJSON differential that runs inside the
// generated module: a seeded filler sets every field by reflection (nasty
// strings with HTML characters, U+2028, invalid UTF-8; floats across the
// 'f'/'e' cut-offs, NaN and infinities; times with out-of-range years and
// zones; nil, empty and full slices, maps and pointers; any values).
const appendDiffSource = `
var appendCompared, appendRefused int

func compareAppend(pkg string, e any) {
	a, ok := e.(interface{ AppendJSON([]byte) ([]byte, error) })
	if !ok {
		return
	}
	want, werr := json.Marshal(e)
	got, gerr := a.AppendJSON([]byte("pre"))
	appendCompared++
	switch {
	case werr != nil && gerr == nil:
		fmt.Printf("APPEND-DIFFERS %s: json.Marshal fails (%v), AppendJSON writes %s\n", pkg, werr, got)
	case werr != nil && string(got) != "pre":
		fmt.Printf("APPEND-DIFFERS %s: failing AppendJSON changed the buffer: %q\n", pkg, got)
	case werr != nil:
		appendRefused++
	case gerr != nil:
		fmt.Printf("APPEND-DIFFERS %s: AppendJSON fails (%v), json.Marshal writes %s\n", pkg, gerr, want)
	case string(got) != "pre"+string(want):
		fmt.Printf("APPEND-DIFFERS %s:\n  got  %s\n  want pre%s\n", pkg, got, want)
	}
	// AppendValidatedJSON (what wire.Serializer.Append uses) writes the
	// same bytes for every value Validate accepts, and for every other
	// value fails validation and leaves the buffer alone.
	va, ok := e.(interface {
		AppendValidatedJSON([]byte) ([]byte, bool, error)
	})
	if !ok {
		return
	}
	verr := e.(interface{ Validate() error }).Validate()
	got, valid, gerr := va.AppendValidatedJSON([]byte("pre"))
	switch {
	case verr != nil && (valid || gerr == nil || string(got) != "pre"):
		// (Not the same failure necessarily: with several failing map
		// values either may be reported, map order being random.)
		fmt.Printf("APPEND-DIFFERS %s: AppendValidatedJSON of an invalid value (%v): %q, %v, %v\n", pkg, verr, got, valid, gerr)
	case verr == nil && werr == nil:
		appendValidCompared++
		if !valid || gerr != nil || string(got) != "pre"+string(want) {
			fmt.Printf("APPEND-DIFFERS %s: AppendValidatedJSON %s, %v, %v; json.Marshal %s\n", pkg, got, valid, gerr, want)
		}
	case verr == nil && (!valid || gerr == nil):
		// json.Marshal refuses a valid value (a float Validate does not bound?):
		// AppendValidatedJSON must fail to encode it too.
		fmt.Printf("APPEND-DIFFERS %s: json.Marshal fails (%v), AppendValidatedJSON %q, %v, %v\n", pkg, werr, got, valid, gerr)
	}
}

var appendValidCompared int

var pieces = []string{"a", "Z", "0", " ", "\"", "\\", "/", "<", ">", "&", "\x00", "\x1f", "\b", "\f", "\n", "\r", "\t", "\x7f",
	"é", "€", "😀", "\u2028", "\u2029", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\ufffd", "-", "e"}

func randString(r *rand.Rand) string {
	var sb strings.Builder
	for n := r.IntN(8); n > 0; n-- {
		sb.WriteString(pieces[r.IntN(len(pieces))])
	}
	return sb.String()
}

func randFloat(r *rand.Rand) float64 {
	switch r.IntN(12) {
	case 0:
		return []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e21, 1e-6, 9.99999e-7, 5e-324, math.MaxFloat64}[r.IntN(10)]
	case 1, 2:
		return math.Float64frombits(r.Uint64())
	case 3, 4, 5:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(50)-25))
	default:
		return float64(r.Int64N(1e6)) / []float64{1, 10, 100, 1000}[r.IntN(4)]
	}
}

var timeType = reflect.TypeFor[time.Time]()

func randAny(r *rand.Rand, depth int) any {
	switch r.IntN(7) {
	case 0:
		return nil
	case 1:
		return randString(r)
	case 2:
		f := randFloat(r)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = 1.5
		}
		return f
	case 3:
		return r.IntN(2) == 0
	case 4:
		if depth > 2 {
			return "deep"
		}
		a := make([]any, r.IntN(3))
		for i := range a {
			a[i] = randAny(r, depth+1)
		}
		return a
	default:
		if depth > 2 {
			return int64(r.Int64())
		}
		m := map[string]any{}
		for n := r.IntN(3); n > 0; n-- {
			m[randString(r)] = randAny(r, depth+1)
		}
		return m
	}
}

var numberType = reflect.TypeFor[json.Number]()

var numberTexts = []string{"", "0", "-0", "1", "-1", "1.0", "1e2", "1E+2", "2.5e-3", "9223372036854775808", "1e400", "12.50", "01", "1.", "x", " 1"}

func fillValue(r *rand.Rand, v reflect.Value, depth int) {
	if v.Type() == numberType {
		v.SetString(numberTexts[r.IntN(len(numberTexts))])
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(randString(r))
	case reflect.Int64, reflect.Int32, reflect.Int:
		v.SetInt([]int64{0, -1, 1, math.MaxInt64, math.MinInt64, r.Int64(), int64(r.IntN(1000))}[r.IntN(7)])
	case reflect.Float64, reflect.Float32:
		v.SetFloat(randFloat(r))
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Struct:
		if v.Type() == timeType {
			sec := r.Int64N(10000*365*86400) - 62135596800
			if r.IntN(20) == 0 {
				sec = r.Int64N(1<<40) - 1<<39
			}
			tm := time.Unix(sec, int64(r.IntN(1e9))*int64(r.IntN(2)))
			switch r.IntN(4) {
			case 0:
				tm = tm.UTC()
			case 1:
				tm = tm.In(time.FixedZone("", (r.IntN(48*60)-24*60)*60))
			case 2:
				tm = tm.In(time.FixedZone("", (r.IntN(60)-30)*3600))
			}
			v.Set(reflect.ValueOf(tm))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fillValue(r, v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		if depth > 6 || r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fillValue(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		switch k := r.IntN(4); {
		case k == 0 || depth > 6:
			v.SetZero()
		case k == 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			s := reflect.MakeSlice(v.Type(), 1+r.IntN(3), 3)
			for i := 0; i < s.Len(); i++ {
				fillValue(r, s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Map:
		switch k := r.IntN(4); {
		case k == 0 || depth > 6:
			v.SetZero()
		case k == 1:
			v.Set(reflect.MakeMap(v.Type()))
		default:
			m := reflect.MakeMap(v.Type())
			for n := 1 + r.IntN(3); n > 0; n-- {
				e := reflect.New(v.Type().Elem()).Elem()
				fillValue(r, e, depth+1)
				m.SetMapIndex(reflect.ValueOf(randString(r)).Convert(v.Type().Key()), e)
			}
			v.Set(m)
		}
	case reflect.Interface:
		if a := randAny(r, 0); a != nil {
			v.Set(reflect.ValueOf(a))
		} else {
			v.SetZero()
		}
	}
}

func TestAppendJSON(t *testing.T) {
	events := 0
	for pkg, p := range allEvents {
		for i, typ := range p.types {
			if _, ok := p.nf(typ).(interface{ AppendJSON([]byte) ([]byte, error) }); !ok {
				continue
			}
			events++
			r := rand.New(rand.NewPCG(uint64(len(pkg)*1000+i), 7))
			for n := 0; n < p.values; n++ {
				e := p.nf(typ)
				fillValue(r, reflect.ValueOf(e).Elem(), 0)
				compareAppend(pkg, e)
				if p.size != nil {
					s := p.size(typ)
					copyValue(reflect.ValueOf(s).Elem(), reflect.ValueOf(e).Elem())
					compareSize(pkg, e, s, false)
				}
			}
		}
	}
	appendEvents = events
}

var appendEvents int

// TestMain prints the figures after both tests, which share compareAppend.
func TestMain(m *testing.M) {
	code := m.Run()
	fmt.Printf("APPEND-FIGURES %d %d %d %d\n", appendEvents, appendCompared, appendRefused, appendValidCompared)
	fmt.Printf("SIZE-FIGURES %d %d %d %d\n", sizeCompared, sizeRefused, sizeValid, sizeDecoded)
	os.Exit(code)
}
`

// avroDeps returns the files of all that define the Avro named types ev
// uses without defining them, and theirs in turn: gen go generates a
// type defined in another file in that file's Go file, so they are
// generated beside ev. Of several files defining a name, the nearest in
// the tree is taken, as the loader does.
func avroDeps(ev *schema.Event, all []*schema.Event) []*schema.Event {
	if ev.Format != schema.Avro {
		return nil
	}
	defs := map[string][]*schema.Event{}
	for _, e := range all {
		if e.Format != schema.Avro {
			continue
		}
		for name := range avroNames(e.Root, "", nil, 0) {
			defs[name] = append(defs[name], e)
			if i := strings.LastIndexByte(name, '.'); i >= 0 {
				defs[name[i+1:]] = append(defs[name[i+1:]], e)
			}
		}
	}
	seen := map[*schema.Event]bool{ev: true}
	var out []*schema.Event
	queue := []*schema.Event{ev}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		own := avroNames(e.Root, "", nil, 0)
		var used []string
		avroStrings(e.Root, &used, 0)
		for _, s := range used {
			if own[s] || len(defs[s]) == 0 {
				continue
			}
			var best *schema.Event
			bestLen := -1
			for _, d := range defs[s] {
				n := 0
				for n < len(d.Path) && n < len(ev.Path) && d.Path[n] == ev.Path[n] {
					n++
				}
				if d != e && n > bestLen {
					best, bestLen = d, n
				}
			}
			if best != nil && !seen[best] {
				seen[best] = true
				out = append(out, best)
				queue = append(queue, best)
			}
		}
	}
	return out
}

// avroNames collects the full (and, when it is a full name, the given)
// names of the records, enums and fixed types a schema defines.
func avroNames(n *schema.Node, ns string, out map[string]bool, depth int) map[string]bool {
	if out == nil {
		out = map[string]bool{}
	}
	if n == nil || depth > 64 {
		return out
	}
	switch n.Kind {
	case schema.Object:
		if name, ok := n.Get("name").StringValue(); ok {
			if typ, _ := n.Get("type").StringValue(); typ == "record" || typ == "error" || typ == "enum" || typ == "fixed" {
				if own, ok := n.Get("namespace").StringValue(); ok {
					ns = own
				}
				full := name
				if i := strings.LastIndexByte(name, '.'); i >= 0 {
					ns = name[:i]
				} else if ns != "" {
					full = ns + "." + name
				}
				out[full] = true
				out[name] = true
			}
		}
		for _, m := range n.Members {
			avroNames(m.Value, ns, out, depth+1)
		}
	case schema.Array:
		for _, it := range n.Items {
			avroNames(it, ns, out, depth+1)
		}
	}
	return out
}

// avroStrings collects the type names a schema uses: the strings under
// type, items, values and in unions.
func avroStrings(n *schema.Node, out *[]string, depth int) {
	if n == nil || depth > 64 {
		return
	}
	switch n.Kind {
	case schema.String:
		*out = append(*out, n.Str)
	case schema.Object:
		for _, m := range n.Members {
			switch m.Key {
			case "type", "items", "values", "fields":
				avroStrings(m.Value, out, depth+1)
			default:
				if m.Value.Kind == schema.Object || m.Key == "fields" {
					avroStrings(m.Value, out, depth+1)
				}
			}
		}
	case schema.Array:
		for _, it := range n.Items {
			avroStrings(it, out, depth+1)
		}
	}
}

// sizeDiffSource compares, inside the generated module, each event of a
// speed package with the same event generated with --optimize size (its
// package <pkg>s), on the same value (a decoded valid instance, or a
// random fill copied field by field): encoding/json writes the same bytes
// for both (the speed bytes being AppendJSON's, compareAppend), and
// Validate gives the same verdict; a value encoding/json refuses is
// invalid to the size Validate, which checks the bytes that would be sent.
const sizeDiffSource = `
var sizeCompared, sizeRefused, sizeValid, sizeDecoded int

func compareSize(pkg string, e, s any, decoded bool) {
	sizeCompared++
	if decoded {
		sizeDecoded++
	}
	want, werr := json.Marshal(e)
	got, gerr := json.Marshal(s)
	if (werr == nil) != (gerr == nil) || string(got) != string(want) {
		fmt.Printf("SIZE-DIFFERS %s: json.Marshal speed %s (%v), size %s (%v)\n", pkg, want, werr, got, gerr)
		return
	}
	ev := e.(interface{ Validate() error }).Validate()
	sv := s.(interface{ Validate() error }).Validate()
	if werr != nil {
		sizeRefused++
		if sv == nil {
			fmt.Printf("SIZE-DIFFERS %s: the size Validate accepts a value encoding/json refuses (%v)\n", pkg, werr)
		}
		return
	}
	if (ev == nil) != (sv == nil) {
		fmt.Printf("SIZE-DIFFERS %s: Validate speed %v, size %v: %s\n", pkg, ev, sv, want)
		return
	}
	if sv == nil {
		sizeValid++
	}
}

// copyValue copies src into dst, a value of the same shape generated in
// another package: structs field by field, named types by conversion.
func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Struct:
		if src.Type() == dst.Type() {
			dst.Set(src)
			return
		}
		for i := 0; i < src.NumField(); i++ {
			if src.Type().Field(i).IsExported() {
				copyValue(dst.Field(i), src.Field(i))
			}
		}
	case reflect.Pointer:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		p := reflect.New(dst.Type().Elem())
		copyValue(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		s := reflect.MakeSlice(dst.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			copyValue(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		m := reflect.MakeMapWithSize(dst.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			k := reflect.New(dst.Type().Key()).Elem()
			copyValue(k, it.Key())
			v := reflect.New(dst.Type().Elem()).Elem()
			copyValue(v, it.Value())
			m.SetMapIndex(k, v)
		}
		dst.Set(m)
	case reflect.Interface:
		if !src.IsNil() {
			dst.Set(src.Elem())
		}
	default:
		dst.Set(src.Convert(dst.Type()))
	}
}
`
