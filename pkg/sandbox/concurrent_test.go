package sandbox_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/judge-dev/judge/pkg/run"
)

// TestConcurrentSubmissions judges several submissions at once; each must see only its own
// input and produce its own output.
func TestConcurrentSubmissions(t *testing.T) {
	srcs := map[string]string{
		"python3": "import sys\nprint(int(sys.stdin.read()) * 2)\n",
		"c":       "#include <stdio.h>\nint main(void){long x;scanf(\"%ld\",&x);printf(\"%ld\\n\",x*2);return 0;}\n",
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			e := newSandbox(t, mode)
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			for i := range 6 {
				language := "python3"
				if i%2 == 1 {
					language = "c"
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
					defer cancel()
					p, c, err := e.sb.Compile(ctx, language, map[string][]byte{"main": []byte(srcs[language])})
					if err != nil || c.Status != run.OK {
						errs <- fmt.Errorf("submission %d compile: %v %s %s", i, err, c.Status, c.Output)
						return
					}
					defer p.Close()
					for k := range 2 {
						in := 1000*i + k
						r, err := p.Run(ctx, run.Spec{Stdin: []byte(fmt.Sprint(in)), Limits: small})
						if err != nil || r.Status != run.OK || string(r.Stdout) != fmt.Sprintf("%d\n", 2*in) {
							errs <- fmt.Errorf("submission %d run %d: %v %s %q", i, k, err, r.Status, r.Stdout)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
