package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/chromedp/chromedp"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// measure opens the CronJobs page -renders times (the first through the
// one-time URL, which sets the session cookie), then keeps it open: the
// server's CPU while idle, and -updates live updates (a CronJob suspended
// or resumed through the API until its row says so).
func measure(ctx context.Context, o options, srv *testcluster.Server, cs kubernetes.Interface, b *browser, d *dashboard) error {
	meter := benchutil.CPUMeter{ServerPid: strconv.Itoa(srv.Pid())}
	proxy := strconv.Itoa(d.cmd.Process.Pid)
	last := fmt.Sprintf(`tr[data-cronjob="default/cj-%04d"]`, o.cronJobs-1)
	var renders []time.Duration
	var renderCPU []float64
	for i := 0; i < o.renders; i++ {
		url := d.base() + "/ui/"
		if i == 0 {
			url = d.url
		}
		cpu := meter.Sample()
		start := time.Now()
		if err := b.do(o.timeout, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(last))); err != nil {
			return fmt.Errorf("render %d: %w", i+1, err)
		}
		renders = append(renders, time.Since(start))
		renderCPU = append(renderCPU, meter.Since(cpu).Server)
	}
	if err := b.do(o.timeout, chromedp.WaitVisible(chromedp.CSS(`body[data-live="on"]`))); err != nil {
		return fmt.Errorf("live updates: %w", err)
	}
	rows, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("tr[data-cronjob]").length`))
	r := benchutil.Summarize(renders)
	fmt.Printf("\nCronJobs page, %d CronJobs (%d rows shown), %d Jobs, records of %d slots: time to first render p50 %.0f ms, max %.0f ms over %d opens (first %.0f ms); server CPU per render %s s\n",
		o.cronJobs, rows, o.jobs, o.runs, r.P50, r.Max, len(renders), benchutil.MS(renders[0]), seconds(renderCPU))

	proxyStart, _ := benchutil.CPUSeconds(proxy)
	cpu := meter.Sample()
	if err := benchutil.Sleep(ctx, o.idle); err != nil {
		return err
	}
	idle := meter.Since(cpu)
	proxyEnd, _ := benchutil.CPUSeconds(proxy)
	fmt.Printf("page open, nothing changing, %.0f s: server CPU %.2f s (%.1f %% of a core); ordo dashboard (proxy) %.2f s\n",
		o.idle.Seconds(), idle.Server, 100*idle.Server/o.idle.Seconds(), proxyEnd-proxyStart)

	var lags []time.Duration
	cpu = meter.Sample()
	began := time.Now()
	for i := 0; i < o.updates; i++ {
		lag, err := liveUpdate(ctx, o, cs, b, i)
		if err != nil {
			return err
		}
		lags = append(lags, lag)
	}
	spent := meter.Since(cpu)
	l := benchutil.Summarize(lags)
	fmt.Printf("live update (suspend/resume a CronJob through the API → its row on the open page says so): p50 %.0f ms, max %.0f ms over %d; server CPU %.2f s over %.1f s (%.2f s per update)\n",
		l.P50, l.Max, len(lags), spent.Server, time.Since(began).Seconds(), spent.Server/float64(len(lags)))
	return nil
}

// liveUpdate suspends (even i) or resumes (odd i) the middle CronJob and
// waits for its row on the open page to say so.
func liveUpdate(ctx context.Context, o options, cs kubernetes.Interface, b *browser, i int) (time.Duration, error) {
	name := fmt.Sprintf("cj-%04d", o.cronJobs/2)
	suspend := i%2 == 0
	want := "ordinary"
	if suspend {
		want = "ordinary, suspended"
	}
	check := fmt.Sprintf(`(() => { const r = document.querySelector('tr[data-cronjob="default/%s"]'); return !!r && r.cells[9].textContent.trim() === %q; })()`, name, want)
	start := time.Now()
	patch := fmt.Sprintf(`{"spec":{"suspend":%t}}`, suspend)
	if _, err := cs.BatchV1().CronJobs("default").Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return 0, err
	}
	pctx, cancel := context.WithTimeout(b.ctx, o.timeout)
	_, err := chromedp.Run(pctx, chromedp.Poll[bool](check))
	cancel()
	if err != nil {
		return 0, fmt.Errorf("live update %d: %w", i+1, err)
	}
	lag := time.Since(start)
	return lag, benchutil.Sleep(ctx, time.Second)
}

func seconds(v []float64) string {
	out := ""
	for i, f := range v {
		if i > 0 {
			out += ", "
		}
		out += strconv.FormatFloat(f, 'f', 2, 64)
	}
	return out
}
