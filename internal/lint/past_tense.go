package lint

import (
	"fmt"
	"strings"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/lint/lexicon"
)

// PastTense requires event names to state a past fact.
var PastTense = &Rule{
	ID:      "past-tense",
	Doc:     "An event name states a fact that happened: an entity and a past-tense verb, optionally followed by a particle, a preposition or an object (OrderPlaced, UserSignedUp, ItemMovedToFolder).",
	Default: diag.Error,
	Policy: `A name passes when, after its first word, it has a verb in a past form
(placed, sent, frozen; prefixed forms like reopened, unarchived, requeued;
British -ised forms), followed by nothing or by any words: a particle
(UserSignedUp), a preposition (ItemMovedToFolder, AlertClosedByUser) or an
object (MemberJoinedChannel, CheckRunRequestedAction). A name of one word
passes when that word is a past form (Created). A form spelled like its base
(Reset, Input, Broadcast, Forecast) counts only as the last word after an
entity (PasswordReset) and is then read as past with low confidence: the
name passes, with an info note (severity info, never failing a run; SARIF
level "note") saying so, which lint.past_tense.allow silences.

A name fails when it has no past verb:
  - a command starting with a verb (PlaceOrder → OrderPlaced,
    RemoveItemFromCart → ItemRemovedFromCart);
  - an entity and a base verb (FolderCreate → FolderCreated, TeamJoin →
    TeamJoined) or a noun made from a verb (StatusChange → StatusChanged,
    WriteSuccess → WriteSucceeded, OrderCancellation → OrderCancelled);
  - the progressive, a process under way (JobProcessing →
    JobStartedProcessing);
  - the present or future tense (IntentRequiresAction →
    IntentRequiredAction; TrialWillEnd has no automatic fix);
  - a word of state: an adjective (LoanOverdue, SensorOnline,
    TransactionPastDue, BalanceAvailable) or a prepositional state
    (ItemInStock, JobInProgress, StreamsOutOfSync). A state is not the fact
    that changed it: name the transition (LoanBecameOverdue,
    LoanMarkedOverdue, SensorWentOnline, ItemWentOutOfStock). The rule
    suggests <Entity>Became<State> and <Entity>Went<In|Out...>;
  - a plain noun (Push, Ping, Status, DeviceTelemetry, GeofenceResult).
    Plural nouns are nouns (TaxSettings is not "TaxSets").

A suggestion is offered only when the rule accepts it; no suggestion is
better than a wrong one, so a name whose first and last words could both be
the verb (CancelRequest) gets none. Names a team keeps on purpose go in
evctl.yaml: lint.past_tense.allow: [Heartbeat] accepts the name Heartbeat
and every name ending in the word Heartbeat (LiveEventHeartbeat).

Bad:  PlaceOrder, FolderCreate, OrderCancellation, JobProcessing, LoanOverdue,
      DeviceTelemetry
Good: OrderPlaced, FolderCreated, OrderCancelled, JobStartedProcessing,
      LoanBecameOverdue, ItemMovedToFolder, MemberJoinedChannel, TicketTriaged`,
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

// genericWords say nothing about what happened; no fix ends in one of them.
var genericWords = map[string]bool{
	"event": true, "events": true, "message": true, "notification": true,
	"notifications": true, "command": true, "request": true, "response": true,
	"data": true, "info": true, "payload": true, "record": true, "details": true,
	"action": true,
}

// trailingVerbs are base verbs that, as the last word after an entity, are
// read as the verb of the event (FolderCreate → FolderCreated). Words that
// are more often nouns at the end of a name (label, post, link, log, flag,
// return, transfer, refund) are left out: no fix is better than a wrong one.
var trailingVerbs = wordSet(`accept activate add approve archive assign attach
authorize cancel capture change close complete confirm connect create
deactivate decline delete deploy destroy detach disable disconnect dismiss dispatch
edit enable enqueue dequeue execute expire export fail finalize finish grant
import initiate install invite join leave lock merge migrate modify move open
pause process publish purchase queue receive register reject reload remove
renew rename reopen replace request reserve resolve restore resume revoke schedule
send share start stop submit subscribe succeed suspend synchronize sync
terminate trigger unarchive unassign unblock uninstall unlock unpublish
unshare unsubscribe unsuspend update upgrade upload validate verify void
withdraw`)

// leadingVerbs start commands (PlaceOrder, AddItemToCart); the verb moves
// after the object.
var leadingVerbs = wordSet(`accept activate add adjust amend approve archive
assign attach authenticate authorize block book calculate cancel capture
change charge close complete confirm create deactivate decline delete deliver
deploy disable dismiss dispatch edit enable export flag fulfill generate grant
import invite issue lock merge move notify open pause pay place process
publish purchase refund register reject release remove rename reopen request
reserve reset resolve restore resume return revoke schedule send ship sign start
stop submit suspend transfer unlock update upload validate verify void vote`)

// presentVerbs are third-person present forms that, before more words,
// make a name present tense (IntentRequiresAction).
var presentVerbs = wordSet(`requires needs becomes exceeds reaches approaches
contains enters leaves joins starts stops fails succeeds expires changes`)

// stateWords are adjectives of state: LoanOverdue, SensorOnline.
var stateWords = wordSet(`overdue due upcoming available unavailable pending
ready online offline active inactive idle stale public private chargeable
healthy unhealthy valid invalid eligible ineligible delinquent dormant live
busy full empty late outdated unreachable reachable degraded`)

// nominalVerbs maps nouns made from verbs that suffix rules miss.
var nominalVerbs = map[string]string{
	"success": "succeed", "failure": "fail", "change": "change", "request": "request",
	"join": "join", "removal": "remove", "arrival": "arrive", "departure": "depart",
	"cancellation": "cancel", "submission": "submit", "deletion": "delete",
	"completion": "complete", "creation": "create", "update": "update",
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

func runPastTense(p *Pass) {
	name := p.Event.Stem
	if allowedName(p.Config.Lint.PastTense.Allow, name) {
		return
	}
	v := judgeName(name)
	if v.Past {
		if v.Note != "" {
			p.Notef(namePos(p.Event), "%s", v.Note)
		}
		return
	}
	p.Reportf(namePos(p.Event), "%s", v.Message)
}

// allowedName reports whether the allow list names the event or the words
// it ends with.
func allowedName(allow []string, name string) bool {
	if len(allow) == 0 {
		return false
	}
	words := splitWords(name)
	for _, a := range allow {
		if a == name {
			return true
		}
		aw := splitWords(a)
		if len(aw) == 0 || len(aw) > len(words) {
			continue
		}
		if strings.EqualFold(pascal(words[len(words)-len(aw):]), pascal(aw)) {
			return true
		}
	}
	return false
}

// nameVerdict is the past-tense rule's reading of an event name.
type nameVerdict struct {
	Past bool
	// Note explains a low-confidence reading of a past name: its verb is
	// spelled like its base (PasswordReset), so it may be a noun or a
	// command; "" otherwise.
	Note string
	// Message is the finding when the name is not past.
	Message string
	// Fix is the suggested name ("" when none); the rule accepts it.
	Fix string
}

// judgeName reads an event name and, when it is not a past fact, explains
// why and proposes a fix that the rule itself accepts.
func judgeName(name string) nameVerdict {
	en := parseEventName(name)
	if en.Past {
		v := nameVerdict{Past: true}
		if en.LowConfidence {
			verb := en.Words[en.VerbIdx]
			v.Note = fmt.Sprintf("event name %q is read as past with low confidence; %q is spelled like its base form, so it reads as past only after the entity %q; if the name states what happened, list it under lint.past_tense.allow to silence this note; if %q is a noun or a command here, rename the event with a past verb", name, verb, strings.Join(en.Words[:en.VerbIdx], ""), verb)
		}
		return v
	}
	w := en.Words
	if len(w) == 0 {
		return nameVerdict{Message: fmt.Sprintf("event name %q has no words; name the fact that happened in the past tense, like \"OrderPlaced\"", name)}
	}
	kind, fix := diagnoseName(w)
	if fix != "" {
		if re := parseEventName(fix); !re.Past || fix == name {
			fix = ""
		}
	}
	msg := fmt.Sprintf("event name %q is not a past fact: it %s", name, kind)
	if fix != "" {
		msg += fmt.Sprintf("; rename it %q", fix)
	} else {
		msg += "; name what happened with an entity and a past-tense verb, like \"OrderPlaced\" or \"ItemMovedToFolder\""
	}
	return nameVerdict{Message: msg, Fix: fix}
}

// diagnoseName says what a name that is not past is, and proposes a fix.
func diagnoseName(w []string) (kind, fix string) {
	lower := make([]string, len(w))
	for i, x := range w {
		lower[i] = strings.ToLower(x)
	}
	last := len(w) - 1
	// Future: TrialWillEnd.
	for i := 1; i < len(w); i++ {
		if lower[i] == "will" {
			return fmt.Sprintf("is in the future tense (%q)", w[i]), ""
		}
	}
	// State: LoanOverdue, TransactionPastDue, JobInProgress.
	for i := 1; i < len(w); i++ {
		switch {
		case lower[i] == "past" && i < last && lower[i+1] == "due":
			return fmt.Sprintf("names a state (%q), not the change that led to it", strings.Join(w[i:], "")), join(w[:i], "Became", w[i:])
		case stateWords[lower[i]]:
			what := fmt.Sprintf("names a state (%q), not the change that led to it", strings.Join(w[i:], ""))
			if i < last && !prepositions[lower[i+1]] {
				// An attribute of a noun (PendingChange): no fix.
				return what, ""
			}
			return what, join(w[:i], "Became", w[i:])
		case (lower[i] == "in" || lower[i] == "out") && i < last:
			return fmt.Sprintf("names a state (%q), not the change that led to it", strings.Join(w[i:], "")), join(w[:i], "Went", w[i:])
		case lower[i] == "near" && i < last:
			return fmt.Sprintf("names a state (%q), not the change that led to it", strings.Join(w[i:], "")), join(w[:i], "Neared", w[i+1:])
		}
	}
	// Progressive: JobProcessing, UserSigningUp.
	ing := last
	if ing >= 2 && particles[lower[ing]] {
		ing--
	}
	if strings.HasSuffix(lower[ing], "ing") && ing >= 1 {
		if _, ok := lexicon.Lemma(w[ing]); ok && !genericWords[lower[ing]] {
			return fmt.Sprintf("ends in the progressive %q, a process under way", w[ing]), join(w[:ing], "Started", w[ing:])
		}
	}
	// Entity and base verb or a noun made from a verb: FolderCreate,
	// StatusChange, WriteSuccess. The leading word must not be a verb of a
	// command too (FlagReview is ambiguous).
	if last >= 1 {
		if base := verbOfLast(lower[last]); base != "" && !leadingVerbs[lower[0]] {
			what := "a base verb"
			if base != lower[last] {
				what = "a noun made from a verb"
			}
			return fmt.Sprintf("ends in %s (%q)", what, w[last]), join(w[:last], title(pastOf(base)))
		}
	}
	// Present tense before more words: IntentRequiresAction. Only verbs
	// that are rarely plural nouns: CustomerGroupsCreate is not "grouped".
	for i := 1; i < last; i++ {
		// Or any -s verb before a final particle: CartChecksOut.
		phrasal := i == last-1 && particles[lower[last]] && strings.HasSuffix(lower[i], "s")
		if base, ok := lexicon.Lemma(w[i]); ok && (presentVerbs[lower[i]] || phrasal) && pastOf(base) != "" {
			return fmt.Sprintf("is in the present tense (%q)", w[i]), join(w[:i], title(pastOf(base)), w[i+1:])
		}
	}
	// Command: PlaceOrder, AddItemToCart, SignUpUser.
	if len(w) >= 2 && leadingVerbs[lower[0]] && pastOf(lower[0]) != "" {
		rest := w[1:]
		particle := ""
		if len(rest) > 1 && particles[strings.ToLower(rest[0])] {
			particle, rest = rest[0], rest[1:]
		}
		lastRest := strings.ToLower(rest[len(rest)-1])
		if verbOfLast(lastRest) != "" || genericWords[lastRest] {
			return fmt.Sprintf("is a command starting with the verb %q", w[0]), ""
		}
		past := title(pastOf(lower[0]))
		if particle != "" {
			past += title(strings.ToLower(particle))
		}
		for i := 1; i < len(rest); i++ {
			if prepositions[strings.ToLower(rest[i])] {
				return fmt.Sprintf("is a command starting with the verb %q", w[0]), join(rest[:i], past, rest[i:])
			}
		}
		return fmt.Sprintf("is a command starting with the verb %q", w[0]), join(rest, past)
	}
	if lexicon.IsBase(w[last]) && !genericWords[lower[last]] {
		return fmt.Sprintf("ends in %q, which is not a past form", w[last]), ""
	}
	return fmt.Sprintf("has no past-tense verb (%q is not one)", w[last]), ""
}

// verbOfLast returns the base verb that the last word of a name stands for
// when it is an event verb (create) or a noun made from one (change,
// success, cancellation), or "".
func verbOfLast(w string) string {
	if trailingVerbs[w] {
		return w
	}
	if b, ok := nominalVerbs[w]; ok {
		return b
	}
	if b, ok := nounToVerb(w); ok && (trailingVerbs[b] || leadingVerbs[b]) {
		return b
	}
	return ""
}

// pastOf returns the preferred past form of a base verb, also behind a
// prefix the lexicon does not list (unarchive → unarchived).
func pastOf(base string) string {
	if p := lexicon.PastOf(base); p != "" {
		return p
	}
	for _, pre := range []string{"un", "re", "de", "dis"} {
		if rest, ok := strings.CutPrefix(base, pre); ok && len(rest) >= 3 {
			if p := lexicon.PastOf(rest); p != "" {
				return pre + p
			}
		}
	}
	return ""
}

// join renders words as PascalCase.
func join(parts ...any) string {
	var words []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			words = append(words, v)
		case []string:
			words = append(words, v...)
		}
	}
	return pascal(words)
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
