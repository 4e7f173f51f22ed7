package server

import (
	"fmt"
	"strings"
	"testing"
)

// TestLookupAnswersFollowWrites: a lookup answered once (and cached) gives
// the new answer after every kind of write: a new version that holds the
// schema with another contract, a soft delete, a hard delete, a
// re-registration; lookups of other subjects and with other parameters
// are not confused with it.
func TestLookupAnswersFollowWrites(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	id1 := ts.register(t, "orders", reg(orderV1))
	look := func(subject, query string) resp {
		return ts.do(t, "POST", "/subjects/"+subject+query, reg(orderV1))
	}
	for range 2 { // the second is answered from the cache
		r := look("orders", "")
		var got struct {
			Subject     string
			Version, ID int64
		}
		r.json(t, &got)
		if r.status != 200 || got.Subject != "orders" || got.Version != 1 || got.ID != id1 {
			t.Fatalf("lookup: %d %s, want orders version 1 id %d", r.status, r.body, id1)
		}
	}
	wantErr(t, look("payments", ""), 404, 40401)
	// v2, then the same schema again with metadata: v3 holds it too, and
	// the lookup (without a contract) prefers the latest.
	ts.register(t, "orders", reg(orderV2))
	ts.register(t, "orders", reg(orderV1, "metadata", map[string]any{"properties": map[string]string{"owner": "team-a"}}))
	r := look("orders", "")
	if r.status != 200 || !strings.Contains(string(r.body), `"version":3`) {
		t.Fatalf("after v3: %d %s, want version 3", r.status, r.body)
	}
	if r := ts.do(t, "DELETE", "/subjects/orders/versions/3", nil); r.status != 200 {
		t.Fatalf("soft delete: %d %s", r.status, r.body)
	}
	// v3 is soft-deleted: the live v1 holds the schema again.
	if r := look("orders", ""); r.status != 200 || !strings.Contains(string(r.body), `"version":1`) {
		t.Fatalf("after the soft delete of v3: %d %s, want version 1", r.status, r.body)
	}
	// ?deleted=true is another request: it still prefers the live v1.
	if r := look("orders", "?deleted=true"); r.status != 200 || !strings.Contains(string(r.body), `"version":1`) {
		t.Fatalf("deleted=true: %d %s, want version 1", r.status, r.body)
	}
	for _, v := range []string{"1", "2"} {
		if r := ts.do(t, "DELETE", "/subjects/orders/versions/"+v, nil); r.status != 200 {
			t.Fatalf("soft delete v%s: %d %s", v, r.status, r.body)
		}
	}
	wantErr(t, look("orders", ""), 404, 40401)
	if r := look("orders", "?deleted=true"); r.status != 200 || !strings.Contains(string(r.body), `"version":3`) {
		t.Fatalf("deleted=true after deleting every version: %d %s, want the latest soft-deleted version holding it, 3", r.status, r.body)
	}
	// Re-registered: a new version 4 holds it.
	ts.register(t, "orders", reg(orderV1))
	if r := look("orders", ""); r.status != 200 || !strings.Contains(string(r.body), `"version":4`) {
		t.Fatalf("after re-registration: %d %s, want version 4", r.status, r.body)
	}
}

// TestConfigAnswersFollowWrites: a config read answered once (and cached)
// gives the new level after a PUT and a DELETE of the subject's config and
// of the global one; the subject's and the global answers stay apart.
func TestConfigAnswersFollowWrites(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	level := func(path string) string {
		r := ts.do(t, "GET", path, nil)
		var got struct{ CompatibilityLevel string }
		if r.status == 200 {
			r.json(t, &got)
			return got.CompatibilityLevel
		}
		return fmt.Sprint(r.status)
	}
	put := func(path, lvl string) {
		if r := ts.do(t, "PUT", path, map[string]string{"compatibility": lvl}); r.status != 200 {
			t.Fatalf("PUT %s: %d %s", path, r.status, r.body)
		}
	}
	steps := []struct {
		do         func()
		subj, glob string
	}{
		{func() {}, "404", "BACKWARD"},
		{func() { put("/config/orders", "FULL") }, "FULL", "BACKWARD"},
		{func() { put("/config", "NONE") }, "FULL", "NONE"},
		{func() { put("/config/orders", "FORWARD") }, "FORWARD", "NONE"},
		{func() { ts.do(t, "DELETE", "/config/orders", nil) }, "404", "NONE"},
	}
	for i, st := range steps {
		st.do()
		for range 2 { // the second is answered from the cache
			if got := level("/config/orders"); got != st.subj {
				t.Errorf("step %d: subject level %s, want %s", i, got, st.subj)
			}
			if got := level("/config"); got != st.glob {
				t.Errorf("step %d: global level %s, want %s", i, got, st.glob)
			}
		}
	}
	if got := level("/config/orders?defaultToGlobal=true"); got != "NONE" {
		t.Errorf("defaultToGlobal: %s, want the global NONE", got)
	}
}

// TestRegCacheBounds: the kept answers are bounded in bytes (a lookup's
// answer holds the schema text), and a write empties them.
func TestRegCacheBounds(t *testing.T) {
	c := regCache{m: map[[32]byte][]byte{}}
	big := make([]byte, maxCachedAnswerBytes/4+1)
	for i := range 5 {
		key, gen, _ := c.get(cacheLookup, fmt.Sprint(i), "", nil)
		c.put(key, gen, big)
	}
	if len(c.m) != 3 || c.bytes > maxCachedAnswerBytes {
		t.Fatalf("%d answers, %d bytes kept: want 3, at most %d bytes", len(c.m), c.bytes, maxCachedAnswerBytes)
	}
	c.invalidate()
	if len(c.m) != 0 || c.bytes != 0 {
		t.Fatalf("after a write: %d answers, %d bytes", len(c.m), c.bytes)
	}
	key, gen, _ := c.get(cacheLookup, "x", "", nil)
	c.put(key, gen, big)
	if len(c.m) != 1 {
		t.Fatalf("after a write, an answer is not kept again")
	}
}
