package job

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

type fixture struct {
	ctl      *Controller
	client   *fake.Clientset
	recorder *record.FakeRecorder
	clock    *clocktesting.FakeClock
	made     *madePods
}

// madePods are the pods the fake API server created, named.
type madePods struct {
	mu   sync.Mutex
	pods []*corev1.Pod
}

// newFixture serves objs from the fake client and puts them in the
// informer caches directly, so sync can be called without Run. The fake
// API server names pods from generateName, as the real one does.
func newFixture(t *testing.T, objs ...runtime.Object) fixture {
	t.Helper()
	client := fake.NewClientset(objs...)
	made := &madePods{}
	client.PrependReactor("create", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
		p := a.(clienttesting.CreateAction).GetObject().(*corev1.Pod)
		made.mu.Lock()
		defer made.mu.Unlock()
		if p.Name == "" {
			p.Name = fmt.Sprintf("%s%05d", p.GenerateName, len(made.pods)+1)
		}
		p.UID = types.UID("uid-" + p.Name)
		made.pods = append(made.pods, p.DeepCopy())
		return false, nil, nil
	})
	clock := clocktesting.NewFakeClock(anchor)
	ctl, err := New(Config{Client: client, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	rec := record.NewFakeRecorder(100)
	ctl.recorder = rec
	f := fixture{ctl: ctl, client: client, recorder: rec, clock: clock, made: made}
	for _, o := range objs {
		f.cache(t, o)
	}
	client.ClearActions()
	return f
}

func (f fixture) cache(t *testing.T, o runtime.Object) {
	t.Helper()
	inf := f.ctl.pods
	if _, ok := o.(*batchv1.Job); ok {
		inf = f.ctl.jobs
	}
	if err := inf.GetIndexer().Update(o); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) sync(t *testing.T) *time.Duration {
	t.Helper()
	after, err := f.ctl.sync(context.Background(), "default/j")
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return after
}

// actions lists "verb resource[/subresource] name" of the API calls.
func (f fixture) actions() []string {
	var out []string
	for _, a := range f.client.Actions() {
		if a.GetVerb() == "list" || a.GetVerb() == "watch" {
			continue
		}
		res := a.GetResource().Resource
		if a.GetSubresource() != "" {
			res += "/" + a.GetSubresource()
		}
		name := ""
		switch a := a.(type) {
		case clienttesting.PatchAction:
			name = a.GetName()
		case clienttesting.DeleteAction:
			name = a.GetName()
		case clienttesting.GetAction:
			name = a.GetName()
		case clienttesting.CreateAction: // and updates
			name = a.GetObject().(metav1.Object).GetName()
			if a.GetVerb() == "create" {
				name = a.GetObject().(metav1.Object).GetGenerateName()
			}
		}
		out = append(out, a.GetVerb()+" "+res+" "+name)
	}
	return out
}

// created lists the pods created since the last ClearActions, in order.
func (f fixture) created() []*corev1.Pod {
	n := 0
	for _, a := range f.client.Actions() {
		if a.GetVerb() == "create" && a.GetResource().Resource == "pods" {
			n++
		}
	}
	f.made.mu.Lock()
	defer f.made.mu.Unlock()
	out := f.made.pods[len(f.made.pods)-n:]
	slices.SortFunc(out, func(a, b *corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (f fixture) writtenStatus(t *testing.T) *batchv1.Job {
	t.Helper()
	var job *batchv1.Job
	for _, a := range f.client.Actions() {
		if u, ok := a.(clienttesting.UpdateAction); ok && a.GetSubresource() == "status" {
			if job != nil {
				t.Fatal("more than one status write in a sync")
			}
			job = u.GetObject().(*batchv1.Job)
		}
	}
	return job
}

func (f fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}
