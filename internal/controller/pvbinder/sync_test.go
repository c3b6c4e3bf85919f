package pvbinder

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	volumehelpers "k8s.io/component-helpers/storage/volume"
	clocktesting "k8s.io/utils/clock/testing"
)

var anchor = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newController builds a controller whose caches hold cached and whose
// fake API server holds live.
func newController(t *testing.T, cached []runtime.Object, live ...runtime.Object) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset(live...)
	f := informers.NewSharedInformerFactory(client, 0)
	ctl, err := New(Config{Client: client, Informers: f, Clock: clocktesting.NewFakeClock(anchor)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range cached {
		var err error
		switch o := o.(type) {
		case *corev1.PersistentVolumeClaim:
			err = f.Core().V1().PersistentVolumeClaims().Informer().GetIndexer().Add(o)
		case *corev1.PersistentVolume:
			err = f.Core().V1().PersistentVolumes().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return ctl, client
}

func actions(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		s := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			s += "/" + a.GetSubresource()
		}
		out = append(out, s)
	}
	return out
}

// A bind writes both sides in Kubernetes' order, with Kubernetes'
// annotations, and the claim reports the volume's capacity.
func TestSyncClaimBindsBothSides(t *testing.T) {
	claim, volume := testClaim(), testVolume("free", "5Gi")
	ctl, client := newController(t, []runtime.Object{claim, volume}, claim, volume)
	if _, err := ctl.syncClaim(context.Background(), "default/data"); err != nil {
		t.Fatal(err)
	}
	want := []string{"update persistentvolumes", "update persistentvolumes/status", "update persistentvolumeclaims", "update persistentvolumeclaims/status"}
	if got := actions(client); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("actions %v, want %v", got, want)
	}
	ctx := context.Background()
	v, _ := client.CoreV1().PersistentVolumes().Get(ctx, "free", metav1.GetOptions{})
	c, _ := client.CoreV1().PersistentVolumeClaims("default").Get(ctx, "data", metav1.GetOptions{})
	if ref := v.Spec.ClaimRef; ref == nil || ref.Name != "data" || ref.UID != "claim-uid" || ref.Kind != "PersistentVolumeClaim" ||
		v.Annotations[volumehelpers.AnnBoundByController] != "yes" || v.Status.Phase != corev1.VolumeBound ||
		v.Status.LastPhaseTransitionTime == nil || !v.Status.LastPhaseTransitionTime.Time.Equal(anchor) {
		t.Errorf("volume %+v %+v %v", v.Spec.ClaimRef, v.Status, v.Annotations)
	}
	size := c.Status.Capacity[corev1.ResourceStorage]
	if c.Spec.VolumeName != "free" || c.Annotations[volumehelpers.AnnBindCompleted] != "yes" || c.Annotations[volumehelpers.AnnBoundByController] != "yes" ||
		c.Status.Phase != corev1.ClaimBound || size.String() != "5Gi" || len(c.Status.AccessModes) != 1 {
		t.Errorf("claim %v %v %+v", c.Spec.VolumeName, c.Annotations, c.Status)
	}
}

// A provisioner's volume names the claim already: the volume is not
// marked bound-by-controller, the claim is.
func TestSyncClaimBindsProvisionedVolume(t *testing.T) {
	claim := testClaim(class("local-path"))
	volume := testVolume("pvc-claim-uid", "1Gi", volClass("local-path"), claimRef("default", "data", "claim-uid"), phase(corev1.VolumePending))
	ctl, client := newController(t, []runtime.Object{claim, volume}, claim, volume)
	if _, err := ctl.syncClaim(context.Background(), "default/data"); err != nil {
		t.Fatal(err)
	}
	if got := actions(client); len(got) != 3 || got[0] != "update persistentvolumes/status" {
		t.Fatalf("actions %v: no claimRef write, then status, claim, claim status", got)
	}
	v, _ := client.CoreV1().PersistentVolumes().Get(context.Background(), "pvc-claim-uid", metav1.GetOptions{})
	if _, ok := v.Annotations[volumehelpers.AnnBoundByController]; ok || v.Status.Phase != corev1.VolumeBound {
		t.Errorf("volume %v %v", v.Annotations, v.Status.Phase)
	}
}

// The cache has not seen the claim yet, the API server has: the volume is
// not taken for released (which could delete its data).
func TestSyncVolumeChecksTheAPIBeforeReleasing(t *testing.T) {
	claim := testClaim(class("local-path"))
	volume := testVolume("pvc-claim-uid", "1Gi", claimRef("default", "data", "claim-uid"), phase(corev1.VolumeBound),
		reclaim(corev1.PersistentVolumeReclaimDelete), volAnnotated(volumehelpers.AnnDynamicallyProvisioned, "ordo.dev/local-path"))
	ctl, client := newController(t, []runtime.Object{volume}, claim, volume)
	if _, err := ctl.syncVolume(context.Background(), volume.Name); err != nil {
		t.Fatal(err)
	}
	if got := actions(client); len(got) != 1 || got[0] != "get persistentvolumeclaims" {
		t.Fatalf("actions %v: one read of the claim, no write", got)
	}
	if ctl.claimQueue.Len() != 1 {
		t.Errorf("claim not queued to finish the bind")
	}

	ctl, client = newController(t, []runtime.Object{volume}, volume)
	if _, err := ctl.syncVolume(context.Background(), volume.Name); err != nil {
		t.Fatal(err)
	}
	v, _ := client.CoreV1().PersistentVolumes().Get(context.Background(), volume.Name, metav1.GetOptions{})
	if v.Status.Phase != corev1.VolumeReleased {
		t.Errorf("claim gone from the API too: phase %q, want Released", v.Status.Phase)
	}
}
