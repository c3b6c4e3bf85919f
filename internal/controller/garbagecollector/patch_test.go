package garbagecollector

import (
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestRemoveOwnerRefsPatch(t *testing.T) {
	m := cm("d", ownerRef("a", false), ownerRef("b", true))
	p, ok, err := removeOwnerRefsPatch(m, []types.UID{"a"})
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	want := `{"metadata":{"uid":"d","resourceVersion":"1","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"cm-b","uid":"b","blockOwnerDeletion":true}]}}`
	if string(p) != want {
		t.Errorf("patch\n got %s\nwant %s", p, want)
	}
	if _, ok, _ := removeOwnerRefsPatch(m, []types.UID{"zzz"}); ok {
		t.Error("no matching reference: want no patch")
	}
}

func TestRemoveLastOwnerRefSendsEmptyList(t *testing.T) {
	p, _, _ := removeOwnerRefsPatch(cm("d", ownerRef("a", false)), []types.UID{"a"})
	want := `{"metadata":{"uid":"d","resourceVersion":"1","ownerReferences":[]}}`
	if string(p) != want {
		t.Errorf("got %s", p)
	}
}

func TestUnblockOwnerRefsPatch(t *testing.T) {
	m := cm("d", ownerRef("a", true), ownerRef("b", true))
	p, ok, _ := unblockOwnerRefsPatch(m, []types.UID{"a"})
	want := `{"metadata":{"uid":"d","resourceVersion":"1","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"cm-a","uid":"a","blockOwnerDeletion":false},{"apiVersion":"v1","kind":"ConfigMap","name":"cm-b","uid":"b","blockOwnerDeletion":true}]}}`
	if !ok || string(p) != want {
		t.Errorf("got %s", p)
	}
	if _, ok, _ := unblockOwnerRefsPatch(cm("d", ownerRef("a", false)), []types.UID{"a"}); ok {
		t.Error("already unblocked: want no patch")
	}
}

func TestRemoveFinalizerPatch(t *testing.T) {
	m := deleting(cm("o"), "x", finalizerOrphan)
	p, ok, _ := removeFinalizerPatch(m, finalizerOrphan)
	want := `{"metadata":{"uid":"o","resourceVersion":"1","finalizers":["x"]}}`
	if !ok || string(p) != want {
		t.Errorf("got %s", p)
	}
	if _, ok, _ := removeFinalizerPatch(m, "absent"); ok {
		t.Error("absent finalizer: want no patch")
	}
}
