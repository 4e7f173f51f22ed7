package server

import (
	"fmt"
	"testing"
)

// /contexts/{ctx}/… paths, as Confluent's RestApiContextTest.testContextPaths
// uses them: the context goes on the subject, ?subject= and ?subjectPrefix=.
func TestContextPaths(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	wantOK(t, ts.do(t, "POST", "/contexts/.ctx1/subjects/t1/versions", reg(orderV1)), `{"id":1,"version":1}`)
	wantOK(t, ts.do(t, "POST", "/contexts/.ctx2/subjects/t2/versions", reg(addressV1)), `{"id":1,"version":1}`)
	wantOK(t, ts.do(t, "POST", "/contexts/:.:/subjects/t3/versions", reg(jsonV1, "schemaType", "JSON")), `{"id":1,"version":1}`)
	wantOK(t, ts.do(t, "GET", "/subjects/:.ctx1:t1/versions", nil), `[1]`)
	wantOK(t, ts.do(t, "GET", "/contexts/.ctx1/subjects/t1/versions", nil), `[1]`)
	wantOK(t, ts.do(t, "GET", "/contexts/.ctx1/subjects", nil), `[":.ctx1:t1"]`)
	wantOK(t, ts.do(t, "GET", "/contexts/:.:/subjects", nil), `["t3"]`)
	wantOK(t, ts.do(t, "GET", "/contexts/.ctx2/subjects?subjectPrefix=:*:", nil), `[":.ctx1:t1",":.ctx2:t2","t3"]`)
	wantOK(t, ts.do(t, "GET", "/contexts/.ctx2/schemas/ids/1", nil), fmt.Sprintf(`{"schema":%q}`, addressV1))
	wantOK(t, ts.do(t, "GET", "/contexts/.ctx1/schemas/ids/1", nil), fmt.Sprintf(`{"schema":%q}`, orderV1))
	wantOK(t, ts.do(t, "GET", "/contexts/.ctx1/schemas/ids/1?subject=:.ctx2:t2", nil), fmt.Sprintf(`{"schema":%q}`, addressV1))
	wantOK(t, ts.do(t, "PUT", "/contexts/.ctx1/config", `{"compatibility":"NONE"}`), `{"compatibility":"NONE"}`)
	wantOK(t, ts.do(t, "GET", "/config/:.ctx1:", nil), `{"compatibilityLevel":"NONE"}`)
	wantOK(t, ts.do(t, "PUT", "/contexts/.ctx1/mode/t1", `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	wantOK(t, ts.do(t, "GET", "/mode/:.ctx1:t1", nil), `{"mode":"READONLY"}`)
	wantOK(t, ts.do(t, "GET", "/contexts", nil), `[".",".ctx1",".ctx2"]`)
	wantErr(t, ts.do(t, "DELETE", "/contexts/.ctx2", nil), 422, 42211)
	wantErr(t, ts.do(t, "GET", "/contexts/bad/subjects", nil), 400, 400)
}
