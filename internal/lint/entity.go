package lint

import "github.com/evctl/evctl/internal/schema"

// EntityIDField returns the top-level field that identifies the one entity
// an event is about, as single-entity requires it: the event name minus its
// past-tense verb, plus "id" (OrderPlaced: order_id or orderId). It returns
// nil when the name has no past-tense verb or the field is missing.
func EntityIDField(ev *schema.Event) *schema.Field {
	t := top(ev)
	if t == nil {
		return nil
	}
	en := parseEventName(ev.Stem)
	if !en.Past || len(en.Entity()) == 0 {
		return nil
	}
	words := append(append([]string{}, en.Entity()...), "id")
	if f := t.Field(snake(words)); f != nil {
		return f
	}
	return t.Field(camel(words))
}
