package api

import (
	"bufio"
	"math"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/judge-dev/judge/pkg/lang"
)

// Judge0Options are the operator's settings of the Judge0-compatible routes.
type Judge0Options struct {
	// CallbackHosts are the host names callback_url may point at; empty turns callbacks off
	// (a callback_url is then refused with a 422).
	CallbackHosts []string
}

// judge0Config is Judge0's /config_info: the defaults and maxima of this judge, in Judge0's
// names and units (seconds, kilobytes).
type judge0Config struct {
	MaintenanceMode                           bool     `json:"maintenance_mode"`
	EnableWaitResult                          bool     `json:"enable_wait_result"`
	EnableCompilerOptions                     bool     `json:"enable_compiler_options"`
	AllowedLanguagesForCompileOptions         []string `json:"allowed_languages_for_compile_options"`
	EnableCommandLineArguments                bool     `json:"enable_command_line_arguments"`
	EnableSubmissionDelete                    bool     `json:"enable_submission_delete"`
	EnableCallbacks                           bool     `json:"enable_callbacks"`
	CallbacksMaxTries                         int      `json:"callbacks_max_tries"`
	CallbacksTimeout                          float64  `json:"callbacks_timeout"`
	EnableAdditionalFiles                     bool     `json:"enable_additional_files"`
	MaxQueueSize                              int      `json:"max_queue_size"`
	CPUTimeLimit                              float64  `json:"cpu_time_limit"`
	MaxCPUTimeLimit                           float64  `json:"max_cpu_time_limit"`
	CPUExtraTime                              float64  `json:"cpu_extra_time"`
	MaxCPUExtraTime                           float64  `json:"max_cpu_extra_time"`
	WallTimeLimit                             float64  `json:"wall_time_limit"`
	MaxWallTimeLimit                          float64  `json:"max_wall_time_limit"`
	MemoryLimit                               int64    `json:"memory_limit"`
	MaxMemoryLimit                            int64    `json:"max_memory_limit"`
	StackLimit                                int64    `json:"stack_limit"`
	MaxStackLimit                             int64    `json:"max_stack_limit"`
	MaxProcessesAndOrThreads                  int      `json:"max_processes_and_or_threads"`
	MaxMaxProcessesAndOrThreads               int      `json:"max_max_processes_and_or_threads"`
	EnablePerProcessAndThreadTimeLimit        bool     `json:"enable_per_process_and_thread_time_limit"`
	AllowEnablePerProcessAndThreadTimeLimit   bool     `json:"allow_enable_per_process_and_thread_time_limit"`
	EnablePerProcessAndThreadMemoryLimit      bool     `json:"enable_per_process_and_thread_memory_limit"`
	AllowEnablePerProcessAndThreadMemoryLimit bool     `json:"allow_enable_per_process_and_thread_memory_limit"`
	MaxFileSize                               int64    `json:"max_file_size"`
	MaxMaxFileSize                            int64    `json:"max_max_file_size"`
	NumberOfRuns                              int      `json:"number_of_runs"`
	MaxNumberOfRuns                           int      `json:"max_number_of_runs"`
	RedirectStderrToStdout                    bool     `json:"redirect_stderr_to_stdout"`
	MaxExtractSize                            int      `json:"max_extract_size"`
	EnableBatchedSubmissions                  bool     `json:"enable_batched_submissions"`
	MaxSubmissionBatchSize                    int      `json:"max_submission_batch_size"`
	SubmissionCacheDuration                   float64  `json:"submission_cache_duration"`
	UseDocsAsHomepage                         bool     `json:"use_docs_as_homepage"`
	AllowEnableNetwork                        bool     `json:"allow_enable_network"`
	EnableNetwork                             bool     `json:"enable_network"`
}

func (s *Server) judge0Config() judge0Config {
	def, max := s.limits.DefaultRun, s.limits.MaxRun
	maxWall := float64(max.WallTimeMS) / 1000
	if maxWall == 0 {
		maxWall = 3*float64(max.TimeMS)/1000 + 1
	}
	maxProcs := max.Processes
	if maxProcs == 0 {
		maxProcs = DefaultLimits().MaxRun.Processes
	}
	maxFile := max.FileSizeKB
	if maxFile == 0 {
		maxFile = DefaultLimits().MaxRun.FileSizeKB
	}
	return judge0Config{
		EnableWaitResult:                  true,
		EnableCommandLineArguments:        true,
		AllowedLanguagesForCompileOptions: []string{},
		EnableSubmissionDelete:            true,
		EnableAdditionalFiles:             true,
		EnableCallbacks:                   len(s.judge0.CallbackHosts) > 0,
		CallbacksMaxTries:                 callbackMaxTries,
		CallbacksTimeout:                  callbackTimeout.Seconds(),
		// The judge has no queue cap: PostgreSQL holds every accepted submission.
		MaxQueueSize:                math.MaxInt32,
		CPUTimeLimit:                float64(def.TimeMS) / 1000,
		MaxCPUTimeLimit:             float64(max.TimeMS) / 1000,
		CPUExtraTime:                judge0DefaultExtraTime,
		MaxCPUExtraTime:             judge0MaxExtraTime,
		WallTimeLimit:               math.Min(judge0DefaultWallMS/1000, maxWall),
		MaxWallTimeLimit:            maxWall,
		MemoryLimit:                 def.MemoryKB,
		MaxMemoryLimit:              max.MemoryKB,
		StackLimit:                  judge0DefaultStackKB,
		MaxStackLimit:               judge0MaxStackKB,
		MaxProcessesAndOrThreads:    min(judge0DefaultProcesses, maxProcs),
		MaxMaxProcessesAndOrThreads: maxProcs,
		MaxFileSize:                 min(judge0DefaultFileSizeKB, maxFile),
		MaxMaxFileSize:              maxFile,
		NumberOfRuns:                1,
		MaxNumberOfRuns:             1,
		EnableBatchedSubmissions:    true,
		MaxSubmissionBatchSize:      judge0MaxBatch,
	}
}

func (s *Server) judge0About(w http.ResponseWriter, _ *http.Request, _ principal) error {
	writeJudge0(w, http.StatusOK, map[string]string{
		"version":     judge0Version,
		"homepage":    "https://judge.dev",
		"source_code": "https://judge.dev",
		"maintainer":  "judge: a Judge0 CE " + judge0Version + " compatible API (see docs/api.md)",
	})
	return nil
}

func (s *Server) judge0VersionText(w http.ResponseWriter, _ *http.Request, _ principal) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(judge0Version))
	return nil
}

func (s *Server) judge0ConfigInfo(w http.ResponseWriter, _ *http.Request, _ principal) error {
	writeJudge0(w, http.StatusOK, s.judge0Config())
	return nil
}

// judge0SystemInfo answers what Judge0 reads from lscpu and free, from this API replica's
// host (the workers may differ).
func (s *Server) judge0SystemInfo(w http.ResponseWriter, _ *http.Request, _ principal) error {
	info := map[string]string{"Architecture": goArchToUname(runtime.GOARCH), "CPU(s)": strconv.Itoa(runtime.NumCPU())}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		info["Model name"] = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		info["Mem"] = v
	}
	if v := procField("/proc/meminfo", "SwapTotal"); v != "" {
		info["Swap"] = v
	}
	writeJudge0(w, http.StatusOK, info)
	return nil
}

func goArchToUname(a string) string {
	switch a {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "386":
		return "i686"
	}
	return a
}

// procField returns the value of the first "key: value" line of a /proc file, or "".
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (s *Server) judge0StatusList(w http.ResponseWriter, _ *http.Request, _ principal) error {
	writeJudge0(w, http.StatusOK, judge0Statuses)
	return nil
}

func (s *Server) judge0LanguageList(w http.ResponseWriter, r *http.Request, _ principal) error {
	_, langs := s.languages.get(r.Context())
	out := []map[string]any{}
	for _, l := range langs {
		out = append(out, map[string]any{"id": l.ID, "name": l.Name})
	}
	writeJudge0(w, http.StatusOK, out)
	return nil
}

// judge0LanguageListAll is /languages/all: Judge0 adds its archived languages; the judge has none.
func (s *Server) judge0LanguageListAll(w http.ResponseWriter, r *http.Request, _ principal) error {
	_, langs := s.languages.get(r.Context())
	out := []map[string]any{}
	for _, l := range langs {
		out = append(out, map[string]any{"id": l.ID, "name": l.Name, "is_archived": false})
	}
	writeJudge0(w, http.StatusOK, out)
	return nil
}

func (s *Server) judge0LanguageOne(w http.ResponseWriter, r *http.Request, _ principal) error {
	id := rubyToI(r.PathValue("id"))
	_, langs := s.languages.get(r.Context())
	l, ok := judge0LanguageByID(langs, id)
	if !ok {
		return errNotFound("no language with id %d; GET /judge0/languages lists them", id)
	}
	file, compile, run := judge0Commands(l.Lang)
	out := map[string]any{"id": l.ID, "name": l.Name, "is_archived": false, "source_file": file, "compile_cmd": nil, "run_cmd": run}
	if compile != "" {
		out["compile_cmd"] = compile
	}
	writeJudge0(w, http.StatusOK, out)
	return nil
}

// judge0Commands shows a language's commands as Judge0 does, with the placeholders filled in for
// a program whose main is "Main".
func judge0Commands(l lang.Language) (file, compile, run string) {
	fill := func(s string) string {
		s = strings.ReplaceAll(s, "{main}", "Main")
		return strings.ReplaceAll(s, "{source}", strings.ReplaceAll(l.SourceFile, "{main}", "Main"))
	}
	join := func(argv []string) string {
		parts := make([]string, len(argv))
		for i, a := range argv {
			parts[i] = fill(a)
			if strings.ContainsAny(parts[i], " \t\"'") {
				parts[i] = strconv.Quote(parts[i])
			}
		}
		return strings.Join(parts, " ")
	}
	return fill(l.SourceFile), join(l.Compile), join(l.Run)
}

// judge0Workers is Judge0's /workers: one queue, counted in worker slots.
func (s *Server) judge0Workers(w http.ResponseWriter, r *http.Request, _ principal) error {
	_, slots, err := s.store.WorkerSlots(r.Context())
	if err != nil {
		return err
	}
	st, err := s.store.Stats(r.Context())
	if err != nil {
		return err
	}
	working := min(int(st.Running), slots)
	writeJudge0(w, http.StatusOK, []map[string]any{{
		"queue": judge0Version, "available": slots, "idle": slots - working, "working": working, "paused": 0, "failed": 0,
	}})
	return nil
}

// judge0Authenticate is 200 for a valid token (the route checked it), as Judge0's.
func (s *Server) judge0Authenticate(w http.ResponseWriter, _ *http.Request, _ principal) error {
	w.WriteHeader(http.StatusOK)
	return nil
}

// judge0Authorize is 200 when X-Auth-User (or the caller) is an admin token.
func (s *Server) judge0Authorize(w http.ResponseWriter, r *http.Request, p principal) error {
	if _, err := s.judge0Authz(r, p, true); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
