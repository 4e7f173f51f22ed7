package lint

import (
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/config"
)

// TestValidateConfigRejects checks that the lint keys that could never take
// effect fail at load (in the config loader or in ValidateConfig), with the
// key in the message.
func TestValidateConfigRejects(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"lint:\n  envelope:\n    event_id: context..id\n", "lint.envelope.event_id"},
		{"lint:\n  envelope:\n    occurred_at: /meta/occurred_at\n", "lint.envelope.occurred_at"},
		{"lint:\n  envelope:\n    correlation_id: \"meta.corr id\"\n", "lint.envelope.correlation_id"},
		{"lint:\n  envelope:\n    event_id: \"context.\"\n", "can never match a field"},
		{"lint:\n  single_entity:\n    exempt:\n      - event: CatalogSnapshotTaken\n", "reason"},
		{"lint:\n  past_tense:\n    allow: [\"__\"]\n", "lint.past_tense.allow[0]"},
		{"lint:\n  past_tense:\n    allow: [\"\"]\n", "names no word"},
	} {
		c, err := config.Parse("evctl.yaml", []byte(tc.yaml))
		if err == nil {
			err = ValidateConfig(c)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error with %q", tc.yaml, err, tc.want)
		}
	}
	for _, ok := range []string{
		"lint:\n  envelope:\n    event_id: context.id\n    occurred_at: meta.occurredAt\n",
		"lint:\n  past_tense:\n    allow: [Heartbeat, LiveEventIngestHeartbeat]\n",
		"lint:\n  single_entity:\n    exempt:\n      - event: CatalogSnapshotTaken\n        reason: a daily snapshot\n",
	} {
		c, err := config.Parse("evctl.yaml", []byte(ok))
		if err != nil {
			t.Fatalf("%q: parse: %v", ok, err)
		}
		if err := ValidateConfig(c); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// TestPastTenseAllow checks lint.past_tense.allow: a whole name or the
// words a name ends with.
func TestPastTenseAllow(t *testing.T) {
	allow := []string{"Heartbeat", "DeviceTelemetry"}
	for name, want := range map[string]bool{
		"Heartbeat": true, "LiveEventIngestHeartbeat": true, "DeviceTelemetry": true,
		"Telemetry": false, "HeartbeatMissed": false, "Push": false,
	} {
		if got := allowedName(allow, name); got != want {
			t.Errorf("allowedName(%v, %q) = %v, want %v", allow, name, got, want)
		}
	}
}
