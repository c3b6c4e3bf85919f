package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// seedExpectation is what a real Kubernetes API server does with a seed
// block: accept it, or reject it with an error containing wantErr.
type seedExpectation struct {
	namespace string
	wantErr   string // empty: must be accepted
	// objects that must then exist, as kubectl get arguments.
	objects [][]string
	// warning kubectl must print when applying (kinds ordo stores but no
	// controller acts on yet).
	warning string
}

// seedExpectations covers every block extractSeedBlocks finds. Blocks a real
// cluster rejects (fragments cut short in the text, typos) must be rejected
// with Kubernetes' error, not half-written.
var seedExpectations = map[string]seedExpectation{
	"000_70effd36de474e14.txt#0": {namespace: "test", objects: [][]string{{"cronjob.v1beta1.batch", "redis-bgrewriteaof-cron"}, {"cronjob", "redis-bgrewriteaof-cron"}}},
	// Listing 8.1 is a fragment indented with tabs ("# pod spec...").
	"002_ab0a864070af1a27.txt#0": {namespace: "default", wantErr: "found character that cannot start any token"},
	"002_ab0a864070af1a27.txt#1": {namespace: "default", objects: [][]string{{"service", "todo-db"}}},
	"002_ab0a864070af1a27.txt#2": {namespace: "default", objects: [][]string{{"job", "pi-job"}}},
	// Listing 8.6 stops at "# job template...": no containers.
	"002_ab0a864070af1a27.txt#3": {namespace: "default", wantErr: "spec.jobTemplate.spec.template.spec.containers: Required value"},
	"003_f7ed74177f82beb7.txt#0": {namespace: "dev", objects: [][]string{{"service", "redis-service"}}},
	"003_f7ed74177f82beb7.txt#1": {namespace: "dev", objects: [][]string{{"statefulset", "redis-app"}}},
	"003_f7ed74177f82beb7.txt#2": {namespace: "dev", objects: [][]string{{"service", "redis-manager-service"}}},
	"003_f7ed74177f82beb7.txt#3": {namespace: "dev", objects: [][]string{{"statefulset", "redis-manager"}}},
	"003_f7ed74177f82beb7.txt#4": {namespace: "dev", objects: [][]string{{"service", "redis-access-service"}}},
	"004_ab88581d85fdcc51.txt#0": {namespace: "default", objects: [][]string{{"job", "my-busybox-job"}}},
	// The fence is never closed, so prose follows the YAML.
	"004_ab88581d85fdcc51.txt#1": {namespace: "default", wantErr: "error"},
	// A CronJob with no jobTemplate.
	"004_ab88581d85fdcc51.txt#2": {namespace: "default", wantErr: "spec.jobTemplate.spec.template.spec.containers: Required value"},
	// The mysqldump line is broken across a block scalar: "all-databases"
	// at column 0 ends it. TestSeed004MySQLBackup applies it mended.
	"004_ab88581d85fdcc51.txt#3": {namespace: "cronjob", wantErr: "could not find expected ':'"},
	"004_ab88581d85fdcc51.txt#4": {namespace: "cronjob", objects: [][]string{{"cronjob", "default-restart"}}},
}

func loadSeedBlocks(t *testing.T) []seedBlock {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(seedsDir(), "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed documents at %s: the seeds live in ../shared/seeds next to the repository (or set ORDO_SEEDS)", seedsDir())
	}
	var blocks []seedBlock
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, extractSeedBlocks(filepath.Base(f), string(data))...)
	}
	return blocks
}

func TestSeedManifestsApplyAsKubernetesWould(t *testing.T) {
	t.Parallel()
	blocks := loadSeedBlocks(t)
	if len(blocks) != len(seedExpectations) {
		t.Fatalf("found %d seed blocks, expectations cover %d: update the table", len(blocks), len(seedExpectations))
	}
	c := testcluster.StartT(t)
	for _, ns := range []string{"test", "dev", "cronjob"} {
		c.Run("create", "namespace", ns)
	}
	for _, b := range blocks {
		key := b.File + "#" + itoa(b.Index)
		want, ok := seedExpectations[key]
		if !ok {
			t.Fatalf("no expectation for %s", key)
		}
		t.Run(key, func(t *testing.T) {
			c := c.With(t)
			if want.wantErr != "" {
				errOut := c.Fail(b.YAML, "apply", "-n", want.namespace, "-f", "-")
				if !strings.Contains(errOut, want.wantErr) {
					t.Fatalf("error %q does not contain %q", errOut, want.wantErr)
				}
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			_, errOut, err := c.Kubectl(ctx, b.YAML, "apply", "-n", want.namespace, "-f", "-")
			if err != nil {
				t.Fatalf("apply: %v\n%s", err, errOut)
			}
			if !strings.Contains(errOut, want.warning) {
				t.Errorf("apply printed %q, want the warning %q", errOut, want.warning)
			}
			// What apply owns: spec (generation), labels and annotations.
			// Not the resourceVersion, which controllers' status writes
			// (a Job's startTime) move on, as in Kubernetes.
			rv := func() string {
				var out string
				for _, obj := range want.objects {
					out += c.Run(append([]string{"get", "-n", want.namespace, "-o",
						"jsonpath={.metadata.generation} {.metadata.labels} {.metadata.annotations} "}, obj...)...)
				}
				return out
			}
			before := rv()
			// Applying the same manifest again changes nothing.
			c.RunIn(b.YAML, "apply", "-n", want.namespace, "-f", "-")
			if after := rv(); after != before {
				t.Errorf("second apply modified the object: %s -> %s", before, after)
			}
		})
	}
}

// Seed 004 grants its restart CronJob rights with RBAC: a ClusterRole on
// deployments bound to the cronjob namespace's default service account.
// That account's token is refused before the binding and allowed exactly
// what the role grants after it.
func TestSeed004RBACGrantsTheRestartCronJobItsRights(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	c.Run("create", "namespace", "cronjob")
	var token string
	waitFor(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, _, err := c.Kubectl(ctx, "", "-n", "cronjob", "create", "token", "default")
		token = strings.TrimSpace(out)
		return err == nil && token != ""
	}, "a token for cronjob's default service account")
	base := "https://" + c.Listen
	deployment := base + "/apis/apps/v1/namespaces/default/deployments/mysql"

	code, body := getWithToken(t, c.Server, deployment, token)
	want := `User \"system:serviceaccount:cronjob:default\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"default\"`
	if code != http.StatusForbidden || !strings.Contains(body, want) {
		t.Fatalf("before the binding: %d %s; want 403 naming the account and the request", code, body)
	}
	if code, _ := getWithToken(t, c.Server, base+"/apis", token); code != http.StatusOK {
		t.Errorf("discovery with the token: %d, want 200 (system:discovery is every authenticated user's)", code)
	}
	canI := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, _, _ := c.Kubectl(ctx, "", append([]string{"auth", "can-i", "--as=system:serviceaccount:cronjob:default"}, args...)...)
		return strings.TrimSpace(out)
	}
	if got := canI("patch", "deployments.apps", "-n", "default"); got != "no" {
		t.Errorf("kubectl auth can-i before the binding: %q, want no", got)
	}

	// The seed's commands. Its second one misspells --clusterrole, which
	// kubectl refuses as it would anywhere; then the intended command.
	c.Run("create", "clusterrole", "deployment-restart", "--verb=get,update,patch", "--resource=deployments.apps")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, errOut, err := c.Kubectl(ctx, "", "create", "clusterrolebinding", "deployment-restart-binding", "-clusterrole=deployment-restart", "--serviceaccount=cronjob:default"); err == nil || !strings.Contains(errOut, "unknown shorthand flag") {
		t.Errorf("the seed's misspelt command: err %v, stderr %q", err, errOut)
	}
	c.Run("create", "clusterrolebinding", "deployment-restart-binding", "--clusterrole=deployment-restart", "--serviceaccount=cronjob:default")

	waitFor(t, func() bool {
		code, _ := getWithToken(t, c.Server, deployment, token)
		return code == http.StatusNotFound // allowed; there is no such Deployment
	}, "the binding to let the account get deployments")
	if got := canI("patch", "deployments.apps", "-n", "default"); got != "yes" {
		t.Errorf("kubectl auth can-i after the binding: %q, want yes", got)
	}
	if got := canI("--list", "-n", "default"); !strings.Contains(got, "deployments.apps") || strings.Contains(got, "secrets") {
		t.Errorf("kubectl auth can-i --list:\n%s\nwant deployments.apps and no secrets", got)
	}
	if code, _ := getWithToken(t, c.Server, base+"/apis/apps/v1/namespaces/default/deployments", token); code != http.StatusForbidden {
		t.Errorf("list deployments: %d, want 403 (the role grants get, update, patch)", code)
	}
	if code, _ := getWithToken(t, c.Server, base+"/api/v1/namespaces/default/secrets", token); code != http.StatusForbidden {
		t.Errorf("list secrets: %d, want 403", code)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// requirePrograms fails the test, naming the packages, when a host program
// it runs in a pod is missing. `make test` installs them first
// (hack/install-test-deps.sh), so a missing one is a broken setup to show,
// not a reason to skip.
func requirePrograms(t *testing.T, packages string, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s is not installed: hack/install-test-deps.sh (run by make test) installs %s", p, packages)
		}
	}
}

// TestSeedTestsFailWithoutTheirInputs: with no seed documents, or without
// the host programs they run, the seed tests fail with the reason instead
// of skipping (which would let a broken setup pass `make test`). It runs
// this test binary again on each, in an environment that lacks the input.
func TestSeedTestsFailWithoutTheirInputs(t *testing.T) {
	t.Parallel()
	emptyDir := t.TempDir()
	for _, tc := range []struct {
		test, env, want string
	}{
		{"TestSeedManifestsApplyAsKubernetesWould", "ORDO_SEEDS=" + emptyDir, "no seed documents at " + emptyDir},
		{"TestSeed000RedisAOFRewrite", "PATH=" + emptyDir, "redis-server is not installed"},
		{"TestSeed004MySQLBackup", "PATH=" + emptyDir, "mariadbd is not installed"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^"+tc.test+"$", "-test.v")
		cmd.Env = append(os.Environ(), tc.env)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "--- FAIL: "+tc.test) || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s with %s: %v, want it to fail with %q:\n%s", tc.test, tc.env, err, tc.want, out)
		}
	}
}
