package validation

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateProjected checks a projected volume's sources as Kubernetes does:
// one kind per source, names and items as for the standalone volumes, token
// lifetimes of at least ten minutes, pod certificates as
// validatePodCertificateProjection says, and no path written by two sources.
func validateProjected(src *corev1.ProjectedVolumeSource, p *field.Path) field.ErrorList {
	errs := fileMode(src.DefaultMode, p.Child("defaultMode"))
	paths := map[string]bool{}
	claim := func(path string, ip *field.Path) {
		if path == "" {
			return
		}
		if paths[path] {
			errs = append(errs, field.Invalid(ip, path, "conflicting duplicate paths"))
		}
		paths[path] = true
	}
	for i := range src.Sources {
		s := &src.Sources[i]
		sp := p.Child("sources").Index(i)
		if n := len(setSources(s)); n > 1 {
			errs = append(errs, field.Forbidden(sp, "may not specify more than 1 volume type per source"))
		}
		if sec := s.Secret; sec != nil {
			errs = append(errs, requiredName(sec.Name, sp.Child("secret", "name"))...)
			errs = append(errs, validateKeyToPaths(sec.Items, sp.Child("secret", "items"))...)
			for j, it := range sec.Items {
				claim(it.Path, sp.Child("secret", "items").Index(j).Child("path"))
			}
		}
		if cm := s.ConfigMap; cm != nil {
			errs = append(errs, requiredName(cm.Name, sp.Child("configMap", "name"))...)
			errs = append(errs, validateKeyToPaths(cm.Items, sp.Child("configMap", "items"))...)
			for j, it := range cm.Items {
				claim(it.Path, sp.Child("configMap", "items").Index(j).Child("path"))
			}
		}
		if d := s.DownwardAPI; d != nil {
			for j, it := range d.Items {
				ip := sp.Child("downwardAPI", "items").Index(j)
				errs = append(errs, validateDownwardItem(it, ip)...)
				claim(it.Path, ip.Child("path"))
			}
		}
		if t := s.ServiceAccountToken; t != nil {
			tp := sp.Child("serviceAccountToken")
			errs = append(errs, validateTokenProjection(t, tp)...)
			claim(t.Path, tp.Child("path"))
		}
		if pc := s.PodCertificate; pc != nil {
			pcErrs := validatePodCertificateProjection(pc, sp.Child("podCertificate"), claim)
			errs = append(errs, pcErrs...)
		}
	}
	return errs
}

func validateTokenProjection(t *corev1.ServiceAccountTokenProjection, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if exp := t.ExpirationSeconds; exp != nil {
		switch {
		case *exp < 600:
			errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *exp, "may not specify a duration less than 10 minutes"))
		case *exp > 1<<32:
			errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *exp, "may not specify a duration larger than 2^32 seconds"))
		}
	}
	pp := p.Child("path")
	switch {
	case t.Path == "":
		errs = append(errs, field.Required(pp, ""))
	case strings.HasPrefix(t.Path, ".."):
		errs = append(errs, field.Invalid(pp, t.Path, "must not start with '..'"))
	default:
		errs = append(errs, validateRelativePath(t.Path, pp)...)
	}
	return errs
}
