package judgectlcmd

import (
	"time"

	"github.com/schollz/progressbar/v3"
)

// newProgress returns the progress bar of a long step: on standard error, and drawn only when
// standard error is a terminal (a pipe or a CI log gets nothing). max -1 is an unknown total;
// bytes counts data (shown as sizes and a rate) instead of items.
func newProgress(ios *IOStreams, max int64, desc string, bytes bool) *progressbar.ProgressBar {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(ios.ErrOut),
		progressbar.OptionSetVisibility(ios.ErrTTY),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionShowCount())
	} else {
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(false))
	}
	return progressbar.NewOptions64(max, opts...)
}

// uploadProgress feeds an upload's progress to bar.
func uploadProgress(bar *progressbar.ProgressBar) func(sent, total int64) {
	return func(sent, total int64) {
		bar.ChangeMax64(total)
		_ = bar.Set64(sent)
	}
}
