package lint

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// cdeventsCatalog is the CDEvents catalog the end-to-end tests use (events
// with a CloudEvents-shaped context object, $ref-ing shared link files).
var cdeventsCatalog = filepath.Join("..", "..", "cmd", "evctl", "testdata", "catalogs", "cdevents", "schemas")

// envelopeCatalogs are the publishers whose events are linted as a whole
// catalog (their events $ref shared files), by the directory of their
// schemas; envelope.tsv names their events <publisher>/<path under it>.
// Wikimedia's events take their envelope (meta) from shared fragment files
// through allOf and $refs by $id.
// A catalog is loaded as evctl loads it: from its directory, with its
// schema root "schemas" (so Wikimedia's two v1.create are in different
// domains).
var envelopeCatalogs = map[string]struct{ dir, under string }{
	"cdevents":  {filepath.Dir(cdeventsCatalog), "schemas/v1"},
	"wikimedia": {filepath.Join("..", "..", "cmd", "evctl", "testdata", "catalogs", "wikimedia"), "schemas"},
}

// envelopeKeys are the envelope fields in the order of envelope.tsv.
var envelopeKeys = []string{"event_id", "occurred_at", "correlation_id"}

// envelopeField is the field an envelope finding is about: `missing
// envelope field "x"`, `envelope field "x" must be ...`.
var envelopeFieldRE = regexp.MustCompile(`envelope field "([^"]+)"`)

// envelopePublisherConfig reads testdata/corpus/envelope/<publisher>.yaml,
// checked as evctl checks evctl.yaml.
func envelopePublisherConfig(t *testing.T, publisher string) *config.Config {
	t.Helper()
	path := filepath.Join("testdata", "corpus", "envelope", publisher+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// envelopeGot maps an event's envelope findings to the configured keys
// they are about.
func envelopeGot(t *testing.T, file string, ds []diag.Diagnostic, cfg *config.Config) map[string]bool {
	t.Helper()
	names := map[string]string{}
	for i, path := range []string{cfg.Lint.Envelope.EventID, cfg.Lint.Envelope.OccurredAt, cfg.Lint.Envelope.CorrelationID} {
		names[path] = envelopeKeys[i]
		names[camelOf(path)] = envelopeKeys[i]
		segs := strings.Split(path, ".")
		names[segs[len(segs)-1]] = envelopeKeys[i]
	}
	got := map[string]bool{}
	for _, d := range ds {
		if d.Rule != Envelope.ID {
			continue
		}
		if strings.Contains(d.Message, "not a record or object") {
			for _, k := range envelopeKeys {
				got[k] = true
			}
			continue
		}
		m := envelopeFieldRE.FindStringSubmatch(d.Message)
		if m == nil || names[m[1]] == "" {
			t.Errorf("%s: envelope finding names no configured field: %s", file, d.Message)
			continue
		}
		got[names[m[1]]] = true
	}
	return got
}

// TestCorpusEnvelope measures the envelope rule per envelope field of each
// payload schema, with the envelope names each publisher's team would
// configure (testdata/corpus/envelope/<publisher>.yaml): the corpus
// schemas and the CDEvents catalog, whose envelope is nested in "context".
func TestCorpusEnvelope(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "corpus", "envelope.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	cfgs := map[string]*config.Config{}
	catalogs := map[string]map[string][]diag.Diagnostic{}
	var s score
	items, schemas := 0, 0
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 6 {
			t.Fatalf("envelope.tsv:%d: want file, publisher, event_id, occurred_at, correlation_id, reason: %q", i+1, line)
		}
		file, publisher := c[0], c[1]
		cfg := cfgs[publisher]
		if cfg == nil {
			cfg = envelopePublisherConfig(t, publisher)
			cfgs[publisher] = cfg
		}
		var ds []diag.Diagnostic
		if where, ok := envelopeCatalogs[publisher]; ok {
			dir := filepath.Join(where.dir, filepath.FromSlash(where.under))
			if catalogs[publisher] == nil {
				catalogs[publisher] = lintCatalogByFile(t, where.dir, where.under, cfg)
			}
			rel := strings.TrimPrefix(file, publisher+"/")
			if ds, ok = catalogs[publisher][rel]; !ok {
				if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
					t.Fatalf("envelope.tsv:%d: %v", i+1, err)
				}
			}
		} else {
			ds = lintCorpusSchema(t, file, cfg)
		}
		schemas++
		got := envelopeGot(t, file, ds, cfg)
		for j, k := range envelopeKeys {
			if c[2+j] != "violation" && c[2+j] != "ok" {
				t.Fatalf("envelope.tsv:%d: label %q (want violation or ok)", i+1, c[2+j])
			}
			items++
			s.add(file+" "+k, c[2+j] == "violation", got[k])
		}
	}
	if schemas < 128 {
		t.Errorf("envelope labels cover %d schemas; want every corpus schema", schemas)
	}
	t.Logf("envelope: %d schemas from %d publishers", schemas, len(cfgs))
	s.check(t, "envelope", items)
}

// lintCatalogByFile lints the catalog in dir (schema root "schemas") with
// cfg and groups the findings by the path of their file under under.
func lintCatalogByFile(t *testing.T, dir, under string, cfg *config.Config) map[string][]diag.Diagnostic {
	t.Helper()
	cat, err := schema.Load([]string{"schemas"}, schema.LoadOptions{Dir: dir, Roots: []string{"schemas"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Errors {
		t.Errorf("%s does not load: %v", dir, e)
	}
	rel := func(p string) string {
		r, err := filepath.Rel(filepath.FromSlash(under), filepath.FromSlash(p))
		if err != nil {
			t.Fatal(err)
		}
		return filepath.ToSlash(r)
	}
	out := map[string][]diag.Diagnostic{}
	for _, e := range cat.Events {
		out[rel(e.Path)] = nil
	}
	for _, d := range Run(cat, cfg) {
		out[rel(d.File)] = append(out[rel(d.File)], d)
	}
	return out
}
