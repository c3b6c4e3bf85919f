package validation

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// immutableDataMsg is Kubernetes' wording for a change to an immutable
// ConfigMap's or Secret's contents.
const immutableDataMsg = "field is immutable when `immutable` is set"

var (
	dataPath       = field.NewPath("data")
	binaryDataPath = field.NewPath("binaryData")
	stringDataPath = field.NewPath("stringData")
	immutablePath  = field.NewPath("immutable")
	secretTypePath = field.NewPath("type")
)

// configKeys validates the keys of one data map and returns its byte size.
func configKeys[V string | []byte](m map[string]V, p *field.Path) (int, field.ErrorList) {
	var errs field.ErrorList
	size := 0
	for k, v := range m {
		errs = append(errs, msgsToErrs(utilvalidation.IsConfigMapKey(k), k, p.Key(k))...)
		size += len(v)
	}
	return size, errs
}

// ValidateConfigMap validates a new ConfigMap: valid keys, no key in both
// data and binaryData, and at most 1 MiB in total (etcd's object limit).
func ValidateConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	errs := validateMeta(&cm.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateConfigMapData(cm)...)
}

func validateConfigMapData(cm *corev1.ConfigMap) field.ErrorList {
	n1, errs := configKeys(cm.Data, dataPath)
	n2, e := configKeys(cm.BinaryData, binaryDataPath)
	errs = append(errs, e...)
	for k := range cm.Data {
		if _, dup := cm.BinaryData[k]; dup {
			errs = append(errs, field.Invalid(dataPath.Key(k), k, "duplicate of key present in binaryData"))
		}
	}
	for k := range cm.BinaryData {
		if _, dup := cm.Data[k]; dup {
			errs = append(errs, field.Invalid(binaryDataPath.Key(k), k, "duplicate of key present in data"))
		}
	}
	if n1+n2 > corev1.MaxSecretSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", corev1.MaxSecretSize))
	}
	return errs
}

// ValidateConfigMapUpdate validates cm replacing old; once immutable, a
// ConfigMap's contents and the flag itself are frozen.
func ValidateConfigMapUpdate(cm, old *corev1.ConfigMap) field.ErrorList {
	errs := validateMetaUpdate(&cm.ObjectMeta, &old.ObjectMeta)
	if isTrue(old.Immutable) {
		if !isTrue(cm.Immutable) {
			errs = append(errs, field.Forbidden(immutablePath, immutableDataMsg))
		}
		if !equality.Semantic.DeepEqual(cm.Data, old.Data) {
			errs = append(errs, field.Forbidden(dataPath, immutableDataMsg))
		}
		if !equality.Semantic.DeepEqual(cm.BinaryData, old.BinaryData) {
			errs = append(errs, field.Forbidden(binaryDataPath, immutableDataMsg))
		}
	}
	return append(errs, validateConfigMapData(cm)...)
}

func isTrue(b *bool) bool { return b != nil && *b }

// ValidateSecret validates a new Secret: valid keys, at most 1 MiB, and the
// keys or annotation each built-in secret type requires.
func ValidateSecret(s *corev1.Secret) field.ErrorList {
	errs := validateMeta(&s.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateSecretData(s)...)
}

// validateSecretData also counts stringData, which Kubernetes folds into
// data before validation; ordo may see it unmerged.
func validateSecretData(s *corev1.Secret) field.ErrorList {
	n1, errs := configKeys(s.Data, dataPath)
	n2, e := configKeys(s.StringData, stringDataPath)
	errs = append(errs, e...)
	if n1+n2 > corev1.MaxSecretSize {
		errs = append(errs, field.TooLong(dataPath, "", corev1.MaxSecretSize))
	}
	return append(errs, validateSecretType(s)...)
}

// secretValue reads a key from data or (unmerged) stringData.
func secretValue(s *corev1.Secret, key string) ([]byte, bool) {
	if v, ok := s.Data[key]; ok {
		return v, true
	}
	if v, ok := s.StringData[key]; ok {
		return []byte(v), true
	}
	return nil, false
}

func validateSecretType(s *corev1.Secret) field.ErrorList {
	var errs field.ErrorList
	require := func(key string) []byte {
		v, ok := secretValue(s, key)
		if !ok {
			errs = append(errs, field.Required(dataPath.Key(key), ""))
		}
		return v
	}
	requireJSON := func(key string) {
		if v := require(key); v != nil {
			var x map[string]any
			if err := json.Unmarshal(v, &x); err != nil {
				errs = append(errs, field.Invalid(dataPath.Key(key), "<secret contents redacted>", err.Error()))
			}
		}
	}
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(metadataPath.Child("annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		requireJSON(corev1.DockerConfigKey)
	case corev1.SecretTypeDockerConfigJson:
		requireJSON(corev1.DockerConfigJsonKey)
	case corev1.SecretTypeBasicAuth:
		_, u := secretValue(s, corev1.BasicAuthUsernameKey)
		_, pw := secretValue(s, corev1.BasicAuthPasswordKey)
		if !u && !pw {
			errs = append(errs, field.Required(dataPath.Key(corev1.BasicAuthUsernameKey), ""),
				field.Required(dataPath.Key(corev1.BasicAuthPasswordKey), ""))
		}
	case corev1.SecretTypeSSHAuth:
		require(corev1.SSHAuthPrivateKey)
	case corev1.SecretTypeTLS:
		require(corev1.TLSCertKey)
		require(corev1.TLSPrivateKeyKey)
	}
	return errs
}

// ValidateSecretUpdate validates s replacing old: the type never changes,
// and an immutable secret's contents are frozen.
func ValidateSecretUpdate(s, old *corev1.Secret) field.ErrorList {
	errs := validateMetaUpdate(&s.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, immutable(s.Type, old.Type, secretTypePath)...)
	if isTrue(old.Immutable) {
		if !isTrue(s.Immutable) {
			errs = append(errs, field.Forbidden(immutablePath, immutableDataMsg))
		}
		if !equality.Semantic.DeepEqual(s.Data, old.Data) || !equality.Semantic.DeepEqual(s.StringData, old.StringData) {
			errs = append(errs, field.Forbidden(dataPath, immutableDataMsg))
		}
	}
	return append(errs, validateSecretData(s)...)
}
