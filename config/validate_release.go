package config

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mpc-mesh/infra/internal/kmscore"
)

// Rules of the MPC services' release: the enclave size both the node group
// and the chart use, the chart and image pins, the operator's extra chart
// values, and peer TLS.

// validateEnclaveSize checks the one enclave size the allocator reserves
// and the chart requests against the smallest instance type.
func validateEnclaveSize(c *collector, m *Managed, path string) {
	e := m.Enclave
	size, known := smallestInstance(m.NodeGroup.InstanceTypes)
	if !known {
		for field, v := range map[string]int{"cpu_count": e.CPUCount, "memory_mib": e.MemoryMiB} {
			if v == 0 {
				c.add(path+"."+field, "", fmt.Sprintf("is required: the size of instance type %s is not known to this app", strings.Join(m.NodeGroup.InstanceTypes, ", ")), "set enclave.cpu_count and enclave.memory_mib to what the instance can give (even vCPUs, whole GiB)")
			}
		}
	}
	if e.CPUCount != 0 {
		cpu := strconv.Itoa(e.CPUCount)
		switch {
		case e.CPUCount < 2:
			c.add(path+".cpu_count", cpu, "an enclave needs at least 2 vCPUs", "use an even number of at least 2, or leave it out for 75% of the instance")
		case e.CPUCount > maxEnclaveCPUs:
			c.add(path+".cpu_count", cpu, fmt.Sprintf("is more than the %d vCPUs any instance has", maxEnclaveCPUs), "use an even number the instance type can give")
		case e.CPUCount%2 != 0:
			c.add(path+".cpu_count", cpu, "is odd; an enclave takes whole cores (2 vCPUs each)", fmt.Sprintf("use %d or %d", e.CPUCount-1, e.CPUCount+1))
		case known && e.CPUCount > size.VCPUs-parentVCPUs:
			c.add(path+".cpu_count", cpu, fmt.Sprintf("does not fit: the smallest instance type has %d vCPUs and the parent keeps %d", size.VCPUs, parentVCPUs), fmt.Sprintf("use at most %d, or a larger instance type", size.VCPUs-parentVCPUs))
		}
	}
	if e.MemoryMiB != 0 {
		mem := strconv.Itoa(e.MemoryMiB)
		switch {
		case e.MemoryMiB < 1024:
			c.add(path+".memory_mib", mem, "is too small for an enclave", "use at least 1024, or leave it out for 75% of the instance")
		case e.MemoryMiB > maxEnclaveMemoryMiB:
			c.add(path+".memory_mib", mem, fmt.Sprintf("is more than the %d MiB any instance has", maxEnclaveMemoryMiB), "use whole GiB the instance type can give")
		case e.MemoryMiB%1024 != 0:
			c.add(path+".memory_mib", mem, "is not a whole number of GiB; the enclave's memory is given as 1 GiB huge pages", fmt.Sprintf("use %d or %d", e.MemoryMiB/1024*1024, (e.MemoryMiB/1024+1)*1024))
		case known && e.MemoryMiB > size.MemoryMiB-parentMemoryMiB:
			c.add(path+".memory_mib", mem, fmt.Sprintf("does not fit: the smallest instance type has %d MiB and the pod and kubelet need %d", size.MemoryMiB, parentMemoryMiB), fmt.Sprintf("use at most %d, or a larger instance type", size.MemoryMiB-parentMemoryMiB))
		}
	}
}

func validateHelm(c *collector, m *Managed, path string) {
	h := m.Helm
	if !reDNSLabel.MatchString(h.ReleaseName) || len(h.ReleaseName) > 53 {
		c.add(path+".release_name", h.ReleaseName, "is not a Helm release name", "use at most 53 lowercase letters, digits and hyphens")
	}
	if h.Path == "" {
		if !strings.HasPrefix(h.Repository, "oci://") && !strings.HasPrefix(h.Repository, "https://") {
			c.add(path+".repository", h.Repository, "must be an oci:// or https:// chart repository", "use "+DefaultHelmRepository+" or set path to a local chart")
		}
		if !reVersion.MatchString(h.Version) {
			c.add(path+".version", h.Version, "must pin a chart version", "use a released chart version such as "+DefaultHelmVersion)
		}
	}
	switch {
	case h.Image.Tag == "":
		c.add(path+".image.tag", "", "is required: the enclave image must be pinned to the release whose PCR0 the key policy allows", "set the kms-core release tag, for example v0.14.0")
	case strings.EqualFold(h.Image.Tag, "latest") || !reImageTag.MatchString(h.Image.Tag):
		c.add(path+".image.tag", h.Image.Tag, "does not pin a release", "use a release tag such as v0.14.0")
	}
	if !reImage.MatchString(h.Image.Name) || strings.ContainsAny(h.Image.Name, "@") || strings.Contains(lastSegment(h.Image.Name), ":") {
		c.add(path+".image.name", h.Image.Name, "is not an image name without tag", "use a repository such as "+DefaultHelmImage+" and set the tag in image.tag")
	}
	if *h.Atomic && !*h.Wait {
		c.add(path+".atomic", "true", "needs wait: a release that is not waited for cannot be rolled back on failure", "set wait: true, or atomic: false")
	}
	if h.TimeoutSeconds < 60 || h.TimeoutSeconds > 3600 {
		c.add(path+".timeout_seconds", strconv.Itoa(h.TimeoutSeconds), "is outside 60 to 3600 seconds", fmt.Sprintf("use %d (the default) or another value in range", DefaultHelmTimeout))
	}
	for _, p := range valuePaths(h.Values, "") {
		at := path + ".values." + p
		if why, owned := kmscore.Owned(p); owned {
			c.add(at, "", "is set by the app from the environment", why)
		} else if !kmscore.Known(p) {
			c.add(at, "", fmt.Sprintf("is not a value of the %s %s chart", kmscore.Chart, kmscore.Version), chartKeyFix(p))
		}
	}
}

// chartKeyFix suggests the chart's keys beside an unknown value path: the
// closest one, or the list of them.
func chartKeyFix(path string) string {
	parent, key := "", path
	if i := strings.LastIndex(path, "."); i >= 0 {
		parent, key = path[:i], path[i+1:]
	}
	seen := map[string]bool{}
	var siblings []string
	for _, p := range kmscore.KnownPaths() {
		rest, ok := strings.CutPrefix(p, parent+".")
		if parent == "" {
			rest, ok = p, true
		}
		if !ok {
			continue
		}
		next, _, _ := strings.Cut(rest, ".")
		if !seen[next] {
			seen[next] = true
			siblings = append(siblings, next)
		}
	}
	for _, s := range siblings {
		if strings.EqualFold(s, key) || editDistance(strings.ToLower(key), strings.ToLower(s)) <= 2 && len(key) > 3 {
			return fmt.Sprintf("did you mean %q?", strings.TrimPrefix(parent+"."+s, "."))
		}
	}
	if len(siblings) == 0 {
		return "remove it; " + parent + " is not a map of the chart"
	}
	return fmt.Sprintf("remove it; the chart's keys under %s are %s", orRoot(parent), strings.Join(siblings, ", "))
}

// reImageTag is a Docker image tag.
var reImageTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// lastSegment is what follows the last "/" of an image name.
func lastSegment(name string) string {
	return name[strings.LastIndex(name, "/")+1:]
}

// valuePaths returns the dotted paths of the leaves of a values mapping,
// sorted. An empty mapping counts as a leaf.
func valuePaths(values map[string]any, prefix string) []string {
	var res []string
	for k, v := range values {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			res = append(res, valuePaths(sub, p)...)
			continue
		}
		res = append(res, p)
	}
	sort.Strings(res)
	return res
}

func validatePeerTLS(c *collector, env *Environment) {
	t := env.PeerTLS
	if *t.Enabled && len(t.TrustedReleases) == 0 {
		c.add("peer_tls.trusted_releases", "", "is required when peer TLS is on: an enclave accepts only peers running a trusted release", "list the PCR0, PCR1 and PCR2 of the release your parties run (nitro-cli describe-eif), or set peer_tls.enabled: false on a test network")
	}
	seen := map[string]int{}
	for i, r := range t.TrustedReleases {
		p := fmt.Sprintf("peer_tls.trusted_releases[%d]", i)
		for name, v := range map[string]string{"pcr0": r.PCR0, "pcr1": r.PCR1, "pcr2": r.PCR2} {
			if !reHex96.MatchString(v) {
				c.add(p+"."+name, v, pcrProblem(v), "use the 96-hex-character SHA-384 measurement")
			}
		}
		key := strings.ToLower(r.PCR0 + r.PCR1 + r.PCR2)
		if j, dup := seen[key]; dup {
			c.add(p, "", fmt.Sprintf("repeats peer_tls.trusted_releases[%d]", j), "list each release once")
		}
		seen[key] = i
	}
}
