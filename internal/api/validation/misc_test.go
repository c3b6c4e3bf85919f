package validation

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func TestNamespace(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}
	expectErrs(t, Create(ns))
	expectErrs(t, Create(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team.a"}}), inv("metadata.name"))
	expectErrs(t, Create(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "b"}}), forbidden("metadata.namespace"))
	rv(&ns.ObjectMeta)
	st := ns.DeepCopy()
	st.Status.Phase = corev1.NamespaceTerminating
	expectErrs(t, StatusUpdate(st, ns), inv("status.phase"))
}

func TestNode(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}, Spec: corev1.NodeSpec{
		PodCIDRs: []string{"10.244.0.0/24"},
		Taints:   []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}},
	}}
	expectErrs(t, Create(n))
	bad := n.DeepCopy()
	bad.Spec.PodCIDRs = []string{"10.244.0.0/33"}
	bad.Spec.Taints = append(bad.Spec.Taints, corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule}, corev1.Taint{Key: "x", Effect: "Maybe"})
	expectErrs(t, Create(bad), inv("spec.podCIDRs[0]"), dup("spec.taints[1]"), notSup("spec.taints[2].effect"))
	rv(&n.ObjectMeta)
	upd := n.DeepCopy()
	upd.Spec.PodCIDRs = []string{"10.245.0.0/24"}
	expectErrs(t, Update(upd, n), forbidden("spec.podCIDRs"))
}

func validPVC() *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: objMeta("data"), Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   storageRequest("1Gi"),
		VolumeMode:  ptr.To(corev1.PersistentVolumeFilesystem),
	}}
}

func TestPersistentVolumeClaim(t *testing.T) {
	expectErrs(t, Create(validPVC()))
	bad := validPVC()
	bad.Spec.AccessModes = nil
	bad.Spec.Resources = corev1.VolumeResourceRequirements{}
	expectErrs(t, Create(bad), req("spec.accessModes"), req("spec.resources[storage]"))
	zero := validPVC()
	zero.Spec.Resources = storageRequest("0")
	zero.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{"ReadSometimes"}
	expectErrs(t, Create(zero), inv("spec.resources.requests[storage]"), notSup("spec.accessModes"))

	old := validPVC()
	rv(&old.ObjectMeta)
	bind := old.DeepCopy()
	bind.Spec.VolumeName = "pv-1"
	expectErrs(t, Update(bind, old))
	grow := old.DeepCopy()
	grow.Spec.Resources = storageRequest("2Gi")
	expectErrs(t, Update(grow, old), forbidden("spec")) // unbound claims cannot resize
	old.Status.Phase = corev1.ClaimBound
	expectErrs(t, Update(grow, old))
	shrink := old.DeepCopy()
	shrink.Spec.Resources = storageRequest("500Mi")
	expectErrs(t, Update(shrink, old), forbidden("spec.resources.requests[storage]"))
	modes := old.DeepCopy()
	modes.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	expectErrs(t, Update(modes, old), forbidden("spec"))
}

func TestPersistentVolume(t *testing.T) {
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv-1"}, Spec: corev1.PersistentVolumeSpec{
		Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
		AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
		PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/srv/pv1"}},
	}}
	expectErrs(t, Create(pv))
	bad := pv.DeepCopy()
	bad.Namespace = "default"
	bad.Spec.Capacity = nil
	bad.Spec.AccessModes = nil
	bad.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{}
	expectErrs(t, Create(bad), forbidden("metadata.namespace"), req("spec.capacity"), req("spec.accessModes"), req("spec"))
}

func TestStorageClass(t *testing.T) {
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, Provisioner: "ordo.dev/hostpath",
		ReclaimPolicy: ptr.To(corev1.PersistentVolumeReclaimDelete), VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate)}
	expectErrs(t, Create(sc))
	bad := sc.DeepCopy()
	bad.Provisioner = ""
	bad.ReclaimPolicy = ptr.To(corev1.PersistentVolumeReclaimRecycle)
	bad.Parameters = map[string]string{"": "x"}
	expectErrs(t, Create(bad), req("provisioner"), notSup("reclaimPolicy"), inv("parameters"))
	rv(&sc.ObjectMeta)
	upd := sc.DeepCopy()
	upd.Provisioner = "other.dev/x"
	upd.Parameters = map[string]string{"a": "b"}
	upd.AllowVolumeExpansion = ptr.To(true)
	expectErrs(t, Update(upd, sc), forbidden("provisioner"), forbidden("parameters"))
}

func TestEvents(t *testing.T) {
	ev := &corev1.Event{ObjectMeta: objMeta("web.1"), InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web"},
		Reason: "Started", Type: corev1.EventTypeNormal}
	expectErrs(t, Create(ev))
	other := ev.DeepCopy()
	other.InvolvedObject.Namespace = "kube-system"
	expectErrs(t, Create(other), inv("involvedObject.namespace"))
	node := ev.DeepCopy()
	node.InvolvedObject = corev1.ObjectReference{Kind: "Node", Name: "node-1"}
	expectErrs(t, Create(node))

	e2 := &eventsv1.Event{ObjectMeta: objMeta("web.2"), EventTime: metav1.NewMicroTime(time.Now()),
		ReportingController: "ordo.dev/scheduler", ReportingInstance: "ordo-1", Action: "Binding", Reason: "Scheduled",
		Regarding: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web"}, Type: corev1.EventTypeNormal}
	expectErrs(t, Create(e2))
	bad := &eventsv1.Event{ObjectMeta: objMeta("web.3"), Type: "Loud", DeprecatedCount: 2}
	expectErrs(t, Create(bad), req("reportingController"), req("reportingInstance"), req("action"), req("reason"),
		req("eventTime"), inv("type"), inv("deprecatedCount"))
	rv(&e2.ObjectMeta)
	upd := e2.DeepCopy()
	upd.Series = &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(time.Now())}
	expectErrs(t, Update(upd, e2))
	upd.Note = "changed"
	expectErrs(t, Update(upd, e2), inv("note"))
}

func TestLease(t *testing.T) {
	l := &coordinationv1.Lease{ObjectMeta: objMeta("leader"), Spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To[int32](15)}}
	expectErrs(t, Create(l))
	bad := l.DeepCopy()
	bad.Spec.LeaseDurationSeconds = ptr.To[int32](0)
	bad.Spec.LeaseTransitions = ptr.To[int32](-1)
	bad.Spec.PreferredHolder = ptr.To("x")
	expectErrs(t, Create(bad), inv("spec.leaseDurationSeconds"), inv("spec.leaseTransitions"), forbidden("spec.preferredHolder"))
	rv(&l.ObjectMeta)
	rv(&bad.ObjectMeta)
	expectErrs(t, Update(bad, l), inv("spec.leaseDurationSeconds"), inv("spec.leaseTransitions"), forbidden("spec.preferredHolder"))
}

func TestRBAC(t *testing.T) {
	role := &rbacv1.Role{ObjectMeta: objMeta("reader"), Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}}}
	expectErrs(t, Create(role))
	bad := role.DeepCopy()
	bad.Rules = append(bad.Rules, rbacv1.PolicyRule{}, rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}})
	expectErrs(t, Create(bad), req("rules[1].verbs"), req("rules[1].apiGroups"), req("rules[1].resources"), inv("rules[2].nonResourceURLs"))
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "system:health"}, Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}}}
	expectErrs(t, Create(cr))

	ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"}
	rb := &rbacv1.RoleBinding{ObjectMeta: objMeta("read"), RoleRef: ref, Subjects: []rbacv1.Subject{
		{Kind: rbacv1.ServiceAccountKind, Name: "default"},
		{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}}}
	expectErrs(t, Create(rb))
	badRB := rb.DeepCopy()
	badRB.RoleRef = rbacv1.RoleRef{APIGroup: "example.com", Kind: "Policy"}
	badRB.Subjects = append(badRB.Subjects, rbacv1.Subject{Kind: "Robot", Name: "r2"}, rbacv1.Subject{Kind: rbacv1.GroupKind, Name: "devs"})
	expectErrs(t, Create(badRB), notSup("roleRef.apiGroup"), notSup("roleRef.kind"), req("roleRef.name"),
		notSup("subjects[2].kind"), notSup("subjects[3].apiGroup"))
	rv(&rb.ObjectMeta)
	upd := rb.DeepCopy()
	upd.RoleRef.Name = "writer"
	errs := Update(upd, rb)
	expectErrs(t, errs, inv("roleRef"))
	expectDetail(t, errs, "roleRef", "cannot change roleRef")

	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "read-all"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default"}}}
	expectErrs(t, Create(crb), notSup("roleRef.kind"), req("subjects[0].namespace"))
}

func TestServiceAccount(t *testing.T) {
	sa := &corev1.ServiceAccount{ObjectMeta: objMeta("builder")}
	expectErrs(t, Create(sa))
	sa.ImagePullSecrets = []corev1.LocalObjectReference{{}}
	expectErrs(t, Create(sa), req("imagePullSecrets[0].name"))
}

func TestDispatch(t *testing.T) {
	if errs := Create(&metav1.Status{}); errs != nil {
		t.Fatalf("unknown kind: %v", errs)
	}
	if errs := StatusUpdate(&metav1.Status{}, &metav1.Status{}); errs != nil {
		t.Fatalf("unknown kind status: %v", errs)
	}
	old := validPod()
	rv(&old.ObjectMeta)
	expectErrs(t, Update(validPod(), &corev1.Secret{}), want{field.ErrorTypeInternal, "metadata"})
	// Kinds without status rules still get the metadata update rules.
	cm := &corev1.ConfigMap{ObjectMeta: objMeta("cfg")}
	rv(&cm.ObjectMeta)
	renamed := cm.DeepCopy()
	renamed.Name = "other"
	expectErrs(t, StatusUpdate(renamed, cm), inv("metadata.name"))
	// Updates must carry a resourceVersion, as in Kubernetes.
	noRV := old.DeepCopy()
	noRV.ResourceVersion = ""
	expectErrs(t, Update(noRV, old), inv("metadata.resourceVersion"))
}
