// Package pulls decides where each container's image comes from — the
// node's image store, a registry, or the host's image table — and runs the
// pulls, one at a time per image, with the kubelet's back-off.
//
// The precedence (README "Images"):
//
//	mode table, and the table has the image ─▶ the host's root (table entry)
//	in the store, policy not Always ─────────▶ the image's root
//	policy Never ─▶ the table (mode auto) or ErrImageNeverPull
//	registry known to be unreachable, table has it (mode auto) ─▶ table
//	otherwise ─▶ pull; when the registry cannot be reached and the
//	             table has the image (mode auto) ─▶ table, else ErrImagePull
//
// so that on a machine with no network the seeds' images still run on the
// host's programs, while any image a registry or an import provides runs
// on its own file system.
package pulls

import (
	corev1 "k8s.io/api/core/v1"
)

// Mode is the node's choice between images and its image table
// (ordo server/agent --image-source).
type Mode string

const (
	// ModeAuto: images first; the table only for what no registry can
	// be reached for (or a Never policy finds no image for).
	ModeAuto Mode = "auto"
	// ModeRegistry never uses the table: every container runs an image.
	ModeRegistry Mode = "registry"
	// ModeTable runs the table's entry for every image the table knows,
	// without looking at the store or a registry; other images as auto.
	ModeTable Mode = "table"
)

// ParseMode checks a --image-source value.
func ParseMode(s string) (Mode, bool) {
	switch m := Mode(s); m {
	case ModeAuto, ModeRegistry, ModeTable:
		return m, true
	case "":
		return ModeAuto, true
	}
	return "", false
}

// source is where a container's root comes from.
type source int

const (
	fromStore source = iota // the image, already in the store
	fromTable               // the image table's entry over the host's root
	fromPull                // pull it first
	neverPull               // policy Never and nothing to run: ErrImageNeverPull
)

// situation is what the decision is made from.
type situation struct {
	mode     Mode
	policy   corev1.PullPolicy
	present  bool // in the store
	tableHas bool // the host's image table has an entry
	// registryDown: a pull from the image's registry failed to reach it
	// a moment ago.
	registryDown bool
}

// decide is where the container's root comes from, before any pull.
func decide(s situation) source {
	table := s.tableHas && s.mode != ModeRegistry
	switch {
	case s.mode == ModeTable && s.tableHas:
		return fromTable
	case s.present && s.policy != corev1.PullAlways:
		return fromStore
	case s.policy == corev1.PullNever && table:
		return fromTable
	case s.policy == corev1.PullNever:
		return neverPull
	case table && s.registryDown:
		return fromTable
	}
	return fromPull
}

// afterFailedPull is where the root comes from when a pull failed:
// the table when the registry could not be reached and the mode allows
// it; otherwise the failure stands (ok false).
func afterFailedPull(s situation, unreachable bool) (ok bool) {
	return unreachable && s.tableHas && s.mode != ModeRegistry
}
