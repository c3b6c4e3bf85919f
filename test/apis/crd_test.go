package apis

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// cronTabVersion is one version of the CronTab CRD of the Kubernetes docs
// ("Extend the Kubernetes API with CustomResourceDefinitions"), with the
// page's examples together: validation (pattern, minimum, maximum),
// defaulting, x-kubernetes-preserve-unknown-fields, a CEL rule, the status
// and scale subresources and the additional printer columns.
const cronTabVersion = `
    - name: %s
      served: true
      storage: %t
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-validations:
              - rule: "!has(self.maxReplicas) || self.replicas <= self.maxReplicas"
                message: "replicas should be smaller than or equal to maxReplicas."
              properties:
                cronSpec:
                  type: string
                  pattern: '^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$'
                  default: "5 0 * * *"
                image:
                  type: string
                replicas:
                  type: integer
                  minimum: 1
                  maximum: 10
                  default: 1
                maxReplicas:
                  type: integer
                extra:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
            status:
              type: object
              properties:
                replicas:
                  type: integer
                labelSelector:
                  type: string
      subresources:
        status: {}
        scale:
          specReplicasPath: .spec.replicas
          statusReplicasPath: .status.replicas
          labelSelectorPath: .status.labelSelector
      additionalPrinterColumns:
      - name: Spec
        type: string
        description: The cron spec defining the interval a CronJob is run
        jsonPath: .spec.cronSpec
      - name: Replicas
        type: integer
        description: The number of jobs launched by the CronJob
        jsonPath: .spec.replicas
      - name: Age
        type: date
        jsonPath: .metadata.creationTimestamp`

// cronTabCRD is the CRD in group, served as v1beta1 and v1 (stored) with
// the None conversion strategy, short name ct and category all.
func cronTabCRD(group string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.%s
spec:
  group: %s
  versions:%s%s
  conversion:
    strategy: None
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames:
    - ct
    categories:
    - all
`, group, group, fmt.Sprintf(cronTabVersion, "v1beta1", false), fmt.Sprintf(cronTabVersion, "v1", true))
}

// applyCRD applies manifest, waits until the CRD named name is
// Established, and deletes it when t ends.
func applyCRD(t *testing.T, name, manifest string) {
	t.Helper()
	c := server(t)
	c.RunIn(manifest, "apply", "-f", "-")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _, _ = c.Kubectl(ctx, "", "delete", "crd", name, "--ignore-not-found")
	})
	c.Run("wait", "--for=condition=Established", "--timeout=60s", "crd/"+name)
}

func dynamicClient(t *testing.T) dynamic.Interface {
	t.Helper()
	d, err := dynamic.NewForConfig(restConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func cronTab(name, body string) string {
	return fmt.Sprintf("apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: %s\nspec:\n%s", name, body)
}

var cronTabs = schema.GroupVersionResource{Group: "stable.example.com", Version: "v1", Resource: "crontabs"}

// TestCustomResourceDefinitionCronTab drives the docs' CronTab through
// what a CRD gives a custom resource, with the real kubectl and client-go.
func TestCustomResourceDefinitionCronTab(t *testing.T) {
	t.Parallel()
	applyCRD(t, "crontabs.stable.example.com", cronTabCRD("stable.example.com"))
	t.Run("Validation", testCronTabValidation)
	t.Run("DefaultingAndPruning", testCronTabDefaultingAndPruning)
	t.Run("StatusAndScale", testCronTabStatusAndScale)
	t.Run("PrinterColumnsShortNamesCategories", testCronTabPrinting)
	t.Run("Versions", testCronTabVersions)
	t.Run("CELRule", testCronTabCEL)
	t.Run("DiscoveryAndExplain", testCronTabDiscovery)
	t.Run("Watch", testCronTabWatch)
	t.Run("ServerSideApply", testCronTabServerSideApply)
	t.Run("DeletedWithNamespace", testCronTabNamespaceDeletion)
	t.Run("GarbageCollection", testCronTabGarbageCollection)
}

func testCronTabValidation(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	bad := cronTab("bad", "  cronSpec: \"* * * *\"\n  image: my-awesome-cron-image\n  replicas: 15\n")
	out := server(t).Fail(bad, "-n", ns, "apply", "-f", "-")
	for _, want := range []string{
		`The CronTab "bad" is invalid`,
		`spec.cronSpec in body should match '^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$'`,
		`spec.replicas in body should be less than or equal to 10`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl apply: %q lacks %q", out, want)
		}
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "stable.example.com/v1", "kind": "CronTab",
		"metadata": map[string]any{"name": "bad"},
		"spec":     map[string]any{"cronSpec": "* * * *", "replicas": int64(15)},
	}}
	_, err := dynamicClient(t).Resource(cronTabs).Namespace(ns).Create(context.Background(), obj, metav1.CreateOptions{})
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Code != http.StatusUnprocessableEntity {
		t.Fatalf("create: %v, want 422", err)
	}
	fields := map[string]bool{}
	for _, c := range status.Status().Details.Causes {
		fields[c.Field] = true
	}
	if !fields["spec.cronSpec"] || !fields["spec.replicas"] {
		t.Errorf("causes = %+v, want spec.cronSpec and spec.replicas", status.Status().Details.Causes)
	}
}

func testCronTabDefaultingAndPruning(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	// kubectl validates strictly by default: an undeclared field is an error.
	withUnknown := cronTab("pruned", "  image: my-awesome-cron-image\n  unknownField: x\n  extra:\n    anything: kept\n")
	if out := c.Fail(withUnknown, "-n", ns, "apply", "-f", "-"); !strings.Contains(out, `unknown field "spec.unknownField"`) {
		t.Errorf("strict apply: %q", out)
	}
	c.RunIn(withUnknown, "-n", ns, "apply", "--validate=false", "-f", "-")
	got, err := dynamicClient(t).Resource(cronTabs).Namespace(ns).Get(context.Background(), "pruned", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := got.Object["spec"].(map[string]any)
	if _, ok := spec["unknownField"]; ok {
		t.Errorf("spec.unknownField was not pruned: %v", spec)
	}
	if v, _, _ := unstructured.NestedString(spec, "extra", "anything"); v != "kept" {
		t.Errorf("spec.extra.anything = %q, want kept (x-kubernetes-preserve-unknown-fields)", v)
	}
	if spec["cronSpec"] != "5 0 * * *" || spec["replicas"] != int64(1) {
		t.Errorf("defaults: cronSpec=%v replicas=%v, want \"5 0 * * *\" and 1", spec["cronSpec"], spec["replicas"])
	}
}

func testCronTabStatusAndScale(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	c.RunIn(cronTab("scaled", "  image: my-awesome-cron-image\n  replicas: 2\n"), "-n", ns, "apply", "-f", "-")
	c.Run("-n", ns, "scale", "crontab/scaled", "--replicas=5")
	if got := c.Run("-n", ns, "get", "crontab", "scaled", "-o", "jsonpath={.spec.replicas}"); got != "5" {
		t.Fatalf("spec.replicas after kubectl scale = %q, want 5", got)
	}
	res := dynamicClient(t).Resource(cronTabs).Namespace(ns)
	obj, err := res.Get(context.Background(), "scaled", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = unstructured.SetNestedField(obj.Object, int64(9), "spec", "replicas")
	_ = unstructured.SetNestedField(obj.Object, int64(3), "status", "replicas")
	_ = unstructured.SetNestedField(obj.Object, "app=cron", "status", "labelSelector")
	if _, err := res.UpdateStatus(context.Background(), obj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := c.Run("-n", ns, "get", "crontab", "scaled", "-o", "jsonpath={.spec.replicas} {.status.replicas}"); got != "5 3" {
		t.Errorf("spec and status replicas after a status write = %q, want \"5 3\" (status writes leave spec alone)", got)
	}
	if got := c.Run("-n", ns, "get", "crontab", "scaled", "--subresource=scale", "-o", "jsonpath={.spec.replicas} {.status.replicas} {.status.selector}"); got != "5 3 app=cron" {
		t.Errorf("scale subresource = %q, want \"5 3 app=cron\"", got)
	}
}

func testCronTabPrinting(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	c.RunIn(cronTab("printed", "  cronSpec: \"* * * * */5\"\n  image: my-awesome-cron-image\n  replicas: 3\n"), "-n", ns, "apply", "-f", "-")
	out := c.Run("-n", ns, "get", "ct")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NAME SPEC REPLICAS AGE" {
		t.Fatalf("kubectl get ct:\n%s", out)
	}
	if f := strings.Fields(lines[1]); len(f) != 8 || f[0] != "printed" || strings.Join(f[1:6], " ") != "* * * * */5" || f[6] != "3" {
		t.Errorf("row = %q", lines[1])
	}
	if all := c.Run("-n", ns, "get", "all"); !strings.Contains(all, "crontab.stable.example.com/printed") {
		t.Errorf("kubectl get all (category all) lacks the CronTab:\n%s", all)
	}
}

func testCronTabVersions(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	c.RunIn(strings.Replace(cronTab("versioned", "  image: my-awesome-cron-image\n"), "/v1\n", "/v1beta1\n", 1), "-n", ns, "apply", "-f", "-")
	if got := c.Run("-n", ns, "get", "crontabs.v1.stable.example.com", "versioned", "-o", "jsonpath={.apiVersion}"); got != "stable.example.com/v1" {
		t.Errorf("read as v1: apiVersion %q", got)
	}
	if got := c.Run("-n", ns, "get", "crontabs.v1beta1.stable.example.com", "versioned", "-o", "jsonpath={.apiVersion} {.spec.image}"); got != "stable.example.com/v1beta1 my-awesome-cron-image" {
		t.Errorf("read as v1beta1: %q", got)
	}
}

func testCronTabCEL(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	out := server(t).Fail(cronTab("cel", "  image: my-awesome-cron-image\n  replicas: 4\n  maxReplicas: 2\n"), "-n", ns, "apply", "-f", "-")
	if !strings.Contains(out, "replicas should be smaller than or equal to maxReplicas.") || !strings.Contains(out, "spec: Invalid value") {
		t.Errorf("kubectl apply: %q, want the rule's message on spec", out)
	}
}

func testCronTabDiscovery(t *testing.T) {
	t.Parallel()
	c := server(t)
	out := c.Run("api-resources", "--api-group=stable.example.com")
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "crontabs ct stable.example.com/v1 true CronTab") {
		t.Errorf("kubectl api-resources:\n%s", out)
	}
	out = c.Run("explain", "crontab.spec")
	for _, want := range []string{"GROUP:      stable.example.com", "VERSION:    v1", "cronSpec\t<string>", "replicas\t<integer>"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl explain crontab.spec lacks %q:\n%s", want, out)
		}
	}
}

func testCronTabWatch(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	w, err := dynamicClient(t).Resource(cronTabs).Namespace(ns).Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	server(t).RunIn(cronTab("watched", "  image: my-awesome-cron-image\n"), "-n", ns, "apply", "-f", "-")
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-w.ResultChan():
			if u, ok := ev.Object.(*unstructured.Unstructured); ok && ev.Type == watch.Added && u.GetName() == "watched" {
				return
			}
		case <-timeout:
			t.Fatal("no ADDED event for the CronTab")
		}
	}
}

func testCronTabServerSideApply(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	c.RunIn(cronTab("ssa", "  image: my-awesome-cron-image\n  replicas: 2\n"), "-n", ns, "apply", "--server-side", "-f", "-")
	if got := c.Run("-n", ns, "get", "crontab", "ssa", "-o", "jsonpath={.spec.cronSpec} {.metadata.managedFields[0].manager} {.metadata.managedFields[0].operation}"); got != "5 0 * * * kubectl Apply" {
		t.Errorf("after server-side apply: %q", got)
	}
	out := c.Fail(cronTab("ssa", "  replicas: 3\n"), "-n", ns, "apply", "--server-side", "--field-manager=other", "-f", "-")
	if !strings.Contains(out, `conflict with "kubectl"`) || !strings.Contains(out, ".spec.replicas") {
		t.Errorf("conflicting apply: %q", out)
	}
	// The schema types the apply: a string where an integer is declared.
	out = c.Fail(cronTab("ssa", "  replicas: many\n"), "-n", ns, "apply", "--server-side", "-f", "-")
	if !strings.Contains(out, "spec.replicas") {
		t.Errorf("ill-typed apply: %q", out)
	}
}

func testCronTabNamespaceDeletion(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	c.RunIn(cronTab("doomed", "  image: my-awesome-cron-image\n"), "-n", ns, "apply", "-f", "-")
	c.Run("delete", "namespace", ns, "--wait=false")
	cs := clientset(t)
	waitFor(t, func() bool {
		_, err := cs.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, "namespace "+ns+" to go")
	list, err := dynamicClient(t).Resource(cronTabs).Namespace(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("CronTabs left in the deleted namespace: %v %v", list, err)
	}
}

func testCronTabGarbageCollection(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := context.Background()
	cs := clientset(t)
	res := dynamicClient(t).Resource(cronTabs).Namespace(ns)
	server(t).RunIn(cronTab("owner", "  image: my-awesome-cron-image\n"), "-n", ns, "apply", "-f", "-")
	owner, err := res.Get(ctx, "owner", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A ConfigMap owned by a CronTab goes with it.
	ref := metav1.OwnerReference{APIVersion: "stable.example.com/v1", Kind: "CronTab", Name: "owner", UID: owner.GetUID()}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owned", OwnerReferences: []metav1.OwnerReference{ref}}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// And a CronTab owned by a ConfigMap goes with the ConfigMap.
	parent, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "parent"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	child := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "stable.example.com/v1", "kind": "CronTab",
		"metadata": map[string]any{"name": "child"}, "spec": map[string]any{"image": "x"},
	}}
	child.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "parent", UID: parent.UID}})
	if _, err := res.Create(ctx, child, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := res.Delete(ctx, "owner", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.CoreV1().ConfigMaps(ns).Delete(ctx, "parent", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "owned", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, "the ConfigMap owned by the deleted CronTab to be collected")
	waitFor(t, func() bool {
		_, err := res.Get(ctx, "child", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, "the CronTab owned by the deleted ConfigMap to be collected")
}

// gadgetCRD is a minimal CRD, with a kind of its own: kubectl resolves
// "crontab" and "ct" to one resource only while a single group has them.
const gadgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.deletion.example.com
spec:
  group: deletion.example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

// TestDeletingACRDDeletesItsObjects: the CRD's finalizer removes every
// custom resource before the CRD goes, so a CRD made again is empty.
func TestDeletingACRDDeletesItsObjects(t *testing.T) {
	t.Parallel()
	const name = "gadgets.deletion.example.com"
	c := server(t)
	applyCRD(t, name, gadgetCRD)
	ns := newNamespace(t)
	for _, n := range []string{"a", "b"} {
		c.RunIn("apiVersion: deletion.example.com/v1\nkind: Gadget\nmetadata:\n  name: "+n+"\nspec:\n  size: 1\n", "-n", ns, "apply", "-f", "-")
	}
	if out := c.Run("-n", ns, "get", "gadgets", "-o", "name"); strings.Count(out, "gadget.deletion.example.com/") != 2 {
		t.Fatalf("gadgets before the CRD's deletion:\n%s", out)
	}
	c.Run("delete", "crd", name, "--timeout=60s")
	applyCRD(t, name, gadgetCRD)
	if out := c.Run("-n", ns, "get", "gadgets", "-o", "name"); strings.TrimSpace(out) != "" {
		t.Fatalf("Gadgets survived their CRD's deletion:\n%s", out)
	}
}

// TestAPIServicesListOrdoGroups: ordo's own groups are local APIServices,
// Available, as kube-apiserver registers its own.
func TestAPIServicesListOrdoGroups(t *testing.T) {
	t.Parallel()
	c := server(t)
	want := []string{"v1. Local True", "v1.apps Local True", "v1.batch Local True", "v1.apiextensions.k8s.io Local True", "v1.apiregistration.k8s.io Local True"}
	var out string
	waitFor(t, func() bool {
		out = c.Run("get", "apiservices")
		rows := map[string]bool{}
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) >= 3 {
				rows[strings.Join(f[:3], " ")] = true
			}
		}
		for _, w := range want {
			if !rows[w] {
				return false
			}
		}
		return true
	}, "ordo's groups listed as Available local APIServices")
}

// TestAPIServiceForAMissingServiceIsUnavailable: an APIService backed by a
// Service is checked by the aggregator, which says why it cannot proxy.
// Not parallel: while the APIService is unavailable, its group fails
// discovery, and, as in Kubernetes, namespaces cannot finish deleting.
func TestAPIServiceForAMissingServiceIsUnavailable(t *testing.T) {
	ns := newNamespace(t)
	c := server(t)
	c.RunIn(fmt.Sprintf(`apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1alpha1.%[1]s.example.com
spec:
  group: %[1]s.example.com
  version: v1alpha1
  groupPriorityMinimum: 1000
  versionPriority: 15
  insecureSkipTLSVerify: true
  service:
    namespace: %[1]s
    name: api
    port: 443
`, ns), "apply", "-f", "-")
	name := "apiservice/v1alpha1." + ns + ".example.com"
	t.Cleanup(func() { _, _, _ = c.Kubectl(context.Background(), "", "delete", name, "--ignore-not-found") })
	reason := func() string {
		return c.Run("get", name, "-o", `jsonpath={.status.conditions[?(@.type=="Available")].status}/{.status.conditions[?(@.type=="Available")].reason}`)
	}
	waitFor(t, func() bool { return reason() == "False/ServiceNotFound" }, "Available=False/ServiceNotFound")
	c.RunIn(fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: %s\nspec:\n  ports:\n  - port: 443\n", ns), "apply", "-f", "-")
	// A Service without a selector has no EndpointSlices.
	waitFor(t, func() bool { return reason() == "False/EndpointsNotFound" }, "Available=False/EndpointsNotFound")
}

// TestApplyOfAnUnservedKind: kubectl's usual error, now that it can list
// CRDs to check its schema.
func TestApplyOfAnUnservedKind(t *testing.T) {
	t.Parallel()
	out := server(t).Fail("apiVersion: nothere.example.com/v1\nkind: Widget\nmetadata:\n  name: w\n", "apply", "-f", "-")
	if !strings.Contains(out, `no matches for kind "Widget" in version "nothere.example.com/v1"`) || strings.Contains(out, "failed to list CRDs") {
		t.Errorf("kubectl apply: %q", out)
	}
}
