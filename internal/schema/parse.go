package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxDepth is the deepest nesting a document may have.
const MaxDepth = 512

// SyntaxError is a document that is not valid JSON or YAML.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg) }

// ParseJSON parses a JSON document, keeping positions. Duplicate keys and
// nesting deeper than MaxDepth are errors.
func ParseJSON(src []byte) (*Node, error) {
	p := &jsonParser{src: src, line: 1, col: 1}
	// Every value but the first is an object's or an array's first, or follows a ',': an upper
	// bound of the nodes, allocated at once.
	p.slab = make([]Node, 1+bytes.Count(src, []byte{'{'})+bytes.Count(src, []byte{','})+bytes.Count(src, []byte{'['}))
	p.skipWS()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipWS()
	if p.i < len(p.src) {
		return nil, p.errf("unexpected %q after the document", p.peekRune())
	}
	return n, nil
}

type jsonParser struct {
	src       []byte
	i         int
	line, col int
	// slab holds the nodes not handed out yet.
	slab []Node
	// members and items are stacks of the objects and arrays being
	// parsed; each is copied to a slice of its exact size when complete.
	members []Member
	items   []*Node
}

func (p *jsonParser) node(kind Kind, pos Pos) *Node {
	if len(p.slab) == 0 {
		p.slab = make([]Node, 16)
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	n.Kind, n.Pos = kind, pos
	return n
}

// common are the keys and values found in most schemas, shared rather
// than allocated for every file.
var common = func() map[string]string {
	m := map[string]string{}
	for _, w := range strings.Fields(`type name namespace fields doc default aliases symbols items values size
		logicalType precision scale order record enum array map fixed union error null boolean int long float
		double bytes string uuid date time-millis time-micros timestamp-millis timestamp-micros decimal
		$schema $id $ref $defs $comment title description properties required additionalProperties
		definitions format enum const minimum maximum exclusiveMinimum exclusiveMaximum minLength maxLength
		pattern minItems maxItems uniqueItems anyOf oneOf allOf not if then else examples object integer
		number date-time email uri readOnly writeOnly patternProperties propertyNames dependencies
		x-unit unit x-evctl-ignore x-evctl-stability x-evctl-topic x-corrects
		http://json-schema.org/draft-07/schema# https://json-schema.org/draft/2020-12/schema`) {
		m[w] = w
	}
	return m
}()

func (p *jsonParser) pos() Pos { return Pos{Line: p.line, Col: p.col} }

func (p *jsonParser) errf(format string, args ...any) error {
	return &SyntaxError{Pos: p.pos(), Msg: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) peekRune() string {
	r, _ := utf8.DecodeRune(p.src[p.i:])
	return string(r)
}

func (p *jsonParser) advance(n int) {
	for k := 0; k < n && p.i < len(p.src); k++ {
		c := p.src[p.i]
		p.i++
		if c == '\n' {
			p.line++
			p.col = 1
		} else if c < 0x80 || c >= 0xC0 {
			p.col++
		}
	}
}

func (p *jsonParser) skipWS() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\r':
			p.i++
			p.col++
		case '\n':
			p.i++
			p.line++
			p.col = 1
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (*Node, error) {
	if depth > MaxDepth {
		return nil, p.errf("document nests deeper than %d levels", MaxDepth)
	}
	if p.i >= len(p.src) {
		return nil, p.errf("unexpected end of input")
	}
	start := p.pos()
	switch c := p.src[p.i]; {
	case c == '{':
		return p.object(depth, start)
	case c == '[':
		return p.array(depth, start)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n := p.node(String, start)
		n.Str = s
		return n, nil
	case c == 't':
		n := p.node(Bool, start)
		n.Bool = true
		return p.literal("true", n)
	case c == 'f':
		return p.literal("false", p.node(Bool, start))
	case c == 'n':
		return p.literal("null", p.node(Null, start))
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(start)
	default:
		return nil, p.errf("unexpected %q", p.peekRune())
	}
}

func (p *jsonParser) literal(word string, n *Node) (*Node, error) {
	if len(p.src)-p.i < len(word) || string(p.src[p.i:p.i+len(word)]) != word {
		return nil, p.errf("invalid literal, want %q", word)
	}
	p.advance(len(word))
	return n, nil
}

func (p *jsonParser) number(start Pos) (*Node, error) {
	j := p.i
	if j < len(p.src) && p.src[j] == '-' {
		j++
	}
	digits := func() int {
		k := j
		for j < len(p.src) && p.src[j] >= '0' && p.src[j] <= '9' {
			j++
		}
		return j - k
	}
	if j < len(p.src) && p.src[j] == '0' {
		j++
	} else if digits() == 0 {
		return nil, p.errf("invalid number")
	}
	if j < len(p.src) && p.src[j] == '.' {
		j++
		if digits() == 0 {
			return nil, p.errf("invalid number: digits expected after '.'")
		}
	}
	if j < len(p.src) && (p.src[j] == 'e' || p.src[j] == 'E') {
		j++
		if j < len(p.src) && (p.src[j] == '+' || p.src[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, p.errf("invalid number: digits expected in exponent")
		}
	}
	lit := string(p.src[p.i:j])
	p.advance(j - p.i)
	n := p.node(Number, start)
	n.Str = lit
	return n, nil
}

func (p *jsonParser) str() (string, error) {
	// p.src[p.i] == '"'
	j := p.i + 1
	escaped := false
	for {
		if j >= len(p.src) {
			return "", p.errf("unterminated string")
		}
		c := p.src[j]
		if c == '"' {
			break
		}
		if c == '\\' {
			escaped = true
			j += 2
			continue
		}
		if c < 0x20 {
			p.advance(j - p.i)
			return "", p.errf("control character in string")
		}
		j++
	}
	raw := p.src[p.i : j+1]
	var s string
	if c, ok := common[string(raw[1:len(raw)-1])]; ok && !escaped {
		s = c
	} else if !escaped && utf8.Valid(raw) {
		s = string(raw[1 : len(raw)-1])
	} else if err := json.Unmarshal(raw, &s); err != nil {
		return "", p.errf("invalid string: %v", err)
	}
	p.advance(j + 1 - p.i)
	return s, nil
}

func (p *jsonParser) object(depth int, start Pos) (*Node, error) {
	p.advance(1)
	n := p.node(Object, start)
	p.skipWS()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.advance(1)
		return n, nil
	}
	base := len(p.members)
	defer func() { p.members = p.members[:base] }()
	var seen map[string]struct{}
	for {
		p.skipWS()
		if p.i >= len(p.src) || p.src[p.i] != '"' {
			if p.i >= len(p.src) {
				return nil, p.errf("unexpected end of input in object")
			}
			return nil, p.errf("expected a string key, found %q", p.peekRune())
		}
		kp := p.pos()
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if len(p.members)-base >= 8 {
			if seen == nil {
				seen = make(map[string]struct{}, 16)
				for _, m := range p.members[base:] {
					seen[m.Key] = struct{}{}
				}
			}
			if _, dup := seen[key]; dup {
				return nil, &SyntaxError{Pos: kp, Msg: fmt.Sprintf("duplicate key %q", key)}
			}
			seen[key] = struct{}{}
		} else {
			for _, m := range p.members[base:] {
				if m.Key == key {
					return nil, &SyntaxError{Pos: kp, Msg: fmt.Sprintf("duplicate key %q", key)}
				}
			}
		}
		p.skipWS()
		if p.i >= len(p.src) || p.src[p.i] != ':' {
			return nil, p.errf("expected ':' after key %q", key)
		}
		p.advance(1)
		p.skipWS()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.members = append(p.members, Member{Key: key, KeyPos: kp, Value: v})
		p.skipWS()
		if p.i >= len(p.src) {
			return nil, p.errf("unexpected end of input in object")
		}
		switch p.src[p.i] {
		case ',':
			p.advance(1)
		case '}':
			p.advance(1)
			n.Members = append(make([]Member, 0, len(p.members)-base), p.members[base:]...)
			return n, nil
		default:
			return nil, p.errf("expected ',' or '}', found %q", p.peekRune())
		}
	}
}

func (p *jsonParser) array(depth int, start Pos) (*Node, error) {
	p.advance(1)
	n := p.node(Array, start)
	p.skipWS()
	if p.i < len(p.src) && p.src[p.i] == ']' {
		p.advance(1)
		return n, nil
	}
	base := len(p.items)
	defer func() { p.items = p.items[:base] }()
	for {
		p.skipWS()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.items = append(p.items, v)
		p.skipWS()
		if p.i >= len(p.src) {
			return nil, p.errf("unexpected end of input in array")
		}
		switch p.src[p.i] {
		case ',':
			p.advance(1)
		case ']':
			p.advance(1)
			n.Items = append(make([]*Node, 0, len(p.items)-base), p.items[base:]...)
			return n, nil
		default:
			return nil, p.errf("expected ',' or ']', found %q", p.peekRune())
		}
	}
}

// ParseYAML parses a YAML document into the same Node model. Anchors and
// aliases are expanded; non-string keys are errors.
func ParseYAML(src []byte) (*Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, yamlSyntaxError(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &SyntaxError{Pos: Pos{1, 1}, Msg: "empty YAML document"}
	}
	budget := 1 << 20
	return fromYAML(doc.Content[0], 0, &budget)
}

func yamlSyntaxError(err error) error {
	var line int
	msg := err.Error()
	if _, scanErr := fmt.Sscanf(msg, "yaml: line %d:", &line); scanErr == nil {
		return &SyntaxError{Pos: Pos{Line: line, Col: 1}, Msg: msg}
	}
	return &SyntaxError{Pos: Pos{Line: 1, Col: 1}, Msg: msg}
}

func fromYAML(y *yaml.Node, depth int, budget *int) (*Node, error) {
	pos := Pos{Line: y.Line, Col: y.Column}
	if depth > MaxDepth {
		return nil, &SyntaxError{Pos: pos, Msg: fmt.Sprintf("document nests deeper than %d levels", MaxDepth)}
	}
	*budget--
	if *budget < 0 {
		return nil, &SyntaxError{Pos: pos, Msg: "document expands to too many nodes"}
	}
	switch y.Kind {
	case yaml.AliasNode:
		return fromYAML(y.Alias, depth+1, budget)
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &Node{Kind: Null, Pos: pos}, nil
		}
		return fromYAML(y.Content[0], depth, budget)
	case yaml.MappingNode:
		n := &Node{Kind: Object, Pos: pos}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				return nil, &SyntaxError{Pos: Pos{k.Line, k.Column}, Msg: "YAML merge keys (<<) are not supported in schemas"}
			}
			if k.Kind != yaml.ScalarNode || (k.Tag != "!!str" && k.Tag != "") {
				return nil, &SyntaxError{Pos: Pos{k.Line, k.Column}, Msg: "object keys must be strings"}
			}
			for _, m := range n.Members {
				if m.Key == k.Value {
					return nil, &SyntaxError{Pos: Pos{k.Line, k.Column}, Msg: fmt.Sprintf("duplicate key %q", k.Value)}
				}
			}
			val, err := fromYAML(v, depth+1, budget)
			if err != nil {
				return nil, err
			}
			n.Members = append(n.Members, Member{Key: k.Value, KeyPos: Pos{k.Line, k.Column}, Value: val})
		}
		return n, nil
	case yaml.SequenceNode:
		n := &Node{Kind: Array, Pos: pos}
		for _, c := range y.Content {
			val, err := fromYAML(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			n.Items = append(n.Items, val)
		}
		return n, nil
	case yaml.ScalarNode:
		switch y.Tag {
		case "!!null":
			return &Node{Kind: Null, Pos: pos}, nil
		case "!!bool":
			var b bool
			if err := y.Decode(&b); err != nil {
				return nil, &SyntaxError{Pos: pos, Msg: err.Error()}
			}
			return &Node{Kind: Bool, Pos: pos, Bool: b}, nil
		case "!!int", "!!float":
			var f float64
			if err := y.Decode(&f); err != nil {
				return nil, &SyntaxError{Pos: pos, Msg: err.Error()}
			}
			lit := y.Value
			if !json.Valid([]byte(lit)) {
				b, err := json.Marshal(f)
				if err != nil {
					return nil, &SyntaxError{Pos: pos, Msg: fmt.Sprintf("number %q cannot be represented in JSON", y.Value)}
				}
				lit = string(b)
			}
			return &Node{Kind: Number, Pos: pos, Str: lit}, nil
		default:
			return &Node{Kind: String, Pos: pos, Str: y.Value}, nil
		}
	}
	return nil, &SyntaxError{Pos: pos, Msg: "unsupported YAML node"}
}
