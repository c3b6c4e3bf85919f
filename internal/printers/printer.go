// Package printers converts ordo's objects into metav1.Table so that
// `kubectl get` shows the same columns, `-o wide` columns and cell formatting
// as it does against a real Kubernetes API server.
//
// The column sets and cell rules follow Kubernetes' server-side printers
// (pkg/printers/internalversion), re-expressed here for the external v1 types
// that ordo stores.
package printers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
)

// printer describes how one kind, T, becomes table rows. Every column,
// including the Priority 1 ("-o wide") ones, is always filled: like
// Kubernetes, the server sends them all and kubectl hides what it does not
// want to show.
type printer[T any] struct {
	columns []metav1.TableColumnDefinition
	// cells returns one value per column, in column order. now is the
	// instant ages are measured against, fixed once per conversion so every
	// row of a table agrees.
	cells func(obj *T, now time.Time) ([]any, error)
	// conditions optionally marks a row; Kubernetes flags finished pods so
	// clients can tell them apart. Nil means no conditions.
	conditions func(obj *T) []metav1.TableRowCondition
}

func (p printer[T]) withClock(now func() time.Time) rest.TableConvertor {
	return convertor[T]{printer: p, now: now}
}

// convertor is a printer bound to a clock: the rest.TableConvertor handed to
// the registry.
type convertor[T any] struct {
	printer printer[T]
	now     func() time.Time
}

// ConvertToTable accepts a single *T or any list whose Items are T.
func (c convertor[T]) ConvertToTable(_ context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	noHeaders, err := wantsNoHeaders(tableOptions)
	if err != nil {
		return nil, err
	}
	now := c.now()
	// A non-nil empty slice serialises as "rows": [] just like Kubernetes.
	table := &metav1.Table{Rows: []metav1.TableRow{}}
	addRow := func(obj runtime.Object) error {
		row, err := c.row(obj, now)
		if err != nil {
			return err
		}
		table.Rows = append(table.Rows, row)
		return nil
	}
	if meta.IsListType(object) {
		err = meta.EachListItem(object, addRow)
	} else {
		err = addRow(object)
	}
	if err != nil {
		return nil, err
	}
	copyListMeta(table, object)
	if !noHeaders {
		// Cloned so a caller editing the table cannot corrupt the shared definitions.
		table.ColumnDefinitions = slices.Clone(c.printer.columns)
	}
	return table, nil
}

// row prints one object, refusing objects of the wrong kind rather than
// printing garbage.
func (c convertor[T]) row(obj runtime.Object, now time.Time) (metav1.TableRow, error) {
	typed, ok := any(obj).(*T)
	if !ok {
		return metav1.TableRow{}, fmt.Errorf("printers: cannot print %T with the printer for %T", obj, new(T))
	}
	cells, err := c.printer.cells(typed, now)
	if err != nil {
		return metav1.TableRow{}, err
	}
	row := metav1.TableRow{Cells: cells, Object: runtime.RawExtension{Object: obj}}
	if c.printer.conditions != nil {
		row.Conditions = c.printer.conditions(typed)
	}
	return row, nil
}

// wantsNoHeaders reads the table options the API server passes along. Like
// Kubernetes, unknown option types are an error rather than silently ignored.
func wantsNoHeaders(tableOptions runtime.Object) (bool, error) {
	switch opts := tableOptions.(type) {
	case nil:
		return false, nil
	case *metav1.TableOptions:
		return opts != nil && opts.NoHeaders, nil
	default:
		return false, fmt.Errorf("unrecognized type %T for table options, can't display tabular output", tableOptions)
	}
}

// copyListMeta carries over what a client needs to continue or watch from
// this table: the list's paging metadata, or a single object's version.
func copyListMeta(table *metav1.Table, object runtime.Object) {
	if list, err := meta.ListAccessor(object); err == nil {
		table.ResourceVersion = list.GetResourceVersion()
		table.Continue = list.GetContinue()
		table.RemainingItemCount = list.GetRemainingItemCount()
		return
	}
	if obj, err := meta.CommonAccessor(object); err == nil {
		table.ResourceVersion = obj.GetResourceVersion()
	}
}
