package agent

import (
	"errors"

	"github.com/ordo-dev/ordo/internal/runtime"
)

// errNoCommand is a container whose image has neither ENTRYPOINT nor CMD
// and which gives no command, as containerd refuses it.
var errNoCommand = &createError{errors.New("no command specified")}

// createError is a start the runtime would refuse to create
// (CreateContainerError), rather than a configuration the pod got wrong.
type createError struct{ err error }

func (e *createError) Error() string { return e.err.Error() }
func (e *createError) Unwrap() error { return e.err }

// planImageStart is planStart for a container on its image's root: the
// image's config under Kubernetes' rules (command replaces ENTRYPOINT and
// drops CMD, args replaces CMD; env over ENV; workingDir over WORKDIR;
// runAsUser over USER), and the pod's mounts over the image's layers.
func planImageStart(in startInput, mounts []runtime.Mount) (startPlan, error) {
	p, spec, cfg := in.pod, in.spec, in.image.Config
	argv := imageArgv(cfg.Entrypoint, cfg.Cmd, in.resolved.Command, in.resolved.Args)
	if len(argv) == 0 {
		return startPlan{}, errNoCommand
	}
	runAsUser, runAsGroup := runAs(p, spec)
	user, err := resolveImageUser(cfg.User, in.userFiles, runAsUser, runAsGroup)
	if err != nil {
		return startPlan{}, &createError{err}
	}
	if err := imageNonRootViolation(p, spec, user, runAsUser); err != nil {
		return startPlan{}, err
	}
	caps, err := containerCapabilities(spec)
	if err != nil {
		return startPlan{}, err
	}
	uid, gid := user.uid, user.gid
	env := withDefaults(underImageEnv(cfg.Env, in.resolved.Env), hostname(p), homeOf(in.userFiles.passwd, uid))
	return startPlan{
		argv: argv, env: env, workingDir: workingDir(spec.WorkingDir, cfg.WorkingDir),
		uid: &uid, gid: &gid, groups: appendMissing(supplementalGroups(p), user.extra),
		noNewPrivileges: noNewPrivileges(spec), capabilities: caps,
		readOnlyRoot: spec.SecurityContext != nil && spec.SecurityContext.ReadOnlyRootFilesystem != nil && *spec.SecurityContext.ReadOnlyRootFilesystem,
		mounts:       mounts,
		layers:       in.image.Layers,
	}, nil
}

// imageArgv is Kubernetes' rule for what runs: command and args replace
// ENTRYPOINT and CMD; args alone replaces CMD; neither runs both.
func imageArgv(entrypoint, cmd, command, args []string) []string {
	switch {
	case len(command) > 0:
		return concat(command, args)
	case len(args) > 0:
		return concat(entrypoint, args)
	}
	return concat(entrypoint, cmd)
}

func concat(a, b []string) []string { return append(append([]string{}, a...), b...) }

// appendMissing is groups with those of extra it lacks.
func appendMissing(groups, extra []int64) []int64 {
	out := append([]int64{}, groups...)
	for _, g := range extra {
		found := false
		for _, h := range out {
			found = found || h == g
		}
		if !found {
			out = append(out, g)
		}
	}
	return out
}
