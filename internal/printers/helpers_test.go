package printers

import (
	"context"
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// now is the fixed instant every test measures ages against.
var now = time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)

// ago is a timestamp d before now.
func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

// agoPtr is ago for optional timestamp fields.
func agoPtr(d time.Duration) *metav1.Time { t := ago(d); return &t }

const day = 24 * time.Hour

// printerOf names, for the tests, each resource's printer as the registry
// catalog does; a resource missing here gets the default table.
var printerOf = map[schema.GroupResource]Printer{
	{Resource: "pods"}: Pods(), {Resource: "services"}: Services(), {Resource: "endpoints"}: Endpoints(),
	{Resource: "configmaps"}: ConfigMaps(), {Resource: "secrets"}: Secrets(), {Resource: "serviceaccounts"}: ServiceAccounts(),
	{Resource: "namespaces"}: Namespaces(), {Resource: "nodes"}: Nodes(), {Resource: "events"}: Events(),
	{Resource: "persistentvolumes"}: PersistentVolumes(), {Resource: "persistentvolumeclaims"}: PersistentVolumeClaims(),
	{Resource: "resourcequotas"}:              ResourceQuotas(),
	{Group: "apps", Resource: "statefulsets"}: StatefulSets(), {Group: "apps", Resource: "deployments"}: Deployments(),
	{Group: "apps", Resource: "replicasets"}: ReplicaSets(), {Group: "apps", Resource: "controllerrevisions"}: ControllerRevisions(),
	{Group: "apps", Resource: "daemonsets"}: DaemonSets(), {Resource: "replicationcontrollers"}: ReplicationControllers(),
	{Resource: "podtemplates"}:         PodTemplates(),
	{Group: "batch", Resource: "jobs"}: Jobs(), {Group: "batch", Resource: "cronjobs"}: CronJobs(),
	{Group: "coordination.k8s.io", Resource: "leases"}: Leases(), {Group: "discovery.k8s.io", Resource: "endpointslices"}: EndpointSlices(),
	{Group: "events.k8s.io", Resource: "events"}: Events(), {Group: "storage.k8s.io", Resource: "storageclasses"}: StorageClasses(),
	{Group: "policy", Resource: "poddisruptionbudgets"}:                              PodDisruptionBudgets(),
	{Group: "scheduling.k8s.io", Resource: "priorityclasses"}:                        PriorityClasses(),
	{Group: "rbac.authorization.k8s.io", Resource: "rolebindings"}:                   RoleBindings(),
	{Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"}:            ClusterRoleBindings(),
	{Group: "networking.k8s.io", Resource: "networkpolicies"}:                        NetworkPolicies(),
	{Group: "networking.k8s.io", Resource: "ingresses"}:                              Ingresses(),
	{Group: "networking.k8s.io", Resource: "ingressclasses"}:                         IngressClasses(),
	{Group: "networking.k8s.io", Resource: "servicecidrs"}:                           ServiceCIDRs(),
	{Group: "networking.k8s.io", Resource: "ipaddresses"}:                            IPAddresses(),
	{Group: "autoscaling", Resource: "horizontalpodautoscalers"}:                     HorizontalPodAutoscalers(),
	{Group: "node.k8s.io", Resource: "runtimeclasses"}:                               RuntimeClasses(),
	{Group: "certificates.k8s.io", Resource: "certificatesigningrequests"}:           CertificateSigningRequests(),
	{Group: "certificates.k8s.io", Resource: "clustertrustbundles"}:                  ClusterTrustBundles(),
	{Group: "storage.k8s.io", Resource: "csidrivers"}:                                CSIDrivers(),
	{Group: "storage.k8s.io", Resource: "csinodes"}:                                  CSINodes(),
	{Group: "storage.k8s.io", Resource: "volumeattachments"}:                         VolumeAttachments(),
	{Group: "storage.k8s.io", Resource: "csistoragecapacities"}:                      CSIStorageCapacities(),
	{Group: "storage.k8s.io", Resource: "volumeattributesclasses"}:                   VolumeAttributesClasses(),
	{Group: "flowcontrol.apiserver.k8s.io", Resource: "flowschemas"}:                 FlowSchemas(),
	{Group: "flowcontrol.apiserver.k8s.io", Resource: "prioritylevelconfigurations"}: PriorityLevelConfigurations(),
}

// convert runs gr's printer with the fixed clock.
func convert(t *testing.T, gr schema.GroupResource, obj runtime.Object) *metav1.Table {
	t.Helper()
	table, err := tableAt(printerOf[gr], gr, func() time.Time { return now }).ConvertToTable(context.Background(), obj, nil)
	if err != nil {
		t.Fatalf("ConvertToTable(%s): %v", gr, err)
	}
	return table
}

// cellsOf prints a single object and returns its one row's cells.
func cellsOf(t *testing.T, gr schema.GroupResource, obj runtime.Object) []any {
	t.Helper()
	table := convert(t, gr, obj)
	if len(table.Rows) != 1 {
		t.Fatalf("%s: got %d rows, want 1", gr, len(table.Rows))
	}
	if got := len(table.Rows[0].Cells); got != len(table.ColumnDefinitions) {
		t.Fatalf("%s: %d cells for %d columns", gr, got, len(table.ColumnDefinitions))
	}
	return table.Rows[0].Cells
}

// cell returns the cell under the named column.
func cell(t *testing.T, gr schema.GroupResource, obj runtime.Object, column string) any {
	t.Helper()
	table := convert(t, gr, obj)
	for i, c := range table.ColumnDefinitions {
		if c.Name == column {
			return table.Rows[0].Cells[i]
		}
	}
	t.Fatalf("%s has no column %q", gr, column)
	return nil
}

// columnSet is the column names split the way kubectl shows them: the
// default view and the extra -o wide columns.
type columnSet struct{ normal, wide []string }

func columnsOf(t *testing.T, gr schema.GroupResource, obj runtime.Object) columnSet {
	t.Helper()
	var cs columnSet
	for _, c := range convert(t, gr, obj).ColumnDefinitions {
		if c.Priority == 0 {
			cs.normal = append(cs.normal, c.Name)
		} else {
			cs.wide = append(cs.wide, c.Name)
		}
	}
	return cs
}

// assertColumns checks the column names of gr's table, including -o wide ones.
func assertColumns(t *testing.T, gr schema.GroupResource, obj runtime.Object, want columnSet) {
	t.Helper()
	if got := columnsOf(t, gr, obj); !reflect.DeepEqual(got, want) {
		t.Errorf("%s columns:\n got %+v\nwant %+v", gr, got, want)
	}
}

// assertCells compares a full row.
func assertCells(t *testing.T, gr schema.GroupResource, obj runtime.Object, want ...any) {
	t.Helper()
	if got := cellsOf(t, gr, obj); !reflect.DeepEqual(got, want) {
		t.Errorf("%s cells:\n got %#v\nwant %#v", gr, got, want)
	}
}

func ptr[V any](v V) *V { return &v }

// emptyObject gives tests a zero-valued object of the printer's kind.
func (c convertor[T]) emptyObject() runtime.Object { return any(new(T)).(runtime.Object) }
