package mpchelm_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/mpchelm"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// ExampleNew installs party 1 of a four-party PrivateLink mesh, where peer
// q is reached at the in-cluster service mpc-node-<q>, running the pinned
// enclave image with 6 CPUs and 24 GiB, the size the enclave nodes reserve.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-cluster"))
	var peers []mpchelm.PeerHost
	for id := 1; id <= 4; id++ {
		peers = append(peers, mpchelm.PeerHost{ID: id, Host: jsii.String(mesh.ServiceName(id)), Port: 50001})
	}
	mpchelm.New(stack, "mpc-services", &mpchelm.Props{
		ReleaseName:        "kms-threshold-1",
		Namespace:          jsii.String("kms-decentralized"),
		Repository:         "oci://ghcr.io/zama-ai/kms/charts",
		Version:            "1.9.1",
		PartyID:            1,
		ThresholdValue:     1,
		Peers:              peers,
		ServiceAccountName: jsii.String("mpc-party-1"),
		ConfigMapName:      jsii.String("mpc-party"),
		Region:             "eu-west-1",
		ImageTag:           "v0.14.0",
		EnclaveCPUCount:    6,
		EnclaveMemoryGiB:   24,
		PublicBucket:       jsii.String("mpc-dev-alice-111122223333-public"),
		PrivateBucket:      jsii.String("mpc-dev-alice-111122223333-private"),
	})
}
