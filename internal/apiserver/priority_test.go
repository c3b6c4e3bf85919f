package apiserver

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

func priorityClass(name string, value int32, def bool, policy corev1.PreemptionPolicy) *schedulingv1.PriorityClass {
	return &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value, GlobalDefault: def, PreemptionPolicy: &policy}
}

// startPriority runs the plugin over the given classes; late is known to
// the API but not (yet) to the cache.
func startPriority(t *testing.T, late *schedulingv1.PriorityClass, classes ...runtime.Object) *priorityAdmission {
	t.Helper()
	f := informers.NewSharedInformerFactory(fake.NewClientset(classes...), 0)
	p := newPriorityAdmission(f, fake.NewClientset(append(classes, late)...))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	return p
}

func podAttrs(pod, old *corev1.Pod, op admission.Operation) admission.Attributes {
	return admission.NewAttributesRecord(pod, old, corev1.SchemeGroupVersion.WithKind("Pod"), "default", pod.Name,
		corev1.SchemeGroupVersion.WithResource("pods"), "", op, &metav1.CreateOptions{}, false, nil)
}

func TestPriorityAdmissionPods(t *testing.T) {
	classes := []runtime.Object{priorityClass("high", 1000, false, corev1.PreemptNever),
		priorityClass("default-low", 5, true, corev1.PreemptLowerPriority)}
	p := startPriority(t, priorityClass("fresh", 7, false, corev1.PreemptLowerPriority), classes...)
	for _, tc := range []struct {
		name, class     string
		priority        *int32
		policy          *corev1.PreemptionPolicy
		wantClass       string
		wantPriority    int32
		wantPolicy      corev1.PreemptionPolicy
		wantErrContains string
	}{
		{name: "class resolves", class: "high", wantClass: "high", wantPriority: 1000, wantPolicy: corev1.PreemptNever},
		{name: "no class gets the global default", wantClass: "default-low", wantPriority: 5, wantPolicy: corev1.PreemptLowerPriority},
		{name: "a class the cache has not seen yet", class: "fresh", wantClass: "fresh", wantPriority: 7, wantPolicy: corev1.PreemptLowerPriority},
		{name: "the same priority is accepted", class: "high", priority: ptr.To[int32](1000), wantClass: "high", wantPriority: 1000, wantPolicy: corev1.PreemptNever},
		{name: "unknown class", class: "nope", wantErrContains: "no PriorityClass with name nope was found"},
		{name: "a different priority", class: "high", priority: ptr.To[int32](3),
			wantErrContains: "the integer value of priority (3) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name"},
		{name: "a different policy", class: "high", policy: ptr.To(corev1.PreemptLowerPriority),
			wantErrContains: "the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"},
				Spec: corev1.PodSpec{PriorityClassName: tc.class, Priority: tc.priority, PreemptionPolicy: tc.policy}}
			err := p.Admit(context.Background(), podAttrs(pod, nil, admission.Create), nil)
			if tc.wantErrContains != "" {
				if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tc.wantErrContains) {
					t.Fatalf("got %v, want Forbidden with %q", err, tc.wantErrContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := pod.Spec
			if s.PriorityClassName != tc.wantClass || ptr.Deref(s.Priority, -1) != tc.wantPriority || ptr.Deref(s.PreemptionPolicy, "") != tc.wantPolicy {
				t.Errorf("got class %q priority %v policy %v", s.PriorityClassName, ptr.Deref(s.Priority, -1), ptr.Deref(s.PreemptionPolicy, ""))
			}
		})
	}

	old := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"},
		Spec: corev1.PodSpec{Priority: ptr.To[int32](1000), PreemptionPolicy: ptr.To(corev1.PreemptNever)}}
	upd := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}
	if err := p.Admit(context.Background(), podAttrs(upd, old, admission.Update), nil); err != nil {
		t.Fatal(err)
	}
	if ptr.Deref(upd.Spec.Priority, 0) != 1000 || ptr.Deref(upd.Spec.PreemptionPolicy, "") != corev1.PreemptNever {
		t.Errorf("update lost the admitted priority: %+v", upd.Spec)
	}
}

func TestPriorityAdmissionNoClasses(t *testing.T) {
	p := startPriority(t, priorityClass("unused", 1, false, corev1.PreemptNever))
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}
	if err := p.Admit(context.Background(), podAttrs(pod, nil, admission.Create), nil); err != nil {
		t.Fatal(err)
	}
	if pod.Spec.PriorityClassName != "" || ptr.Deref(pod.Spec.Priority, -1) != 0 || ptr.Deref(pod.Spec.PreemptionPolicy, "") != corev1.PreemptLowerPriority {
		t.Errorf("got %+v", pod.Spec)
	}
}

func TestPriorityAdmissionOneGlobalDefault(t *testing.T) {
	p := startPriority(t, priorityClass("unused", 1, false, corev1.PreemptNever), priorityClass("base", 10, true, corev1.PreemptLowerPriority))
	check := func(pc *schedulingv1.PriorityClass, op admission.Operation, wantErr string) {
		t.Helper()
		attrs := admission.NewAttributesRecord(pc, pc.DeepCopy(), schedulingv1.SchemeGroupVersion.WithKind("PriorityClass"), "", pc.Name,
			schedulingv1.SchemeGroupVersion.WithResource("priorityclasses"), "", op, &metav1.CreateOptions{}, false, nil)
		err := p.Validate(context.Background(), attrs, nil)
		if wantErr == "" && err != nil || wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("%s %s: got %v, want %q", op, pc.Name, err, wantErr)
		}
	}
	check(priorityClass("second", 20, true, corev1.PreemptLowerPriority), admission.Create, "PriorityClass base is marked as default. Only one default can exist")
	check(priorityClass("other", 20, true, corev1.PreemptLowerPriority), admission.Update, "PriorityClass base is marked as default. Only one default can exist")
	check(priorityClass("base", 10, true, corev1.PreemptLowerPriority), admission.Update, "")
	check(priorityClass("plain", 20, false, corev1.PreemptLowerPriority), admission.Create, "")
}
