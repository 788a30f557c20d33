package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// Judge0-compatible routes under /judge0/, so clients written for Judge0 CE work unchanged for
// ad-hoc runs: POST /judge0/submissions, GET /judge0/submissions/{token}, GET /judge0/languages.
// Tokens are submission ids; auth is the same bearer token (or Judge0's X-Auth-Token header).
// Errors stay problem+json.

// judge0LanguageIDs maps language-table ids to the ids Judge0 CE uses for the same language.
var judge0LanguageIDs = map[string]int{
	"c": 50, "cpp": 54, "python3": 71, "java": 62, "kotlin": 78, "go": 60, "rust": 73,
	"javascript": 63, "ruby": 72, "php": 68, "csharp": 51, "haskell": 61, "ocaml": 65,
	"scala": 81, "commonlisp": 55, "prolog": 69,
}

type judge0Language struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func (s *Server) judge0Languages(w http.ResponseWriter, _ *http.Request, _ principal) error {
	out := []judge0Language{}
	for _, l := range s.langs.All() {
		if id, ok := judge0LanguageIDs[l.ID]; ok {
			out = append(out, judge0Language{ID: id, Name: l.Name})
		}
	}
	slices.SortFunc(out, func(a, b judge0Language) int { return a.ID - b.ID })
	writeJSON(w, http.StatusOK, out)
	return nil
}

// judge0Request is Judge0's submission body. Fields Judge0 has and this judge cannot honour
// are refused rather than silently ignored.
type judge0Request struct {
	SourceCode           string   `json:"source_code"`
	LanguageID           int      `json:"language_id"`
	Stdin                *string  `json:"stdin"`
	ExpectedOutput       *string  `json:"expected_output"`
	CPUTimeLimit         *float64 `json:"cpu_time_limit"`
	WallTimeLimit        *float64 `json:"wall_time_limit"`
	MemoryLimit          *float64 `json:"memory_limit"`
	CompilerOptions      string   `json:"compiler_options"`
	CommandLineArguments string   `json:"command_line_arguments"`
	CallbackURL          string   `json:"callback_url"`
	AdditionalFiles      string   `json:"additional_files"`
}

// judge0Result is Judge0's view of a submission.
type judge0Result struct {
	Token         string       `json:"token"`
	Stdout        *string      `json:"stdout"`
	Stderr        *string      `json:"stderr"`
	CompileOutput *string      `json:"compile_output"`
	Message       *string      `json:"message"`
	ExitCode      *int         `json:"exit_code"`
	ExitSignal    *string      `json:"exit_signal"`
	Status        judge0Status `json:"status"`
	Time          *string      `json:"time"`
	WallTime      *string      `json:"wall_time"`
	Memory        *int64       `json:"memory"`
	LanguageID    int          `json:"language_id"`
}

type judge0Status struct {
	ID          int    `json:"id"`
	Description string `json:"description"`
}

func (s *Server) judge0Submit(w http.ResponseWriter, r *http.Request, p principal) error {
	q := r.URL.Query()
	b64, err := boolParam(q.Get("base64_encoded"), "base64_encoded")
	if err != nil {
		return err
	}
	wait, err := boolParam(q.Get("wait"), "wait")
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	var jr judge0Request
	if err := decodeJSON(w, r, s.limits.MaxBodyBytes, &jr); err != nil {
		return err
	}
	req, err := s.fromJudge0(jr, b64)
	if err != nil {
		return err
	}
	c, err := s.accept(r.Context(), p, req, key)
	if err != nil {
		return err
	}
	if !wait {
		writeJSON(w, http.StatusCreated, map[string]string{"token": c.ID})
		return nil
	}
	// Committed: from here on the answer is the submission, never an error (see waitDone).
	_, _, _ = s.waitDone(r.Context(), c.ID, s.limits.MaxWait, p)
	sub, err := s.store.GetSubmission(context.WithoutCancel(r.Context()), c.ID, false)
	if err != nil {
		s.log.Warn("judge0 wait: answering with the token only", "submission", c.ID, "err", err)
		writeJSON(w, http.StatusCreated, map[string]string{"token": c.ID})
		return nil
	}
	writeJSON(w, http.StatusCreated, toJudge0(sub, b64))
	return nil
}

func (s *Server) fromJudge0(jr judge0Request, b64 bool) (apiv1.SubmissionRequest, error) {
	var fields []apiv1.FieldError
	bad := func(field, format string, args ...any) {
		fields = append(fields, apiv1.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	req := apiv1.SubmissionRequest{Source: jr.SourceCode, Stdin: jr.Stdin, ExpectedOutput: jr.ExpectedOutput}
	for id, j0 := range judge0LanguageIDs {
		if j0 == jr.LanguageID {
			if _, ok := s.langs.Get(id); ok {
				req.Language = id
			}
		}
	}
	if req.Language == "" {
		bad("language_id", "unknown language_id %d; GET /judge0/languages lists them", jr.LanguageID)
	}
	if b64 {
		decode := func(field string, v *string) {
			if v == nil {
				return
			}
			d, err := base64.StdEncoding.DecodeString(*v)
			if err != nil {
				bad(field, "not valid base64 (base64_encoded=true)")
				return
			}
			*v = string(d)
		}
		decode("source_code", &req.Source)
		if req.Stdin != nil {
			v := *req.Stdin
			decode("stdin", &v)
			req.Stdin = &v
		}
		if req.ExpectedOutput != nil {
			v := *req.ExpectedOutput
			decode("expected_output", &v)
			req.ExpectedOutput = &v
		}
	}
	for field, v := range map[string]string{"compiler_options": jr.CompilerOptions, "command_line_arguments": jr.CommandLineArguments,
		"callback_url": jr.CallbackURL, "additional_files": jr.AdditionalFiles} {
		if v != "" {
			bad(field, "not supported by this judge")
		}
	}
	var l apiv1.Limits
	seconds := func(field string, v *float64) int {
		if v == nil {
			return 0
		}
		if *v <= 0 || math.IsInf(*v, 0) || *v > 1e6 {
			bad(field, "want a positive number of seconds")
			return 0
		}
		return int(math.Ceil(*v * 1000))
	}
	l.TimeMS = seconds("cpu_time_limit", jr.CPUTimeLimit)
	l.WallTimeMS = seconds("wall_time_limit", jr.WallTimeLimit)
	if jr.MemoryLimit != nil {
		if *jr.MemoryLimit <= 0 || *jr.MemoryLimit > 1e12 {
			bad("memory_limit", "want a positive number of kilobytes")
		} else {
			l.MemoryKB = int64(*jr.MemoryLimit)
		}
	}
	if l != (apiv1.Limits{}) {
		req.Limits = &l
	}
	if len(fields) > 0 {
		return req, errValidation(fields)
	}
	return req, nil
}

func (s *Server) judge0Get(w http.ResponseWriter, r *http.Request, p principal) error {
	b64, err := boolParam(r.URL.Query().Get("base64_encoded"), "base64_encoded")
	if err != nil {
		return err
	}
	sub, err := s.loadVisible(r.Context(), r.PathValue("token"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toJudge0(sub, b64))
	return nil
}

func boolParam(v, name string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errBadRequest("?%s=%q: want true or false", name, v)
	}
	return b, nil
}

func toJudge0(sub store.Submission, b64 bool) judge0Result {
	text := func(v string) *string {
		if v == "" {
			return nil
		}
		if b64 {
			v = base64.StdEncoding.EncodeToString([]byte(v))
		}
		return &v
	}
	res := judge0Result{Token: sub.ID, LanguageID: judge0LanguageIDs[sub.Language], Status: judge0StatusOf(sub),
		CompileOutput: text(sub.CompileOutput), Message: text(sub.Message)}
	if sub.Status != apiv1.StatusDone {
		return res
	}
	secs := func(ms int) *string { v := strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64); return &v }
	res.Time, res.Memory = secs(sub.TimeMS), &sub.MemoryKB
	if len(sub.Tests) > 0 {
		t := redactTest(sub.Tests[0])
		res.Stdout, res.Stderr, res.WallTime = text(t.Stdout), text(t.Stderr), secs(t.WallMS)
		res.ExitCode = &t.ExitCode
		if t.Signal != "" {
			res.ExitSignal = &t.Signal
		}
	}
	return res
}

// judge0StatusOf maps a submission to Judge0's status table.
func judge0StatusOf(sub store.Submission) judge0Status {
	st := func(id int, d string) judge0Status { return judge0Status{ID: id, Description: d} }
	switch sub.Status {
	case apiv1.StatusQueued:
		return st(1, "In Queue")
	case apiv1.StatusRunning:
		return st(2, "Processing")
	}
	switch sub.Verdict {
	case apiv1.VerdictAC:
		return st(3, "Accepted")
	case apiv1.VerdictWA, apiv1.VerdictPA:
		return st(4, "Wrong Answer")
	case apiv1.VerdictTLE:
		return st(5, "Time Limit Exceeded")
	case apiv1.VerdictCE:
		return st(6, "Compilation Error")
	case apiv1.VerdictOLE:
		return st(8, "Runtime Error (SIGXFSZ)")
	case apiv1.VerdictRE:
		signal := ""
		for _, t := range sub.Tests {
			if t.Verdict == apiv1.VerdictRE {
				signal = t.Signal
				break
			}
		}
		switch signal {
		case "SIGSEGV":
			return st(7, "Runtime Error (SIGSEGV)")
		case "SIGXFSZ":
			return st(8, "Runtime Error (SIGXFSZ)")
		case "SIGFPE":
			return st(9, "Runtime Error (SIGFPE)")
		case "SIGABRT":
			return st(10, "Runtime Error (SIGABRT)")
		case "":
			return st(11, "Runtime Error (NZEC)")
		}
		return st(12, "Runtime Error (Other)")
	case apiv1.VerdictMLE:
		return st(12, "Runtime Error (Other)")
	}
	return st(13, "Internal Error")
}
