package cli

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/server"
)

const orderV1 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}`

// serveHelperEnv makes the test binary a registry server process (see
// TestMain): serveRegistry on the database it names, until a signal.
const serveHelperEnv = "EVCTL_CLI_SERVE_HELPER_DB"

func TestMain(m *testing.M) {
	if db := os.Getenv(serveHelperEnv); db != "" {
		err := serveRegistry(context.Background(), registryServeConfig{
			Addr: "127.0.0.1:0", DataPath: db, Log: io.Discard,
			Ready: func(a net.Addr) { fmt.Printf("LISTENING %s\n", a) },
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type serverProcess struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// startServerProcess runs serveRegistry on db in a child process.
func startServerProcess(t *testing.T, db string) *serverProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serveHelperEnv+"="+db)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, done: make(chan error, 1)}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	sc := bufio.NewScanner(out)
	addr := make(chan string, 1)
	go func() {
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "LISTENING "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	go func() { p.done <- cmd.Wait() }()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("server process exited before listening: %v", <-p.done)
		}
		p.base = "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatal("server process did not start listening")
	}
	return p
}

// postRegister registers schema under subject and returns its id and version.
func postRegister(c *http.Client, base, subject, schema string) (int64, int, error) {
	body, err := json.Marshal(map[string]string{"schema": schema})
	if err != nil {
		return 0, 0, err
	}
	res, err := c.Post(base+"/subjects/"+subject+"/versions", api.MediaTypeV1, strings.NewReader(string(body)))
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	var out struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return 0, 0, fmt.Errorf("register %s: %d %s", subject, res.StatusCode, b)
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return 0, 0, fmt.Errorf("register %s: %w", subject, err)
	}
	return out.ID, out.Version, nil
}

func getJSON(t *testing.T, c *http.Client, url string) map[string]any {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, res.StatusCode, m)
	}
	return m
}

// testUsers are a writer with a bcrypt hash and a reader with an argon2id one.
func testUsers(t *testing.T) []server.User {
	t.Helper()
	bh, err := bcrypt.GenerateFromPassword([]byte("secret-w"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("secret-r"), salt, 1, 1024, 1, 32)
	ah := fmt.Sprintf("$argon2id$v=19$m=1024,t=1,p=1$%s$%s",
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	return []server.User{{Name: "writer", Hash: string(bh), Role: server.RoleWrite}, {Name: "reader", Hash: ah, Role: server.RoleRead}}
}
