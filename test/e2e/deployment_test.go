package e2e

import (
	"context"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const sleepDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: sleep}
spec:
  replicas: 2
  selector:
    matchLabels: {app: sleep}
  template:
    metadata:
      labels: {app: sleep}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sleep
        image: kiamol/ch03-sleep
        command: [sleep, "3600"]
`

// TestDeploymentRollsOutRestartsAndUndoes: the Deployment's pods come up
// through a ReplicaSet "<name>-<pod-template-hash>"; kubectl rollout
// restart (what seed 004's CronJob runs) replaces every pod; rollout
// history lists both revisions and undo goes back to the first
// ReplicaSet; scale and Kubernetes' columns work.
func TestDeploymentRollsOutRestartsAndUndoes(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(sleepDeployment, "apply", "-f", "-")
	c.Run("rollout", "status", "deployment/sleep", "--timeout=120s")
	first := deploymentPods(t, cs)
	if len(first) != 2 {
		t.Fatalf("pods %v, want 2", first)
	}
	rs := c.Run("get", "rs", "-l", "app=sleep", "-o", "jsonpath={.items[0].metadata.name} {.items[0].metadata.labels.pod-template-hash}")
	name, hash, _ := strings.Cut(rs, " ")
	if hash == "" || name != "sleep-"+hash || !strings.HasPrefix(first[0], name+"-") {
		t.Errorf("replicaset %q hash %q, pods %v", name, hash, first)
	}
	header := firstLine(c.Run("get", "deploy"))
	assertColumns(t, header, []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"})
	if row := strings.Fields(c.Run("get", "deploy", "sleep", "--no-headers")); len(row) < 4 || row[1] != "2/2" || row[2] != "2" || row[3] != "2" {
		t.Errorf("kubectl get deploy: %v", row)
	}

	c.Run("rollout", "restart", "deployment/sleep")
	c.Run("rollout", "status", "deployment/sleep", "--timeout=120s")
	waitFor(t, func() bool {
		now := deploymentPods(t, cs)
		return len(now) == 2 && now[0] != first[0] && now[0] != first[1] && now[1] != first[0] && now[1] != first[1]
	}, "every pod replaced by the restart")
	if got := c.Run("get", "deploy", "sleep", "-o", `jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}`); got != "2" {
		t.Errorf("revision after the restart: %q", got)
	}
	if hist := c.Run("rollout", "history", "deployment/sleep"); !strings.Contains(hist, "1 ") || !strings.Contains(hist, "2 ") {
		t.Errorf("rollout history:\n%s", hist)
	}
	c.Run("rollout", "undo", "deployment/sleep")
	c.Run("rollout", "status", "deployment/sleep", "--timeout=120s")
	waitFor(t, func() bool {
		for _, p := range deploymentPods(t, cs) {
			if !strings.HasPrefix(p, name+"-") {
				return false
			}
		}
		return len(deploymentPods(t, cs)) == 2
	}, "undo back on the first ReplicaSet")

	c.Run("scale", "deployment/sleep", "--replicas=3")
	c.Run("rollout", "status", "deployment/sleep", "--timeout=120s")
	if n := len(deploymentPods(t, cs)); n != 3 {
		t.Errorf("%d pods after scale to 3", n)
	}
	if cond := c.Run("get", "deploy", "sleep", "-o", `jsonpath={.status.conditions[?(@.type=="Progressing")].reason}`); cond != "NewReplicaSetAvailable" {
		t.Errorf("Progressing reason %q", cond)
	}
}

// deploymentPods are the names of the sleep Deployment's live pods, sorted.
func deploymentPods(t *testing.T, cs kubernetes.Interface) []string {
	t.Helper()
	return deploymentPodsOf(t, cs, "app=sleep")
}

// deploymentPodsOf lists the names of the live pods matching selector.
func deploymentPodsOf(t *testing.T, cs kubernetes.Interface, selector string) []string {
	t.Helper()
	l, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range l.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p.Name)
		}
	}
	sort.Strings(out)
	return out
}

// TestSeed004RestartCronJobReplacesTheDeploymentsPods: seed 004's restart
// CronJob (its command's YAML mended, and ordo's kubectl standing in for
// the image's, as the image table gives kubectl images), run by hand with kubectl create job --from, restarts the
// Deployment under the RBAC the seed grants, and every pod is replaced.
func TestSeed004RestartCronJobReplacesTheDeploymentsPods(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(strings.ReplaceAll(sleepDeployment, "name: sleep}", "name: mysql}"), "apply", "-f", "-")
	c.Run("rollout", "status", "deployment/mysql", "--timeout=120s")
	before := deploymentPods(t, cs)
	c.Run("create", "namespace", "cronjob")
	c.Run("create", "clusterrole", "deployment-restart", "--verb=get,update,patch", "--resource=deployments.apps")
	c.Run("create", "clusterrolebinding", "deployment-restart-binding", "--clusterrole=deployment-restart", "--serviceaccount=cronjob:default")
	c.RunIn(`apiVersion: batch/v1
kind: CronJob
metadata:
  name: default-restart
  namespace: cronjob
spec:
  schedule: 01 18 * * 5
  concurrencyPolicy: Allow
  suspend: false
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 3
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: restart
            image: registry.cn-beijing.aliyuncs.com/dotbalo/kubectl:latest
            command: [/bin/bash, -c, kubectl rollout restart deploy mysql -n default]
`, "apply", "-f", "-")
	c.Run("create", "job", "--from=cronjob/default-restart", "manual", "-n", "cronjob")
	c.Run("wait", "--for=condition=Complete", "job/manual", "-n", "cronjob", "--timeout=120s")
	if logs := c.Run("logs", "job/manual", "-n", "cronjob"); !strings.Contains(logs, "deployment.apps/mysql restarted") {
		t.Errorf("the restart job printed %q", logs)
	}
	c.Run("rollout", "status", "deployment/mysql", "--timeout=120s")
	waitFor(t, func() bool {
		now := deploymentPods(t, cs)
		if len(now) != 2 {
			return false
		}
		for _, p := range now {
			for _, b := range before {
				if p == b {
					return false
				}
			}
		}
		return true
	}, "every pod of the Deployment replaced")
}
