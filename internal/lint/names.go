package lint

import (
	"strings"
	"unicode"

	"github.com/evctl/evctl/internal/lint/lexicon"
	"github.com/evctl/evctl/internal/schema"
)

// splitWords splits a PascalCase, camelCase or snake_case name into words,
// keeping acronyms together ("HTTPRequestSent" → HTTP, Request, Sent) and
// digits with the word before them.
func splitWords(name string) []string {
	var words []string
	rs := []rune(name)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, string(rs[start:end]))
		}
		start = -1
	}
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ':
			flush(i)
			continue
		case unicode.IsUpper(r):
			if start >= 0 {
				prev := rs[i-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					flush(i)
				}
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(rs))
	return words
}

// particles may follow the verb of an event name: UserSignedUp, CartCheckedOut.
var particles = map[string]bool{
	"up": true, "out": true, "in": true, "off": true, "down": true,
	"over": true, "back": true, "away": true, "on": true,
}

// eventName is an event name split into its entity, verb and particle.
type eventName struct {
	Words []string
	// VerbIdx is the index of the word that must be a past form.
	VerbIdx int
	// Particle is the trailing particle ("Up"), or "".
	Particle string
	// Past reports whether Words[VerbIdx] is a past form.
	Past bool
}

func parseEventName(name string) eventName {
	w := splitWords(name)
	en := eventName{Words: w, VerbIdx: len(w) - 1}
	if len(w) >= 2 && particles[strings.ToLower(w[len(w)-1])] {
		en.VerbIdx = len(w) - 2
		en.Particle = w[len(w)-1]
	}
	if en.VerbIdx >= 0 {
		_, en.Past = lexicon.PastForm(en.Words[en.VerbIdx])
	}
	return en
}

// Verb returns the word that must be a past form ("" for an empty name).
func (en eventName) Verb() string {
	if en.VerbIdx < 0 {
		return ""
	}
	return en.Words[en.VerbIdx]
}

// Entity returns the words before the verb.
func (en eventName) Entity() []string {
	if en.VerbIdx <= 0 {
		return nil
	}
	return en.Words[:en.VerbIdx]
}

// title makes the first letter upper case.
func title(s string) string {
	if s == "" {
		return s
	}
	rs := []rune(s)
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}

// isAllUpper reports whether a word is an acronym like "HTTP".
func isAllUpper(s string) bool {
	return len(s) > 1 && strings.ToUpper(s) == s && strings.ToLower(s) != s
}

// snake joins words as snake_case: ShippingLabel → shipping_label.
func snake(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = strings.ToLower(w)
	}
	return strings.Join(parts, "_")
}

// camel joins words as camelCase: ShippingLabel → shippingLabel.
func camel(words []string) string {
	var b strings.Builder
	for i, w := range words {
		lw := strings.ToLower(w)
		if i == 0 {
			b.WriteString(lw)
			continue
		}
		b.WriteString(title(lw))
	}
	return b.String()
}

// camelOf converts a snake_case name to camelCase (event_id → eventId); a
// name without underscores is returned as is.
func camelOf(name string) string {
	if !strings.Contains(name, "_") {
		return name
	}
	return camel(strings.FieldsFunc(name, func(r rune) bool { return r == '_' }))
}

// pascal joins words as PascalCase.
func pascal(words []string) string {
	var b strings.Builder
	for _, w := range words {
		if isAllUpper(w) {
			b.WriteString(w)
			continue
		}
		b.WriteString(title(w))
	}
	return b.String()
}

// usesCamel reports whether a record's field names are camelCase rather
// than snake_case.
func usesCamel(t *schema.Type) bool {
	camelN, snakeN := 0, 0
	for _, f := range t.Fields {
		switch {
		case strings.Contains(f.Name, "_"):
			snakeN++
		case strings.ToLower(f.Name) != f.Name:
			camelN++
		}
	}
	return camelN > snakeN
}

// fieldStyle formats a field name from words in the record's style.
func fieldStyle(t *schema.Type, words []string) string {
	if t != nil && usesCamel(t) {
		return camel(words)
	}
	return snake(words)
}

// namePos is where an event declares its name: the Avro "name" value or the
// JSON Schema "title" value, falling back to the top of the file.
func namePos(ev *schema.Event) schema.Pos {
	key := "title"
	if ev.Format == schema.Avro {
		key = "name"
	}
	if n := ev.Root.Get(key); n != nil {
		return n.Pos
	}
	return rootPos(ev)
}

func rootPos(ev *schema.Event) schema.Pos {
	if ev.Root != nil && ev.Root.Pos.Line > 0 {
		return ev.Root.Pos
	}
	return schema.Pos{Line: 1, Col: 1}
}

// top returns the top-level record of an event, or nil.
func top(ev *schema.Event) *schema.Type {
	t := ev.Top.NonNull()
	if t == nil || t.Kind != schema.KRecord {
		return nil
	}
	return t
}

// unitAttr names the unit annotation of the event's format.
func unitAttr(ev *schema.Event) string {
	if ev.Format == schema.Avro {
		return `a "unit" attribute`
	}
	return `"x-unit"`
}
