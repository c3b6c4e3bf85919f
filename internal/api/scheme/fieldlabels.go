package scheme

import (
	"fmt"

	"github.com/ordo-dev/ordo/internal/api/fieldsel"
	"k8s.io/apimachinery/pkg/runtime"
)

// addFieldLabelConversions accepts, for every served kind, exactly the field
// selector labels fieldsel knows how to evaluate.
func addFieldLabelConversions(s *runtime.Scheme) error {
	for gvk := range s.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal {
			continue
		}
		gk := gvk.GroupKind()
		err := s.AddFieldLabelConversionFunc(gvk, func(label, value string) (string, string, error) {
			internal := fieldsel.Internal(gk, label)
			if fieldsel.Supported(gk, internal) {
				return internal, value, nil
			}
			return "", "", fmt.Errorf("field label not supported: %s", label)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
