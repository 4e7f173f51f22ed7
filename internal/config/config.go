// Package config owns evctl.yaml: finding it at the repository root, decoding
// it strictly (an unknown key is an error with its line), and the defaults
// that apply when there is no config file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileName is the config file name looked up at the repository root.
const FileName = "evctl.yaml"

// Config is the decoded evctl.yaml.
type Config struct {
	Version string `yaml:"version"`
	// Roots are the schema roots (default ["schemas"]).
	Roots []string `yaml:"roots"`
	Lint  Lint     `yaml:"lint"`
	// Compat configures evctl compat and check.
	Compat   Compat   `yaml:"compat"`
	Registry Registry `yaml:"registry"`
	Gen      Gen      `yaml:"gen"`

	// Path is where the config was read from ("" when none).
	Path string `yaml:"-"`
	// Dir is the directory that paths in the config are relative to.
	Dir string `yaml:"-"`
	// RuleLines maps rule ids named in the config to their line, for validation.
	RuleLines map[string]int `yaml:"-"`
}

// Lint configures the lint rules.
type Lint struct {
	// Rules sets each rule's severity: error, warn or off.
	Rules map[string]string `yaml:"rules"`
	// Ignore lists path globs that are not linted at all.
	Ignore []string `yaml:"ignore"`
	// IgnoreOnly maps a rule id to the path globs it does not apply to.
	IgnoreOnly map[string][]string `yaml:"ignore_only"`
	// Envelope renames the envelope fields.
	Envelope Envelope `yaml:"envelope"`
	// UnitSuffixes adds unit suffixes (e.g. "_sats") to explicit-units.
	UnitSuffixes []string `yaml:"unit_suffixes"`
	// CorrectionFields adds names for the reference to the corrected event.
	CorrectionFields []string `yaml:"correction_fields"`
}

// Envelope names the envelope fields.
type Envelope struct {
	EventID       string `yaml:"event_id"`
	OccurredAt    string `yaml:"occurred_at"`
	CorrelationID string `yaml:"correlation_id"`
}

// Compat configures compatibility checks.
type Compat struct {
	// Level is the compatibility level (default BACKWARD).
	Level string `yaml:"level"`
	// JSONPolicy is strict or lenient.
	JSONPolicy string `yaml:"json_policy"`
	// AllowRemoved lists events (or major versions like "v1") whose removal is accepted.
	AllowRemoved []AllowRemoved `yaml:"allow_removed"`
}

// AllowRemoved accepts the removal of an event type or a major version.
type AllowRemoved struct {
	Event  string `yaml:"event"`
	Reason string `yaml:"reason"`
}

// Registry configures the registry client.
type Registry struct {
	URL             string            `yaml:"url"`
	SubjectStrategy string            `yaml:"subject_strategy"`
	Topics          map[string]string `yaml:"topics"`
	Timeout         string            `yaml:"timeout"`
	CAFile          string            `yaml:"ca_file"`
	CertFile        string            `yaml:"cert_file"`
	KeyFile         string            `yaml:"key_file"`
	User            string            `yaml:"user"`
	// PasswordEnv and TokenEnv name environment variables holding the
	// password or bearer token (default EVCTL_REGISTRY_PASSWORD and
	// EVCTL_REGISTRY_TOKEN); secrets never go in the file.
	PasswordEnv string `yaml:"password_env"`
	TokenEnv    string `yaml:"token_env"`
	// Retries after a transport error, 429 or 5xx (default 3; 0 for none).
	Retries *int `yaml:"retries"`
}

// Gen configures code generation.
type Gen struct {
	Out     string `yaml:"out"`
	Package string `yaml:"package"`
}

// Error is a config problem with its line (exit 2).
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
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
		c.Registry.SubjectStrategy = "record"
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

// Load reads the config at path. A missing explicit path is an error.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("cannot read config: %v", errors.Unwrap(err))}
	}
	return Parse(path, data)
}

// Parse decodes config bytes strictly.
func Parse(path string, data []byte) (*Config, error) {
	c := &Config{Path: path, Dir: filepath.Dir(path)}
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil {
			return nil, yamlError(path, err)
		}
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err == nil {
			c.RuleLines = ruleLines(&root)
		}
	}
	if c.Version != "" && c.Version != "v1" {
		return nil, &Error{Path: path, Line: keyLine(data, "version"), Msg: fmt.Sprintf("unsupported config version %q (want v1)", c.Version)}
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

func keyLine(data []byte, key string) int {
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), key+":") {
			return i + 1
		}
	}
	return 0
}

func ruleLines(root *yaml.Node) map[string]int {
	out := map[string]int{}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return out
	}
	top := root.Content[0]
	lint := mapGet(top, "lint")
	for _, sect := range []string{"rules", "ignore_only"} {
		m := mapGet(lint, sect)
		if m == nil || m.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if _, seen := out[m.Content[i].Value]; !seen {
				out[m.Content[i].Value] = m.Content[i].Line
			}
		}
	}
	return out
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
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
