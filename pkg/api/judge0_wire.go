package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/judge-dev/judge/pkg/apiv1"
	"github.com/judge-dev/judge/pkg/store"
)

// Judge0 request values arrive as JSON numbers, booleans or strings of them (Rails casts form
// and JSON strings alike); these types accept each the way Judge0 does.

// j0Num is a number, or a string holding one ("2.5"), as Rails casts them. Anything else is
// kept as invalid, so validation can name the attribute ("is not a number") as Judge0 does.
type j0Num struct {
	v     float64
	valid bool
	raw   string
}

func (n *j0Num) UnmarshalJSON(b []byte) error {
	n.raw = string(b)
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	} else {
		s = string(b)
	}
	v, err := strconv.ParseFloat(s, 64)
	n.v, n.valid = v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
	return nil
}

// j0Bool is a boolean as Rails casts one: false, 0, "0", "f", "false", "off" (any case) are
// false, anything else true.
type j0Bool bool

func (v *j0Bool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	switch strings.ToLower(s) {
	case "false", "0", "f", "off":
		*v = false
	default:
		*v = true
	}
	return nil
}

// judge0Request is Judge0 CE 1.13.1's submission body: every attribute a client may set.
type judge0Request struct {
	SourceCode                   *string `json:"source_code"`
	LanguageID                   *j0Num  `json:"language_id"`
	CompilerOptions              *string `json:"compiler_options"`
	CommandLineArguments         *string `json:"command_line_arguments"`
	Stdin                        *string `json:"stdin"`
	ExpectedOutput               *string `json:"expected_output"`
	CPUTimeLimit                 *j0Num  `json:"cpu_time_limit"`
	CPUExtraTime                 *j0Num  `json:"cpu_extra_time"`
	WallTimeLimit                *j0Num  `json:"wall_time_limit"`
	MemoryLimit                  *j0Num  `json:"memory_limit"`
	StackLimit                   *j0Num  `json:"stack_limit"`
	MaxProcessesAndOrThreads     *j0Num  `json:"max_processes_and_or_threads"`
	PerProcessAndThreadTimeLimit *j0Bool `json:"enable_per_process_and_thread_time_limit"`
	PerProcessAndThreadMemLimit  *j0Bool `json:"enable_per_process_and_thread_memory_limit"`
	MaxFileSize                  *j0Num  `json:"max_file_size"`
	RedirectStderrToStdout       *j0Bool `json:"redirect_stderr_to_stdout"`
	EnableNetwork                *j0Bool `json:"enable_network"`
	NumberOfRuns                 *j0Num  `json:"number_of_runs"`
	CallbackURL                  *string `json:"callback_url"`
	AdditionalFiles              *string `json:"additional_files"`
}

// judge0Extras are the accepted Judge0 attributes that have no column of the judge's own,
// stored as JSON with the submission (store.Judge0.Options) and echoed in answers.
type judge0Extras struct {
	CPUExtraTime float64 `json:"cpu_extra_time"`
	StackLimit   int64   `json:"stack_limit"`
	NumberOfRuns int     `json:"number_of_runs"`
	// CommandLineArguments is the text the client sent; store.Judge0.Args holds its words.
	CommandLineArguments string `json:"command_line_arguments,omitempty"`
}

// judge0MaxArguments is Judge0's length limit of command_line_arguments.
const judge0MaxArguments = 128

// splitArgs splits command_line_arguments into words as a POSIX shell does, without expanding
// anything (Judge0 hands them to bash; here no shell runs): blanks separate words, '...' is
// literal, "..." keeps blanks and lets \ escape " \ $ and `, and a backslash elsewhere escapes
// the next character.
func splitArgs(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
			continue
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("has an unterminated ' quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New(`has an unterminated " quote`)
			}
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		default:
			cur.WriteByte(c)
		}
		inWord = true
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// judge0FieldErrors collects validation errors the way Judge0 (Rails) reports them: each
// attribute with its messages.
type judge0FieldErrors struct {
	order []string
	msgs  map[string][]string
}

func (e *judge0FieldErrors) add(field, format string, args ...any) {
	if e.msgs == nil {
		e.msgs = map[string][]string{}
	}
	if _, ok := e.msgs[field]; !ok {
		e.order = append(e.order, field)
	}
	e.msgs[field] = append(e.msgs[field], fmt.Sprintf(format, args...))
}

func (e *judge0FieldErrors) empty() bool { return len(e.order) == 0 }

// apiError is the 422 of these errors; the Judge0 shape travels as an extension member.
func (e *judge0FieldErrors) apiError() *apiError {
	var fields []apiv1.FieldError
	for _, f := range e.order {
		for _, m := range e.msgs[f] {
			fields = append(fields, apiv1.FieldError{Field: f, Message: m})
		}
	}
	return errValidation(fields)
}

// map is the Judge0 body of these errors: {"field": ["message", ...]}.
func (e *judge0FieldErrors) judge0() map[string][]string { return e.msgs }

// judge0Decode64 decodes like Ruby's Base64.decode64, which Judge0 uses: characters outside
// the alphabet (newlines, spaces, anything) are skipped, decoding stops at the first '=', and
// a dangling last character is dropped. It never fails.
func judge0Decode64(s string) []byte {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			break
		}
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	// Without Strict, the decoder ignores non-zero bits of a last partial quantum as Ruby does,
	// and clean holds nothing else that could fail.
	out, _ := base64.RawStdEncoding.DecodeString(string(clean))
	return out
}

// judge0Encode64 encodes like Ruby's Base64.encode64: a newline after every 60 characters and
// at the end.
func judge0Encode64(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	var sb strings.Builder
	for len(enc) > 60 {
		sb.WriteString(enc[:60])
		sb.WriteByte('\n')
		enc = enc[60:]
	}
	sb.WriteString(enc)
	sb.WriteByte('\n')
	return sb.String()
}

// judge0Fields are the attributes of a Judge0 CE 1.13.1 submission, in its order; fields=*
// selects them all. Like Judge0's serializer, * leaves out the *_id columns (language and
// status carry them); asked for by name, language_id and status_id are answered too.
var judge0Fields = []string{
	"source_code", "stdin", "expected_output", "stdout", "created_at", "finished_at",
	"time", "memory", "stderr", "token", "number_of_runs", "cpu_time_limit", "cpu_extra_time", "wall_time_limit",
	"memory_limit", "stack_limit", "max_processes_and_or_threads", "enable_per_process_and_thread_time_limit",
	"enable_per_process_and_thread_memory_limit", "max_file_size", "compile_output", "exit_code", "exit_signal",
	"message", "wall_time", "compiler_options", "command_line_arguments", "redirect_stderr_to_stdout",
	"callback_url", "additional_files", "enable_network", "status", "language",
}

// judge0DefaultFields are what Judge0 answers without fields=.
var judge0DefaultFields = []string{"token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"}

// judge0Output reads how a Judge0 answer is to be written: ?base64_encoded= and ?fields=.
func judge0Output(r *http.Request) (b64 bool, fields []string, err error) {
	if b64, err = judge0Bool(r, "base64_encoded"); err != nil {
		return false, nil, err
	}
	fields, err = parseJudge0Fields(r.URL.Query().Get("fields"))
	return b64, fields, err
}

// parseJudge0Fields reads ?fields=: empty means the default set, * means all, and any unknown
// name is a 400 naming every unknown one, as Judge0 answers.
func parseJudge0Fields(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return judge0DefaultFields, nil
	}
	var out, invalid []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "*":
			return judge0Fields, nil
		case f == "":
		case isJudge0Field(f):
			out = append(out, f)
		default:
			invalid = append(invalid, f)
		}
	}
	if len(invalid) > 0 {
		return nil, judge0BadRequest("invalid fields: [%s]", strings.Join(invalid, ", "))
	}
	if len(out) == 0 {
		return judge0DefaultFields, nil
	}
	return out, nil
}

func isJudge0Field(f string) bool {
	return f == "language_id" || f == "status_id" || slices.Contains(judge0Fields, f)
}

// judge0BadRequest is a 400 whose detail is Judge0's own `error` text.
func judge0BadRequest(format string, args ...any) *apiError {
	return errBadRequest(format, args...)
}

// judge0Status is Judge0's {id, description}.
type judge0Status struct {
	ID          int    `json:"id"`
	Description string `json:"description"`
}

// judge0Statuses is Judge0 CE's status table, ids 1 to 14.
var judge0Statuses = []judge0Status{
	{1, "In Queue"}, {2, "Processing"}, {3, "Accepted"}, {4, "Wrong Answer"}, {5, "Time Limit Exceeded"},
	{6, "Compilation Error"}, {7, "Runtime Error (SIGSEGV)"}, {8, "Runtime Error (SIGXFSZ)"},
	{9, "Runtime Error (SIGFPE)"}, {10, "Runtime Error (SIGABRT)"}, {11, "Runtime Error (NZEC)"},
	{12, "Runtime Error (Other)"}, {13, "Internal Error"}, {14, "Exec Format Error"},
}

func judge0StatusByID(id int) judge0Status { return judge0Statuses[id-1] }

// judge0StatusOf maps a submission to Judge0's status table. A runtime error is classified by
// its signal as Judge0 does (SIGSEGV 7, SIGXFSZ 8, SIGFPE 9, SIGABRT 10, other signals 12) and
// a plain non-zero exit is NZEC (11).
func judge0StatusOf(sub store.Submission) judge0Status {
	switch sub.Status {
	case apiv1.StatusQueued:
		return judge0StatusByID(1)
	case apiv1.StatusRunning:
		return judge0StatusByID(2)
	}
	switch sub.Verdict {
	case apiv1.VerdictAC:
		return judge0StatusByID(3)
	case apiv1.VerdictWA, apiv1.VerdictPA:
		return judge0StatusByID(4)
	case apiv1.VerdictTLE:
		return judge0StatusByID(5)
	case apiv1.VerdictCE:
		return judge0StatusByID(6)
	case apiv1.VerdictOLE:
		return judge0StatusByID(8)
	case apiv1.VerdictRE:
		for _, t := range sub.Tests {
			if t.Verdict != apiv1.VerdictRE {
				continue
			}
			switch t.Signal {
			case "":
				return judge0StatusByID(11)
			case "SIGSEGV":
				return judge0StatusByID(7)
			case "SIGXFSZ":
				return judge0StatusByID(8)
			case "SIGFPE":
				return judge0StatusByID(9)
			case "SIGABRT":
				return judge0StatusByID(10)
			}
			return judge0StatusByID(12)
		}
		return judge0StatusByID(11)
	case apiv1.VerdictMLE:
		return judge0StatusByID(12)
	}
	return judge0StatusByID(13)
}

// judge0Time is how Judge0 shows seconds: a decimal string.
func judge0Time(ms int) string { return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64) }

// judge0Seconds shows a configured limit in seconds as Judge0's decimal column does ("2.0").
func judge0Seconds(ms int) string {
	s := strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// judge0Stamp is Rails' JSON time: UTC with milliseconds.
func judge0Stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// judge0View is everything Judge0 shows of a submission, before ?fields= picks from it.
func (s *Server) judge0View(sub store.Submission, d store.Judge0Details, langs []judge0Language, b64 bool, p principal) map[string]any {
	text := func(v string, keepEmpty bool) any {
		if v == "" && !keepEmpty {
			return nil
		}
		if b64 {
			return judge0Encode64([]byte(v))
		}
		return v
	}
	optText := func(v *string) any {
		if v == nil {
			return nil
		}
		return text(*v, true)
	}
	langID := judge0PrimaryID(sub.Language)
	var opts judge0Extras
	var callback any
	if d.Judge0 != nil {
		langID = d.Judge0.LanguageID
		_ = json.Unmarshal(d.Judge0.Options, &opts)
		if d.Judge0.CallbackURL != "" {
			callback = d.Judge0.CallbackURL
		}
	}
	if opts.NumberOfRuns == 0 {
		opts.NumberOfRuns = 1
	}
	var langName any
	if l, ok := judge0LanguageByID(langs, langID); ok {
		langName = l.Name
	}
	st := judge0StatusOf(sub)
	lim := sub.Limits
	v := map[string]any{
		"source_code": nil, "language_id": langID, "stdin": optText(d.Stdin), "expected_output": optText(d.ExpectedOutput),
		"stdout": nil, "status_id": st.ID, "created_at": judge0Stamp(sub.CreatedAt), "finished_at": nil,
		"time": nil, "memory": nil, "stderr": nil, "token": sub.ID, "number_of_runs": opts.NumberOfRuns,
		"cpu_time_limit": judge0Seconds(lim.TimeMS), "cpu_extra_time": judge0Seconds(int(opts.CPUExtraTime * 1000)),
		"wall_time_limit": nil, "memory_limit": lim.MemoryKB, "stack_limit": nil,
		"max_processes_and_or_threads": nil, "enable_per_process_and_thread_time_limit": false,
		"enable_per_process_and_thread_memory_limit": false, "max_file_size": nil,
		"compile_output": text(sub.CompileOutput, false), "exit_code": nil, "exit_signal": nil,
		"message": text(sub.Message, false), "wall_time": nil, "compiler_options": nil, "command_line_arguments": nil,
		"redirect_stderr_to_stdout": false, "callback_url": callback, "additional_files": nil, "enable_network": false,
		"status": st, "language": map[string]any{"id": langID, "name": langName},
	}
	if d.Judge0 == nil {
		v["cpu_extra_time"] = nil
	}
	if lim.WallTimeMS > 0 {
		v["wall_time_limit"] = judge0Seconds(lim.WallTimeMS)
	}
	if opts.StackLimit > 0 {
		v["stack_limit"] = opts.StackLimit
	}
	if d.Judge0 != nil {
		v["redirect_stderr_to_stdout"] = d.Judge0.StderrToStdout
	}
	if opts.CommandLineArguments != "" {
		v["command_line_arguments"] = opts.CommandLineArguments
	}
	if lim.Processes > 0 {
		v["max_processes_and_or_threads"] = lim.Processes
	}
	if lim.FileSizeKB > 0 {
		v["max_file_size"] = lim.FileSizeKB
	}
	if p.isAdmin() || sub.OwnerTokenID == p.tokenID {
		v["source_code"] = text(d.Source, true)
	} else {
		// Only the owner or an admin reads the source (as on /v1), nor the hidden inputs.
		v["stdin"], v["expected_output"] = nil, nil
	}
	if sub.FinishedAt != nil {
		v["finished_at"] = judge0Stamp(*sub.FinishedAt)
	}
	if sub.Status != apiv1.StatusDone {
		return v
	}
	v["time"], v["memory"] = judge0Time(sub.TimeMS), sub.MemoryKB
	if len(sub.Tests) > 0 {
		t := publicTest(sub.Tests[0])
		v["stdout"], v["stderr"], v["wall_time"] = text(t.Stdout, false), text(t.Stderr, false), judge0Time(t.WallMS)
		v["exit_code"] = t.ExitCode
		if t.Signal != "" {
			if n := unix.SignalNum(t.Signal); n != 0 {
				v["exit_signal"] = int(n)
			}
		}
	}
	return v
}

// pickJudge0 keeps the fields of v that fields names. Without base64, a text that is not UTF-8
// (a binary stdin) cannot be shown: Judge0's 400 says to ask for base64.
func pickJudge0(v map[string]any, fields []string, b64 bool) (map[string]any, error) {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		out[f] = v[f]
		if s, ok := v[f].(string); ok && !b64 && !utf8.ValidString(s) {
			return nil, judge0BadRequest("some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter")
		}
	}
	return out, nil
}

// judge0JSON encodes v without escaping <, > and & (Judge0 does not).
func judge0JSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return b.Bytes()
}
