package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadAuthFile(t *testing.T) {
	users := testUsers(t)
	bh, ah := users[0].Hash, users[1].Hash
	tests := []struct {
		name    string
		content string
		want    []User
		wantErr string
	}{
		{"bcrypt and argon2id, comments and blanks",
			"# users\n\nwriter:" + bh + ":write\n  reader:" + ah + ":READ  \n",
			[]User{{Name: "writer", Hash: bh, Role: RoleWrite}, {Name: "reader", Hash: ah, Role: RoleRead}}, ""},
		{"bad role", "u:" + bh + ":admin\n", nil, `role "admin" is not read or write`},
		{"missing role", "u:" + bh + "\n", nil, "want name:hash:role"},
		{"no colon", "justaname\n", nil, "want name:hash:role"},
		{"empty name", ":" + bh + ":read\n", nil, "want name:hash:role"},
		{"plain text password", "u:hunter2:read\n", nil, "neither bcrypt nor argon2id"},
		{"truncated bcrypt", "u:$2a$10$abc:read\n", nil, "bad bcrypt hash"},
		{"bad argon2id", "u:$argon2id$v=19$m=1,t=1,p=1$c2FsdA$a2V5:read\n", nil, "out of range"},
		{"argon2 without id", "u:$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$a2V5:read\n", nil, "neither bcrypt nor argon2id"},
		{"duplicate user", "u:" + bh + ":read\nu:" + bh + ":write\n", nil, `user "u" is listed twice`},
		{"no users", "# nobody\n", nil, "no users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadAuthFile(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("users (-want +got):\n%s", d)
			}
		})
	}
	if _, err := LoadAuthFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file loaded")
	}
}

func TestVerifyPassword(t *testing.T) {
	users := testUsers(t)
	for _, tt := range []struct {
		hash, pass string
		want       bool
	}{
		{users[0].Hash, "secret-w", true},
		{users[0].Hash, "secret-r", false},
		{users[1].Hash, "secret-r", true},
		{users[1].Hash, "secret-w", false},
		{users[1].Hash, "", false},
		{"$argon2id$garbage", "x", false},
	} {
		if got := verifyPassword(tt.hash, tt.pass); got != tt.want {
			t.Errorf("verifyPassword(%.20s…, %q) = %v", tt.hash, tt.pass, got)
		}
	}
}

// The credential cache must not let a wrong password in after a right one.
func TestAuthCacheKeyedOnPassword(t *testing.T) {
	ts := newTestServer(t, ServerOptions{Users: testUsers(t)})
	for i, c := range []struct {
		user, pass string
		status     int
	}{
		{"writer", "secret-w", 200}, {"writer", "secret-w", 200}, {"writer", "secret-x", 401}, {"reader", "secret-w", 401}, {"reader", "secret-r", 200},
	} {
		r := ts.do(t, "GET", "/subjects", nil, "Authorization", basicHeader(c.user, c.pass))
		if r.status != c.status {
			t.Errorf("request %d (%s): %d, want %d", i, c.user, r.status, c.status)
		}
	}
}

// The fixture auth file, end to end: loaded, then used by a server.
func TestAuthFileFixture(t *testing.T) {
	users, err := LoadAuthFile(filepath.Join("testdata", "server", "users.auth"))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Name != "ci" || users[0].Role != RoleWrite || users[1].Name != "app" || users[1].Role != RoleRead {
		t.Fatalf("users: %+v", users)
	}
	ts := newTestServer(t, ServerOptions{Users: users})
	ci, app := basicHeader("ci", "ci-password"), basicHeader("app", "app-password")
	if r := ts.do(t, "POST", "/subjects/s/versions", reg(orderV1), "Authorization", ci); r.status != 200 {
		t.Fatalf("ci register: %d %s", r.status, r.body)
	}
	wantOK(t, ts.do(t, "GET", "/subjects", nil, "Authorization", app), `["s"]`)
	wantErr(t, ts.do(t, "PUT", "/config", `{"compatibility":"NONE"}`, "Authorization", app), 403, 403)
	wantErr(t, ts.do(t, "GET", "/subjects", nil, "Authorization", basicHeader("app", "ci-password")), 401, 401)
}

// Failed logins are throttled per client address: past the burst, even a
// right password that is not cached yet gets 429 without a hash being
// computed; credentials already verified still pass.
func TestFailedLoginThrottle(t *testing.T) {
	users := testUsers(t)
	ts := newTestServer(t, ServerOptions{Users: users, LoginFailureBurst: 3, LoginFailureRate: 0.001})
	auth := func(u, p string) []string { return []string{"Authorization", basicHeader(u, p)} }
	if r := ts.do(t, "GET", "/subjects", nil, auth("reader", "secret-r")...); r.status != 200 {
		t.Fatalf("reader: %d", r.status)
	}
	for range 3 {
		wantErr(t, ts.do(t, "GET", "/subjects", nil, auth("writer", "wrong")...), 401, 401)
	}
	r := ts.do(t, "GET", "/subjects", nil, auth("nobody", "x")...)
	wantErr(t, r, 429, 429)
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	wantErr(t, ts.do(t, "GET", "/subjects", nil, auth("writer", "secret-w")...), 429, 429)
	// The reader's credentials were verified before: no hash, no throttle.
	wantOK(t, ts.do(t, "GET", "/subjects", nil, auth("reader", "secret-r")...), `[]`)
}

// The hash checked for an unknown user is the costliest of the file, so a
// rejection takes as long whether the name exists or not.
func TestDummyHashIsTheCostliest(t *testing.T) {
	cheap, err := HashPassword("a", 4)
	if err != nil {
		t.Fatal(err)
	}
	costly, err := HashPassword("b", 9)
	if err != nil {
		t.Fatal(err)
	}
	a := newAuthenticator([]User{{Name: "cheap", Hash: cheap, Role: RoleRead}, {Name: "costly", Hash: costly, Role: RoleWrite}}, 0, 0)
	if a.dummy != costly {
		t.Fatalf("dummy hash %q, want the cost-9 hash %q", a.dummy, costly)
	}
	a = newAuthenticator([]User{{Name: "costly", Hash: costly, Role: RoleWrite}, {Name: "cheap", Hash: cheap, Role: RoleRead}}, 0, 0)
	if a.dummy != costly {
		t.Fatalf("dummy hash %q, want the cost-9 hash (order of the file must not matter)", a.dummy)
	}
	if _, err := HashPassword("", 10); err == nil {
		t.Fatal("hashed an empty password")
	}
	if !verifyPassword(costly, "b") || verifyPassword(costly, "a") {
		t.Fatal("HashPassword's hash does not verify")
	}
}
