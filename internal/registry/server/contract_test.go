package server

import (
	"fmt"
	"testing"

	"github.com/evctl/evctl/internal/registry/api"
)

const (
	paymentV1  = `{"type":"record","name":"Payment","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount_cents","type":"long"}]}`
	nonNegRule = `{"domainRules":[{"name":"nonNegative","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.amount_cents >= 0","onFailure":"ERROR"}]}`
	piiMeta    = `{"properties":{"owner":"payments","major":"1"},"tags":{"Payment.id":["PII","PII","ID"]},"sensitive":["id"]}`
)

func TestContractStoredReturnedAndPartOfIdentity(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	body := fmt.Sprintf(`{"schema":%q,"metadata":%s,"ruleSet":%s}`, paymentV1, piiMeta, nonNegRule)
	id := ts.register(t, "payments-value", body)

	// Every read returns the contract, tag and sensitive sets normalized.
	wantMeta := `{"properties":{"major":"1","owner":"payments"},"tags":{"Payment.id":["ID","PII"]},"sensitive":["id"]}`
	wantObj := fmt.Sprintf(`{"subject":"payments-value","version":1,"id":%d,"schema":%q,"metadata":%s,"ruleSet":%s}`, id, paymentV1, wantMeta, nonNegRule)
	wantOK(t, ts.do(t, "GET", "/subjects/payments-value/versions/1", nil), wantObj)
	wantOK(t, ts.do(t, "GET", "/subjects/payments-value/versions/latest", nil), wantObj)
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id), nil),
		fmt.Sprintf(`{"schema":%q,"metadata":%s,"ruleSet":%s}`, paymentV1, wantMeta, nonNegRule))
	wantOK(t, ts.do(t, "GET", "/schemas", nil), "["+wantObj+"]")
	wantOK(t, ts.do(t, "POST", "/subjects/payments-value", reg(paymentV1)), wantObj)
	wantOK(t, ts.do(t, "GET", "/subjects/payments-value/metadata?key=owner&value=payments", nil), wantObj)
	wantErr(t, ts.do(t, "GET", "/subjects/payments-value/metadata?key=owner&value=billing", nil), 404, api.CodeSchemaNotFound)
	wantErr(t, ts.do(t, "GET", "/subjects/nobody/metadata?key=owner&value=payments", nil), 404, api.CodeSubjectNotFound)

	// Re-registering without a contract inherits the latest one: same id, same version.
	wantOK(t, ts.do(t, "POST", "/subjects/payments-value/versions", reg(paymentV1)), fmt.Sprintf(`{"id":%d,"version":1}`, id))
	// The same schema with another contract is another schema: new id, new version.
	other := ts.do(t, "POST", "/subjects/payments-value/versions", fmt.Sprintf(`{"schema":%q,"metadata":{"properties":{"owner":"billing"}}}`, paymentV1))
	wantOK(t, other, fmt.Sprintf(`{"id":%d,"version":2}`, id+1))
	// It kept the inherited rule set, and the new metadata replaced the old.
	wantOK(t, ts.do(t, "GET", "/subjects/payments-value/versions/2", nil),
		fmt.Sprintf(`{"subject":"payments-value","version":2,"id":%d,"schema":%q,"metadata":{"properties":{"owner":"billing"}},"ruleSet":%s}`, id+1, paymentV1, nonNegRule))
	// The metadata endpoint picks the latest version that matches.
	wantOK(t, ts.do(t, "GET", "/subjects/payments-value/metadata?key=owner&value=payments", nil), wantObj)
	// A metadata-only update: no schema, the latest one with a new contract.
	wantOK(t, ts.do(t, "POST", "/subjects/payments-value/versions", `{"metadata":{"properties":{"owner":"risk"}}}`), fmt.Sprintf(`{"id":%d,"version":3}`, id+2))
	// The same schema in another subject with no contract is a third schema.
	plain := ts.register(t, "plain-value", reg(paymentV1))
	if plain == id || plain == id+1 || plain == id+2 {
		t.Fatalf("schema without contract got id %d of a schema with one", plain)
	}
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", plain), nil), fmt.Sprintf(`{"schema":%q}`, paymentV1))
}

func TestContractValidation(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	for _, c := range []struct {
		name, extra string
		code        int
	}{
		{"rule without name", `"ruleSet":{"domainRules":[{"kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}`, api.CodeInvalidRuleSet},
		{"bad rule name", `"ruleSet":{"domainRules":[{"name":"9x","kind":"CONDITION","mode":"WRITE","type":"CEL"}]}`, api.CodeInvalidRuleSet},
		{"duplicate rule name", `"ruleSet":{"domainRules":[{"name":"a","kind":"CONDITION","mode":"WRITE","type":"CEL"},{"name":"a","kind":"CONDITION","mode":"READ","type":"CEL"}]}`, api.CodeInvalidRuleSet},
		{"bad kind", `"ruleSet":{"domainRules":[{"name":"a","kind":"CHECK","mode":"WRITE","type":"CEL"}]}`, api.CodeInvalidRuleSet},
		{"migration mode on a domain rule", `"ruleSet":{"domainRules":[{"name":"a","kind":"CONDITION","mode":"UPGRADE","type":"CEL"}]}`, api.CodeInvalidRuleSet},
		{"domain mode on a migration rule", `"ruleSet":{"migrationRules":[{"name":"a","kind":"TRANSFORM","mode":"WRITE","type":"JSONATA"}]}`, api.CodeInvalidRuleSet},
		{"no type", `"ruleSet":{"domainRules":[{"name":"a","kind":"CONDITION","mode":"WRITE"}]}`, api.CodeInvalidRuleSet},
		{"two actions outside WRITEREAD", `"ruleSet":{"domainRules":[{"name":"a","kind":"CONDITION","mode":"WRITE","type":"CEL","onFailure":"ERROR,NONE"}]}`, api.CodeInvalidRuleSet},
		{"unknown rule field", `"ruleSet":{"domainRules":[{"name":"a","kind":"CONDITION","mode":"WRITE","type":"CEL","exprs":"x"}]}`, api.CodeInvalidRuleSet},
		{"rule set not an object", `"ruleSet":[1]`, api.CodeInvalidRuleSet},
		{"unknown metadata field", `"metadata":{"propertiez":{"a":"b"}}`, api.CodeInvalidSchema},
		{"property not a string", `"metadata":{"properties":{"a":1}}`, api.CodeInvalidSchema},
		{"empty tag path", `"metadata":{"tags":{"":["PII"]}}`, api.CodeInvalidSchema},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ts.do(t, "POST", "/subjects/s/versions", fmt.Sprintf(`{"schema":%q,%s}`, paymentV1, c.extra))
			wantErr(t, r, 422, c.code)
			r = ts.do(t, "PUT", "/config/s", fmt.Sprintf(`{%s}`, replaceKey(c.extra)))
			wantErr(t, r, 422, c.code)
		})
	}
	// Nothing was stored.
	wantOK(t, ts.do(t, "GET", "/subjects", nil), `[]`)
	// Two actions are fine in WRITEREAD.
	ts.register(t, "s", fmt.Sprintf(`{"schema":%q,"ruleSet":{"domainRules":[{"name":"a","kind":"CONDITION","mode":"WRITEREAD","type":"CEL","expr":"true","onFailure":"ERROR,NONE"}]}}`, paymentV1))
}

// replaceKey turns a registration's "metadata"/"ruleSet" member into the
// matching config key.
func replaceKey(extra string) string {
	switch {
	case len(extra) > 10 && extra[:10] == `"metadata"`:
		return `"defaultMetadata"` + extra[10:]
	case len(extra) > 9 && extra[:9] == `"ruleSet"`:
		return `"overrideRuleSet"` + extra[9:]
	}
	return extra
}

func TestContractConfigDefaultsAndOverrides(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	wantOK(t, ts.do(t, "PUT", "/config", `{"defaultMetadata":{"properties":{"owner":"platform","tier":"2"}},"overrideRuleSet":{"domainRules":[{"name":"always","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}}`),
		`{"defaultMetadata":{"properties":{"owner":"platform","tier":"2"}},"overrideRuleSet":{"domainRules":[{"name":"always","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}}`)
	// The level was kept by a PUT without one.
	wantOK(t, ts.do(t, "GET", "/config", nil),
		`{"compatibilityLevel":"BACKWARD","defaultMetadata":{"properties":{"owner":"platform","tier":"2"}},"overrideRuleSet":{"domainRules":[{"name":"always","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}}`)
	wantOK(t, ts.do(t, "PUT", "/config/pay-value", `{"compatibility":"NONE","overrideMetadata":{"properties":{"tier":"1"}}}`),
		`{"compatibility":"NONE","overrideMetadata":{"properties":{"tier":"1"}}}`)
	wantOK(t, ts.do(t, "GET", "/config/pay-value", nil), `{"compatibilityLevel":"NONE","overrideMetadata":{"properties":{"tier":"1"}}}`)
	wantOK(t, ts.do(t, "GET", "/config/pay-value?defaultToGlobal=true", nil),
		`{"compatibilityLevel":"NONE","defaultMetadata":{"properties":{"owner":"platform","tier":"2"}},"overrideMetadata":{"properties":{"tier":"1"}},"overrideRuleSet":{"domainRules":[{"name":"always","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}}`)

	// default < the schema's own < override; rule sets merge by name.
	id := ts.register(t, "pay-value", fmt.Sprintf(`{"schema":%q,"metadata":{"properties":{"owner":"payments","tier":"3"}},"ruleSet":%s}`, paymentV1, nonNegRule))
	wantOK(t, ts.do(t, "GET", "/subjects/pay-value/versions/1", nil), fmt.Sprintf(
		`{"subject":"pay-value","version":1,"id":%d,"schema":%q,"metadata":{"properties":{"owner":"payments","tier":"1"}},`+
			`"ruleSet":{"domainRules":[{"name":"nonNegative","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.amount_cents >= 0","onFailure":"ERROR"},{"name":"always","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}}`,
		id, paymentV1))
	// The old config comes back from DELETE.
	wantOK(t, ts.do(t, "DELETE", "/config/pay-value", nil), `{"compatibilityLevel":"NONE","overrideMetadata":{"properties":{"tier":"1"}}}`)
	wantErr(t, ts.do(t, "GET", "/config/pay-value", nil), 404, api.CodeSubjectConfigNotFound)
}

// A re-registration answered from the cache follows every write: a mode
// change, a soft delete, a new contract default.
func TestReRegistrationCacheFollowsWrites(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "c-value", reg(orderV1))
	for range 3 {
		wantOK(t, ts.do(t, "POST", "/subjects/c-value/versions", reg(orderV1)), `{"id":1,"version":1}`)
	}
	wantOK(t, ts.do(t, "PUT", "/mode/c-value", `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/c-value/versions", reg(orderV1)), 422, api.CodeOperationNotPermitted)
	wantOK(t, ts.do(t, "DELETE", "/mode/c-value", nil), `{"mode":"READONLY"}`)
	wantOK(t, ts.do(t, "POST", "/subjects/c-value/versions", reg(orderV1)), `{"id":1,"version":1}`)
	wantOK(t, ts.do(t, "DELETE", "/subjects/c-value/versions/1", nil), `1`)
	wantOK(t, ts.do(t, "POST", "/subjects/c-value/versions", reg(orderV1)), `{"id":1,"version":2}`)
	wantOK(t, ts.do(t, "PUT", "/config/c-value", `{"overrideMetadata":{"properties":{"owner":"x"}}}`), `{"overrideMetadata":{"properties":{"owner":"x"}}}`)
	wantOK(t, ts.do(t, "POST", "/subjects/c-value/versions", reg(orderV1)), `{"id":2,"version":3}`)
}
