package server

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// On a restart every default object exists: bootstrap must find that out
// with a list per kind rather than a refused Create per object (about
// fifty round trips through the loopback before the ready line), and
// must still create the ones someone deleted.
func TestBootstrapRestartMakesNoCreatesAndRecreatesDeleted(t *testing.T) {
	c := fake.NewClientset()
	ctx := context.Background()
	ensure := func() {
		t.Helper()
		for _, f := range []func(context.Context, *fake.Clientset) error{
			func(ctx context.Context, c *fake.Clientset) error { return ensureBootstrapRBAC(ctx, c) },
			func(ctx context.Context, c *fake.Clientset) error { return ensureSystemPriorityClasses(ctx, c) },
			func(ctx context.Context, c *fake.Clientset) error { return ensureFlowControl(ctx, c) },
		} {
			if err := f(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	ensure()
	c.ClearActions()
	ensure()
	for _, a := range c.Actions() {
		if a.GetVerb() != "list" {
			t.Errorf("restart made a %s of %s; want lists only", a.GetVerb(), a.GetResource().Resource)
		}
	}
	if err := c.SchedulingV1().PriorityClasses().Delete(ctx, "system-node-critical", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.FlowcontrolV1().FlowSchemas().Delete(ctx, "exempt", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ensure()
	if _, err := c.SchedulingV1().PriorityClasses().Get(ctx, "system-node-critical", metav1.GetOptions{}); err != nil {
		t.Errorf("deleted PriorityClass not recreated: %v", err)
	}
	if _, err := c.FlowcontrolV1().FlowSchemas().Get(ctx, "exempt", metav1.GetOptions{}); err != nil {
		t.Errorf("deleted FlowSchema not recreated: %v", err)
	}
}
