package podenv

import (
	"errors"

	corev1 "k8s.io/api/core/v1"
)

// Sources looks up what env references point to. The agent implements it with
// API reads; tests use a fake.
type Sources interface {
	// ConfigMap returns a NotFound error (k8s.io/apimachinery/pkg/api/errors)
	// when the ConfigMap does not exist, so optional references can be told
	// apart from real failures.
	ConfigMap(namespace, name string) (*corev1.ConfigMap, error)
	// Secret returns a NotFound error when the Secret does not exist.
	Secret(namespace, name string) (*corev1.Secret, error)
}

// Input is everything Resolve needs about one container of one pod.
type Input struct {
	// Pod is read, never changed. Its status should already carry the pod and
	// host IPs, since status.podIP(s) and status.hostIP(s) are read from it.
	Pod *corev1.Pod
	// Container is the container (regular, init or ephemeral) being started.
	Container *corev1.Container
	// Sources reads the ConfigMaps and Secrets the container refers to. It may
	// be nil when the container refers to none.
	Sources Sources
	// Allocatable is the node's allocatable resources, used for
	// resourceFieldRef limits the container does not set.
	Allocatable corev1.ResourceList
	// ServiceEnv holds the service-link variables (FOO_SERVICE_HOST, ...).
	// The agent decides whether to supply them (pod.spec.enableServiceLinks);
	// Resolve only places them below everything the container defines.
	ServiceEnv []corev1.EnvVar
}

// Resolved is what a container process gets.
type Resolved struct {
	// Env is "NAME=value", one entry per name. Names appear in the order they
	// were first defined (service links, then envFrom sources in order with
	// each source's keys sorted, then env); a later definition of a name
	// replaces the value, as the kubelet's map does.
	Env []string
	// Command is container.command after $(VAR) expansion; empty means "run
	// Args[0]", since ordo does not know an image's entrypoint.
	Command []string
	// Args is container.args after $(VAR) expansion.
	Args []string
	// Skipped lists envFrom names (prefix included) that were dropped because
	// they are not valid environment variable names; the agent reports them
	// in an InvalidEnvironmentVariableNames event, as the kubelet does.
	Skipped []string
}

// Resolve builds the environment, command and args of in.Container exactly
// as the kubelet does, in this order:
//
//  1. service links (in.ServiceEnv), lowest precedence;
//  2. envFrom sources in order, with their prefix, skipping invalid names;
//  3. env entries in order: a literal value is $(VAR)-expanded against
//     everything defined so far; a valueFrom is read and used verbatim; an
//     optional reference to something missing leaves the name untouched;
//  4. command and args, $(VAR)-expanded against the complete environment.
//
// An error means the container cannot be started; its message uses the
// kubelet's wording because the agent shows it as the container's
// CreateContainerConfigError message.
func Resolve(in Input) (Resolved, error) {
	if in.Pod == nil || in.Container == nil {
		return Resolved{}, errors.New("podenv: pod and container are required")
	}
	env := newEnvList()
	for _, v := range in.ServiceEnv {
		env.set(v.Name, v.Value)
	}
	r := newResolver(in)
	skipped, err := r.addEnvFrom(env)
	if err != nil {
		return Resolved{}, err
	}
	if err := r.addEnv(env); err != nil {
		return Resolved{}, err
	}
	return Resolved{
		Env:     env.pairs(),
		Command: expandAll(in.Container.Command, env.lookup),
		Args:    expandAll(in.Container.Args, env.lookup),
		Skipped: skipped,
	}, nil
}

// expandAll expands every string of list; nil stays nil so that "no command"
// remains distinguishable from an empty one.
func expandAll(list []string, lookup func(string) (string, bool)) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = Expand(s, lookup)
	}
	return out
}

// envList is an insertion-ordered map: the kubelet keeps the environment in a
// map (last definition wins), and ordo wants the same values in a stable order.
type envList struct {
	names  []string
	values map[string]string
}

func newEnvList() *envList {
	return &envList{values: map[string]string{}}
}

// set defines name, keeping its first position when it is redefined.
func (l *envList) set(name, value string) {
	if _, ok := l.values[name]; !ok {
		l.names = append(l.names, name)
	}
	l.values[name] = value
}

// lookup is the mapping Expand uses.
func (l *envList) lookup(name string) (string, bool) {
	v, ok := l.values[name]
	return v, ok
}

// pairs renders the list as "NAME=value" strings for exec.
func (l *envList) pairs() []string {
	out := make([]string, 0, len(l.names))
	for _, n := range l.names {
		out = append(out, n+"="+l.values[n])
	}
	return out
}
