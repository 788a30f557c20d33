package judgectlcmd

import (
	"context"
	"errors"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/client"
	"github.com/judge-dev/judge/pkg/tui/theme"
	"github.com/judge-dev/judge/pkg/tui/watch"
)

// WatchOptions are the inputs of `judgectl watch`.
type WatchOptions struct {
	IO       *IOStreams
	Client   func() (*client.Client, error)
	Interval time.Duration
	Limit    int
	Filter   watch.Filter
}

func newWatchCmd(f *Factory, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{
		Use: "watch",
		Example: `  judgectl watch
  judgectl watch --problem sum --verdict WA --interval 2s`,
		Short: "Live terminal dashboard: queue, workers, relay lag and recent submissions",
		Long: `watch shows a live dashboard from GET /v1/stats and the submissions list: queued and
running submissions, the arrival and completion rates per second, live workers and relay lag,
the verdicts of the last minute, and a table of recent submissions (columns as wide as what
they hold).

Keys: ↑/↓ move, enter opens a submission's per-test results, w toggles the workers view (each
worker's slots in use, what it is judging and for how long, its heartbeat, the relay lag),
/ filters (problem:P verdict:V owner:O), c clears the filter, r refreshes, ? shows all keys,
q quits. A non-empty NO_COLOR, or TERM=dumb, turns colours off.`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Interval < 100*time.Millisecond {
				return flagErrorf("--interval %s is too short: use at least 100ms", opts.Interval)
			}
			if opts.Limit < 1 {
				return flagErrorf("--limit %d: list at least 1 submission", opts.Limit)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return watchRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&opts.Interval, "interval", time.Second, "refresh interval")
	fl.IntVar(&opts.Limit, "limit", 100, "how many recent submissions to list (the API caps a page, 100 by default)")
	fl.StringVarP(&opts.Filter.Problem, "problem", "p", "", "show only this problem")
	fl.StringVar(&opts.Filter.Verdict, "verdict", "", "show only this verdict")
	fl.StringVar(&opts.Filter.Owner, "owner", "", "show only this owner")
	_ = cmd.RegisterFlagCompletionFunc("problem", f.completeProblems())
	return cmd
}

func watchRun(ctx context.Context, opts *WatchOptions) error {
	if !opts.IO.OutTTY {
		return errors.New("watch needs a terminal; in scripts use `judgectl status ID` or `judgectl tail ID`")
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	m := watch.New(watch.Options{
		Source: c, Styles: theme.New(opts.IO.NoColor), Server: c.BaseURL(),
		Interval: opts.Interval, Limit: opts.Limit, Filter: opts.Filter,
	})
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(opts.IO.In), tea.WithOutput(opts.IO.Out)}
	if opts.IO.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.NoTTY))
	}
	p := tea.NewProgram(m, popts...)
	final, err := p.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return err
	}
	if wm, ok := final.(watch.Model); ok && wm.Interrupted() {
		return &InterruptError{Signal: os.Interrupt} // Ctrl-C exits 130 here too
	}
	return nil
}
