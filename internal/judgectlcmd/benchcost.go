package judgectlcmd

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/judge-dev/judge/internal/judgectlcmd/loadgen"
	"github.com/judge-dev/judge/pkg/client"
)

// costProbes builds the server-side probes of a bench run: judged's process CPU from each
// --metrics URL (the server's own /metrics by default), PostgreSQL's and Kafka's CPU from the
// pid files of --stack-dir, and the database's statistics views from --database-url.
func (o *BenchOptions) costProbes(c *client.Client) (probes []loadgen.Probe, closeFn func(), err error) {
	closeFn = func() {}
	urls := o.Metrics
	if len(urls) == 0 {
		urls = []string{strings.TrimSuffix(c.BaseURL(), "/") + "/metrics"}
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	for _, u := range urls {
		probes = append(probes, loadgen.MetricsProbe{URL: u, Client: hc})
	}
	var dbName string
	var db *sql.DB
	if o.DatabaseURL != "" {
		dbName, err = databaseName(o.DatabaseURL)
		if err != nil {
			return nil, closeFn, &FlagError{Err: err}
		}
		if db, err = sql.Open("postgres", o.DatabaseURL); err != nil {
			return nil, closeFn, &FlagError{Err: fmt.Errorf("--database-url: %w", err)}
		}
		db.SetMaxOpenConns(1)
		closeFn = func() { db.Close() }
	}
	if o.StackDir != "" {
		pgData := filepath.Join(o.StackDir, "pg")
		// stack-postgres.sh keeps the cluster elsewhere when the postgres user cannot reach the checkout.
		if b, err := os.ReadFile(filepath.Join(o.StackDir, "pg.path")); err == nil {
			pgData = strings.TrimSpace(string(b))
		}
		pg := loadgen.ProcProbe{Label: "PostgreSQL (whole cluster)", PIDFile: filepath.Join(pgData, "postmaster.pid")}
		if dbName != "" {
			pg.Label, pg.Match = "PostgreSQL (backends of "+dbName+")", loadgen.PostgresBackendOf(dbName)
			pg.Include = loadgen.ReplicationSenders(db)
		}
		probes = append(probes, pg, loadgen.ProcProbe{Label: "Kafka (whole broker)", PIDFile: filepath.Join(o.StackDir, "kafka.pid")},
			// The sandbox's containers cost the engine too: creating, starting and removing
			// them, and the shim relaying each container's stdio.
			loadgen.CommProbe{Label: "Docker engine", Comms: []string{"dockerd", "containerd", "runc"}},
			// A local stack means the whole judge runs on this machine: the machine's busy
			// time is its full cost, the load generator's own share shown beside it.
			loadgen.MachineProbe{}, loadgen.SelfProbe{})
	}
	if db != nil {
		probes = append(probes, loadgen.PostgresProbe{DB: db})
	}
	return probes, closeFn, nil
}

// databaseName is the database a postgres:// URL names.
func databaseName(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || strings.Trim(u.Path, "/") == "" {
		return "", fmt.Errorf("--database-url %q: want postgres://USER@HOST:PORT/DATABASE", dsn)
	}
	return strings.Trim(u.Path, "/"), nil
}

type costSample struct {
	c   loadgen.Counters
	err error
}

func sampleAll(ctx context.Context, probes []loadgen.Probe) []costSample {
	out := make([]costSample, len(probes))
	for i, p := range probes {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		out[i].c, out[i].err = p.Sample(sctx)
		cancel()
	}
	return out
}

func measureCosts(ctx context.Context, probes []loadgen.Probe, before []costSample, completed int) []loadgen.Cost {
	if len(probes) == 0 {
		return nil
	}
	after := sampleAll(ctx, probes)
	costs := make([]loadgen.Cost, len(probes))
	for i, p := range probes {
		if err := cmpErr(before[i].err, after[i].err); err != nil {
			costs[i] = loadgen.Cost{Probe: p.Name(), Error: err.Error()}
			continue
		}
		costs[i] = loadgen.MeasureCost(p.Name(), before[i].c, after[i].c, completed)
	}
	return costs
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// writeCost prints the server-side cost lines of the report.
func writeCost(w io.Writer, costs []loadgen.Cost) {
	var cpu, machine, unavailable []string
	for _, c := range costs {
		label, _, _ := strings.Cut(c.Probe, " CPU from ")
		total, per := loadgen.SumCPU(c)
		part := fmt.Sprintf("%s %.2f ms (%.1f s)", label, per*1000, total)
		switch {
		case c.Error != "":
			unavailable = append(unavailable, c.Probe+": "+c.Error)
		case c.Probe == loadgen.MachineProbe{}.Name() || c.Probe == loadgen.SelfProbe{}.Name():
			machine = append(machine, part)
		case strings.Contains(c.Probe, " CPU from "):
			cpu = append(cpu, part)
		}
	}
	if len(cpu) > 0 {
		fmt.Fprintf(w, "Server CPU   per submission: %s\n", strings.Join(cpu, ", "))
	}
	if len(machine) > 0 {
		fmt.Fprintf(w, "Machine CPU  per submission: %s\n", strings.Join(machine, ", "))
	}
	for _, c := range costs {
		if c.Error != "" || !strings.HasPrefix(c.Probe, "PostgreSQL statistics") {
			continue
		}
		p := c.PerSubmission
		fmt.Fprintf(w, "DB work      per submission: %.2f commits, %.2f rollbacks; rows %.2f inserted, %.2f updated, %.2f deleted\n",
			p["xact_commit"], p["xact_rollback"], p["tup_inserted"], p["tup_updated"], p["tup_deleted"])
		if _, ok := c.Total["statements"]; ok {
			fmt.Fprintf(w, "Statements   per submission: %.2f, WAL %.0f bytes; most called:\n", p["statements"], p["wal_bytes"])
			for _, q := range loadgen.TopStatements(c, 12) {
				fmt.Fprintf(w, "  %6.2f  %s\n", p["stmt:"+q], q)
			}
		}
	}
	for _, u := range unavailable {
		fmt.Fprintf(w, "Not measured %s\n", u)
	}
}
