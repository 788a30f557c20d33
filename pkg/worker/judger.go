package worker

import (
	"context"

	"github.com/judge-dev/judge/pkg/store"
)

// Judger compiles and runs one claimed submission and returns its final verdict. onTest is
// called after each finished test, in order, so watchers see progress.
//
// An error, or a verdict of IE, is the judge's failure, never the program's: the worker retries
// it on a new attempt before reporting it.
type Judger interface {
	Judge(ctx context.Context, sub store.Claimed, onTest func(store.TestResult)) (store.Verdict, error)
}
