package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkCreateSubmission measures accepted POST /v1/submissions per second against the real
// database: auth lookup, validation, and the transaction that writes the submission, its outbox
// row and its first event. Run with -cpu to vary the number of concurrent clients.
func BenchmarkCreateSubmission(b *testing.B) {
	e := newEnv(b, envOpts{})
	body, err := json.Marshal(adhoc())
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(4) // 4 clients per GOMAXPROCS
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", e.srv.URL+"/v1/submissions", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.sub)
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusAccepted {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "submissions/s")
	b.StopTimer()
	if n := e.count("dispatch"); n != b.N {
		b.Errorf("%d outbox rows after %d accepted POSTs", n, b.N)
	}
}
