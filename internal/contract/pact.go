package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// pactFile is the part of a Pact file the importer reads: V3 message pacts
// ("messages") and V4 pacts ("interactions" of type Asynchronous/Messages).
type pactFile struct {
	Consumer struct {
		Name string `json:"name"`
	} `json:"consumer"`
	Messages     []pactMessage `json:"messages"`
	Interactions []struct {
		pactMessage
		Type     string `json:"type"`
		Contents struct {
			Content     json.RawMessage `json:"content"`
			ContentType string          `json:"contentType"`
			Encoded     any             `json:"encoded"`
		} `json:"contents"`
	} `json:"interactions"`
	Metadata struct {
		PactSpecification struct {
			Version string `json:"version"`
		} `json:"pactSpecification"`
	} `json:"metadata"`
}

type pactMessage struct {
	Description   string                      `json:"description"`
	Contents      json.RawMessage             `json:"contents"`
	Metadata      map[string]any              `json:"metadata"`
	MatchingRules map[string]map[string]rules `json:"matchingRules"`
}

type rules struct {
	Matchers []struct {
		Match string `json:"match"`
		Regex string `json:"regex"`
	} `json:"matchers"`
}

// enumRegex is a regex matcher that lists values: ^(A|B|C)$.
var enumRegex = regexp.MustCompile(`^\^\(([A-Za-z0-9_.\-]+(?:\|[A-Za-z0-9_.\-]+)*)\)\$$`)

// ImportPact converts the messages of a Pact V3 or V4 message pact into
// contracts: the leaves of each message's contents become reads, the type,
// integer, decimal and boolean matchers types, a ^(A|B)$ regex an enum (with
// unknown: fail), and arrays (eachLike) [] paths. The event type is the
// message metadata's "event" (or eventType, event_type), else event when
// given. Contracts are returned unsaved, with File set to
// <consumer>/<event>.yaml.
func ImportPact(data []byte, event string) ([]*Contract, error) {
	var pf pactFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&pf); err != nil {
		return nil, fmt.Errorf("not a Pact file: %w", err)
	}
	if pf.Consumer.Name == "" {
		return nil, fmt.Errorf("not a Pact file: no consumer name")
	}
	msgs := pf.Messages
	for _, it := range pf.Interactions {
		if it.Type != "Asynchronous/Messages" {
			continue
		}
		if s, ok := it.Contents.Encoded.(string); ok && s != "" && s != "false" {
			return nil, fmt.Errorf("message %q: encoded (%s) contents are not supported; only JSON messages", it.Description, s)
		}
		m := it.pactMessage
		m.Contents = it.Contents.Content
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("no message interactions in the pact (a V3 message pact or a V4 pact with Asynchronous/Messages)")
	}
	byFile := map[string]*Contract{}
	var out []*Contract
	for _, m := range msgs {
		ev := event
		for _, k := range []string{"event", "eventType", "event_type"} {
			if s, ok := m.Metadata[k].(string); ok && s != "" {
				ev = s
			}
		}
		if ev == "" {
			return nil, fmt.Errorf("message %q: no event type: set the message metadata \"event\" to the event type (v1.OrderPlaced), or pass --event", m.Description)
		}
		var contents any
		d := json.NewDecoder(bytes.NewReader(m.Contents))
		d.UseNumber()
		if err := d.Decode(&contents); err != nil {
			return nil, fmt.Errorf("message %q: contents are not JSON: %w", m.Description, err)
		}
		body := m.MatchingRules["body"]
		file := pf.Consumer.Name + "/" + ev + ".yaml"
		c := byFile[file]
		if c == nil {
			c = &Contract{File: file, Consumer: pf.Consumer.Name, Event: ev, ToleratesNewFields: true}
			byFile[file] = c
			out = append(out, c)
		}
		var leaves []*Read
		walkPact(contents, "", "$", body, &leaves)
		if len(leaves) == 0 {
			return nil, fmt.Errorf("message %q: contents have no fields to read", m.Description)
		}
		for _, r := range leaves {
			if c.read(r.Path) == nil {
				c.Reads = append(c.Reads, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
}

func (c *Contract) read(path string) *Read {
	for _, r := range c.Reads {
		if r.Path == path {
			return r
		}
	}
	return nil
}

func walkPact(v any, path, jsonPath string, body map[string]rules, out *[]*Read) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkPact(v[k], joinPath(path, k), jsonPath+"."+k, body, out)
		}
	case []any:
		if len(v) == 0 {
			*out = append(*out, &Read{Path: path, Type: "array", Unknown: UnknownFail})
			return
		}
		walkPact(v[0], path+"[]", jsonPath+"[*]", body, out)
	default:
		r := &Read{Path: path, Unknown: UnknownFail}
		switch v := v.(type) {
		case string:
			r.Type = "string"
		case json.Number:
			r.Type = "number"
			if !strings.ContainsAny(v.String(), ".eE") {
				r.Type = "integer"
			}
		case bool:
			r.Type = "boolean"
		case nil:
			r.Optional = true
		}
		for _, m := range matchers(body, jsonPath) {
			switch m.Match {
			case "integer":
				r.Type = "integer"
			case "decimal", "number":
				r.Type = "number"
			case "boolean":
				r.Type = "boolean"
			case "regex":
				if sm := enumRegex.FindStringSubmatch(m.Regex); sm != nil {
					r.Enum = strings.Split(sm[1], "|")
				}
			}
		}
		*out = append(*out, r)
	}
}

// matchers returns the matchers of a JSON path, accepting the [*] and
// ['key'] spellings Pact writes.
func matchers(body map[string]rules, jsonPath string) []struct {
	Match string `json:"match"`
	Regex string `json:"regex"`
} {
	if r, ok := body[jsonPath]; ok {
		return r.Matchers
	}
	for k, r := range body {
		if normalizePactPath(k) == jsonPath {
			return r.Matchers
		}
	}
	return nil
}

var bracketKey = regexp.MustCompile(`\['([^']*)'\]`)

func normalizePactPath(p string) string {
	return bracketKey.ReplaceAllString(p, ".$1")
}

// Format writes a contract as YAML, in the layout of the files under
// contracts/.
func Format(c *Contract) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "consumer: %s\n", yamlString(c.Consumer))
	fmt.Fprintf(&b, "event: %s\n", yamlString(c.Event))
	b.WriteString("reads:\n")
	for _, r := range c.Reads {
		var parts []string
		if r.Type != "" {
			parts = append(parts, "type: "+r.Type)
		}
		if r.Optional {
			parts = append(parts, "optional: true")
		}
		if len(r.Enum) > 0 {
			vals := make([]string, len(r.Enum))
			for i, e := range r.Enum {
				vals[i] = yamlString(e)
			}
			parts = append(parts, "enum: ["+strings.Join(vals, ", ")+"]", "unknown: "+r.Unknown)
		}
		fmt.Fprintf(&b, "  %s: {%s}\n", yamlString(r.Path), strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, "tolerates_new_fields: %t\n", c.ToleratesNewFields)
	return b.Bytes()
}

var plainYAML = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*(\[\])*(\.[A-Za-z_][A-Za-z0-9_\-]*(\[\])*)*$`)

func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
		return fmt.Sprintf("%q", s)
	}
	if plainYAML.MatchString(s) {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}
