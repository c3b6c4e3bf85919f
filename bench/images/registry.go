package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/image/imagetest"
)

// serveRegistry is the child: an imagetest registry on 127.0.0.1 whose
// address it prints, serving until its stdin closes (the parent exited).
func serveRegistry() int {
	r, err := imagetest.NewRegistry(imagetest.RegistryOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(r.Host)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = r.Close()
	return 0
}

// registry is the child process serving images to both sides.
type registry struct {
	host  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startRegistry runs this program again as the registry and waits for
// its address.
func startRegistry() (*registry, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve-registry")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &registry{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		r.close()
		return nil, fmt.Errorf("registry child: %w", err)
	}
	r.host = strings.TrimSpace(line)
	return r, nil
}

func (r *registry) pid() int { return r.cmd.Process.Pid }

// cpu is the registry's CPU seconds so far.
func (r *registry) cpu() float64 {
	s, _ := benchutil.CPUSeconds(strconv.Itoa(r.pid()))
	return s
}

func (r *registry) close() {
	_ = r.stdin.Close()
	_ = r.cmd.Wait()
}

// ref names repo:tag in the registry.
func (r *registry) ref(repo string) string { return r.host + "/" + repo }

// push uploads img as repo:tag; 127.0.0.1 is spoken to in plain HTTP.
func (r *registry) push(repo string, img v1.Image) error {
	tag, err := name.ParseReference(r.ref(repo))
	if err != nil {
		return err
	}
	return remote.Write(tag, img)
}
