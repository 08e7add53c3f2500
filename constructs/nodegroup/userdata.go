package nodegroup

import (
	"fmt"
	"strings"
)

// AllocatorConfigPath is the Nitro Enclaves allocator configuration that the
// boot script rewrites.
const AllocatorConfigPath = "/etc/nitro_enclaves/allocator.yaml"

// MIMEBoundary separates the parts of the user-data document. EKS merges this
// multipart document with its own nodeadm part on AL2023 nodes.
const MIMEBoundary = "MIMEBOUNDARY"

// EnclaveScript returns the shell script that installs the Nitro Enclaves CLI,
// reserves cpuCount CPUs and memoryMiB MiB for enclaves in the allocator
// configuration and (re)starts the allocator. Both values are strings so that
// they may be cdktf tokens computed by Terraform. The script contains no "${"
// or "%{" sequence, which Terraform would read as an interpolation.
func EnclaveScript(cpuCount, memoryMiB string) string {
	lines := []string{
		"#!/bin/bash",
		"set -euo pipefail",
		"ENCLAVE_CPU_COUNT=" + cpuCount,
		"ENCLAVE_MEMORY_MIB=" + memoryMiB,
		"dnf install -y aws-nitro-enclaves-cli",
		fmt.Sprintf(`sed -i "s/^cpu_count:.*/cpu_count: $ENCLAVE_CPU_COUNT/" %s`, AllocatorConfigPath),
		fmt.Sprintf(`sed -i "s/^memory_mib:.*/memory_mib: $ENCLAVE_MEMORY_MIB/" %s`, AllocatorConfigPath),
		"systemctl enable nitro-enclaves-allocator.service",
		"systemctl restart nitro-enclaves-allocator.service",
		`echo "Nitro Enclaves allocator configured: $ENCLAVE_CPU_COUNT CPUs, $ENCLAVE_MEMORY_MIB MiB"`,
	}
	return strings.Join(lines, "\n") + "\n"
}

// Part is one part of the multipart user-data document.
type Part struct {
	// ContentType is the part's MIME type.
	ContentType string
	// Body is the part's content.
	Body string
}

// ScriptPart is a shell script part, which cloud-init runs at boot.
func ScriptPart(script string) Part {
	return Part{ContentType: `text/x-shellscript; charset="us-ascii"`, Body: script}
}

// NodeConfigContentType is the MIME type nodeadm reads its configuration from.
const NodeConfigContentType = "application/node.eks.aws"

// NodeConfigPart is the nodeadm NodeConfig that joins an AL2023 node to the
// cluster. EKS writes it itself for its optimized AMIs; a node booting a
// custom AMI gets nothing from EKS and needs it in its own user data. The
// values are strings so that they may be cdktf tokens.
func NodeConfigPart(clusterName, endpoint, ca, serviceCIDR string) Part {
	lines := []string{
		"---",
		"apiVersion: node.eks.aws/v1alpha1",
		"kind: NodeConfig",
		"spec:",
		"  cluster:",
		"    name: " + clusterName,
		"    apiServerEndpoint: " + endpoint,
		"    certificateAuthority: " + ca,
		"    cidr: " + serviceCIDR,
	}
	return Part{ContentType: NodeConfigContentType, Body: strings.Join(lines, "\n") + "\n"}
}

// MIMEUserData wraps parts into the MIME multipart document that EKS expects
// as launch-template user data for AL2023 nodes; nodeadm reads the
// NodeConfig parts and cloud-init runs the scripts, in order.
func MIMEUserData(parts ...Part) string {
	var b strings.Builder
	b.WriteString("MIME-Version: 1.0\n")
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\n\n", MIMEBoundary)
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\n", MIMEBoundary)
		b.WriteString("Content-Transfer-Encoding: 7bit\n")
		b.WriteString("Content-Type: " + p.ContentType + "\n")
		b.WriteString("Mime-Version: 1.0\n\n")
		b.WriteString(p.Body)
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "--%s--\n", MIMEBoundary)
	return b.String()
}
