package localprovisioner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// Provisioning makes a writable directory and the volume; a Released
// volume loses both again.
func TestProvisionThenDelete(t *testing.T) {
	dir := t.TempDir()
	claim, class := testClaim(), testClass()
	client := fake.NewClientset(claim, class)
	f := informers.NewSharedInformerFactory(client, 0)
	ctl, err := New(Config{Client: client, Informers: f, Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	must(t, f.Core().V1().PersistentVolumeClaims().Informer().GetIndexer().Add(claim))
	must(t, f.Storage().V1().StorageClasses().Informer().GetIndexer().Add(class))
	ctx := context.Background()
	if _, err := ctl.syncClaim(ctx, "default/data"); err != nil {
		t.Fatal(err)
	}
	v, err := client.CoreV1().PersistentVolumes().Get(ctx, "pvc-u1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "pvc-u1"))
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o777 || v.Spec.HostPath.Path != filepath.Join(dir, "pvc-u1") {
		t.Fatalf("directory %v %v, volume path %s", st, err, v.Spec.HostPath.Path)
	}

	v.Status.Phase = corev1.VolumeReleased
	must(t, f.Core().V1().PersistentVolumes().Informer().GetIndexer().Add(v))
	if _, err := ctl.syncVolume(ctx, v.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pvc-u1")); !os.IsNotExist(err) {
		t.Errorf("directory still there: %v", err)
	}
	if _, err := client.CoreV1().PersistentVolumes().Get(ctx, "pvc-u1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("volume still there: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
