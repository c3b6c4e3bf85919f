package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/image"
	"github.com/ordo-dev/ordo/internal/image/imagetest"
	"github.com/ordo-dev/ordo/internal/image/remote"
)

// pullLayers are the pull image's layers above busybox: installed Debian
// packages and the libraries their programs need, one layer per group, as
// an application image is stacked.
var pullLayers = [][]string{
	{"perl-base", "perl-modules-5.36"},
	{"python3.11-minimal", "libpython3.11-stdlib"},
	{"postgresql-15", "postgresql-client-15"},
	{"mariadb-server-core", "mariadb-client-core", "redis-tools"},
}

// pullRef is the pull image's repository:tag in the registry.
const pullRef = "bench/stack:1"

// sideRun is one pull+unpack by one side.
type sideRun struct {
	WallS    float64 `json:"wall_s"`
	MBps     float64 `json:"mb_per_s"`
	CPUS     float64 `json:"cpu_s"`
	RegCPUS  float64 `json:"registry_cpu_s"`
	TreeByte int64   `json:"tree_bytes"`
}

// sideStats are one side's runs and their medians.
type sideStats struct {
	Runs       []sideRun `json:"runs"`
	MedianWall float64   `json:"median_wall_s"`
	MedianMBps float64   `json:"median_mb_per_s"`
	MedianCPU  float64   `json:"median_cpu_s"`
	MedianReg  float64   `json:"median_registry_cpu_s"`
}

type pullStats struct {
	Layers         int       `json:"layers"`
	Files          int       `json:"files"`
	UnpackedBytes  int64     `json:"unpacked_bytes"`
	CompressedByte int64     `json:"compressed_bytes"`
	BuildS         float64   `json:"build_s"`
	Ordo           sideStats `json:"ordo"`
	Crane          sideStats `json:"crane_export_tar"`
	CraneBin       string    `json:"crane_bin"`
}

// buildPullImage makes the pull image and counts its files.
func buildPullImage() (v1.Image, int, error) {
	base, err := imagetest.BusyboxFiles()
	if err != nil {
		return nil, 0, err
	}
	files := len(base)
	bl, err := imagetest.Layer(base)
	if err != nil {
		return nil, 0, err
	}
	layers := []v1.Layer{bl}
	for _, pkgs := range pullLayers {
		fs, err := imagetest.DebianFiles(pkgs...)
		if err != nil {
			return nil, 0, err
		}
		files += len(fs)
		l, err := imagetest.Layer(fs)
		if err != nil {
			return nil, 0, err
		}
		layers = append(layers, l)
	}
	img, err := imagetest.Image(v1.Config{
		Cmd: []string{"sh"},
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	}, layers...)
	return img, files, err
}

// pullPhase builds and pushes the image, then alternates ordo's pull and
// crane's export into fresh directories, runs times each.
func pullPhase(ctx context.Context, o options, reg *registry) (*pullStats, error) {
	crane, err := findCrane(o.crane)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	img, files, err := buildPullImage()
	if err != nil {
		return nil, fmt.Errorf("build the image: %w", err)
	}
	if err := reg.push(pullRef, img); err != nil {
		return nil, err
	}
	st := &pullStats{Layers: len(pullLayers) + 1, Files: files, BuildS: benchutil.Round3(time.Since(t0).Seconds()), CraneBin: crane}
	if ls, err := img.Layers(); err == nil {
		for _, l := range ls {
			n, _ := l.Size()
			st.CompressedByte += n
		}
	}
	benchutil.Progress("pull image %s built and pushed in %.1fs: %d layers, %d files, %.1f MB compressed",
		reg.ref(pullRef), st.BuildS, st.Layers, files, float64(st.CompressedByte)/1e6)
	if o.profile != "" {
		stopProfile, err := profileSelf(o.profile + ".pull")
		if err != nil {
			return st, err
		}
		defer stopProfile()
	}
	for i := range o.runs {
		sides := []func() error{
			func() error { r, err := pullOrdo(ctx, reg, st); st.Ordo.Runs = append(st.Ordo.Runs, r); return err },
			func() error {
				r, err := pullCrane(ctx, crane, reg, st)
				st.Crane.Runs = append(st.Crane.Runs, r)
				return err
			},
		}
		if i%2 == 1 {
			sides[0], sides[1] = sides[1], sides[0]
		}
		for _, side := range sides {
			if err := side(); err != nil {
				return st, err
			}
		}
	}
	st.Ordo.summarize(st.UnpackedBytes)
	st.Crane.summarize(st.UnpackedBytes)
	return st, nil
}

// pullOrdo is the agent's pull: PullInto a store opened on a fresh
// directory, through a new Puller (no connections kept).
func pullOrdo(ctx context.Context, reg *registry, st *pullStats) (sideRun, error) {
	dir, err := os.MkdirTemp("", "ordo-bench-store-")
	if err != nil {
		return sideRun{}, err
	}
	defer os.RemoveAll(dir)
	cpu0, reg0 := selfCPU(), reg.cpu()
	t0 := time.Now()
	store, err := image.Open(dir, image.Options{})
	if err != nil {
		return sideRun{}, err
	}
	stored, err := remote.PullInto(ctx, store, &remote.Puller{}, reg.ref(pullRef), nil)
	if err != nil {
		return sideRun{}, err
	}
	wall := time.Since(t0)
	r := sideRun{WallS: wall.Seconds(), CPUS: selfCPU() - cpu0, RegCPUS: reg.cpu() - reg0, TreeByte: stored.Size}
	if st.UnpackedBytes == 0 {
		st.UnpackedBytes = stored.Size
	}
	benchutil.Progress("ordo  pull+unpack %6.2fs  %6.1f MB/s  cpu %.2fs  (registry cpu %.2fs)", r.WallS, mbps(st.UnpackedBytes, wall), r.CPUS, r.RegCPUS)
	return r, nil
}

// pullCrane is `crane export REF - | tar -x -C DIR`: crane flattens the
// layers into one tar stream and tar writes one tree.
func pullCrane(ctx context.Context, crane string, reg *registry, st *pullStats) (sideRun, error) {
	dir, err := os.MkdirTemp("", "ordo-bench-crane-")
	if err != nil {
		return sideRun{}, err
	}
	defer os.RemoveAll(dir)
	export := exec.CommandContext(ctx, crane, "export", reg.ref(pullRef), "-")
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", dir)
	pipe, err := export.StdoutPipe()
	if err != nil {
		return sideRun{}, err
	}
	untar.Stdin = pipe
	export.Stderr, untar.Stderr = os.Stderr, os.Stderr
	reg0 := reg.cpu()
	t0 := time.Now()
	if err := untar.Start(); err != nil {
		return sideRun{}, err
	}
	if err := export.Start(); err != nil {
		_ = untar.Process.Kill()
		_ = untar.Wait()
		return sideRun{}, err
	}
	errExport := export.Wait()
	errTar := untar.Wait()
	wall := time.Since(t0)
	if errExport != nil || errTar != nil {
		return sideRun{}, fmt.Errorf("crane export | tar -x: %v, %v", errExport, errTar)
	}
	r := sideRun{WallS: wall.Seconds(), CPUS: childCPU(export) + childCPU(untar), RegCPUS: reg.cpu() - reg0, TreeByte: treeBytes(dir)}
	benchutil.Progress("crane export|tar  %6.2fs  %6.1f MB/s  cpu %.2fs  (registry cpu %.2fs)", r.WallS, mbps(st.UnpackedBytes, wall), r.CPUS, r.RegCPUS)
	return r, nil
}

// summarize fills MB/s of each run (from the store's count of unpacked
// bytes, the same for both sides) and the medians.
func (s *sideStats) summarize(bytes int64) {
	var wall, rate, cpu, regc []float64
	for i := range s.Runs {
		r := &s.Runs[i]
		r.MBps = benchutil.Round3(mbps(bytes, time.Duration(r.WallS*float64(time.Second))))
		r.WallS, r.CPUS, r.RegCPUS = benchutil.Round3(r.WallS), benchutil.Round3(r.CPUS), benchutil.Round3(r.RegCPUS)
		wall, rate, cpu, regc = append(wall, r.WallS), append(rate, r.MBps), append(cpu, r.CPUS), append(regc, r.RegCPUS)
	}
	s.MedianWall, s.MedianMBps, s.MedianCPU, s.MedianReg = median(wall), median(rate), median(cpu), median(regc)
}

func mbps(bytes int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(bytes) / 1e6 / d.Seconds()
}

// median of a few values (the mean of the middle two for an even count).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return benchutil.Round3((s[len(s)/2-1] + s[len(s)/2]) / 2)
}

func selfCPU() float64 {
	s, _ := benchutil.CPUSeconds("self")
	return s
}

// treeBytes adds up the regular files' sizes under dir, as the store
// counts an image's size.
func treeBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// findCrane is -crane, $CRANE, crane on $PATH, or crane built from the
// module cache (go-containerregistry is a dependency of ordo already).
func findCrane(flagValue string) (string, error) {
	for _, c := range []string{flagValue, os.Getenv("CRANE")} {
		if c != "" {
			return c, nil
		}
	}
	if p, err := exec.LookPath("crane"); err == nil {
		return p, nil
	}
	out := filepath.Join(os.TempDir(), "ordo-bench-crane-"+strconv.Itoa(os.Getpid()))
	benchutil.Progress("building crane from the module cache into %s", out)
	b := exec.Command("go", "build", "-o", out, "github.com/google/go-containerregistry/cmd/crane")
	b.Stdout, b.Stderr = os.Stderr, os.Stderr
	if err := b.Run(); err != nil {
		return "", fmt.Errorf("build crane (pass -crane): %w", err)
	}
	return out, nil
}

func printPull(st *pullStats) {
	fmt.Printf("\n== pull + unpack: %d layers, %d files, %.1f MB unpacked, %.1f MB compressed (gzip), %d runs each, interleaved\n",
		st.Layers, st.Files, float64(st.UnpackedBytes)/1e6, float64(st.CompressedByte)/1e6, len(st.Ordo.Runs))
	fmt.Printf("%-26s %10s %10s %10s %14s\n", "median of runs", "wall s", "MB/s", "CPU s", "registry CPU s")
	for _, s := range []struct {
		name string
		st   sideStats
	}{{"ordo (PullInto a store)", st.Ordo}, {"crane export | tar -x", st.Crane}} {
		fmt.Printf("%-26s %10.2f %10.1f %10.2f %14.2f\n", s.name, s.st.MedianWall, s.st.MedianMBps, s.st.MedianCPU, s.st.MedianReg)
	}
	if st.Crane.MedianWall > 0 {
		fmt.Printf("ordo wall / crane wall: %.2f   (crane's tree holds %.1f MB of files)\n", st.Ordo.MedianWall/st.Crane.MedianWall, float64(st.Crane.Runs[0].TreeByte)/1e6)
	}
}

// profileSelf saves this process's CPU profile to file until the returned
// function is called: over the pull phase it is ordo's pulls (crane and
// tar run in processes of their own; the registry too).
func profileSelf(file string) (func(), error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		benchutil.Progress("CPU profile of ordo's pulls in %s", file)
	}, nil
}
