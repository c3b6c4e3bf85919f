package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestProvisionedVolumeOfTheDefaultClass: a claim that names no class gets
// the default local-path class, a volume is provisioned under the data
// directory and bound with Kubernetes' annotations; a pod writes a file
// through it that a later pod reads (while the data directory itself stays
// hidden from it); deleting the claim deletes the volume and its directory.
func TestProvisionedVolumeOfTheDefaultClass(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	ctx := context.Background()
	if out := c.Run("get", "storageclass"); !strings.Contains(out, "local-path (default)") || !strings.Contains(out, "ordo.dev/local-path") {
		t.Fatalf("default StorageClass missing:\n%s", out)
	}
	c.RunIn(`apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: shared
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
`+claimPod("writer", "shared", "/data", "echo kept > /data/note"), "apply", "-f", "-")
	claim := waitClaim(t, cs, "shared", corev1.ClaimBound)
	if claim.Spec.StorageClassName == nil || *claim.Spec.StorageClassName != "local-path" {
		t.Errorf("storageClassName = %v, want the default local-path", claim.Spec.StorageClassName)
	}
	for _, k := range []string{"pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller"} {
		if claim.Annotations[k] != "yes" {
			t.Errorf("claim annotation %s = %q, want yes", k, claim.Annotations[k])
		}
	}
	if got := claim.Annotations["volume.kubernetes.io/storage-provisioner"]; got != "ordo.dev/local-path" {
		t.Errorf("storage-provisioner annotation %q", got)
	}
	pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, claim.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(c.DataDir, "volumes", "pvc-"+string(claim.UID))
	if pv.Name != "pvc-"+string(claim.UID) || pv.Status.Phase != corev1.VolumeBound || pv.Spec.HostPath == nil || pv.Spec.HostPath.Path != dir ||
		pv.Annotations["pv.kubernetes.io/provisioned-by"] != "ordo.dev/local-path" || pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete ||
		pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.UID != claim.UID {
		t.Fatalf("provisioned volume: %+v %+v", pv.ObjectMeta, pv.Spec)
	}
	if size := claim.Status.Capacity[corev1.ResourceStorage]; size.String() != "1Gi" {
		t.Errorf("claim capacity %s", size.String())
	}
	waitEvent(t, cs, "shared", "ProvisioningSucceeded", "Successfully provisioned volume "+pv.Name)

	waitPhase(t, cs, "writer", corev1.PodSucceeded)
	if got, err := os.ReadFile(filepath.Join(dir, "note")); err != nil || string(got) != "kept\n" {
		t.Fatalf("file in the volume directory: %q, %v", got, err)
	}
	c.RunIn(claimPod("reader", "shared", "/data", "cat /data/note && if ls "+dir+" >/dev/null 2>&1; then echo data dir visible; exit 1; fi"), "apply", "-f", "-")
	waitPhase(t, cs, "reader", corev1.PodSucceeded)
	if out := c.Run("logs", "reader"); strings.TrimSpace(out) != "kept" {
		t.Fatalf("reader saw %q, want the writer's file", out)
	}

	c.Run("delete", "pod", "writer", "reader")
	c.Run("delete", "pvc", "shared")
	waitFor(t, func() bool {
		_, err := cs.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, "the provisioned volume is deleted with its claim (reclaim policy Delete)")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("volume directory %s still there: %v", dir, err)
	}
}

// TestClaimOfMissingClassWaits: seed 004's claim names a class nobody
// created: it stays Pending with Kubernetes' ProvisioningFailed event, and
// is provisioned once the class is created with ordo's provisioner.
func TestClaimOfMissingClassWaits(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: mysql-backup-data
spec:
  accessModes: [ReadWriteMany]
  storageClassName: nfs-csi
  resources: {requests: {storage: 10Gi}}
`, "apply", "-f", "-")
	waitEvent(t, cs, "mysql-backup-data", "ProvisioningFailed", `storageclass.storage.k8s.io "nfs-csi" not found`)
	claim, err := cs.CoreV1().PersistentVolumeClaims("default").Get(context.Background(), "mysql-backup-data", metav1.GetOptions{})
	if err != nil || claim.Status.Phase != corev1.ClaimPending || claim.Spec.VolumeName != "" {
		t.Fatalf("claim %+v, %v: want Pending and unbound", claim.Status, err)
	}
	c.RunIn(`apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: nfs-csi
provisioner: ordo.dev/local-path
reclaimPolicy: Retain
`, "apply", "-f", "-")
	claim = waitClaim(t, cs, "mysql-backup-data", corev1.ClaimBound)
	if got := claim.Status.AccessModes; len(got) != 1 || got[0] != corev1.ReadWriteMany {
		t.Errorf("access modes %v", got)
	}
	c.Run("delete", "pvc", "mysql-backup-data")
	waitFor(t, func() bool {
		pv, err := cs.CoreV1().PersistentVolumes().Get(context.Background(), claim.Spec.VolumeName, metav1.GetOptions{})
		return err == nil && pv.Status.Phase == corev1.VolumeReleased
	}, "a Retain volume is Released, not deleted, when its claim goes")
	if _, err := os.Stat(filepath.Join(c.DataDir, "volumes", claim.Spec.VolumeName)); err != nil {
		t.Errorf("Retain volume's directory: %v", err)
	}
}

func waitClaim(t *testing.T, cs kubernetes.Interface, name string, phase corev1.PersistentVolumeClaimPhase) *corev1.PersistentVolumeClaim {
	t.Helper()
	var claim *corev1.PersistentVolumeClaim
	waitFor(t, func() bool {
		got, err := cs.CoreV1().PersistentVolumeClaims("default").Get(context.Background(), name, metav1.GetOptions{})
		claim = got
		return err == nil && got.Status.Phase == phase
	}, "claim "+name+" "+string(phase))
	return claim
}

// waitEvent waits for an event with reason on the object named name whose
// message contains msg.
func waitEvent(t *testing.T, cs kubernetes.Interface, name, reason, msg string) {
	t.Helper()
	waitFor(t, func() bool {
		evs, err := cs.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=" + name + ",reason=" + reason})
		if err != nil {
			return false
		}
		for _, e := range evs.Items {
			if strings.Contains(e.Message, msg) {
				return true
			}
		}
		return false
	}, reason+" event on "+name)
}
