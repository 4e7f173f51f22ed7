package server

import (
	"testing"
)

// The global context ":.__GLOBAL:" and the FORWARD mode, as Confluent's
// RestApiModeTest (testGlobalContextWithReadOnlyMode, testSetForwardMode,
// testSetForwardModeForNonGlobalContext) and RestApiCompatibilityTest
// (the compatibility set on ":.__GLOBAL:") exercise them.
func TestGlobalContextAndForwardMode(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})

	// Unset, the global context answers the defaults.
	wantOK(t, ts.do(t, "GET", "/mode/:.__GLOBAL:", nil), `{"mode":"READWRITE"}`)
	wantOK(t, ts.do(t, "GET", "/config/:.__GLOBAL:", nil), `{"compatibilityLevel":"BACKWARD"}`)

	// READONLY there applies to every subject without a mode of its own.
	wantOK(t, ts.do(t, "PUT", "/mode/:.__GLOBAL:", `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	wantOK(t, ts.do(t, "GET", "/mode?defaultToGlobal=true", nil), `{"mode":"READONLY"}`)
	wantOK(t, ts.do(t, "GET", "/mode", nil), `{"mode":"READWRITE"}`)
	wantOK(t, ts.do(t, "GET", "/mode/testSubject?defaultToGlobal=true", nil), `{"mode":"READONLY"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/testSubject/versions", reg(orderV1)), 422, 42205)
	wantErr(t, ts.do(t, "POST", "/subjects/:.ctx:testSubject/versions", reg(orderV1)), 422, 42205)
	wantOK(t, ts.do(t, "PUT", "/mode", `{"mode":"READWRITE"}`), `{"mode":"READWRITE"}`)
	ts.register(t, "testSubject", reg(orderV1))
	wantOK(t, ts.do(t, "DELETE", "/mode/:.__GLOBAL:", nil), `{"mode":"READONLY"}`)
	wantOK(t, ts.do(t, "DELETE", "/mode/:.__GLOBAL:", nil), `{"mode":"READWRITE"}`)
	wantOK(t, ts.do(t, "DELETE", "/mode", nil), `{"mode":"READWRITE"}`)

	// Compatibility NONE there lets an incompatible schema in.
	wantErr(t, ts.do(t, "POST", "/subjects/testSubject/versions", reg(orderBad)), 409, 40901)
	wantOK(t, ts.do(t, "PUT", "/config/:.__GLOBAL:", `{"compatibility":"NONE"}`), `{"compatibility":"NONE"}`)
	wantOK(t, ts.do(t, "GET", "/config?defaultToGlobal=true", nil), `{"compatibilityLevel":"NONE"}`)
	wantOK(t, ts.do(t, "GET", "/config", nil), `{"compatibilityLevel":"BACKWARD"}`)
	ts.register(t, "testSubject", reg(orderBad))

	// No subject lives in the global context; __GLOBAL and __EMPTY are
	// reserved names.
	for _, s := range []string{":.__GLOBAL:x", "__GLOBAL", "__EMPTY"} {
		wantErr(t, ts.do(t, "POST", "/subjects/"+s+"/versions", reg(orderV1)), 422, 42208)
	}

	// FORWARD only on the global context (42204 elsewhere).
	for _, p := range []string{"/mode/testSubject", "/mode", "/mode/:.:", "/mode/:.__GLOBAL:subject-name", "/mode/:.ctx:"} {
		wantErr(t, ts.do(t, "PUT", p, `{"mode":"FORWARD"}`), 422, 42204)
	}
	wantOK(t, ts.do(t, "PUT", "/mode/:.__GLOBAL:", `{"mode":"forward"}`), `{"mode":"FORWARD"}`)
	wantOK(t, ts.do(t, "GET", "/mode/:.__GLOBAL:", nil), `{"mode":"FORWARD"}`)
	// Under FORWARD, as under IMPORT, a registration must carry its id.
	wantErr(t, ts.do(t, "POST", "/subjects/fwd/versions", reg(addressV1)), 422, 42205)
	wantOK(t, ts.do(t, "POST", "/subjects/fwd/versions", reg(addressV1, "id", 100, "version", 1)), `{"id":100,"version":1}`)
	wantOK(t, ts.do(t, "GET", "/subjects/fwd/versions/1", nil), `{"subject":"fwd","version":1,"id":100,"schema":`+jsonString(addressV1)+`}`)
	// A subject's own mode still wins.
	wantOK(t, ts.do(t, "PUT", "/mode/fwd", `{"mode":"READWRITE"}`), `{"mode":"READWRITE"}`)
	ts.register(t, "fwd", reg(`{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"},{"name":"zip","type":"string","default":""}]}`))
}

// READONLY_OVERRIDE (deprecated in Confluent) is READONLY:
// AbstractSchemaRegistry.isReadOnlyMode counts both.
func TestReadOnlyOverrideMode(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	wantOK(t, ts.do(t, "PUT", "/mode/s", `{"mode":"readonly_override"}`), `{"mode":"READONLY_OVERRIDE"}`)
	wantOK(t, ts.do(t, "GET", "/mode/s", nil), `{"mode":"READONLY_OVERRIDE"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/s/versions", reg(orderV2)), 422, 42205)
	wantErr(t, ts.do(t, "POST", "/subjects/s/versions/1/tags", `{"tagsToAdd":[{"schemaEntity":{"entityPath":"com.acme.Order","entityType":"sr_record"},"tags":["T"]}]}`), 422, 42205)
	wantErr(t, ts.do(t, "DELETE", "/subjects/s/versions/1", nil), 422, 42205)
	wantErr(t, ts.do(t, "DELETE", "/subjects/s", nil), 422, 42205)
	wantOK(t, ts.do(t, "POST", "/subjects/s", reg(orderV1)), `{"subject":"s","version":1,"id":1,"schema":`+jsonString(orderV1)+`}`)
	ts.register(t, "t", reg(orderV2))
	wantOK(t, ts.do(t, "PUT", "/mode", `{"mode":"READONLY_OVERRIDE"}`), `{"mode":"READONLY_OVERRIDE"}`)
	wantErr(t, ts.do(t, "POST", "/subjects/u/versions", reg(orderV2)), 422, 42205)
}
