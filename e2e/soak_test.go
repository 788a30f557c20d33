package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/judge-dev/judge/internal/testenv"
)

// soakInterval is how often TestSoak samples memory and backlog.
const soakInterval = 10 * time.Second

// soakGrowth is how far a series may grow before the soak calls it unbounded: the median of
// its last third of samples against the median of its first third, with some slack so a
// series near zero (an empty backlog) may wobble. Generous on purpose: the soak catches a
// leak or a backlog that keeps climbing, not noise of a shared machine.
type soakGrowth struct {
	ratio float64
	slack float64
}

// TestSoak sends submissions at a constant rate for JUDGE_SOAK (a duration, say 30m; unset
// skips) at JUDGE_SOAK_RATE per second (default 30) to two API replicas, two relays and two
// workers, samples every judged process's resident memory and the backlog (queued
// submissions, outbox rows, the consumer group's lag) every 10 s, and fails if memory or
// backlog grows without bound. Every submission must still end exactly once with its
// verdict. `make soak` runs it for 30 minutes; docs/benchmarks.md has the figures.
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("JUDGE_SOAK"))
	if err != nil || d <= 0 {
		t.Skip("soak: set JUDGE_SOAK to a duration, e.g. JUDGE_SOAK=30m (see README)")
	}
	rate := 30.0
	if v := os.Getenv("JUDGE_SOAK_RATE"); v != "" {
		if rate, err = strconv.ParseFloat(v, 64); err != nil || rate <= 0 {
			t.Fatalf("JUDGE_SOAK_RATE=%q: want a positive number of submissions per second", v)
		}
	}
	c := newCluster(t)
	c.startAPI("api1")
	c.startAPI("api2")
	c.startRelay("relay1")
	c.startRelay("relay2")
	c.startWorker("worker1", 2)
	c.startWorker("worker2", 2)
	lag := newLagReader(t, c)

	jobs := workloadOf(faultPrograms[:4], int(d.Seconds()*rate))
	ctx, cancel := context.WithCancel(context.Background())
	var samples []soakSample
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(soakInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				s := c.sample(lag)
				t.Log(s)
				samples = append(samples, s)
			}
		}
	}()
	start := time.Now()
	ids := send(t, c, jobs, rate, nil)
	sent := time.Since(start)
	cancel()
	wg.Wait()
	t.Logf("sent %d submissions in %s: %.1f/s (asked %.1f/s)", len(jobs), sent.Round(time.Second), float64(len(jobs))/sent.Seconds(), rate)
	check(t, c, jobs, ids, 15*time.Minute)
	t.Logf("all %d done %s after the last was sent", len(jobs), (time.Since(start) - sent).Round(time.Second))

	if len(samples) < 6 {
		t.Fatalf("%d samples in %s: too few to tell a trend (run for at least a minute)", len(samples), d)
	}
	series := map[string]soakGrowth{}
	for name := range samples[0].rssKB {
		series["rss_kb "+name] = soakGrowth{ratio: 1.5, slack: 32 << 10}
	}
	// Ten seconds of arrivals is noise for a backlog; twice that on top of doubling is a queue
	// that keeps building.
	backlog := soakGrowth{ratio: 2, slack: 10 * rate}
	for _, name := range []string{"queued", "outbox", "consumer_lag"} {
		series[name] = backlog
	}
	for _, name := range slices.Sorted(maps.Keys(series)) {
		g := series[name]
		values := make([]float64, len(samples))
		for i, s := range samples {
			values[i] = s.value(name)
		}
		third := len(values) / 3
		first, last := median(values[:third]), median(values[len(values)-third:])
		t.Logf("%-22s first third median %10.0f, last third median %10.0f, max %10.0f", name, first, last, slices.Max(values))
		if last > g.ratio*first+g.slack {
			t.Errorf("%s grows without bound: last third median %.0f > %.1f × first third median %.0f + %.0f",
				name, last, g.ratio, first, g.slack)
		}
	}
}

// soakSample is one reading of TestSoak.
type soakSample struct {
	at                  time.Time
	rssKB               map[string]float64
	queued, outbox, lag float64
	done                float64
}

func (s soakSample) value(name string) float64 {
	if proc, ok := strings.CutPrefix(name, "rss_kb "); ok {
		return s.rssKB[proc]
	}
	switch name {
	case "queued":
		return s.queued
	case "outbox":
		return s.outbox
	case "consumer_lag":
		return s.lag
	}
	panic("soak: no series " + name)
}

func (s soakSample) String() string {
	var rss []string
	for _, name := range slices.Sorted(maps.Keys(s.rssKB)) {
		rss = append(rss, fmt.Sprintf("%s=%.0fMiB", name, s.rssKB[name]/1024))
	}
	return fmt.Sprintf("%s done=%.0f queued=%.0f outbox=%.0f lag=%.0f rss: %s",
		s.at.Format("15:04:05"), s.done, s.queued, s.outbox, s.lag, strings.Join(rss, " "))
}

// sample reads every role's resident memory and the backlog. A reading that fails counts as
// 0 and is logged; the checks then see it as a dip, never as growth.
func (c *cluster) sample(lag *lagReader) soakSample {
	s := soakSample{at: time.Now(), rssKB: map[string]float64{}}
	c.mu.Lock()
	for name, p := range c.procs {
		kb, err := rssKB(p.cmd.Process.Pid)
		if err != nil {
			c.t.Logf("rss of %s: %v", name, err)
		}
		s.rssKB[name] = kb
	}
	c.mu.Unlock()
	err := c.db.QueryRow(`SELECT count(*) FILTER (WHERE status = 'queued'), count(*) FILTER (WHERE status = 'done'),
			(SELECT count(*) FROM dispatch) FROM submissions`).Scan(&s.queued, &s.done, &s.outbox)
	if err != nil {
		c.t.Logf("backlog: %v", err)
	}
	if s.lag, err = lag.read(); err != nil {
		c.t.Logf("consumer lag: %v", err)
	}
	return s
}

// rssKB is a process's resident set size (VmRSS) in KiB.
func rssKB(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// lagReader reads how many records of the cluster's topic its workers' consumer group has not
// committed yet.
type lagReader struct {
	client sarama.Client
	admin  sarama.ClusterAdmin
	topic  string
	group  string
}

func newLagReader(t *testing.T, c *cluster) *lagReader {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_9_0_0
	cfg.ClientID = "judge-e2e-soak"
	cl, err := sarama.NewClient(testenv.KafkaBrokers(t), cfg)
	if err != nil {
		t.Fatalf("kafka client: %v", err)
	}
	admin, err := sarama.NewClusterAdminFromClient(cl)
	if err != nil {
		cl.Close()
		t.Fatalf("kafka admin: %v", err)
	}
	t.Cleanup(func() { admin.Close() }) // closes the client too
	return &lagReader{client: cl, admin: admin, topic: c.topic(), group: "e2e-" + c.slot}
}

func (l *lagReader) read() (float64, error) {
	parts, err := l.client.Partitions(l.topic)
	if err != nil {
		return 0, fmt.Errorf("partitions of %s: %w", l.topic, err)
	}
	committed, err := l.admin.ListConsumerGroupOffsets(l.group, map[string][]int32{l.topic: parts})
	if err != nil {
		return 0, fmt.Errorf("offsets of group %s: %w", l.group, err)
	}
	var lag int64
	for _, p := range parts {
		newest, err := l.client.GetOffset(l.topic, p, sarama.OffsetNewest)
		if err != nil {
			return 0, fmt.Errorf("newest offset of %s/%d: %w", l.topic, p, err)
		}
		from := int64(-1)
		if b := committed.GetBlock(l.topic, p); b != nil {
			from = b.Offset
		}
		if from < 0 { // nothing committed yet: the group starts at the oldest record
			if from, err = l.client.GetOffset(l.topic, p, sarama.OffsetOldest); err != nil {
				return 0, fmt.Errorf("oldest offset of %s/%d: %w", l.topic, p, err)
			}
		}
		lag += newest - from
	}
	return float64(lag), nil
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
