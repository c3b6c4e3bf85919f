package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

func measure(ctx context.Context, o options, srv *testcluster.Server, res *result) error {
	cs, _, err := benchutil.Clients(srv)
	if err != nil {
		return err
	}
	snap := func(phase string) {
		if m, err := benchutil.Snapshot(fmt.Sprint(srv.Pid()), srv.DataDir); err == nil {
			res.Memory[phase] = m
			benchutil.Progress("memory %-10s %s", phase, m)
		}
	}
	if err := fill(ctx, o, cs, res); err != nil {
		return err
	}
	// Let the controllers finish with the new objects (the Job controller
	// marks each Job Suspended) before anything is timed.
	settle(ctx, srv)
	snap("filled")
	link, stopDashboard, err := startDashboard(ctx, srv)
	if err != nil {
		return err
	}
	defer stopDashboard()
	b, err := newBrowser(ctx)
	if err != nil {
		return err
	}
	defer b.close()
	base := strings.Split(link, "/ui/")[0]
	rows := fmt.Sprintf(`document.querySelectorAll('tr[data-cronjob]').length >= %d`, o.cronJobs)

	t0 := time.Now()
	if err := b.open(link, rows); err != nil {
		return fmt.Errorf("first render: %w", err)
	}
	res.FirstRenderColdMS = benchutil.MS(time.Since(t0))
	benchutil.Progress("first render (cold, informers start): %.0f ms", res.FirstRenderColdMS)
	snap("page-open")

	var warm []time.Duration
	for range o.samples {
		t0 := time.Now()
		if err := b.open(base+"/ui/", rows); err != nil {
			return fmt.Errorf("render: %w", err)
		}
		warm = append(warm, time.Since(t0))
	}
	res.FirstRender = benchutil.Summarize(warm)
	benchutil.Progress("render in chromium (warm): %+v", res.FirstRender)
	if res.ServerRender, res.PageBytes, err = serverRender(ctx, srv, o.samples); err != nil {
		return err
	}
	benchutil.Progress("server render of /ui/ (%d bytes): %+v", res.PageBytes, res.ServerRender)

	if err := b.waitLive(); err != nil {
		return err
	}
	var lags []time.Duration
	for k := range o.samples {
		// Apart, so that each change is an isolated one (the page holds
		// back a refresh that follows another closely).
		time.Sleep(3 * time.Second)
		sched := schedules[(k+1)%2]
		t0 := time.Now()
		if err := setSchedule(ctx, cs, nsOf(o, 0), cjName(0), sched); err != nil {
			return err
		}
		want := fmt.Sprintf(`(document.querySelector('tr[data-cronjob="%s/%s"] code') || {}).innerText === '%s'`, nsOf(o, 0), cjName(0), sched)
		if err := b.wait(want); err != nil {
			return fmt.Errorf("live update: %w", err)
		}
		lags = append(lags, time.Since(t0))
	}
	res.LiveUpdate = benchutil.Summarize(lags)
	benchutil.Progress("live update (patch to page showing it): %+v", res.LiveUpdate)
	return measureCPU(ctx, o, srv, cs, b, base+"/ui/", rows, res)
}

var schedules = [2]string{"*/5 * * * *", "*/10 * * * *"}

func setSchedule(ctx context.Context, cs kubernetes.Interface, ns, name, sched string) error {
	patch := fmt.Appendf(nil, `{"spec":{"schedule":%q}}`, sched)
	_, err := cs.BatchV1().CronJobs(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

// measureCPU charges the server's CPU per minute with the page closed and
// open, idle and with one CronJob change a second, alternating so that
// drifting load on a shared machine hits both sides.
func measureCPU(ctx context.Context, o options, srv *testcluster.Server, cs kubernetes.Interface, b *browser, page, rows string, res *result) error {
	meter := benchutil.CPUMeter{ServerPid: fmt.Sprint(srv.Pid())}
	window := func(changes bool) (float64, error) {
		start := meter.Sample()
		t0 := time.Now()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for k := 0; time.Since(t0) < o.window; k++ {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-tick.C:
			}
			if changes {
				if err := setSchedule(ctx, cs, nsOf(o, k), cjName(k%o.cronJobs), schedules[k%2]); err != nil {
					return 0, err
				}
			}
		}
		return benchutil.Round3(meter.Since(start).Server * 60 / time.Since(t0).Seconds()), nil
	}
	closed := func() error { return b.open("about:blank", "true") }
	open := func() error {
		if err := b.open(page, rows); err != nil {
			return err
		}
		return b.waitLive()
	}
	var err error
	steps := []struct {
		name    string
		prepare func() error
		changes bool
		out     *float64
	}{
		{"closed, idle", closed, false, &res.CPU.ClosedIdle},
		{"open, idle", open, false, &res.CPU.OpenIdle},
		{"open, a change a second", open, true, &res.CPU.OpenChanges},
		{"closed, a change a second", closed, true, &res.CPU.ClosedChanges},
	}
	for _, s := range steps {
		if err := s.prepare(); err != nil {
			return err
		}
		time.Sleep(2 * time.Second)
		if s.changes && s.out == &res.CPU.OpenChanges && o.profile != "" {
			go saveProfile(ctx, srv, o.profile, o.window)
		}
		if *s.out, err = window(s.changes); err != nil {
			return err
		}
		benchutil.Progress("server CPU, page %s: %.2f s/min (load %s)", s.name, *s.out, benchutil.LoadAvg())
	}
	return nil
}

// serverRender times GET /ui/ on the API server itself (admin client
// certificate), without a browser: the render alone.
func serverRender(ctx context.Context, srv *testcluster.Server, n int) (benchutil.Latency, int, error) {
	cfg, err := srv.RESTConfig()
	if err != nil {
		return benchutil.Latency{}, 0, err
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return benchutil.Latency{}, 0, err
	}
	var ds []time.Duration
	size := 0
	for range n {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Host+"/ui/", nil)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return benchutil.Latency{}, 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return benchutil.Latency{}, 0, fmt.Errorf("GET /ui/: %d %v", resp.StatusCode, err)
		}
		ds = append(ds, time.Since(t0))
		size = len(body)
	}
	return benchutil.Summarize(ds), size, nil
}

// settle waits until the server uses less than a fifth of a core over
// two seconds, or a minute has passed.
func settle(ctx context.Context, srv *testcluster.Server) {
	meter := benchutil.CPUMeter{ServerPid: fmt.Sprint(srv.Pid())}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		s := meter.Sample()
		time.Sleep(2 * time.Second)
		if meter.Since(s).Server < 0.4 {
			return
		}
	}
}

func saveProfile(ctx context.Context, srv *testcluster.Server, path string, d time.Duration) {
	out, stderr, err := srv.Kubectl(ctx, "", "get", "--raw", fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds())))
	if err == nil {
		err = os.WriteFile(path, []byte(out), 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "profile: %v: %s\n", err, stderr)
	}
}
