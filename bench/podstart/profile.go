package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"sync"
	"time"
)

// profiler takes the server's CPU profile (its /debug/pprof, through
// kubectl get --raw) over a phase, in the background; wait collects them.
// The endpoint profiles for a fixed time, so each phase's window is an
// estimate of its length: the steady phase's creates, pods/rate seconds;
// the teardown's deletes and grace period, 2 s + pods/25 s.
type profiler struct {
	prefix string
	wg     sync.WaitGroup
}

// start profiles the server for d into prefix.name; it does nothing when
// no -cpuprofile was asked for.
func (p *profiler) start(ctx context.Context, b *bench, name string, d time.Duration) {
	if p == nil || p.prefix == "" {
		return
	}
	secs := int(math.Ceil(d.Seconds()))
	path := p.prefix + "." + name
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		out, stderr, err := b.srv.Kubectl(ctx, "", "get", "--raw", fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs))
		if err == nil {
			err = os.WriteFile(path, []byte(out), 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "cpu profile %s: %v: %s\n", name, err, stderr)
			return
		}
		fmt.Fprintf(os.Stderr, "# cpu profile of %s (%ds) in %s\n", name, secs, path)
	}()
}

func (p *profiler) wait() {
	if p != nil {
		p.wg.Wait()
	}
}
