package printers

import "k8s.io/apimachinery/pkg/runtime/schema"

// coreDefinitions covers the core ("") group except storage and events,
// which live with their families.
func coreDefinitions() map[schema.GroupResource]definition {
	return map[schema.GroupResource]definition{
		{Resource: "pods"}:            podPrinter(),
		{Resource: "services"}:        servicePrinter(),
		{Resource: "endpoints"}:       endpointsPrinter(),
		{Resource: "configmaps"}:      configMapPrinter(),
		{Resource: "secrets"}:         secretPrinter(),
		{Resource: "serviceaccounts"}: serviceAccountPrinter(),
		{Resource: "namespaces"}:      namespacePrinter(),
		{Resource: "nodes"}:           nodePrinter(),
	}
}
