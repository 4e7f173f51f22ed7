package lint

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// Quality goals of every rule on the labelled corpus of real catalogs
// (testdata/corpus, see its README.md).
const (
	goalPrecision = 0.98
	goalRecall    = 0.95
)

// score counts a rule's verdicts against the labels.
type score struct {
	tp, fp, fn, tn int
	// misses lists the wrong verdicts, for the test log.
	misses []string
}

func (s *score) add(id string, want, got bool) {
	switch {
	case want && got:
		s.tp++
	case !want && got:
		s.fp++
		s.misses = append(s.misses, "false positive: "+id)
	case want && !got:
		s.fn++
		s.misses = append(s.misses, "false negative: "+id)
	default:
		s.tn++
	}
}

func (s *score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s *score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

// check logs the figures and the wrong verdicts and fails below the goal.
func (s *score) check(t *testing.T, rule string, items int) {
	t.Helper()
	sort.Strings(s.misses)
	for _, m := range s.misses {
		t.Log(m)
	}
	t.Logf("%s: %d items, %d labelled violations: precision %.1f%% (%d/%d), recall %.1f%% (%d/%d)",
		rule, items, s.tp+s.fn, 100*s.precision(), s.tp, s.tp+s.fp, 100*s.recall(), s.tp, s.tp+s.fn)
	if s.precision() < goalPrecision || s.recall() < goalRecall {
		t.Errorf("%s: precision %.1f%% and recall %.1f%% are below the goal (%.0f%%, %.0f%%)",
			rule, 100*s.precision(), 100*s.recall(), 100*goalPrecision, 100*goalRecall)
	}
}

// corpusName is one row of testdata/corpus/names.tsv.
type corpusName struct {
	Name, Publisher, Original, Label, Reason, Source string
}

func readNames(t testing.TB) []corpusName {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "corpus", "names.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusName
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		if strings.HasPrefix(sc.Text(), "#") || sc.Text() == "" {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 6 || (c[3] != "violation" && c[3] != "ok") || c[5] == "" {
			t.Fatalf("names.tsv:%d: want name, publisher, original, violation|ok, reason, source: %q", line, sc.Text())
		}
		out = append(out, corpusName{c[0], c[1], c[2], c[3], c[4], c[5]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCorpusPastTense measures the past-tense rule on real event type
// names from several publishers.
func TestCorpusPastTense(t *testing.T) {
	names := readNames(t)
	publishers := map[string]int{}
	var s score
	for _, n := range names {
		publishers[n.Publisher]++
		v := judgeName(n.Name)
		s.add(fmt.Sprintf("%s (%s %s)", n.Name, n.Publisher, n.Original), n.Label == "violation", !v.Past)
	}
	if len(names) < 800 || len(publishers) < 6 {
		t.Errorf("corpus has %d names from %d publishers; want at least 800 from 6", len(names), len(publishers))
	}
	t.Logf("publishers: %v", publishers)
	s.check(t, "past-tense", len(names))
}

// TestSuggestionsPass applies every rename the past-tense rule proposes,
// on the corpus and on invented names, and requires the rule to accept it.
func TestSuggestionsPass(t *testing.T) {
	var names []string
	for _, n := range readNames(t) {
		names = append(names, n.Name)
	}
	corpus := len(names)
	names = append(names, suggestionCases...)
	offered, total, corpusOffered, corpusTotal := 0, 0, 0, 0
	for i, name := range names {
		v := judgeName(name)
		if v.Past {
			continue
		}
		total++
		if i < corpus {
			corpusTotal++
		}
		if v.Fix == "" {
			continue
		}
		offered++
		if i < corpus {
			corpusOffered++
		}
		if re := judgeName(v.Fix); !re.Past {
			t.Errorf("%s: the suggestion %q is rejected by the rule: %s", name, v.Fix, re.Message)
		}
		if !strings.Contains(v.Message, fmt.Sprintf("%q", v.Fix)) {
			t.Errorf("%s: the message does not offer the fix %q: %s", name, v.Fix, v.Message)
		}
	}
	t.Logf("past-tense: %d of %d findings offer a rename (%d of %d on the corpus), and the rule accepts every one", offered, total, corpusOffered, corpusTotal)
}

// suggestionCases are invented names that exercise every kind of fix.
var suggestionCases = []string{
	"FolderCreate", "PlaceOrder", "SignUpUser", "RemoveItemFromCart", "StatusChange",
	"WriteSuccess", "OrderCancellation", "OrderPlacement", "JobProcessing", "UserSigningUp",
	"IntentRequiresAction", "LoanOverdue", "SensorOnline", "ItemInStock", "ItemOutOfStock",
	"TransactionPastDue", "CertificateNearExpiry", "OrderPlaces", "TaxSettings", "FolderUpdate",
	"ProfileUpdate", "ChannelUnarchive", "ChannelLeave", "Heartbeat", "FlagReview",
	"TrialWillEnd", "Update", "Create", "SendEmail", "CheckoutCart", "ResetPassword",
	"ShippingLabel", "BlogPost", "FeatureFlag", "SubscriptionRenewal", "AccountApproval",
}

// corpusSchema is one row of testdata/corpus/schemas.tsv.
type corpusSchema struct {
	File string
	// Units are the fields explicit-units must report.
	Units map[string]bool
	// Closed is "violation", "ok" or "n/a" (Avro).
	Closed string
	// Entity are the fields single-entity must report as embedded
	// entities, and "(missing id)" when the event does not identify its
	// entity.
	Entity map[string]bool
	Source string
}

func readSchemas(t testing.TB) []corpusSchema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "corpus", "schemas.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusSchema
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 5 || c[4] == "" {
			t.Fatalf("schemas.tsv:%d: want file, explicit_units, closed_content_model, single_entity, source: %q", i+1, line)
		}
		s := corpusSchema{File: c[0], Units: list(c[1]), Closed: c[2], Entity: list(c[3]), Source: c[4]}
		out = append(out, s)
	}
	return out
}

// list reads a comma-separated label list ("-" for none).
func list(s string) map[string]bool {
	m := map[string]bool{}
	if s != "-" {
		for _, f := range strings.Split(s, ",") {
			m[f] = true
		}
	}
	return m
}

// lintCorpusSchema lints one corpus schema as the only event of a catalog
// and returns the findings of every rule.
func lintCorpusSchema(t testing.TB, file string, cfg *config.Config) []diag.Diagnostic {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "corpus", "schemas", filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dst := filepath.Join(dir, "schemas", "v1", filepath.Base(file))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := schema.Load([]string{filepath.Join(dir, "schemas")}, schema.LoadOptions{})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, e := range cat.Errors {
		t.Errorf("%s does not load: %v", file, e)
	}
	if cfg == nil {
		cfg = config.Default()
	}
	return Run(cat, cfg)
}

// quotedField is the field a finding names: `... field "total" ...`.
var quotedField = regexp.MustCompile(`field "([^"]+)"`)

// TestCorpusSchemas measures explicit-units (per field), single-entity
// (per embedded field and missing identifier) and closed-content-model (per
// event) on real payload schemas.
func TestCorpusSchemas(t *testing.T) {
	schemas := readSchemas(t)
	if len(schemas) < 100 {
		t.Errorf("corpus has %d schemas; want at least 100", len(schemas))
	}
	var units, closed, entity score
	unitItems, closedItems, entityItems := 0, 0, 0
	for _, s := range schemas {
		got, entityGot := map[string]bool{}, map[string]bool{}
		closedGot := 0
		for _, d := range lintCorpusSchema(t, s.File, nil) {
			switch d.Rule {
			case ExplicitUnits.ID:
				m := quotedField.FindStringSubmatch(d.Message)
				if m == nil {
					t.Errorf("%s: explicit-units finding names no field: %s", s.File, d.Message)
					continue
				}
				got[m[1]] = true
			case ClosedContentModel.ID:
				closedGot++
			case SingleEntity.ID:
				if m := quotedField.FindStringSubmatch(d.Message); m != nil {
					entityGot[m[1]] = true
				} else {
					entityGot["(missing id)"] = true
				}
			}
		}
		for _, item := range union(s.Entity, entityGot) {
			entityItems++
			entity.add(s.File+" "+item, s.Entity[item], entityGot[item])
		}
		for _, f := range union(s.Units, got) {
			unitItems++
			units.add(s.File+" "+f, s.Units[f], got[f])
		}
		if s.Closed == "n/a" {
			if closedGot > 0 {
				t.Errorf("%s: closed-content-model reports an Avro schema", s.File)
			}
			continue
		}
		if closedGot > 1 {
			t.Errorf("%s: closed-content-model reports %d times; want once per event", s.File, closedGot)
		}
		closedItems++
		closed.add(s.File, s.Closed == "violation", closedGot > 0)
	}
	units.check(t, "explicit-units", unitItems)
	entity.check(t, "single-entity", entityItems)
	closed.check(t, "closed-content-model", closedItems)
}

// union returns the keys of a and b, sorted.
func union(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if !a[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestPastTenseExamples pins the readings the rule's policy names.
func TestPastTenseExamples(t *testing.T) {
	for _, name := range []string{
		"ItemMovedToFolder", "AgentJoinedQueue", "SeatAssignedToAgent", "ReportExportedAsPdf",
		"TicketTriaged", "JobRequeued", "FileWatermarked", "LoanBecameOverdue", "LoanMarkedOverdue",
		"PasswordReset", "UserSignedUp", "OrderPlacedOnHold", "IssuesDemilestoned", "Created",
		"AccountAuthorised", "PullRequestEnqueued",
	} {
		if v := judgeName(name); !v.Past {
			t.Errorf("%s: want past, got: %s", name, v.Message)
		}
	}
	for _, name := range []string{
		"SyncBackground", "TaxSettings", "SensorOnline", "ItemInStock", "LoanOverdue",
		"PlaceOrder", "FolderCreate", "IntentRequiresInput", "TrialWillEnd", "Reset",
		"Heartbeat", "SubscriptionsApproachingCappedAmount",
	} {
		if v := judgeName(name); v.Past {
			t.Errorf("%s: want a finding, got past", name)
		}
	}
	for name, fix := range map[string]string{
		"CustomerGroupsCreate": "CustomerGroupsCreated", "DraftOrdersCreate": "DraftOrdersCreated",
		"CartChecksOut": "CartCheckedOut", "IntentRequiresAction": "IntentRequiredAction",
		"LoanOverdue": "LoanBecameOverdue", "RemoveItemFromCart": "ItemRemovedFromCart",
		"SignUpUser": "UserSignedUp", "WriteFailure": "WriteFailed", "TaxSettings": "",
		"ShippingLabel": "", "CancelRequest": "",
	} {
		if v := judgeName(name); v.Fix != fix {
			t.Errorf("%s: fix %q, want %q (%s)", name, v.Fix, fix, v.Message)
		}
	}
}

// TestLowConfidenceNote: a past form spelled like its base is accepted with
// a note, and a name that is past for sure gets none.
func TestLowConfidenceNote(t *testing.T) {
	for _, name := range []string{"PasswordReset", "MessageRead", "WeatherForecast", "ThreadBroadcast", "SensorOutput"} {
		v := judgeName(name)
		if !v.Past || !strings.Contains(v.Note, "low confidence") {
			t.Errorf("%s: want past with a low-confidence note, got past=%v note=%q", name, v.Past, v.Note)
		}
	}
	for _, name := range []string{"OrderPlaced", "UserSignedUp", "ItemMovedToFolder", "PasswordWasReset", "Reset"} {
		if v := judgeName(name); v.Note != "" {
			t.Errorf("%s: unexpected note %q", name, v.Note)
		}
	}
}

// TestEveryRulePolicy requires every rule to state its labelling policy
// with a bad and a good example, for `evctl rules explain`.
func TestEveryRulePolicy(t *testing.T) {
	for _, r := range All() {
		if !strings.Contains(r.Policy, "Bad:") || !strings.Contains(r.Policy, "Good:") {
			t.Errorf("%s: the policy needs bad and good examples: %q", r.ID, r.Policy)
		}
	}
}

// FuzzSuggestionsPass checks on any name that the past-tense and verb-last
// rules never panic and that every rename they offer is accepted by the
// rule (by both rules, for verb-last's reorderings).
func FuzzSuggestionsPass(f *testing.F) {
	for _, n := range suggestionCases {
		f.Add(n)
	}
	f.Add("AppSubscriptionsApproachingCappedAmount")
	f.Add("customer_groups/create")
	f.Add("ItemMovedToFolder")
	f.Add("UserSignedUpForTrial")
	f.Fuzz(func(t *testing.T, name string) {
		// verb-last's reorderings pass it and past-tense.
		if vl := judgeVerbLast(name); !vl.Last && vl.Fix != "" {
			if !judgeVerbLast(vl.Fix).Last || !judgeName(vl.Fix).Past {
				t.Errorf("%q: verb-last's suggestion %q is rejected by verb-last or past-tense", name, vl.Fix)
			}
		}
		v := judgeName(name)
		if v.Past || v.Fix == "" {
			return
		}
		if re := judgeName(v.Fix); !re.Past {
			t.Errorf("%q: the suggestion %q is rejected by the rule: %s", name, v.Fix, re.Message)
		}
	})
}

// renameTo is the rename a finding proposes: `rename it "x"` or
// `("x" as integer)` or `e.g. with a field "x"`.
var renameTo = regexp.MustCompile(`(?:rename it|integer minor units \(|with a field) "([^"]+)"`)

// TestFieldSuggestionsPass applies every field rename that explicit-units
// and single-entity propose on the corpus schemas, in a fresh event with
// the envelope the envelope rule proposes, and requires each rule to accept
// the result.
func TestFieldSuggestionsPass(t *testing.T) {
	applied := map[string]int{}
	for _, s := range readSchemas(t) {
		if strings.HasSuffix(s.File, ".avsc") {
			continue
		}
		for _, d := range lintCorpusSchema(t, s.File, nil) {
			if d.Rule != ExplicitUnits.ID && d.Rule != SingleEntity.ID {
				continue
			}
			m := renameTo.FindStringSubmatch(d.Message)
			if m == nil {
				continue
			}
			typ := `{"type": "integer"}`
			if d.Rule == SingleEntity.ID {
				typ = `{"type": "string"}`
				if strings.HasSuffix(m[1], "ids") || strings.HasSuffix(m[1], "Ids") {
					typ = `{"type": "array", "items": {"type": "string"}}`
				}
			}
			got := lintFields(t, map[string]string{m[1]: typ})
			for _, g := range got {
				if g.Rule == d.Rule {
					t.Errorf("%s: %s proposes %q, which it rejects: %s", s.File, d.Rule, m[1], g.Message)
				}
			}
			applied[d.Rule]++
		}
	}
	// The envelope the envelope rule proposes passes it.
	for _, d := range lintFields(t, nil) {
		t.Errorf("the proposed envelope does not pass: %s", d.Message)
	}
	if applied[ExplicitUnits.ID] == 0 || applied[SingleEntity.ID] == 0 {
		t.Errorf("no suggestion applied: %v", applied)
	}
	t.Logf("applied renames: %v", applied)
}

// lintFields lints a closed JSON Schema event OrderShipped with the
// envelope that the envelope rule proposes when it is missing, order_id,
// and the given extra fields (name → schema).
func lintFields(t *testing.T, extra map[string]string) []diag.Diagnostic {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"$schema": "http://json-schema.org/draft-07/schema#", "title": "v1.OrderShipped", "type": "object", "additionalProperties": false, "required": ["event_id", "occurred_at", "correlation_id", "order_id"], "properties": {`)
	b.WriteString(`"event_id": {"type": "string", "format": "uuid"}, "occurred_at": {"type": "string", "format": "date-time"}, "correlation_id": {"type": "string"}, "order_id": {"type": "string"}`)
	for _, name := range union(map[string]bool{}, func() map[string]bool {
		m := map[string]bool{}
		for k := range extra {
			m[k] = true
		}
		return m
	}()) {
		fmt.Fprintf(&b, ", %q: %s", name, extra[name])
	}
	b.WriteString("}}\n")
	dir := t.TempDir()
	p := filepath.Join(dir, "schemas", "v1", "OrderShipped.json")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := schema.Load([]string{filepath.Join(dir, "schemas")}, schema.LoadOptions{})
	if err != nil || len(cat.Errors) > 0 {
		t.Fatalf("load: %v %v", err, cat.Errors)
	}
	return Run(cat, config.Default())
}

// TestCorpusVerbLast measures the optional verb-last rule on the past
// names of the corpus (names.tsv's "ok" labels): testdata/corpus/
// verb-last.tsv lists, by hand, those whose past verb is followed by more
// words and the reordering the policy asks for. Every reordering offered
// passes both verb-last and past-tense.
func TestCorpusVerbLast(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "corpus", "verb-last.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 3 {
			t.Fatalf("verb-last.tsv:%d: want name, publisher, expected rename: %q", i+1, line)
		}
		want[c[0]+" "+c[1]] = c[2]
	}
	var s score
	items, offered := 0, 0
	for _, n := range readNames(t) {
		if n.Label != "ok" {
			continue
		}
		items++
		fix, labelled := want[n.Name+" "+n.Publisher]
		v := judgeVerbLast(n.Name)
		s.add(fmt.Sprintf("%s (%s %s)", n.Name, n.Publisher, n.Original), labelled, !v.Last)
		if v.Last {
			continue
		}
		if labelled && v.Fix != fix {
			t.Errorf("%s: verb-last proposes %q, want %q", n.Name, v.Fix, fix)
		}
		if v.Fix == "" {
			continue
		}
		offered++
		if !judgeVerbLast(v.Fix).Last {
			t.Errorf("%s: verb-last rejects its own suggestion %q", n.Name, v.Fix)
		}
		if pt := judgeName(v.Fix); !pt.Past {
			t.Errorf("%s: past-tense rejects verb-last's suggestion %q: %s", n.Name, v.Fix, pt.Message)
		}
	}
	t.Logf("verb-last: %d findings on %d past names, %d with a reordering that both rules accept", s.tp+s.fp, items, offered)
	s.check(t, "verb-last", items)
}

// TestVerbLastExamples pins the readings verb-last's policy names.
func TestVerbLastExamples(t *testing.T) {
	for name, fix := range map[string]string{
		"ItemMovedToFolder": "ItemToFolderMoved", "MemberJoinedChannel": "MemberChannelJoined",
		"CheckRunRequestedAction": "CheckRunActionRequested", "UserSignedUpForTrial": "UserForTrialSignedUp",
		"OrderPlacedOnHold": "OrderOnHoldPlaced", "SubscriptionDeletedEvent": "SubscriptionDeleted",
	} {
		v := judgeVerbLast(name)
		if v.Last || v.Fix != fix {
			t.Errorf("%s: fix %q, want %q (%s)", name, v.Fix, fix, v.Message)
		}
	}
	for _, name := range []string{"OrderPlaced", "UserSignedUp", "ItemToFolderMoved", "PasswordReset", "PlaceOrder", "Created", "CartCheckedOut"} {
		if v := judgeVerbLast(name); !v.Last {
			t.Errorf("%s: want accepted, got: %s", name, v.Message)
		}
	}
}
