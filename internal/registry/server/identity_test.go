package server

import "testing"

// TestAvroPrimitiveSpellingsShareAnID: {"type":"string"} and "string" are
// the same Avro schema (Java's Schema.toString writes both as "string"), so
// they get one id and one version; a default that looks like a schema is
// data and stays distinct.
func TestAvroPrimitiveSpellingsShareAnID(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	a := ts.register(t, "prims", reg(`"string"`))
	b := ts.register(t, "prims", reg(`{"type": "string"}`))
	if a != b {
		t.Errorf(`"string" got id %d, {"type":"string"} got id %d; want one id`, a, b)
	}
	r1 := ts.register(t, "recs", reg(`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"int"}}]}`))
	r2 := ts.register(t, "recs", reg(`{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`))
	if r1 != r2 {
		t.Errorf("nested primitive spellings got ids %d and %d; want one id", r1, r2)
	}
	m1 := ts.register(t, "maps", reg(`{"type":"record","name":"M","fields":[{"name":"m","type":{"type":"map","values":"string"},"default":{"type":"int"}}]}`))
	m2 := ts.register(t, "maps2", reg(`{"type":"record","name":"M","fields":[{"name":"m","type":{"type":"map","values":"string"},"default":{"type":"long"}}]}`))
	if m1 == m2 {
		t.Errorf("different map defaults share id %d", m1)
	}
}
