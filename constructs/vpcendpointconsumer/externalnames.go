package vpcendpointconsumer

import (
	"fmt"
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/servicev1"

	"github.com/mpc-mesh/infra/constructs/vpcendpointprovider"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// ServicesProps configures the in-cluster names of the peers.
type ServicesProps struct {
	// Namespace holds the ExternalName Services; it must be the namespace of
	// the kms-core pods, so mpc-node-<id> resolves there. Required.
	Namespace string
	// Ports are listed on each Service. ExternalName does no proxying, so they
	// are informative; clients dial the real port. Default: mesh.PublishedPorts.
	Ports []mesh.Port
	// Peers are the parties that get a Service mpc-node-<id>. Only ID is
	// required; AccountID and Region, when set, become annotations. A peer
	// reached without a Service is simply left out of this list.
	Peers []mesh.Peer
	// DNSNames are the endpoint DNS names keyed by peer party id
	// (Consumer.DNSNames, usually tokens). Every peer in Peers needs an entry.
	DNSNames map[int]*string
}

// ExternalNames holds the peers' in-cluster Services.
type ExternalNames struct {
	// Services are the ExternalName Services keyed by peer party id.
	Services map[int]servicev1.ServiceV1
}

// NewExternalNames creates one ExternalName Service mpc-node-<peer id> per
// peer, pointing at the DNS name of the endpoint that leads to that peer. The
// name and the target are both looked up by party id, never by list
// position, so skipping a peer cannot point one peer's name at another
// peer's endpoint.
func NewExternalNames(scope constructs.Construct, id string, props *ServicesProps) *ExternalNames {
	c := constructs.NewConstruct(scope, jsii.String(id))
	res := &ExternalNames{Services: map[int]servicev1.ServiceV1{}}
	for _, peer := range props.Peers {
		dns, ok := props.DNSNames[peer.ID]
		if !ok {
			panic(fmt.Sprintf("vpcendpointconsumer: no endpoint DNS name for party %d", peer.ID))
		}
		pid := strconv.Itoa(peer.ID)
		annotations := map[string]*string{
			"mpc.io/connection-type": jsii.String("partner-interface"),
			"mpc.io/partner-party":   jsii.String(pid),
		}
		if peer.AccountID != "" {
			annotations["mpc.io/partner-account"] = jsii.String(peer.AccountID)
		}
		if peer.Region != "" {
			annotations["mpc.io/partner-region"] = jsii.String(peer.Region)
		}
		res.Services[peer.ID] = servicev1.NewServiceV1(c, jsii.String(peer.Key()), &servicev1.ServiceV1Config{
			Metadata: &servicev1.ServiceV1Metadata{
				Name:        jsii.String(mesh.ServiceName(peer.ID)),
				Namespace:   jsii.String(props.Namespace),
				Annotations: &annotations,
				Labels: &map[string]*string{
					"app.kubernetes.io/name":      jsii.String("kms-" + pid + "-core"),
					"app.kubernetes.io/instance":  jsii.String("kms-" + pid + "-core"),
					"app.kubernetes.io/component": jsii.String("mpc-partner-interface"),
					"app.kubernetes.io/part-of":   jsii.String("mpc-mesh"),
					"mpc.io/partner-service":      jsii.String("true"),
				},
			},
			Spec: &servicev1.ServiceV1Spec{
				Type:            jsii.String("ExternalName"),
				ExternalName:    dns,
				SessionAffinity: jsii.String("None"),
				Port:            vpcendpointprovider.ServicePorts(props.Ports),
			},
		})
	}
	return res
}
