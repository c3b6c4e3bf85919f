package serviceaccount

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// TestCachedGetterReadsNodesFromItsCache: a pod-bound token names its
// node, and tokens are issued per pod; the node comes from the informer
// cache, as kube-apiserver's getter reads it, and only a node the cache
// has not seen yet is read through the API.
func TestCachedGetterReadsNodesFromItsCache(t *testing.T) {
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	if err := indexer.Add(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "cached", UID: "u1"}}); err != nil {
		t.Fatal(err)
	}
	client := fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "new", UID: "u2"}})
	g := CachedGetter{Nodes: corelisters.NewNodeLister(indexer), Client: func() kubernetes.Interface { return client }}
	ctx := context.Background()
	if n, err := g.Node(ctx, "cached"); err != nil || n.UID != "u1" {
		t.Fatalf("cached node: %v, %v", n, err)
	}
	if len(client.Actions()) != 0 {
		t.Errorf("a cached node was read through the API: %v", client.Actions())
	}
	if n, err := g.Node(ctx, "new"); err != nil || n.UID != "u2" {
		t.Fatalf("a node the cache has not seen: %v, %v; want it from the API", n, err)
	}
}
