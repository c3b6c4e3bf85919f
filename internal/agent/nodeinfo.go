package agent

import (
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/component-base/version"

	"github.com/ordo-dev/ordo/internal/agent/pressure"
)

// nodeInfo is the node's system info as the kubelet reports it, read from
// the machine: machine ID, product UUID (empty where the machine has no
// DMI table, as in most VMs without one), boot ID, kernel and OS.
func nodeInfo() corev1.NodeSystemInfo {
	v := version.Get().GitVersion
	return corev1.NodeSystemInfo{
		MachineID:       readTrimmed("/etc/machine-id"),
		SystemUUID:      readTrimmed("/sys/class/dmi/id/product_uuid"),
		BootID:          readTrimmed("/proc/sys/kernel/random/boot_id"),
		KernelVersion:   kernel(),
		OSImage:         osImage(),
		OperatingSystem: goruntime.GOOS,
		Architecture:    goruntime.GOARCH,
		// The runtime is ordo itself: the kubelet's "<runtime>://<version>".
		ContainerRuntimeVersion: "ordo://" + v,
		KubeletVersion:          v,
		// No KubeProxyVersion: deprecated, and the API server clears it.
	}
}

func readTrimmed(path string) string {
	data, _ := os.ReadFile(path)
	return strings.TrimSpace(string(data))
}

// nodeResources are the node's capacity and allocatable. Allocatable is
// capacity less what the kubelet's default hard eviction thresholds keep
// back (memory.available 100Mi, nodefs.available 10%) and, for memory,
// less the huge pages, which are offered as their own resources.
func nodeResources(s pressure.Signals, maxPods int) (capacity, allocatable corev1.ResourceList) {
	capacity = corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewQuantity(int64(goruntime.NumCPU()), resource.DecimalSI),
		corev1.ResourceMemory: *resource.NewQuantity(s.MemoryCapacity, resource.BinarySI),
		corev1.ResourcePods:   *resource.NewQuantity(int64(maxPods), resource.DecimalSI),
	}
	if s.NodefsCapacity > 0 {
		capacity[corev1.ResourceEphemeralStorage] = *resource.NewQuantity(s.NodefsCapacity, resource.BinarySI)
	}
	var huge int64
	for name, bytes := range hugePages() {
		capacity[name] = *resource.NewQuantity(bytes, resource.BinarySI)
		huge += bytes
	}
	allocatable = capacity.DeepCopy()
	th := pressure.DefaultThresholds()
	if mem := s.MemoryCapacity - th.MemoryAvailable.Quantity - huge; mem > 0 {
		allocatable[corev1.ResourceMemory] = *resource.NewQuantity(mem, resource.BinarySI)
	}
	if s.NodefsCapacity > 0 {
		keep := int64(th.NodefsAvailable.Percentage / 100 * float64(s.NodefsCapacity))
		allocatable[corev1.ResourceEphemeralStorage] = *resource.NewQuantity(s.NodefsCapacity-keep, resource.BinarySI)
	}
	return capacity, allocatable
}

// hugePages are the machine's huge pages per size, as the kubelet offers
// them: "hugepages-2Mi" with the bytes of the pages reserved
// (/sys/kernel/mm/hugepages/hugepages-<kB>kB/nr_hugepages), for every size
// the kernel supports, 0 included.
func hugePages() map[corev1.ResourceName]int64 {
	dirs, _ := filepath.Glob("/sys/kernel/mm/hugepages/hugepages-*kB")
	out := map[corev1.ResourceName]int64{}
	for _, dir := range dirs {
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(dir), "hugepages-"), "kB"), 10, 64)
		if err != nil {
			continue
		}
		size := resource.NewQuantity(kb<<10, resource.BinarySI)
		n, _ := strconv.ParseInt(readTrimmed(filepath.Join(dir, "nr_hugepages")), 10, 64)
		out[corev1.ResourceName(corev1.ResourceHugePagesPrefix+size.String())] = n * (kb << 10)
	}
	return out
}
