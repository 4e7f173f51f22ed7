package lint

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
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
	names = append(names, suggestionCases...)
	offered, total := 0, 0
	for _, name := range names {
		v := judgeName(name)
		if v.Past {
			continue
		}
		total++
		if v.Fix == "" {
			continue
		}
		offered++
		if re := judgeName(v.Fix); !re.Past {
			t.Errorf("%s: the suggestion %q is rejected by the rule: %s", name, v.Fix, re.Message)
		}
		if !strings.Contains(v.Message, fmt.Sprintf("%q", v.Fix)) {
			t.Errorf("%s: the message does not offer the fix %q: %s", name, v.Fix, v.Message)
		}
	}
	t.Logf("past-tense: %d of %d findings offer a rename, and the rule accepts every one", offered, total)
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
