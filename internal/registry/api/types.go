package api

import (
	"encoding/json"
	"fmt"
)

// Media types of the Confluent API.
const (
	MediaTypeV1      = "application/vnd.schemaregistry.v1+json"
	MediaTypeGeneric = "application/vnd.schemaregistry+json"
	MediaTypeJSON    = "application/json"
)

// HealthPath is the health endpoint evctl's server adds to the API: 200
// {"status":"UP"} while the store answers, 503 otherwise.
const HealthPath = "/healthz"

// Reference is a schema reference as the Confluent API spells it.
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Metadata is a schema's data-contract metadata, as Confluent spells it:
// tags by field path, free properties and the names of sensitive fields.
type Metadata struct {
	Tags       map[string][]string `json:"tags,omitempty"`
	Properties map[string]string   `json:"properties,omitempty"`
	Sensitive  []string            `json:"sensitive,omitempty"`
}

// Rule is one data-contract rule (a CEL condition, a JSONata migration…).
// The registry stores and validates rules; clients execute them.
type Rule struct {
	Name      string            `json:"name"`
	Doc       string            `json:"doc,omitempty"`
	Kind      string            `json:"kind"`
	Mode      string            `json:"mode"`
	Type      string            `json:"type"`
	Tags      []string          `json:"tags,omitempty"`
	Params    map[string]string `json:"params,omitempty"`
	Expr      string            `json:"expr,omitempty"`
	OnSuccess string            `json:"onSuccess,omitempty"`
	OnFailure string            `json:"onFailure,omitempty"`
	Disabled  bool              `json:"disabled,omitempty"`
}

// RuleSet holds a schema's rules by phase.
type RuleSet struct {
	MigrationRules []Rule `json:"migrationRules,omitempty"`
	DomainRules    []Rule `json:"domainRules,omitempty"`
	EncodingRules  []Rule `json:"encodingRules,omitempty"`
}

// ContractJSON is the canonical encoding of metadata or a rule set as stored
// and hashed: "" for none, else JSON with sorted map keys.
func ContractJSON(v any) (string, error) {
	switch x := v.(type) {
	case *Metadata:
		if x == nil {
			return "", nil
		}
	case *RuleSet:
		if x == nil {
			return "", nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode data contract: %w", err)
	}
	return string(b), nil
}
