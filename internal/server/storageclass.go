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
// Its binding mode is WaitForFirstConsumer, as k3s's local-path class: a
// volume is a directory on one node, so it is provisioned only once the
// scheduler has placed the claim's first pod and named that node in the
// claim's volume.kubernetes.io/selected-node; the volume is then pinned to
// the node by node affinity and its later pods follow it there. Until
// then `kubectl get pvc` shows Pending with the WaitForFirstConsumer event.
// Reclaim policy Delete, as for every dynamically provisioned class:
// deleting the claim deletes its data. A class made by an older ordo
// (Immediate) is left as it is: its volumes go on the provisioning
// server's own node (see localprovisioner).
func ensureDefaultStorageClass(ctx context.Context, c kubernetes.Interface) error {
	sc := &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        defaultStorageClassName,
			Annotations: map[string]string{storageclass.IsDefaultAnnotation: "true"},
		},
		Provisioner:       storageclass.LocalPath,
		ReclaimPolicy:     ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingWaitForFirstConsumer),
	}
	_, err := c.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create storage class %s: %w", sc.Name, err)
	}
	return nil
}

// ownNodeName is the node of this server's own agent, "" with --no-agent.
func ownNodeName(o Options, nodeName string) string {
	if o.NoAgent {
		return ""
	}
	return nodeName
}
