package codegen_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/codegen"
)

// randomAvroSchemas and randomAvroValues size TestRandomAvro.
const (
	randomAvroSchemas = 60
	randomAvroValues  = 25
	randomAvroSeed    = 20261128
)

// avroGen builds random Avro record schemas from a seed: nested records,
// enums, fixed, arrays (of arrays), maps, ["null", T], unions of several
// branches (records, arrays, maps, fixed, enums, primitives), single-branch
// unions, null fields, decimals (bytes and fixed, also as items and
// values), uuid, dates, timestamps, times, recursion through nullable
// fields and arrays, and defaults.
type avroGen struct {
	r     *rand.Rand
	names int
}

func (g *avroGen) name() string {
	g.names++
	return fmt.Sprintf("T%d", g.names)
}

func (g *avroGen) record(name string, depth int, enclosing []string) map[string]any {
	enclosing = append(enclosing, name)
	var fields []any
	n := 1 + g.r.IntN(5)
	for i := 0; i < n; i++ {
		t, def, hasDef := g.field(depth, enclosing)
		f := map[string]any{"name": fmt.Sprintf("f%d", i), "type": t}
		if hasDef {
			f["default"] = def
		}
		fields = append(fields, f)
	}
	return map[string]any{"type": "record", "name": name, "fields": fields}
}

func (g *avroGen) field(depth int, enclosing []string) (t any, def any, hasDef bool) {
	switch k := g.r.IntN(20); {
	case k == 0 && len(enclosing) > 0: // recursion through a nullable field
		return []any{"null", enclosing[g.r.IntN(len(enclosing))]}, nil, true
	case k == 1 && len(enclosing) > 0: // recursion through an array
		return map[string]any{"type": "array", "items": enclosing[g.r.IntN(len(enclosing))]}, []any{}, true
	case k == 2:
		return []any{"null", g.typ(depth+1, enclosing, false)}, nil, true
	case k == 3:
		return map[string]any{"type": "array", "items": g.typ(depth+1, enclosing, true)}, []any{}, g.r.IntN(2) == 0
	}
	return g.typ(depth, enclosing, true), nil, false
}

func (g *avroGen) primitive() any {
	return []string{"boolean", "int", "long", "float", "double", "bytes", "string"}[g.r.IntN(7)]
}

func (g *avroGen) logical() any {
	p := 1 + g.r.IntN(18)
	s := g.r.IntN(p + 1)
	switch g.r.IntN(8) {
	case 0:
		return map[string]any{"type": "bytes", "logicalType": "decimal", "precision": p, "scale": s}
	case 1:
		return map[string]any{"type": "fixed", "name": g.name(), "size": 8, "logicalType": "decimal", "precision": p, "scale": s}
	case 2:
		return map[string]any{"type": "string", "logicalType": "uuid"}
	case 3:
		return map[string]any{"type": "int", "logicalType": "date"}
	case 4:
		return map[string]any{"type": "long", "logicalType": "timestamp-millis"}
	case 5:
		return map[string]any{"type": "long", "logicalType": "timestamp-micros"}
	case 6:
		return map[string]any{"type": "int", "logicalType": "time-millis"}
	}
	return map[string]any{"type": "long", "logicalType": "time-micros"}
}

// typ is a random type; unions and null are allowed when unionOK (not
// directly inside another union).
func (g *avroGen) typ(depth int, enclosing []string, unionOK bool) any {
	leaf := depth > 3
	switch k := g.r.IntN(16); {
	case k < 4 || leaf && k < 12:
		return g.primitive()
	case k < 6 || leaf:
		return g.logical()
	case k == 6:
		return map[string]any{"type": "enum", "name": g.name(), "symbols": []any{"A", "B", "C_D"}}
	case k == 7:
		return map[string]any{"type": "fixed", "name": g.name(), "size": 1 + g.r.IntN(6)}
	case k == 8:
		return map[string]any{"type": "array", "items": g.typ(depth+1, enclosing, true)}
	case k == 9:
		return map[string]any{"type": "map", "values": g.typ(depth+1, enclosing, true)}
	case k == 10:
		return g.record(g.name(), depth+1, enclosing)
	case k == 11 && unionOK: // a union of several branches of distinct kinds
		pool := []func() any{
			func() any { return "string" }, func() any { return "long" }, func() any { return "boolean" }, func() any { return "double" },
			func() any { return g.record(g.name(), depth+1, enclosing) },
			func() any { return map[string]any{"type": "array", "items": "int"} },
			func() any { return map[string]any{"type": "map", "values": "string"} },
			func() any { return map[string]any{"type": "fixed", "name": g.name(), "size": 4} },
			func() any { return map[string]any{"type": "enum", "name": g.name(), "symbols": []any{"X", "Y"}} },
			func() any { return map[string]any{"type": "long", "logicalType": "timestamp-millis"} },
		}
		order := g.r.Perm(len(pool))
		var u []any
		if g.r.IntN(2) == 0 {
			u = append(u, "null")
		}
		seenLong := false
		for _, i := range order[:2+g.r.IntN(2)] {
			if i == 1 || i == 9 { // long and timestamp-millis are both long
				if seenLong {
					continue
				}
				seenLong = true
			}
			u = append(u, pool[i]())
		}
		return u
	case k == 12 && unionOK:
		return []any{g.typ(depth+1, enclosing, false)} // single-branch union
	case k == 13 && unionOK:
		return "null"
	case k == 14 && unionOK:
		return []any{"null"}
	}
	return g.primitive()
}

// TestRandomAvro generates code for seeded random Avro schemas, builds it
// with one go command, fills each event with random valid values, encodes
// them with AppendAvro, and has Apache Avro's own Python implementation
// (Debian's python3-avro, installed by .ci/run) decode every payload and
// compare it with the value that was filled in.
func TestRandomAvro(t *testing.T) {
	py := "/usr/bin/python3" // Debian's, where python3-avro installs
	if out, err := exec.Command(py, "-c", "import avro.io").CombinedOutput(); err != nil {
		t.Fatalf("Apache Avro for Python is missing (apt-get install python3-avro; .ci/run does): %v\n%s", err, out)
	}
	g := &avroGen{r: rand.New(rand.NewPCG(randomAvroSeed, 1))}
	pkgs := map[string]genPackage{}
	var imports, entries strings.Builder
	for i := 0; i < randomAvroSchemas; i++ {
		g.names = 0
		name := fmt.Sprintf("R%d", i)
		b, err := json.Marshal(g.record(name, 0, nil))
		if err != nil {
			t.Fatal(err)
		}
		pkg := fmt.Sprintf("r%03d", i)
		pkgs[pkg] = genPackage{files: map[string]string{"v1/" + name + ".avsc": string(b)}}
		// The same schema with --optimize size must build (and vet) too.
		pkgs[pkg+"s"] = genPackage{files: map[string]string{"v1/" + name + ".avsc": string(b)}, optimize: codegen.OptimizeSize}
		fmt.Fprintf(&imports, "\t%s \"example.com/evctlgen/%s\"\n", pkg, pkg)
		fmt.Fprintf(&entries, "\t\t%q: func() fill.Event { return new(%s.V1%s) },\n", pkg, pkg, name)
	}
	fillSrc, err := os.ReadFile("testdata/randavro/fill/fill.go")
	if err != nil {
		t.Fatal(err)
	}
	cases := filepath.Join(t.TempDir(), "cases.json")
	runner := `package randavro_test

import (
	"testing"

	"example.com/evctlgen/fill"
` + imports.String() + `)

func TestFill(t *testing.T) {
	events := map[string]func() fill.Event{
` + entries.String() + `	}
	if err := fill.Run(events, ` + fmt.Sprint(randomAvroValues) + `, ` + fmt.Sprint(randomAvroSeed) + `, ` + fmt.Sprintf("%q", cases) + `); err != nil {
		t.Fatal(err)
	}
}
`
	buildModuleWith(t, pkgs, map[string]string{"fill/fill.go": string(fillSrc), "randavro_test.go": runner})
	out, err := exec.Command(py, "testdata/randavro/check.py", cases).CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, l := range lines {
		if i < 20 || strings.HasPrefix(l, "SUMMARY") {
			t.Log(l)
		}
	}
	if err != nil {
		t.Fatalf("python3-avro disagrees with AppendAvro: %v", err)
	}
}
