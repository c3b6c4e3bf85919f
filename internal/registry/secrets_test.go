package registry

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestSecretStringDataIsMergedIntoDataOnCreateAndUpdate(t *testing.T) {
	s := newStrategy(resourceOfKind(coreGroup().Kinds, "Secret"), testConfig(), false)
	sec := &corev1.Secret{
		Data:       map[string][]byte{"keep": []byte("1"), "both": []byte("old")},
		StringData: map[string]string{"both": "new", "redis-password": "pw"},
	}
	s.PrepareForCreate(context.Background(), sec)
	want := map[string]string{"keep": "1", "both": "new", "redis-password": "pw"}
	assertSecretData(t, "create", sec, want)

	upd := sec.DeepCopy()
	upd.StringData = map[string]string{"keep": "2"}
	s.PrepareForUpdate(context.Background(), upd, sec)
	want["keep"] = "2"
	assertSecretData(t, "update", upd, want)

	onlyString := &corev1.Secret{StringData: map[string]string{"a": "b"}}
	s.PrepareForCreate(context.Background(), onlyString)
	assertSecretData(t, "stringData alone", onlyString, map[string]string{"a": "b"})
}

func assertSecretData(t *testing.T, what string, s *corev1.Secret, want map[string]string) {
	t.Helper()
	if s.StringData != nil {
		t.Errorf("%s: stringData kept: %v", what, s.StringData)
	}
	if len(s.Data) != len(want) {
		t.Errorf("%s: data has %d keys, want %d: %v", what, len(s.Data), len(want), s.Data)
	}
	for k, v := range want {
		if string(s.Data[k]) != v {
			t.Errorf("%s: data[%s] = %q, want %q", what, k, s.Data[k], v)
		}
	}
}
