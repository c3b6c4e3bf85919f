package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
	"k8s.io/klog/v2"
)

// Remove removes a reference. A tag of an image with other names only
// loses that name; otherwise (the image's last name, its ID or digest, or a
// name@digest reference) the image goes, unless a lease holds it
// (ErrInUse, and nothing changes). Layers no image uses any more are
// deleted.
func (s *Store) Remove(ref string) error {
	err := s.updateIndex(func(ix *index) error {
		d, err := ix.find(ref)
		if err != nil {
			return err
		}
		r := ix.Images[d]
		if norm, err := Normalize(ref); err == nil && len(r.Names) > 1 && slices.Contains(r.Names, norm) {
			if _, tag, _ := splitName(norm); tag != "" {
				r.Names = slices.DeleteFunc(r.Names, func(n string) bool { return n == norm })
				return nil
			}
		}
		leases, err := s.leases()
		if err != nil {
			return err
		}
		if leases[d] > 0 {
			return fmt.Errorf("image %s (%s): %w by %d container(s)", ref, d, ErrInUse, leases[d])
		}
		delete(ix.Images, d)
		return nil
	})
	if err != nil {
		return err
	}
	return s.collect()
}

// Prune removes every image no lease holds, as `crictl rmi --prune` removes
// the images no container uses, and returns their digests.
func (s *Store) Prune() ([]string, error) {
	var removed []string
	err := s.updateIndex(func(ix *index) error {
		leases, err := s.leases()
		if err != nil {
			return err
		}
		for d := range ix.Images {
			if leases[d] == 0 {
				delete(ix.Images, d)
				removed = append(removed, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(removed)
	return removed, s.collect()
}

// GCPolicy is the kubelet's image garbage collection policy: when the
// store's file system is more than HighPercent full, unused images are
// removed, least recently used first, until it is below LowPercent.
type GCPolicy struct {
	HighPercent int // kubelet's imageGCHighThresholdPercent, 85 by default
	LowPercent  int // kubelet's imageGCLowThresholdPercent, 80 by default
	// MinAge spares images used (or added) less than this long ago, as
	// the kubelet's imageMinimumGCAge (2m by default) does: an image
	// pulled for a container not started yet has no lease.
	MinAge time.Duration
}

// DefaultGCPolicy is the kubelet's default.
var DefaultGCPolicy = GCPolicy{HighPercent: 85, LowPercent: 80, MinAge: 2 * time.Minute}

// GC frees space as the kubelet's image garbage collector does: nothing
// below the high threshold; above it, images no lease holds are removed by
// LastUsed (Hold's time, else when added), oldest first, until the bytes of
// the layers freed bring usage to the low threshold. It returns the bytes
// freed, and an error if the unused images were not enough.
func (s *Store) GC(ctx context.Context, p GCPolicy) (int64, error) {
	if p.HighPercent <= 0 || p.HighPercent > 100 || p.LowPercent < 0 || p.LowPercent > p.HighPercent {
		return 0, fmt.Errorf("invalid image GC policy: high %d%%, low %d%%", p.HighPercent, p.LowPercent)
	}
	used, capacity, err := s.opts.DiskUsage(s.dir)
	if err != nil {
		return 0, err
	}
	if capacity <= 0 {
		return 0, fmt.Errorf("the image file system reports a capacity of %d bytes", capacity)
	}
	usage := used * 100 / capacity
	if usage < int64(p.HighPercent) {
		return 0, nil
	}
	amountToFree := capacity*int64(100-p.LowPercent)/100 - (capacity - used)
	logger := klog.FromContext(ctx)
	logger.Info("Disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold",
		"usage", usage, "highThreshold", p.HighPercent, "amountToFree", amountToFree, "lowThreshold", p.LowPercent)
	var freed int64
	var removed []string
	now := s.opts.Now()
	err = s.updateIndex(func(ix *index) error {
		leases, err := s.leases()
		if err != nil {
			return err
		}
		for _, d := range lruUnleased(ix, leases) {
			if freed >= amountToFree {
				break
			}
			r := ix.Images[d]
			if now.Sub(r.LastUsed) < p.MinAge {
				continue
			}
			delete(ix.Images, d)
			freed += freedBytes(ix, r)
			removed = append(removed, d)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, d := range removed {
		logger.Info("Removing image to free bytes", "imageID", d)
	}
	if err := s.collect(); err != nil {
		return freed, err
	}
	if freed < amountToFree {
		return freed, fmt.Errorf("Failed to garbage collect required amount of images. Attempted to free %d bytes, but only found %d bytes eligible to free.", amountToFree, freed)
	}
	return freed, nil
}

// lruUnleased lists the images no lease holds, least recently used first.
func lruUnleased(ix *index, leases map[string]int) []string {
	var out []string
	for d := range ix.Images {
		if leases[d] == 0 {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := ix.Images[out[i]], ix.Images[out[j]]
		if !a.LastUsed.Equal(b.LastUsed) {
			return a.LastUsed.Before(b.LastUsed)
		}
		return out[i] < out[j]
	})
	return out
}

// freedBytes is what removing r (already out of ix) frees: its layers
// that no other image uses.
func freedBytes(ix *index, r *record) int64 {
	var n int64
	for _, l := range r.Layers {
		if !layerUsed(ix, l) {
			n += ix.LayerSizes[l]
		}
	}
	return n
}

func layerUsed(ix *index, diffID string) bool {
	for _, r := range ix.Images {
		if slices.Contains(r.Layers, diffID) {
			return true
		}
	}
	return false
}

// collect deletes what no image of the index uses: layers, blobs, the
// temporary directories of interrupted Adds and the layers they finished
// (an Add resumes from those only until the next collection). It waits
// for Adds under way, here and in other processes, to finish.
func (s *Store) collect() error {
	unlock, err := s.lockLayers(unix.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	ix, err := s.readIndex()
	if err != nil {
		return err
	}
	layers := map[string]bool{}
	blobs := map[string]bool{}
	for d, r := range ix.Images {
		for _, l := range r.Layers {
			layers[strings.TrimPrefix(l, "sha256:")] = true
		}
		blobs[strings.TrimPrefix(d, "sha256:")] = true
		blobs[strings.TrimPrefix(r.ID, "sha256:")] = true
	}
	var errs []error
	var gone []string
	errs = append(errs, removeUnlisted(s.layersDir(), layers, func(name string) {
		gone = append(gone, v1.Hash{Algorithm: "sha256", Hex: name}.String())
	}))
	errs = append(errs, removeUnlisted(s.blobDir(), blobs, nil))
	// No Add runs now, so no one waits on a layer's lock file.
	errs = append(errs, removeUnlisted(s.locksDir(), nil, nil))
	if len(gone) > 0 {
		errs = append(errs, s.updateIndex(func(ix *index) error {
			for _, g := range gone {
				delete(ix.LayerSizes, g)
			}
			return nil
		}))
	}
	return errors.Join(errs...)
}

// removeUnlisted removes the entries of dir not in keep, calling removed
// with the name of each one it removes that is not a temporary one.
func removeUnlisted(dir string, keep map[string]bool, removed func(string)) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if keep[e.Name()] {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, err)
			continue
		}
		if removed != nil && !strings.HasPrefix(e.Name(), ".") {
			removed(e.Name())
		}
	}
	return errors.Join(errs...)
}
