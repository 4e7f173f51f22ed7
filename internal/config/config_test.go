package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func TestParse(t *testing.T) {
	t.Parallel()
	c, err := Parse("evctl.yaml", []byte(`version: v1
roots: [events, more]
lint:
  rules:
    past-tense: warn
  ignore: ["events/legacy/**"]
  ignore_only:
    explicit-units: ["events/v1/Old.avsc"]
  envelope:
    event_id: eventId
  unit_suffixes: [_sats]
  correction_fields: [amends_event_id]
compat:
  level: FULL_TRANSITIVE
  allow_removed:
    - event: v1.Gone
      reason: retired
`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"events", "more"}, c.Roots); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if c.Lint.Envelope.EventID != "eventId" || c.Lint.Envelope.OccurredAt != "occurred_at" {
		t.Errorf("envelope defaults not applied: %+v", c.Lint.Envelope)
	}
	if c.Compat.Level != "FULL_TRANSITIVE" || c.Compat.JSONPolicy != "strict" || c.Registry.SubjectStrategy != "event_type" {
		t.Errorf("compat/registry: %+v %+v", c.Compat, c.Registry)
	}
	if diff := cmp.Diff(map[string]Pos{"past-tense": {5, 5}, "explicit-units": {8, 5}}, c.RulePos); diff != "" {
		t.Errorf("rule lines (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      Error
	}{
		{"unknown top-level key", "roots: [a]\nschemas: [b]\n", Error{Path: "evctl.yaml", Line: 2, Msg: `unknown key "schemas" in config section`}},
		{"unknown nested key", "lint:\n  rules: {}\n  colour: red\n", Error{Path: "evctl.yaml", Line: 3, Msg: `unknown key "colour" in lint section`}},
		{"unknown key with a near one", "compat:\n  levle: FULL\n", Error{Path: "evctl.yaml", Line: 2, Msg: `unknown key "levle" in compat section; did you mean "level"?`}},
		{"two documents", "roots: [a]\n---\nroots: [b]\n", Error{Path: "evctl.yaml", Line: 2, Msg: "more than one YAML document: evctl reads one; remove the --- separator"}},
		{"not a mapping", "- a\n", Error{Path: "evctl.yaml", Line: 1, Msg: "the config must be a mapping of keys (version, roots, lint, compat, registry, gen)"}},
		{"bad version", "version: v9\n", Error{Path: "evctl.yaml", Line: 1, Msg: `version: unknown value "v9" (want v1); did you mean "v1"?`}},
		{"wrong type", "roots: 3\n", Error{Path: "evctl.yaml", Line: 1}},
		{"bad yaml", "lint:\n  rules: [\n", Error{Path: "evctl.yaml", Line: 2, Msg: "did not find expected node content"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("evctl.yaml", []byte(tt.src))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			if ce.Line != tt.want.Line || ce.Path != tt.want.Path || (tt.want.Msg != "" && ce.Msg != tt.want.Msg) {
				t.Errorf("got %q (line %d), want %q (line %d)", ce.Msg, ce.Line, tt.want.Msg, tt.want.Line)
			}
		})
	}
}

func TestDefaultAndEmpty(t *testing.T) {
	t.Parallel()
	c, err := Parse("evctl.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Default().Roots, c.Roots); diff != "" {
		t.Errorf("empty config roots (-want +got):\n%s", diff)
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := Find(sub); got != "" {
		t.Errorf("Find without a config = %q, want none", got)
	}
	cfg := filepath.Join(root, FileName)
	if err := os.WriteFile(cfg, []byte("roots: [x]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Find(sub); got != cfg {
		t.Errorf("Find = %q, want %q", got, cfg)
	}
}

func TestMatchGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		glob, path string
		want       bool
	}{
		{"schemas/v1/*.avsc", "schemas/v1/A.avsc", true},
		{"schemas/v1/*.avsc", "schemas/v1/x/A.avsc", false},
		{"schemas/**", "schemas/v1/x/A.avsc", true},
		{"**/Legacy*.json", "schemas/v2/LegacyThing.json", true},
		{"schemas/**/A.avsc", "schemas/A.avsc", true},
		{"./schemas/v1/A.avsc", "schemas/v1/A.avsc", true},
		{"schemas/v[", "schemas/v1", false},
	}
	for _, tt := range tests {
		if got := MatchGlob(tt.glob, tt.path); got != tt.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tt.glob, tt.path, got, tt.want)
		}
	}
}

// TestValidate covers each kind of value check with its position and
// suggestion.
func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"level typo", "compat:\n  level: BACKWRD\n", 2, 10, `compat.level: unknown value "BACKWRD" (want NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE); did you mean "BACKWARD"?`},
		{"level case", "compat:\n  level: full_transitive\n", 2, 10, `compat.level: unknown value "full_transitive" (want NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE); did you mean "FULL_TRANSITIVE"?`},
		{"level far off", "compat:\n  level: SIDEWAYS\n", 2, 10, `compat.level: unknown value "SIDEWAYS" (want NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE)`},
		{"json policy", "compat:\n  json_policy: lenitent\n", 2, 16, `compat.json_policy: unknown value "lenitent" (want strict, lenient); did you mean "lenient"?`},
		{"severity", "lint:\n  rules:\n    past-tense: warnn\n", 3, 17, `lint.rules.past-tense: unknown value "warnn" (want error, warn, warning, off); did you mean "warn"?`},
		{"subject strategy", "registry:\n  subject_strategy: topic-record\n", 2, 21, `registry.subject_strategy: unknown value "topic-record" (want event_type, record, topic, topic_record); did you mean "topic_record"?`},
		{"ignore glob", "lint:\n  ignore: [\"schemas/[v1/*.avsc\"]\n", 2, 12, `lint.ignore[0]: glob "schemas/[v1/*.avsc": malformed pattern "[v1" (an unclosed [ or a trailing \)`},
		{"ignore_only glob", "lint:\n  ignore_only:\n    past-tense: [ok/*.avsc, \"a**/b\"]\n", 3, 29, `lint.ignore_only.past-tense[1]: glob "a**/b": ** must be a whole path element, as in a/**/b`},
		{"absolute glob", "lint:\n  ignore: [/schemas/**]\n", 2, 12, `lint.ignore[0]: glob "/schemas/**" is absolute; globs match paths relative to the repository`},
		{"timeout", "registry:\n  timeout: 10\n", 2, 12, `registry.timeout: invalid duration "10" (want a positive Go duration such as 10s or 1m30s)`},
		{"url", "registry:\n  url: localhost:8081\n", 2, 8, `registry.url: invalid URL "localhost:8081" (want http://host:port or https://host)`},
		{"env var", "registry:\n  token_env: MY-TOKEN\n", 2, 14, `registry.token_env: "MY-TOKEN" is not an environment variable name`},
		{"retries", "registry:\n  retries: 11\n", 2, 12, `registry.retries: 11 is out of range (want 0 to 10)`},
		{"package", "gen:\n  package: my-events\n", 2, 12, `gen.package: "my-events" is not a valid Go package name`},
		{"package keyword", "gen:\n  package: type\n", 2, 12, `gen.package: "type" is not a valid Go package name`},
		{"allow_removed needs a reason", "compat:\n  allow_removed:\n    - event: v1\n", 3, 7, `compat.allow_removed[0]: reason is required`},
		{"allow_removed event", "compat:\n  allow_removed:\n    - {event: V1.OrderPlaced, reason: r}\n", 3, 15, `compat.allow_removed[0].event: "V1.OrderPlaced" is neither an event type (v1.OrderPlaced) nor a major version (v1)`},
		{"allow_removed empty event", "compat:\n  allow_removed:\n    - {event: \"\", reason: r}\n", 3, 15, `compat.allow_removed[0].event must not be empty`},
		{"anchored value", "x: &l BACKWRD\n", 1, 1, `unknown key "x" in config section`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("evctl.yaml", []byte(tt.src))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			if ce.Line != tt.line || ce.Col != tt.col || ce.Msg != tt.msg {
				t.Errorf("got %d:%d: %s\nwant %d:%d: %s", ce.Line, ce.Col, ce.Msg, tt.line, tt.col, tt.msg)
			}
			if want := fmt.Sprintf("evctl.yaml:%d:%d: %s", tt.line, tt.col, tt.msg); ce.Error() != want {
				t.Errorf("Error() = %q, want %q", ce.Error(), want)
			}
		})
	}
}

// TestValidateAccepts: the valid values of each check pass, aliases are
// followed, and null leaves the default.
func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	c, err := Parse("evctl.yaml", []byte(`version: v1
lint:
  rules: {past-tense: warning, envelope: off}
  ignore: ["schemas/**/legacy/*.avsc", "a/[abc]?.json"]
compat:
  level: &lvl FULL_TRANSITIVE
  json_policy: lenient
  allow_removed:
    - {event: v1, reason: retired}
registry:
  url: https://registry.example.com:8081/api
  subject_strategy: topic_record
  timeout: 1m30s
  retries: 0
  token_env: CI_TOKEN_2
gen:
  package: events_v1
  out:
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Compat.Level != "FULL_TRANSITIVE" || *c.Registry.Retries != 0 || c.Gen.Out != "" {
		t.Errorf("decoded %+v %+v", c.Compat, c.Registry)
	}
}

// TestLoadPaths: Load checks that the paths of the config exist, relative
// to the config's directory, and suggests a near name.
func TestLoadPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{"schemas", "events/v1"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src string
		msg       string // "" when it loads
	}{
		{"existing", "roots: [schemas, events]\nregistry:\n  ca_file: ca.pem\n", ""},
		{"root typo", "roots: [schemas, evnets]\n", `evctl.yaml:1:18: roots[1]: directory evnets does not exist (relative to ` + dir + `); did you mean "events"?`},
		{"nested root typo", "roots: [events/v2]\n", `evctl.yaml:1:9: roots[0]: directory events/v2 does not exist (relative to ` + dir + `); did you mean "events/v1"?`},
		{"root removed", "roots: [schemas, gone]\n", ""},
		{"root is a file", "roots: [ca.pem]\n", `evctl.yaml:1:9: roots[0]: ca.pem is not a directory`},
		{"ca file missing", "registry:\n  ca_file: ca.pen\n", `evctl.yaml:2:12: registry.ca_file: file ca.pen does not exist (relative to ` + dir + `); did you mean "ca.pem"?`},
		{"key file is a dir", "registry:\n  key_file: schemas\n", `evctl.yaml:2:13: registry.key_file: schemas is not a file`},
	}
	for i, tt := range tests {
		p := filepath.Join(dir, fmt.Sprintf("c%d.yaml", i))
		if err := os.WriteFile(p, []byte(tt.src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		got := ""
		if err != nil {
			got = strings.Replace(err.Error(), p, "evctl.yaml", 1)
		}
		if got != tt.msg {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.name, got, tt.msg)
		}
		// Parse alone does not look at the file system.
		if _, err := Parse(p, []byte(tt.src)); err != nil {
			t.Errorf("%s: Parse: %v", tt.name, err)
		}
	}
}

type inner struct {
	Level string `yaml:"level" validate:"enum=LOW|HIGH"`
}

type outer struct {
	Inner inner         `yaml:",inline"`
	Wait  time.Duration `yaml:"wait"`
}

// TestWalkKinds: inline structs and time.Duration fields, as a new config
// section may have them, are checked like the others.
func TestWalkKinds(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		"level: HIGH\nwait: 1m\n": "",
		"level: HIHG\n":           `x.yaml:1:8: level: unknown value "HIHG" (want LOW, HIGH); did you mean "HIGH"?`,
		"wait: 5\n":               `x.yaml:1:7: wait: invalid duration "5" (want a positive Go duration such as 10s or 1m30s)`,
		"levl: LOW\n":             `x.yaml:1:1: unknown key "levl" in config section; did you mean "level"?`,
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(src), &n); err != nil {
			t.Fatal(err)
		}
		v := &validator{path: "x.yaml", rulePos: map[string]Pos{}}
		v.walk(n.Content[0], reflect.TypeOf(outer{}), "", Rule{})
		got := ""
		if v.err != nil {
			got = v.err.Error()
		}
		if got != want {
			t.Errorf("%q:\ngot  %s\nwant %s", src, got, want)
		}
	}
}
