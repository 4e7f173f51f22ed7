// Package config owns evctl.yaml: finding it at the repository root, decoding
// it strictly (an unknown key is an error with its line), and the defaults
// that apply when there is no config file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileName is the config file name looked up at the repository root.
const FileName = "evctl.yaml"

// SchemaPath is where the JSON Schema of evctl.yaml, generated from these
// types by internal/configschema, lives in the repository; SchemaURL is its
// stable address, for the yaml-language-server comment that evctl init writes.
const (
	SchemaPath = "schema/evctl.schema.json"
	SchemaURL  = "https://raw.githubusercontent.com/evctl/evctl/main/" + SchemaPath
)

// Config is the decoded evctl.yaml.
//
// The struct tags are the one description of the file: `yaml` names each key,
// `validate` says what a value may be (checked when the config loads, see
// validate.go), and the doc comments become the descriptions of the JSON
// Schema that internal/config/configschema generates from these types.
type Config struct {
	// Version of the config format; only v1 exists.
	Version string `yaml:"version" validate:"enum=v1"`
	// Schema roots: directories holding v<N>/ folders of schemas, relative
	// to this file (default [schemas]).
	Roots []string `yaml:"roots" validate:"root"`
	// Shared are globs of shared definition files: loaded for reference
	// resolution, never events (files outside every v<N> directory are
	// shared anyway).
	Shared []string `yaml:"shared" validate:"glob"`
	// Lint configures evctl lint and the lint step of evctl check.
	Lint Lint `yaml:"lint"`
	// Compat configures evctl compat and check.
	Compat Compat `yaml:"compat"`
	// Registry configures the schema registry client (push, check --against registry).
	Registry Registry `yaml:"registry"`
	// Gen configures evctl gen.
	Gen Gen `yaml:"gen"`
	// Contracts is the directory of consumer contracts,
	// <consumer>/<event-type>.yaml, relative to this file (default
	// contracts; when set, it must exist).
	Contracts string `yaml:"contracts" validate:"root"`

	// Path is where the config was read from ("" when none).
	Path string `yaml:"-"`
	// Dir is the directory that paths in the config are relative to.
	Dir string `yaml:"-"`
	// RulePos maps rule ids named in the config to their position, for validation.
	RulePos map[string]Pos `yaml:"-"`
}

// Lint configures the lint rules.
type Lint struct {
	// Rules sets each rule's severity: error, warn or off.
	Rules map[string]string `yaml:"rules" validate:"keys=rule,enum=error|warn|warning|off"`
	// Ignore lists path globs (** matches any number of directories) whose
	// lint findings are silenced; the files stay in the catalog for
	// reference resolution.
	Ignore []string `yaml:"ignore" validate:"glob"`
	// IgnoreOnly maps a rule id to the path globs it does not apply to.
	IgnoreOnly map[string][]string `yaml:"ignore_only" validate:"keys=rule,glob"`
	// Envelope renames the envelope fields.
	Envelope Envelope `yaml:"envelope"`
	// UnitSuffixes adds unit suffixes (e.g. "_sats") to explicit-units.
	UnitSuffixes []string `yaml:"unit_suffixes"`
	// CorrectionFields adds names for the reference to the corrected event.
	CorrectionFields []string `yaml:"correction_fields"`
	// Baseline is a file of accepted findings (evctl lint
	// --write-baseline); only findings not in it fail.
	Baseline string `yaml:"baseline"`
	// PastTense configures the past-tense rule.
	PastTense PastTense `yaml:"past_tense"`
	// SingleEntity configures the single-entity rule.
	SingleEntity SingleEntity `yaml:"single_entity"`
}

// SingleEntity configures the single-entity rule.
type SingleEntity struct {
	// Exempt lists events that carry whole entities on purpose (log or
	// snapshot events), each with the reason.
	Exempt []Exemption `yaml:"exempt"`
}

// Exemption exempts an event from a rule, with the reason.
type Exemption struct {
	// Event is the event name (CatalogSnapshotTaken).
	Event string `yaml:"event" validate:"required"`
	// Reason says why the event carries whole entities.
	Reason string `yaml:"reason" validate:"required"`
}

// PastTense configures the past-tense rule.
type PastTense struct {
	// Allow lists event names (or trailing words of names, like
	// "Heartbeat") that the rule accepts as they are.
	Allow []string `yaml:"allow"`
}

// Envelope names the envelope fields.
type Envelope struct {
	// EventID is the unique id of each event (default event_id).
	EventID string `yaml:"event_id" validate:"fieldpath"`
	// OccurredAt is the time the event happened (default occurred_at).
	OccurredAt string `yaml:"occurred_at" validate:"fieldpath"`
	// CorrelationID ties the events of one flow together (default correlation_id).
	CorrelationID string `yaml:"correlation_id" validate:"fieldpath"`
}

// Compat configures compatibility checks.
type Compat struct {
	// Level is the compatibility level (default BACKWARD).
	Level string `yaml:"level" validate:"enum=NONE|BACKWARD|BACKWARD_TRANSITIVE|FORWARD|FORWARD_TRANSITIVE|FULL|FULL_TRANSITIVE"`
	// JSONPolicy is how JSON Schema changes are judged: strict (Confluent's
	// verdicts) or lenient (default strict).
	JSONPolicy string `yaml:"json_policy" validate:"enum=strict|lenient"`
	// AllowRemoved lists events (or major versions like "v1") whose removal is accepted.
	AllowRemoved []AllowRemoved `yaml:"allow_removed"`
	// Allow accepts single incompatible changes, each with a reason.
	Allow []Allow `yaml:"allow"`
	// Unstable are path globs of events that are linted but not
	// compatibility-checked (as x-evctl-stability: unstable).
	Unstable []string `yaml:"unstable" validate:"glob"`
}

// Allow accepts one incompatible change of one event: a change type
// (Confluent's name), optionally only at a path, with a required reason.
type Allow struct {
	// Event is the event type, with its domain if it has one
	// (billing/v1.OrderPlaced).
	Event string `yaml:"event" validate:"required,event"`
	// Change is the change type accepted (Confluent's name).
	Change string `yaml:"change" validate:"required"`
	// Path, when set, accepts the change only at this path.
	Path string `yaml:"path"`
	// Reason says why the break is accepted; it is printed with the finding.
	Reason string `yaml:"reason" validate:"required"`
	// Line is the entry's line in the config, for messages.
	Line int `yaml:"-"`
}

// AllowRemoved accepts the removal of an event type or a major version.
type AllowRemoved struct {
	// Event is an event type (v1.OrderPlaced) or a major version (v1).
	Event string `yaml:"event" validate:"required,event"`
	// Reason says why the removal is safe; it is printed with the finding.
	Reason string `yaml:"reason" validate:"required"`
	// Line is the entry's line in the config, for messages.
	Line int `yaml:"-"`
}

// Registry configures the registry client.
type Registry struct {
	// URL of the Confluent-compatible schema registry (also EVCTL_REGISTRY_URL).
	URL string `yaml:"url" validate:"url"`
	// SubjectStrategy names subjects: record (v1.OrderPlaced), topic
	// (<topic>-value) or topic_record (<topic>-<record name>); default record.
	SubjectStrategy string `yaml:"subject_strategy" validate:"enum=event_type|record|topic|topic_record"`
	// Topics maps an event type to its topic, for the topic strategies.
	Topics map[string]string `yaml:"topics"`
	// Timeout of each request attempt, as a Go duration such as 10s (default 10s).
	Timeout string `yaml:"timeout" validate:"duration"`
	// CAFile is a PEM file of CAs to trust, relative to this file.
	CAFile string `yaml:"ca_file" validate:"file"`
	// CertFile is the PEM client certificate for mutual TLS, relative to this file.
	CertFile string `yaml:"cert_file" validate:"file"`
	// KeyFile is the PEM key of the client certificate, relative to this file.
	KeyFile string `yaml:"key_file" validate:"file"`
	// User for HTTP Basic auth; the password comes from the environment.
	User string `yaml:"user"`
	// PasswordEnv names the environment variable holding the Basic auth
	// password (default EVCTL_REGISTRY_PASSWORD); secrets never go in the file.
	PasswordEnv string `yaml:"password_env" validate:"envvar"`
	// TokenEnv names the environment variable holding a bearer token
	// (default EVCTL_REGISTRY_TOKEN).
	TokenEnv string `yaml:"token_env" validate:"envvar"`
	// Retries after a transport error, 429 or 5xx (default 3; 0 for none).
	Retries *int `yaml:"retries" validate:"min=0,max=10"`
	// Kind is the registry's API: confluent (default) or glue (AWS Glue
	// Schema Registry).
	Kind string `yaml:"kind" validate:"enum=confluent|glue"`
	// RegistryName is the Glue registry (kind glue).
	RegistryName string `yaml:"registry_name"`
	// Region is the AWS region of the Glue registry (default AWS_REGION,
	// AWS_DEFAULT_REGION, or the shared config file's region).
	Region string `yaml:"region"`
	// Endpoint overrides https://glue.<region>.amazonaws.com (kind glue),
	// e.g. the address of evctl registry serve --api glue.
	Endpoint string `yaml:"endpoint" validate:"url"`
}

// Gen configures code generation.
type Gen struct {
	// Out is the directory evctl gen go writes to (relative to the working
	// directory, like --out).
	Out string `yaml:"out"`
	// Package is the Go package name of the generated code.
	Package string `yaml:"package" validate:"goident"`
	// Split, when above 0, puts the generated types into internal packages
	// of at most Split events each (evctl gen go --split).
	Split int `yaml:"split" validate:"min=0,max=1000000"`
	// Optimize is speed (the default: validation and encoders generated as
	// Go code) or size (the types and wire.Event methods only; validation
	// and encoding by shared code), as evctl gen go --optimize.
	Optimize string `yaml:"optimize" validate:"enum=speed|size"`
}

// Pos is a position in the config file.
type Pos struct{ Line, Col int }

// Error is a config problem with its line (exit 2).
type Error struct {
	Path string
	Line int
	Col  int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 && e.Col > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Default returns the configuration used when there is no evctl.yaml.
func Default() *Config {
	c := &Config{}
	c.applyDefaults()
	return c
}

func (c *Config) applyDefaults() {
	if len(c.Roots) == 0 {
		c.Roots = []string{"schemas"}
	}
	if c.Lint.Envelope.EventID == "" {
		c.Lint.Envelope.EventID = "event_id"
	}
	if c.Lint.Envelope.OccurredAt == "" {
		c.Lint.Envelope.OccurredAt = "occurred_at"
	}
	if c.Lint.Envelope.CorrelationID == "" {
		c.Lint.Envelope.CorrelationID = "correlation_id"
	}
	if c.Compat.Level == "" {
		c.Compat.Level = "BACKWARD"
	}
	if c.Compat.JSONPolicy == "" {
		c.Compat.JSONPolicy = "strict"
	}
	if c.Registry.SubjectStrategy == "" {
		c.Registry.SubjectStrategy = "event_type"
	}
}

// Find looks for evctl.yaml in dir and its parents up to the repository
// root (the directory holding .git). It returns "" when there is none.
func Find(dir string) string {
	d, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(d, FileName)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return ""
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// Load reads the config at path and checks it, including that the paths it
// names exist. A missing explicit path is an error.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("cannot read config: %v", errors.Unwrap(err))}
	}
	return parse(path, data, filepath.Dir(path))
}

// Parse decodes config bytes strictly and checks every value but the paths
// (which Load checks against the file system).
func Parse(path string, data []byte) (*Config, error) {
	return parse(path, data, "")
}

func parse(path string, data []byte, fsDir string) (*Config, error) {
	c := &Config{Path: path, Dir: filepath.Dir(path), RulePos: map[string]Pos{}}
	if len(bytes.TrimSpace(data)) > 0 {
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err != nil {
			return nil, yamlError(path, err)
		}
		if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
			if top := root.Content[0]; top.Kind != yaml.MappingNode && !isNull(top) {
				return nil, &Error{Path: path, Line: top.Line, Col: top.Column, Msg: "the config must be a mapping of keys (version, roots, lint, compat, registry, gen)"}
			}
			v := &validator{path: path, dir: fsDir, rulePos: c.RulePos}
			v.walk(root.Content[0], reflect.TypeOf(Config{}), "", Rule{})
			if v.err != nil {
				return nil, v.err
			}
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil {
			return nil, yamlError(path, err)
		}
		// A second document would be silently ignored.
		var next yaml.Node
		if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
			line := 0
			if err == nil {
				line = next.Line
			}
			return nil, &Error{Path: path, Line: line, Msg: "more than one YAML document: evctl reads one; remove the --- separator"}
		}
		c.exceptionLines(&root)
	}
	c.applyDefaults()
	return c, nil
}

func yamlError(path string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		var line int
		if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
			msg = strings.Replace(msg, " not found in type config.", " is not a known key in ", 1)
			msg = strings.TrimSuffix(msg, " ")
			return &Error{Path: path, Line: line, Msg: cleanKnownField(msg)}
		}
		return &Error{Path: path, Msg: msg}
	}
	msg := err.Error()
	var line int
	if _, scanErr := fmt.Sscanf(msg, "yaml: line %d:", &line); scanErr == nil {
		return &Error{Path: path, Line: line, Msg: strings.TrimSpace(msg[strings.Index(msg[len("yaml: line "):], ":")+len("yaml: line ")+1:])}
	}
	return &Error{Path: path, Msg: msg}
}

// cleanKnownField turns yaml.v3's `field foo is not a known key in Lint`
// into `unknown key "foo" in lint`.
func cleanKnownField(msg string) string {
	var field, typ string
	if _, err := fmt.Sscanf(msg, "field %s is not a known key in %s", &field, &typ); err == nil {
		return fmt.Sprintf("unknown key %q in %s section", field, strings.ToLower(typ))
	}
	return msg
}

// MatchGlob reports whether path matches a glob with ** support.
func MatchGlob(glob, path string) bool {
	glob = filepath.ToSlash(strings.TrimPrefix(glob, "./"))
	path = filepath.ToSlash(strings.TrimPrefix(path, "./"))
	return matchParts(strings.Split(glob, "/"), strings.Split(path, "/"))
}

func matchParts(g, p []string) bool {
	for len(g) > 0 {
		if g[0] == "**" {
			if len(g) == 1 {
				return true
			}
			for i := 0; i <= len(p); i++ {
				if matchParts(g[1:], p[i:]) {
					return true
				}
			}
			return false
		}
		if len(p) == 0 {
			return false
		}
		if ok, err := filepath.Match(g[0], p[0]); err != nil || !ok {
			return false
		}
		g, p = g[1:], p[1:]
	}
	return len(p) == 0
}
