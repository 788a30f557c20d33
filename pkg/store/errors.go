package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/lib/pq"
)

// Errors the store's callers branch on; match them with errors.Is.
var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique or exclusion constraint rejected the write.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the database cannot be reached or refuses connections right now.
	ErrUnavailable = errors.New("database unavailable")
)

// mappedError keeps the driver's error for the message and adds the sentinel for errors.Is.
type mappedError struct {
	kind error
	err  error
}

func (e *mappedError) Error() string { return e.err.Error() }

func (e *mappedError) Is(target error) bool { return target == e.kind }

func (e *mappedError) Unwrap() error { return e.err }

// MapError classifies a database/sql or lib/pq error: sql.ErrNoRows becomes ErrNotFound, a
// unique violation ErrConflict, a connection failure ErrUnavailable. Other errors pass
// through unchanged. It is idempotent, so query files may call it freely.
func MapError(err error) error { return mapError(err) }

func mapError(err error) error {
	if err == nil {
		return nil
	}
	var m *mappedError
	if errors.As(err, &m) {
		return err
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return &mappedError{kind: ErrNotFound, err: err}
	case isConflict(err):
		return &mappedError{kind: ErrConflict, err: err}
	case isUnavailable(err):
		return &mappedError{kind: ErrUnavailable, err: err}
	}
	return err
}

func isConflict(err error) bool {
	e := pq.As(err)
	if e == nil {
		return false
	}
	switch e.Code {
	case "23505", "23P01": // unique_violation, exclusion_violation
		return true
	}
	return false
}

func isUnavailable(err error) bool {
	if e := pq.As(err); e != nil {
		code := string(e.Code)
		// 08: connection exception; 57P01-03: shutdown / cannot connect now; 53300: too many
		// connections; 57014: statement timeout (an overloaded server, not a bad request).
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" ||
			code == "57P03" || code == "53300" || code == "57014"
	}
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, sql.ErrConnDone)
}

// connectError turns a failed first contact into one line that says where we tried to go and
// why it failed, e.g. "cannot connect to 127.0.0.1:1: connection refused".
func connectError(dsn string, err error) error {
	host := dsnHost(dsn)
	reason := err.Error()
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		reason = "connection refused"
	case errors.Is(err, context.DeadlineExceeded):
		reason = "timed out"
	case errors.As(err, &dns):
		reason = "unknown host " + dns.Name
	case errors.As(err, &op):
		if op.Addr != nil {
			host = op.Addr.String()
		}
		reason = op.Err.Error()
	default:
		if e := pq.As(err); e != nil {
			reason = e.Message
		}
	}
	if host == "" {
		return &mappedError{kind: ErrUnavailable, err: fmt.Errorf("cannot connect: %s", reason)}
	}
	return &mappedError{kind: ErrUnavailable, err: fmt.Errorf("cannot connect to %s: %s", host, reason)}
}

// dsnHost extracts host:port from a URL or key=value DSN, for messages only.
func dsnHost(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return ""
		}
		if u.Port() == "" {
			return u.Hostname() + ":5432"
		}
		return u.Host
	}
	host, port := "", "5432"
	for _, kv := range strings.Fields(dsn) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch k {
		case "host":
			host = strings.Trim(v, "'")
		case "port":
			port = strings.Trim(v, "'")
		}
	}
	if host == "" {
		return ""
	}
	return net.JoinHostPort(host, port)
}
