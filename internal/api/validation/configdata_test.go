package validation

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestConfigMap(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: objMeta("cfg"), Data: map[string]string{"app.conf": "x"}}
	expectErrs(t, Create(cm))
	bad := cm.DeepCopy()
	bad.Data["bad key"] = "x"
	bad.BinaryData = map[string][]byte{"app.conf": []byte("y")}
	expectErrs(t, Create(bad), inv("data[bad key]"), inv("data[app.conf]"), inv("binaryData[app.conf]"))
	big := cm.DeepCopy()
	big.Data["big"] = strings.Repeat("x", corev1.MaxSecretSize)
	expectErrs(t, Create(big), tooLong("[]")) // Kubernetes reports the whole object

	cm.Immutable = ptr.To(true)
	rv(&cm.ObjectMeta)
	upd := cm.DeepCopy()
	upd.Data["app.conf"] = "changed"
	upd.Immutable = nil
	expectErrs(t, Update(upd, cm), forbidden("data"), forbidden("immutable"))
	same := cm.DeepCopy()
	same.Labels = map[string]string{"a": "b"}
	expectErrs(t, Update(same, cm))
}

func TestSecret(t *testing.T) {
	s := &corev1.Secret{ObjectMeta: objMeta("creds"), Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte("x")}}
	expectErrs(t, Create(s))
	bad := s.DeepCopy()
	bad.Data["/etc"] = nil
	bad.StringData = map[string]string{"..": "x"}
	expectErrs(t, Create(bad), inv("data[/etc]"), inv("stringData[..]"))
	big := s.DeepCopy()
	big.Data["big"] = make([]byte, corev1.MaxSecretSize)
	expectErrs(t, Create(big), tooLong("data"))

	tls := s.DeepCopy()
	tls.Type = corev1.SecretTypeTLS
	expectErrs(t, Create(tls), req("data[tls.crt]"), req("data[tls.key]"))
	tls.StringData = map[string]string{"tls.crt": "c", "tls.key": "k"}
	expectErrs(t, Create(tls))
	dcj := s.DeepCopy()
	dcj.Type = corev1.SecretTypeDockerConfigJson
	dcj.Data[corev1.DockerConfigJsonKey] = []byte("{not json")
	expectErrs(t, Create(dcj), inv("data[.dockerconfigjson]"))
	sat := s.DeepCopy()
	sat.Type = corev1.SecretTypeServiceAccountToken
	expectErrs(t, Create(sat), req("metadata.annotations[kubernetes.io/service-account.name]"))

	rv(&s.ObjectMeta)
	upd := s.DeepCopy()
	upd.Type = corev1.SecretTypeBasicAuth
	upd.Data["username"] = []byte("u")
	expectErrs(t, Update(upd, s), inv("type"))

	s.Immutable = ptr.To(true)
	upd = s.DeepCopy()
	upd.Data["password"] = []byte("y")
	expectErrs(t, Update(upd, s), forbidden("data"))
}
