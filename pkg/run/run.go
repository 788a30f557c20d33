// Package run owns the vocabulary of one sandboxed execution: the limits a program runs under,
// what is measured about it, and the interfaces of a compiled program (Program, Starter,
// Process, Executable). It is a leaf: the sandbox produces these values and satisfies the
// interfaces (through pkg/engine/sandboxed), the judge and the engine consume them, so both are
// unit-tested with fakes and none needs the others' packages.
package run

import "errors"

import "time"

// Status is the sandbox's classification of one execution. Comparing output with the expected
// answer is not the sandbox's job, so there is no WA here.
type Status string

const (
	OK  Status = "OK"  // exited 0 within every limit
	TLE Status = "TLE" // CPU time over the limit, or wall time over its cap (sleepers)
	MLE Status = "MLE" // killed by the memory limit, or peak memory over it
	OLE Status = "OLE" // stdout past the output limit
	RE  Status = "RE"  // non-zero exit or killed by a signal
	CE  Status = "CE"  // compile step failed or ran over its limits
	IE  Status = "IE"  // the judge failed; never the program's fault
)

// Limits of one execution. Zero values mean "the sandbox's default".
type Limits struct {
	// CPUTime is user+sys of the program and its children.
	CPUTime time.Duration
	// WallTime caps real time; zero means 3×CPUTime + 1s.
	WallTime time.Duration
	// MemoryBytes caps the run's memory as the kernel accounts it: every process, the tmpfs
	// pages it wrote, kernel memory (no swap).
	MemoryBytes int64
	// OutputBytes caps stdout; past it the program is killed with OLE.
	OutputBytes int64
	// StderrBytes caps captured stderr (excess is dropped, not an error).
	StderrBytes int64
	// Processes caps the number of processes/threads (pids limit).
	Processes int
	// FileSizeBytes caps any one file the program writes (RLIMIT_FSIZE); zero leaves files to
	// the size of their tmpfs and the memory limit (stdout is capped by OutputBytes instead).
	FileSizeBytes int64
}

// EffectiveWallTime is the wall-time cap implied by l.
func (l Limits) EffectiveWallTime() time.Duration {
	if l.WallTime > 0 {
		return l.WallTime
	}
	return 3*l.CPUTime + time.Second
}

// Spec is one execution of a compiled program.
type Spec struct {
	// Stdin is fed to the program; nil means empty input.
	Stdin []byte
	// Args are appended to the language's run command (validators get `input answer feedback_dir`).
	Args []string
	// Files are placed in the work directory before the run (a validator's input and answer).
	// Never put an expected answer here for a contestant's program.
	Files map[string][]byte
	// CollectDir, if set, names a directory under the work directory whose regular files come
	// back in Result.Files (a validator's feedback dir). The sandbox reads them without following
	// links.
	CollectDir string
	Limits     Limits
	// StderrToStdout gives the program one stream for both outputs, as a shell's 2>&1:
	// Result.Stderr stays empty and the order of writes is kept.
	StderrToStdout bool
}

// Result is what was measured about one execution.
type Result struct {
	Status   Status
	ExitCode int
	// Signal is the name of the signal that ended the program ("SIGSEGV"), if any.
	Signal string
	// CPUTime is user+system of every process of the run (the kernel's cgroup accounting).
	CPUTime  time.Duration
	WallTime time.Duration
	// MemoryBytes is the run's peak memory in the kernel's accounting (see Limits.MemoryBytes).
	MemoryBytes int64
	// Stdout and Stderr are the raw bytes (up to their limits); pass them through Text to
	// store or show them.
	Stdout []byte
	Stderr []byte
	// StdoutTruncated is set when stdout was cut at the output limit.
	StdoutTruncated bool
	// Files holds the regular files of Spec.CollectDir.
	Files map[string][]byte
	// Message explains IE and other judge-side observations for operators; it is storable text.
	Message string
}

// Compiled is the outcome of a compile step.
type Compiled struct {
	// Status is OK, CE or IE.
	Status Status
	// Output is the compiler's stdout and stderr as storable text (Text), truncated to 64 KiB.
	Output   []byte
	CPUTime  time.Duration
	WallTime time.Duration
}

// ErrInfrastructure marks a run that failed because the container engine stopped or removed the
// sandbox under it (an engine restart, a node drain), never because of the program: the run may
// be tried again without charging the submission an attempt.
var ErrInfrastructure = errors.New("the container engine stopped the sandbox")
