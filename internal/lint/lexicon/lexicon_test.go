package lexicon

import (
	"strings"
	"testing"
)

func TestPastForm(t *testing.T) {
	accepted := map[string]string{
		"Placed": "place", "Failed": "fail", "Sent": "send", "Paid": "pay",
		"Frozen": "freeze", "Held": "hold", "Read": "read", "Reset": "reset",
		"Withdrawn": "withdraw", "Signed": "sign", "Checked": "check",
		"Printed": "print", "Stopped": "stop", "Committed": "commit",
		"Applied": "apply", "Played": "play", "Created": "create",
		"Put": "put", "Cut": "cut", "Putted": "putt", "Panicked": "panic", "Traveled": "travel",
		"Travelled": "travel", "Corrected": "correct", "Shipped": "ship",
		"Captured": "capture", "Refunded": "refund", "Learned": "learn",
		"Learnt": "learn", "Written": "write", "Went": "go", "Tied": "tie",
		"Fed": "feed", "Bled": "bleed", "Sped": "speed", "Embedded": "embed",
		"Needed": "need", "Seeded": "seed",
		// Prefixed forms WordNet does not list.
		"Unassigned": "unassign", "Reindexed": "reindex", "Deprovisioned": "deprovision",
		"Offboarded": "offboard", "Unfollowed": "unfollow", "Preordered": "preorder",
		// British spellings.
		"Authorised": "authorise", "Tokenised": "tokenize", "Deduplicated": "deduplicate",
		// Verbs added to WordNet's by the generator.
		"Upserted": "upsert", "Errored": "error", "Geocoded": "geocode", "Texted": "text",
	}
	for w, want := range accepted {
		got, ok := PastForm(w)
		if !ok || got != want {
			t.Errorf("PastForm(%q) = %q, %v; want %q, true", w, got, ok, want)
		}
	}
	rejected := []string{
		"Feed", "Seed", "Speed", "Embed", "Need", "Bleed", "Weed", "Breed",
		"Place", "Places", "Placing", "Placement", "Event", "Order", "Send",
		"Sended", "Payed", "Freezed", "Holded", "Commited", "Stoped",
		"Paniced", "Readed", "Cutted", "Signing", "Rent", "",
		// Prefixes do not make base forms or same-form pasts acceptable.
		"Reseed", "Overfeed", "Subset", "Onset", "Outfit", "Deed", "Proceed", "Indeed",
	}
	for _, w := range rejected {
		if base, ok := PastForm(w); ok {
			t.Errorf("PastForm(%q) = %q, true; want not a past form", w, base)
		}
	}
}

func TestIsBase(t *testing.T) {
	for _, w := range []string{"place", "Send", "feed", "seed", "speed", "embed", "need", "read", "mope", "sign", "check"} {
		if !IsBase(w) {
			t.Errorf("IsBase(%q) = false, want true", w)
		}
	}
	for _, w := range []string{"placed", "sent", "placement", "news", "event", ""} {
		if IsBase(w) {
			t.Errorf("IsBase(%q) = true, want false", w)
		}
	}
}

func TestPastOf(t *testing.T) {
	for base, want := range map[string]string{
		"place": "placed", "Send": "sent", "create": "created", "freeze": "frozen",
		"withdraw": "withdrawn", "stop": "stopped", "apply": "applied",
		"read": "read", "write": "written", "commit": "committed", "mope": "", "order": "ordered",
		"placement": "",
	} {
		if got := PastOf(base); got != want {
			t.Errorf("PastOf(%q) = %q, want %q", base, got, want)
		}
	}
}

func TestLemma(t *testing.T) {
	for w, want := range map[string]string{
		"places": "place", "Signing": "sign", "placing": "place", "stopping": "stop",
		"applies": "apply", "fixes": "fix", "checking": "check", "tying": "tie",
		"panicking": "panic", "sends": "send",
	} {
		if got, ok := Lemma(w); !ok || got != want {
			t.Errorf("Lemma(%q) = %q, %v; want %q", w, got, ok, want)
		}
	}
	for _, w := range []string{"placed", "order", "news", "class", ""} {
		if got, ok := Lemma(w); ok {
			t.Errorf("Lemma(%q) = %q, true; want false", w, got)
		}
	}
}

// TestDataFormat checks the embedded file: sorted, unique bases, lowercase
// words, and every past form spelled with letters only.
func TestDataFormat(t *testing.T) {
	prev := ""
	n := 0
	for line := range strings.Lines(data) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, " ")
		for _, f := range fields {
			if f == "" || strings.Trim(f, "abcdefghijklmnopqrstuvwxyz") != "" {
				t.Fatalf("line %q: bad word %q", line, f)
			}
		}
		if fields[0] <= prev {
			t.Fatalf("line %q: base %q not after %q", line, fields[0], prev)
		}
		prev = fields[0]
		n++
	}
	if n < 5000 {
		t.Errorf("lexicon has %d base verbs, want a real lexicon (> 5000)", n)
	}
}

// TestNounsAsVerbs covers the -ed forms of nouns used as verbs, prefixes
// over them, and words that are nouns themselves and must not be split.
func TestNounsAsVerbs(t *testing.T) {
	for word, base := range map[string]string{
		"Triaged": "triage", "Watermarked": "watermark", "Milestoned": "milestone",
		"Demilestoned": "demilestone", "Enqueued": "enqueue", "Requeued": "requeue",
	} {
		if got, ok := PastForm(word); !ok || got != base {
			t.Errorf("PastForm(%q) = %q, %v; want %q", word, got, ok, base)
		}
	}
	for _, word := range []string{"Background", "Hundred", "Sacred", "Feed", "Seed", "Embed", "Speed", "Heartbeat", "Telemetry"} {
		if got, ok := PastForm(word); ok {
			t.Errorf("PastForm(%q) = %q, want not a past form", word, got)
		}
	}
	for word, want := range map[string]bool{"milestone": true, "Heartbeat": true, "telemetry": true, "create": false, "zzzz": false} {
		if got := IsNoun(word); got != want {
			t.Errorf("IsNoun(%q) = %v, want %v", word, got, want)
		}
	}
}

// TestNounDataFormat checks nouns.txt is sorted lowercase words, as the
// binary search in IsNoun needs.
func TestNounDataFormat(t *testing.T) {
	ns := nouns()
	if len(ns) < 40000 {
		t.Fatalf("noun list has %d words, want a real list (> 40000)", len(ns))
	}
	for i, n := range ns {
		if strings.Trim(n, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("bad noun %q", n)
		}
		if i > 0 && n <= ns[i-1] {
			t.Fatalf("%q not after %q", n, ns[i-1])
		}
		if IsBase(n) {
			t.Fatalf("%q is a base verb; verbs.txt has it", n)
		}
	}
}
