// Package agent owns the measuring helper that runs inside every sandbox container (the hidden
// `judged agent` command) and the wire protocol the host uses to talk to it over the container's
// attached stdin/stdout.
//
// The protocol is a sequence of frames: one type byte, a big-endian uint32 payload length, the
// payload. Control frames carry small JSON documents; bulk bytes (files, input, output) travel
// raw in frames of at most DataChunk bytes, never inside JSON, so neither side holds a program's
// bytes more than once or in a second encoding.
//
// One request goes like this. The host sends a Request frame, then the bytes of every file the
// request lists (program files, then Files, then stdin) as Data frames, back to back. The agent
// writes them straight into the container's work directory, runs the program, and streams its
// stdout and stderr as Stdout and Stderr frames while it runs, with the caps applied as the
// bytes arrive. Collected files follow as a FileHeader frame and their bytes as Data frames. A
// Result frame ends the request. Interactive runs add Stdin/StdinEOF frames (host to agent).
package agent

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Frame types.
const (
	FrameReady      byte = 'H' // agent → host, once at start: the agent is serving
	FrameRequest    byte = 'R' // host → agent: a JSON Request
	FrameData       byte = 'B' // either way: raw bytes of the files announced before
	FrameStdin      byte = 'I' // host → agent: bytes for the program's stdin (interactive)
	FrameStdinEOF   byte = 'E' // host → agent: close the program's stdin (interactive)
	FrameStdout     byte = 'O' // agent → host: bytes the program wrote to stdout
	FrameStderr     byte = 'S' // agent → host: bytes the program wrote to stderr (up to its cap)
	FrameFileHeader byte = 'F' // agent → host: a JSON FileHeader of a collected file; its Data follows
	FrameResult     byte = 'D' // agent → host: a JSON Response; the request is over
)

// DataChunk is the largest payload of a Data, Stdin, Stdout or Stderr frame either side sends.
const DataChunk = 256 << 10

// MaxFrame bounds one frame's payload so a corrupt length cannot make either side allocate
// without limit: control frames are small JSON documents and data comes in DataChunk pieces.
const MaxFrame = 4 << 20

// FileHeader announces one file whose Size bytes follow as Data frames.
type FileHeader struct {
	Name string `json:"name"`
	Mode uint32 `json:"mode"` // permission bits; 0 means 0644
	Size int64  `json:"size"`
}

// Request asks the agent to run one program.
type Request struct {
	// Argv is the command; a relative argv[0] with a slash is resolved in the work directory,
	// one without is looked up in PATH.
	Argv []string `json:"argv"`
	Env  []string `json:"env,omitempty"`
	// Program files are written into the freshly wiped work directory, then Files. Names are
	// slash-separated paths relative to it.
	//
	// A host that sent a ProgramID with its Program once may send the same ProgramID with a
	// nil Program: the agent keeps the last program's files in the work directory between
	// runs (root-owned and read-only to the program, checked unchanged by every wipe), so a
	// compiled binary crosses the stream once per container, not once per test.
	Program   []FileHeader `json:"program,omitempty"`
	ProgramID string       `json:"program_id,omitempty"`
	Files     []FileHeader `json:"files,omitempty"`
	// StdinBytes of input follow the files' bytes (non-interactive runs). The agent stores
	// them in a file the program gets as its stdin and cannot find by name.
	StdinBytes int64 `json:"stdin_bytes,omitempty"`
	// Interactive streams stdin as Stdin frames while the program runs.
	Interactive bool `json:"interactive,omitempty"`
	// StderrToStdout makes the program's stderr the same pipe as its stdout (2>&1).
	StderrToStdout bool `json:"stderr_to_stdout,omitempty"`

	CPUTimeNs  int64 `json:"cpu_time_ns"`
	WallTimeNs int64 `json:"wall_time_ns"`
	// MemoryBytes is the program's limit: the agent kills the run once the group's usage
	// above its usage at the start passes it (the container's own limit is higher).
	MemoryBytes   int64 `json:"memory_bytes"`
	OutputBytes   int64 `json:"output_bytes"`
	StderrBytes   int64 `json:"stderr_bytes"`
	FileSizeBytes int64 `json:"file_size_bytes,omitempty"` // 0: the container's limit
	OpenFiles     int   `json:"open_files"`
	StackBytes    int64 `json:"stack_bytes"`

	// CollectDir, if set, names a directory under the work directory whose regular files come
	// back after the run; "." collects the whole work directory (compile artifacts).
	CollectDir string `json:"collect_dir,omitempty"`
	// CollectBytes caps the total size of collected files.
	CollectBytes int64 `json:"collect_bytes,omitempty"`
}

// DataBytes is how many bytes of Data frames follow the request.
func (r *Request) DataBytes() int64 {
	n := r.StdinBytes
	for _, f := range r.Program {
		n += f.Size
	}
	for _, f := range r.Files {
		n += f.Size
	}
	return n
}

// Response is what the agent measured about one run.
type Response struct {
	ExitCode   int    `json:"exit_code"`
	Signal     string `json:"signal,omitempty"`
	CPUTimeNs  int64  `json:"cpu_time_ns"`
	WallTimeNs int64  `json:"wall_time_ns"`
	// MemoryBaseBytes is the container group's memory usage just before the program started:
	// the agent, the files it wrote, page cache of earlier runs. The host subtracts it from
	// the group's peak over the run.
	MemoryBaseBytes int64 `json:"memory_base_bytes"`
	// PeakBytes is the agent's own view of the run's peak above MemoryBaseBytes: exact when the
	// group's high-water mark rose during the run, sampled every 20 ms otherwise. The host
	// prefers the peak of a watch it reset before the run.
	PeakBytes int64 `json:"peak_bytes"`
	// CPUFromCgroup says CPUTimeNs is the group's counter minus the agent's own CPU; otherwise
	// it is the rusage of every process the agent reaped.
	CPUFromCgroup bool `json:"cpu_from_cgroup,omitempty"`

	StdoutBytes     int64 `json:"stdout_bytes"`                // stdout bytes the program wrote (up to the cap + 1)
	OutputExceeded  bool  `json:"output_exceeded,omitempty"`   // killed for writing past OutputBytes
	CPUExceeded     bool  `json:"cpu_exceeded,omitempty"`      // killed by the agent's CPU watch
	WallExceeded    bool  `json:"wall_exceeded,omitempty"`     // killed at the wall-time cap
	OOMKilled       bool  `json:"oom_killed,omitempty"`        // the group's OOM killer fired during the run
	MemoryExceeded  bool  `json:"memory_exceeded,omitempty"`   // killed by the agent's memory watch
	CollectTooLarge bool  `json:"collect_too_large,omitempty"` // collected files passed CollectBytes
	// BadNames are files the run left in the collect directory whose names no host could use
	// (a backslash, a newline, invalid UTF-8); they were not collected.
	BadNames []string `json:"bad_names,omitempty"`

	// Error is set when the agent could not run the request (the judge's fault).
	Error string `json:"error,omitempty"`
	// Dirty is set when the wipe after the run could not restore a clean container; the host
	// must destroy it.
	Dirty string `json:"dirty,omitempty"`
}

// Writer writes frames; it is safe for concurrent use and never interleaves two frames.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte // header and payload of a frame up to smallFrame, written at once
}

// smallFrame is the largest payload a Writer copies to send with its header in one write: every
// write crosses dockerd and the container's shim, each a scheduling point, so a control frame
// must not become two. Bulk data goes in two writes, without the copy.
const smallFrame = 64 << 10

// NewWriter writes frames to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Frame writes one frame.
func (w *Writer) Frame(typ byte, payload []byte) error {
	if len(payload) > MaxFrame {
		return fmt.Errorf("frame %q of %d bytes is over the %d-byte cap", typ, len(payload), MaxFrame)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf == nil {
		w.buf = make([]byte, 5, 5+smallFrame)
	}
	hdr := w.buf[:5]
	hdr[0] = typ
	binary.BigEndian.PutUint32(hdr[1:5], uint32(len(payload)))
	if len(payload) <= smallFrame {
		_, err := w.w.Write(append(hdr, payload...))
		return err
	}
	if _, err := w.w.Write(hdr); err != nil {
		return err
	}
	_, err := w.w.Write(payload)
	return err
}

// JSON writes v as the payload of one frame.
func (w *Writer) JSON(typ byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode frame %c: %w", typ, err)
	}
	return w.Frame(typ, b)
}

// Data writes p as Data frames of at most DataChunk bytes.
func (w *Writer) Data(typ byte, p []byte) error {
	for len(p) > 0 {
		n := min(len(p), DataChunk)
		if err := w.Frame(typ, p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// WriteFrame writes one frame to w (a writer nobody else writes to concurrently).
func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	return NewWriter(w).Frame(typ, payload)
}

// Reader reads frames into one buffer it reuses: a payload is valid until the next Next.
type Reader struct {
	r   io.Reader
	buf []byte
}

// NewReader reads frames from r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Next reads one frame.
func (fr *Reader) Next() (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(fr.r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:5])
	if n > MaxFrame {
		return 0, nil, fmt.Errorf("frame %q of %d bytes is over the %d-byte cap", hdr[0], n, MaxFrame)
	}
	if int(n) > cap(fr.buf) {
		fr.buf = make([]byte, n)
	}
	payload := fr.buf[:n]
	if _, err := io.ReadFull(fr.r, payload); err != nil {
		return 0, nil, fmt.Errorf("read frame %q payload: %w", hdr[0], io.ErrUnexpectedEOF)
	}
	return hdr[0], payload, nil
}

// ReadFrame reads one frame into a new buffer.
func ReadFrame(r io.Reader) (byte, []byte, error) {
	typ, p, err := NewReader(r).Next()
	return typ, p, err
}

// DataReader presents the payloads of consecutive Data frames as one stream of n bytes.
type DataReader struct {
	fr   *Reader
	left int64
	cur  []byte
}

// NewDataReader reads n bytes of Data frames from fr.
func NewDataReader(fr *Reader, n int64) *DataReader { return &DataReader{fr: fr, left: n} }

func (d *DataReader) Read(p []byte) (int, error) {
	for len(d.cur) == 0 {
		if d.left == 0 {
			return 0, io.EOF
		}
		typ, payload, err := d.fr.Next()
		if err != nil {
			return 0, fmt.Errorf("read data: %w", err)
		}
		if typ != FrameData {
			return 0, fmt.Errorf("frame %q where %d bytes of data were due", typ, d.left)
		}
		if int64(len(payload)) > d.left {
			return 0, fmt.Errorf("data frame of %d bytes where %d were due", len(payload), d.left)
		}
		d.cur = payload
		d.left -= int64(len(payload))
	}
	n := copy(p, d.cur)
	d.cur = d.cur[n:]
	return n, nil
}

// Drain consumes what is left of the stream.
func (d *DataReader) Drain() error {
	_, err := io.Copy(io.Discard, d)
	return err
}
