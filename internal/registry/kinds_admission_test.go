package registry

import (
	"context"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// TestWebhookConfigurationsGeneration: 1 at create, bumped when the
// webhooks change, kept on a metadata-only change, as in Kubernetes.
func TestWebhookConfigurationsGeneration(t *testing.T) {
	c := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	webhooksGeneration.PrepareForCreate(context.Background(), c)
	if c.Generation != 1 {
		t.Fatalf("generation at create = %d, want 1", c.Generation)
	}
	labelled := c.DeepCopy()
	labelled.Labels = map[string]string{"a": "b"}
	webhooksGeneration.PrepareForUpdate(labelled, c)
	if labelled.Generation != 1 {
		t.Errorf("generation after a label change = %d, want 1", labelled.Generation)
	}
	changed := c.DeepCopy()
	changed.Webhooks = []admissionregistrationv1.ValidatingWebhook{{Name: "a.b.c"}}
	webhooksGeneration.PrepareForUpdate(changed, c)
	if changed.Generation != 2 {
		t.Errorf("generation after a webhook change = %d, want 2", changed.Generation)
	}
}
