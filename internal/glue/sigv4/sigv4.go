// Package sigv4 signs HTTP requests with AWS Signature Version 4
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)
// for evctl's Glue client, without the AWS SDK: the canonical request, the
// string to sign, the derived signing key and the Authorization header.
// It is verified against AWS's published SigV4 test suite (testdata).
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Credentials are AWS credentials. SessionToken is set for temporary ones.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// TimeFormat is the X-Amz-Date format.
const TimeFormat = "20060102T150405Z"

// unsigned are headers that are not signed: proxies and the transport may
// change them.
var unsigned = map[string]bool{"authorization": true, "user-agent": true, "x-amzn-trace-id": true, "expect": true, "content-length": true}

// Sign signs req, whose body is body, for service in region at now: it sets
// X-Amz-Date, X-Amz-Security-Token (temporary credentials) and
// Authorization. Every header already on req is signed, except
// User-Agent, Expect, Content-Length and X-Amzn-Trace-Id; so is Host.
func Sign(req *http.Request, body []byte, creds Credentials, region, service string, now time.Time) error {
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return errors.New("sign request: no AWS access key id or secret access key")
	}
	amzDate := now.UTC().Format(TimeFormat)
	req.Header.Set("X-Amz-Date", amzDate)
	if creds.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", creds.SessionToken)
	}
	creq, signed := CanonicalRequest(req, body)
	scope := amzDate[:8] + "/" + region + "/" + service + "/aws4_request"
	sts := StringToSign(amzDate, scope, creq)
	key := SigningKey(creds.SecretAccessKey, amzDate[:8], region, service)
	sig := hex.EncodeToString(hmacSHA256(key, sts))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+creds.AccessKeyID+"/"+scope+", SignedHeaders="+signed+", Signature="+sig)
	return nil
}

// CanonicalRequest returns the canonical request of req and its signed
// header list.
func CanonicalRequest(req *http.Request, body []byte) (creq, signedHeaders string) {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	values := map[string][]string{"host": {host}}
	for name, vs := range req.Header {
		n := strings.ToLower(name)
		if unsigned[n] {
			continue
		}
		values[n] = append(values[n], vs...)
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(req.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(req.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(req.URL.Query()))
	b.WriteByte('\n')
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(':')
		for i, v := range values[n] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.Join(strings.Fields(v), " "))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	signedHeaders = strings.Join(names, ";")
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	sum := sha256.Sum256(body)
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String(), signedHeaders
}

// StringToSign returns the string to sign of a canonical request.
func StringToSign(amzDate, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// SigningKey derives the signing key of a secret for date (YYYYMMDD),
// region and service.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	unescaped, err := url.PathUnescape(p)
	if err != nil {
		unescaped = u.Path
	}
	segs := strings.Split(unescaped, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	return strings.Join(segs, "/")
}

func canonicalQuery(q url.Values) string {
	type kv struct{ k, v string }
	var pairs []kv
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, kv{escape(k), escape(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// escape percent-encodes every byte but the unreserved characters
// A-Z a-z 0-9 - . _ ~, with upper-case hex, as SigV4 requires.
func escape(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}
