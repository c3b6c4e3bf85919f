package printers

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var configmaps = schema.GroupResource{Resource: "configmaps"}

func TestListBecomesOneRowPerItemWithListMeta(t *testing.T) {
	list := &corev1.ConfigMapList{
		ListMeta: metav1.ListMeta{ResourceVersion: "42", Continue: "next", RemainingItemCount: ptr[int64](7)},
		Items: []corev1.ConfigMap{
			{ObjectMeta: metav1.ObjectMeta{Name: "a", CreationTimestamp: ago(day)}},
			{ObjectMeta: metav1.ObjectMeta{Name: "b", CreationTimestamp: ago(day)}, Data: map[string]string{"k": "v"}},
		},
	}
	table := convert(t, configmaps, list)
	if table.ResourceVersion != "42" || table.Continue != "next" || table.RemainingItemCount == nil || *table.RemainingItemCount != 7 {
		t.Errorf("list meta not copied: %+v", table.ListMeta)
	}
	if len(table.Rows) != 2 || table.Rows[0].Cells[0] != "a" || table.Rows[1].Cells[1] != int64(1) {
		t.Fatalf("rows = %+v", table.Rows)
	}
	// The row must reference the list item itself so the server can turn it
	// into PartialObjectMetadata.
	if table.Rows[1].Object.Object != &list.Items[1] {
		t.Errorf("row object = %T %p, want the list item", table.Rows[1].Object.Object, table.Rows[1].Object.Object)
	}
}

func TestSingleObjectCopiesResourceVersion(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", ResourceVersion: "9"}}
	table := convert(t, configmaps, cm)
	if table.ResourceVersion != "9" {
		t.Errorf("ResourceVersion = %q, want 9", table.ResourceVersion)
	}
	if table.Rows[0].Object.Object != cm {
		t.Error("row does not carry the object")
	}
}

func TestEmptyListHasNoRowsButHeaders(t *testing.T) {
	table := convert(t, configmaps, &corev1.ConfigMapList{})
	if table.Rows == nil || len(table.Rows) != 0 {
		t.Errorf("rows = %#v, want empty non-nil", table.Rows)
	}
	if len(table.ColumnDefinitions) != 3 {
		t.Errorf("columns = %d, want 3", len(table.ColumnDefinitions))
	}
}

func TestNoHeadersOmitsColumnDefinitions(t *testing.T) {
	conv := Table(ConfigMaps(), configmaps)
	table, err := conv.ConvertToTable(context.Background(), &corev1.ConfigMap{}, &metav1.TableOptions{NoHeaders: true})
	if err != nil {
		t.Fatal(err)
	}
	if table.ColumnDefinitions != nil || len(table.Rows) != 1 {
		t.Errorf("got columns %v rows %d", table.ColumnDefinitions, len(table.Rows))
	}
	table, err = conv.ConvertToTable(context.Background(), &corev1.ConfigMap{}, &metav1.TableOptions{})
	if err != nil || len(table.ColumnDefinitions) == 0 {
		t.Errorf("headers missing without NoHeaders: %v", err)
	}
}

func TestRejectsWrongKindAndUnknownOptions(t *testing.T) {
	conv := Table(ConfigMaps(), configmaps)
	if _, err := conv.ConvertToTable(context.Background(), &corev1.Secret{}, nil); err == nil {
		t.Error("a Secret printed as a ConfigMap")
	}
	if _, err := conv.ConvertToTable(context.Background(), &corev1.ConfigMap{}, &metav1.ListOptions{}); err == nil {
		t.Error("unknown table options accepted")
	}
}

func TestColumnsAreNotShared(t *testing.T) {
	table := convert(t, configmaps, &corev1.ConfigMap{})
	table.ColumnDefinitions[0].Name = "mangled"
	if convert(t, configmaps, &corev1.ConfigMap{}).ColumnDefinitions[0].Name != "Name" {
		t.Error("editing one table's columns changed the printer")
	}
}

func TestCommonColumnMetadata(t *testing.T) {
	cols := convert(t, configmaps, &corev1.ConfigMap{}).ColumnDefinitions
	name, age := cols[0], cols[2]
	if name.Format != "name" || name.Type != "string" || name.Description != objectMetaDoc["name"] {
		t.Errorf("name column = %+v", name)
	}
	if age.Name != "Age" || age.Type != "string" || age.Description != (metav1.ObjectMeta{}).SwaggerDoc()["creationTimestamp"] {
		t.Errorf("age column = %+v", age)
	}
}

func TestAgePlaceholderForMissingTimestamp(t *testing.T) {
	if got := cell(t, configmaps, &corev1.ConfigMap{}, "Age"); got != "<unknown>" {
		t.Errorf("age = %v, want <unknown>", got)
	}
}

func TestUnprintedResourcesGetDefaultTable(t *testing.T) {
	for _, gr := range []schema.GroupResource{
		{Group: "rbac.authorization.k8s.io", Resource: "roles"},
		{Group: "rbac.authorization.k8s.io", Resource: "clusterroles"},
		{Group: "example.com", Resource: "widgets"},
	} {
		var obj runtime.Object = &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r", CreationTimestamp: ago(day)}}
		table := convert(t, gr, obj)
		if len(table.ColumnDefinitions) != 2 || table.ColumnDefinitions[1].Name != "Created At" {
			t.Errorf("%s columns = %+v", gr, table.ColumnDefinitions)
		}
		if got := table.Rows[0].Cells[1]; got != "2025-05-31T12:00:00Z" {
			t.Errorf("%s created at = %v", gr, got)
		}
	}
}

// printedEmpty converts a zero-valued object of gr's kind, which exercises
// every nil pointer and empty slice path of its printer.
func printedEmpty(t *testing.T, gr schema.GroupResource) *metav1.Table {
	t.Helper()
	conv, ok := tableAt(printerOf[gr], gr, func() time.Time { return now }).(interface{ emptyObject() runtime.Object })
	if !ok {
		t.Fatalf("%s: registered printer is not a convertor", gr)
	}
	return convert(t, gr, conv.emptyObject())
}

func TestEveryRegisteredPrinterPrintsEmptyObjects(t *testing.T) {
	for gr := range printerOf {
		table := printedEmpty(t, gr)
		if len(table.Rows) != 1 || len(table.Rows[0].Cells) != len(table.ColumnDefinitions) {
			t.Errorf("%s: rows %+v for %d columns", gr, table.Rows, len(table.ColumnDefinitions))
		}
	}
}

func TestEveryColumnIsDescribed(t *testing.T) {
	// An empty description means a mistyped API doc key.
	for gr := range printerOf {
		for _, c := range printedEmpty(t, gr).ColumnDefinitions {
			if c.Description == "" || c.Type == "" {
				t.Errorf("%s column %q: type %q description %q", gr, c.Name, c.Type, c.Description)
			}
		}
	}
}
