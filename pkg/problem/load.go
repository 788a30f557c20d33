package problem

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Load reads and validates the package in directory dir.
func Load(dir string) (*Problem, error) {
	t, err := readDir(dir)
	if err != nil {
		return nil, err
	}
	return load(t)
}

// load turns a tree into a Problem, collecting every defect before giving up.
func load(t *tree) (*Problem, error) {
	var is issues
	p := &Problem{Type: PassFail, Format: FormatLegacy}
	rootSettings := DefaultSettings()
	if !t.exists("problem.yaml") {
		is.add("problem.yaml", "missing: every package needs one at its root")
	} else if data, err := t.read("problem.yaml"); err != nil {
		is.add("problem.yaml", "%v", err)
	} else {
		parseProblemYAML(p, data, &is)
	}
	if p.Type == Scoring && p.Format == Format202307 {
		rootSettings.IgnoreSample = true
	}

	customValidation := p.OutputValidator != nil // set by parseProblemYAML as a marker for legacy "custom"
	p.OutputValidator = nil
	loadValidators(t, p, customValidation, &is)
	p.Data = loadData(t, p, rootSettings, &is)
	loadIncludes(t, p, &is)
	refuseUnsupported(t, p, &is)
	loadSubmissions(t, p, &is)

	if len(is) > 0 {
		return nil, &Error{Issues: is}
	}
	return p, nil
}

var knownProblemKeys = []string{
	"problem_format_version", "type", "name", "uuid", "version", "author", "credits", "source",
	"source_url", "license", "rights_owner", "embargo_until", "limits", "validation",
	"validator_flags", "grading", "keywords", "languages", "allow_file_writing", "constants",
}

var knownLimitKeys = []string{
	"time_multiplier", "time_safety_margin", "time_multipliers", "time_limit", "time_resolution",
	"memory", "output", "code", "compilation_time", "compilation_memory", "validation_time",
	"validation_memory", "validation_output", "validation_passes",
}

// loadIncludes reads include/<language>/ (problemtools and both format versions) and
// include/default/ (2023-07).
func loadIncludes(t *tree, p *Problem, is *issues) {
	files, dirs := t.list("include")
	for _, f := range files {
		is.add("include/"+f, "include/ holds one directory per language (include/cpp/, include/default/), not files")
	}
	for _, d := range dirs {
		if d == "default" && p.Format == FormatLegacy {
			is.add("include/default/", "include/default/ is 2023-07; a legacy package names the language (include/cpp/)")
			continue
		}
		fs, err := t.subtree("include/" + d)
		if err != nil {
			is.add("include/"+d+"/", "%v", err)
			continue
		}
		if len(fs) == 0 {
			continue
		}
		if p.Include == nil {
			p.Include = map[string]map[string][]byte{}
		}
		p.Include[d] = fs
	}
}

// refuseUnsupported names the parts of the format this judge does not implement, so such a
// package is refused rather than judged wrongly.
func refuseUnsupported(t *tree, p *Problem, is *issues) {
	_, dirs := t.list("")
	if slices.Contains(dirs, "graders") {
		is.add("graders/", "custom graders are not supported by this judge (the default grader and testdata.yaml grading settings are)")
	}
	if slices.Contains(dirs, "static_validator") {
		is.add("static_validator/", "static validators are not supported by this judge")
	}
	for _, name := range sortedKeys(t.files) {
		switch {
		case strings.HasPrefix(name, "data/") && path.Base(name) == "test_group.yaml":
			is.add(name, "test_group.yaml (a later draft's name) is not read by this judge: write the settings in testdata.yaml")
		case strings.HasPrefix(name, "input_validators/") && (strings.HasSuffix(name, ".ctd") || strings.HasSuffix(name, ".viva")):
			is.add(name, "checktestdata and VIVA input validators are not supported by this judge (no checker in the sandbox images): write the validator as a program")
		}
	}
}

func loadValidators(t *tree, p *Problem, customRequired bool, is *issues) {
	dir := "output_validators"
	_, dirs := t.list("")
	if slices.Contains(dirs, "output_validator") {
		if slices.Contains(dirs, "output_validators") {
			is.add("output_validator/", "both output_validator/ and output_validators/ exist; keep one")
		}
		dir = "output_validator"
	}
	if slices.Contains(dirs, dir) {
		progs, err := loadPrograms(t, dir, p.Format == Format202307 || dir == "output_validator")
		if err != nil {
			is.add(dir+"/", "%v", err)
		} else {
			p.OutputValidator, p.MoreOutputValidators = &progs[0], progs[1:]
		}
		if len(p.MoreOutputValidators) > 0 && p.Interactive {
			is.add(dir+"/", "holds %d programs: several interactive validators are not supported by this judge (problemtools runs the submission once per validator)", len(progs))
		}
	}
	switch {
	case p.Passes > 0 && p.Interactive:
		is.add("problem.yaml", "type multi-pass together with interactive is not supported by this judge")
	case p.OutputValidator == nil && p.Passes > 0:
		is.add(dir+"/", "missing: a multi-pass problem needs an output validator (it writes nextpass.in)")
	case p.OutputValidator == nil && (customRequired || p.Interactive):
		is.add(dir+"/", "missing: problem.yaml asks for a custom validator (validation: custom or interactive)")
	case p.OutputValidator != nil && p.Format == FormatLegacy && !customRequired:
		is.add("problem.yaml", "%s/ exists but validation is not custom; set validation: custom (or remove the directory)", dir)
	}
	for _, d := range []string{"input_validators", "input_format_validators", "input_validator"} {
		if !slices.Contains(dirs, d) {
			continue
		}
		files, subdirs := t.list(d)
		for _, f := range files {
			data, err := t.read(d + "/" + f)
			if err != nil {
				is.add(d+"/"+f, "%v", err)
				continue
			}
			p.InputValidators = append(p.InputValidators, Program{Name: f, Files: map[string][]byte{f: data}})
		}
		for _, sd := range subdirs {
			files, err := t.subtree(d + "/" + sd)
			if err != nil {
				is.add(d+"/"+sd, "%v", err)
				continue
			}
			p.InputValidators = append(p.InputValidators, Program{Name: sd, Files: files})
		}
	}
}

// loadPrograms reads a validator directory. In 2023-07 the directory is the program; in legacy
// each subdirectory is one (problemtools runs them all), and loose files together make one
// program (a source and its headers).
func loadPrograms(t *tree, dir string, wholeDir bool) ([]Program, error) {
	files, subdirs := t.list(dir)
	switch {
	case wholeDir || len(subdirs) == 0:
		all, err := t.subtree(dir)
		if err != nil {
			return nil, err
		}
		if len(all) == 0 {
			return nil, fmt.Errorf("empty validator directory")
		}
		return []Program{{Name: path.Base(dir), Files: all}}, nil
	case len(files) > 0:
		return nil, fmt.Errorf("holds %d directories and %d loose files: put each validator program in a directory of its own", len(subdirs), len(files))
	}
	var out []Program
	for _, sd := range subdirs {
		all, err := t.subtree(dir + "/" + sd)
		if err != nil {
			return nil, err
		}
		out = append(out, Program{Name: sd, Files: all})
	}
	return out, nil
}
