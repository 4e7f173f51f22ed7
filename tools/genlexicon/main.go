// Command genlexicon generates the verb lexicon that the past-tense lint rule
// embeds (internal/lint/lexicon/verbs.txt) from WordNet 3.0's verb index and
// its list of irregular verb forms, and the noun list beside it
// (internal/lint/lexicon/nouns.txt: the single-word nouns of index.noun that
// are not base verbs), which tells nouns used as verbs (triaged) and nouns
// that must not be split at a prefix (background) from other words.
//
// Usage (needs Debian's wordnet-base package, which installs the dictionary
// under /usr/share/wordnet):
//
//	go run ./tools/genlexicon
//	go run ./tools/genlexicon -wordnet /usr/share/wordnet -o internal/lint/lexicon/verbs.txt
//
// The output has one line per base verb: the base, then its past-tense and
// past-participle forms, the preferred one (the one suggested in fixes) first:
//
//	place placed
//	freeze frozen froze
//	mope
//
// (a base verb alone on its line has no form that is accepted as past).
//
// How the forms are derived:
//
//   - Base verbs are the single-word lemmas of index.verb.
//   - verb.exc lists WordNet's exceptions: irregular forms (sent, frozen)
//     and the regular forms its suffix rules cannot derive (stopped,
//     committed, panicked). Present forms (-s, -ing) and the forms of "be"
//     other than was, were and been are skipped.
//   - Every other verb gets its regular form by English spelling rules:
//     e → ed (place → placed), consonant + y → ied (apply → applied), a
//     monosyllable ending consonant-vowel-consonant doubles the consonant
//     (stop → stopped), otherwise + ed.
//   - A verb with an irregular form in verb.exc (send → sent) gets no
//     regular form (no "sended"), unless it is in dualVerbs (learned and
//     learnt are both English).
//   - When verb.exc spells the regular form differently (commit →
//     committed, panic → panicked), the rule's spelling is not generated,
//     except for verbs ending in l or s where both spellings are in use
//     (traveled and travelled, focused and focussed).
//   - identityPast lists verbs whose past form is the base itself (read,
//     reset, put), which WordNet does not record.
//   - A generated regular form that is itself a different base verb is
//     dropped: fee → "feed" and wee → "weed" would otherwise make the verbs
//     feed and weed look like past forms.
//   - extraVerbs adds a few verbs of software and commerce that WordNet
//     3.0 does not know (upsert, geocode, onboard).
//   - notPast removes words that must never be taken for past forms.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// dualVerbs have both a regular and an irregular past form in common use.
var dualVerbs = []string{
	"broadcast", "burn", "dive", "dream", "dwell", "fit", "forecast",
	"hang", "input", "kneel", "knit", "lean", "leap", "learn", "lie", "light", "mow",
	"output", "prove", "quit", "saw", "sew", "shave", "shear", "shine", "show",
	"smell", "sow", "speed", "spell", "spill", "spit", "spoil", "strew",
	"strive", "swell", "thrive", "wake", "weave", "wet",
}

// identityPast are verbs whose past tense or participle is the base itself.
var identityPast = []string{
	"beset", "bet", "bid", "broadcast", "burst", "cast", "cost", "cut",
	"fit", "forecast", "hit", "hurt", "input", "knit", "let", "miscast",
	"misread", "offset", "output", "overcast", "preset", "proofread", "put",
	"quit", "read", "recast", "reread", "reset", "rid", "set", "shed",
	"shut", "simulcast", "slit", "split", "spread", "sublet", "telecast",
	"thrust", "typeset", "undercut", "upset", "webcast", "wed", "wet",
}

// extraVerbs are verbs of software and commerce that WordNet 3.0 (2006)
// does not list; they get regular past forms (errored, upserted).
var extraVerbs = []string{
	"allowlist", "autoscale", "blocklist", "chargeback", "dedupe", "deduplicate",
	"denylist", "detokenize", "error", "geocode", "geofence", "offboard",
	"onboard", "reindex", "text", "tokenize", "upsert",
}

// notPast are words never accepted as past forms: they are base verbs or
// nouns that a spelling rule or WordNet would otherwise let through.
var notPast = []string{
	// Base verbs and nouns a rule or verb.exc would turn into past forms.
	"bed", "bleed", "breed", "creed", "deed", "embed", "feed", "greed",
	"heed", "need", "red", "reed", "seed", "shred", "sled", "speed",
	"steed", "tweed", "weed",
	// Archaic or rare past forms that read as nouns in event names.
	"abye", "clove", "gelt", "moped", "overlay", "rent", "rove", "slew",
	"smelt", "stove", "underlay", "worsted",
}

var verbose bool

func main() {
	flag.BoolVar(&verbose, "v", false, "list the dropped ambiguous forms on stderr")
	dir := flag.String("wordnet", "/usr/share/wordnet", "WordNet dictionary directory (holds index.verb and verb.exc)")
	out := flag.String("o", "internal/lint/lexicon/verbs.txt", "output file")
	nounsOut := flag.String("nouns", "", "also write the noun list to this file (default: nouns.txt beside -o)")
	flag.Parse()
	if *nounsOut == "" {
		*nounsOut = filepath.Join(filepath.Dir(*out), "nouns.txt")
	}
	if err := run(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genlexicon:", err)
		os.Exit(1)
	}
	if err := runNouns(*dir, *out, *nounsOut); err != nil {
		fmt.Fprintln(os.Stderr, "genlexicon:", err)
		os.Exit(1)
	}
}

// runNouns writes the single-word, lowercase, alphabetic nouns of
// index.noun that are at least three letters long and are not base verbs
// (those are in verbs.txt already), sorted, one a line.
func runNouns(dir, verbsFile, out string) error {
	idx, err := os.Open(filepath.Join(dir, "index.noun"))
	if err != nil {
		return fmt.Errorf("open noun index: %w", err)
	}
	defer idx.Close()
	nouns, err := readIndex(idx)
	if err != nil {
		return fmt.Errorf("read %s: %w", idx.Name(), err)
	}
	verbs, err := os.ReadFile(verbsFile)
	if err != nil {
		return fmt.Errorf("read verbs: %w", err)
	}
	for line := range strings.Lines(string(verbs)) {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			delete(nouns, f[0])
		}
	}
	list := make([]string, 0, len(nouns))
	for n := range nouns {
		if len(n) >= 3 && n == strings.ToLower(n) {
			list = append(list, n)
		}
	}
	sort.Strings(list)
	var buf bytes.Buffer
	buf.WriteString("# Code generated by tools/genlexicon from WordNet 3.0 (index.noun); DO NOT EDIT.\n")
	buf.WriteString("# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. See LICENSES/WORDNET.\n")
	buf.WriteString("# Single-word nouns that are not base verbs, sorted.\n")
	for _, n := range list {
		buf.WriteString(n)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write nouns: %w", err)
	}
	return nil
}

func run(dir, out string) error {
	idx, err := os.Open(filepath.Join(dir, "index.verb"))
	if err != nil {
		return fmt.Errorf("open verb index: %w", err)
	}
	defer idx.Close()
	bases, err := readIndex(idx)
	if err != nil {
		return fmt.Errorf("read %s: %w", idx.Name(), err)
	}
	for _, v := range extraVerbs {
		bases[v] = true
	}
	exc, err := os.Open(filepath.Join(dir, "verb.exc"))
	if err != nil {
		return fmt.Errorf("open verb exceptions: %w", err)
	}
	defer exc.Close()
	excForms, err := readExc(exc, bases)
	if err != nil {
		return fmt.Errorf("read %s: %w", exc.Name(), err)
	}
	lex := build(bases, excForms)
	var buf bytes.Buffer
	write(&buf, lex)
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write lexicon: %w", err)
	}
	return nil
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// readIndex returns the single-word lemmas of index.verb.
func readIndex(r io.Reader) (map[string]bool, error) {
	bases := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == ' ' {
			continue // licence header
		}
		lemma, _, _ := strings.Cut(line, " ")
		if isWord(lemma) {
			bases[lemma] = true
		}
	}
	return bases, sc.Err()
}

// readExc returns, for each base verb, its past forms listed in verb.exc,
// in file order.
func readExc(r io.Reader, bases map[string]bool) (map[string][]string, error) {
	out := map[string][]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || !isWord(fields[0]) {
			continue
		}
		form := fields[0]
		for _, base := range fields[1:] {
			if !isWord(base) || !bases[base] || !pastLike(form, base) {
				continue
			}
			out[base] = appendUnique(out[base], form)
		}
	}
	return out, sc.Err()
}

// pastLike reports whether an exception form of base is a past form rather
// than a present one (-s, -ing, am, is, are).
func pastLike(form, base string) bool {
	if base == "be" {
		return form == "was" || form == "were" || form == "been"
	}
	if strings.HasSuffix(form, "ing") || strings.HasSuffix(form, "s") {
		return false
	}
	return form != base
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func isVowel(b byte) bool { return strings.IndexByte("aeiou", b) >= 0 }

// syllables counts vowel groups, treating y after a consonant as a vowel.
func syllables(w string) int {
	n := 0
	prev := false
	for i := 0; i < len(w); i++ {
		v := isVowel(w[i]) || (w[i] == 'y' && i > 0 && !isVowel(w[i-1]))
		if w[i] == 'u' && i > 0 && w[i-1] == 'q' {
			v = false
		}
		if v && !prev {
			n++
		}
		prev = v
	}
	return n
}

// regularPast applies English spelling rules to make the -ed form.
func regularPast(b string) string {
	n := len(b)
	last := b[n-1]
	switch {
	case last == 'e':
		return b + "d"
	case last == 'y' && n > 1 && !isVowel(b[n-2]):
		return b[:n-1] + "ied"
	case n >= 3 && syllables(b) == 1 && !isVowel(last) && !strings.ContainsRune("wxy", rune(last)) &&
		isVowel(b[n-2]) && (!isVowel(b[n-3]) || (b[n-3] == 'u' && n >= 4 && b[n-4] == 'q')):
		return b + string(last) + "ed"
	}
	return b + "ed"
}

// stem is the base without the letter a regular ending replaces.
func stem(b string) string {
	if strings.HasSuffix(b, "e") || strings.HasSuffix(b, "y") {
		return b[:len(b)-1]
	}
	return b
}

// regularish reports whether an exception form is a spelling variant of
// the regular -ed form (stopped, committed, panicked) rather than an
// irregular form (sent, fed, paid).
func regularish(form, base string) bool {
	return strings.HasSuffix(form, "ed") && strings.HasPrefix(form, stem(base)) && len(form) > len(base)
}

// participleLike ranks forms that read well as event names first
// (frozen before froze, sung before sang).
func participleLike(form string) bool {
	for _, suf := range []string{"en", "wn", "ne", "un", "rn", "ung", "unk", "ain"} {
		if strings.HasSuffix(form, suf) {
			return true
		}
	}
	return false
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// build derives each base verb's past forms, preferred first.
func build(bases map[string]bool, exc map[string][]string) map[string][]string {
	dual, ident, deny := set(dualVerbs), set(identityPast), set(notPast)
	lex := map[string][]string{}
	for b := range bases {
		var irregular, variants []string
		for _, f := range exc[b] {
			if regularish(f, b) {
				variants = append(variants, f)
			} else {
				irregular = append(irregular, f)
			}
		}
		var forms []string
		reg := regularPast(b)
		useRule := (len(irregular) == 0 && !ident[b]) || dual[b]
		if last := b[len(b)-1]; len(variants) > 0 && last != 'l' && last != 's' && !contains(variants, reg) {
			useRule = false
		}
		// A rule-made form that spells another verb's base is ambiguous.
		if useRule && bases[reg] && reg != b && !contains(exc[b], reg) {
			if verbose {
				fmt.Fprintf(os.Stderr, "dropped %q (%s + ed): it is a base verb\n", reg, b)
			}
			useRule = false
		}
		sort.SliceStable(irregular, func(i, j int) bool {
			return participleLike(irregular[i]) && !participleLike(irregular[j])
		})
		if ident[b] {
			forms = append(forms, b)
		}
		if len(irregular) > 0 && !dual[b] {
			forms = append(forms, irregular...)
			forms = append(forms, variants...)
		} else {
			last := b[len(b)-1]
			if useRule && (last == 'l' || last == 's' || len(variants) == 0) {
				forms = append(forms, reg)
			}
			forms = append(forms, variants...)
			if useRule {
				forms = append(forms, reg)
			}
			forms = append(forms, irregular...)
		}
		var kept []string
		for _, f := range forms {
			if !deny[f] {
				kept = appendUnique(kept, f)
			}
		}
		lex[b] = kept // a base with no past form still counts as a verb
	}
	return lex
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func write(w *bytes.Buffer, lex map[string][]string) {
	keys := make([]string, 0, len(lex))
	for b := range lex {
		keys = append(keys, b)
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "# Code generated by tools/genlexicon from WordNet 3.0 (index.verb, verb.exc); DO NOT EDIT.")
	fmt.Fprintln(w, "# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. See LICENSES/WORDNET.")
	fmt.Fprintln(w, "# Each line: a base verb, then its past forms, the preferred one first.")
	for _, b := range keys {
		fmt.Fprintln(w, strings.Join(append([]string{b}, lex[b]...), " "))
	}
}
