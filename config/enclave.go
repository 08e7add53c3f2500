package config

import (
	"regexp"
	"strconv"
)

// InstanceSize is what an EC2 instance type offers an enclave and its parent.
type InstanceSize struct {
	// VCPUs is the number of vCPUs.
	VCPUs int
	// MemoryMiB is the memory in MiB.
	MemoryMiB int
}

// memoryPerVCPU is the GiB of memory per vCPU of the Nitro instance families
// whose sizes follow the regular rule (<n>xlarge has 4n vCPUs; xlarge 4).
var memoryPerVCPU = map[string]int{
	"c5": 2, "c5a": 2, "c6a": 2, "c6g": 2, "c6i": 2, "c7a": 2, "c7g": 2, "c7i": 2,
	"m5": 4, "m5a": 4, "m5n": 4, "m6a": 4, "m6g": 4, "m6i": 4, "m7a": 4, "m7g": 4, "m7i": 4,
	"r5": 8, "r5a": 8, "r6a": 8, "r6g": 8, "r6i": 8, "r7a": 8, "r7g": 8, "r7i": 8,
}

var reXLarge = regexp.MustCompile(`^([a-z][a-z0-9-]*)\.([0-9]*)xlarge$`)

// enclaveShare is the part of an instance's vCPUs and memory an enclave gets
// when its size is not set.
const enclaveShare = 0.75

// Parent reserve: an enclave takes whole cores, and the parent instance keeps
// at least one (2 vCPUs); the kms-core pod (4 GiB limit), its sidecars and
// the kubelet need memory beside the enclave's huge pages.
const (
	parentVCPUs     = 2
	parentMemoryMiB = 4096
)

// KnownInstanceSize returns the size of an instance type of the families
// above, and whether it is known.
func KnownInstanceSize(instanceType string) (InstanceSize, bool) {
	m := reXLarge.FindStringSubmatch(instanceType)
	if m == nil {
		return InstanceSize{}, false
	}
	perVCPU, ok := memoryPerVCPU[m[1]]
	if !ok {
		return InstanceSize{}, false
	}
	n := 1
	if m[2] != "" {
		v, err := strconv.Atoi(m[2])
		if err != nil || v < 1 || v > 64 {
			return InstanceSize{}, false
		}
		n = v
	}
	return InstanceSize{VCPUs: 4 * n, MemoryMiB: 4 * n * perVCPU * 1024}, true
}

// smallestInstance is the smallest size among the node group's instance
// types (any of them may host the enclave), and whether all are known.
func smallestInstance(types []string) (InstanceSize, bool) {
	var res InstanceSize
	for i, t := range types {
		s, ok := KnownInstanceSize(t)
		if !ok {
			return InstanceSize{}, false
		}
		if i == 0 || s.VCPUs < res.VCPUs {
			res.VCPUs = s.VCPUs
		}
		if i == 0 || s.MemoryMiB < res.MemoryMiB {
			res.MemoryMiB = s.MemoryMiB
		}
	}
	return res, len(types) > 0
}

// defaultEnclaveSize fills an unset enclave size from the smallest instance
// type: 75% of its vCPUs rounded down to an even count, and 75% of its
// memory rounded down to a whole GiB. Sizes of unknown types stay unset;
// validation then asks for them.
func defaultEnclaveSize(m *Managed) {
	size, ok := smallestInstance(m.NodeGroup.InstanceTypes)
	if !ok {
		return
	}
	if m.Enclave.CPUCount == 0 {
		m.Enclave.CPUCount = int(enclaveShare*float64(size.VCPUs)) / 2 * 2
	}
	if m.Enclave.MemoryMiB == 0 {
		m.Enclave.MemoryMiB = int(enclaveShare*float64(size.MemoryMiB)) / 1024 * 1024
	}
}
