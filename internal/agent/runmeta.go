package agent

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/internal/runtime"
)

// runMeta is what the agent leaves with a container run in the pod's shim
// (runtime.ContainerConfig.Meta), for a later agent to adopt the run:
// the shim hands it back with the run's process and log pipes. It is the
// on-disk state of a running pod (held in the shim's memory, not a file),
// so it is versioned: fields are only ever added, a reader ignores those
// it does not know, and a version newer than runMetaVersion is not adopted.
type runMeta struct {
	Version   int       `json:"v"`
	Container string    `json:"container"`
	Run       int       `json:"run"` // 0 for the first run: c.runs before it
	Started   time.Time `json:"started"`
	Env       []string  `json:"env,omitempty"`
	// Creds are who the run's process runs as, for exec (a run recorded
	// before they were added execs as the agent's user).
	Creds     *runtime.Credentials `json:"creds,omitempty"`
	TermLog   string               `json:"termLog,omitempty"`
	Cgroup    string               `json:"cgroup,omitempty"`
	CgroupDir []string             `json:"cgroupDirs,omitempty"`
	Warm      bool                 `json:"warm,omitempty"`
	// Stdin says the last of the run's kept descriptors is the write end
	// of its stdin pipe (see newStdin).
	Stdin bool `json:"stdin,omitempty"`
	// TTY says the run has a terminal (tty: true), and the last of its
	// kept descriptors, when there is one, is its master (the shim keeps
	// it: see runtime.ContainerConfig.TTY).
	TTY bool `json:"tty,omitempty"`
	// ImageID is the run's status imageID: the digest of the image whose
	// root it runs on, or the image table entry's ID.
	ImageID string `json:"imageID,omitempty"`
}

const runMetaVersion = 1

func (m runMeta) encode() []byte {
	m.Version = runMetaVersion
	b, _ := json.Marshal(m)
	return b
}

func decodeRunMeta(b []byte) (runMeta, error) {
	var m runMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("run record: %w", err)
	}
	if m.Version > runMetaVersion {
		return m, fmt.Errorf("run record version %d is newer than this agent's %d", m.Version, runMetaVersion)
	}
	return m, nil
}

// runTag names run n of a container to the pod's shim.
func runTag(container string, n int) string { return "c/" + container + "/" + strconv.Itoa(n) }

// parseRunTag is runTag's inverse.
func parseRunTag(tag string) (container string, n int, ok bool) {
	rest, ok := strings.CutPrefix(tag, "c/")
	i := strings.LastIndexByte(rest, '/')
	if !ok || i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(rest[i+1:])
	return rest[:i], n, err == nil
}
