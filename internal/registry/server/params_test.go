package server

import (
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
	wantOK(t, ts.do(t, "GET", "/schemas/ids/6/subjects?limit=0", nil), `[]`)
	wantErr(t, ts.do(t, "GET", "/subjects?limit=x", nil), 400, api.CodeBadRequest)
	wantErr(t, ts.do(t, "GET", "/subjects/p-value/versions?offset=-2", nil), 400, api.CodeBadRequest)

	// Formats this registry cannot produce are refused, not ignored.
	wantErr(t, ts.do(t, "GET", "/schemas/ids/1?format=resolved", nil), 400, api.CodeBadRequest)
	wantErr(t, ts.do(t, "GET", "/subjects/p-value/versions/1?format=serialized", nil), 400, api.CodeBadRequest)
	if r := ts.do(t, "GET", "/schemas/ids/1?format=default", nil); r.status != 200 {
		t.Errorf("format=default: %d", r.status)
	}

	// fetchMaxId adds the largest id.
	wantOK(t, ts.do(t, "GET", "/schemas/ids/2?fetchMaxId=true", nil), `{"schema":`+jsonString(docSchema(2))+`,"maxId":6}`)

	// DELETE /mode: the global mode goes back to the default.
	wantOK(t, ts.do(t, "DELETE", "/mode", nil), `{"mode":"READWRITE"}`)
	wantOK(t, ts.do(t, "PUT", "/mode", `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/p-value/versions", reg(docSchema(9))), 422, api.CodeOperationNotPermitted)
	wantErr(t, ts.do(t, "DELETE", "/mode?recursive=true", nil), 422, api.CodeOperationNotPermitted)
	wantOK(t, ts.do(t, "DELETE", "/mode", nil), `{"mode":"READONLY"}`)
	wantOK(t, ts.do(t, "GET", "/mode", nil), `{"mode":"READWRITE"}`)
	ts.register(t, "p-value", reg(docSchema(9)))

	// Config keys this registry does not implement are refused when set.
	for _, body := range []string{`{"compatibility":"FULL","compatibilityGroup":"major"}`, `{"validateFields":true}`, `{"alias":"other"}`} {
		wantErr(t, ts.do(t, "PUT", "/config/p-value", body), 422, api.CodeInvalidCompatibility)
	}
	wantOK(t, ts.do(t, "PUT", "/config/p-value", `{"compatibility":"FULL","normalize":true,"compatibilityGroup":""}`), `{"compatibility":"FULL"}`)

	// Protobuf is out of scope, and says so.
	r := ts.do(t, "POST", "/subjects/pb-value/versions", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; message M {}"}`)
	wantErr(t, r, 422, api.CodeInvalidSchema)
	if !strings.Contains(string(r.body), "PROTOBUF is not supported") {
		t.Errorf("PROTOBUF answer: %s", r.body)
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(s, `"`, `\"`))
	b.WriteByte('"')
	return b.String()
}
