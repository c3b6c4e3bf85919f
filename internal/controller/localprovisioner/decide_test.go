package localprovisioner

import (
	"testing"

	"github.com/ordo-dev/ordo/internal/storageclass"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"
	"k8s.io/utils/ptr"
)

const root = "/var/lib/ordo/volumes"

func testClaim(mut ...func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "default", UID: "u1", ResourceVersion: "9", Annotations: map[string]string{
			volumehelpers.AnnStorageProvisioner: storageclass.LocalPath, volumehelpers.AnnBetaStorageProvisioner: storageclass.LocalPath,
		}},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}},
			StorageClassName: ptr.To("local-path"),
			VolumeMode:       ptr.To(corev1.PersistentVolumeFilesystem),
		},
	}
	for _, m := range mut {
		m(c)
	}
	return c
}

func testClass(mut ...func(*storagev1.StorageClass)) *storagev1.StorageClass {
	sc := &storagev1.StorageClass{
		ObjectMeta:        metav1.ObjectMeta{Name: "local-path"},
		Provisioner:       storageclass.LocalPath,
		ReclaimPolicy:     ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate),
	}
	for _, m := range mut {
		m(sc)
	}
	return sc
}

func TestDecideProvision(t *testing.T) {
	wffc := func(sc *storagev1.StorageClass) {
		sc.VolumeBindingMode = ptr.To(storagev1.VolumeBindingWaitForFirstConsumer)
	}
	for _, tc := range []struct {
		name    string
		claim   *corev1.PersistentVolumeClaim
		class   *storagev1.StorageClass
		exists  bool
		make    bool
		failure string
	}{
		{name: "provisions", claim: testClaim(), class: testClass(), make: true},
		{name: "not marked for us", claim: testClaim(func(c *corev1.PersistentVolumeClaim) { c.Annotations = nil }), class: testClass()},
		{name: "marked for someone else", claim: testClaim(func(c *corev1.PersistentVolumeClaim) {
			c.Annotations = map[string]string{volumehelpers.AnnStorageProvisioner: "nfs.csi.k8s.io"}
		}), class: testClass()},
		{name: "class of another provisioner", claim: testClaim(), class: testClass(func(sc *storagev1.StorageClass) { sc.Provisioner = "nfs.csi.k8s.io" })},
		{name: "class gone", claim: testClaim()},
		{name: "already bound", claim: testClaim(func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeName = "pv1" }), class: testClass()},
		{name: "volume exists", claim: testClaim(), class: testClass(), exists: true},
		{name: "being deleted", claim: testClaim(func(c *corev1.PersistentVolumeClaim) { c.DeletionTimestamp = &metav1.Time{} }), class: testClass()},
		{name: "waits for a node", claim: testClaim(), class: testClass(wffc)},
		{name: "node selected", claim: testClaim(func(c *corev1.PersistentVolumeClaim) { c.Annotations[volumehelpers.AnnSelectedNode] = "n1" }), class: testClass(wffc), make: true},
		{name: "block refused", claim: testClaim(func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeBlock) }), class: testClass(),
			failure: `failed to provision volume with StorageClass "local-path": ordo.dev/local-path provisions only Filesystem volumes`},
		{name: "selector refused", claim: testClaim(func(c *corev1.PersistentVolumeClaim) { c.Spec.Selector = &metav1.LabelSelector{} }), class: testClass(),
			failure: `failed to provision volume with StorageClass "local-path": claim Selector is not supported`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := decideProvision(provisionInput{claim: tc.claim, class: tc.class, exists: tc.exists, self: "n1", root: root})
			if (p.volume != nil) != tc.make || p.failure != tc.failure {
				t.Errorf("plan volume %v failure %q, want volume %v failure %q", p.volume != nil, p.failure, tc.make, tc.failure)
			}
		})
	}
}

func TestNewVolume(t *testing.T) {
	retain := testClass(func(sc *storagev1.StorageClass) {
		sc.ReclaimPolicy = ptr.To(corev1.PersistentVolumeReclaimRetain)
		sc.MountOptions = []string{"noatime"}
	})
	p := decideProvision(provisionInput{claim: testClaim(), class: retain, root: root})
	v := p.volume
	size := v.Spec.Capacity[corev1.ResourceStorage]
	ref := v.Spec.ClaimRef
	if v.Name != "pvc-u1" || p.dir != root+"/pvc-u1" || v.Spec.HostPath.Path != p.dir || *v.Spec.HostPath.Type != corev1.HostPathDirectory ||
		v.Annotations[volumehelpers.AnnDynamicallyProvisioned] != storageclass.LocalPath ||
		v.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || v.Spec.StorageClassName != "local-path" ||
		size.String() != "10Gi" || len(v.Spec.AccessModes) != 1 || v.Spec.AccessModes[0] != corev1.ReadWriteMany ||
		len(v.Spec.MountOptions) != 1 || ref == nil || ref.Name != "data" || ref.Namespace != "default" || ref.UID != "u1" {
		t.Errorf("volume %+v", v)
	}
	if got := decideProvision(provisionInput{claim: testClaim(), class: testClass(func(sc *storagev1.StorageClass) { sc.ReclaimPolicy = nil }), root: root}).volume; got.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
		t.Errorf("class without a policy: %q, want Delete", got.Spec.PersistentVolumeReclaimPolicy)
	}
}

func TestDecideDelete(t *testing.T) {
	vol := func(mut ...func(*corev1.PersistentVolume)) *corev1.PersistentVolume {
		v := decideProvision(provisionInput{claim: testClaim(), class: testClass(), root: root}).volume
		v.Status.Phase = corev1.VolumeReleased
		for _, m := range mut {
			m(v)
		}
		return v
	}
	for _, tc := range []struct {
		name      string
		volume    *corev1.PersistentVolume
		dir, fail string
	}{
		{name: "released, Delete, ours", volume: vol(), dir: root + "/pvc-u1"},
		{name: "bound", volume: vol(func(v *corev1.PersistentVolume) { v.Status.Phase = corev1.VolumeBound })},
		{name: "Retain", volume: vol(func(v *corev1.PersistentVolume) {
			v.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
		})},
		{name: "someone else's", volume: vol(func(v *corev1.PersistentVolume) {
			v.Annotations[volumehelpers.AnnDynamicallyProvisioned] = "nfs.csi.k8s.io"
		})},
		{name: "not provisioned", volume: vol(func(v *corev1.PersistentVolume) { v.Annotations = nil })},
		{name: "pinned to a node: its agent deletes it", volume: vol(func(v *corev1.PersistentVolume) { v.Spec.NodeAffinity = storageclass.PinTo("n1") })},
		{name: "another server's directory", volume: vol(func(v *corev1.PersistentVolume) { v.Spec.HostPath.Path = "/srv/other/pvc-u1" }),
			fail: "volume directory is not " + root + "/pvc-u1, which this server made; delete it by hand"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := decideDelete(tc.volume, root)
			if p.dir != tc.dir || p.failure != tc.fail {
				t.Errorf("plan %+v, want dir %q failure %q", p, tc.dir, tc.fail)
			}
		})
	}
}

// The volume goes where the claim's pod was placed: the selected node's
// published directory, pinned to that node; this server makes the
// directory only when the node is its own.
func TestDecideProvisionPlacesOnTheSelectedNode(t *testing.T) {
	wffc := testClass(func(sc *storagev1.StorageClass) {
		sc.VolumeBindingMode = ptr.To(storagev1.VolumeBindingWaitForFirstConsumer)
	})
	selected := func(node string) *corev1.PersistentVolumeClaim {
		return testClaim(func(c *corev1.PersistentVolumeClaim) { c.Annotations[volumehelpers.AnnSelectedNode] = node })
	}
	for _, tc := range []struct {
		name    string
		in      provisionInput
		dir     string
		node    string
		mkdir   bool
		failure string
	}{
		{name: "another node", in: provisionInput{claim: selected("n2"), class: wffc, self: "n1", root: root, nodeRoot: "/srv/n2/volumes"},
			dir: "/srv/n2/volumes/pvc-u1", node: "n2"},
		{name: "this server's node", in: provisionInput{claim: selected("n1"), class: wffc, self: "n1", root: root, nodeRoot: "/elsewhere"},
			dir: root + "/pvc-u1", node: "n1", mkdir: true},
		{name: "node without a directory", in: provisionInput{claim: selected("n2"), class: wffc, self: "n1", root: root},
			failure: `failed to provision volume with StorageClass "local-path": node "n2" has not published its volume directory (annotation ordo.dev/local-path-dir); is its agent running?`},
		{name: "immediate: this server's node", in: provisionInput{claim: testClaim(), class: testClass(), self: "n1", root: root},
			dir: root + "/pvc-u1", node: "n1", mkdir: true},
		{name: "immediate, server without an agent: unpinned", in: provisionInput{claim: testClaim(), class: testClass(), root: root},
			dir: root + "/pvc-u1", mkdir: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := decideProvision(tc.in)
			if p.failure != tc.failure {
				t.Fatalf("failure %q, want %q", p.failure, tc.failure)
			}
			if tc.failure != "" {
				return
			}
			if p.dir != tc.dir || p.volume.Spec.HostPath.Path != tc.dir || p.mkdir != tc.mkdir || storageclass.PinnedNode(p.volume) != tc.node {
				t.Errorf("dir %q (volume %q) mkdir %v node %q, want %q %v %q", p.dir, p.volume.Spec.HostPath.Path, p.mkdir, storageclass.PinnedNode(p.volume), tc.dir, tc.mkdir, tc.node)
			}
			if (tc.node == "") != (p.volume.Spec.NodeAffinity == nil) {
				t.Errorf("node affinity %+v", p.volume.Spec.NodeAffinity)
			}
		})
	}
}
