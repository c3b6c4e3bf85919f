package printers

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// objectMetaDoc holds the ObjectMeta field docs Kubernetes uses to describe
// the Name and Age columns of every printer.
var objectMetaDoc = metav1.ObjectMeta{}.SwaggerDoc()

// column builds a default-priority column; most Kubernetes columns are
// strings, so callers pass the type only to make exceptions visible.
func column(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

// wideColumn builds a Priority 1 column, which kubectl shows only with -o wide.
func wideColumn(name, typ, description string) metav1.TableColumnDefinition {
	c := column(name, typ, description)
	c.Priority = 1
	return c
}

// nameColumn is the object's name; Format "name" tells clients which column
// identifies the row.
func nameColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: objectMetaDoc["name"]}
}

// ageColumn shows time since creation as a human duration, hence a string.
func ageColumn() metav1.TableColumnDefinition {
	return column("Age", "string", objectMetaDoc["creationTimestamp"])
}

// containersColumn and imagesColumn are the wide columns shared by every
// workload that embeds a pod template; templateCells fills them.
func containersColumn() metav1.TableColumnDefinition {
	return wideColumn("Containers", "string", "Names of each container in the template.")
}

func imagesColumn() metav1.TableColumnDefinition {
	return wideColumn("Images", "string", "Images referenced by each container in the template.")
}

// columns lists a printer's columns in display order.
func columns(cols ...metav1.TableColumnDefinition) []metav1.TableColumnDefinition {
	return cols
}
