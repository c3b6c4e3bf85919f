package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestDashboardActions clicks the dashboard's other actions in chromium
// and checks each did what kubectl would and left its Event: suspend and
// resume a CronJob, restart a Deployment's rollout (the pod template's
// kubectl.kubernetes.io/restartedAt), delete a pod.
func TestDashboardActions(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	c.Run("create", "cronjob", "nightly", "--image=busybox", "--schedule=0 3 * * *", "--", "/bin/true")
	c.Run("create", "deployment", "web", "--image=busybox", "--", "/bin/sleep", "3600")
	c.Run("rollout", "status", "deployment/web", "--timeout=120s")
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	link := startDashboard(t, c, c.Kubeconfig())
	base := strings.Split(link, "/ui/")[0]
	b := newBrowser(t)

	browse(t, b, "suspend", 60*time.Second, chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`button[data-action="suspend"]`)), waitText(`#flash`, "suspended by user"),
		chromedp.WaitVisible(chromedp.CSS(`button[data-action="resume"]`)))
	cj, err := cs.BatchV1().CronJobs("default").Get(ctx, "nightly", metav1.GetOptions{})
	if err != nil || cj.Spec.Suspend == nil || !*cj.Spec.Suspend {
		t.Fatalf("after Suspend: %v %+v", err, cj.Spec.Suspend)
	}
	waitForEvent(t, cs, "default", "nightly", "DashboardSuspend", `suspended by user "admin" via ordo dashboard`)
	browse(t, b, "resume", 60*time.Second, chromedp.Click(chromedp.CSS(`button[data-action="resume"]`)),
		waitText(`#flash`, "resumed by user"), chromedp.WaitVisible(chromedp.CSS(`button[data-action="suspend"]`)))
	waitForEvent(t, cs, "default", "nightly", "DashboardResume", `resumed by user "admin" via ordo dashboard`)

	browse(t, b, "restart the rollout", 60*time.Second, chromedp.Navigate(base+"/ui/deployments"),
		chromedp.Click(chromedp.CSS(`button[data-action="restart-deployment"]`)), waitText(`#flash`, "rollout restarted by user"))
	d, err := cs.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil || d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
		t.Fatalf("after Restart rollout: %v, template annotations %v", err, d.Spec.Template.Annotations)
	}
	waitForEvent(t, cs, "default", "web", "DashboardRolloutRestart", "via ordo dashboard")
	c.Run("rollout", "status", "deployment/web", "--timeout=120s")

	pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("web's pods: %v %d", err, len(pods.Items))
	}
	victim := pods.Items[0].Name
	browse(t, b, "delete a pod", 60*time.Second, chromedp.Navigate(base+"/ui/pods"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-pod="default/`+victim+`"] button[data-action="delete-pod"]`)))
	evaluate[bool](t, b, `(window.confirm = () => true, true)`)
	browse(t, b, "delete a pod", 60*time.Second, chromedp.Click(chromedp.CSS(`tr[data-pod="default/`+victim+`"] button[data-action="delete-pod"]`)),
		waitText(`#flash`, "deleted by user"))
	waitForEvent(t, cs, "default", victim, "DashboardDeletePod", `deleted by user "admin" via ordo dashboard`)
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods("default").Get(ctx, victim, metav1.GetOptions{})
		return err != nil || p.DeletionTimestamp != nil
	}, "the deleted pod to go")
}
