package registry

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"

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

// authenticator checks HTTP Basic credentials. Password hashes are slow on
// purpose, so a successful check is remembered under an HMAC of the
// credentials with a per-process key (the password itself is never kept).
type authenticator struct {
	users map[string]*User
	key   []byte
	dummy string // hash compared for unknown users, so timing does not tell them apart

	mu   sync.Mutex
	good map[[32]byte]*User
}

const authCacheSize = 4096

func newAuthenticator(users []User) *authenticator {
	a := &authenticator{users: map[string]*User{}, good: map[[32]byte]*User{}, key: make([]byte, 32)}
	rand.Read(a.key)
	for i := range users {
		u := users[i]
		a.users[u.Name] = &u
	}
	// The dummy costs what a real user's check costs.
	cost := bcrypt.DefaultCost
	if len(users) > 0 {
		if c, err := bcrypt.Cost([]byte(users[0].Hash)); err == nil {
			cost = c
		}
	}
	if h, err := bcrypt.GenerateFromPassword(a.key[:16], cost); err == nil {
		a.dummy = string(h)
	}
	return a
}

func (a *authenticator) authenticate(r *http.Request) (*User, bool) {
	name, pass, ok := r.BasicAuth()
	if !ok {
		return nil, false
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
		return u, true
	}
	u, known := a.users[name]
	if !known {
		verifyPassword(a.dummy, pass)
		return nil, false
	}
	if !verifyPassword(u.Hash, pass) {
		return nil, false
	}
	a.mu.Lock()
	if len(a.good) >= authCacheSize {
		clear(a.good)
	}
	a.good[k] = u
	a.mu.Unlock()
	return u, true
}
