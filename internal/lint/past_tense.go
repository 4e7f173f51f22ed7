package lint

import (
	"strings"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/lint/lexicon"
)

// PastTense requires event names to end in a past-tense verb form.
var PastTense = &Rule{
	ID:      "past-tense",
	Doc:     "An event name states a fact that happened, so it must end in a past-tense verb form, optionally followed by a particle (OrderPlaced, UserSignedUp).",
	Default: diag.Error,
	Bad: `{
  "type": "record",
  "name": "PlaceOrder",
  "namespace": "com.acme.orders.v1",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": "order_id", "type": "string"}
  ]
}
`,
	Good: `{
  "type": "record",
  "name": "OrderPlaced",
  "namespace": "com.acme.orders.v1",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": "order_id", "type": "string"}
  ]
}
`,
	Run: runPastTense,
}

// genericWords say nothing about what happened; an imperative fix that
// would end in one of them is not proposed.
var genericWords = map[string]bool{
	"event": true, "events": true, "message": true, "notification": true,
	"command": true, "request": true, "response": true, "data": true,
	"info": true, "payload": true, "record": true, "details": true,
	"action": true,
}

func runPastTense(p *Pass) {
	name := p.Event.Stem
	en := parseEventName(name)
	if en.Past {
		return
	}
	pos := namePos(p.Event)
	if len(en.Words) == 0 {
		p.Reportf(pos, "event name %q has no words; name the fact that happened in the past tense, like \"OrderPlaced\"", name)
		return
	}
	verb := en.Verb()
	// Present or progressive: OrderPlaces, UserSigningUp.
	if !lexicon.IsBase(verb) && !genericWords[strings.ToLower(verb)] {
		if base, ok := lexicon.Lemma(verb); ok {
			if past := lexicon.PastOf(base); past != "" {
				kind := "present-tense"
				if strings.HasSuffix(strings.ToLower(verb), "ing") {
					kind = "progressive"
				}
				p.Reportf(pos, "event name %q ends in the %s %q, not a past-tense verb; rename it %q", name, kind, verb, replaceVerb(en, past))
				return
			}
		}
	}
	// A noun made from a verb: OrderPlacement, OrderCancellation.
	if base, ok := nounToVerb(verb); ok && len(en.Words) > 1 {
		p.Reportf(pos, "event name %q ends in the noun %q, not a past-tense verb; rename it %q", name, verb, replaceVerb(en, lexicon.PastOf(base)))
		return
	}
	// Imperative: PlaceOrder, SendEmail, SignUpUser. A name ending in a
	// base verb spelled like a past form (CropSeed) is not read as one.
	lookalike := lexicon.IsBase(verb) && strings.HasSuffix(strings.ToLower(verb), "ed")
	if fix, ok := imperativeFix(en.Words); ok && !lookalike {
		p.Reportf(pos, "event name %q is an imperative command, not a fact; name what happened in the past tense: %q", name, fix)
		return
	}
	what := "is not one"
	if lexicon.IsBase(verb) && !genericWords[strings.ToLower(verb)] {
		what = "is a base form, not a past form"
	}
	p.Reportf(pos, "event name %q must end in a past-tense verb, optionally followed by a particle, but %q %s; name the fact that happened, like \"OrderPlaced\" or \"UserSignedUp\"", name, verb, what)
}

// replaceVerb renders the name with its verb replaced by past.
func replaceVerb(en eventName, past string) string {
	words := append([]string{}, en.Words[:en.VerbIdx]...)
	words = append(words, past)
	if en.Particle != "" {
		words = append(words, en.Particle)
	}
	return pascal(words)
}

// imperativeFix turns PlaceOrder into OrderPlaced and SignUpUser into
// UserSignedUp when the name starts with a base verb.
func imperativeFix(words []string) (string, bool) {
	if len(words) < 2 || !lexicon.IsBase(words[0]) {
		return "", false
	}
	past := lexicon.PastOf(words[0])
	if past == "" {
		return "", false
	}
	rest := words[1:]
	particle := ""
	if len(rest) > 1 && particles[strings.ToLower(rest[0])] {
		particle, rest = rest[0], rest[1:]
	}
	if genericWords[strings.ToLower(rest[len(rest)-1])] {
		return "", false
	}
	out := append(append([]string{}, rest...), past)
	if particle != "" {
		out = append(out, particle)
	}
	return pascal(out), true
}

// nounToVerb finds the verb a noun is made from: placement → place,
// cancellation → cancel, creation → create, approval → approve,
// failure → fail.
func nounToVerb(word string) (string, bool) {
	w := strings.ToLower(word)
	var cands []string
	add := func(stem string) {
		cands = append(cands, stem, stem+"e")
		if n := len(stem); stem[n-1] == stem[n-2] {
			cands = append(cands, stem[:n-1])
		}
	}
	for _, suf := range []string{"ment", "ation", "ition", "ion", "al", "ance", "ence", "ure"} {
		if stem := w[:max(0, len(w)-len(suf))]; strings.HasSuffix(w, suf) && len(stem) >= 3 && (suf != "al" || len(stem) >= 4) {
			add(stem)
		}
	}
	for _, c := range cands {
		if lexicon.IsBase(c) && lexicon.PastOf(c) != "" {
			return c, true
		}
	}
	return "", false
}
