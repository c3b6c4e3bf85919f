package registry

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// TestDaemonSetTemplateGeneration: 1 on create, one more per template
// change, and a client cannot move it.
func TestDaemonSetTemplateGeneration(t *testing.T) {
	ds := &appsv1.DaemonSet{}
	daemonSetHooks.PrepareForCreate(context.Background(), ds)
	if got := ds.Annotations[TemplateGenerationAnnotation]; got != "1" {
		t.Fatalf("on create: %q", got)
	}
	upd := ds.DeepCopy()
	upd.Spec.MinReadySeconds = 5
	upd.Annotations[TemplateGenerationAnnotation] = "7"
	daemonSetHooks.PrepareForUpdate(upd, ds)
	if got := upd.Annotations[TemplateGenerationAnnotation]; got != "1" {
		t.Fatalf("after a spec change outside the template: %q", got)
	}
	tmpl := upd.DeepCopy()
	tmpl.Spec.Template.Labels = map[string]string{"v": "2"}
	daemonSetHooks.PrepareForUpdate(tmpl, upd)
	if got := tmpl.Annotations[TemplateGenerationAnnotation]; got != "2" {
		t.Fatalf("after a template change: %q", got)
	}
}
