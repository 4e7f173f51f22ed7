package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// maxCachedStmts bounds the statements one connection keeps prepared; the
// store's statements are a few dozen fixed texts, so the bound only guards
// against unexpected dynamic SQL.
const maxCachedStmts = 256

// openCached opens dsn with every statement prepared once per connection
// and kept: SQLite's parser and planner cost more than running the small
// statements of a registration, so reusing the prepared form is most of a
// read's cost saved.
//
// database/sql prepares a statement for every Query and Exec on a
// connection that does not run SQL itself (cachedConn implements no
// QueryerContext or ExecerContext), and closes it when the rows are
// closed: here the prepare is a map lookup and the close resets the
// statement for the next use.
func openCached(dsn string) (*sql.DB, error) {
	inner, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cachedConnector{inner}), nil
}

type cachedConnector struct{ inner driver.Connector }

func (c cachedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachedConn{conn: dc, stmts: map[string]*cachedStmt{}}, nil
}

func (c cachedConnector) Driver() driver.Driver { return c.inner.Driver() }

// innerConn is what cachedConn needs of modernc.org/sqlite's connection.
type innerConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
}

// cachedConn is one connection with its prepared statements. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type cachedConn struct {
	conn  driver.Conn
	stmts map[string]*cachedStmt
}

var errNotPreparable = errors.New("sqlite connection does not prepare with a context")

func (c *cachedConn) inner() (innerConn, error) {
	ic, ok := c.conn.(innerConn)
	if !ok {
		return nil, errNotPreparable
	}
	return ic, nil
}

func (c *cachedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext returns the connection's prepared statement for query,
// preparing it on first use. A statement still in use (its rows not yet
// closed, when the same query runs again inside the iteration) is not
// shared: the second use gets a statement of its own, closed after it.
func (c *cachedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if s := c.stmts[query]; s != nil && !s.busy {
		s.busy = true
		return s, nil
	}
	ic, err := c.inner()
	if err != nil {
		return nil, err
	}
	ds, err := ic.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &cachedStmt{Stmt: ds, busy: true}
	if _, taken := c.stmts[query]; !taken && len(c.stmts) < maxCachedStmts {
		s.cached = true
		c.stmts[query] = s
	}
	return s, nil
}

func (c *cachedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	ic, err := c.inner()
	if err != nil {
		return nil, err
	}
	return ic.BeginTx(ctx, opts)
}

// Close finalizes the prepared statements, then closes the connection.
func (c *cachedConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.Stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.conn.Close())
	return errors.Join(errs...)
}

func (c *cachedConn) ResetSession(ctx context.Context) error {
	if r, ok := c.conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachedConn) IsValid() bool {
	if v, ok := c.conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachedConn) Ping(ctx context.Context) error {
	if p, ok := c.conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// cachedStmt is a prepared statement; Close on a cached one only marks it
// free (database/sql closed its rows, which reset it).
type cachedStmt struct {
	driver.Stmt
	cached bool
	busy   bool
}

func (s *cachedStmt) Close() error {
	if s.cached {
		s.busy = false
		return nil
	}
	return s.Stmt.Close()
}

func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return nil, errNotPreparable
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return nil, errNotPreparable
}
