package volume

import (
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestHostPathTypesAreCheckedAndMadeAsTheKubeletDoes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(path string, typ corev1.HostPathType) error {
		return checkHostPath(&corev1.HostPathVolumeSource{Path: path, Type: ptr.To(typ)})
	}
	if err := check(filepath.Join(dir, "made/dir"), corev1.HostPathDirectoryOrCreate); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dir, "made/dir")); err != nil || !info.IsDir() {
		t.Errorf("DirectoryOrCreate made no directory: %v", err)
	}
	if err := check(filepath.Join(dir, "made/file"), corev1.HostPathFileOrCreate); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dir, "made/file")); err != nil || !info.Mode().IsRegular() || info.Size() != 0 {
		t.Errorf("FileOrCreate made no empty file: %v", err)
	}
	if err := check(file, corev1.HostPathDirectory); err == nil || err.Error() != "hostPath type check failed: "+file+" is not a directory" {
		t.Errorf("Directory on a file: %v", err)
	}
	if err := check(dir, corev1.HostPathFile); err == nil || err.Error() != "hostPath type check failed: "+dir+" is not a file" {
		t.Errorf("File on a directory: %v", err)
	}
	if err := check(filepath.Join(dir, "absent"), corev1.HostPathSocket); err != nil {
		t.Errorf("a type ordo does not check fails: %v", err)
	}
	if err := checkHostPath(&corev1.HostPathVolumeSource{Path: filepath.Join(dir, "unset")}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dir, "unset")); err != nil || !info.IsDir() {
		t.Errorf("an unset type made no directory for a missing path: %v", err)
	}
}
