// Package nodedefaults holds the enclave node group's defaults in one place:
// the environment schema (config) and the node-group construct both read
// them, so a party that sets nothing gets what the construct would choose by
// itself.
package nodedefaults

const (
	// InstanceType is a Nitro-based instance type that supports enclaves (a
	// t3.large, for one, does not): 8 vCPUs / 32 GiB, so the 75% rule gives
	// 6 CPUs / 24576 MiB.
	InstanceType = "m5.2xlarge"
	// AMIType is AL2023, the only EKS AMI family whose nodeadm bootstrap runs
	// the enclave allocator script.
	AMIType = "AL2023_x86_64_STANDARD"
	// CapacityType is how the nodes are bought.
	CapacityType = "ON_DEMAND"
	// DiskSizeGiB is the root volume size.
	DiskSizeGiB = 50
	// MinSize, MaxSize and DesiredSize are one enclave node: a party runs one
	// kms-core pod.
	MinSize, MaxSize, DesiredSize = 1, 1, 1
	// MaxUnavailable is how many nodes an update replaces at a time: one, so
	// a group of several nodes keeps serving during a rolling update.
	MaxUnavailable = 1
)

// The Nitro Enclaves device plugin, which advertises the enclave resource
// the MPC pods request: a pinned image and small resources (it only
// registers a device with the kubelet).
const (
	// DevicePluginImage is the pinned device-plugin image.
	DevicePluginImage = "public.ecr.aws/aws-nitro-enclaves/aws-nitro-enclaves-k8s-device-plugin:v0.3"
	// DevicePluginCPULimit and DevicePluginMemoryLimit cap the container.
	DevicePluginCPULimit, DevicePluginMemoryLimit = "100m", "30Mi"
	// DevicePluginCPURequest and DevicePluginMemoryRequest reserve for it.
	DevicePluginCPURequest, DevicePluginMemoryRequest = "10m", "15Mi"
)
