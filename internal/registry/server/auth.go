package server

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do: read, or read and write.
type Role string

// Roles.
const (
	RoleRead  Role = "read"
	RoleWrite Role = "write"
)

// User is one account of the auth file. Hash is a bcrypt hash ("$2a$…",
// "$2b$…", "$2y$…") or an encoded argon2id hash
// ("$argon2id$v=19$m=65536,t=3,p=4$<salt>$<key>", base64 without padding).
type User struct {
	Name string
	Hash string
	Role Role
}

// LoadAuthFile reads users from path: one "name:hash:role" a line; blank
// lines and lines starting with # are skipped. Every hash and role is
// checked, so a typo fails at startup and not at the first request.
func LoadAuthFile(path string) ([]User, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load auth file: %w", err)
	}
	defer f.Close()
	var users []User
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, err := parseUserLine(line)
		if err != nil {
			return nil, fmt.Errorf("load auth file %s:%d: %w", path, n, err)
		}
		if seen[u.Name] {
			return nil, fmt.Errorf("load auth file %s:%d: user %q is listed twice", path, n, u.Name)
		}
		seen[u.Name] = true
		users = append(users, u)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("load auth file %s: %w", path, err)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("load auth file %s: no users", path)
	}
	return users, nil
}

func parseUserLine(line string) (User, error) {
	first, last := strings.Index(line, ":"), strings.LastIndex(line, ":")
	if first <= 0 || last == first {
		return User{}, errors.New("want name:hash:role")
	}
	u := User{Name: line[:first], Hash: line[first+1 : last], Role: Role(strings.ToLower(line[last+1:]))}
	if u.Role != RoleRead && u.Role != RoleWrite {
		return User{}, fmt.Errorf("user %q: role %q is not read or write", u.Name, line[last+1:])
	}
	if err := checkHash(u.Hash); err != nil {
		return User{}, fmt.Errorf("user %q: %w", u.Name, err)
	}
	return u, nil
}

func checkHash(h string) error {
	switch {
	case strings.HasPrefix(h, "$argon2id$"):
		_, err := parseArgon2id(h)
		return err
	case strings.HasPrefix(h, "$2"):
		if _, err := bcrypt.Cost([]byte(h)); err != nil {
			return fmt.Errorf("bad bcrypt hash: %w", err)
		}
		return nil
	}
	return errors.New("hash is neither bcrypt nor argon2id")
}

type argon2Params struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

// parseArgon2id reads the PHC string format of argon2id.
func parseArgon2id(h string) (argon2Params, error) {
	parts := strings.Split(h, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[1] != "argon2id" {
		return argon2Params{}, errors.New("bad argon2id hash: want $argon2id$v=19$m=M,t=T,p=P$salt$key")
	}
	if parts[2] != "v=19" {
		return argon2Params{}, fmt.Errorf("bad argon2id hash: unsupported version %q", parts[2])
	}
	var p argon2Params
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return argon2Params{}, fmt.Errorf("bad argon2id parameter %q: %w", kv, err)
		}
		switch k {
		case "m":
			p.memory = uint32(n)
		case "t":
			p.time = uint32(n)
		case "p":
			if n > 255 {
				return argon2Params{}, fmt.Errorf("bad argon2id parameter %q", kv)
			}
			p.threads = uint8(n)
		default:
			return argon2Params{}, fmt.Errorf("bad argon2id parameter %q", kv)
		}
	}
	if p.memory < 8 || p.memory > 4<<20 || p.time < 1 || p.time > 100 || p.threads < 1 {
		return argon2Params{}, errors.New("bad argon2id hash: parameters out of range")
	}
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return argon2Params{}, fmt.Errorf("bad argon2id salt: %w", err)
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		return argon2Params{}, fmt.Errorf("bad argon2id key: %w", err)
	}
	if len(p.key) < 16 {
		return argon2Params{}, errors.New("bad argon2id hash: key shorter than 16 bytes")
	}
	return p, nil
}

func verifyPassword(hash, password string) bool {
	if strings.HasPrefix(hash, "$argon2id$") {
		p, err := parseArgon2id(hash)
		if err != nil {
			return false
		}
		key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
		return subtle.ConstantTimeCompare(key, p.key) == 1
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// HashPassword returns a bcrypt hash of password for the auth file (cost 0
// means bcrypt.DefaultCost).
func HashPassword(password string, cost int) (string, error) {
	if password == "" {
		return "", errors.New("hash password: empty password")
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return "", fmt.Errorf("hash password: cost %d is outside %d..%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// hashCostClass names a hash's parameters: hashes of one class cost the
// same to verify.
func hashCostClass(h string) string {
	if p, err := parseArgon2id(h); err == nil {
		return fmt.Sprintf("argon2id m=%d t=%d p=%d k=%d", p.memory, p.time, p.threads, len(p.key))
	}
	if c, err := bcrypt.Cost([]byte(h)); err == nil {
		return fmt.Sprintf("bcrypt %d", c)
	}
	return "other"
}

// authenticator checks HTTP Basic credentials. Password hashes are slow on
// purpose, so a successful check is remembered under an HMAC of the
// credentials with a per-process key (the password itself is never kept).
//
// An unknown user's password is checked against the costliest hash of the
// file (measured once per kind of hash at start-up), so the time of a
// rejection does not tell whether the name exists. Failed logins are
// throttled per client address: past a burst, a client that keeps failing
// gets 429 without any hash being computed, so wrong passwords cannot eat
// the CPU that valid requests need.
type authenticator struct {
	users map[string]*User
	key   []byte
	dummy string // the costliest real hash, verified for unknown users

	mu   sync.Mutex
	good map[[32]byte]*User

	failures *failureLimiter
}

const authCacheSize = 4096

// Defaults of the failed-login throttle: a burst of 20 failures per client
// address, then one more a second.
const (
	DefaultLoginFailureBurst = 20
	DefaultLoginFailureRate  = 1.0
)

func newAuthenticator(users []User, burst int, rate float64) *authenticator {
	if burst <= 0 {
		burst = DefaultLoginFailureBurst
	}
	if rate <= 0 {
		rate = DefaultLoginFailureRate
	}
	a := &authenticator{users: map[string]*User{}, good: map[[32]byte]*User{}, key: make([]byte, 32),
		failures: newFailureLimiter(burst, rate)}
	rand.Read(a.key)
	for i := range users {
		u := users[i]
		a.users[u.Name] = &u
	}
	a.dummy = costliestHash(users, a.key[:16])
	return a
}

// costliestHash times one verification per kind of hash and returns the
// slowest hash.
func costliestHash(users []User, probe []byte) string {
	seen := map[string]bool{}
	var best string
	var bestCost time.Duration = -1
	for _, u := range users {
		class := hashCostClass(u.Hash)
		if seen[class] {
			continue
		}
		seen[class] = true
		t0 := time.Now()
		verifyPassword(u.Hash, string(probe))
		if d := time.Since(t0); d > bestCost {
			best, bestCost = u.Hash, d
		}
	}
	return best
}

func (a *authenticator) authenticate(r *http.Request) (*User, authResult) {
	name, pass, ok := r.BasicAuth()
	if !ok {
		return nil, authFailed
	}
	mac := hmac.New(sha256.New, a.key)
	mac.Write([]byte(name))
	mac.Write([]byte{0})
	mac.Write([]byte(pass))
	var k [32]byte
	copy(k[:], mac.Sum(nil))
	a.mu.Lock()
	u, hit := a.good[k]
	a.mu.Unlock()
	if hit {
		return u, authOK
	}
	client := clientAddr(r)
	if !a.failures.allow(client) {
		return nil, authThrottled
	}
	u, known := a.users[name]
	if !known {
		verifyPassword(a.dummy, pass)
		a.failures.fail(client)
		return nil, authFailed
	}
	if !verifyPassword(u.Hash, pass) {
		a.failures.fail(client)
		return nil, authFailed
	}
	a.mu.Lock()
	if len(a.good) >= authCacheSize {
		clear(a.good)
	}
	a.good[k] = u
	a.mu.Unlock()
	return u, authOK
}

type authResult int

const (
	authOK authResult = iota
	authFailed
	authThrottled
)

// clientAddr is the host part of the request's remote address.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// failureLimiter is a token bucket of failed logins per client address.
type failureLimiter struct {
	mu     sync.Mutex
	burst  float64
	rate   float64 // tokens per second
	bucket map[string]*failBucket
}

type failBucket struct {
	tokens float64
	last   time.Time
}

func newFailureLimiter(burst int, perSecond float64) *failureLimiter {
	return &failureLimiter{burst: float64(burst), rate: perSecond, bucket: map[string]*failBucket{}}
}

func (l *failureLimiter) refill(b *failBucket, now time.Time) {
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
}

// allow reports whether client may try a password now.
func (l *failureLimiter) allow(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.bucket[client]
	if !ok {
		return true
	}
	l.refill(b, time.Now())
	return b.tokens >= 1
}

// fail takes a token from client's bucket.
func (l *failureLimiter) fail(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b, ok := l.bucket[client]
	if !ok {
		if len(l.bucket) >= 100000 {
			// Forget the clients that are back to a full bucket.
			for k, x := range l.bucket {
				if l.refill(x, now); x.tokens >= l.burst {
					delete(l.bucket, k)
				}
			}
		}
		b = &failBucket{tokens: l.burst, last: now}
		l.bucket[client] = b
	}
	l.refill(b, now)
	b.tokens = max(b.tokens-1, 0)
}
