package e2e

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
)

const podYAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: web
    image: nginx:1.27
---
apiVersion: v1
kind: Pod
metadata:
  name: bound
spec:
  nodeName: node-a
  containers:
  - name: c
    image: busybox
`

func TestListPagingDeleteCollectionAndFieldSelectors(t *testing.T) {
	t.Parallel()
	// No agent, so no node: the pods stay unscheduled unless they name one.
	c := testcluster.StartT(t, "--no-agent")
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("default")
	for i := 0; i < 25; i++ {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("page-%02d", i), Labels: map[string]string{"set": "paging"}}}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	opts := metav1.ListOptions{LabelSelector: "set=paging", Limit: 10}
	for pages := 0; ; pages++ {
		list, err := cms.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) > 10 {
			t.Fatalf("page of %d items with limit 10", len(list.Items))
		}
		for _, cm := range list.Items {
			names = append(names, cm.Name)
		}
		if list.Continue == "" {
			if pages != 2 {
				t.Errorf("25 items in %d pages of 10, want 3", pages+1)
			}
			break
		}
		opts.Continue = list.Continue
	}
	if len(names) != 25 || names[0] != "page-00" || names[24] != "page-24" {
		t.Fatalf("paged list = %v", names)
	}
	if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "set=paging"}); err != nil {
		t.Fatal(err)
	}
	if list, _ := cms.List(ctx, metav1.ListOptions{LabelSelector: "set=paging"}); len(list.Items) != 0 {
		t.Fatalf("%d left after deletecollection", len(list.Items))
	}

	c.RunIn(podYAML, "apply", "-f", "-")
	unscheduled, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName="})
	if err != nil || len(unscheduled.Items) != 1 || unscheduled.Items[0].Name != "web" {
		t.Fatalf("spec.nodeName= selector: %v %v", err, unscheduled)
	}
	pending, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Pending,spec.nodeName=node-a"})
	if err != nil || len(pending.Items) != 1 || pending.Items[0].Name != "bound" {
		t.Fatalf("status.phase/spec.nodeName selector: %v %v", err, pending)
	}
	_, err = cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{FieldSelector: "spec.bogus=x"})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "field label not supported: spec.bogus") {
		t.Fatalf("unsupported field label: %v", err)
	}
	// A pod that was never scheduled goes at once; defaults are Kubernetes'.
	web, _ := cs.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if web.Spec.RestartPolicy != "Always" || web.Spec.ServiceAccountName != "default" || web.Status.QOSClass != "BestEffort" || web.Spec.Containers[0].ImagePullPolicy != "IfNotPresent" {
		t.Errorf("pod defaults: %+v %+v", web.Spec, web.Status)
	}
	c.Run("delete", "pod", "web", "--wait=false")
	if _, err := cs.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("unscheduled pod not deleted at once: %v", err)
	}
}

func TestGetAllDescribeEveryKindAndEvents(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	c.RunIn(cronJobYAML, "apply", "-f", "-")
	c.RunIn(podYAML, "apply", "-f", "-")
	c.Run("create", "job", "once", "--image=busybox", "--", "true")
	c.Run("create", "deployment", "d", "--image=nginx")
	c.Run("create", "service", "clusterip", "s", "--tcp=80:8080")
	c.Run("create", "secret", "generic", "sec", "--from-literal=k=v")
	c.Run("create", "serviceaccount", "robot")
	c.Run("create", "role", "r", "--verb=get", "--resource=pods")
	c.Run("create", "rolebinding", "rb", "--role=r", "--serviceaccount=default:robot")
	c.Run("create", "clusterrole", "cr", "--verb=get", "--resource=nodes")
	all := c.Run("get", "all")
	for _, want := range []string{"pod/web", "service/s", "cronjob.batch/backup", "job.batch/once", "deployment.apps/d"} {
		if !strings.Contains(all, want) {
			t.Errorf("kubectl get all lacks %s:\n%s", want, all)
		}
	}
	for _, obj := range []string{"cronjob/backup", "job/once", "pod/web", "deployment/d", "service/s", "secret/sec", "serviceaccount/robot",
		"role/r", "rolebinding/rb", "clusterrole/cr", "namespace/default", "endpoints/kubernetes"} {
		if out := c.Run("describe", obj); !strings.Contains(out, "Name:") {
			t.Errorf("describe %s: %s", obj, out)
		}
	}

	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cj, err := cs.BatchV1().CronJobs("default").Get(ctx, "backup", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "backup.17a9c3e2d1b0f5a4"},
		InvolvedObject: corev1.ObjectReference{Kind: "CronJob", Namespace: "default", Name: "backup", APIVersion: "batch/v1", UID: cj.UID},
		Reason:         "SawCompletedJob", Message: "Saw completed job: backup-1, status: Complete",
		Type: corev1.EventTypeNormal, Source: corev1.EventSource{Component: "cronjob-controller"},
		FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Count: 1,
	}
	if _, err := cs.CoreV1().Events("default").Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if out := c.Run("describe", "cronjob", "backup"); !strings.Contains(out, "SawCompletedJob") {
		t.Errorf("describe does not show the CronJob's event:\n%s", out)
	}
	// The CronJob controller records events of its own on backup (it fires
	// every 5 minutes), so select this one by name too.
	list, err := cs.EventsV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "regarding.name=backup,metadata.name=" + ev.Name})
	if err != nil || len(list.Items) != 1 || list.Items[0].Note != ev.Message || list.Items[0].ReportingController != "cronjob-controller" {
		t.Fatalf("events.k8s.io does not see the core event: %v %+v", err, list)
	}
}

func TestWatchFromCompactedVersionIs410AndInitialEventsEndWithBookmark(t *testing.T) {
	t.Parallel()
	// kube-apiserver's own flag: compact etcd history every second.
	c := testcluster.StartT(t, "--etcd-compaction-interval=1s")
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cms := cs.CoreV1().ConfigMaps("default")
	for i := 0; i < 5; i++ {
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("b", i)}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The compactor compacts to the revision it saw one interval earlier;
	// after a restart the watch cache starts at the current revision, so
	// revision 1 is neither in the cache nor in etcd.
	time.Sleep(3 * time.Second)
	c.Stop()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: "1"})
	if err == nil {
		ev := <-w.ResultChan()
		w.Stop()
		status, ok := ev.Object.(*metav1.Status)
		if ev.Type != watch.Error || !ok || status.Code != 410 {
			t.Fatalf("watch from resourceVersion 1: %v %+v, want a 410 Expired error", ev.Type, ev.Object)
		}
	} else if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("watch from resourceVersion 1: %v, want 410", err)
	}

	w, err = cms.Watch(ctx, metav1.ListOptions{
		SendInitialEvents: ptr.To(true), ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
		AllowWatchBookmarks: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	added := 0
	for ev := range w.ResultChan() {
		switch ev.Type {
		case watch.Added:
			added++
		case watch.Bookmark:
			m, err := meta.Accessor(ev.Object)
			if err != nil || m.GetAnnotations()[metav1.InitialEventsAnnotationKey] != "true" {
				continue
			}
			if added < 5 {
				t.Fatalf("initial-events-end bookmark after %d ADDED, want >= 5", added)
			}
			return
		default:
			t.Fatalf("unexpected %v", ev.Type)
		}
	}
	t.Fatal("watch closed before the initial-events-end bookmark")
}

// Not parallel: creates NodePort Services (one at a fixed nodePort) with an agent running, and NodePorts are opened on 127.0.0.1 from the same range by every server.
func TestServiceIPsAreUniqueAndReleased(t *testing.T) {
	c := testcluster.StartT(t)
	c.Run("create", "service", "clusterip", "a", "--tcp=80")
	c.Run("create", "service", "clusterip", "b", "--tcp=80")
	ipA := c.Run("get", "svc", "a", "-o", "jsonpath={.spec.clusterIP}")
	ipB := c.Run("get", "svc", "b", "-o", "jsonpath={.spec.clusterIP}")
	_, svcRange, err := net.ParseCIDR(c.ServiceCIDR)
	if err != nil {
		t.Fatal(err)
	}
	if ipA == ipB || !svcRange.Contains(net.ParseIP(ipA)) || !svcRange.Contains(net.ParseIP(ipB)) {
		t.Fatalf("cluster IPs %s and %s, want two in --service-cidr %s", ipA, ipB, c.ServiceCIDR)
	}
	const fixedIPSvc = `apiVersion: v1
kind: Service
metadata: {name: NAME}
spec: {clusterIP: THE_IP, ports: [{port: 80}]}
`
	fixed := strings.Replace(fixedIPSvc, "THE_IP", ipA, 1)
	errOut := c.Fail(strings.Replace(fixed, "NAME", "c", 1), "create", "-f", "-")
	if !strings.Contains(errOut, "provided IP is already allocated") {
		t.Fatalf("duplicate IP: %s", errOut)
	}
	c.Run("delete", "svc", "a")
	c.RunIn(strings.Replace(fixed, "NAME", "c", 1), "create", "-f", "-")
	np := c.Run("create", "service", "nodeport", "np", "--tcp=80", "-o", "jsonpath={.spec.ports[0].nodePort}")
	if np < "30000" || np > "32767" {
		t.Fatalf("nodePort %q outside 30000-32767", np)
	}
	// Type changes allocate and free as in Kubernetes: a NodePort Service
	// made ClusterIP gives its node port back, and one made NodePort gets one.
	c.Run("patch", "svc", "np", "-p", `{"spec":{"type":"ClusterIP","ports":[{"port":80,"targetPort":80,"nodePort":null}]}}`)
	const nodePortSvc = `apiVersion: v1
kind: Service
metadata: {name: NAME}
spec: {type: NodePort, ports: [{port: 80, nodePort: PORT}]}
`
	reuse := strings.NewReplacer("NAME", "reuse", "PORT", np).Replace(nodePortSvc)
	c.RunIn(reuse, "create", "-f", "-")
	c.Run("patch", "svc", "b", "-p", `{"spec":{"type":"NodePort"}}`)
	if got := c.Run("get", "svc", "b", "-o", "jsonpath={.spec.ports[0].nodePort}"); got < "30000" || got > "32767" || got == np {
		t.Fatalf("ClusterIP made NodePort got nodePort %q", got)
	}
	// Made ExternalName with its cluster IP and node port sent back as
	// read (a merge patch of the type alone), the Service drops both and
	// frees them, as kube-apiserver does.
	npB := c.Run("get", "svc", "b", "-o", "jsonpath={.spec.ports[0].nodePort}")
	c.Run("patch", "svc", "b", "-p", `{"spec":{"type":"ExternalName","externalName":"foo.example.com"}}`)
	if got := c.Run("get", "svc", "b", "-o", "jsonpath={.spec.clusterIP}|{.spec.clusterIPs}|{.spec.ports[0].nodePort}"); got != "||" {
		t.Fatalf("ExternalName Service kept %q", got)
	}
	again := strings.NewReplacer("THE_IP", ipB, "NAME", "ip-again").Replace(fixedIPSvc)
	c.RunIn(again, "create", "-f", "-")
	c.RunIn(strings.NewReplacer("NAME", "np-again", "PORT", npB).Replace(nodePortSvc), "create", "-f", "-")
}
