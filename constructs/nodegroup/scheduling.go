package nodegroup

// Taint is a Kubernetes node taint as the EKS API spells it: Effect is one of
// NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE.
type Taint struct {
	// Key is the taint key, such as mpc.io/enclave.
	Key string
	// Value is the taint value, such as "true".
	Value string
	// Effect is the EKS effect name: NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE.
	Effect string
}

// Toleration is a pod toleration as Kubernetes spells it (effect NoSchedule,
// NoExecute or PreferNoSchedule). The YAML tags match the pod spec, so a list
// of tolerations can go into Helm values unchanged.
type Toleration struct {
	// Key is the taint key tolerated.
	Key string `yaml:"key"`
	// Operator is "Equal" (key and value must match) or "Exists".
	Operator string `yaml:"operator"`
	// Value is the taint value tolerated (empty with operator Exists).
	Value string `yaml:"value,omitempty"`
	// Effect is the Kubernetes effect name: NoSchedule, NoExecute or PreferNoSchedule.
	Effect string `yaml:"effect,omitempty"`
}

// EKS taint effect names.
const (
	NoSchedule       = "NO_SCHEDULE"
	NoExecute        = "NO_EXECUTE"
	PreferNoSchedule = "PREFER_NO_SCHEDULE"
)

// Node labels and taint keys that the two strategies put on enclave nodes.
const (
	// KubeIPEnclaveKey is the KubeIP strategy's enclave label and taint key.
	KubeIPEnclaveKey = "mpc.io/enclave"
	// PrivateLinkEnclaveKey is the PrivateLink strategy's enclave label and taint key.
	PrivateLinkEnclaveKey = "node.kubernetes.io/enclave-enabled"
)

// KubeIPLabels returns the node labels of the KubeIP strategy's enclave nodes:
// nodepool=mpc-enclave, mpc.io/enclave=true and kubeip=true (the KubeIP agent
// and the MPC pods select on them).
func KubeIPLabels() map[string]string {
	return map[string]string{nodePoolLabel: NodePool, KubeIPEnclaveKey: "true", kubeIPLabel: "true"}
}

// The KubeIP strategy's node labels besides the enclave key.
const (
	// NodePool is the nodepool label value of the KubeIP enclave nodes.
	NodePool      = "mpc-enclave"
	nodePoolLabel = "nodepool"
	kubeIPLabel   = "kubeip"
)

// KubeIPWorkloadSelector selects the KubeIP strategy's enclave nodes for
// the workloads that run there: the MPC services, the device plugin and the
// connectivity probe.
func KubeIPWorkloadSelector() map[string]string {
	return map[string]string{nodePoolLabel: NodePool, KubeIPEnclaveKey: "true"}
}

// KubeIPAgentSelector selects the nodes the KubeIP agent gives addresses to.
func KubeIPAgentSelector() map[string]string {
	return map[string]string{nodePoolLabel: NodePool, kubeIPLabel: "true"}
}

// KubeIPTaints returns the KubeIP strategy's enclave taint mpc.io/enclave=true:NoSchedule.
func KubeIPTaints() []Taint {
	return []Taint{{Key: KubeIPEnclaveKey, Value: "true", Effect: NoSchedule}}
}

// PrivateLinkLabels returns the node label of the PrivateLink strategy's
// enclave nodes: node.kubernetes.io/enclave-enabled=true.
func PrivateLinkLabels() map[string]string {
	return map[string]string{PrivateLinkEnclaveKey: "true"}
}

// PrivateLinkTaints returns the PrivateLink strategy's enclave taint
// node.kubernetes.io/enclave-enabled=true:NoSchedule.
func PrivateLinkTaints() []Taint {
	return []Taint{{Key: PrivateLinkEnclaveKey, Value: "true", Effect: NoSchedule}}
}

// Tolerations returns, for each taint, the toleration that lets a pod run on
// the tainted nodes: same key and value, operator Equal, effect translated
// from the EKS name (NO_SCHEDULE→NoSchedule, NO_EXECUTE→NoExecute, anything
// else→PreferNoSchedule).
func Tolerations(taints []Taint) []Toleration {
	res := make([]Toleration, 0, len(taints))
	for _, t := range taints {
		res = append(res, Toleration{Key: t.Key, Operator: "Equal", Value: t.Value, Effect: podEffect(t.Effect)})
	}
	return res
}

func podEffect(eksEffect string) string {
	switch eksEffect {
	case NoSchedule:
		return "NoSchedule"
	case NoExecute:
		return "NoExecute"
	default:
		return "PreferNoSchedule"
	}
}
