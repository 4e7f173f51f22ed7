package interop_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/sr"
	"golang.org/x/crypto/bcrypt"

	"github.com/evctl/evctl/interop/internal/evctltest"
)

const (
	orderV1 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}`
	orderV2 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long","default":0}]}`
	// orderBad adds a field without a default: BACKWARD incompatible.
	orderBad    = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}`
	addressV1   = `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]}`
	customerRef = `{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"addr","type":"com.acme.Address"}]}`
	jsonV1      = `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`
)

func TestFranzGoClient(t *testing.T) {
	ctx := context.Background()
	cl, err := sr.NewClient(sr.URLs(evctltest.Serve(t)))
	if err != nil {
		t.Fatal(err)
	}
	// Register, and register again: same id, one version.
	ss, err := cl.CreateSchema(ctx, "orders-value", sr.Schema{Schema: orderV1})
	if err != nil {
		t.Fatal(err)
	}
	if ss.ID != 1 || ss.Version != 1 || ss.Subject != "orders-value" {
		t.Fatalf("CreateSchema: %+v", ss)
	}
	again, err := cl.CreateSchema(ctx, "orders-value", sr.Schema{Schema: orderV1, Type: sr.TypeAvro})
	if err != nil || again.ID != ss.ID || again.Version != 1 {
		t.Fatalf("re-register: %+v, %v", again, err)
	}
	// Get by id.
	s, err := cl.SchemaByID(ctx, ss.ID)
	if err != nil || s.Schema != orderV1 || s.Type != sr.TypeAvro {
		t.Fatalf("SchemaByID: %+v, %v", s, err)
	}
	text, err := cl.SchemaTextByID(ctx, ss.ID)
	if err != nil || text != orderV1 {
		t.Fatalf("SchemaTextByID: %q, %v", text, err)
	}
	// Lookup.
	found, err := cl.LookupSchema(ctx, "orders-value", sr.Schema{Schema: orderV1})
	if err != nil || found.ID != ss.ID || found.Version != 1 {
		t.Fatalf("LookupSchema: %+v, %v", found, err)
	}
	// Compatibility, verbose.
	vctx := sr.WithParams(ctx, sr.Verbose)
	res, err := cl.CheckCompatibility(vctx, "orders-value", -1, sr.Schema{Schema: orderBad})
	if err != nil || res.Is || len(res.Messages) == 0 {
		t.Fatalf("CheckCompatibility(bad): %+v, %v", res, err)
	}
	res, err = cl.CheckCompatibility(ctx, "orders-value", 1, sr.Schema{Schema: orderV2})
	if err != nil || !res.Is {
		t.Fatalf("CheckCompatibility(good): %+v, %v", res, err)
	}
	_, err = cl.CreateSchema(ctx, "orders-value", sr.Schema{Schema: orderBad})
	var re *sr.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusConflict {
		t.Fatalf("incompatible register: %v", err)
	}
	v2, err := cl.CreateSchema(ctx, "orders-value", sr.Schema{Schema: orderV2})
	if err != nil || v2.Version != 2 || v2.ID != 2 {
		t.Fatalf("register v2: %+v, %v", v2, err)
	}
	versions, err := cl.SubjectVersions(ctx, "orders-value")
	if err != nil || !slices.Equal(versions, []int{1, 2}) {
		t.Fatalf("SubjectVersions: %v, %v", versions, err)
	}
	// Config: global and per subject.
	for _, r := range cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatFull}, "orders-value") {
		if r.Err != nil || r.Level != sr.CompatFull {
			t.Fatalf("SetCompatibility: %+v", r)
		}
	}
	for _, r := range cl.Compatibility(ctx, "orders-value") {
		if r.Err != nil || r.Level != sr.CompatFull {
			t.Fatalf("Compatibility: %+v", r)
		}
	}
	for _, r := range cl.Compatibility(ctx) {
		if r.Err != nil || r.Level != sr.CompatBackward {
			t.Fatalf("global Compatibility: %+v", r)
		}
	}
	for _, r := range cl.ResetCompatibility(ctx, "orders-value") {
		if r.Err != nil {
			t.Fatalf("ResetCompatibility: %+v", r)
		}
	}
	// Modes.
	for _, r := range cl.Mode(ctx) {
		if r.Err != nil || r.Mode != sr.ModeReadWrite {
			t.Fatalf("Mode: %+v", r)
		}
	}
	// JSON Schema and references.
	js, err := cl.CreateSchema(ctx, "json-value", sr.Schema{Schema: jsonV1, Type: sr.TypeJSON})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := cl.SchemaByID(ctx, js.ID); err != nil || s.Type != sr.TypeJSON {
		t.Fatalf("JSON schema by id: %+v, %v", s, err)
	}
	addr, err := cl.CreateSchema(ctx, "addr-value", sr.Schema{Schema: addressV1})
	if err != nil {
		t.Fatal(err)
	}
	cust, err := cl.CreateSchema(ctx, "cust-value", sr.Schema{Schema: customerRef, References: []sr.SchemaReference{
		{Name: "com.acme.Address", Subject: "addr-value", Version: addr.Version},
	}})
	if err != nil {
		t.Fatal(err)
	}
	refs, err := cl.SchemaReferences(ctx, "addr-value", 1)
	if err != nil || len(refs) != 1 || refs[0].ID != cust.ID {
		t.Fatalf("SchemaReferences: %+v, %v", refs, err)
	}
	// Deletes: soft, then hard.
	deleted, err := cl.DeleteSubject(ctx, "orders-value", sr.SoftDelete)
	if err != nil || !slices.Equal(deleted, []int{1, 2}) {
		t.Fatalf("soft DeleteSubject: %v, %v", deleted, err)
	}
	deleted, err = cl.DeleteSubject(ctx, "orders-value", sr.HardDelete)
	if err != nil || !slices.Equal(deleted, []int{1, 2}) {
		t.Fatalf("hard DeleteSubject: %v, %v", deleted, err)
	}
	_, err = cl.SchemaByID(ctx, ss.ID)
	if !errors.As(err, &re) || re.StatusCode != 404 || re.ErrorCode != 40403 {
		t.Fatalf("SchemaByID after hard delete: %v", err)
	}
	subjects, err := cl.Subjects(ctx)
	if err != nil || !slices.Equal(subjects, []string{"addr-value", "cust-value", "json-value"}) {
		t.Fatalf("Subjects: %v, %v", subjects, err)
	}
	types, err := cl.SupportedTypes(ctx)
	if err != nil || len(types) != 2 {
		t.Fatalf("SupportedTypes: %v, %v", types, err)
	}
}

func TestFranzGoClientBasicAuth(t *testing.T) {
	ctx := context.Background()
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	url := evctltest.Serve(t,
		evctltest.User{Name: "ci", Hash: string(hash), Role: "write"},
		evctltest.User{Name: "app", Hash: string(hash), Role: "read"},
	)
	anon, _ := sr.NewClient(sr.URLs(url))
	var re *sr.ResponseError
	if _, err := anon.Subjects(ctx); !errors.As(err, &re) || re.StatusCode != 401 {
		t.Fatalf("anonymous: %v", err)
	}
	ci, _ := sr.NewClient(sr.URLs(url), sr.BasicAuth("ci", "pw"))
	if _, err := ci.CreateSchema(ctx, "s", sr.Schema{Schema: orderV1}); err != nil {
		t.Fatal(err)
	}
	app, _ := sr.NewClient(sr.URLs(url), sr.BasicAuth("app", "pw"))
	if _, err := app.SchemaByID(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := app.RegisterSchema(ctx, "s", sr.Schema{Schema: orderV2}, -1, -1); !errors.As(err, &re) || re.StatusCode != 403 {
		t.Fatalf("read-only register: %v", err)
	}
}

func confluentClient(t *testing.T, url string) schemaregistry.Client {
	t.Helper()
	conf := schemaregistry.NewConfig(url)
	conf.MaxRetries = 0
	c, err := schemaregistry.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestConfluentClient(t *testing.T) {
	url := evctltest.Serve(t)
	c := confluentClient(t, url)
	// Register.
	id, err := c.Register("orders-value", schemaregistry.SchemaInfo{Schema: orderV1}, false)
	if err != nil || id != 1 {
		t.Fatalf("Register: %d, %v", id, err)
	}
	// A second client (no cache) registering the same schema gets the same id.
	if id2, err := confluentClient(t, url).Register("orders-value", schemaregistry.SchemaInfo{Schema: orderV1, SchemaType: "AVRO"}, false); err != nil || id2 != id {
		t.Fatalf("re-register: %d, %v", id2, err)
	}
	// Get by id, through a fresh client so the cache does not answer.
	fresh := confluentClient(t, url)
	info, err := fresh.GetBySubjectAndID("orders-value", id)
	if err != nil || info.Schema != orderV1 {
		t.Fatalf("GetBySubjectAndID: %+v, %v", info, err)
	}
	svs, err := fresh.GetSubjectsAndVersionsByID(id)
	if err != nil || len(svs) != 1 || svs[0].Subject != "orders-value" || svs[0].Version != 1 {
		t.Fatalf("GetSubjectsAndVersionsByID: %+v, %v", svs, err)
	}
	// Lookup.
	meta, err := fresh.GetLatestSchemaMetadata("orders-value")
	if err != nil || meta.ID != id || meta.Version != 1 || meta.Schema != orderV1 {
		t.Fatalf("GetLatestSchemaMetadata: %+v, %v", meta, err)
	}
	gotID, err := fresh.GetID("orders-value", schemaregistry.SchemaInfo{Schema: orderV1}, false)
	if err != nil || gotID != id {
		t.Fatalf("GetID (lookup): %d, %v", gotID, err)
	}
	version, err := fresh.GetVersion("orders-value", schemaregistry.SchemaInfo{Schema: orderV1}, false)
	if err != nil || version != 1 {
		t.Fatalf("GetVersion: %d, %v", version, err)
	}
	if _, err := fresh.GetID("orders-value", schemaregistry.SchemaInfo{Schema: addressV1}, false); err == nil || !strings.Contains(err.Error(), "40403") {
		t.Fatalf("GetID of a schema not in the subject: %v", err)
	}
	// Compatibility.
	ok, err := c.TestCompatibility("orders-value", 1, schemaregistry.SchemaInfo{Schema: orderBad})
	if err != nil || ok {
		t.Fatalf("TestCompatibility(bad): %v, %v", ok, err)
	}
	ok, err = c.TestSubjectCompatibility("orders-value", schemaregistry.SchemaInfo{Schema: orderV2})
	if err != nil || !ok {
		t.Fatalf("TestSubjectCompatibility(good): %v, %v", ok, err)
	}
	if _, err := c.Register("orders-value", schemaregistry.SchemaInfo{Schema: orderBad}, false); err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("incompatible Register: %v", err)
	}
	if id, err := c.Register("orders-value", schemaregistry.SchemaInfo{Schema: orderV2}, false); err != nil || id != 2 {
		t.Fatalf("Register v2: %d, %v", id, err)
	}
	versions, err := c.GetAllVersions("orders-value")
	if err != nil || !slices.Equal(versions, []int{1, 2}) {
		t.Fatalf("GetAllVersions: %v, %v", versions, err)
	}
	// Config.
	if lvl, err := c.GetDefaultCompatibility(); err != nil || lvl != schemaregistry.Backward {
		t.Fatalf("GetDefaultCompatibility: %v, %v", lvl, err)
	}
	if lvl, err := c.UpdateCompatibility("orders-value", schemaregistry.Full); err != nil || lvl != schemaregistry.Full {
		t.Fatalf("UpdateCompatibility: %v, %v", lvl, err)
	}
	if lvl, err := c.GetCompatibility("orders-value"); err != nil || lvl != schemaregistry.Full {
		t.Fatalf("GetCompatibility: %v, %v", lvl, err)
	}
	if lvl, err := c.UpdateDefaultCompatibility(schemaregistry.ForwardTransitive); err != nil || lvl != schemaregistry.ForwardTransitive {
		t.Fatalf("UpdateDefaultCompatibility: %v, %v", lvl, err)
	}
	cfg, err := c.GetConfig("never-configured", true)
	if err != nil || cfg.CompatibilityLevel != schemaregistry.ForwardTransitive {
		t.Fatalf("GetConfig(defaultToGlobal): %+v, %v", cfg, err)
	}
	if _, err := c.GetCompatibility("never-configured"); err == nil || !strings.Contains(err.Error(), "40408") {
		t.Fatalf("GetCompatibility of an unconfigured subject: %v", err)
	}
	// JSON Schema with references to nothing, and Avro with a reference.
	if _, err := c.Register("json-value", schemaregistry.SchemaInfo{Schema: jsonV1, SchemaType: "JSON"}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register("addr-value", schemaregistry.SchemaInfo{Schema: addressV1}, false); err != nil {
		t.Fatal(err)
	}
	custID, err := c.Register("cust-value", schemaregistry.SchemaInfo{Schema: customerRef, References: []schemaregistry.Reference{
		{Name: "com.acme.Address", Subject: "addr-value", Version: 1},
	}}, false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := confluentClient(t, url).GetBySubjectAndID("cust-value", custID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]schemaregistry.Reference{{Name: "com.acme.Address", Subject: "addr-value", Version: 1}}, got.References); d != "" {
		t.Errorf("references (-want +got):\n%s", d)
	}
	// Deletes.
	if v, err := c.DeleteSubjectVersion("orders-value", 2, false); err != nil || v != 2 {
		t.Fatalf("DeleteSubjectVersion: %d, %v", v, err)
	}
	deleted, err := c.DeleteSubject("orders-value", false)
	if err != nil || !slices.Equal(deleted, []int{1}) {
		t.Fatalf("soft DeleteSubject: %v, %v", deleted, err)
	}
	deleted, err = c.DeleteSubject("orders-value", true)
	if err != nil || !slices.Equal(deleted, []int{1, 2}) {
		t.Fatalf("hard DeleteSubject: %v, %v", deleted, err)
	}
	if _, err := c.DeleteSubject("addr-value", false); err == nil || !strings.Contains(err.Error(), "42206") {
		t.Fatalf("delete of a referenced subject: %v", err)
	}
	subjects, err := c.GetAllSubjects()
	if err != nil || !slices.Equal(subjects, []string{"addr-value", "cust-value", "json-value"}) {
		t.Fatalf("GetAllSubjects: %v, %v", subjects, err)
	}
	if _, err := confluentClient(t, url).GetBySubjectAndID("", 999); err == nil || !strings.Contains(err.Error(), "40403") {
		t.Fatalf("unknown id: %v", err)
	}
}
