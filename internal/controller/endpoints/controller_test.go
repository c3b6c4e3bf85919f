package endpoints

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ordo-dev/ordo/internal/testutil"
)

// The controller against a fake clientset: create, follow a pod going not
// ready, leave selector-less Services alone, clean up on Service deletion.
func TestControllerFollowsPods(t *testing.T) {
	web := service("web", func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "web"} })
	manual := service("manual", func(s *corev1.Service) { s.Spec.Selector = nil })
	client := fake.NewSimpleClientset(web, manual, pod("a", "10.0.0.2", true), pod("b", "10.0.0.3", true))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctl, err := New(Config{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	go ctl.Run(ctx, 1)

	readyIPs := func() []string {
		ep, err := client.CoreV1().Endpoints("ns").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return nil
		}
		return ips(ep.Subsets, true)
	}
	testutil.Eventually(t, func() bool { return len(readyIPs()) == 2 }, "two ready addresses")
	testutil.Eventually(t, func() bool { return len(slicesOf(ctx, client, "web")) == 1 }, "one EndpointSlice")

	b, _ := client.CoreV1().Pods("ns").Get(ctx, "b", metav1.GetOptions{})
	b.Status.Conditions[0].Status = corev1.ConditionFalse
	b.ResourceVersion = "2"
	if _, err := client.CoreV1().Pods("ns").UpdateStatus(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, func() bool { r := readyIPs(); return len(r) == 1 && r[0] == "10.0.0.2" }, "b leaves the ready addresses")

	if _, err := client.CoreV1().Endpoints("ns").Get(ctx, "manual", metav1.GetOptions{}); err == nil {
		t.Error("a Service without selector got Endpoints")
	}
	if err := client.CoreV1().Services("ns").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, func() bool {
		_, err := client.CoreV1().Endpoints("ns").Get(ctx, "web", metav1.GetOptions{})
		return err != nil && len(slicesOf(ctx, client, "web")) == 0
	}, "Endpoints and slices removed with the Service")
}

func slicesOf(ctx context.Context, c *fake.Clientset, svc string) []discoveryv1.EndpointSlice {
	l, err := c.DiscoveryV1().EndpointSlices("ns").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
	if err != nil {
		return nil
	}
	return l.Items
}

// eventually polls cond; the deadline only bounds a broken controller, the
// assertion is the condition itself.
