package problem

import (
	"fmt"
	"strings"
)

// Issue is one defect of a package: the file it is in and what is wrong.
type Issue struct {
	Path string
	Msg  string
}

func (i Issue) String() string {
	if i.Path == "" {
		return i.Msg
	}
	return i.Path + ": " + i.Msg
}

// Error lists every defect found in a package; a package with any is not loaded at all.
type Error struct {
	Issues []Issue
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid problem package (%d problem(s)):", len(e.Issues))
	for _, i := range e.Issues {
		b.WriteString("\n  ")
		b.WriteString(i.String())
	}
	return b.String()
}

// issues collects defects while loading.
type issues []Issue

func (is *issues) add(path, format string, args ...any) {
	*is = append(*is, Issue{Path: path, Msg: fmt.Sprintf(format, args...)})
}
