package cdc

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// A relay's leadership is a session-level advisory lock: it lasts as long as PostgreSQL keeps
// the lock connection's backend. After a network partition the backend only ends when the
// server notices its peer is gone, which with the kernel's defaults (keepalive after 2 hours)
// is never in practice, and no standby could take over. So both ends of the relay's
// connections probe the path:
//
//   - the server: tcp_keepalives_idle/interval/count end an idle backend whose peer stopped
//     answering within keepaliveIdle + keepaliveCount*keepaliveInterval (11 s), and
//     tcp_user_timeout one whose sent data stays unacknowledged for userTimeout;
//   - the client: the same keepalive on its socket, and the relay's lock watch pings.
//
// idle_session_timeout is not used: the lock connection is legitimately idle while the leader
// works on other connections (setup, backfill), and a timeout there would drop a healthy lead.
const (
	keepaliveIdle     = 5 * time.Second
	keepaliveInterval = 2 * time.Second
	keepaliveCount    = 3
	userTimeout       = 10 * time.Second
)

// connect opens a connection to dsn with the partition detection above.
func connect(ctx context.Context, dsn string) (*pgconn.PgConn, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	secs := func(d time.Duration) string { return strconv.Itoa(int(d.Seconds())) }
	cfg.RuntimeParams["tcp_keepalives_idle"] = secs(keepaliveIdle)
	cfg.RuntimeParams["tcp_keepalives_interval"] = secs(keepaliveInterval)
	cfg.RuntimeParams["tcp_keepalives_count"] = strconv.Itoa(keepaliveCount)
	cfg.RuntimeParams["tcp_user_timeout"] = strconv.Itoa(int(userTimeout.Milliseconds()))
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAliveConfig: net.KeepAliveConfig{
		Enable: true, Idle: keepaliveIdle, Interval: keepaliveInterval, Count: keepaliveCount}}
	cfg.DialFunc = d.DialContext
	return pgconn.ConnectConfig(ctx, cfg)
}
