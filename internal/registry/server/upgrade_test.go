package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
	"github.com/evctl/evctl/internal/registry/store/postgres"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

// A PostgreSQL database left by a release before contexts (schema version
// 2: one id space, schemas keyed by id and hash) and filled as that
// release wrote it is migrated at start-up, and the current server reads
// back every schema, id, version, deletion, config, mode and reference as
// before; new registrations get fresh ids.
func TestPostgresUpgradeFromBeforeContexts(t *testing.T) {
	pg := startPostgres(t)
	url := pg.newDB(t)
	ctx := context.Background()
	if err := postgres.MigrateTo(ctx, url, 2); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	fillBeforeContexts(t, func(q string, args ...any) error {
		_, err := conn.Exec(ctx, q, args...)
		return err
	})
	conn.Close(ctx)
	checkUpgradedBeforeContexts(t, func() store.Store { return openPostgresStore(t, url) })
	// The version table records each step once.
	conn, err = pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var versions []int32
	rows, err := conn.Query(ctx, `SELECT version FROM evctl_schema_version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	if versions, err = pgx.CollectRows(rows, pgx.RowTo[int32]); err != nil {
		t.Fatal(err)
	}
	want := []int32{}
	for v := 1; v <= postgres.SchemaVersion(); v++ {
		want = append(want, int32(v))
	}
	if !slices.Equal(versions, want) {
		t.Errorf("evctl_schema_version holds %v, want %v", versions, want)
	}
}

// The same for a SQLite file left by a release before contexts (schema
// version 3, after data contracts and GUIDs).
func TestSQLiteUpgradeFromBeforeContexts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	if err := sqlite.MigrateTo(path, 3); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	dollar := regexp.MustCompile(`\$[0-9]+`)
	fillBeforeContexts(t, func(q string, args ...any) error {
		_, err := db.Exec(dollar.ReplaceAllString(q, "?"), args...)
		return err
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	checkUpgradedBeforeContexts(t, func() store.Store {
		st, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

// oldSchema is one schema row as a release before contexts stored it.
type oldSchema struct {
	id   int64
	text string
	typ  compat.Format
	refs []api.Reference
	meta *api.Metadata
	guid string
}

// The data set of the upgrade tests. Ids are those an old release handed
// out; id 7 was hard-deleted from its only subject, and the id sequence is
// past every stored id (an id was handed out and its schema removed by
// hand), so the next new schema must get id 10.
var (
	oldAddressRef = []api.Reference{{Name: "com.acme.Address", Subject: "address-value", Version: 1}}
	oldOwnerMeta  = &api.Metadata{Properties: map[string]string{"owner": "team-payments"}}
	oldGoneSchema = `{"type":"record","name":"Gone","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}`
	oldRetired    = `{"type":"record","name":"Retired","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}`
	oldSchemas    = []oldSchema{
		{id: 1, text: orderV1, typ: compat.Avro},
		{id: 2, text: orderV2, typ: compat.Avro},
		{id: 3, text: orderV3, typ: compat.Avro},
		{id: 4, text: addressV1, typ: compat.Avro},
		{id: 5, text: customerRef, typ: compat.Avro, refs: oldAddressRef},
		{id: 6, text: jsonV1, typ: compat.JSONSchema, meta: oldOwnerMeta},
		{id: 7, text: oldGoneSchema, typ: compat.Avro},
		{id: 8, text: oldRetired, typ: compat.Avro},
	}
	// oldVersions: subject, version, schema id, soft-deleted.
	oldVersions = []struct {
		subject string
		version int
		id      int64
		deleted bool
	}{
		{"orders-value", 1, 1, false},
		{"orders-value", 2, 2, false},
		{"orders-value", 3, 3, true},
		{"address-value", 1, 4, false},
		{"customer-value", 1, 5, false},
		{"shared-value", 1, 1, false},
		{"contract-value", 1, 6, false},
		{"retired-value", 1, 8, true},
	}
	oldGUIDs = map[int64]string{}
)

// fillBeforeContexts writes the data set with the SQL of the old schema:
// the tables as they were before contexts (no context columns), the
// statements an old release ran ($n placeholders).
func fillBeforeContexts(t *testing.T, exec func(q string, args ...any) error) {
	t.Helper()
	srv := &server{opts: ServerOptions{MaxSchemaBytes: DefaultMaxSchemaBytes, MaxSchemaDepth: DefaultMaxSchemaDepth}}
	for _, s := range oldSchemas {
		req := &schemaRequest{Schema: ptr(s.text), References: s.refs}
		if s.typ == compat.JSONSchema {
			req.SchemaType = "JSON"
		}
		p, err := srv.prepareSchema(req)
		if err != nil {
			t.Fatal(err)
		}
		hash, err := contractHash(p.Type, p.Canonical, s.refs, s.meta, nil)
		if err != nil {
			t.Fatal(err)
		}
		refs := s.refs
		if refs == nil {
			refs = []api.Reference{}
		}
		rj, err := jsonText(refs)
		if err != nil {
			t.Fatal(err)
		}
		meta, err := api.ContractJSON(s.meta)
		if err != nil {
			t.Fatal(err)
		}
		s.guid = store.NewGUID()
		oldGUIDs[s.id] = s.guid
		if err := exec(`INSERT INTO schemas (id, guid, hash, schema_type, schema, refs, metadata, rule_set, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, '', 1700000000000)`,
			s.id, s.guid, hash, string(p.Type), p.Text, rj, meta); err != nil {
			t.Fatalf("insert schema %d: %v", s.id, err)
		}
		for i, r := range s.refs {
			if err := exec(`INSERT INTO schema_refs (schema_id, ord, name, subject, version) VALUES ($1, $2, $3, $4, $5)`,
				s.id, i, r.Name, r.Subject, r.Version); err != nil {
				t.Fatalf("insert reference of %d: %v", s.id, err)
			}
		}
	}
	for _, v := range oldVersions {
		if err := exec(`INSERT INTO versions (subject, version, schema_id, deleted, created_at) VALUES ($1, $2, $3, $4, 1700000000000)`,
			v.subject, v.version, v.id, v.deleted); err != nil {
			t.Fatalf("insert version %s/%d: %v", v.subject, v.version, err)
		}
	}
	for _, stmt := range []string{
		`INSERT INTO id_seq (name, value) VALUES ('schema', 9)`,
		`INSERT INTO config (subject, compatibility, contract) VALUES ('', 'BACKWARD', '')`,
		`INSERT INTO config (subject, compatibility, contract) VALUES ('orders-value', 'FULL', '')`,
		`INSERT INTO config (subject, compatibility, contract) VALUES ('shared-value', 'NONE', '{"defaultMetadata":{"properties":{"tier":"gold"}}}')`,
		`INSERT INTO modes (subject, mode) VALUES ('', 'READWRITE')`,
		`INSERT INTO modes (subject, mode) VALUES ('retired-value', 'READONLY')`,
	} {
		if err := exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkUpgradedBeforeContexts opens the old database with the current
// store (which migrates it) and checks it over HTTP, twice: right after
// the migration and after a restart on the migrated database.
func checkUpgradedBeforeContexts(t *testing.T, open func() store.Store) {
	st := open()
	ts := &testServer{Server: newHTTPTest(t, NewServer(st, ServerOptions{}))}
	checkOldData(t, ts, false)

	// Re-registering an old schema finds its old id (the identity hash
	// kept across the migration); the same schema in another subject too.
	wantOK(t, ts.do(t, "POST", "/subjects/orders-value/versions", reg(orderV2)), `{"id":2,"version":2}`)
	wantOK(t, ts.do(t, "POST", "/subjects/customer-value/versions", reg(customerRef, "references", oldAddressRef)), `{"id":5,"version":1}`)
	wantOK(t, ts.do(t, "POST", "/subjects/fresh-value/versions", reg(addressV1)), `{"id":4,"version":1}`)
	wantOK(t, ts.do(t, "POST", "/subjects/contract-value", reg(jsonV1, "schemaType", "JSON", "metadata", oldOwnerMeta)),
		fmt.Sprintf(`{"subject":"contract-value","version":1,"id":6,"schemaType":"JSON","schema":%q,"metadata":{"properties":{"owner":"team-payments"}}}`, jsonV1))
	// The soft-deleted version's schema comes back as a new version, same id.
	wantOK(t, ts.do(t, "POST", "/subjects/orders-value/versions", reg(orderV3)), `{"id":3,"version":4}`)
	// New schemas get ids past the old sequence, one each.
	next := `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long","default":0},{"name":"note","type":"string","default":""},{"name":"tag","type":"string","default":""}]}`
	wantOK(t, ts.do(t, "POST", "/subjects/orders-value/versions", reg(next)), `{"id":10,"version":5}`)
	wantOK(t, ts.do(t, "POST", "/subjects/new-value/versions", reg(oldGoneSchema)), `{"id":7,"version":1}`)
	brandNew := `{"type":"record","name":"Brand","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}`
	wantOK(t, ts.do(t, "POST", "/subjects/brand-value/versions", reg(brandNew, "schemaType", "AVRO")), `{"id":11,"version":1}`)
	// The old read-only subject stays read-only.
	wantErr(t, ts.do(t, "POST", "/subjects/retired-value/versions", reg(oldRetired)), 422, api.CodeOperationNotPermitted)
	// Contexts work on the migrated database, with their own ids.
	wantOK(t, ts.do(t, "POST", "/subjects/:.staging:orders-value/versions", reg(orderV1)), `{"id":1,"version":1}`)
	wantOK(t, ts.do(t, "GET", "/contexts", nil), `[".",".staging"]`)
	// Every schema has one id in its context, and every id one schema.
	r := ts.do(t, "GET", "/schemas?deleted=true", nil)
	var listed []struct {
		Subject string `json:"subject"`
		ID      int64  `json:"id"`
		Schema  string `json:"schema"`
	}
	r.json(t, &listed)
	byID, byText := map[string]string{}, map[string]string{}
	for _, l := range listed {
		ctx := api.ContextOf(l.Subject)
		id, text := fmt.Sprint(ctx, l.ID), ctx+l.Schema
		if old, ok := byID[id]; ok && old != text {
			t.Errorf("id %d of context %s holds two schemas: %s and %s", l.ID, ctx, old, l.Schema)
		}
		if old, ok := byText[text]; ok && old != id {
			t.Errorf("schema %s has two ids in context %s: %s and %s", l.Schema, ctx, old, id)
		}
		byID[id], byText[text] = text, id
	}
	if len(byID) != 11 { // ids 1-8, 10 and 11, and id 1 of .staging
		t.Errorf("GET /schemas?deleted=true lists %d schemas, want 11: %s", len(byID), r.body)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart finds the migrated database as it was left.
	st = open()
	defer st.Close()
	ts = &testServer{Server: newHTTPTest(t, NewServer(st, ServerOptions{}))}
	checkOldData(t, ts, true)
	wantOK(t, ts.do(t, "GET", "/subjects/orders-value/versions", nil), `[1,2,4,5]`)
	wantOK(t, ts.do(t, "GET", "/schemas/ids/11/versions", nil), `[{"subject":"brand-value","version":1}]`)
}

// checkOldData reads every row of the data set back over HTTP; after says
// whether checkUpgradedBeforeContexts registered more since.
func checkOldData(t *testing.T, ts *testServer, after bool) {
	for _, s := range oldSchemas {
		want := map[string]any{"schema": s.text, "guid": oldGUIDs[s.id]}
		if s.typ == compat.JSONSchema {
			want["schemaType"] = "JSON"
		}
		if s.refs != nil {
			want["references"] = s.refs
		}
		if s.meta != nil {
			want["metadata"] = s.meta
		}
		path := fmt.Sprintf("/schemas/ids/%d", s.id)
		if s.text == oldGoneSchema && !after {
			// Hard-deleted from its only subject: not found, as on Confluent.
			wantErr(t, ts.do(t, "GET", path, nil), 404, api.CodeSchemaNotFound)
			continue
		}
		wantOK(t, ts.do(t, "GET", path, nil), mustJSON(t, want))
		var ids []map[string]any
		ts.do(t, "GET", "/schemas/guids/"+oldGUIDs[s.id]+"/ids", nil).json(t, &ids)
		if len(ids) == 0 || ids[0]["context"] != "." || ids[0]["id"] != float64(s.id) {
			t.Errorf("GET /schemas/guids/%s/ids: %v, want id %d in the default context first", oldGUIDs[s.id], ids, s.id)
		}
	}
	for _, v := range oldVersions {
		var text string
		for _, s := range oldSchemas {
			if s.id == v.id {
				text = s.text
			}
		}
		path := fmt.Sprintf("/subjects/%s/versions/%d", v.subject, v.version)
		if v.deleted {
			code := api.CodeVersionNotFound
			if v.subject == "retired-value" { // no live version left: the subject is gone
				code = api.CodeSubjectNotFound
			}
			wantErr(t, ts.do(t, "GET", path, nil), 404, code)
			path += "?deleted=true"
		}
		r := ts.do(t, "GET", path, nil)
		var got struct {
			Subject string `json:"subject"`
			Version int    `json:"version"`
			ID      int64  `json:"id"`
			Schema  string `json:"schema"`
		}
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		r.json(t, &got)
		if got.Subject != v.subject || got.Version != v.version || got.ID != v.id || got.Schema != text {
			t.Errorf("GET %s: %s, want subject %s version %d id %d", path, r.body, v.subject, v.version, v.id)
		}
	}
	wantOK(t, ts.do(t, "GET", "/subjects/customer-value/versions/1", nil),
		fmt.Sprintf(`{"subject":"customer-value","version":1,"id":5,"schema":%q,"references":[{"name":"com.acme.Address","subject":"address-value","version":1}]}`, customerRef))
	wantOK(t, ts.do(t, "GET", "/subjects/address-value/versions/1/referencedby", nil), `[5]`)
	wantErr(t, ts.do(t, "DELETE", "/subjects/address-value/versions/1", nil), 422, api.CodeReferenceExists)
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1/versions", nil), `[{"subject":"orders-value","version":1},{"subject":"shared-value","version":1}]`)
	if !after {
		wantOK(t, ts.do(t, "GET", "/schemas/ids/3/versions?deleted=true", nil), `[{"subject":"orders-value","version":3}]`)
		wantErr(t, ts.do(t, "GET", "/schemas/ids/7/versions", nil), 404, api.CodeSchemaNotFound)
	}
	r := ts.do(t, "GET", "/subjects", nil)
	var subjects []string
	r.json(t, &subjects)
	for _, want := range []string{"address-value", "contract-value", "customer-value", "orders-value", "shared-value"} {
		if !slices.Contains(subjects, want) {
			t.Errorf("GET /subjects: %v lacks %s", subjects, want)
		}
	}
	if slices.Contains(subjects, "retired-value") {
		t.Errorf("GET /subjects lists the soft-deleted subject retired-value: %v", subjects)
	}
	r = ts.do(t, "GET", "/subjects?deleted=true", nil)
	subjects = nil
	r.json(t, &subjects)
	if !slices.Contains(subjects, "retired-value") {
		t.Errorf("GET /subjects?deleted=true: %v lacks retired-value", subjects)
	}
	wantOK(t, ts.do(t, "GET", "/config", nil), `{"compatibilityLevel":"BACKWARD"}`)
	wantOK(t, ts.do(t, "GET", "/config/orders-value", nil), `{"compatibilityLevel":"FULL"}`)
	wantOK(t, ts.do(t, "GET", "/config/shared-value", nil), `{"compatibilityLevel":"NONE","defaultMetadata":{"properties":{"tier":"gold"}}}`)
	wantOK(t, ts.do(t, "GET", "/mode", nil), `{"mode":"READWRITE"}`)
	wantOK(t, ts.do(t, "GET", "/mode/retired-value", nil), `{"mode":"READONLY"}`)
}
