package runtime

import (
	"bufio"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestStdinPipeSurvivesAdoption: a container given a stdin pipe
// (ContainerConfig.Stdin, stdin: true) reads what is written to its write
// end, and with that end kept by the shim, the next agent writes into the
// same pipe after the first one is gone.
func TestStdinPipeSurvivesAdoption(t *testing.T) {
	r := testRuntime(t)
	cfg := SandboxConfig{Hostname: "stdin", ShimSocket: filepath.Join(t.TempDir(), "shim.sock")}
	sb, err := r.StartSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outR.Close()
	_, err = r.StartContainer(ContainerConfig{Sandbox: sb, Tag: "c/in/0", Keep: []*os.File{inW}, Stdin: inR,
		Argv: []string{"sh", "-c", `read a; echo "first $a"; read b; echo "second $b"; exec sleep 60`},
		Env:  []string{"PATH=/usr/bin:/bin"}, Stdout: outW, Stderr: outW})
	inR.Close()
	outW.Close()
	if err != nil {
		sb.Stop()
		t.Fatal(err)
	}
	out := bufio.NewReader(outR)
	if _, err := inW.WriteString("one\n"); err != nil {
		t.Fatal(err)
	}
	if line, _ := out.ReadString('\n'); line != "first one\n" {
		t.Fatalf("after the first write: %q", line)
	}
	inW.Close()          // the agent's copy; the shim holds its own
	sb.shim.conn.Close() // the agent dies

	adopted, children, err := r.AdoptSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer adopted.Stop()
	if len(children) != 1 || len(children[0].Files) != 1 {
		t.Fatalf("children %+v", children)
	}
	in := children[0].Files[0]
	defer in.Close()
	if _, err := in.WriteString("two\n"); err != nil {
		t.Fatal(err)
	}
	if line, _ := out.ReadString('\n'); line != "second two\n" {
		t.Errorf("after adoption: %q", line)
	}
	children[0].Proc.Signal(syscall.SIGKILL)
	<-children[0].Proc.Done()
}
