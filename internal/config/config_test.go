package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
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
	if c.Compat.Level != "FULL_TRANSITIVE" || c.Compat.JSONPolicy != "strict" || c.Registry.SubjectStrategy != "record" {
		t.Errorf("compat/registry: %+v %+v", c.Compat, c.Registry)
	}
	if diff := cmp.Diff(map[string]int{"past-tense": 5, "explicit-units": 8}, c.RuleLines); diff != "" {
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
		{"bad version", "version: v9\n", Error{Path: "evctl.yaml", Line: 1, Msg: `unsupported config version "v9" (want v1)`}},
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
