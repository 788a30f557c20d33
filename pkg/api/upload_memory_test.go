package api_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/judge-dev/judge/pkg/api"
	"github.com/judge-dev/judge/pkg/apiv1"
)

// The upload memory tests run each upload in a child process (this test binary, re-run on
// TestUploadMemoryChild) so that the child's peak resident size (VmHWM) measures that upload
// alone: a resource bound, not a timing.
const uploadCaseEnv = "JUDGE_TEST_UPLOAD_CASE"

const mib = 1 << 20

// uploadCases are the uploads measured. Each says what the server must answer.
var uploadCases = map[string]struct {
	limits api.Limits
	// data is the size of the one secret test input, all zeros, decompressed.
	data   int64
	level  int
	status int
	// field is what the problem+json must name (the file or the setting).
	field string
}{
	// A 1 GiB gzip bomb (about 1 MB on the wire): refused at the unpacked cap, counted as it
	// decompresses, long before it expanded.
	"bomb": {limits: api.Limits{MaxUnpackedBytes: 128 * mib, MaxTestFileBytes: 1 << 30}, data: 1 << 30, level: gzip.BestCompression,
		status: http.StatusRequestEntityTooLarge, field: "data/secret/big.in"},
	// One 600 MiB test against the default caps: refused at the per-file cap (256 MiB).
	"big-test-refused": {data: 600 * mib, level: gzip.BestSpeed, status: http.StatusRequestEntityTooLarge, field: "data/secret/big.in"},
	// One 300 MiB test with the caps raised: accepted, spilled to disk and stored in chunks,
	// while the process grows by far less than the test's size.
	"big-test-stored": {limits: api.Limits{MaxTestFileBytes: 512 * mib}, data: 300 * mib, level: gzip.BestSpeed, status: http.StatusCreated},
}

// budget is the default request memory budget the growth is held to.
const budget = 256 * mib

func TestUploadMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and stores up to 1.2 GiB of test data; not in -short")
	}
	for name, tc := range uploadCases {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestUploadMemoryChild$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), uploadCaseEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child for %s: %v\n%s", name, err, out)
			}
			var hwm, rss, heap int64 = -1, -1, -1
			for _, line := range strings.Split(string(out), "\n") {
				if _, after, ok := strings.Cut(line, "UPLOAD-MEMORY "); ok {
					fmt.Sscanf(after, "rss_before=%d hwm_after=%d heap_sys_growth=%d", &rss, &hwm, &heap)
				}
			}
			if hwm < 0 {
				t.Fatalf("child printed no measurement:\n%s", out)
			}
			growth := hwm - rss
			t.Logf("%s (%d MiB of test data, status %d): peak RSS growth %d MiB, heap growth %d MiB (budget %d MiB)",
				name, tc.data/mib, tc.status, growth/mib, heap/mib, budget/mib)
			if growth > budget || heap > budget {
				t.Errorf("%s grew the process by %d MiB (heap %d MiB), more than the %d MiB budget", name, growth/mib, heap/mib, budget/mib)
			}
		})
	}
}

// TestUploadMemoryChild runs one upload case when started by TestUploadMemoryIsBounded.
func TestUploadMemoryChild(t *testing.T) {
	name := os.Getenv(uploadCaseEnv)
	if name == "" {
		t.Skip("run by TestUploadMemoryIsBounded")
	}
	tc := uploadCases[name]
	e := newEnv(t, envOpts{limits: tc.limits})
	// The client streams the archive as it generates it, so it holds none of it either.
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeBigPackage(pw, tc.data, tc.level)) }()

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	rssBefore := procStatus(t, "VmRSS")

	hr, err := http.NewRequest("PUT", e.srv.URL+"/v1/problems/big", pr)
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Authorization", "Bearer "+e.admin)
	hr.Header.Set("Content-Type", "application/gzip")
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()

	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	fmt.Printf("UPLOAD-MEMORY rss_before=%d hwm_after=%d heap_sys_growth=%d\n", rssBefore, procStatus(t, "VmHWM"), int64(after.HeapSys)-int64(before.HeapSys))

	r := resp{status: res.StatusCode, header: res.Header, body: body}
	if r.status != tc.status {
		t.Fatalf("PUT: %d %s, want %d", r.status, body, tc.status)
	}
	if tc.status != http.StatusCreated {
		pd := r.problem(t)
		if pd.Type != apiv1.ErrTypeTooLarge || !hasField(pd, tc.field) {
			t.Errorf("problem %+v, want too-large naming %s", pd, tc.field)
		}
		if n := e.count("problems"); n != 0 {
			t.Errorf("%d problems stored after a refused upload", n)
		}
		return
	}
	// Stored: the package archive is the one copy of the big input (no blob of its own), whole
	// in the database, and the test is listed.
	var tests, blobs int
	var size, stored int64
	err = e.st.DB().QueryRow(`SELECT (SELECT count(*) FROM testcases t WHERE t.problem_id = p.id AND t.name = 'secret/big' AND t.hidden),
		(SELECT count(*) FROM blobs), b.size,
		greatest(length(b.data), (SELECT coalesce(sum(length(c.data)), 0) FROM blob_chunks c WHERE c.sha256 = b.sha256))
		FROM problems p JOIN blobs b ON b.sha256 = p.package_sha256 WHERE p.slug = 'big'`).Scan(&tests, &blobs, &size, &stored)
	if err != nil || tests != 1 || blobs != 1 || size == 0 || stored != size {
		t.Errorf("stored: %d big tests listed, %d blobs, package of %d bytes with %d stored (%v); want 1, 1 (the package) and all its bytes",
			tests, blobs, size, stored, err)
	}
}

// procStatus reads a field of /proc/self/status in bytes.
func procStatus(t *testing.T, field string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// writeBigPackage writes a tar.gz package whose secret test input is size zero bytes.
func writeBigPackage(w io.Writer, size int64, level int) error {
	gz, err := gzip.NewWriterLevel(w, level)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	small := map[string]string{"problem.yaml": "name: Big\n", "data/sample/1.in": "1\n", "data/sample/1.ans": "1\n", "data/secret/big.ans": "0\n"}
	for _, n := range []string{"problem.yaml", "data/sample/1.in", "data/sample/1.ans", "data/secret/big.ans"} {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(small[n])), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write([]byte(small[n])); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "data/secret/big.in", Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	zero := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(left, int64(len(zero)))
		if _, err := tw.Write(zero[:n]); err != nil {
			return err
		}
		left -= n
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// TestGzipBombIsAboutOneMegabyte keeps the bomb case honest about its size on the wire.
func TestGzipBombIsAboutOneMegabyte(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 1 GiB")
	}
	var buf bytes.Buffer
	if err := writeBigPackage(&buf, uploadCases["bomb"].data, uploadCases["bomb"].level); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 2*mib {
		t.Errorf("the bomb is %d bytes compressed, want about 1 MB", buf.Len())
	}
	t.Logf("gzip bomb: %d bytes on the wire, %d MiB decompressed", buf.Len(), uploadCases["bomb"].data/mib)
}
