package cdc

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/store/storetest"
)

// TestPartitionedLockConnectionReleasesTheLock cuts the network under a lock connection for real
// (iptables drops every packet of its TCP connection, both ways, so neither end hears a FIN or
// a reset) and checks that PostgreSQL ends the backend, and with it the relay's leadership, on
// its own: without the keepalive settings of connect it would hold the lock for hours.
func TestPartitionedLockConnectionReleasesTheLock(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for iptables to cut one connection")
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Skip("needs iptables (Debian package iptables) to cut one connection")
	}
	st := storetest.New(t)
	ctx := context.Background()
	conn, err := connect(ctx, st.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := query(ctx, conn, `SELECT current_setting('tcp_keepalives_idle'), current_setting('tcp_user_timeout'),
		pg_backend_pid()::text, pg_try_advisory_lock(hashtext('judge.relay:partition-test'))::text`)
	if err != nil {
		t.Fatal(err)
	}
	if idle, ut := string(rows[0][0]), string(rows[0][1]); idle != "5" || ut != "10000" {
		t.Errorf("server side of the lock connection: tcp_keepalives_idle %q, tcp_user_timeout %q; want 5 and 10000 (ms)", idle, ut)
	}
	pid, _ := strconv.Atoi(string(rows[0][2]))
	if string(rows[0][3]) != "true" {
		t.Fatalf("lock not taken: %q", rows[0][3])
	}
	addr, ok := conn.Conn().LocalAddr().(*net.TCPAddr)
	if !ok {
		t.Skipf("the database is reached over %s, not TCP", conn.Conn().LocalAddr().Network())
	}
	port := strconv.Itoa(addr.Port)
	for _, dir := range []string{"--sport", "--dport"} {
		rule := []string{"INPUT", "-i", "lo", "-p", "tcp", dir, port, "-j", "DROP"}
		if out, err := exec.Command("iptables", append([]string{"-I"}, rule...)...).CombinedOutput(); err != nil {
			t.Skipf("iptables cannot add a rule here: %v: %s", err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("iptables", append([]string{"-D"}, rule...)...).CombinedOutput(); err != nil {
				t.Errorf("remove iptables rule %v: %v: %s", rule, err, out)
			}
		})
	}
	cut := time.Now()
	// The bound is generous (keepalive gives up after about 11 s); without keepalive the
	// backend would still be there after it.
	deadline := cut.Add(60 * time.Second)
	for {
		var alive, locks int
		if err := st.DB().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM pg_stat_activity WHERE pid = $1),
			(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = $1)`, pid).Scan(&alive, &locks); err != nil {
			t.Fatal(err)
		}
		if alive == 0 && locks == 0 {
			t.Logf("the partitioned lock connection's backend ended and released the lock %s after the cut", time.Since(cut).Round(100*time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend %d still holds the lock %s after the partition", pid, time.Since(cut).Round(time.Second))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
