package dashboard

import (
	"fmt"
	"strconv"
)

// forbidden is the API server's wording of a 403 for a resource request.
func forbidden(userName, verb, resource, group, namespace, name string) string {
	qualified := resource
	if group != "" {
		qualified += "." + group
	}
	return fmt.Sprintf("%s %q is forbidden: User %q cannot %s resource %q in API group %q in the namespace %q",
		qualified, name, userName, verb, resource, group, namespace)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
