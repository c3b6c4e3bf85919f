package validation

import (
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// setSources lists, in declaration order, the JSON names of the non-nil
// pointer fields of a "one of" struct such as VolumeSource. Reflection keeps
// the list in step with k8s.io/api as new volume types appear.
func setSources(src any) []string {
	v := reflect.ValueOf(src)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	var names []string
	t := v.Type()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() {
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// validateOneSource requires exactly one source, reporting extras as
// Kubernetes does ("may not specify more than 1 volume type").
func validateOneSource(src any, p *field.Path) field.ErrorList {
	names := setSources(src)
	if len(names) == 0 {
		return field.ErrorList{field.Required(p, "must specify a volume type")}
	}
	var errs field.ErrorList
	for _, n := range names[1:] {
		errs = append(errs, field.Forbidden(p.Child(n), "may not specify more than 1 volume type"))
	}
	return errs
}

// validateVolumes checks pod volumes and returns the set of their names, for
// volumeMounts to refer to.
func validateVolumes(vols []corev1.Volume, p *field.Path) (map[string]bool, field.ErrorList) {
	var errs field.ErrorList
	names := map[string]bool{}
	for i := range vols {
		v := &vols[i]
		ip := p.Index(i)
		np := ip.Child("name")
		if v.Name == "" {
			errs = append(errs, field.Required(np, ""))
		} else {
			errs = append(errs, dnsLabel(v.Name, np)...)
			if names[v.Name] {
				errs = append(errs, field.Duplicate(np, v.Name))
			}
			names[v.Name] = true
		}
		errs = append(errs, validateOneSource(&v.VolumeSource, ip)...)
		errs = append(errs, validateVolumeSource(&v.VolumeSource, ip)...)
	}
	return names, errs
}

// validateVolumeSource checks the required parts of the common sources.
func validateVolumeSource(s *corev1.VolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.HostPath != nil && s.HostPath.Path == "" {
		errs = append(errs, field.Required(p.Child("hostPath", "path"), ""))
	}
	if s.EmptyDir != nil && s.EmptyDir.SizeLimit != nil {
		errs = append(errs, nonNegativeQuantity(*s.EmptyDir.SizeLimit, p.Child("emptyDir", "sizeLimit"))...)
	}
	if sec := s.Secret; sec != nil {
		sp := p.Child("secret")
		errs = append(errs, requiredName(sec.SecretName, sp.Child("secretName"))...)
		errs = append(errs, fileMode(sec.DefaultMode, sp.Child("defaultMode"))...)
		errs = append(errs, validateKeyToPaths(sec.Items, sp.Child("items"))...)
	}
	if cm := s.ConfigMap; cm != nil {
		cp := p.Child("configMap")
		errs = append(errs, requiredName(cm.Name, cp.Child("name"))...)
		errs = append(errs, fileMode(cm.DefaultMode, cp.Child("defaultMode"))...)
		errs = append(errs, validateKeyToPaths(cm.Items, cp.Child("items"))...)
	}
	if s.PersistentVolumeClaim != nil && s.PersistentVolumeClaim.ClaimName == "" {
		errs = append(errs, field.Required(p.Child("persistentVolumeClaim", "claimName"), ""))
	}
	if nfs := s.NFS; nfs != nil {
		errs = append(errs, validateNFS(nfs, p.Child("nfs"))...)
	}
	if s.DownwardAPI != nil {
		errs = append(errs, fileMode(s.DownwardAPI.DefaultMode, p.Child("downwardAPI", "defaultMode"))...)
		for i, it := range s.DownwardAPI.Items {
			errs = append(errs, validateDownwardItem(it, p.Child("downwardAPI", "items").Index(i))...)
		}
	}
	if s.Projected != nil {
		errs = append(errs, validateProjected(s.Projected, p.Child("projected"))...)
	}
	if s.CSI != nil && s.CSI.Driver == "" {
		errs = append(errs, field.Required(p.Child("csi", "driver"), ""))
	}
	if s.Ephemeral != nil && s.Ephemeral.VolumeClaimTemplate == nil {
		errs = append(errs, field.Required(p.Child("ephemeral", "volumeClaimTemplate"), ""))
	}
	if s.Image != nil {
		if s.Image.Reference == "" {
			errs = append(errs, field.Required(p.Child("image", "reference"), ""))
		}
		errs = append(errs, validatePullPolicy(s.Image.PullPolicy, p.Child("image", "pullPolicy"))...)
	}
	return errs
}

func validateNFS(nfs *corev1.NFSVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if nfs.Server == "" {
		errs = append(errs, field.Required(p.Child("server"), ""))
	}
	if nfs.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	} else if !strings.HasPrefix(nfs.Path, "/") {
		errs = append(errs, field.Invalid(p.Child("path"), nfs.Path, "must be an absolute path"))
	}
	return errs
}

// validateKeyToPaths checks secret/configMap items: a key and a relative
// path that stays inside the volume.
func validateKeyToPaths(items []corev1.KeyToPath, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, it := range items {
		ip := p.Index(i)
		if it.Key == "" {
			errs = append(errs, field.Required(ip.Child("key"), ""))
		}
		if it.Path == "" {
			errs = append(errs, field.Required(ip.Child("path"), ""))
		} else {
			errs = append(errs, validateRelativePath(it.Path, ip.Child("path"))...)
		}
		errs = append(errs, fileMode(it.Mode, ip.Child("mode"))...)
	}
	return errs
}

func validateDownwardItem(it corev1.DownwardAPIVolumeFile, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if it.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	} else {
		errs = append(errs, validateRelativePath(it.Path, p.Child("path"))...)
	}
	switch {
	case it.FieldRef != nil && it.ResourceFieldRef != nil:
		errs = append(errs, field.Invalid(p, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
	case it.FieldRef != nil && (it.FieldRef.FieldPath == "metadata.labels" || it.FieldRef.FieldPath == "metadata.annotations"):
		// Whole label/annotation maps are files-only downward API fields.
	case it.FieldRef != nil:
		errs = append(errs, validateEnvFieldRef(it.FieldRef, p.Child("fieldRef"))...)
	case it.ResourceFieldRef != nil:
		errs = append(errs, validateResourceFieldRef(it.ResourceFieldRef, p.Child("resourceFieldRef"))...)
	default:
		errs = append(errs, field.Required(p, "one of fieldRef and resourceFieldRef is required"))
	}
	return append(errs, fileMode(it.Mode, p.Child("mode"))...)
}
