package server

import (
	"fmt"
	"testing"
)

// offset and limit on the list endpoints the other tests do not page:
// /schemas/ids/{id}/versions, /schemas/ids/{id}/subjects and
// /subjects/{s}/versions/{v}/referencedby.
func TestPagingOfIDAndReferenceLists(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	for _, s := range []string{"a", "b", "c"} {
		ts.register(t, s, reg(orderV1))
	}
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1/versions", nil), `[{"subject":"a","version":1},{"subject":"b","version":1},{"subject":"c","version":1}]`)
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1/versions?offset=1&limit=1", nil), `[{"subject":"b","version":1}]`)
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1/versions?offset=2&limit=0", nil), `[{"subject":"c","version":1}]`)
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1/subjects?offset=1&limit=1", nil), `["b"]`)
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1/subjects?offset=3", nil), `[]`)

	ts.register(t, "addr", reg(addressV1))
	refs := []map[string]any{{"name": "com.acme.Address", "subject": "addr", "version": 1}}
	var ids []int64
	for _, s := range []string{"r1", "r2", "r3"} {
		ids = append(ids, ts.register(t, s, reg(customerRef, "references", refs)))
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		// One schema in three subjects: one id.
		t.Fatalf("ids %v", ids)
	}
	ts.register(t, "r4", reg(`{"type":"record","name":"Customer2","namespace":"com.acme","fields":[{"name":"addr","type":"com.acme.Address"}]}`, "references", refs))
	wantOK(t, ts.do(t, "GET", "/subjects/addr/versions/1/referencedby", nil), fmt.Sprintf(`[%d,%d]`, ids[0], ids[0]+1))
	wantOK(t, ts.do(t, "GET", "/subjects/addr/versions/1/referencedby?offset=1&limit=1", nil), fmt.Sprintf(`[%d]`, ids[0]+1))
	wantOK(t, ts.do(t, "GET", "/subjects/addr/versions/1/referencedby?limit=1", nil), fmt.Sprintf(`[%d]`, ids[0]))
	wantErr(t, ts.do(t, "GET", "/subjects/addr/versions/1/referencedby?offset=-1", nil), 400, 400)
}

// ?referenceFormat=qualified writes a bare reference subject of a schema
// read in another context with that context, as Confluent does; in the
// default context, and without it, references are as registered.
func TestReferenceFormatQualified(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, ":.ctx1:addr", reg(addressV1))
	ts.register(t, ":.ctx1:other", reg(`{"type":"record","name":"Zip","namespace":"com.acme","fields":[{"name":"z","type":"string"}]}`))
	refs := []map[string]any{{"name": "com.acme.Address", "subject": "addr", "version": 1}}
	custID := ts.register(t, ":.ctx1:cust", reg(customerRef, "references", refs))
	bare := `[{"name":"com.acme.Address","subject":"addr","version":1}]`
	qualified := `[{"name":"com.acme.Address","subject":":.ctx1:addr","version":1}]`
	want := func(refs string) string {
		return fmt.Sprintf(`{"subject":":.ctx1:cust","version":1,"id":%d,"references":%s,"schema":%q}`, custID, refs, customerRef)
	}
	wantOK(t, ts.do(t, "GET", "/subjects/:.ctx1:cust/versions/1", nil), want(bare))
	wantOK(t, ts.do(t, "GET", "/subjects/:.ctx1:cust/versions/1?referenceFormat=qualified", nil), want(qualified))
	wantOK(t, ts.do(t, "GET", "/subjects/:.ctx1:cust/versions/1?referenceFormat=other", nil), want(bare))
	byID := func(refs string) string { return fmt.Sprintf(`{"schema":%q,"references":%s}`, customerRef, refs) }
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d?subject=:.ctx1:cust&referenceFormat=qualified", custID), nil), byID(qualified))
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d?subject=:.ctx1:cust", custID), nil), byID(bare))

	// The default context: unchanged.
	ts.register(t, "addr", reg(addressV1))
	id := ts.register(t, "cust", reg(customerRef, "references", refs))
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d?referenceFormat=qualified", id), nil), fmt.Sprintf(`{"schema":%q,"references":%s}`, customerRef, bare))
}

// GET /schemas?ruleType= keeps the schemas with a rule of that type; the
// association filters (Confluent 8.x) keep nothing, since this registry
// has no associations, unless lifecycle=NONE asks for unassociated ones.
func TestListSchemasRuleTypeAndAssociations(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "plain", reg(orderV1))
	rules := map[string]any{"domainRules": []map[string]any{{"name": "checkAmount", "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": "message.id != ''"}}}
	id := ts.register(t, "ruled", reg(addressV1, "ruleSet", rules))
	only := fmt.Sprintf(`[{"subject":"ruled","version":1,"id":%d,"ruleSet":{"domainRules":[{"name":"checkAmount","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.id != ''"}]},"schema":%q}]`, id, addressV1)
	wantOK(t, ts.do(t, "GET", "/schemas?ruleType=CEL", nil), only)
	wantOK(t, ts.do(t, "GET", "/schemas?ruleType=JSONATA", nil), `[]`)
	wantOK(t, ts.do(t, "GET", "/schemas?associationType=value", nil), `[]`)
	wantOK(t, ts.do(t, "GET", "/schemas?resourceType=topic&lifecycle=STRONG", nil), `[]`)
	wantOK(t, ts.do(t, "GET", "/schemas?lifecycle=NONE&ruleType=CEL", nil), only)
	wantErr(t, ts.do(t, "GET", "/schemas?lifecycle=SOMETIMES", nil), 400, 400)
}
