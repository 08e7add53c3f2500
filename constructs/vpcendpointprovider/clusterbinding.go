package vpcendpointprovider

import (
	"fmt"
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/manifest"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/servicev1"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/internal/mesh"
)

// PodSelectorApp is the value of the app label that selects the MPC pods.
const PodSelectorApp = "kms-core"

// TargetGroupBindingAPIVersion and TargetGroupBindingKind name the AWS Load
// Balancer Controller's custom resource that registers a Service's endpoints
// in an existing target group.
const (
	TargetGroupBindingAPIVersion = "elbv2.k8s.aws/v1beta1"
	TargetGroupBindingKind       = "TargetGroupBinding"
)

// ClusterProps configures the Kubernetes side of the published party.
type ClusterProps struct {
	// PartyID is the party's numeric id; the Service is named mpc-node-<id>.
	// Required.
	PartyID int
	// Namespace holds the Service and the TargetGroupBindings; it must be the
	// namespace of the kms-core pods. Required.
	Namespace string
	// Ports are the MPC ports, as given to New. Default: mesh.PublishedPorts.
	Ports []mesh.Port
	// ExtraSelectorLabels are added to the pod selector app=kms-core (for
	// example to pick one release's pods). Default: none.
	ExtraSelectorLabels map[string]string
	// TargetGroupARNs are the target group ARNs keyed by port name
	// (Provider.TargetGroupARNs). Required for every port; usually tokens.
	TargetGroupARNs map[string]*string
	// NLBSecurityGroupID is the NLB's security group (Provider.SecurityGroupID).
	// The controller admits it into the pods' security group on each port.
	// Required; usually a token.
	NLBSecurityGroupID *string
}

// ClusterBinding is the Kubernetes side of the published party.
type ClusterBinding struct {
	// Service is the ClusterIP Service mpc-node-<id>.
	Service servicev1.ServiceV1
	// ServiceName is the Service's name, mpc-node-<id>.
	ServiceName string
	// TargetGroupBindings are the TargetGroupBinding objects keyed by port name.
	TargetGroupBindings map[string]manifest.Manifest
}

// ServicePorts renders MPC ports as Kubernetes Service ports (TCP, target port
// equal to the port).
func ServicePorts(ports []mesh.Port) *[]*servicev1.ServiceV1SpecPort {
	res := make([]*servicev1.ServiceV1SpecPort, 0, len(ports))
	for _, p := range portsOrDefault(ports) {
		res = append(res, &servicev1.ServiceV1SpecPort{
			Name:       jsii.String(p.Name),
			Port:       jsii.Number(float64(p.Number)),
			TargetPort: jsii.String(strconv.Itoa(p.Number)),
			Protocol:   jsii.String("TCP"),
		})
	}
	return &res
}

// serviceLabels are the labels of the local party's Service and bindings.
func serviceLabels(name string) *map[string]*string {
	return &map[string]*string{
		"app.kubernetes.io/name":      jsii.String(name),
		"app.kubernetes.io/instance":  jsii.String(name),
		"app.kubernetes.io/component": jsii.String("mpc-node"),
		"app.kubernetes.io/part-of":   jsii.String("mpc-mesh"),
	}
}

// NewClusterBinding creates the ClusterIP Service mpc-node-<id> selecting the
// kms-core pods, and one TargetGroupBinding per port that registers the pod
// IPs behind that Service port in the port's target group.
func NewClusterBinding(scope constructs.Construct, id string, props *ClusterProps) *ClusterBinding {
	c := constructs.NewConstruct(scope, jsii.String(id))
	ports := portsOrDefault(props.Ports)
	name := mesh.ServiceName(props.PartyID)

	selector := map[string]*string{"app": jsii.String(PodSelectorApp)}
	for k, v := range props.ExtraSelectorLabels {
		selector[k] = jsii.String(v)
	}
	svc := servicev1.NewServiceV1(c, jsii.String("service"), &servicev1.ServiceV1Config{
		Metadata: &servicev1.ServiceV1Metadata{
			Name:      jsii.String(name),
			Namespace: jsii.String(props.Namespace),
			Labels:    serviceLabels(name),
		},
		Spec: &servicev1.ServiceV1Spec{
			Type:     jsii.String("ClusterIP"),
			Selector: &selector,
			Port:     ServicePorts(ports),
		},
	})

	res := &ClusterBinding{Service: svc, ServiceName: name, TargetGroupBindings: map[string]manifest.Manifest{}}
	for _, p := range ports {
		arn, ok := props.TargetGroupARNs[p.Name]
		if !ok {
			panic(fmt.Sprintf("vpcendpointprovider: no target group ARN for port %q", p.Name))
		}
		res.TargetGroupBindings[p.Name] = manifest.NewManifest(c, jsii.String("tgb-"+p.Name), &manifest.ManifestConfig{
			Manifest: &map[string]any{
				"apiVersion": TargetGroupBindingAPIVersion,
				"kind":       TargetGroupBindingKind,
				"metadata": map[string]any{
					"name":      name + "-" + p.Name,
					"namespace": props.Namespace,
					"labels":    serviceLabels(name),
				},
				"spec": map[string]any{
					"serviceRef":     map[string]any{"name": name, "port": p.Number},
					"targetGroupARN": arn,
					"targetType":     "ip",
					"networking": map[string]any{
						"ingress": []any{map[string]any{
							"from":  []any{map[string]any{"securityGroup": map[string]any{"groupID": props.NLBSecurityGroupID}}},
							"ports": []any{map[string]any{"protocol": "TCP", "port": p.Number}},
						}},
					},
				},
			},
			DependsOn: &[]cdktf.ITerraformDependable{svc},
		})
	}
	return res
}
