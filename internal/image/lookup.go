package image

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// dockerHub is how Docker and Kubernetes write Docker Hub's registry in a
// normalized reference; ggcr says index.docker.io.
const dockerHub = "docker.io"

// Normalize applies Docker's normalization to an image reference: the
// registry defaults to docker.io, a single-component repository there gets
// library/, and a missing tag is :latest unless a digest is given
// ("redis" → "docker.io/library/redis:latest", "foo/bar:1" →
// "docker.io/foo/bar:1", "localhost:5000/x" → "localhost:5000/x:latest",
// "redis@sha256:…" → "docker.io/library/redis@sha256:…"). With both a tag
// and a digest the digest wins, as containerd does.
func Normalize(ref string) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("couldn't parse image name %q: %w", ref, err)
	}
	repo := repoName(r.Context())
	if d, ok := r.(name.Digest); ok {
		return repo + "@" + d.DigestStr(), nil
	}
	return repo + ":" + r.Identifier(), nil
}

// repoName writes a repository with docker.io for Docker Hub.
func repoName(repo name.Repository) string {
	reg := repo.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = dockerHub
	}
	return reg + "/" + repo.RepositoryStr()
}

// splitName splits a normalized reference into repository and tag or
// digest ("@sha256:…").
func splitName(ref string) (repo, tag, digest string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		return ref[:i], "", ref[i+1:]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i], ref[i+1:], ""
	}
	return ref, "", ""
}

// hexID matches an image ID or digest, or the start of one, written
// without its "sha256:" (as `ordo images ls` shows it).
var hexID = regexp.MustCompile(`^[0-9a-f]{12,64}$`)

// Lookup finds an image by name ("redis", "docker.io/library/redis:7"),
// by name and digest ("redis@sha256:…", which must be the digest of an
// image of that repository), or by its ID or digest ("sha256:…", or at least
// 12 hex digits of one).
func (s *Store) Lookup(ref string) (*Image, error) {
	ix, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	digest, err := ix.find(ref)
	if err != nil {
		return nil, err
	}
	return s.image(digest, ix.Images[digest], ix)
}

// find resolves a reference to a manifest digest of the index.
func (ix *index) find(ref string) (string, error) {
	id := strings.TrimPrefix(ref, "sha256:")
	if hexID.MatchString(id) {
		var found []string
		for d, r := range ix.Images {
			if strings.HasPrefix(d, "sha256:"+id) || strings.HasPrefix(r.ID, "sha256:"+id) {
				found = append(found, d)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		if len(found) > 1 {
			return "", fmt.Errorf("%q names %d images: %w", ref, len(found), ErrNotFound)
		}
		if strings.HasPrefix(ref, "sha256:") {
			return "", fmt.Errorf("%s: %w", ref, ErrNotFound)
		}
	}
	norm, err := Normalize(ref)
	if err != nil {
		return "", err
	}
	repo, _, digest := splitName(norm)
	for d, r := range ix.Images {
		if digest != "" {
			// The digest of the image itself, or the one it was
			// added under (a multi-platform index's, for a pull).
			if (d == digest && r.hasRepo(repo)) || slices.Contains(r.Names, norm) {
				return d, nil
			}
			continue
		}
		if slices.Contains(r.Names, norm) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%s: %w", norm, ErrNotFound)
}

// hasRepo reports whether a name of the image is in the repository.
func (r *record) hasRepo(repo string) bool {
	for _, n := range r.Names {
		if rp, _, _ := splitName(n); rp == repo {
			return true
		}
	}
	return false
}

// List returns the store's images, ordered by their first name then digest.
func (s *Store) List() ([]Image, error) {
	ix, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	var out []Image
	for d, r := range ix.Images {
		img, err := s.image(d, r, ix)
		if err != nil {
			return nil, err
		}
		out = append(out, *img)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := firstOr(out[i].Names, "~"), firstOr(out[j].Names, "~")
		if a != b {
			return a < b
		}
		return out[i].Digest < out[j].Digest
	})
	return out, nil
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// image builds the Image of a record, reading its config blob.
func (s *Store) image(digest string, r *record, ix *index) (*Image, error) {
	cfgHash, err := v1.NewHash(r.ID)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(s.blobDir(), cfgHash.Hex))
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", digest, err)
	}
	var cf v1.ConfigFile
	if err := json.Unmarshal(data, &cf); err != nil {
		return nil, fmt.Errorf("image %s: config: %w", digest, err)
	}
	img := &Image{ID: r.ID, Digest: digest, Config: cf.Config, LastUsed: r.LastUsed}
	for _, n := range r.Names {
		repo, _, d := splitName(n)
		if d != "" {
			addUnique(&img.RepoDigests, n)
			continue
		}
		img.Names = append(img.Names, n)
		addUnique(&img.RepoDigests, repo+"@"+digest)
	}
	for _, l := range r.Layers {
		h, err := v1.NewHash(l)
		if err != nil {
			return nil, err
		}
		img.Layers = append(img.Layers, s.layerDir(h))
		img.Size += ix.LayerSizes[l]
	}
	return img, nil
}

func addUnique(s *[]string, v string) {
	if !slices.Contains(*s, v) {
		*s = append(*s, v)
	}
}
