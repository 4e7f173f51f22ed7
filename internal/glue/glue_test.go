package glue

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/glue/sigv4"
)

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"v1.OrderPlaced", "a-b_c$d#e.f", strings.Repeat("x", 255)} {
		if err := CheckName("schema", ok); err != nil {
			t.Errorf("CheckName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "orders/placed", "a b", "ü", strings.Repeat("x", 256)} {
		if err := CheckName("schema", bad); !errors.Is(err, ErrRefused) {
			t.Errorf("CheckName(%q) = %v, want ErrRefused", bad, err)
		}
	}
}

func TestModes(t *testing.T) {
	for mode, level := range map[string]compat.Level{ModeBackwardAll: compat.BackwardTransitive, ModeForwardAll: compat.ForwardTransitive, ModeFullAll: compat.FullTransitive, ModeNone: compat.None, ModeFull: compat.Full} {
		if l, err := LevelOf(mode); err != nil || l != level {
			t.Errorf("LevelOf(%s) = %s %v", mode, l, err)
		}
		if m, err := ModeOf(level); err != nil || m != mode {
			t.Errorf("ModeOf(%s) = %s %v", level, m, err)
		}
	}
	if _, err := LevelOf(ModeDisabled); !errors.Is(err, ErrRefused) {
		t.Errorf("LevelOf(DISABLED) = %v", err)
	}
	if _, err := LevelOf("BACKWARD_TRANSITIVE"); err == nil || ValidMode("BACKWARD_TRANSITIVE") {
		t.Error("a Confluent level name is not a Glue mode")
	}
}

func TestCheckDefinition(t *testing.T) {
	for _, c := range []struct {
		format, def string
		ok          bool
	}{
		{FormatAvro, `{"type":"record","name":"R","fields":[]}`, true},
		{FormatAvro, `{"type":"record"}`, false},
		{FormatJSON, `{"type":"object"}`, true},
		{FormatJSON, `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object"}`, true},
		{FormatJSON, `{"$schema":"https://json-schema.org/draft-06/schema","type":"object"}`, true},
		{FormatJSON, `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}`, true},
		{FormatJSON, `{"$schema":"https://json-schema.org/draft/2019-09/schema","type":"object"}`, false},
		{FormatJSON, `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object"}`, false},
		{FormatJSON, `{"type":`, false},
		{"PROTOBUF", `syntax = "proto3";`, false},
		{"XML", `<a/>`, false},
		{FormatAvro, "", false},
		{FormatJSON, `{"description":"` + strings.Repeat("x", MaxDefinitionBytes) + `"}`, false},
	} {
		err := CheckDefinition(c.format, []byte(c.def))
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrRefused) {
			t.Errorf("CheckDefinition(%s, %.60s) = %v, want ok=%v", c.format, c.def, err, c.ok)
		}
	}
}

func TestNormalize(t *testing.T) {
	if Normalize([]byte(`{"b": 1, "a": [1, 2]}`)) != Normalize([]byte("{\"a\":[1,2],\n \"b\":1}")) {
		t.Error("whitespace and key order make a difference")
	}
	if Normalize([]byte(`{"a":1}`)) == Normalize([]byte(`{"a":2}`)) {
		t.Error("different values normalize alike")
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	creds := write("credentials", "[default]\naws_access_key_id = DEFKEY\naws_secret_access_key = defsecret\n\n[dev]\n# comment\naws_access_key_id=DEVKEY\naws_secret_access_key=devsecret\naws_session_token=devtoken\n")
	config := write("config", "[default]\nregion = eu-central-1\n[profile cfg]\naws_access_key_id = CFGKEY\naws_secret_access_key = cfgsecret\nregion = ap-south-1\n[profile sso]\nsso_session = corp\n[profile role]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n")
	files := map[string]string{"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_CONFIG_FILE": config}
	with := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range files {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return env(m)
	}
	for _, c := range []struct {
		name   string
		getenv func(string) string
		want   sigv4.Credentials
		errHas string
	}{
		{"environment wins", with("AWS_ACCESS_KEY_ID", "ENVKEY", "AWS_SECRET_ACCESS_KEY", "envsecret", "AWS_SESSION_TOKEN", "tok", "AWS_PROFILE", "dev"), sigv4.Credentials{AccessKeyID: "ENVKEY", SecretAccessKey: "envsecret", SessionToken: "tok"}, ""},
		{"half the environment", with("AWS_ACCESS_KEY_ID", "ENVKEY"), sigv4.Credentials{}, "must be set together"},
		{"default profile", with(), sigv4.Credentials{AccessKeyID: "DEFKEY", SecretAccessKey: "defsecret"}, ""},
		{"AWS_PROFILE", with("AWS_PROFILE", "dev"), sigv4.Credentials{AccessKeyID: "DEVKEY", SecretAccessKey: "devsecret", SessionToken: "devtoken"}, ""},
		{"config file profile", with("AWS_PROFILE", "cfg"), sigv4.Credentials{AccessKeyID: "CFGKEY", SecretAccessKey: "cfgsecret"}, ""},
		{"sso", with("AWS_PROFILE", "sso"), sigv4.Credentials{}, "uses sso_session, which evctl does not support"},
		{"assume role", with("AWS_PROFILE", "role"), sigv4.Credentials{}, "uses role_arn"},
		{"missing profile", with("AWS_PROFILE", "nope"), sigv4.Credentials{}, "no AWS credentials"},
		{"no files", env(map[string]string{"HOME": t.TempDir()}), sigv4.Credentials{}, "no AWS credentials"},
	} {
		got, _, err := LoadCredentials(c.getenv)
		if c.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("%s: err = %v, want %q", c.name, err, c.errHas)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
		}
	}
	for _, c := range []struct {
		name, flag string
		getenv     func(string) string
		want       string
	}{
		{"flag", "us-west-2", with("AWS_REGION", "x"), "us-west-2"},
		{"AWS_REGION", "", with("AWS_REGION", "sa-east-1", "AWS_DEFAULT_REGION", "y"), "sa-east-1"},
		{"AWS_DEFAULT_REGION", "", with("AWS_DEFAULT_REGION", "ca-central-1"), "ca-central-1"},
		{"config default", "", with(), "eu-central-1"},
		{"config profile", "", with("AWS_PROFILE", "cfg"), "ap-south-1"},
	} {
		if got, err := ResolveRegion(c.flag, c.getenv); err != nil || got != c.want {
			t.Errorf("region %s: %q %v, want %q", c.name, got, err, c.want)
		}
	}
	if _, err := ResolveRegion("", env(map[string]string{"HOME": t.TempDir()})); err == nil {
		t.Error("a region out of nothing")
	}
}

// TestClientErrorsAndRetries: Glue exceptions become APIErrors; throttling
// and 5xx answers are retried, client errors are not. The server here
// stands for failure modes evctl's Glue-API server does not produce.
func TestClientErrorsAndRetries(t *testing.T) {
	var calls atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AK/") || r.Header.Get("X-Amz-Target") != "AWSGlue.GetSchema" {
			t.Errorf("request headers %v", r.Header)
		}
		switch {
		case r.URL.Path == "/notfound/":
			w.Header().Set("X-Amzn-ErrorType", "EntityNotFoundException:http://internal.amazon.com/coral/com.amazonaws.glue/")
			w.WriteHeader(400)
			w.Write([]byte(`{"message":"Schema is not found"}`))
		case n < 3:
			w.WriteHeader(503)
			w.Write([]byte(`{"__type":"com.amazonaws.glue#InternalServiceException","Message":"try again"}`))
		default:
			w.Write([]byte(`{"SchemaName":"s","Compatibility":"FULL_ALL","SchemaCheckpoint":2}`))
		}
	}))
	defer hs.Close()
	c := &Client{Endpoint: hs.URL, Region: "us-east-1", Creds: sigv4.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"}, Retries: 3,
		Sleep: func(context.Context, time.Duration) error { return nil }}
	sc, err := c.GetSchema(context.Background(), SchemaID{SchemaName: "s"})
	if err != nil || sc.Compatibility != "FULL_ALL" || sc.SchemaCheckpoint != 2 || calls.Load() != 3 {
		t.Fatalf("GetSchema after two 503s = %+v %v (%d calls)", sc, err, calls.Load())
	}
	c.Endpoint = hs.URL + "/notfound"
	calls.Store(0)
	_, err = c.GetSchema(context.Background(), SchemaID{SchemaName: "s"})
	if !IsNotFound(err) || calls.Load() != 1 || !strings.Contains(err.Error(), "Schema is not found") {
		t.Fatalf("not found: %v (%d calls)", err, calls.Load())
	}
	c.Endpoint = "http://127.0.0.1:1"
	if _, err := c.GetSchema(context.Background(), SchemaID{SchemaName: "s"}); err == nil {
		t.Fatal("no error from a closed port")
	}
}
