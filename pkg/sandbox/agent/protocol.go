// Package agent owns the measuring helper that runs inside every sandbox container (the hidden
// `judged agent` command) and the wire protocol the host uses to talk to it over the container's
// attached stdin/stdout.
//
// The protocol is a sequence of frames: one type byte, a big-endian uint32 payload length, the
// payload. The host sends a Request frame; the agent wipes the container's writable places, writes
// the request's files, runs the program under its limits, wipes again and answers with one Result
// frame. Interactive runs add Stdin/StdinEOF frames (host to agent) and Stdout frames (agent to
// host) between the two.
package agent

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// Frame types.
const (
	FrameReady    byte = 'H' // agent → host, once at start: the agent is serving
	FrameRequest  byte = 'R' // host → agent: a JSON Request
	FrameStdin    byte = 'I' // host → agent: bytes for the program's stdin (interactive)
	FrameStdinEOF byte = 'E' // host → agent: close the program's stdin (interactive)
	FrameStdout   byte = 'O' // agent → host: bytes the program wrote to stdout (interactive)
	FrameResult   byte = 'D' // agent → host: a JSON Response; the request is over
)

// CacheBytes caps the program files an agent keeps between requests.
const CacheBytes = 64 << 20

// MaxFrame bounds one frame's payload so a corrupt length cannot make either side allocate
// without limit. Requests carry sources and compiled artifacts; results carry capped output.
const MaxFrame = 1 << 30

// File is one file moved into or out of the work directory.
type File struct {
	Data []byte `json:"data"`
	Mode uint32 `json:"mode"` // permission bits; 0 means 0644
}

// Request asks the agent to run one program.
type Request struct {
	// Argv is the command; a relative argv[0] with a slash is resolved in the work directory,
	// one without is looked up in PATH.
	Argv []string `json:"argv"`
	Env  []string `json:"env,omitempty"`
	// Files are written into the freshly wiped work directory before the run. Names are
	// slash-separated paths relative to it.
	Files map[string]File `json:"files,omitempty"`
	// Program files are written before Files. A host that sent a ProgramID with its files once
	// may send the same ProgramID without them: the agent keeps the last program's files (up to
	// CacheBytes), so a compiled binary crosses the stream once per submission, not per test.
	Program   map[string]File `json:"program,omitempty"`
	ProgramID string          `json:"program_id,omitempty"`
	// Stdin is the whole input of a non-interactive run.
	Stdin []byte `json:"stdin,omitempty"`
	// Interactive streams stdin and stdout as frames instead of Stdin and Response.Stdout.
	Interactive bool `json:"interactive,omitempty"`
	// StderrToStdout makes the program's stderr the same pipe as its stdout (2>&1).
	StderrToStdout bool `json:"stderr_to_stdout,omitempty"`

	CPUTimeNs     int64 `json:"cpu_time_ns"`
	WallTimeNs    int64 `json:"wall_time_ns"`
	OutputBytes   int64 `json:"output_bytes"`
	StderrBytes   int64 `json:"stderr_bytes"`
	FileSizeBytes int64 `json:"file_size_bytes"`
	OpenFiles     int   `json:"open_files"`
	StackBytes    int64 `json:"stack_bytes"`

	// CollectDir, if set, names a directory under the work directory whose regular files come
	// back in Response.Files; "." collects the whole work directory (compile artifacts).
	CollectDir string `json:"collect_dir,omitempty"`
	// CollectBytes caps the total size of collected files.
	CollectBytes int64 `json:"collect_bytes,omitempty"`
}

// Response is what the agent measured about one run.
type Response struct {
	ExitCode    int    `json:"exit_code"`
	Signal      string `json:"signal,omitempty"`
	CPUTimeNs   int64  `json:"cpu_time_ns"`
	WallTimeNs  int64  `json:"wall_time_ns"`
	MaxRSSBytes int64  `json:"max_rss_bytes"`
	Stdout      []byte `json:"stdout,omitempty"`
	Stderr      []byte `json:"stderr,omitempty"`

	StdoutTruncated bool `json:"stdout_truncated,omitempty"`
	OutputExceeded  bool `json:"output_exceeded,omitempty"`   // killed for writing past OutputBytes
	CPUExceeded     bool `json:"cpu_exceeded,omitempty"`      // killed by the agent's CPU watch
	WallExceeded    bool `json:"wall_exceeded,omitempty"`     // killed at the wall-time cap
	OOMKilled       bool `json:"oom_killed,omitempty"`        // the cgroup's OOM killer fired during the run
	CollectTooLarge bool `json:"collect_too_large,omitempty"` // collected files passed CollectBytes

	Files map[string]File `json:"files,omitempty"`

	// Error is set when the agent could not run the request (the judge's fault).
	Error string `json:"error,omitempty"`
	// Dirty is set when the wipe after the run could not restore a clean container; the host
	// must destroy it.
	Dirty string `json:"dirty,omitempty"`
}

// WriteFrame writes one frame in a single Write so concurrent writers holding a lock never
// interleave partial frames.
func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	buf := make([]byte, 5+len(payload))
	buf[0] = typ
	binary.BigEndian.PutUint32(buf[1:5], uint32(len(payload)))
	copy(buf[5:], payload)
	_, err := w.Write(buf)
	return err
}

// WriteJSON writes v as the payload of one frame.
func WriteJSON(w io.Writer, typ byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode frame %c: %w", typ, err)
	}
	return WriteFrame(w, typ, b)
}

// ReadFrame reads one frame.
func ReadFrame(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:5])
	if n > MaxFrame {
		return 0, nil, fmt.Errorf("frame %q of %d bytes is over the %d-byte cap", hdr[0], n, MaxFrame)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, fmt.Errorf("read frame %q payload: %w", hdr[0], io.ErrUnexpectedEOF)
	}
	return hdr[0], payload, nil
}
