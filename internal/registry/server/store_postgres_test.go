package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
)

// TestPostgresConformance runs the API tests of the SQLite store against a
// real PostgreSQL: same answers, same error codes.
func TestPostgresConformance(t *testing.T) {
	pg := startPostgres(t)
	testStoreURL = func(t *testing.T) string { return pg.newDB(t) }
	t.Cleanup(func() { testStoreURL = nil })
	for _, tc := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"RegisterNew", TestChecklist01RegisterNew},
		{"IdempotentReregister", TestChecklist02IdempotentReregister},
		{"SameSchemaSecondSubject", TestChecklist03SameSchemaSecondSubject},
		{"ConcurrentSameSchema", TestChecklist04ConcurrentSameSchema},
		{"InvalidSchema", TestChecklist07InvalidSchema},
		{"BadReferenceAndInvalidSubject", TestChecklist08BadReferenceAndInvalidSubject},
		{"Incompatible", TestChecklist09Incompatible},
		{"TransitiveLevels", TestChecklist09TransitiveLevels},
		{"GlobalConfig", TestChecklist10GlobalConfig},
		{"SubjectConfig", TestChecklist11SubjectConfig},
		{"UnknownID", TestChecklist12UnknownID},
		{"UnknownSubject", TestChecklist13UnknownSubject},
		{"Versions", TestChecklist14Versions},
		{"Lookup", TestChecklist15Lookup},
		{"ReadShapes", TestChecklist16ReadShapes},
		{"SoftDeleteVersion", TestChecklist17SoftDeleteVersion},
		{"SoftDeleteTwice", TestChecklist18SoftDeleteTwice},
		{"HardDelete", TestChecklist19HardDelete},
		{"ReregisterAfterDelete", TestChecklist20ReregisterAfterDelete},
		{"ReferencedSchema", TestChecklist21ReferencedSchema},
		{"SelfReferencingSubject", TestChecklist21SelfReferencingSubject},
		{"Modes", TestChecklist22Modes},
		{"Import", TestChecklist23Import},
		{"AvroPrimitiveSpellings", TestAvroPrimitiveSpellingsShareAnID},
		{"ContractStored", TestContractStoredReturnedAndPartOfIdentity},
		{"ContractValidation", TestContractValidation},
		{"ContractConfig", TestContractConfigDefaultsAndOverrides},
		{"ConfluentJSClient", TestContractsWithConfluentJSClient},
		{"ConfluentJSClientGUIDs", TestGUIDsWithConfluentJSClient},
		{"APIParameters", TestAPIParametersAndSmallEndpoints},
		{"ReRegistrationCache", TestReRegistrationCacheFollowsWrites},
		{"Contexts", TestContexts},
		{"ContextPaths", TestContextPaths},
		{"ContextsJSClient", TestContextsWithConfluentJSClient},
		{"TagsBasic", TestTagsBasic},
		{"TagsErrors", TestTagsErrors},
		{"TagsRuleSet", TestTagsIncrementalRuleSet},
		{"RegisterWithSchemaTags", TestRegisterWithSchemaTags},
		{"GlobalContextForwardMode", TestGlobalContextAndForwardMode},
	} {
		t.Run(tc.name, tc.fn)
	}
}

// TestPostgresReplicas: three replicas on one database, 64 concurrent
// clients spread across them. Every acknowledged registration is there on
// every replica, no id is handed out twice, the same schema gets one id
// everywhere, and a hard delete on one replica reaches the others' caches
// through LISTEN/NOTIFY.
func TestPostgresReplicas(t *testing.T) {
	pg := startPostgres(t)
	url := pg.newDB(t)
	var bases []string
	for range 3 {
		bases = append(bases, newHTTPTest(t, NewServer(openPostgresStore(t, url), ServerOptions{})).URL)
	}
	setNone(t, bases[0])
	const clients, perClient = 64, 8
	type ack struct {
		id      int64
		version int
		subject string
		schema  string
	}
	var mu sync.Mutex
	var acks []ack
	var errs []error
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				// Distinct schemas in shared subjects, and one schema that
				// every client registers in its own subject.
				subject, schema := fmt.Sprintf("s-%d", c%8), fieldSchema(c*perClient+i)
				if i == 0 {
					subject, schema = fmt.Sprintf("common-%d", c), fieldSchema(999999)
				}
				id, v, err := postRegister(http.DefaultClient, bases[(c+i)%3], subject, schema)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					acks = append(acks, ack{id, v, subject, schema})
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d registrations failed, first: %v", len(errs), errs[0])
	}
	bySchema := map[string]int64{}
	byID := map[int64]string{}
	versions := map[string]map[int]bool{}
	for _, a := range acks {
		if id, ok := bySchema[a.schema]; ok && id != a.id {
			t.Fatalf("schema registered with two ids %d and %d", id, a.id)
		}
		if s, ok := byID[a.id]; ok && s != a.schema {
			t.Fatalf("id %d handed out for two schemas", a.id)
		}
		bySchema[a.schema], byID[a.id] = a.id, a.schema
		if versions[a.subject] == nil {
			versions[a.subject] = map[int]bool{}
		}
		if versions[a.subject][a.version] {
			t.Fatalf("%s version %d acknowledged twice", a.subject, a.version)
		}
		versions[a.subject][a.version] = true
	}
	if len(acks) != clients*perClient {
		t.Fatalf("%d acknowledgements, want %d", len(acks), clients*perClient)
	}
	for _, a := range acks {
		base := bases[int(a.id)%3]
		if got := getJSON(t, http.DefaultClient, fmt.Sprintf("%s/subjects/%s/versions/%d", base, a.subject, a.version)); got["schema"] != a.schema || int64(got["id"].(float64)) != a.id {
			t.Fatalf("acknowledged %+v, replica answers %v", a, got)
		}
	}

	// Cross-replica cache invalidation.
	id := bySchema[fieldSchema(999999)]
	for _, base := range bases {
		getJSON(t, http.DefaultClient, fmt.Sprintf("%s/schemas/ids/%d", base, id)) // cached now
	}
	for c := range clients {
		subject := fmt.Sprintf("common-%d", c)
		for _, q := range []string{"", "?permanent=true"} {
			req, _ := http.NewRequest("DELETE", bases[0]+"/subjects/"+subject+q, nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("DELETE %s%s: %d", subject, q, res.StatusCode)
			}
		}
	}
	for _, base := range bases[1:] {
		waitStatus(t, fmt.Sprintf("%s/schemas/ids/%d", base, id), 404)
	}

	// A re-registration cached on one replica follows a mode change made
	// on another.
	body := fmt.Sprintf(`{"schema":%q}`, fieldSchema(0))
	for range 2 {
		if _, _, err := postRegister(http.DefaultClient, bases[2], "s-0", fieldSchema(0)); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := http.NewRequest("PUT", bases[0]+"/mode/s-0", stringsReader(`{"mode":"READONLY"}`))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Post(bases[2]+"/subjects/s-0/versions", api.MediaTypeV1, stringsReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == 422 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica 2 still acknowledges a registration in a READONLY subject: %d", res.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// setNone sets the global level to NONE, so that the distinct schemas of
// a load can share subjects (each makes a new version).
func setNone(t *testing.T, base string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", base+"/config", stringsReader(`{"compatibility":"NONE"}`))
	req.Header.Set("Content-Type", api.MediaTypeV1)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("PUT /config: %d", res.StatusCode)
	}
}

// waitStatus polls url until it answers status, for at most 20 seconds.
func waitStatus(t *testing.T, url string, status int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last := 0
	for time.Now().Before(deadline) {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			last = res.StatusCode
			if last == status {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("GET %s: still %d, want %d", url, last, status)
}

// pgLoad is what a bounded load run saw.
type pgLoad struct {
	mu   sync.Mutex
	acks map[string]int64 // schema -> acknowledged id
	subj map[string]string
	fail int
	done chan struct{}
}

// runLoad registers distinct schemas from n clients against bases until
// each client registered maxPer schemas or stop is closed (nil: never).
func runLoad(bases func() []string, n, maxPer int, stop <-chan struct{}) *pgLoad {
	r := &pgLoad{acks: map[string]int64{}, subj: map[string]string{}, done: make(chan struct{})}
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for c := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < maxPer; i++ {
				select {
				case <-stop:
					return
				default:
				}
				bs := bases()
				subject, schema := fmt.Sprintf("load-%d", c%16), fieldSchema(100000+c*maxPer+i)
				id, _, err := postRegister(client, bs[(c+i)%len(bs)], subject, schema)
				r.mu.Lock()
				if err != nil {
					r.fail++
				} else {
					r.acks[schema], r.subj[schema] = id, subject
				}
				r.mu.Unlock()
				if err != nil {
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	go func() { wg.Wait(); close(r.done) }()
	return r
}

func (r *pgLoad) wait() { <-r.done }

// verify checks that every acknowledged schema resolves to its id on base
// and that no id was given to two schemas.
func (r *pgLoad) verify(t *testing.T, base string) {
	t.Helper()
	seen := map[int64]string{}
	for schema, id := range r.acks {
		if s, ok := seen[id]; ok && s != schema {
			t.Fatalf("id %d acknowledged for two schemas", id)
		}
		seen[id] = schema
		got := getJSON(t, http.DefaultClient, fmt.Sprintf("%s/schemas/ids/%d", base, id))
		if got["schema"] != schema {
			t.Fatalf("acknowledged id %d for %s, registry has %v", id, schema, got)
		}
	}
}

// TestPostgresReplicaKillDashNine kills one of three replica processes
// with SIGKILL in the middle of a load; the others keep serving, and every
// acknowledged registration is there.
func TestPostgresReplicaKillDashNine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	pg := startPostgres(t)
	url := pg.newDB(t)
	var procs []*serverProcess
	for range 3 {
		procs = append(procs, startServerProcess(t, url))
	}
	var bmu sync.Mutex
	bases := []string{procs[0].base, procs[1].base, procs[2].base}
	current := func() []string { bmu.Lock(); defer bmu.Unlock(); return slices.Clone(bases) }
	setNone(t, bases[0])
	load := runLoad(current, 64, 20, nil)
	waitAcks(t, load, 200)
	load.mu.Lock()
	atKill := len(load.acks)
	load.mu.Unlock()
	if err := procs[0].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-procs[0].done
	bmu.Lock()
	bases = bases[1:]
	bmu.Unlock()
	load.wait()
	if len(load.acks) < atKill+100 {
		t.Fatalf("%d acknowledgements at the kill, %d in all: the other replicas did not go on", atKill, len(load.acks))
	}
	load.verify(t, procs[1].base)
	load.verify(t, procs[2].base)
	t.Logf("%d acknowledged, %d failed (the killed replica's in-flight requests)", len(load.acks), load.fail)
}

func waitAcks(t *testing.T, l *pgLoad, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		got := len(l.acks)
		l.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d acknowledgements", n)
}

// TestPostgresRestartMidLoad crashes PostgreSQL (stop -m immediate) under
// load: replicas answer 503 while it is down, recover by themselves when it
// is back, and every acknowledged registration survived.
func TestPostgresRestartMidLoad(t *testing.T) {
	pg := startPostgres(t)
	url := pg.newDB(t)
	var bases []string
	for range 3 {
		bases = append(bases, newHTTPTest(t, NewServer(openPostgresStore(t, url), ServerOptions{})).URL)
	}
	setNone(t, bases[0])
	load := runLoad(func() []string { return bases }, 64, 30, nil)
	waitAcks(t, load, 200)
	load.mu.Lock()
	atCrash := len(load.acks)
	load.mu.Unlock()
	pg.stop(t, "immediate")
	// Down: a replica says 503, not 500, and acknowledges nothing.
	res, err := http.Post(bases[1]+"/subjects/down/versions", api.MediaTypeV1, stringsReader(fmt.Sprintf(`{"schema":%q}`, orderV1)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("register while the database is down: %d, want 503 with Retry-After", res.StatusCode)
	}
	waitStatus(t, bases[2]+"/subjects", http.StatusServiceUnavailable)
	pg.start(t)
	for _, b := range bases {
		waitStatus(t, b+"/subjects", 200)
	}
	load.wait()
	for _, b := range bases {
		load.verify(t, b)
	}
	if len(load.acks) < atCrash+100 {
		t.Fatalf("%d acknowledgements at the crash, %d in all: the replicas did not recover", atCrash, len(load.acks))
	}
	t.Logf("%d acknowledged, %d failed while the database was down", len(load.acks), load.fail)
	// Still one writer at a time after the restart: no id reused.
	ctx := context.Background()
	st := openPostgresStore(t, url)
	if err := st.View(ctx, func(tx store.Tx) error {
		m, err := tx.MaxSchemaID(api.DefaultContext)
		if err != nil {
			return err
		}
		if int(m) < len(load.acks) {
			return errors.New("fewer ids than acknowledged schemas")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
