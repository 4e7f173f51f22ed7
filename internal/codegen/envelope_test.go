package codegen_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/codegen"
	"github.com/evctl/evctl/internal/lint"
	"github.com/evctl/evctl/internal/schema"
)

// entityID is what the CLI passes as Options.EntityID.
func entityID(ev *schema.Event) string {
	if f := lint.EntityIDField(ev); f != nil {
		return f.Name
	}
	return ""
}

// envelopeCatalog: renamed envelope fields (lint.envelope), their camelCase
// forms, an occurred_at that is a string (a date-time with a pattern is
// not a time.Time), an integer entity id, and an event without an entity.
var envelopeCatalog = map[string]string{
	"v1/CustomerRegistered.json": `{"title":"v1.CustomerRegistered","type":"object",
  "required":["id","ts","traceId","customerId"],
  "properties":{
    "id":{"type":"string","format":"uuid"},
    "ts":{"type":"string","format":"date-time","pattern":"Z$"},
    "traceId":{"type":"string"},
    "customerId":{"type":"integer"}}}`,
	"v1/PriceChanged.avsc": `{"type":"record","name":"PriceChanged","fields":[
    {"name":"id","type":{"type":"string","logicalType":"uuid"}},
    {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},
    {"name":"trace_id","type":"string"},
    {"name":"sku","type":"string"}]}`,
	"v1/NoEnvelope.json": `{"title":"v1.NoEnvelope","type":"object","properties":{"x":{"type":"string"}}}`,
}

const envelopeMain = `package main

import (
	"fmt"
	"time"

	"example.com/evctlgen/p"
	"github.com/evctl/evctl/wire"
)

func main() {
	t := time.Date(2026, 11, 28, 12, 0, 0, 5000, time.UTC)
	for _, e := range []wire.Event{&p.V1CustomerRegistered{CustomerID: "42"}, &p.V1PriceChanged{SKU: "sku-1"}} {
		env := e.(wire.Enveloped)
		env.SetEnvelopeEventID("id-" + e.EventType())
		env.SetEnvelopeOccurredAt(t)
		env.SetEnvelopeCorrelationID("c")
		key := "-"
		if k, ok := e.(wire.Keyed); ok {
			key = k.PartitionKey()
		}
		fmt.Printf("%s %s %s %s key=%s\n", e.EventType(), env.EnvelopeEventID(), env.EnvelopeOccurredAt().Format(time.RFC3339Nano), env.EnvelopeCorrelationID(), key)
	}
	r := &p.V1CustomerRegistered{}
	r.SetEnvelopeOccurredAt(t)
	fmt.Println(r.Ts)
	_, ok := wire.Event(&p.V1NoEnvelope{}).(wire.Enveloped)
	fmt.Println("NoEnvelope enveloped:", ok)
}
`

func TestEnvelopeAccessors(t *testing.T) {
	var srcs []schema.FileSource
	for p, d := range envelopeCatalog {
		srcs = append(srcs, schema.FileSource{Path: p, Data: []byte(d)})
	}
	cat := schema.LoadSources(srcs)
	if len(cat.Errors) > 0 {
		t.Fatalf("catalog: %v", cat.Errors[0])
	}
	files, _, err := codegen.Generate(cat, codegen.Options{Package: "p", EntityID: entityID, Envelope: codegen.Envelope{EventID: "id", OccurredAt: "ts", CorrelationID: "trace_id"}})
	if err != nil {
		t.Fatal(err)
	}
	env := string(files[codegen.EnvelopeFile])
	for _, want := range []string{
		"func (v *V1CustomerRegistered) PartitionKey() string { return string(v.CustomerID) }",
		"v1.NoEnvelope: no required string field \"id\"",
	} {
		if !strings.Contains(env, want) {
			t.Errorf("%s does not contain %q:\n%s", codegen.EnvelopeFile, want, env)
		}
	}
	if strings.Contains(env, "V1PriceChanged) PartitionKey") {
		t.Errorf("PriceChanged has no entity id (no past-tense verb), yet got a PartitionKey")
	}
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tmp, "p"), 0o755); err != nil {
		t.Fatal(err)
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(tmp, "p", n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gomod, err := os.ReadFile("testdata/ownmodule/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for n, b := range map[string][]byte{"go.mod": bytes.ReplaceAll(gomod, []byte("REPO_ROOT"), []byte(root)), "go.sum": sum, "main.go": []byte(envelopeMain)} {
		if err := os.WriteFile(filepath.Join(tmp, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gocmd, "run", ".")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	want := `v1.CustomerRegistered id-v1.CustomerRegistered 2026-11-28T12:00:00.000005Z c key=42
v1.PriceChanged id-v1.PriceChanged 2026-11-28T12:00:00.000005Z c key=-
2026-11-28T12:00:00.000005Z
NoEnvelope enveloped: false
`
	if string(out) != want {
		t.Errorf("accessors:\n%s\nwant:\n%s", out, want)
	}
}

// TestEnvelopeMethodCollision: a top-level field named like an envelope
// method is renamed (PartitionKeyField), so the methods still compile.
func TestEnvelopeMethodCollision(t *testing.T) {
	cat := schema.LoadSources([]schema.FileSource{{Path: "v1/OrderPlaced.json", Data: []byte(`{"type":"object","properties":{"partition_key":{"type":"string"},"order_id":{"type":"string"}}}`)}})
	if len(cat.Errors) > 0 {
		t.Fatal(cat.Errors[0])
	}
	files, _, err := codegen.Generate(cat, codegen.Options{Package: "p", EntityID: entityID})
	if err != nil {
		t.Fatal(err)
	}
	var src string
	for n, b := range files {
		if n != codegen.EnvelopeFile && n != codegen.SharedFile {
			src = string(b)
		}
	}
	if !strings.Contains(src, "PartitionKeyField ") {
		t.Errorf("the field was not renamed:\n%s", src)
	}
}
