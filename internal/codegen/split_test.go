package codegen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/codegen"
)

// splitCatalog is a multi-version catalog: a shared JSON Schema file used
// by two v1 events, an Avro record (with an enum and a fixed) defined in a
// shared .avsc and used by two more, and v1 and v2 events that use nothing
// of other files.
func splitCatalog() map[string]string {
	return map[string]string{
		"common/money.json": `{"$id":"https://acme.test/common/money.json","type":"object","required":["amount","currency"],"additionalProperties":false,
			"properties":{"amount":{"type":"integer","minimum":0},"currency":{"$ref":"#/definitions/Currency"}},
			"definitions":{"Currency":{"type":"string","enum":["EUR","USD"]},"Sku":{"type":"string","pattern":"^[A-Z]{3}-[0-9]+$","maxLength":12}}}`,
		"v1/OrderPlaced.json": `{"type":"object","required":["total","sku"],"properties":{"total":{"$ref":"../common/money.json"},
			"sku":{"$ref":"../common/money.json#/definitions/Sku"},"lines":{"type":"array","items":{"$ref":"https://acme.test/common/money.json"}}}}`,
		"v1/OrderShipped.json": `{"type":"object","required":["refund"],"properties":{"refund":{"$ref":"../common/money.json"},"currency":{"$ref":"../common/money.json#/definitions/Currency"}}}`,
		"common/Address.avsc": `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"},
			{"name":"country","type":{"type":"enum","name":"Country","symbols":["DE","FR"]}},{"name":"code","type":{"type":"fixed","name":"Code","size":2}}]}`,
		"v1/CustomerMoved.avsc":  `{"type":"record","name":"CustomerMoved","namespace":"com.acme","fields":[{"name":"from","type":"Address"},{"name":"to","type":["null","com.acme.Address"],"default":null},{"name":"country","type":"com.acme.Country"}]}`,
		"v1/CustomerJoined.avsc": `{"type":"record","name":"CustomerJoined","namespace":"com.acme","fields":[{"name":"home","type":"com.acme.Address"},{"name":"codes","type":{"type":"array","items":"Code"}}]}`,
		"v1/TicketOpened.json":   `{"type":"object","required":["id","priority"],"properties":{"id":{"type":"string","format":"uuid"},"priority":{"type":"string","enum":["low","high"]}}}`,
		"v2/OrderPlaced.json":    `{"type":"object","required":["order_id","state"],"additionalProperties":false,"properties":{"order_id":{"type":"string","minLength":1},"state":{"type":"string","enum":["new","paid"]}}}`,
		"v2/TicketOpened.avsc":   `{"type":"record","name":"TicketOpened","namespace":"com.acme.v2","fields":[{"name":"id","type":{"type":"string","logicalType":"uuid"}},{"name":"level","type":{"type":"enum","name":"Level","symbols":["LOW","HIGH"]}}]}`,
	}
}

// TestSplitLayout checks where a split output puts each file: every
// internal package holds at most Split events unless one group of files
// that refer to each other is larger, such a group is never divided (no
// part imports another), and the package at the output directory declares
// every exported name of every part under the same name.
func TestSplitLayout(t *testing.T) {
	one, err := generateSplit(t, "events", splitCatalog(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for n := range one {
		if strings.Contains(n, "/") {
			t.Fatalf("without Split the output has %s, in a subdirectory", n)
		}
	}
	for _, split := range []int{1, 2, 100} {
		files, err := generateSplit(t, "events", splitCatalog(), split)
		if err != nil {
			t.Fatalf("split %d: %v", split, err)
		}
		fset := token.NewFileSet()
		partOf := map[string]string{}     // generated file -> part
		exported := map[string][]string{} // part -> exported names
		declared := map[string]string{}   // root name -> "part.Name" it stands for
		events := map[string]int{}        // part -> events
		var names []string
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			f, err := parser.ParseFile(fset, n, files[n], 0)
			if err != nil {
				t.Fatalf("split %d: %s: %v", split, n, err)
			}
			dir := path.Dir(n)
			if dir == "." {
				if f.Name.Name != "events" {
					t.Fatalf("split %d: %s is package %s, want events", split, n, f.Name.Name)
				}
				for _, d := range f.Decls {
					gd, ok := d.(*ast.GenDecl)
					if !ok {
						continue
					}
					for _, sp := range gd.Specs {
						switch sp := sp.(type) {
						case *ast.TypeSpec:
							if sel, ok := sp.Type.(*ast.SelectorExpr); ok && sp.Assign.IsValid() {
								declared[sp.Name.Name] = sel.X.(*ast.Ident).Name + "." + sel.Sel.Name
							}
						case *ast.ValueSpec:
							for i, id := range sp.Names {
								if i < len(sp.Values) {
									if sel, ok := sp.Values[i].(*ast.SelectorExpr); ok {
										declared[id.Name] = sel.X.(*ast.Ident).Name + "." + sel.Sel.Name
									}
								}
							}
						}
					}
				}
				continue
			}
			part := path.Base(dir)
			if dir != codegen.PartsDir+"/"+part || f.Name.Name != part {
				t.Fatalf("split %d: %s is package %s in %s", split, n, f.Name.Name, dir)
			}
			partOf[path.Base(n)] = part
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if strings.HasPrefix(p, "example.com/") {
					t.Fatalf("split %d: %s imports %s: a part depends on another", split, n, p)
				}
			}
			for _, d := range f.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok {
					continue
				}
				for _, sp := range gd.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						if sp.Name.IsExported() {
							exported[part] = append(exported[part], sp.Name.Name)
						}
					case *ast.ValueSpec:
						for _, id := range sp.Names {
							if id.IsExported() {
								exported[part] = append(exported[part], id.Name)
							}
						}
					}
				}
			}
			if strings.HasPrefix(path.Base(n), "v1_") || strings.HasPrefix(path.Base(n), "v2_") {
				events[part]++
			}
		}
		if len(exported) == 0 {
			t.Fatalf("split %d: no parts in %v", split, names)
		}
		for part, ns := range exported {
			for _, n := range ns {
				if declared[n] != part+"."+n {
					t.Errorf("split %d: %s.%s is declared in the root as %q", split, part, n, declared[n])
				}
			}
		}
		// Files that refer to each other share a part.
		for _, group := range [][]string{
			{"common_money.go", "v1_order_placed.go", "v1_order_shipped.go"},
			{"common_address.go", "v1_customer_moved.go", "v1_customer_joined.go"},
		} {
			for _, f := range group[1:] {
				if partOf[f] == "" || partOf[f] != partOf[group[0]] {
					t.Errorf("split %d: %s is in %q, %s in %q", split, f, partOf[f], group[0], partOf[group[0]])
				}
			}
		}
		for part, n := range events {
			if n > split && n > 2 {
				t.Errorf("split %d: %s holds %d events", split, part, n)
			}
		}
		want := map[int]int{1: 5, 2: 4, 100: 1}[split]
		if len(events) != want {
			t.Errorf("split %d: %d parts, want %d (%v)", split, len(events), want, partOf)
		}
	}
}

// TestSplitBuild builds a split output of the multi-version catalog and
// uses it only through the package at the output directory: the shared
// types of another file (JSON Schema and Avro), enum constants, NewEvent
// and EventTypes, validation and encoding, as TestSharedTypesBuild does for
// one package.
func TestSplitBuild(t *testing.T) {
	test := `package events

import (
	"testing"

	"github.com/evctl/evctl/wire"
)

func TestSplit(t *testing.T) {
	m := CommonMoney{Amount: "5", Currency: CommonMoneyCurrencyEur}
	p := &V1OrderPlaced{Total: m, SKU: "ABC-1", Lines: []CommonMoney{m}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.Lines[0].Amount = "-1"
	if err := p.Validate(); err == nil {
		t.Fatal("a negative amount in a shared type passed")
	}
	b, err := (&V1OrderShipped{Refund: m}).AppendJSON(nil)
	if err != nil || string(b) != ` + "`" + `{"refund":{"amount":5,"currency":"EUR"}}` + "`" + ` {
		t.Fatalf("AppendJSON: %s %v", b, err)
	}
	a := ComAcmeAddress{Street: "Main", Country: ComAcmeCountryDe, Code: [2]byte{'a', 'b'}}
	mv := &V1CustomerMoved{From: a, To: &a, Country: ComAcmeCountryFr}
	if err := mv.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := mv.AppendAvro(nil); err != nil {
		t.Fatal(err)
	}
	v2 := &V2OrderPlaced{OrderID: "o-1", State: V2OrderPlacedStateNew}
	if err := v2.Validate(); err != nil {
		t.Fatal(err)
	}
	v2.State = "gone"
	if err := v2.Validate(); err == nil {
		t.Fatal("a v2 state outside the enum passed")
	}
	tk := &V2TicketOpened{ID: "9b2f6c1e-3c1a-4d2e-8f00-1a2b3c4d5e6f", Level: V2TicketOpenedLevelHigh}
	var ev Event = tk
	if err := ev.Validate(); err != nil {
		t.Fatal(err)
	}
	var _ wire.Event = tk
	if len(EventTypes) != 7 {
		t.Fatalf("EventTypes: %v", EventTypes)
	}
	for _, et := range EventTypes {
		e := NewEvent(et)
		if e == nil || e.EventType() != et {
			t.Fatalf("NewEvent(%q) = %v", et, e)
		}
	}
	if _, ok := NewEvent("v2.TicketOpened").(*V2TicketOpened); !ok {
		t.Fatal("NewEvent(v2.TicketOpened) is not a *V2TicketOpened")
	}
	if _, ok := NewEvent("v1.OrderPlaced").(*V1OrderPlaced); !ok {
		t.Fatal("NewEvent(v1.OrderPlaced) is not a *V1OrderPlaced")
	}
}
`
	// The same with --optimize size: no encoders (encoding/json writes the
	// same bytes), no envelope accessors.
	size := strings.NewReplacer(
		"package events\n", "package eventsize\n",
		`"testing"`, "\"encoding/json\"\n\t\"testing\"",
		"(&V1OrderShipped{Refund: m}).AppendJSON(nil)", "json.Marshal(&V1OrderShipped{Refund: m})",
		"AppendJSON:", "json.Marshal:",
		"if _, err := mv.AppendAvro(nil); err != nil {\n\t\tt.Fatal(err)\n\t}\n", "",
	).Replace(test)
	if size == test || strings.Contains(size, "Append") {
		t.Fatal("the size variant of the test did not take")
	}
	buildModule(t, map[string]genPackage{
		"events":    {files: splitCatalog(), split: 1, tests: map[string]string{"split_test.go": test}},
		"eventsize": {files: splitCatalog(), split: 1, optimize: codegen.OptimizeSize, tests: map[string]string{"split_test.go": size}},
	})
}

// TestCheckSplit checks that Check compares the files of the internal
// packages too, and lists generated files of parts no longer produced.
func TestCheckSplit(t *testing.T) {
	files, err := generateSplit(t, "events", splitCatalog(), 2)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for n, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if stale, err := codegen.Check(dir, files); err != nil || len(stale) != 0 {
		t.Fatalf("fresh output: %v %v", stale, err)
	}
	old := filepath.Join(dir, "internal", "part9", "v1_gone.go")
	if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, []byte(codegen.Header+"\n\npackage part9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "internal", "part9", "mine.go"), []byte("package part9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var changed string
	for n := range files {
		if strings.HasPrefix(n, "internal/part1/v1_") {
			changed = n
			break
		}
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(changed)), []byte("package part1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stale, err := codegen.Check(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{changed, "internal/part9/v1_gone.go"}
	sort.Strings(want)
	if strings.Join(stale, " ") != strings.Join(want, " ") {
		t.Fatalf("stale %v, want %v", stale, want)
	}
	// Without Split every file of the parts is stale.
	one, err := generateSplit(t, "events", splitCatalog(), 0)
	if err != nil {
		t.Fatal(err)
	}
	stale, err = codegen.Check(dir, one)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stale {
		if strings.HasPrefix(s, "internal/part9/mine") {
			t.Fatalf("a file without the header is listed: %v", stale)
		}
	}
	if n := len(stale); n < len(files) {
		t.Fatalf("%d stale of %d: %v", n, len(files), stale)
	}
}
