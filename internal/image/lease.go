package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A lease says that a holder (a container, say "<pod-uid>/<container>")
// uses an image, which therefore stays: Remove, Prune and GC leave it. Each
// holder has one lease, a small file under leases/, so leases survive a
// restart of ordo as the containers holding them do; the agent releases
// a container's lease when it removes the container.
type lease struct {
	Holder string    `json:"holder"`
	Image  string    `json:"image"` // manifest digest
	Since  time.Time `json:"since"`
}

// lastUsedResolution is how stale an image's LastUsed may be before a
// Hold records the new use in the index.
const lastUsedResolution = time.Minute

// errIndexUnchanged tells updateIndex to write nothing.
var errIndexUnchanged = errors.New("index unchanged")

// leasePath names the holder's lease file by a hash of the holder, so any
// string may be a holder.
func (s *Store) leasePath(holder string) string {
	sum := sha256.Sum256([]byte(holder))
	return filepath.Join(s.leasesDir(), hex.EncodeToString(sum[:16])+".json")
}

// Hold records that holder uses the image id (any reference Lookup takes),
// replacing the holder's previous lease, and marks the image used now for GC.
func (s *Store) Hold(holder, id string) error {
	if holder == "" {
		return errors.New("a lease needs a holder")
	}
	now := s.opts.Now()
	err := s.updateIndex(func(ix *index) error {
		d, err := ix.find(id)
		if err != nil {
			return err
		}
		data, err := json.Marshal(lease{Holder: holder, Image: d, Since: now})
		if err != nil {
			return err
		}
		// Written under the index lock, so Remove never misses it.
		if err := writeFileReplacing(s.leasePath(holder), data); err != nil {
			return err
		}
		// LastUsed only orders images for GC, which spares any image
		// used within MinAge: a container start does not rewrite the
		// whole index when its image was used a moment ago.
		if now.Sub(ix.Images[d].LastUsed) < lastUsedResolution {
			return errIndexUnchanged
		}
		ix.Images[d].LastUsed = now
		return nil
	})
	if err != nil {
		return fmt.Errorf("holding image %s for %s: %w", id, holder, err)
	}
	return nil
}

// Release drops holder's lease; releasing twice is not an error.
func (s *Store) Release(holder string) error {
	err := os.Remove(s.leasePath(holder))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// ReleaseWhere drops the leases of every holder release accepts: the
// agent releases a pod's containers' leases ("<pod-uid>/…") when the pod
// goes, and those of pods that went while it was down.
func (s *Store) ReleaseWhere(release func(holder string) bool) error {
	all, err := s.allLeases()
	if err != nil {
		return err
	}
	for _, l := range all {
		if release(l.Holder) {
			if err := s.Release(l.Holder); err != nil {
				return err
			}
		}
	}
	return nil
}

// leases returns the number of leases on each manifest digest.
func (s *Store) leases() (map[string]int, error) {
	all, err := s.allLeases()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, l := range all {
		out[l.Image]++
	}
	return out, nil
}

// allLeases reads every lease file.
func (s *Store) allLeases() ([]lease, error) {
	entries, err := os.ReadDir(s.leasesDir())
	if err != nil {
		return nil, err
	}
	var out []lease
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(s.leasesDir(), e.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, err
		}
		var l lease
		if err := json.Unmarshal(data, &l); err != nil {
			return nil, fmt.Errorf("lease %s: %w", e.Name(), err)
		}
		out = append(out, l)
	}
	return out, nil
}
