package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

const cronJobYAML = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
spec:
  schedule: "*/5 * * * *"
  timeZone: "Europe/Berlin"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: dump
            image: postgres:16
            command: ["pg_dump", "--version"]
`

func TestCronJobRoundTripWithKubernetesDefaultsAndColumns(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	c.RunIn(cronJobYAML, "apply", "-f", "-")

	var cj struct {
		Spec struct {
			ConcurrencyPolicy          string `json:"concurrencyPolicy"`
			Suspend                    *bool  `json:"suspend"`
			SuccessfulJobsHistoryLimit *int   `json:"successfulJobsHistoryLimit"`
			FailedJobsHistoryLimit     *int   `json:"failedJobsHistoryLimit"`
			JobTemplate                struct {
				Spec struct {
					Template struct {
						Spec struct {
							DNSPolicy                     string `json:"dnsPolicy"`
							TerminationGracePeriodSeconds *int   `json:"terminationGracePeriodSeconds"`
							SchedulerName                 string `json:"schedulerName"`
						} `json:"spec"`
					} `json:"template"`
				} `json:"spec"`
			} `json:"jobTemplate"`
		} `json:"spec"`
	}
	mustJSON(t, c.Run("get", "cronjob", "backup", "-o", "json"), &cj)
	s := cj.Spec
	if s.ConcurrencyPolicy != "Allow" || s.Suspend == nil || *s.Suspend || *s.SuccessfulJobsHistoryLimit != 3 || *s.FailedJobsHistoryLimit != 1 {
		t.Errorf("CronJob defaults differ from Kubernetes: %+v", s)
	}
	pod := s.JobTemplate.Spec.Template.Spec
	if pod.DNSPolicy != "ClusterFirst" || *pod.TerminationGracePeriodSeconds != 30 || pod.SchedulerName != "default-scheduler" {
		t.Errorf("pod template defaults differ from Kubernetes: %+v", pod)
	}

	header := firstLine(c.Run("get", "cronjobs"))
	wantHeader := []string{"NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"}
	assertColumns(t, header, wantHeader)
	row := strings.Fields(strings.Split(c.Run("get", "cj", "backup", "--no-headers"), "\n")[0])
	if row[0] != "backup" || row[1] != "*/5" || row[6] != "Europe/Berlin" || row[7] != "False" {
		t.Errorf("cronjob row = %v", row)
	}
	wide := firstLine(c.Run("get", "cronjobs", "-o", "wide"))
	assertColumns(t, wide, append(wantHeader, "CONTAINERS", "IMAGES", "SELECTOR"))

	out := c.Run("describe", "cronjob", "backup")
	for _, want := range []string{"Name:", "backup", "Schedule:", "*/5 * * * *", "Concurrency Policy:", "Allow", "pg_dump"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
}

func TestInvalidScheduleIs422NamingTheField(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	bad := strings.Replace(cronJobYAML, `"*/5 * * * *"`, `"not a cron"`, 1)
	errOut := c.Fail(bad, "create", "-f", "-")
	if !strings.Contains(errOut, `is invalid`) || !strings.Contains(errOut, "spec.schedule: Invalid value: \"not a cron\"") {
		t.Fatalf("error does not name spec.schedule: %s", errOut)
	}
	// Nothing was written.
	if out := c.Fail("", "get", "cronjob", "backup"); !strings.Contains(out, "NotFound") && !strings.Contains(out, "not found") {
		t.Fatalf("invalid object was stored: %s", out)
	}
	// The raw HTTP answer is 422 with a Status whose causes name the field.
	status := postRaw(t, c.Server, "/apis/batch/v1/namespaces/default/cronjobs", bad)
	if status.Code != 422 || status.Reason != "Invalid" || len(status.Details.Causes) == 0 || status.Details.Causes[0].Field != "spec.schedule" {
		t.Fatalf("status = %+v", status)
	}
	// Malformed bodies are 400.
	if st := postRaw(t, c.Server, "/apis/batch/v1/namespaces/default/cronjobs", "{not json"); st.Code != 400 {
		t.Fatalf("malformed body: status %+v, want 400", st)
	}
	// An unknown field is rejected under kubectl's default strict validation.
	typo := strings.Replace(cronJobYAML, "  schedule:", "  schedul: x\n  schedule:", 1)
	if errOut := c.Fail(typo, "apply", "-f", "-"); !strings.Contains(errOut, `unknown field "spec.schedul"`) {
		t.Fatalf("unknown field not reported: %s", errOut)
	}
}

func TestStaleUpdateIs409(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	c.Run("create", "configmap", "cfg", "--from-literal=a=1")
	stale := c.Run("get", "configmap", "cfg", "-o", "yaml")
	c.Run("patch", "configmap", "cfg", "--type=merge", "-p", `{"data":{"a":"2"}}`)
	errOut := c.Fail(strings.Replace(stale, "a: \"1\"", "a: \"3\"", 1), "replace", "-f", "-")
	if !strings.Contains(errOut, "the object has been modified; please apply your changes to the latest version and try again") {
		t.Fatalf("stale replace: %s", errOut)
	}
	if got := c.Run("get", "configmap", "cfg", "-o", "jsonpath={.data.a}"); got != "2" {
		t.Fatalf("data.a = %q after a rejected stale update, want 2", got)
	}
}

func TestPatchTypes(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	c.RunIn(cronJobYAML, "apply", "-f", "-")
	c.Run("patch", "cronjob", "backup", "--type=merge", "-p", `{"spec":{"suspend":true}}`)
	c.Run("patch", "cronjob", "backup", "--type=json", "-p", `[{"op":"replace","path":"/spec/schedule","value":"0 3 * * *"}]`)
	// Strategic merge patch merges the containers list by name.
	c.Run("patch", "cronjob", "backup", "-p", `{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"dump","image":"postgres:17"}]}}}}}}`)
	got := c.Run("get", "cronjob", "backup", "-o", "jsonpath={.spec.suspend} {.spec.schedule} {.spec.jobTemplate.spec.template.spec.containers[0].image} {.spec.jobTemplate.spec.template.spec.containers[0].command[0]}")
	if got != "true 0 3 * * * postgres:17 pg_dump" {
		t.Fatalf("after patches: %q", got)
	}
	// Server-side apply takes ownership of fields.
	c.RunIn(strings.Replace(cronJobYAML, "*/5 * * * *", "*/7 * * * *", 1), "apply", "--server-side", "--force-conflicts", "-f", "-")
	if got := c.Run("get", "cronjob", "backup", "-o", "jsonpath={.spec.schedule}"); got != "*/7 * * * *" {
		t.Fatalf("server-side apply: schedule %q", got)
	}
}

func TestWatchSeesChanges(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, "kubectl", "get", "configmaps", "-w", "--output-watch-events", "--no-headers")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			// EVENT NAME DATA AGE; drop the age.
			f := strings.Fields(sc.Text())
			if len(f) >= 3 {
				lines <- strings.Join(f[:3], " ")
			}
		}
		close(lines)
	}()
	expect := func(want string) {
		t.Helper()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("watch ended before %q", want)
				}
				if l == want {
					return
				}
			case <-ctx.Done():
				t.Fatalf("watch never showed %q", want)
			}
		}
	}
	// Wait for the watch to be established (kube-root configmaps may list first).
	time.Sleep(500 * time.Millisecond)
	c.Run("create", "configmap", "w1", "--from-literal=a=1")
	expect("ADDED w1 1")
	c.Run("patch", "configmap", "w1", "--type=merge", "-p", `{"data":{"b":"2"}}`)
	expect("MODIFIED w1 2")
	c.Run("delete", "configmap", "w1")
	expect("DELETED w1 2")
}

func TestAnonymousIs401(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	client := caOnlyClient(t, c.Server)
	for path, want := range map[string]int{"/api/v1/namespaces": 401, "/apis/batch/v1/cronjobs": 401, "/healthz": 200, "/readyz": 200, "/livez": 200, "/version": 200} {
		resp, err := client.Get("https://" + c.Listen + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s without credentials: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestCascadingDeleteOfCronJob(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	c.RunIn(cronJobYAML, "apply", "-f", "-")
	c.Run("create", "job", "manual", "--from=cronjob/backup")
	owner := c.Run("get", "job", "manual", "-o", "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}")
	if owner != "CronJob/backup" {
		t.Fatalf("job owner = %q", owner)
	}
	c.Run("delete", "cronjob", "backup")
	waitFor(t, func() bool {
		_, errOut, err := c.Kubectl(context.Background(), "", "get", "job", "manual")
		return err != nil && strings.Contains(errOut, "not found")
	}, "job of deleted cronjob is garbage collected")
}

func TestNamespaceDeletionEmptiesIt(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	c.Run("create", "namespace", "scratch")
	c.Run("-n", "scratch", "create", "configmap", "a")
	c.RunIn(cronJobYAML, "-n", "scratch", "apply", "-f", "-")
	c.Run("delete", "namespace", "scratch", "--timeout=60s")
	if errOut := c.Fail("", "get", "namespace", "scratch"); !strings.Contains(errOut, "not found") {
		t.Fatalf("namespace still there: %s", errOut)
	}
	if errOut := c.Fail("", "-n", "scratch", "create", "configmap", "b"); !strings.Contains(errOut, "not found") {
		t.Fatalf("create in deleted namespace: %s", errOut)
	}
}

type status struct {
	Code    int    `json:"code"`
	Reason  string `json:"reason"`
	Details struct {
		Causes []struct {
			Field string `json:"field"`
		} `json:"causes"`
	} `json:"details"`
}

func postRaw(t *testing.T, s *testcluster.Server, path, body string) status {
	t.Helper()
	cfg, err := s.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(cfg.CertData, cfg.KeyData)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cfg.CAData)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}
	resp, err := client.Post("https://"+s.Listen+path, "application/yaml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("decode Status: %v", err)
	}
	if st.Code != resp.StatusCode {
		t.Fatalf("Status.code %d != HTTP %d", st.Code, resp.StatusCode)
	}
	return st
}

func caOnlyClient(t *testing.T, s *testcluster.Server) *http.Client {
	cfg, err := s.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cfg.CAData)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func mustJSON(t *testing.T, data string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

// assertColumns checks a kubectl header line has exactly these columns.
func assertColumns(t *testing.T, header string, want []string) {
	t.Helper()
	got := header
	for _, w := range want {
		i := strings.Index(got, w)
		if i < 0 {
			t.Fatalf("header %q lacks column %q (in order %v)", header, w, want)
		}
		got = got[i+len(w):]
	}
	if strings.TrimSpace(got) != "" {
		t.Fatalf("header %q has extra columns after %v", header, want)
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting: %s", what)
}
