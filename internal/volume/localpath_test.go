package volume

import (
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"

	"github.com/ordo-dev/ordo/internal/storageclass"
)

// A local-path volume's directory is made on the node at its first mount,
// writable by anyone; a volume whose path is not root/<name> is left alone.
func TestMakeLocalPathDir(t *testing.T) {
	root := t.TempDir()
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "pvc-u1", Annotations: map[string]string{volumehelpers.AnnDynamicallyProvisioned: storageclass.LocalPath}},
		Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: filepath.Join(root, "pvc-u1")}}},
	}
	m := New(Config{LocalVolumes: root})
	if err := m.makeLocalPathDir(pv); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(root, "pvc-u1"))
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o777 {
		t.Fatalf("directory %v, %v", st, err)
	}
	elsewhere := pv.DeepCopy()
	elsewhere.Name, elsewhere.Spec.HostPath.Path = "pvc-u2", filepath.Join(t.TempDir(), "x")
	if err := m.makeLocalPathDir(elsewhere); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(elsewhere.Spec.HostPath.Path); !os.IsNotExist(err) {
		t.Errorf("made a directory outside the node's volumes: %v", err)
	}
}
