package printers

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// ConfigMaps prints NAME DATA AGE; DATA counts text and binary keys.
func ConfigMaps() Printer {
	return printer[corev1.ConfigMap]{
		columns: columns(nameColumn(), column("Data", "string", corev1.ConfigMap{}.SwaggerDoc()["data"]), ageColumn()),
		cells: func(cm *corev1.ConfigMap, now time.Time) ([]any, error) {
			return []any{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), age(cm.CreationTimestamp, now)}, nil
		},
	}
}

// Secrets prints NAME TYPE DATA AGE.
func Secrets() Printer {
	doc := corev1.Secret{}.SwaggerDoc()
	return printer[corev1.Secret]{
		columns: columns(nameColumn(), column("Type", "string", doc["type"]), column("Data", "string", doc["data"]), ageColumn()),
		cells: func(s *corev1.Secret, now time.Time) ([]any, error) {
			// StringData is write-only and merged into Data on write, so only Data counts.
			return []any{s.Name, string(s.Type), int64(len(s.Data)), age(s.CreationTimestamp, now)}, nil
		},
	}
}

// ServiceAccounts prints NAME SECRETS AGE.
func ServiceAccounts() Printer {
	return printer[corev1.ServiceAccount]{
		columns: columns(nameColumn(), column("Secrets", "string", corev1.ServiceAccount{}.SwaggerDoc()["secrets"]), ageColumn()),
		cells: func(sa *corev1.ServiceAccount, now time.Time) ([]any, error) {
			return []any{sa.Name, int64(len(sa.Secrets)), age(sa.CreationTimestamp, now)}, nil
		},
	}
}

// Namespaces prints NAME STATUS AGE.
func Namespaces() Printer {
	return printer[corev1.Namespace]{
		columns: columns(nameColumn(), column("Status", "string", "The status of the namespace"), ageColumn()),
		cells: func(ns *corev1.Namespace, now time.Time) ([]any, error) {
			return []any{ns.Name, string(ns.Status.Phase), age(ns.CreationTimestamp, now)}, nil
		},
	}
}
