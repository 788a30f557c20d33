package judgectlcmd

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/judge-dev/judge/pkg/client"
)

// Dynamic shell completion asks the server, briefly: a slow or unreachable server must not
// hang the user's shell, so any error just completes nothing.
const completeTimeout = 2 * time.Second

func (f *Factory) completeWith(list func(ctx context.Context, c *client.Client) ([]string, error)) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		c, err := f.Client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), completeTimeout)
		defer cancel()
		items, err := list(ctx, c)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return items, cobra.ShellCompDirectiveNoFileComp
	}
}

func (f *Factory) completeLanguages() cobra.CompletionFunc {
	return f.completeWith(func(ctx context.Context, c *client.Client) ([]string, error) {
		langs, err := c.Languages(ctx)
		var out []string
		for _, l := range langs {
			out = append(out, cobra.CompletionWithDesc(l.ID, l.Name))
		}
		return out, err
	})
}

func (f *Factory) completeProblems() cobra.CompletionFunc {
	return f.completeWith(func(ctx context.Context, c *client.Client) ([]string, error) {
		probs, err := c.Problems(ctx)
		var out []string
		for _, p := range probs {
			out = append(out, cobra.CompletionWithDesc(p.Slug, p.Name))
		}
		return out, err
	})
}

func (f *Factory) completeSubmissions() cobra.CompletionFunc {
	return f.completeWith(func(ctx context.Context, c *client.Client) ([]string, error) {
		list, err := c.Submissions(ctx, client.ListOptions{Limit: 20})
		if err != nil {
			return nil, err
		}
		var out []string
		for _, s := range list.Items {
			desc := s.Language + " " + s.Status
			if s.Problem != "" {
				desc = s.Problem + " " + desc
			}
			if s.Verdict != "" {
				desc += " " + s.Verdict
			}
			out = append(out, cobra.CompletionWithDesc(s.ID, desc))
		}
		return out, nil
	})
}

// onlyFirstArg completes the first positional argument with fn and nothing after it.
func onlyFirstArg(fn cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return fn(cmd, args, toComplete)
	}
}
