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

// prepositions may start the words after the verb of an event name:
// ItemMovedToFolder, ChatThreadCreatedWithUser, AlertClosedByUser.
var prepositions = map[string]bool{
	"to": true, "from": true, "with": true, "by": true, "for": true, "of": true,
	"as": true, "at": true, "into": true, "onto": true, "per": true, "via": true,
	"within": true, "without": true, "after": true, "before": true, "during": true,
	"in": true, "on": true, "out": true, "off": true, "up": true, "down": true,
	"over": true, "under": true, "through": true, "across": true, "between": true,
}

// eventName is an event name split into its entity, its verb and the
// words after the verb: <Entity><PastVerb><Particle|Preposition|Object...>.
type eventName struct {
	Words []string
	// VerbIdx is the index of the past-tense verb, or of the word that
	// should be one (the last word) when the name has no past verb.
	VerbIdx int
	// Past reports whether Words[VerbIdx] is a past form.
	Past bool
	// LowConfidence reports a past form spelled like its base (Reset,
	// Input, Broadcast), which is read as past only after an entity.
	LowConfidence bool
}

// parseEventName finds the verb of an event name: the last word at or
// after the second word that is a past form, so that words after the verb
// (a particle, a prepositional phrase or an object) still make a past fact.
// A form spelled like its base (Reset, Input, Broadcast) counts only as the
// last word after an entity. A name of one word is past when that word is.
func parseEventName(name string) eventName {
	w := splitWords(name)
	en := eventName{Words: w, VerbIdx: len(w) - 1}
	if len(w) == 1 {
		if base, ok := lexicon.PastForm(w[0]); ok && base != strings.ToLower(w[0]) {
			en.Past = true
		}
		return en
	}
	identity := -1
	for i := len(w) - 1; i >= 1; i-- {
		base, ok := lexicon.PastForm(w[i])
		if !ok || !isWord(w[i]) {
			continue
		}
		if base != strings.ToLower(w[i]) {
			// Between an -ing form and a noun it is an adjective:
			// SubscriptionsApproachingCappedAmount (but ScalingCompleted
			// is past).
			if i < len(w)-1 && progressiveVerb(w[i-1]) {
				continue
			}
			en.VerbIdx, en.Past = i, true
			return en
		}
		// Same base and past form: past only as the last word (or
		// before a particle) after an entity, and only when no other
		// word is a past form.
		last := i == len(w)-1 || (i == len(w)-2 && particles[strings.ToLower(w[i+1])])
		if last && identity < 0 && !isAllUpper(w[i]) && !inflectedVerb(w[i-1]) {
			identity = i
		}
	}
	if identity >= 0 {
		en.VerbIdx, en.Past, en.LowConfidence = identity, true, true
	}
	return en
}

// inflectedVerb reports whether w is a present form of a verb (requires,
// processing), after which a form like Input is an object, not a verb.
func inflectedVerb(w string) bool {
	_, ok := lexicon.Lemma(w)
	return ok && !lexicon.IsBase(w) && !lexicon.IsNoun(w)
}

// progressiveVerb reports an -ing form of a verb (approaching), other than
// the state words pending, upcoming and outstanding.
func progressiveVerb(w string) bool {
	lw := strings.ToLower(w)
	if !strings.HasSuffix(lw, "ing") || lexicon.IsBase(lw) {
		return false
	}
	_, ok := lexicon.Lemma(lw)
	return ok && lw != "pending" && lw != "upcoming" && lw != "outstanding"
}

// isWord reports whether s is made of letters (not "V2" or "3DS").
func isWord(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
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

// record returns the record a type holds directly (T or ["null", T]), or nil.
func record(t *schema.Type) *schema.Type {
	t = t.NonNull()
	if t == nil || t.Kind != schema.KRecord || t.Recursive {
		return nil
	}
	return t
}
