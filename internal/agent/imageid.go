package agent

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ordo-dev/ordo/internal/images"
)

// imageIDScheme marks an imageID that names an image table entry, not a
// registry manifest: images are not pulled yet, so there is no registry
// digest to report (docker's "docker-pullable://" is the precedent for a
// scheme there).
const imageIDScheme = "ordo-image-table://"

// imageID is the status' imageID of a container of image: the image's
// full reference (registry and repository, without tag) and the sha256 of
// the table entry it runs, so the ID is the same for every container run
// from one entry and changes when the entry does. An image no entry
// matches (its container names a command on the host's root) hashes as an
// empty entry.
func imageID(table *images.Table, image string) string {
	e := &images.Entry{}
	if table != nil {
		if found := table.Lookup(image); found != nil {
			e = found
		}
	}
	data, err := json.Marshal(e)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s%s@sha256:%x", imageIDScheme, fullRepository(image), sha256.Sum256(data))
}

// fullRepository is image without tag or digest, with the registry and
// "library/" a container runtime would add: "busybox:1.36" →
// "docker.io/library/busybox".
func fullRepository(image string) string {
	name, _, _ := strings.Cut(image, "@")
	if slash := strings.LastIndex(name, "/"); strings.LastIndex(name, ":") > slash {
		name = name[:strings.LastIndex(name, ":")]
	}
	first, _, hasSlash := strings.Cut(name, "/")
	switch {
	case !hasSlash:
		return "docker.io/library/" + name
	case strings.ContainsAny(first, ".:") || first == "localhost":
		return name
	}
	return "docker.io/" + name
}
