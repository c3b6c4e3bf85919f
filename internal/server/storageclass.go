package server

import (
	"context"
	"fmt"

	"github.com/ordo-dev/ordo/internal/storageclass"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// defaultStorageClassName names the class bootstrap creates, as k3s names
// its own local-path class, so manifests written for k3s carry over.
const defaultStorageClassName = "local-path"

// ensureDefaultStorageClass creates the local-path class, marked default,
// if it does not exist. An existing one is left as the user made it
// (unmarked as default, say); a deleted one comes back at the next start.
//
// Its binding mode is Immediate: a claim is bound as soon as it is created,
// so `kubectl get pvc` shows Bound at once and a pod never waits on its own
// claim. WaitForFirstConsumer exists to put a volume on the node the pod is
// scheduled to, but ordo's provisioner makes its directories on the
// server's machine whatever the mode (see localprovisioner), so waiting
// would buy nothing. Reclaim policy Delete, as for every dynamically
// provisioned class: deleting the claim deletes its data.
func ensureDefaultStorageClass(ctx context.Context, c kubernetes.Interface) error {
	sc := &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        defaultStorageClassName,
			Annotations: map[string]string{storageclass.IsDefaultAnnotation: "true"},
		},
		Provisioner:       storageclass.LocalPath,
		ReclaimPolicy:     ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate),
	}
	_, err := c.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create storage class %s: %w", sc.Name, err)
	}
	return nil
}
