package server

import (
	"fmt"
	"testing"

	"github.com/evctl/evctl/internal/registry/api"
)

// Contexts as Confluent's RestApiContextTest has them: a subject
// ":.ctx:name" lives in context .ctx with its own ids, config and mode fall
// back through ":.ctx:", ?subject= picks the context of an id lookup, and a
// context is listed until DELETE /contexts/{ctx}, which refuses while any
// version of it exists.
func TestContexts(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	wantOK(t, ts.do(t, "GET", "/contexts", nil), `["."]`)

	// Each context counts its own ids from 1.
	if id := ts.register(t, ":.ctx1:orders", reg(orderV1)); id != 1 {
		t.Fatalf(":.ctx1:orders v1: id %d, want 1", id)
	}
	if id := ts.register(t, ":.ctx1:orders", reg(orderV2)); id != 2 {
		t.Fatalf(":.ctx1:orders v2: id %d, want 2", id)
	}
	if id := ts.register(t, ":.ctx2:orders", reg(orderV1)); id != 1 {
		t.Fatalf(":.ctx2:orders: id %d, want 1 (its own id space)", id)
	}
	if id := ts.register(t, "orders", reg(addressV1)); id != 1 {
		t.Fatalf("orders (default context): id %d, want 1", id)
	}
	if id := ts.register(t, ":.:other", reg(orderV1)); id != 2 {
		t.Fatalf(":.:other: id %d, want 2", id)
	}
	if id := ts.register(t, ":.ctx2:only", reg(jsonV1, "schemaType", "JSON")); id != 2 {
		t.Fatalf(":.ctx2:only: id %d, want 2", id)
	}
	// Re-registering finds the id of the subject's context.
	wantOK(t, ts.do(t, "POST", "/subjects/:.ctx2:orders/versions", reg(orderV1)), `{"id":1,"version":1}`)

	wantOK(t, ts.do(t, "GET", "/contexts", nil), `[".",".ctx1",".ctx2"]`)
	wantOK(t, ts.do(t, "GET", "/contexts?contextPrefix=.ctx1", nil), `[".ctx1"]`)
	wantOK(t, ts.do(t, "GET", "/contexts?offset=1&limit=1", nil), `[".ctx1"]`)

	// Subjects: every context by default, or as ?subjectPrefix= selects.
	wantOK(t, ts.do(t, "GET", "/subjects", nil), `[":.ctx1:orders",":.ctx2:only",":.ctx2:orders","orders","other"]`)
	wantOK(t, ts.do(t, "GET", "/subjects?subjectPrefix=", nil), `["orders","other"]`)
	wantOK(t, ts.do(t, "GET", "/subjects?subjectPrefix=:.ctx2:", nil), `[":.ctx2:only",":.ctx2:orders"]`)
	wantOK(t, ts.do(t, "GET", "/subjects?subjectPrefix=:*:ord", nil), `[":.ctx1:orders",":.ctx2:orders","orders"]`)
	wantOK(t, ts.do(t, "GET", "/subjects/:.ctx1:orders/versions", nil), `[1,2]`)
	wantOK(t, ts.do(t, "GET", "/subjects/:.:orders/versions", nil), `[1]`)
	wantOK(t, ts.do(t, "GET", "/subjects/:.ctx1:orders/versions/2", nil),
		fmt.Sprintf(`{"subject":":.ctx1:orders","version":2,"id":2,"schema":%q}`, orderV2))
	if r := ts.do(t, "GET", "/schemas?subjectPrefix=:*:orders", nil); r.status != 200 {
		t.Fatalf("GET /schemas?subjectPrefix=:*:orders: %d %s", r.status, r.body)
	} else {
		var list []map[string]any
		r.json(t, &list)
		if len(list) != 4 {
			t.Errorf("GET /schemas?subjectPrefix=:*:orders: %d schemas, want 4: %s", len(list), r.body)
		}
	}

	// Ids: the default context, unless ?subject= names another.
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1", nil), fmt.Sprintf(`{"schema":%q}`, addressV1))
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1?subject=:.ctx1:orders", nil), fmt.Sprintf(`{"schema":%q}`, orderV1))
	wantOK(t, ts.do(t, "GET", "/schemas/ids/2?subject=:.ctx1:", nil), fmt.Sprintf(`{"schema":%q}`, orderV2))
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1?subject=orders", nil), fmt.Sprintf(`{"schema":%q}`, addressV1))
	// A bare subject that holds the id only in another context finds it there.
	wantOK(t, ts.do(t, "GET", "/schemas/ids/2?subject=only", nil), fmt.Sprintf(`{"schema":%q,"schemaType":"JSON"}`, jsonV1))
	wantOK(t, ts.do(t, "GET", "/schemas/ids/2", nil), fmt.Sprintf(`{"schema":%q}`, orderV1))
	// A bare subject holding it nowhere falls back to the default context.
	wantOK(t, ts.do(t, "GET", "/schemas/ids/2?subject=nosuch", nil), fmt.Sprintf(`{"schema":%q}`, orderV1))
	// A qualified subject must hold it.
	wantErr(t, ts.do(t, "GET", "/schemas/ids/2?subject=:.ctx1:nosuch", nil), 404, api.CodeSchemaNotFound)
	wantErr(t, ts.do(t, "GET", "/schemas/ids/3?subject=:.ctx2:", nil), 404, api.CodeSchemaNotFound)
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1/subjects?subject=:.ctx2:orders", nil), `[":.ctx2:orders"]`)
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1/versions?subject=:.ctx1:", nil), `[{"subject":":.ctx1:orders","version":1}]`)
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1?subject=:.ctx1:orders&fetchMaxId=true", nil), fmt.Sprintf(`{"schema":%q,"maxId":2}`, orderV1))

	// The same schema has one GUID in every context; /ids lists its id in each.
	var v1 struct {
		GUID string `json:"guid"`
	}
	ts.do(t, "GET", "/subjects/:.ctx1:orders/versions/1", nil).json(t, &v1)
	var other struct {
		GUID string `json:"guid"`
	}
	ts.do(t, "GET", "/subjects/other/versions/1", nil).json(t, &other)
	if v1.GUID == "" || v1.GUID != other.GUID {
		t.Fatalf("GUIDs of one schema in two contexts: %q and %q", v1.GUID, other.GUID)
	}
	wantOK(t, ts.do(t, "GET", "/schemas/guids/"+v1.GUID+"/ids", nil), `[{"context":".","id":2},{"context":".ctx1","id":1},{"context":".ctx2","id":1}]`)
	wantOK(t, ts.do(t, "GET", "/schemas/guids/"+v1.GUID, nil), fmt.Sprintf(`{"schema":%q,"guid":%q}`, orderV1, v1.GUID))
	wantOK(t, ts.do(t, "GET", "/schemas/guids/00000000-0000-4000-8000-000000000000/ids", nil), `[]`)

	// Config: subject, then its context ":.ctx:", then global.
	wantOK(t, ts.do(t, "PUT", "/config/:.ctx1:", `{"compatibility":"NONE"}`), `{"compatibility":"NONE"}`)
	wantOK(t, ts.do(t, "GET", "/config/:.ctx1:", nil), `{"compatibilityLevel":"NONE"}`)
	ts.register(t, ":.ctx1:orders", reg(orderBad))
	wantErr(t, ts.do(t, "POST", "/subjects/:.ctx2:orders/versions", reg(orderBad)), 409, api.CodeIncompatibleSchema)
	// Mode likewise.
	wantOK(t, ts.do(t, "PUT", "/mode/:.ctx2:", `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/:.ctx2:orders/versions", reg(orderV2)), 422, api.CodeOperationNotPermitted)
	ts.register(t, ":.ctx1:orders", reg(orderV3)) // other contexts still write
	wantOK(t, ts.do(t, "DELETE", "/mode/:.ctx2:", nil), `{"mode":"READONLY"}`)

	// References resolve in the referencing subject's context.
	addrID := ts.register(t, ":.ctx1:addr", reg(addressV1))
	refs := []map[string]any{{"name": "com.acme.Address", "subject": "addr", "version": 1}}
	custID := ts.register(t, ":.ctx1:cust", reg(customerRef, "references", refs))
	if addrID == custID {
		t.Fatalf("addr and cust share id %d", addrID)
	}
	wantOK(t, ts.do(t, "GET", "/subjects/:.ctx1:addr/versions/1/referencedby", nil), fmt.Sprintf(`[%d]`, custID))
	wantErr(t, ts.do(t, "POST", "/subjects/cust/versions", reg(customerRef, "references", refs)), 422, api.CodeInvalidSchema)

	// A context with versions, soft-deleted or not, cannot be deleted.
	wantErr(t, ts.do(t, "DELETE", "/contexts/.ctx2", nil), 422, api.CodeContextNotEmpty)
	for _, s := range []string{":.ctx2:orders", ":.ctx2:only"} {
		if r := ts.do(t, "DELETE", "/subjects/"+s, nil); r.status != 200 {
			t.Fatalf("soft delete %s: %d %s", s, r.status, r.body)
		}
	}
	wantErr(t, ts.do(t, "DELETE", "/contexts/.ctx2", nil), 422, api.CodeContextNotEmpty)
	for _, s := range []string{":.ctx2:orders", ":.ctx2:only"} {
		if r := ts.do(t, "DELETE", "/subjects/"+s+"?permanent=true", nil); r.status != 200 {
			t.Fatalf("hard delete %s: %d %s", s, r.status, r.body)
		}
	}
	wantOK(t, ts.do(t, "GET", "/contexts", nil), `[".",".ctx1",".ctx2"]`)
	if r := ts.do(t, "DELETE", "/contexts/:.ctx2:", nil); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("DELETE /contexts/:.ctx2:: %d %s, want 204 and no body", r.status, r.body)
	}
	wantOK(t, ts.do(t, "GET", "/contexts", nil), `[".",".ctx1"]`)
	wantErr(t, ts.do(t, "DELETE", "/contexts/.ctx1", nil), 422, api.CodeContextNotEmpty)
	wantErr(t, ts.do(t, "DELETE", "/contexts/no-dot", nil), 422, api.CodeUnprocessable)
	// A context deleted and used again starts its ids where it left off:
	// ids are never reused.
	if id := ts.register(t, ":.ctx2:again", reg(orderV3)); id != 3 {
		t.Errorf(":.ctx2:again: id %d, want 3 (ids 1 and 2 were ctx2's)", id)
	}
	wantOK(t, ts.do(t, "GET", "/contexts", nil), `[".",".ctx1",".ctx2"]`)
}

// TestContextsWithConfluentJSClient: Confluent's JavaScript client, its
// serializer putting the subject in context .staging by a subject name
// strategy: both contexts hand out id 1, and each deserializer gets its own
// writer schema through GET /schemas/ids/1?subject=….
func TestContextsWithConfluentJSClient(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	var got struct {
		StagingID     int64          `json:"stagingId"`
		DefaultID     int64          `json:"defaultId"`
		StagingWireID int64          `json:"stagingWireId"`
		DefaultWireID int64          `json:"defaultWireId"`
		FromStaging   map[string]any `json:"fromStaging"`
		FromDefault   map[string]any `json:"fromDefault"`
		Subjects      []string       `json:"subjects"`
	}
	runNode(t, ts.URL, "contexts.js", &got)
	t.Logf("client saw: %+v", got)
	if got.StagingID != 1 || got.DefaultID != 1 || got.StagingWireID != 1 || got.DefaultWireID != 1 {
		t.Errorf("ids: staging %d (wire %d), default %d (wire %d); want 1 each, in two contexts",
			got.StagingID, got.StagingWireID, got.DefaultID, got.DefaultWireID)
	}
	if got.FromStaging["carrier"] != "ups" || got.FromDefault["id"] != "o1" {
		t.Errorf("deserialized %v (staging) and %v (default)", got.FromStaging, got.FromDefault)
	}
	if fmt.Sprint(got.Subjects) != "[:.staging:orders-value orders-value]" {
		t.Errorf("subjects %v", got.Subjects)
	}
	wantOK(t, ts.do(t, "GET", "/contexts", nil), `[".",".staging"]`)
}
