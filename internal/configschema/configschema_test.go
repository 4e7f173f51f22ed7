package configschema

import (
	"bytes"
	"encoding/json"
	"github.com/evctl/evctl/internal/registry/client"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/findings"
)

var committed = filepath.Join("..", "..", filepath.FromSlash(config.SchemaPath))

// TestCommitted: the committed schema is the generator's output.
// EVCTL_UPDATE=1 rewrites it.
func TestCommitted(t *testing.T) {
	t.Parallel()
	got, err := Generate(filepath.Join("..", "config"))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("EVCTL_UPDATE") != "" {
		if err := os.WriteFile(committed, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("%v (generate it with go generate ./internal/configschema)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: regenerate it with go generate ./internal/configschema (or EVCTL_UPDATE=1 go test ./internal/configschema)", config.SchemaPath)
	}
}

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(committed)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(config.SchemaURL, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(config.SchemaURL)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// instance turns YAML into the JSON value the schema validates.
func instance(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatalf("yaml: %v\n%s", err, src)
	}
	if v == nil {
		v = map[string]any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// load is the loader's verdict on a config, short of the file system.
func load(name string, src []byte) error {
	c, err := config.Parse(name, src)
	if err != nil {
		return err
	}
	return findings.ValidateConfig(c)
}

type example struct {
	name string
	src  []byte
}

// examples collects the config examples of the README (the YAML blocks
// under a heading that names evctl.yaml) and of the testscripts (files
// named evctl.yaml, and files copied to evctl.yaml or passed to --config).
func examples(t *testing.T) []example {
	t.Helper()
	var out []example
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	heading, inBlock, start := "", false, 0
	var block []string
	for i, l := range strings.Split(string(readme), "\n") {
		switch {
		case inBlock && strings.HasPrefix(l, "```"):
			inBlock = false
			if strings.Contains(heading, "evctl.yaml") {
				out = append(out, example{name: "README.md:" + strconv.Itoa(start), src: []byte(strings.Join(block, "\n"))})
			}
		case inBlock:
			block = append(block, l)
		case strings.HasPrefix(l, "#"):
			heading = l
		case strings.HasPrefix(l, "```yaml"):
			inBlock, start, block = true, i+1, nil
		}
	}
	refs := regexp.MustCompile(`(?m)(?:^cp (\S+) evctl\.yaml$|--config[ =](\S+))`)
	scripts, err := filepath.Glob(filepath.Join("..", "..", "cmd", "evctl", "testdata", "script", "*.txtar"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no testscripts: %v", err)
	}
	for _, s := range scripts {
		a, err := txtar.ParseFile(s)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, m := range refs.FindAllStringSubmatch(string(a.Comment), -1) {
			names[m[1]+m[2]] = true
		}
		for _, f := range a.Files {
			if filepath.Base(f.Name) == config.FileName || names[f.Name] {
				out = append(out, example{name: filepath.Base(s) + ":" + f.Name, src: f.Data})
			}
		}
	}
	return out
}

// loaderOnly are the loader's checks that JSON Schema cannot express.
var loaderOnly = regexp.MustCompile(`must be a whole path element|malformed pattern|does not exist|is not a (file|directory)`)

// TestExamples: the schema and the loader agree on every config example:
// those the loader accepts validate, those it rejects do not (but for the
// checks only the loader can make).
func TestExamples(t *testing.T) {
	t.Parallel()
	s := compile(t)
	exs := examples(t)
	valid, invalid := 0, 0
	for _, ex := range exs {
		lerr := load(ex.name, ex.src)
		serr := s.Validate(instance(t, ex.src))
		switch {
		case lerr == nil && serr != nil:
			t.Errorf("%s: the loader accepts it, the schema does not: %v", ex.name, serr)
		case lerr != nil && serr == nil && !loaderOnly.MatchString(lerr.Error()):
			t.Errorf("%s: the loader rejects it (%v), the schema accepts it", ex.name, lerr)
		case lerr == nil:
			valid++
		default:
			invalid++
		}
	}
	t.Logf("%d config examples: %d valid, %d invalid", len(exs), valid, invalid)
	if valid < 10 || invalid < 3 {
		t.Fatalf("only %d valid and %d invalid config examples found: is the collection broken?", valid, invalid)
	}
}

// TestRejects: the schema rejects each kind of mistake the loader rejects.
func TestRejects(t *testing.T) {
	t.Parallel()
	s := compile(t)
	for _, src := range []string{
		"colour: red\n",
		"lint:\n  colour: red\n",
		"registry:\n  tls: {}\n",
		"compat:\n  allow_removed:\n    - {event: v1, reason: r, when: now}\n",
		"version: v2\n",
		"lint:\n  envelope:\n    event_id: /context/id\n",
		"lint:\n  single_entity:\n    exempt:\n      - {event: CatalogSnapshotTaken}\n",
		"roots: schemas\n",
		"compat:\n  level: BACKWRD\n",
		"compat:\n  json_policy: Strict\n",
		"lint:\n  rules: {past_tense: warn}\n",
		"lint:\n  rules: {past-tense: warnn}\n",
		"lint:\n  ignore_only: {no-such-rule: [a]}\n",
		"lint:\n  ignore: [/abs/**]\n",
		"compat:\n  allow_removed:\n    - {event: v1}\n",
		"compat:\n  allow_removed:\n    - {event: OrderPlaced, reason: r}\n",
		"registry:\n  subject_strategy: topic-record\n",
		"registry:\n  timeout: soon\n",
		"registry:\n  url: localhost:8081\n",
		"registry:\n  retries: 11\n",
		"registry:\n  retries: -1\n",
		"registry:\n  token_env: MY-TOKEN\n",
		"gen:\n  package: my-events\n",
	} {
		if err := load("evctl.yaml", []byte(src)); err == nil {
			t.Errorf("the loader accepts %q", src)
		}
		if err := s.Validate(instance(t, []byte(src))); err == nil {
			t.Errorf("the schema accepts %q", src)
		}
	}
}

// TestEnumsMatchEngines: the enums of the config tags are the values the
// engines accept, and the schema carries the docs and defaults.
func TestEnumsMatchEngines(t *testing.T) {
	t.Parallel()
	enum := func(typ reflect.Type, key string) []string {
		for _, f := range config.Fields(typ) {
			if f.Name == key {
				return f.Rule.Enum
			}
		}
		t.Fatalf("no key %s in %s", key, typ)
		return nil
	}
	var levels []string
	for _, l := range compat.Levels {
		levels = append(levels, string(l))
	}
	if diff := cmp.Diff(levels, enum(reflect.TypeOf(config.Compat{}), "level")); diff != "" {
		t.Errorf("compat.level enum (-compat.Levels +tag):\n%s", diff)
	}
	if diff := cmp.Diff(client.Strategies, enum(reflect.TypeOf(config.Registry{}), "subject_strategy")); diff != "" {
		t.Errorf("registry.subject_strategy enum (-client.Strategies +tag):\n%s", diff)
	}
	for _, sev := range enum(reflect.TypeOf(config.Lint{}), "rules") {
		if _, ok := diag.ParseSeverity(sev); !ok {
			t.Errorf("lint.rules allows %q, which diag.ParseSeverity rejects", sev)
		}
	}
	for _, p := range []string{"strict", "lenient"} {
		if !slices.Contains(enum(reflect.TypeOf(config.Compat{}), "json_policy"), p) {
			t.Errorf("compat.json_policy misses %q", p)
		}
	}
	b, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"description": "Level is the compatibility level`, `"default": "BACKWARD"`, `"default": [
        "schemas"
      ]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the schema misses %s", want)
		}
	}
}
