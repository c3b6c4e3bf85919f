package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ordo-dev/ordo/internal/cron/runrecord"
	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// forbidCronJob fires every 2 seconds and runs for 3, with
// concurrencyPolicy Forbid: every other slot finds the previous run still
// going and is missed, for a reason the dashboard must show.
const forbidCronJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
spec:
  schedule: "*/2 * * * * *"
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 2
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
          - name: tick
            image: busybox
            command: ["/bin/sh", "-c", "echo tick-ran; sleep 3"]
`

// TestDashboardCronJobPage drives the dashboard in headless chromium
// through `ordo dashboard`: the CronJob page shows a slot's real lag (the
// run record's start minus its slot) and a missed slot's reason, both
// arriving by live update; run now creates a Job (as kubectl create job
// --from=cronjob/ does) whose run appears in the timeline, and is
// recorded as an Event naming the user. It saves screenshots of the main
// pages (dashboardArtifacts).
func TestDashboardCronJobPage(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	c.RunIn(forbidCronJob, "apply", "-f", "-")
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	link := startDashboard(t, c, c.Kubeconfig())
	base := strings.Split(link, "/ui/")[0]
	ctx := newBrowser(t)

	browse(t, ctx, "the CronJobs page", 60*time.Second, chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-cronjob="default/tick"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-live="on"]`)))
	if loc := evaluate[string](t, ctx, `location.search`); strings.Contains(loc, "key=") {
		t.Errorf("the one-time key stayed in the address: %s", loc)
	}

	browse(t, ctx, "the CronJob page", 30*time.Second, chromedp.Navigate(base+"/ui/cronjobs/default/tick"),
		chromedp.WaitVisible(chromedp.CSS(`table.timeline`)), chromedp.WaitVisible(chromedp.CSS(`body[data-live="on"]`)))
	browse(t, ctx, "run now", 60*time.Second, chromedp.Click(chromedp.CSS(`button[data-action="run"]`)),
		waitText(`#flash`, "(run now)"), waitText(`tr.slot td`, "run now"))
	jobs, err := cs.BatchV1().Jobs("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var manual *batchv1.Job
	for i, j := range jobs.Items {
		if j.Annotations["cronjob.kubernetes.io/instantiate"] == "manual" {
			manual = &jobs.Items[i]
		}
	}
	if manual == nil || len(manual.OwnerReferences) != 1 || manual.OwnerReferences[0].Name != "tick" {
		t.Fatalf("run now made no manual Job owned by the CronJob: %+v", manual)
	}
	browse(t, ctx, "the run-now Job in the timeline", 60*time.Second, waitText(`tr.slot[data-job="`+manual.Name+`"]`, "run now"))
	waitForEvent(t, cs, "default", "tick", "DashboardRunNow", `by user "admin" via ordo dashboard`)
	screenshot(t, ctx, "cronjob-run-now")

	// Both arrive by live update: the page is never reloaded.
	browse(t, ctx, "a missed slot's reason", 90*time.Second, waitText(`tr.slot.missed td.reason`, runrecord.ReasonForbid))
	browse(t, ctx, "a finished slot", 90*time.Second, waitText(`tr.slot.succeeded td`, "Succeeded"))

	// The lag shown is the record's: Started minus Slot of that slot.
	runs, err := runrecord.Read(context.Background(), cs, "default", "tick")
	if err != nil {
		t.Fatal(err)
	}
	checked := false
	for _, r := range runs {
		if r.Started == nil || r.Outcome != runrecord.Succeeded {
			continue
		}
		slot := r.Slot.UTC().Format("2006-01-02 15:04:05Z")
		shown := evaluate[string](t, ctx, `(() => { const r = document.querySelector('tr.slot[data-slot="`+slot+`"] td.lag'); return r ? r.innerText : ""; })()`)
		if shown == "" {
			continue // trimmed from the page or not yet refreshed
		}
		if want := r.Started.Sub(r.Slot).Milliseconds(); shown != itoaMs(want) {
			t.Errorf("slot %s: page shows lag %q, the run record says %dms", slot, shown, want)
		}
		checked = true
		break
	}
	if !checked {
		t.Errorf("no succeeded slot of the run record (%d runs) is on the page", len(runs))
	}
	screenshot(t, ctx, "cronjob")

	for _, p := range []string{"", "jobs", "pods", "nodes", "events", "deployments", "statefulsets"} {
		name := p
		if name == "" {
			name = "cronjobs"
		}
		browse(t, ctx, "the "+name+" page", 30*time.Second, chromedp.Navigate(base+"/ui/"+p), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		screenshot(t, ctx, name)
	}
}

func itoaMs(ms int64) string { return fmt.Sprintf("%dms", ms) }

// waitForEvent waits for an Event on the named object with reason and a
// message containing message.
func waitForEvent(t *testing.T, cs kubernetes.Interface, ns, name, reason, message string) {
	t.Helper()
	waitFor(t, func() bool {
		evs, err := cs.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
		if err != nil {
			return false
		}
		for _, e := range evs.Items {
			if e.Reason == reason && e.Type == corev1.EventTypeNormal && strings.Contains(e.Message, message) {
				return true
			}
		}
		return false
	}, "a "+reason+" event on "+ns+"/"+name)
}

// TestDashboardRBACLimitedUser: a user who may only view namespace team-a
// sees team-a's CronJob and not team-b's, is offered no Suspend, and a
// suspend sent anyway (with the page's own CSRF header) is refused with
// the API server's 403, leaving the CronJob as it was.
func TestDashboardRBACLimitedUser(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	for _, ns := range []string{"team-a", "team-b"} {
		c.Run("create", "namespace", ns)
		c.Run("-n", ns, "create", "cronjob", "nightly-"+ns, "--image=busybox", "--schedule=0 3 * * *", "--", "/bin/true")
	}
	c.Run("-n", "team-a", "create", "serviceaccount", "viewer")
	c.Run("-n", "team-a", "create", "rolebinding", "viewer-view", "--clusterrole=view", "--serviceaccount=team-a:viewer")
	token := strings.TrimSpace(c.Run("-n", "team-a", "create", "token", "viewer"))
	kubeconfig := tokenKubeconfig(t, c, token)

	link := startDashboard(t, c, kubeconfig)
	base := strings.Split(link, "/ui/")[0]
	ctx := newBrowser(t)
	browse(t, ctx, "the viewer's CronJobs page", 60*time.Second, chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-cronjob="team-a/nightly-team-a"]`)))
	if evaluate[bool](t, ctx, `document.querySelector('tr[data-cronjob="team-b/nightly-team-b"]') !== null`) {
		t.Error("the viewer of team-a sees team-b's CronJob")
	}
	if evaluate[bool](t, ctx, `document.querySelector('button[data-action="suspend"]') !== null`) {
		t.Error("the viewer is offered Suspend")
	}
	if u := evaluate[string](t, ctx, `document.getElementById("user").innerText`); u != "system:serviceaccount:team-a:viewer" {
		t.Errorf("the page names user %q", u)
	}
	screenshot(t, ctx, "rbac-limited")

	status := evaluate[string](t, ctx, `fetch("/ui/actions/suspend/team-a/nightly-team-a", {method: "POST", headers: {"X-Ordo-Dashboard": "1"}}).then(async r => r.status + " " + (await r.json()).message)`)
	if !strings.HasPrefix(status, "403 ") || !strings.Contains(status, `cannot patch resource "cronjobs"`) {
		t.Errorf("suspend as the viewer: %s; want 403 and the API server's forbidden message", status)
	}
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	cj, err := cs.BatchV1().CronJobs("team-a").Get(context.Background(), "nightly-team-a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		t.Error("the viewer's refused suspend suspended the CronJob")
	}
	other := evaluate[string](t, ctx, `fetch("/ui/cronjobs/team-b/nightly-team-b").then(async r => r.status + " " + await r.text())`)
	if !strings.HasPrefix(other, "403 ") {
		t.Errorf("the viewer opening team-b's CronJob: %s; want 403", other)
	}
	browse(t, ctx, "the viewer's Events page", 30*time.Second, chromedp.Navigate(base+"/ui/events"), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	if text := pageText(ctx); strings.Contains(text, "team-b") {
		t.Errorf("the viewer's Events page shows team-b:\n%s", text)
	}
}

// tokenKubeconfig is the server's admin kubeconfig with its user replaced
// by a bearer token.
func tokenKubeconfig(t *testing.T, c *testcluster.T, token string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.AuthInfos {
		a.ClientCertificate, a.ClientKey, a.ClientCertificateData, a.ClientKeyData = "", "", nil, nil
		a.Token = token
	}
	path := filepath.Join(t.TempDir(), "token.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDashboardAnonymousGetsNothing: without credentials the API server's
// /ui/ answers 401 and no dashboard content; `ordo dashboard` answers 401
// to a request without its session cookie or with a wrong or used key,
// and refuses an action without the page's CSRF header.
func TestDashboardAnonymousGetsNothing(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	ca, err := os.ReadFile(filepath.Join(datadir.PKI(c.DataDir), "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	anon := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, p := range []string{"/ui/", "/ui", "/ui/live?kinds=cronjobs", "/ui/static/app.js", "/ui/cronjobs/default/x", "/ui/events"} {
		code, body := get(t, anon, "https://"+c.Listen+p, nil)
		if code != http.StatusUnauthorized && code != http.StatusForbidden {
			t.Errorf("anonymous GET %s: %d, want 401 or 403", p, code)
		}
		if strings.Contains(body, "<html") || strings.Contains(body, "EventSource") {
			t.Errorf("anonymous GET %s served dashboard content: %.200s", p, body)
		}
	}

	link := startDashboard(t, c, c.Kubeconfig())
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	root := "http://" + u.Host
	if code, body := get(t, noRedirect, root+"/ui/", nil); code != http.StatusUnauthorized || strings.Contains(body, "<html") {
		t.Errorf("ordo dashboard without its cookie: %d %.200s, want 401", code, body)
	}
	if code, _ := get(t, noRedirect, root+"/ui/?key=wrong", nil); code != http.StatusUnauthorized {
		t.Errorf("ordo dashboard with a wrong key: %d, want 401", code)
	}
	resp, err := noRedirect.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookie := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("the one-time URL: %d, Set-Cookie %q; want 303 and an HttpOnly SameSite=Strict cookie", resp.StatusCode, cookie)
	}
	if code, _ := get(t, noRedirect, link, nil); code != http.StatusUnauthorized {
		t.Errorf("the one-time URL used again: %d, want 401", code)
	}
	session := map[string]string{"Cookie": strings.Split(cookie, ";")[0]}
	if code, body := get(t, noRedirect, root+"/ui/", session); code != http.StatusOK || !strings.Contains(body, "CronJobs") {
		t.Errorf("ordo dashboard with its cookie: %d %.200s, want 200 and the CronJobs page", code, body)
	}
	req, _ := http.NewRequest(http.MethodPost, root+"/ui/actions/suspend/default/x", nil)
	req.Header.Set("Cookie", session["Cookie"])
	resp, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "X-Ordo-Dashboard") {
		t.Errorf("an action without the CSRF header: %d %s, want 403", resp.StatusCode, body)
	}
}

func get(t *testing.T, c *http.Client, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := c.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b)
}
