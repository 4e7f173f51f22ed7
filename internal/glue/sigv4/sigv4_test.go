package sigv4

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

type vector struct {
	Name, Method, Path, Body, Authorization string
	Query                                   [][2]string
	Headers                                 map[string]string
}

// TestAWSSuite signs every request of AWS's SigV4 test suite (testdata) and
// compares the Authorization header byte for byte.
func TestAWSSuite(t *testing.T) {
	data, err := os.ReadFile("testdata/aws-sig-v4-test-suite.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []vector
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) < 20 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	creds := Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	now := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			q := make([]string, 0, len(v.Query))
			for _, kv := range v.Query {
				q = append(q, url.QueryEscape(kv[0])+"="+url.QueryEscape(kv[1]))
			}
			u := &url.URL{Scheme: "https", Host: "example.amazonaws.com", Path: v.Path, RawQuery: strings.Join(q, "&")}
			req, err := http.NewRequest(v.Method, u.String(), strings.NewReader(v.Body))
			if err != nil {
				t.Fatal(err)
			}
			for k, val := range v.Headers {
				req.Header.Set(k, val)
			}
			req.Header.Set("User-Agent", "not signed")
			if err := Sign(req, []byte(v.Body), creds, "us-east-1", "service", now); err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get("Authorization"); got != v.Authorization {
				creq, _ := CanonicalRequest(req, []byte(v.Body))
				t.Errorf("Authorization\n got %s\nwant %s\ncanonical request:\n%s", got, v.Authorization, creq)
			}
		})
	}
}

// TestSessionToken: temporary credentials add a signed X-Amz-Security-Token.
func TestSessionToken(t *testing.T) {
	req, _ := http.NewRequest("POST", "https://glue.us-east-1.amazonaws.com/", nil)
	req.Header.Set("X-Amz-Target", "AWSGlue.GetSchema")
	err := Sign(req, nil, Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret", SessionToken: "tok"}, "us-east-1", "glue", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("X-Amz-Security-Token") != "tok" || !strings.Contains(req.Header.Get("Authorization"), "SignedHeaders=host;x-amz-date;x-amz-security-token;x-amz-target,") {
		t.Errorf("headers %v", req.Header)
	}
	if err := Sign(req, nil, Credentials{}, "us-east-1", "glue", time.Unix(0, 0)); err == nil {
		t.Error("signing without credentials succeeded")
	}
}
