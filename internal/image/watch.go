package image

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"k8s.io/klog/v2"
)

// ImportPollInterval is how often WatchImports looks for new files.
const ImportPollInterval = 5 * time.Second

// importedFile records a file of the import directory already imported
// (or refused): it is imported again only once its size or mtime change,
// as k3s's agent/images does.
type importedFile struct {
	Size  int64 `json:"size"`
	MTime int64 `json:"mtime"` // UnixNano
}

// importedRecord is the import directory's .imported.json.
const importedRecord = ".imported.json"

// importSuffixes are the archives the import directory takes.
var importSuffixes = []string{".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst"}

// WatchImports imports the archives (see Import) found in dir, usually
// ImportDir, now and then every ImportPollInterval until ctx ends. Each file
// is imported once per size and mtime, so a file still being copied is
// tried again when it is complete; errors are logged and the watch goes on.
func (s *Store) WatchImports(ctx context.Context, dir string) {
	t := time.NewTicker(ImportPollInterval)
	defer t.Stop()
	for {
		if err := s.importDir(ctx, dir); err != nil {
			klog.FromContext(ctx).Error(err, "Scanning the image import directory", "dir", dir)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// importDir imports the new archives of dir once.
func (s *Store) importDir(ctx context.Context, dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	done := map[string]importedFile{}
	recPath := filepath.Join(dir, importedRecord)
	if data, err := os.ReadFile(recPath); err == nil {
		if err := json.Unmarshal(data, &done); err != nil {
			klog.FromContext(ctx).Error(err, "Reading the import record; importing every file again", "file", recPath)
			done = map[string]importedFile{}
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	changed := false
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") || !hasImportSuffix(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		rec := importedFile{Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
		if done[e.Name()] == rec {
			continue
		}
		path := filepath.Join(dir, e.Name())
		imgs, err := s.Import(ctx, path)
		logImported(ctx, path, imgs, err)
		done[e.Name()] = rec
		changed = true
	}
	for n := range done {
		if _, err := os.Lstat(filepath.Join(dir, n)); errors.Is(err, os.ErrNotExist) {
			delete(done, n)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	data, err := json.Marshal(done)
	if err != nil {
		return err
	}
	return writeFileAtomic(recPath, data)
}

func hasImportSuffix(n string) bool {
	for _, s := range importSuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}
