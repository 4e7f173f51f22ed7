package server

// One test per behaviour of the team's 25-item registry checklist (the
// behaviours Confluent Schema Registry clients rely on). Items 4 and 5
// (concurrency) and the kill -9 half of item 6 live in
// server_reliability_test.go.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

func TestChecklist01RegisterNew(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	tests := []struct {
		name    string
		subject string
		body    string
	}{
		{"plain", "a-value", fmt.Sprintf(`{"schema":%q}`, orderV1)},
		{"explicit AVRO, empty references, null metadata and ruleSet, unknown field", "b-value",
			fmt.Sprintf(`{"schema":%q,"schemaType":"AVRO","references":[],"metadata":null,"ruleSet":null,"somethingNew":{"x":1}}`, orderV2)},
		{"JSON schema", "c-value", fmt.Sprintf(`{"schema":%q,"schemaType":"JSON"}`, jsonV1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(t, "POST", "/subjects/"+tt.subject+"/versions", tt.body)
			if r.status != 200 {
				t.Fatalf("register: %d %s", r.status, r.body)
			}
			var out struct{ ID int64 }
			r.json(t, &out)
			if out.ID < 1 {
				t.Fatalf("no id: %s", r.body)
			}
			wantOK(t, ts.do(t, "GET", "/subjects/"+tt.subject+"/versions", nil), `[1]`)
		})
	}
	// A missing schemaType means AVRO: the stored schema has no schemaType field.
	wantOK(t, ts.do(t, "GET", "/subjects/a-value/versions/1", nil),
		fmt.Sprintf(`{"subject":"a-value","version":1,"id":1,"schema":%q}`, orderV1))
	wantOK(t, ts.do(t, "GET", "/subjects/c-value/versions/1", nil),
		fmt.Sprintf(`{"subject":"c-value","version":1,"id":3,"schemaType":"JSON","schema":%q}`, jsonV1))
}

func TestChecklist02IdempotentReregister(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	id := ts.register(t, "s", reg(orderV1))
	// The same schema with other whitespace and key order is the same schema.
	variant := `{ "name": "Order", "type": "record", "namespace": "com.acme",
		"fields": [ { "type": "string", "name": "id" } ] }`
	for _, text := range []string{orderV1, variant} {
		r := ts.do(t, "POST", "/subjects/s/versions", reg(text))
		wantOK(t, r, fmt.Sprintf(`{"id":%d,"version":1}`, id))
	}
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions", nil), `[1]`)
	// A real change (a doc) is a new schema.
	withDoc := strings.Replace(orderV1, `"type":"string"`, `"type":"string","doc":"the id"`, 1)
	if id2 := ts.register(t, "s", reg(withDoc)); id2 == id {
		t.Errorf("schema with a new doc got the old id %d", id)
	}
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions", nil), `[1,2]`)
}

func TestChecklist03SameSchemaSecondSubject(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "other", reg(addressV1))
	id := ts.register(t, "first", reg(orderV1))
	if id2 := ts.register(t, "second", reg(orderV1)); id2 != id {
		t.Fatalf("second subject got id %d, want %d", id2, id)
	}
	wantOK(t, ts.do(t, "GET", "/subjects/second/versions", nil), `[1]`)
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d/subjects", id), nil), `["first","second"]`)
}

func TestChecklist06IDsSurviveRestart(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ids := map[int64]string{}
	for i, text := range []string{orderV1, orderV2, orderV3} {
		ids[ts.register(t, "s", reg(text))] = text
		_ = i
	}
	ts.Close()
	if err := ts.store.Close(); err != nil {
		t.Fatal(err)
	}
	// Restart: a new store and server on the same file.
	st, err := sqlite.Open(ts.path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts2 := &testServer{Server: newHTTPTest(t, NewServer(st, ServerOptions{})), store: st, path: ts.path}
	var maxID int64
	for id, text := range ids {
		wantOK(t, ts2.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id), nil), fmt.Sprintf(`{"schema":%q}`, text))
		maxID = max(maxID, id)
	}
	// New ids are larger than every existing id, even in another subject.
	if id := ts2.register(t, "t", reg(addressV1)); id <= maxID {
		t.Fatalf("new id %d not above %d", id, maxID)
	}
}

func TestChecklist07InvalidSchema(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	tests := []struct {
		name         string
		body         string
		status, code int
	}{
		{"unparsable avro", `{"schema":"{\"type\":\"record\",\"name\":"}`, 422, 42201},
		{"unknown type", `{"schema":"{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"nosuchtype\"}]}"}`, 422, 42201},
		{"bad default", `{"schema":"{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"int\",\"default\":\"x\"}]}"}`, 422, 42201},
		{"record without fields", `{"schema":"{\"type\":\"record\",\"name\":\"X\"}"}`, 422, 42201},
		{"invalid JSON schema", `{"schemaType":"JSON","schema":"{\"type\":12}"}`, 422, 42201},
		{"JSON schema not an object", `{"schemaType":"JSON","schema":"[1,2]"}`, 422, 42201},
		{"unsupported schemaType", `{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\";"}`, 422, 42201},
		{"missing body", ``, 422, 422},
		{"missing schema", `{"schemaType":"AVRO"}`, 422, 42201},
		{"empty schema", `{"schema":""}`, 422, 42201},
		{"malformed JSON", `{"schema":`, 400, 400},
		{"schema of the wrong JSON type", `{"schema":12}`, 422, 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, ts.do(t, "POST", "/subjects/s/versions", tt.body), tt.status, tt.code)
		})
	}
	// Nothing was stored.
	wantOK(t, ts.do(t, "GET", "/subjects?deleted=true", nil), `[]`)
	wantErr(t, ts.do(t, "GET", "/schemas/ids/1", nil), 404, 40403)
}

func TestChecklist08BadReferenceAndInvalidSubject(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "addr", reg(addressV1))
	tests := []struct {
		name string
		refs []api.Reference
	}{
		{"unknown subject", []api.Reference{{Name: "com.acme.Address", Subject: "nope", Version: 1}}},
		{"unknown version", []api.Reference{{Name: "com.acme.Address", Subject: "addr", Version: 7}}},
		{"no reference at all", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := reg(customerRef)
			if tt.refs != nil {
				body["references"] = tt.refs
			}
			wantErr(t, ts.do(t, "POST", "/subjects/cust/versions", body), 422, 42201)
		})
	}
	// With a good reference it registers.
	ts.register(t, "cust", reg(customerRef, "references", []api.Reference{{Name: "com.acme.Address", Subject: "addr", Version: 1}}))
	// Control characters make an invalid subject.
	wantErr(t, ts.do(t, "POST", "/subjects/bad%01subject/versions", reg(orderV1)), 422, 42208)
	wantErr(t, ts.do(t, "PUT", "/config/bad%0Asubject", `{"compatibility":"NONE"}`), 422, 42208)
}

func TestChecklist09Incompatible(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	r := ts.do(t, "POST", "/subjects/s/versions", reg(orderBad))
	wantErr(t, r, 409, 40901)
	if !strings.Contains(string(r.body), "READER_FIELD_MISSING_DEFAULT_VALUE") {
		t.Errorf("409 message does not name the incompatibility: %s", r.body)
	}
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions", nil), `[1]`)

	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/s/versions/latest", reg(orderBad)), `{"is_compatible":false}`)
	r = ts.do(t, "POST", "/compatibility/subjects/s/versions/latest?verbose=true", reg(orderBad))
	var out struct {
		IsCompatible bool     `json:"is_compatible"`
		Messages     []string `json:"messages"`
	}
	r.json(t, &out)
	if r.status != 200 || out.IsCompatible || len(out.Messages) == 0 || !strings.Contains(strings.Join(out.Messages, " "), "qty") {
		t.Errorf("verbose check: %d %s", r.status, r.body)
	}
	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/s/versions/1", reg(orderV2)), `{"is_compatible":true}`)
	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/s/versions", reg(orderV2)), `{"is_compatible":true}`)
	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/s/versions?verbose=true", reg(orderV2)), `{"is_compatible":true,"messages":[]}`)
	// A missing subject is compatible with anything, via latest or the version-less endpoint.
	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/nope/versions/latest", reg(orderBad)), `{"is_compatible":true}`)
	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/nope/versions", reg(orderBad)), `{"is_compatible":true}`)
	// An unknown numeric version is 40402, even when the subject is missing.
	wantErr(t, ts.do(t, "POST", "/compatibility/subjects/nope/versions/3", reg(orderBad)), 404, 40402)
	// An invalid schema: 42201, or is_compatible=false with verbose.
	wantErr(t, ts.do(t, "POST", "/compatibility/subjects/s/versions/latest", reg(`{"type":"nope"}`)), 422, 42201)
	r = ts.do(t, "POST", "/compatibility/subjects/s/versions/latest?verbose=true", reg(`{"type":"nope"}`))
	r.json(t, &out)
	if r.status != 200 || out.IsCompatible || len(out.Messages) != 1 {
		t.Errorf("verbose invalid schema: %d %s", r.status, r.body)
	}
	// NONE accepts it.
	wantOK(t, ts.do(t, "PUT", "/config/s", `{"compatibility":"NONE"}`), `{"compatibility":"NONE"}`)
	ts.register(t, "s", reg(orderBad))
}

func TestChecklist09TransitiveLevels(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	// v1 has an int "qty"; v2 drops it; v3 brings it back as a string with a default.
	v1 := `{"type":"record","name":"R","fields":[{"name":"qty","type":"int"}]}`
	v2 := `{"type":"record","name":"R","fields":[]}`
	v3 := `{"type":"record","name":"R","fields":[{"name":"qty","type":"string","default":"x"}]}`
	ts.register(t, "s", reg(v1))
	ts.register(t, "s", reg(v2))
	// BACKWARD (latest only): v3 reads v2 data.
	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/s/versions", reg(v3)), `{"is_compatible":true}`)
	// BACKWARD_TRANSITIVE: v3 cannot read v1 data (qty int vs string).
	wantOK(t, ts.do(t, "PUT", "/config/s", `{"compatibility":"BACKWARD_TRANSITIVE"}`), `{"compatibility":"BACKWARD_TRANSITIVE"}`)
	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/s/versions", reg(v3)), `{"is_compatible":false}`)
	r := ts.do(t, "POST", "/subjects/s/versions", reg(v3))
	wantErr(t, r, 409, 40901)
	if !strings.Contains(string(r.body), "{oldSchemaVersion: 1}") {
		t.Errorf("409 does not name version 1: %s", r.body)
	}
	// The one-version endpoint compares with that version only.
	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/s/versions/2", reg(v3)), `{"is_compatible":true}`)
	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/s/versions/1", reg(v3)), `{"is_compatible":false}`)
	// Soft-deleted versions take no part.
	wantOK(t, ts.do(t, "DELETE", "/subjects/s/versions/1", nil), `1`)
	wantOK(t, ts.do(t, "POST", "/compatibility/subjects/s/versions", reg(v3)), `{"is_compatible":true}`)
	ts.register(t, "s", reg(v3))
	// A different schema type is incompatible except under NONE.
	r = ts.do(t, "POST", "/subjects/s/versions", reg(jsonV1, "schemaType", "JSON"))
	wantErr(t, r, 409, 40901)
	if !strings.Contains(string(r.body), "different schema type") {
		t.Errorf("409 does not say why: %s", r.body)
	}
}

func TestChecklist10GlobalConfig(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	wantOK(t, ts.do(t, "GET", "/config", nil), `{"compatibilityLevel":"BACKWARD"}`)
	wantOK(t, ts.do(t, "PUT", "/config", `{"compatibility":"FULL"}`), `{"compatibility":"FULL"}`)
	wantOK(t, ts.do(t, "GET", "/config", nil), `{"compatibilityLevel":"FULL"}`)
	wantOK(t, ts.do(t, "PUT", "/config", `{"compatibility":"forward_transitive"}`), `{"compatibility":"FORWARD_TRANSITIVE"}`)
	wantOK(t, ts.do(t, "PUT", "/config", `{"compatibilityLevel":"FULL_TRANSITIVE","normalize":true}`), `{"compatibility":"FULL_TRANSITIVE"}`)
	wantOK(t, ts.do(t, "PUT", "/config", `{"compatibility":"forward_transitive"}`), `{"compatibility":"FORWARD_TRANSITIVE"}`)
	for _, body := range []string{`{"compatibility":"SIDEWAYS"}`, `{}`, `{"compatibility":""}`} {
		wantErr(t, ts.do(t, "PUT", "/config", body), 422, 42203)
	}
	wantOK(t, ts.do(t, "DELETE", "/config", nil), `{"compatibilityLevel":"FORWARD_TRANSITIVE"}`)
	wantOK(t, ts.do(t, "GET", "/config", nil), `{"compatibilityLevel":"BACKWARD"}`)
}

func TestChecklist11SubjectConfig(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	wantErr(t, ts.do(t, "GET", "/config/s", nil), 404, 40408)
	wantErr(t, ts.do(t, "GET", "/config/unknown", nil), 404, 40408)
	wantOK(t, ts.do(t, "GET", "/config/s?defaultToGlobal=true", nil), `{"compatibilityLevel":"BACKWARD"}`)
	// PUT on a subject that does not exist yet.
	wantOK(t, ts.do(t, "PUT", "/config/future", `{"compatibility":"NONE"}`), `{"compatibility":"NONE"}`)
	wantOK(t, ts.do(t, "GET", "/config/future", nil), `{"compatibilityLevel":"NONE"}`)
	// The subject level wins over the global one for registration.
	wantOK(t, ts.do(t, "PUT", "/config/s", `{"compatibility":"NONE"}`), `{"compatibility":"NONE"}`)
	ts.register(t, "s", reg(orderBad))
	// DELETE falls back to global.
	wantOK(t, ts.do(t, "DELETE", "/config/s", nil), `{"compatibilityLevel":"NONE"}`)
	wantErr(t, ts.do(t, "GET", "/config/s", nil), 404, 40408)
	wantOK(t, ts.do(t, "GET", "/config/s?defaultToGlobal=true", nil), `{"compatibilityLevel":"BACKWARD"}`)
	other := `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"other","type":"int"}]}`
	wantErr(t, ts.do(t, "POST", "/subjects/s/versions", reg(other)), 409, 40901)
	wantErr(t, ts.do(t, "DELETE", "/config/s", nil), 404, 40401)
}

func TestChecklist12UnknownID(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	for _, path := range []string{
		"/schemas/ids/999999", "/schemas/ids/999999/schema", "/schemas/ids/999999/versions", "/schemas/ids/999999/subjects",
		"/schemas/ids/abc", "/schemas/ids/-1", "/schemas/ids/0", "/schemas/ids/1.5", "/schemas/ids/99999999999999999999",
	} {
		t.Run(path, func(t *testing.T) {
			wantErr(t, ts.do(t, "GET", path, nil), 404, 40403)
		})
	}
}

func TestChecklist13UnknownSubject(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	tests := []struct{ method, path string }{
		{"GET", "/subjects/x/versions"},
		{"GET", "/subjects/x/versions/latest"},
		{"GET", "/subjects/x/versions/1"},
		{"GET", "/subjects/x/versions/1/schema"},
		{"GET", "/subjects/x/versions/1/referencedby"},
		{"DELETE", "/subjects/x"},
		{"DELETE", "/subjects/x/versions/1"},
		{"POST", "/subjects/x"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var body any
			if tt.method == "POST" {
				body = reg(orderV1)
			}
			wantErr(t, ts.do(t, tt.method, tt.path, body), 404, 40401)
		})
	}
}

func TestChecklist14Versions(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	ts.register(t, "s", reg(orderV2))
	wantErr(t, ts.do(t, "GET", "/subjects/s/versions/3", nil), 404, 40402)
	for _, v := range []string{"0", "-2", "abc", "earliest", "2147483648", "1.0"} {
		t.Run(v, func(t *testing.T) {
			wantErr(t, ts.do(t, "GET", "/subjects/s/versions/"+v, nil), 422, 42202)
			wantErr(t, ts.do(t, "DELETE", "/subjects/s/versions/"+v, nil), 422, 42202)
			wantErr(t, ts.do(t, "POST", "/compatibility/subjects/s/versions/"+v, reg(orderV3)), 422, 42202)
		})
	}
	for _, v := range []string{"latest", "-1", "2"} {
		r := ts.do(t, "GET", "/subjects/s/versions/"+v, nil)
		wantOK(t, r, fmt.Sprintf(`{"subject":"s","version":2,"id":2,"schema":%q}`, orderV2))
	}
}

func TestChecklist15Lookup(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	ts.register(t, "s", reg(orderV2))
	ts.register(t, "other", reg(addressV1))
	// Whitespace does not matter for lookup either.
	wantOK(t, ts.do(t, "POST", "/subjects/s", reg(" "+orderV1+"\n")),
		fmt.Sprintf(`{"subject":"s","version":1,"id":1,"schema":%q}`, orderV1))
	// A schema registered elsewhere, or nowhere, is not in s.
	wantErr(t, ts.do(t, "POST", "/subjects/s", reg(addressV1)), 404, 40403)
	wantErr(t, ts.do(t, "POST", "/subjects/s", reg(orderV3)), 404, 40403)
	wantErr(t, ts.do(t, "POST", "/subjects/s", `{"schema":"{nope"}`), 422, 42201)
	// Soft-deleted versions match only with deleted=true.
	wantOK(t, ts.do(t, "DELETE", "/subjects/s/versions/1", nil), `1`)
	wantErr(t, ts.do(t, "POST", "/subjects/s", reg(orderV1)), 404, 40403)
	wantOK(t, ts.do(t, "POST", "/subjects/s?deleted=true", reg(orderV1)),
		fmt.Sprintf(`{"subject":"s","version":1,"id":1,"schema":%q}`, orderV1))
}

func TestChecklist16ReadShapes(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	id := ts.register(t, "a", reg(jsonV1, "schemaType", "JSON"))
	ts.register(t, "b", reg(jsonV1, "schemaType", "JSON"))
	avroID := ts.register(t, "c", reg(orderV1))

	r := ts.do(t, "GET", "/subjects/a/versions/1/schema", nil)
	if r.status != 200 || string(r.body) != jsonV1 {
		t.Errorf("raw schema: %d %s", r.status, r.body)
	}
	r = ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d/schema", avroID), nil)
	if r.status != 200 || string(r.body) != orderV1 {
		t.Errorf("raw schema by id: %d %s", r.status, r.body)
	}
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d/versions", id), nil), `[{"subject":"a","version":1},{"subject":"b","version":1}]`)
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id), nil), fmt.Sprintf(`{"schema":%q,"schemaType":"JSON"}`, jsonV1))
	// schemaType omitted for AVRO; ?subject= accepted (the Go client sends it).
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d?subject=c", avroID), nil), fmt.Sprintf(`{"schema":%q}`, orderV1))
	wantOK(t, ts.do(t, "GET", "/schemas/types", nil), `["JSON","AVRO"]`)
	wantOK(t, ts.do(t, "GET", "/subjects", nil), `["a","b","c"]`)
	wantOK(t, ts.do(t, "GET", "/subjects?subjectPrefix=b", nil), `["b"]`)
	wantOK(t, ts.do(t, "GET", "/subjects?offset=1&limit=1", nil), `["b"]`)
	wantOK(t, ts.do(t, "GET", "/contexts", nil), `["."]`)
	ts.register(t, "c", reg(orderV2))
	ts.do(t, "DELETE", "/subjects/c/versions/2", nil)
	wantOK(t, ts.do(t, "GET", "/schemas?subjectPrefix=c", nil), fmt.Sprintf(`[{"subject":"c","version":1,"id":%d,"schema":%q}]`, avroID, orderV1))
	wantOK(t, ts.do(t, "GET", "/schemas?subjectPrefix=c&deleted=true&latestOnly=true", nil), fmt.Sprintf(`[{"subject":"c","version":2,"id":%d,"schema":%q}]`, avroID+1, orderV2))
	var all []map[string]any
	ts.do(t, "GET", "/schemas", nil).json(t, &all)
	if len(all) != 3 {
		t.Errorf("GET /schemas: %d schemas, want 3", len(all))
	}
	wantOK(t, ts.do(t, "GET", "/", nil), `{}`)
}

func TestChecklist17SoftDeleteVersion(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	id2 := ts.register(t, "s", reg(orderV2))
	wantOK(t, ts.do(t, "DELETE", "/subjects/s/versions/2", nil), `2`)
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions", nil), `[1]`)
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions?deleted=true", nil), `[1,2]`)
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions?deletedOnly=true", nil), `[2]`)
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions?deletedAsNegative=true", nil), `[1,-2]`)
	wantErr(t, ts.do(t, "GET", "/subjects/s/versions/2", nil), 404, 40402)
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions/2?deleted=true", nil), fmt.Sprintf(`{"subject":"s","version":2,"id":%d,"schema":%q}`, id2, orderV2))
	// The id still resolves.
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id2), nil), fmt.Sprintf(`{"schema":%q}`, orderV2))
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d/subjects", id2), nil), `[]`)
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d/subjects?deleted=true", id2), nil), `["s"]`)
	// latest is now 1.
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions/latest", nil), fmt.Sprintf(`{"subject":"s","version":1,"id":1,"schema":%q}`, orderV1))
	// Deleting every version makes the subject unknown.
	wantOK(t, ts.do(t, "DELETE", "/subjects/s/versions/latest", nil), `1`)
	wantErr(t, ts.do(t, "GET", "/subjects/s/versions", nil), 404, 40401)
	wantErr(t, ts.do(t, "GET", "/subjects/s/versions/latest", nil), 404, 40401)
	wantOK(t, ts.do(t, "GET", "/subjects", nil), `[]`)
	wantOK(t, ts.do(t, "GET", "/subjects?deleted=true", nil), `["s"]`)
	wantOK(t, ts.do(t, "GET", "/subjects?deletedOnly=true", nil), `["s"]`)
}

func TestChecklist18SoftDeleteTwice(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	ts.register(t, "s", reg(orderV2))
	wantOK(t, ts.do(t, "DELETE", "/subjects/s/versions/1", nil), `1`)
	wantErr(t, ts.do(t, "DELETE", "/subjects/s/versions/1", nil), 404, 40406)
	wantOK(t, ts.do(t, "DELETE", "/subjects/s", nil), `[2]`)
	wantErr(t, ts.do(t, "DELETE", "/subjects/s", nil), 404, 40404)
}

func TestChecklist19HardDelete(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	id1 := ts.register(t, "s", reg(orderV1))
	ts.register(t, "s", reg(orderV2))
	ts.register(t, "t", reg(addressV1))
	// Not soft-deleted first.
	wantErr(t, ts.do(t, "DELETE", "/subjects/s/versions/1?permanent=true", nil), 404, 40407)
	wantErr(t, ts.do(t, "DELETE", "/subjects/s?permanent=true", nil), 404, 40405)
	// Soft, then hard.
	wantOK(t, ts.do(t, "DELETE", "/subjects/s/versions/1", nil), `1`)
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id1), nil), fmt.Sprintf(`{"schema":%q}`, orderV1))
	wantOK(t, ts.do(t, "DELETE", "/subjects/s/versions/1?permanent=true", nil), `1`)
	wantErr(t, ts.do(t, "GET", "/subjects/s/versions/1?deleted=true", nil), 404, 40402)
	wantErr(t, ts.do(t, "POST", "/subjects/s?deleted=true", reg(orderV1)), 404, 40403)
	// No version holds id1 any more.
	wantErr(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id1), nil), 404, 40403)
	wantErr(t, ts.do(t, "DELETE", "/subjects/s/versions/1?permanent=true", nil), 404, 40402)
	// Whole subject: soft, then hard; subject settings go with it.
	ts.do(t, "PUT", "/config/t", `{"compatibility":"NONE"}`)
	wantOK(t, ts.do(t, "DELETE", "/subjects/t", nil), `[1]`)
	wantOK(t, ts.do(t, "DELETE", "/subjects/t?permanent=true", nil), `[1]`)
	wantErr(t, ts.do(t, "GET", "/subjects/t/versions?deleted=true", nil), 404, 40401)
	wantErr(t, ts.do(t, "POST", "/subjects/t?deleted=true", reg(addressV1)), 404, 40401)
	wantErr(t, ts.do(t, "GET", "/config/t", nil), 404, 40408)
	wantErr(t, ts.do(t, "DELETE", "/subjects/t?permanent=true", nil), 404, 40401)
}

func TestChecklist20ReregisterAfterDelete(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	id1 := ts.register(t, "s", reg(orderV1))
	id2 := ts.register(t, "s", reg(orderV2))
	wantOK(t, ts.do(t, "DELETE", "/subjects/s", nil), `[1,2]`)
	// Versions 3 and 4, same ids.
	wantOK(t, ts.do(t, "POST", "/subjects/s/versions", reg(orderV1)), fmt.Sprintf(`{"id":%d,"version":3}`, id1))
	wantOK(t, ts.do(t, "POST", "/subjects/s/versions", reg(orderV2)), fmt.Sprintf(`{"id":%d,"version":4}`, id2))
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions", nil), `[3,4]`)
	// Hard delete 4 (after soft): next version is max remaining + 1 = 4, same id.
	ts.do(t, "DELETE", "/subjects/s/versions/4", nil)
	wantOK(t, ts.do(t, "DELETE", "/subjects/s/versions/4?permanent=true", nil), `4`)
	wantOK(t, ts.do(t, "POST", "/subjects/s/versions", reg(orderV2)), fmt.Sprintf(`{"id":%d,"version":4}`, id2))
	// Even after the whole subject is gone, the content keeps its id.
	ts.do(t, "DELETE", "/subjects/s", nil)
	ts.do(t, "DELETE", "/subjects/s?permanent=true", nil)
	wantOK(t, ts.do(t, "POST", "/subjects/s/versions", reg(orderV1)), fmt.Sprintf(`{"id":%d,"version":1}`, id1))
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id1), nil), fmt.Sprintf(`{"schema":%q}`, orderV1))
}

func TestChecklist21ReferencedSchema(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "addr", reg(addressV1))
	refs := []api.Reference{{Name: "com.acme.Address", Subject: "addr", Version: -1}}
	custID := ts.register(t, "cust", reg(customerRef, "references", refs))
	// version -1 was stored as the concrete version.
	wantOK(t, ts.do(t, "GET", "/subjects/cust/versions/1", nil), fmt.Sprintf(
		`{"subject":"cust","version":1,"id":%d,"references":[{"name":"com.acme.Address","subject":"addr","version":1}],"schema":%q}`, custID, customerRef))
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", custID), nil), fmt.Sprintf(
		`{"schema":%q,"references":[{"name":"com.acme.Address","subject":"addr","version":1}]}`, customerRef))
	wantOK(t, ts.do(t, "GET", "/subjects/addr/versions/1/referencedby", nil), fmt.Sprintf(`[%d]`, custID))
	// Lookup with the reference finds it.
	wantOK(t, ts.do(t, "POST", "/subjects/cust", reg(customerRef, "references", refs)), fmt.Sprintf(
		`{"subject":"cust","version":1,"id":%d,"references":[{"name":"com.acme.Address","subject":"addr","version":1}],"schema":%q}`, custID, customerRef))

	wantErr(t, ts.do(t, "DELETE", "/subjects/addr/versions/1", nil), 422, 42206)
	wantErr(t, ts.do(t, "DELETE", "/subjects/addr", nil), 422, 42206)
	// Soft-delete the referrer: a soft delete of addr is allowed now, a hard one is not.
	wantOK(t, ts.do(t, "DELETE", "/subjects/cust", nil), `[1]`)
	wantOK(t, ts.do(t, "GET", "/subjects/addr/versions/1/referencedby", nil), `[]`)
	wantOK(t, ts.do(t, "DELETE", "/subjects/addr/versions/1", nil), `1`)
	wantErr(t, ts.do(t, "DELETE", "/subjects/addr/versions/1?permanent=true", nil), 422, 42206)
	wantErr(t, ts.do(t, "DELETE", "/subjects/addr?permanent=true", nil), 422, 42206)
	// Once the referrer is gone for good, addr can go too.
	wantOK(t, ts.do(t, "DELETE", "/subjects/cust?permanent=true", nil), `[1]`)
	wantOK(t, ts.do(t, "DELETE", "/subjects/addr?permanent=true", nil), `[1]`)
}

func TestChecklist22Modes(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	wantOK(t, ts.do(t, "GET", "/mode", nil), `{"mode":"READWRITE"}`)
	wantErr(t, ts.do(t, "GET", "/mode/s", nil), 404, 40409)
	wantOK(t, ts.do(t, "GET", "/mode/s?defaultToGlobal=true", nil), `{"mode":"READWRITE"}`)
	wantErr(t, ts.do(t, "PUT", "/mode", `{"mode":"SOMETIMES"}`), 422, 42204)

	// Subject READONLY: register refused, reads still work, other subjects unaffected.
	wantOK(t, ts.do(t, "PUT", "/mode/s", `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	wantOK(t, ts.do(t, "GET", "/mode/s", nil), `{"mode":"READONLY"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/s/versions", reg(orderV2)), 422, 42205)
	wantErr(t, ts.do(t, "DELETE", "/subjects/s/versions/1", nil), 422, 42205)
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions/1", nil), fmt.Sprintf(`{"subject":"s","version":1,"id":1,"schema":%q}`, orderV1))
	ts.register(t, "t", reg(orderV2))
	wantOK(t, ts.do(t, "DELETE", "/mode/s", nil), `{"mode":"READONLY"}`)
	wantErr(t, ts.do(t, "DELETE", "/mode/s", nil), 404, 40401) // Confluent: subjectNotFoundException, not 40409 as GET
	wantOK(t, ts.do(t, "DELETE", "/mode/s?recursive=true", nil), `{"mode":null}`)

	// Global READONLY.
	wantOK(t, ts.do(t, "PUT", "/mode", `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/u/versions", reg(addressV1)), 422, 42205)
	wantOK(t, ts.do(t, "POST", "/subjects/s", reg(orderV1)), fmt.Sprintf(`{"subject":"s","version":1,"id":1,"schema":%q}`, orderV1))
	wantOK(t, ts.do(t, "PUT", "/mode", `{"mode":"READWRITE"}`), `{"mode":"READWRITE"}`)
	ts.register(t, "u", reg(addressV1))
}

func TestChecklist23Import(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	wantErr(t, ts.do(t, "PUT", "/mode", `{"mode":"IMPORT"}`), 422, 42205)
	wantOK(t, ts.do(t, "PUT", "/mode?force=true", `{"mode":"IMPORT"}`), `{"mode":"IMPORT"}`)
	// Without an id: refused.
	wantErr(t, ts.do(t, "POST", "/subjects/imp/versions", reg(orderV2)), 422, 42205)
	// With id and version.
	wantOK(t, ts.do(t, "POST", "/subjects/imp/versions", reg(orderV2, "id", 100, "version", 5)), `{"id":100,"version":5}`)
	wantOK(t, ts.do(t, "GET", "/schemas/ids/100", nil), fmt.Sprintf(`{"schema":%q}`, orderV2))
	wantOK(t, ts.do(t, "GET", "/subjects/imp/versions", nil), `[5]`)
	// Same content and id again: idempotent.
	wantOK(t, ts.do(t, "POST", "/subjects/imp/versions", reg(orderV2, "id", 100, "version", 5)), `{"id":100,"version":5}`)
	// Different content under an existing id: refused.
	wantErr(t, ts.do(t, "POST", "/subjects/imp/versions", reg(orderV3, "id", 100)), 422, 42205)
	wantErr(t, ts.do(t, "POST", "/subjects/other/versions", reg(orderV3, "id", 1)), 422, 42205)
	// Back to READWRITE: an explicit id is refused and new ids exceed the imported ones.
	wantOK(t, ts.do(t, "PUT", "/mode", `{"mode":"READWRITE"}`), `{"mode":"READWRITE"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/imp/versions", reg(orderV3, "id", 200)), 422, 42205)
	if id := ts.register(t, "imp", reg(orderV3)); id <= 100 {
		t.Fatalf("id after import %d, want > 100", id)
	}
	// Subject-level IMPORT on an empty subject needs no force.
	wantOK(t, ts.do(t, "PUT", "/mode/fresh", `{"mode":"IMPORT"}`), `{"mode":"IMPORT"}`)
	wantErr(t, ts.do(t, "PUT", "/mode/s", `{"mode":"IMPORT"}`), 422, 42205)
}

func TestChecklist24Transport(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	for _, ct := range []string{api.MediaTypeV1, api.MediaTypeGeneric, api.MediaTypeJSON, "application/json; charset=utf-8", "application/octet-stream"} {
		t.Run("content-type "+ct, func(t *testing.T) {
			r := ts.do(t, "POST", "/subjects/s/versions", reg(orderV1), "Content-Type", ct)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if got := r.header.Get("Content-Type"); got != api.MediaTypeV1 {
				t.Errorf("response Content-Type %q", got)
			}
		})
	}
	wantErr(t, ts.do(t, "POST", "/subjects/s/versions", reg(orderV1), "Content-Type", "text/plain"), 415, 415)
	wantErr(t, ts.do(t, "GET", "/subjects", nil, "Accept", "text/html"), 406, 406)
	for _, accept := range []string{api.MediaTypeV1, api.MediaTypeGeneric + "; q=0.9", "application/json", "*/*", "text/html, application/*;q=0.5"} {
		if r := ts.do(t, "GET", "/subjects", nil, "Accept", accept); r.status != 200 {
			t.Errorf("Accept %q: %d", accept, r.status)
		}
	}
	wantErr(t, ts.do(t, "GET", "/no/such/route", nil), 404, 404)
	wantErr(t, ts.do(t, "PATCH", "/subjects", nil), 405, 405)
	wantErr(t, ts.do(t, "PUT", "/schemas/types", "{}"), 405, 405)
	// A subject with an encoded slash is one path segment.
	ts.register(t, "a%2Fb", reg(orderV1))
	wantOK(t, ts.do(t, "GET", "/subjects", nil), `["a/b","s"]`)
}

func TestChecklist25AuthAndLimits(t *testing.T) {
	users := testUsers(t)
	ts := newTestServer(t, ServerOptions{Users: users, MaxBodyBytes: 64 << 10, MaxSchemaBytes: 8 << 10})
	basic := func(u, p string) []string {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(u, p)
		return []string{"Authorization", req.Header.Get("Authorization")}
	}
	// Every endpoint needs credentials, known or not.
	for _, path := range []string{"/subjects", "/schemas/ids/1", "/config", "/metrics", "/no/such/route"} {
		for _, hdr := range [][]string{nil, basic("writer", "wrong"), basic("nobody", "secret-w")} {
			r := ts.do(t, "GET", path, nil, hdr...)
			wantErr(t, r, 401, 401)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s: WWW-Authenticate %q", path, r.header.Get("WWW-Authenticate"))
			}
		}
	}
	w, rd := basic("writer", "secret-w"), basic("reader", "secret-r")
	if r := ts.do(t, "POST", "/subjects/s/versions", reg(orderV1), w...); r.status != 200 {
		t.Fatalf("writer register: %d %s", r.status, r.body)
	}
	wantOK(t, ts.do(t, "GET", "/subjects", nil, rd...), `["s"]`)
	// Reads through POST are reads.
	if r := ts.do(t, "POST", "/subjects/s", reg(orderV1), rd...); r.status != 200 {
		t.Errorf("reader lookup: %d %s", r.status, r.body)
	}
	if r := ts.do(t, "POST", "/compatibility/subjects/s/versions/latest", reg(orderV2), rd...); r.status != 200 {
		t.Errorf("reader compatibility: %d %s", r.status, r.body)
	}
	// Writes by a reader are forbidden, the config endpoints included.
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/subjects/s/versions", fmt.Sprintf(`{"schema":%q}`, orderV2)},
		{"DELETE", "/subjects/s", ""},
		{"DELETE", "/subjects/s/versions/1", ""},
		{"PUT", "/config", `{"compatibility":"NONE"}`},
		{"PUT", "/config/s", `{"compatibility":"NONE"}`},
		{"DELETE", "/config", ""},
		{"PUT", "/mode", `{"mode":"READONLY"}`},
		{"DELETE", "/mode/s", ""},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		wantErr(t, ts.do(t, c.method, c.path, body, rd...), 403, 403)
	}
	wantOK(t, ts.do(t, "GET", "/config", nil, rd...), `{"compatibilityLevel":"BACKWARD"}`)

	// Limits: body over the limit → 413, schema over the limit → 42209.
	huge := fmt.Sprintf(`{"schema":%q}`, strings.Repeat(" ", 100<<10)+orderV1)
	wantErr(t, ts.do(t, "POST", "/subjects/s/versions", huge, w...), 413, 413)
	big := `{"type":"record","name":"Big","fields":[` + strings.Repeat(`{"name":"f","type":"string"},`, 400) + `{"name":"g","type":"int"}]}`
	wantErr(t, ts.do(t, "POST", "/subjects/s/versions", reg(big), w...), 422, 42209)
}

func TestChecklist25RateLimit(t *testing.T) {
	ts := newTestServer(t, ServerOptions{RateLimit: 1, RateBurst: 3})
	var limited resp
	for i := 0; i < 10; i++ {
		if r := ts.do(t, "GET", "/subjects", nil); r.status != 200 {
			limited = r
			break
		}
	}
	wantErr(t, limited, 429, 429)
	if limited.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// A subject whose versions reference each other can still be deleted as a whole.
func TestChecklist21SelfReferencingSubject(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.do(t, "PUT", "/config/s", `{"compatibility":"NONE"}`)
	ts.register(t, "s", reg(addressV1))
	ts.register(t, "s", reg(customerRef, "references", []api.Reference{{Name: "com.acme.Address", Subject: "s", Version: 1}}))
	wantErr(t, ts.do(t, "DELETE", "/subjects/s/versions/1", nil), 422, 42206)
	wantOK(t, ts.do(t, "DELETE", "/subjects/s", nil), `[1,2]`)
	wantOK(t, ts.do(t, "DELETE", "/subjects/s?permanent=true", nil), `[1,2]`)
}
