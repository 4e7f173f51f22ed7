package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/registry/api"
)

func TestAPIParametersAndSmallEndpoints(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	wantOK(t, ts.do(t, "POST", "/", `{}`), `{}`)
	wantOK(t, ts.do(t, "PUT", "/config", `{"compatibility":"NONE"}`), `{"compatibility":"NONE"}`)
	for i := range 5 {
		ts.register(t, "p-value", reg(docSchema(i+1)))
	}
	ts.register(t, "q-value", reg(orderV1))

	// offset and limit on the list endpoints.
	wantOK(t, ts.do(t, "GET", "/subjects/p-value/versions?offset=1&limit=2", nil), `[2,3]`)
	wantOK(t, ts.do(t, "GET", "/subjects/p-value/versions?offset=4&limit=-1", nil), `[5]`)
	wantOK(t, ts.do(t, "GET", "/subjects?offset=1", nil), `["q-value"]`)
	wantOK(t, ts.do(t, "GET", "/subjects?limit=1", nil), `["p-value"]`)
	if r := ts.do(t, "GET", "/schemas?offset=5&limit=1", nil); r.status != 200 || !strings.Contains(string(r.body), `"subject":"q-value"`) {
		t.Errorf("GET /schemas?offset=5&limit=1: %d %s", r.status, r.body)
	}
	// A limit of 0 or below is Confluent's default: no limit.
	wantOK(t, ts.do(t, "GET", "/schemas/ids/6/subjects?limit=0", nil), `["q-value"]`)
	wantOK(t, ts.do(t, "GET", "/subjects/p-value/versions?offset=3&limit=-5", nil), `[4,5]`)
	wantOK(t, ts.do(t, "GET", "/subjects/p-value/versions?offset=9", nil), `[]`)
	wantErr(t, ts.do(t, "GET", "/subjects?limit=x", nil), 400, api.CodeBadRequest)
	wantErr(t, ts.do(t, "GET", "/subjects/p-value/versions?offset=-2", nil), 400, api.CodeBadRequest)

	// A format Confluent does not know answers the default, as Confluent
	// does (AvroSchema/JsonSchema.formattedString: "for forward
	// compatibility of formats"), and so do resolved and serialized
	// without references (or for JSON). format=logical, Confluent's
	// Logical Type form of GET /subjects/{s}/versions/{v} and of a
	// registration's body, is refused: evctl cannot write or read it.
	for _, f := range []string{"default", "resolved", "RESOLVED", "serialized", "bogus", "logical"} {
		wantOK(t, ts.do(t, "GET", "/schemas/ids/1?format="+f, nil), `{"schema":`+jsonString(docSchema(1))+`}`)
		wantOK(t, ts.do(t, "POST", "/subjects/p-value?format="+f, reg(docSchema(1))),
			`{"subject":"p-value","version":1,"id":1,"schema":`+jsonString(docSchema(1))+`}`)
	}
	for _, f := range []string{"bogus", "Default", ""} {
		wantOK(t, ts.do(t, "GET", "/subjects/p-value/versions/1?format="+f, nil),
			`{"subject":"p-value","version":1,"id":1,"schema":`+jsonString(docSchema(1))+`}`)
		if r := ts.do(t, "GET", "/subjects/p-value/versions/1/schema?format="+f, nil); r.status != 200 || string(r.body) != docSchema(1) {
			t.Errorf("GET …/schema?format=%s: %d %s", f, r.status, r.body)
		}
	}
	for _, f := range []string{"logical", "LOGICAL"} {
		wantErr(t, ts.do(t, "GET", "/subjects/p-value/versions/1?format="+f, nil), 400, api.CodeBadRequest)
		wantErr(t, ts.do(t, "GET", "/subjects/p-value/versions/1/schema?format="+f, nil), 400, api.CodeBadRequest)
		wantErr(t, ts.do(t, "POST", "/subjects/p-value/versions?format="+f, reg(docSchema(1))), 400, api.CodeBadRequest)
	}

	// fetchMaxId adds the largest id.
	wantOK(t, ts.do(t, "GET", "/schemas/ids/2?fetchMaxId=true", nil), `{"schema":`+jsonString(docSchema(2))+`,"maxId":6}`)

	// DELETE /mode: the global mode goes back to the default.
	wantOK(t, ts.do(t, "DELETE", "/mode", nil), `{"mode":"READWRITE"}`)
	wantOK(t, ts.do(t, "PUT", "/mode", `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/p-value/versions", reg(docSchema(9))), 422, api.CodeOperationNotPermitted)
	wantOK(t, ts.do(t, "DELETE", "/mode", nil), `{"mode":"READONLY"}`)
	wantOK(t, ts.do(t, "GET", "/mode", nil), `{"mode":"READWRITE"}`)
	ts.register(t, "p-value", reg(docSchema(9)))

	// DELETE /mode?recursive=true also deletes the modes of the default
	// context's subjects; on ":.ctx:" those of the context's subjects.
	for _, m := range []string{"/mode", "/mode/p-value", "/mode/q-value", "/mode/:.c:x", "/mode/:.c:"} {
		wantOK(t, ts.do(t, "PUT", m, `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	}
	wantOK(t, ts.do(t, "DELETE", "/mode?recursive=true", nil), `{"mode":"READONLY"}`)
	for _, m := range []string{"/mode/p-value", "/mode/q-value"} {
		wantErr(t, ts.do(t, "GET", m, nil), 404, api.CodeSubjectModeNotFound)
	}
	wantOK(t, ts.do(t, "GET", "/mode/:.c:x", nil), `{"mode":"READONLY"}`)
	wantOK(t, ts.do(t, "DELETE", "/mode/:.c:?recursive=true", nil), `{"mode":"READONLY"}`)
	wantErr(t, ts.do(t, "GET", "/mode/:.c:x", nil), 404, api.CodeSubjectModeNotFound)
	wantOK(t, ts.do(t, "DELETE", "/mode/:.c:?recursive=true", nil), `{"mode":null}`)
	wantErr(t, ts.do(t, "DELETE", "/mode/:.c:", nil), 404, api.CodeSubjectNotFound)

	// force=true skips the compatibility check, as IMPORT mode does.
	wantOK(t, ts.do(t, "PUT", "/config/q-value", `{"compatibility":"FULL"}`), `{"compatibility":"FULL"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/q-value/versions", reg(orderBad)), 409, api.CodeIncompatibleSchema)
	wantErr(t, ts.do(t, "POST", "/subjects/q-value/versions?force=false", reg(orderBad)), 409, api.CodeIncompatibleSchema)
	wantOK(t, ts.do(t, "POST", "/subjects/q-value/versions?force=true", reg(orderBad)), `{"id":8,"version":2}`)

	// Server metadata, as Confluent's /v1/metadata answers it.
	wantOK(t, ts.do(t, "GET", "/v1/metadata/id", nil), `{"id":"","scope":{"path":[],"clusters":{"kafka-cluster":null,"schema-registry-cluster":"evctl"}}}`)
	wantOK(t, ts.do(t, "GET", "/v1/metadata/deployment", nil), `{"attributes":[]}`)
	var ver map[string]string
	r := ts.do(t, "GET", "/v1/metadata/version", nil)
	r.json(t, &ver)
	if _, ok := ver["commitId"]; !ok || ver["version"] == "" || len(ver) != 2 {
		t.Errorf("GET /v1/metadata/version: %s", r.body)
	}

	// Config keys this registry does not implement are refused when set.
	for _, body := range []string{`{"compatibility":"FULL","compatibilityGroup":"major"}`, `{"validateFields":true}`, `{"alias":"other"}`} {
		wantErr(t, ts.do(t, "PUT", "/config/p-value", body), 422, api.CodeInvalidCompatibility)
	}
	wantOK(t, ts.do(t, "PUT", "/config/p-value", `{"compatibility":"FULL","normalize":true,"compatibilityGroup":""}`), `{"compatibility":"FULL"}`)

	// Protobuf is out of scope, and says so.
	r = ts.do(t, "POST", "/subjects/pb-value/versions", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; message M {}"}`)
	wantErr(t, r, 422, api.CodeInvalidSchema)
	if !strings.Contains(string(r.body), "PROTOBUF is not supported") {
		t.Errorf("PROTOBUF answer: %s", r.body)
	}
}

// format=resolved writes an Avro schema's referenced named types in full
// where they are first used, as Avro's Schema.toString() (Confluent's
// RESOLVED format) does; later uses stay names.
func TestFormatResolved(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "addr", reg(addressV1))
	refs := []map[string]any{{"name": "com.acme.Address", "subject": "addr", "version": 1}}
	two := `{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"home","type":"com.acme.Address"},{"name":"work","type":["null","Address"],"default":null}]}`
	id := ts.register(t, "cust", reg(two, "references", refs))
	resolved := `{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"home","type":` + addressV1 + `},{"name":"work","type":["null","Address"],"default":null}]}`
	refsJSON := `[{"name":"com.acme.Address","subject":"addr","version":1}]`
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d?format=resolved", id), nil), `{"schema":`+jsonString(resolved)+`,"references":`+refsJSON+`}`)
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id), nil), `{"schema":`+jsonString(two)+`,"references":`+refsJSON+`}`)
	if r := ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d/schema?format=resolved", id), nil); string(r.body) != resolved {
		t.Errorf("/schema?format=resolved: %s", r.body)
	}
	wantOK(t, ts.do(t, "GET", "/subjects/cust/versions/1?format=resolved", nil),
		fmt.Sprintf(`{"subject":"cust","version":1,"id":%d,"schema":%s,"references":%s}`, id, jsonString(resolved), refsJSON))
	// The resolved text is a complete schema: it registers without references.
	ts.register(t, "flat", reg(resolved))
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(s, `"`, `\"`))
	b.WriteByte('"')
	return b.String()
}
