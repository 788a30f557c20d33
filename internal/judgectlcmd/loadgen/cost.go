package loadgen

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq" // the "postgres" driver, for the statistics views
)

// Counters is a snapshot of monotonic counters: CPU seconds of one process or process tree,
// committed transactions, calls of one statement. A run's cost is the difference of two
// snapshots divided by the submissions it completed.
type Counters map[string]float64

// Probe samples the server-side counters of one part of the judge.
type Probe interface {
	// Name says what was measured and where the figure comes from, for the report.
	Name() string
	Sample(ctx context.Context) (Counters, error)
}

// Cost is what one probe counted over a run, per completed submission.
type Cost struct {
	Probe string `json:"probe"`
	// PerSubmission holds each counter's increase divided by the submissions completed.
	PerSubmission map[string]float64 `json:"per_submission"`
	// Total holds each counter's increase over the run.
	Total map[string]float64 `json:"total"`
	Error string             `json:"error,omitempty"`
}

// MeasureCost turns two snapshots into a Cost. A counter missing from before (a process
// started during the run) counts from zero; one missing from after (a process that ended) is
// left out, since its last CPU time is unknown.
func MeasureCost(name string, before, after Counters, completed int) Cost {
	c := Cost{Probe: name, PerSubmission: map[string]float64{}, Total: map[string]float64{}}
	for k, a := range after {
		d := a - before[k]
		if d <= 0 {
			continue
		}
		c.Total[k] = d
		if completed > 0 {
			c.PerSubmission[k] = d / float64(completed)
		}
	}
	return c
}

// MetricsProbe reads process_cpu_seconds_total from a Prometheus /metrics endpoint (judged
// exports it for every process that serves one).
type MetricsProbe struct {
	URL    string
	Client *http.Client
}

// Name implements Probe.
func (p MetricsProbe) Name() string { return "judged CPU from " + p.URL }

// Sample implements Probe: counter "cpu_s".
func (p MetricsProbe) Sample(ctx context.Context) (Counters, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return nil, err
	}
	hc := p.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read %s: %s", p.URL, resp.Status)
	}
	v, err := metricValue(resp.Body, "process_cpu_seconds_total")
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p.URL, err)
	}
	return Counters{"cpu_s": v}, nil
}

// metricValue finds an unlabelled sample in the Prometheus text format.
func metricValue(r io.Reader, name string) (float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == name {
			return strconv.ParseFloat(f[1], 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s sample (is this a judged /metrics endpoint?)", name)
}

// ProcProbe sums the CPU time of a process and its descendants from /proc (Linux): for each
// process user+system time plus that of its children it has reaped, so a child that ends
// between two samples is still counted once its parent waited for it. With Match set, only
// descendants whose command line it accepts are counted (and not the root): PostgreSQL names
// each backend "postgres: USER DATABASE HOST", which singles out one database's backends on a
// shared cluster.
type ProcProbe struct {
	Label string
	// PIDFile holds the root's pid on its first line (PostgreSQL's postmaster.pid, a pid file
	// of the local stack).
	PIDFile string
	Match   func(cmdline string) bool
	// Include, when set, names more descendants to count whatever their command line (a WAL
	// sender's title does not name its database; pg_replication_slots does).
	Include func(ctx context.Context) (map[int]bool, error)
	// Proc is the proc file system's root; "" means /proc.
	Proc string
}

// userHZ is the unit of /proc/PID/stat's times; Linux fixes it at 100 for user space.
const userHZ = 100

// Name implements Probe.
func (p ProcProbe) Name() string { return p.Label + " CPU from /proc (pid file " + p.PIDFile + ")" }

// Sample implements Probe: counter "cpu_s" per process as "pid:start" (so a reused pid is a
// new process).
func (p ProcProbe) Sample(ctx context.Context) (Counters, error) {
	proc := procRoot(p.Proc)
	b, err := os.ReadFile(p.PIDFile)
	if err != nil {
		return nil, fmt.Errorf("read pid file: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	root, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return nil, fmt.Errorf("pid file %s: first line %q is not a pid", p.PIDFile, first)
	}
	all, err := readProcStats(proc)
	if err != nil {
		return nil, err
	}
	if _, ok := all[root]; !ok {
		return nil, fmt.Errorf("process %d of %s is not running", root, p.PIDFile)
	}
	inTree := func(pid int) bool {
		for n := 0; n < 64 && pid > 1; n++ {
			if pid == root {
				return true
			}
			pid = all[pid].ppid
		}
		return false
	}
	var include map[int]bool
	if p.Include != nil {
		if include, err = p.Include(ctx); err != nil {
			return nil, err
		}
	}
	c := Counters{}
	for pid, s := range all {
		if !inTree(pid) {
			continue
		}
		if p.Match != nil && !include[pid] {
			if pid == root {
				continue
			}
			cmd, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "cmdline"))
			if err != nil || !p.Match(strings.TrimRight(strings.ReplaceAll(string(cmd), "\x00", " "), " ")) {
				continue
			}
		}
		c[strconv.Itoa(pid)+":"+s.start] = s.cpu
	}
	return c, nil
}

// procRoot is the proc file system's root a probe reads: proc, or /proc when it is empty.
func procRoot(proc string) string {
	if proc == "" {
		return "/proc"
	}
	return proc
}

// procStat is what ProcProbe and CommProbe need of /proc/PID/stat.
type procStat struct {
	ppid  int
	comm  string
	start string
	cpu   float64 // seconds: utime+stime+cutime+cstime
}

// readProcStats reads /proc/PID/stat of every process.
func readProcStats(proc string) (map[int]procStat, error) {
	entries, err := os.ReadDir(proc)
	if err != nil {
		return nil, err
	}
	all := map[int]procStat{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(proc, e.Name(), "stat"))
		if err != nil {
			continue // ended meanwhile
		}
		// The command name is in parentheses and may hold spaces; the fields follow the last ')'.
		open, i := strings.IndexByte(string(raw), '('), strings.LastIndexByte(string(raw), ')')
		if open < 0 || i < open {
			continue
		}
		f := strings.Fields(string(raw[i+1:]))
		// After ')': state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14) … starttime(19)
		if len(f) < 20 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		var ticks float64
		for _, j := range []int{11, 12, 13, 14} {
			v, _ := strconv.ParseFloat(f[j], 64)
			ticks += v
		}
		all[pid] = procStat{ppid: ppid, comm: string(raw[open+1 : i]), start: f[19], cpu: ticks / userHZ}
	}
	return all, nil
}

// CommProbe sums the CPU time of every process on the machine whose command name (the comm
// field of /proc/PID/stat, at most 15 characters) starts with one of Comms, with that of its
// reaped children: the Docker engine is dockerd, containerd and a containerd-shim per
// container, and each shim waits for the short-lived runc it starts.
type CommProbe struct {
	Label string
	Comms []string
	// Proc is the proc file system's root; "" means /proc.
	Proc string
}

// Name implements Probe.
func (p CommProbe) Name() string {
	return p.Label + " CPU from /proc (processes named " + strings.Join(p.Comms, ", ") + ")"
}

// Sample implements Probe: counter "cpu_s" per process as "pid:start".
func (p CommProbe) Sample(ctx context.Context) (Counters, error) {
	proc := procRoot(p.Proc)
	all, err := readProcStats(proc)
	if err != nil {
		return nil, err
	}
	c := Counters{}
	for pid, s := range all {
		if slices.ContainsFunc(p.Comms, func(prefix string) bool { return strings.HasPrefix(s.comm, prefix) }) {
			c[strconv.Itoa(pid)+":"+s.start] = s.cpu
		}
	}
	return c, nil
}

// MachineProbe reads the busy time of all CPUs from /proc/stat: everything the machine did,
// the load generator included, for a run whose parts all run on this machine.
type MachineProbe struct {
	// Proc is the proc file system's root; "" means /proc.
	Proc string
}

// Name implements Probe.
func (p MachineProbe) Name() string { return "Machine (all CPUs) CPU from /proc/stat" }

// Sample implements Probe: counter "cpu_s", the busy seconds of all CPUs together.
func (p MachineProbe) Sample(ctx context.Context) (Counters, error) {
	proc := procRoot(p.Proc)
	raw, err := os.ReadFile(filepath.Join(proc, "stat"))
	if err != nil {
		return nil, err
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	// cpu user nice system idle iowait irq softirq steal guest guest_nice: guest time is
	// already in user, and idle and iowait are not busy.
	if len(f) < 9 || f[0] != "cpu" {
		return nil, fmt.Errorf("%s/stat: first line %q is not the cpu line", proc, line)
	}
	var ticks float64
	for _, j := range []int{1, 2, 3, 6, 7, 8} {
		v, err := strconv.ParseFloat(f[j], 64)
		if err != nil {
			return nil, fmt.Errorf("%s/stat: %q: %w", proc, line, err)
		}
		ticks += v
	}
	return Counters{"cpu_s": ticks / userHZ}, nil
}

// SelfProbe is this process's own CPU time: the load generator's share of the machine.
type SelfProbe struct{}

// Name implements Probe.
func (SelfProbe) Name() string { return "judgectl bench (this process) CPU from getrusage" }

// Sample implements Probe: counter "cpu_s".
func (SelfProbe) Sample(ctx context.Context) (Counters, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return nil, fmt.Errorf("getrusage: %w", err)
	}
	return Counters{"cpu_s": time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()}, nil
}

// PostgresBackendOf accepts the process title of a PostgreSQL backend (or WAL sender) connected
// to database db: "postgres: USER DB HOST(PORT) STATE" or "postgres: walsender USER DB HOST …".
func PostgresBackendOf(db string) func(string) bool {
	return func(cmd string) bool {
		rest, ok := strings.CutPrefix(cmd, "postgres: ")
		if !ok {
			return false
		}
		f := strings.Fields(rest)
		if len(f) > 0 && f[0] == "walsender" {
			f = f[1:]
		}
		return len(f) >= 2 && f[1] == db
	}
}

// ReplicationSenders returns the pids of the WAL senders streaming db's replication slots (the
// judge's relay), for ProcProbe.Include.
func ReplicationSenders(db *sql.DB) func(context.Context) (map[int]bool, error) {
	return func(ctx context.Context) (map[int]bool, error) {
		rows, err := db.QueryContext(ctx, `SELECT active_pid FROM pg_replication_slots
			WHERE database = current_database() AND active_pid IS NOT NULL`)
		if err != nil {
			return nil, fmt.Errorf("read pg_replication_slots: %w", err)
		}
		defer rows.Close()
		pids := map[int]bool{}
		for rows.Next() {
			var pid int
			if err := rows.Scan(&pid); err != nil {
				return nil, fmt.Errorf("read pg_replication_slots: %w", err)
			}
			pids[pid] = true
		}
		return pids, rows.Err()
	}
}

// PostgresProbe reads the database's own activity counters: pg_stat_database (transactions,
// rows) and, where the pg_stat_statements extension is loaded and created, calls and WAL bytes
// per statement of this database. PostgreSQL publishes backend statistics up to a second (10 s
// for an idle backend) late, so sample after the server has been idle that long.
type PostgresProbe struct {
	DB *sql.DB
}

// Name implements Probe.
func (p PostgresProbe) Name() string { return "PostgreSQL statistics views" }

// Sample implements Probe: "xact_commit", "xact_rollback", "tup_inserted", "tup_updated",
// "tup_deleted", and with pg_stat_statements "statements", "wal_bytes" and one "stmt:QUERY"
// per statement.
func (p PostgresProbe) Sample(ctx context.Context) (Counters, error) {
	c := Counters{}
	var commit, rollback, ins, upd, del float64
	err := p.DB.QueryRowContext(ctx, `SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted
		FROM pg_stat_database WHERE datname = current_database()`).Scan(&commit, &rollback, &ins, &upd, &del)
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_database: %w", err)
	}
	c["xact_commit"], c["xact_rollback"], c["tup_inserted"], c["tup_updated"], c["tup_deleted"] = commit, rollback, ins, upd, del
	// The view needs the extension in this database; creating it fails harmlessly where the
	// library is not preloaded or the role may not.
	_, _ = p.DB.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`)
	var present bool
	if err := p.DB.QueryRowContext(ctx, `SELECT to_regclass('pg_stat_statements') IS NOT NULL`).Scan(&present); err != nil || !present {
		return c, nil
	}
	rows, err := p.DB.QueryContext(ctx, `SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 200), sum(calls), sum(wal_bytes)
		FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		GROUP BY 1`)
	if err != nil {
		// Listed but not loaded (shared_preload_libraries): no statement figures.
		return c, nil
	}
	defer rows.Close()
	for rows.Next() {
		var q string
		var calls, wal float64
		if err := rows.Scan(&q, &calls, &wal); err != nil {
			return nil, fmt.Errorf("read pg_stat_statements: %w", err)
		}
		c["stmt:"+q] += calls
		c["statements"] += calls
		c["wal_bytes"] += wal
	}
	return c, rows.Err()
}

// SumCPU adds the per-process CPU counters of a ProcProbe's cost into one figure.
func SumCPU(c Cost) (total, perSubmission float64) {
	for _, v := range c.Total {
		total += v
	}
	for _, v := range c.PerSubmission {
		perSubmission += v
	}
	return total, perSubmission
}

// TopStatements lists the n statements with the most calls per submission, most first.
func TopStatements(c Cost, n int) []string {
	var qs []string
	for k := range c.PerSubmission {
		if q, ok := strings.CutPrefix(k, "stmt:"); ok {
			qs = append(qs, q)
		}
	}
	slices.SortFunc(qs, func(a, b string) int {
		if d := c.PerSubmission["stmt:"+b] - c.PerSubmission["stmt:"+a]; d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	return qs[:min(n, len(qs))]
}

// Settle is how long to wait after a run before the last statistics sample: PostgreSQL
// publishes an idle backend's counters up to 10 s late.
const Settle = 11 * time.Second
