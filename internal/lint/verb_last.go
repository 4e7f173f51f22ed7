package lint

import (
	"fmt"
	"strings"

	"github.com/evctl/evctl/internal/diag"
)

// VerbLast is the optional house style that puts the past verb of an event
// name last. Off by default: ItemMovedToFolder is a past fact, and
// past-tense accepts it; a team that wants ItemToFolderMoved turns this on.
var VerbLast = &Rule{
	ID:      "verb-last",
	Doc:     "Optional house style (off by default): the past-tense verb of an event name comes last, after its entity and any other words (ItemToFolderMoved rather than ItemMovedToFolder).",
	Default: diag.Off,
	Policy: `Off by default; turn it on in evctl.yaml as a house style:
  lint:
    rules:
      verb-last: warning
A name that past-tense reads as a past fact, whose past verb (with a
particle that belongs to it: SignedUp, CheckedOut) is followed by more
words, is reported with the name reordered so that the verb comes last:
the words before the verb, then the words after it, then the verb
(MemberJoinedChannel → MemberChannelJoined, ItemMovedToFolder →
ItemToFolderMoved). The suggestion is offered only when both this rule and
past-tense accept it. Names past-tense rejects are its findings, not this
rule's: verb-last never says a name is a command.

Bad:  ItemMovedToFolder, MemberJoinedChannel, CheckRunRequestedAction
Good: OrderPlaced, UserSignedUp, ItemToFolderMoved, PasswordReset`,
	Bad: `{
  "type": "record",
  "name": "MemberJoinedChannel",
  "namespace": "com.acme.chat.v1",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": "member_id", "type": "string"},
    {"name": "channel_id", "type": "string"}
  ]
}
`,
	Good: `{
  "type": "record",
  "name": "MemberChannelJoined",
  "namespace": "com.acme.chat.v1",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": "member_id", "type": "string"},
    {"name": "channel_id", "type": "string"}
  ]
}
`,
	Run: runVerbLast,
}

func runVerbLast(p *Pass) {
	v := judgeVerbLast(p.Event.Stem)
	if v.Last {
		return
	}
	p.Reportf(namePos(p.Event), "%s", v.Message)
}

// verbLastVerdict is the verb-last rule's reading of an event name.
type verbLastVerdict struct {
	// Last is true when the rule accepts the name: its past verb is last,
	// or past-tense does not read it as past (that rule's finding).
	Last bool
	// Message is the finding; Fix the reordered name ("" when none), which
	// both verb-last and past-tense accept.
	Message, Fix string
}

// judgeVerbLast reads an event name for the verb-last house style.
func judgeVerbLast(name string) verbLastVerdict {
	en := parseEventName(name)
	if !en.Past || len(en.Words) < 2 {
		return verbLastVerdict{Last: true}
	}
	w := en.Words
	end := verbEnd(en)
	if end == len(w) {
		return verbLastVerdict{Last: true}
	}
	verb := strings.Join(w[en.VerbIdx:end], "")
	// Words after the verb that say nothing (SubscriptionDeletedEvent)
	// are dropped, not moved.
	rest := w[end:]
	for len(rest) > 0 && emptyWords[strings.ToLower(rest[len(rest)-1])] {
		rest = rest[:len(rest)-1]
	}
	fix := join(w[:en.VerbIdx], rest, w[en.VerbIdx:end])
	if fix == name || !parseEventName(fix).Past || !judgeVerbLast(fix).Last {
		fix = ""
	}
	msg := fmt.Sprintf("event name %q has words after its verb %q; the house style puts the verb last", name, verb)
	if fix != "" {
		msg += fmt.Sprintf("; rename it %q", fix)
	} else {
		msg += "; reorder the name so that it ends in the past verb"
	}
	return verbLastVerdict{Message: msg, Fix: fix}
}

// verbEnd is the index after the verb of a past name and the particles
// that belong to it: a particle ends the name (UserSignedUp) or is followed
// by a preposition (UserSignedUpForTrial); before anything else it starts a
// prepositional phrase (ChatMessageDeletedInThread, OrderPlacedOnHold).
func verbEnd(en eventName) int {
	w := en.Words
	end := en.VerbIdx + 1
	for end < len(w) && particles[strings.ToLower(w[end])] &&
		(end == len(w)-1 || prepositions[strings.ToLower(w[end+1])]) {
		end++
	}
	return end
}

// emptyWords after the verb say only that the name is an event.
var emptyWords = wordSet(`event events message notification notifications`)
