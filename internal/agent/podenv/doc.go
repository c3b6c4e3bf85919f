// Package podenv computes what a container process is started with: its
// environment, command and args, exactly as the kubelet computes them, so a
// manifest written for a real cluster behaves the same under ordo.
//
// It is pure: ConfigMaps and Secrets come through the Sources interface, the
// node's allocatable resources and the service-link variables come in Input,
// and nothing is cached between calls. The agent calls Resolve before each
// container start; an error is reported as the container's
// CreateContainerConfigError, and Resolved.Skipped as an
// InvalidEnvironmentVariableNames event.
//
// See README.md for the order of the steps and the expansion rules.
package podenv
