package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"
	"gopkg.in/yaml.v3"

	"github.com/mpc-mesh/infra/constructs/mpchelm"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/internal/kmscore"
	"github.com/mpc-mesh/infra/test/synthtest"
)

// mpchelmKubeIPProps is party 4 of a 4-party KubeIP mesh, with fixed public peer IPs.
func mpchelmKubeIPProps() *mpchelm.Props {
	return &mpchelm.Props{
		Namespace:      jsii.String("kms-decentralized"),
		Repository:     "oci://ghcr.io/zama-ai/kms/charts",
		Version:        "1.9.1",
		PartyID:        4,
		ThresholdValue: 1,
		Peers: []mpchelm.PeerHost{
			{ID: 1, Host: jsii.String("54.217.182.97")},
			{ID: 2, Host: jsii.String("54.228.234.185")},
			{ID: 3, Host: jsii.String("99.81.27.249")},
			{ID: 4, Host: jsii.String("52.47.71.156")},
		},
		ServiceAccountName: jsii.String("kms-threshold-4"),
		ConfigMapName:      jsii.String("mpc-party"),
		Region:             "eu-west-3",
		NodeSelector:       map[string]string{"nodepool": "mpc-enclave"},
		Tolerations:        nodegroup.Tolerations(nodegroup.KubeIPTaints()),
		ImageTag:           "v0.14.0",
		EnclaveCPUCount:    6,
		EnclaveMemoryGiB:   24,
		PublicBucket:       jsii.String("mpc-d-p4-public"),
		PrivateBucket:      jsii.String("mpc-d-p4-private"),
	}
}

func mpchelmSynth(t *testing.T, build func(s constructs.Construct)) synthtest.Object {
	t.Helper()
	return synthtest.Stack(t, build).Resource("helm_release")
}

func mpchelmValuesOf(t *testing.T, rel synthtest.Object) []string {
	t.Helper()
	return synthtest.Strings(rel["values"])
}

func TestMPCHelmValuesHoldTheChartKeysForAFourPartyMesh(t *testing.T) {
	rel := mpchelmSynth(t, func(s constructs.Construct) { mpchelm.New(s, "mpc", mpchelmKubeIPProps()) })
	docs := mpchelmValuesOf(t, rel)
	if len(docs) != 1 {
		t.Fatalf("want one values document, got %d", len(docs))
	}
	var got map[string]any
	if err := yaml.Unmarshal([]byte(docs[0]), &got); err != nil {
		t.Fatalf("values are not YAML: %v\n%s", err, docs[0])
	}
	peers := []any{}
	for i, ip := range []string{"54.217.182.97", "54.228.234.185", "99.81.27.249", "52.47.71.156"} {
		peers = append(peers, map[string]any{"id": i + 1, "host": ip, "port": 50001})
	}
	tunnel := map[string]any{"resources": map[string]any{
		"requests": map[string]any{"cpu": "500m", "memory": "256Mi"},
		"limits":   map[string]any{"cpu": "2", "memory": "1Gi"},
	}}
	want := map[string]any{
		// One pod per release: this party's, whose ordinal is the party id.
		"kmsPeers": map[string]any{"id": 4, "count": 1},
		"kmsCore": map[string]any{
			"enabled":            true,
			"image":              map[string]any{"name": "hub.zama.org/ghcr/zama-ai/kms/core-service-enclave", "tag": "v0.14.0"},
			"serviceAccountName": "kms-threshold-4",
			"envFrom":            map[string]any{"configmap": map[string]any{"name": "mpc-party"}},
			"aws":                map[string]any{"region": "eu-west-3"},
			"ports":              map[string]any{"client": 50100, "peer": 50001, "metrics": 9646},
			"thresholdMode":      map[string]any{"enabled": true, "thresholdValue": 1, "peersList": peers, "tls": map[string]any{"enabled": false}},
			"nitroEnclave":       map[string]any{"enabled": true, "cpuCount": 6, "memoryGiB": 24, "networkTunnel": tunnel},
			"publicVault":        map[string]any{"s3": map[string]any{"enabled": true, "bucket": "mpc-d-p4-public", "prefix": "PUB-p4"}},
			"privateVault": map[string]any{
				"s3":     map[string]any{"enabled": true, "bucket": "mpc-d-p4-private", "prefix": "PRV-p4"},
				"awskms": map[string]any{"enabled": true},
			},
			"nodeSelector": map[string]any{"nodepool": "mpc-enclave"},
			"tolerations":  []any{map[string]any{"key": "mpc.io/enclave", "operator": "Equal", "value": "true", "effect": "NoSchedule"}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("values =\n%v\nwant\n%v", got, want)
	}
}

func TestMPCHelmRepositoryChartIsPinned(t *testing.T) {
	rel := mpchelmSynth(t, func(s constructs.Construct) { mpchelm.New(s, "mpc", mpchelmKubeIPProps()) })
	if rel["repository"] != "oci://ghcr.io/zama-ai/kms/charts" || rel["chart"] != "kms-core" || rel["version"] != "1.9.1" {
		t.Errorf("chart source = %v %v %v", rel["repository"], rel["chart"], rel["version"])
	}
	if rel["name"] != "kms-threshold-4" || rel["namespace"] != "kms-decentralized" || rel["create_namespace"] != false {
		t.Errorf("release %v in %v (create_namespace %v)", rel["name"], rel["namespace"], rel["create_namespace"])
	}
	if rel["atomic"] != true || rel["wait"] != true || rel["timeout"] != 900.0 {
		t.Errorf("atomic/wait/timeout = %v/%v/%v", rel["atomic"], rel["wait"], rel["timeout"])
	}
}

func TestMPCHelmUnpinnedRepositoryChartIsRefused(t *testing.T) {
	defer func() {
		if msg, _ := recover().(string); !strings.Contains(msg, "pinned Version") {
			t.Errorf("panic = %q, want one asking for a pinned version", msg)
		}
	}()
	p := mpchelmKubeIPProps()
	p.Version = ""
	mpchelmSynth(t, func(s constructs.Construct) { mpchelm.New(s, "mpc", p) })
}

func TestMPCHelmLocalChartPathReplacesTheRepository(t *testing.T) {
	p := mpchelmKubeIPProps()
	p.LocalChartPath = "./charts/kms-core"
	p.DependencyUpdate = true
	rel := mpchelmSynth(t, func(s constructs.Construct) { mpchelm.New(s, "mpc", p) })
	if rel["chart"] != "./charts/kms-core" || rel["dependency_update"] != true {
		t.Errorf("chart = %v, dependency_update = %v", rel["chart"], rel["dependency_update"])
	}
	for _, k := range []string{"repository", "version"} {
		if _, ok := rel[k]; ok {
			t.Errorf("%s set for a local chart: %v", k, rel[k])
		}
	}
}

func TestMPCHelmPeerHostTokensSurviveSynthesis(t *testing.T) {
	rel := mpchelmSynth(t, func(s constructs.Construct) {
		ip := eip.NewEip(s, jsii.String("peer-2"), &eip.EipConfig{Domain: jsii.String("vpc")})
		p := mpchelmKubeIPProps()
		p.Peers[1].Host = ip.PublicIp()
		mpchelm.New(s, "mpc", p)
	})
	doc := mpchelmValuesOf(t, rel)[0]
	if !strings.Contains(doc, `host: "${aws_eip.peer-2.public_ip}"`) {
		t.Errorf("values lack the peer-2 EIP reference:\n%s", doc)
	}
	// Once Terraform substitutes the reference, the document is the expected YAML.
	var got map[string]any
	if err := yaml.Unmarshal([]byte(strings.ReplaceAll(doc, "${aws_eip.peer-2.public_ip}", "54.228.234.185")), &got); err != nil {
		t.Fatalf("values are not YAML: %v", err)
	}
	peer := got["kmsCore"].(map[string]any)["thresholdMode"].(map[string]any)["peersList"].([]any)[1]
	if want := map[string]any{"id": 2, "host": "54.228.234.185", "port": 50001}; !reflect.DeepEqual(peer, want) {
		t.Errorf("peer 2 = %v, want %v", peer, want)
	}
}

func TestMPCHelmExtraValuesComeSecondSoTheyWin(t *testing.T) {
	p := mpchelmKubeIPProps()
	p.ExtraValues = "kmsCore:\n  image:\n    tag: v0.11.0\n"
	docs := mpchelmValuesOf(t, mpchelmSynth(t, func(s constructs.Construct) { mpchelm.New(s, "mpc", p) }))
	if len(docs) != 2 || docs[1] != p.ExtraValues {
		t.Errorf("values = %q, want the generated document then the extra one", docs)
	}
}

func TestMPCHelmWaitAndAtomicCanBeTurnedOff(t *testing.T) {
	p := mpchelmKubeIPProps()
	p.Wait, p.Atomic = jsii.Bool(false), jsii.Bool(false)
	rel := mpchelmSynth(t, func(s constructs.Construct) { mpchelm.New(s, "mpc", p) })
	if rel["atomic"] != false || rel["wait"] != false {
		t.Errorf("atomic/wait = %v/%v, want false/false", rel["atomic"], rel["wait"])
	}
}

func TestMPCHelmPeerTLSCarriesTheTrustedReleases(t *testing.T) {
	p := mpchelmKubeIPProps()
	p.PeerTLS = true
	p.TrustedReleases = []kmscore.TrustedRelease{{PCR0: "a", PCR1: "b", PCR2: "c"}}
	var got kmscore.Values
	if err := yaml.Unmarshal([]byte(mpchelm.Values(p)), &got); err != nil {
		t.Fatal(err)
	}
	tls := got.KmsCore.ThresholdMode.TLS
	if !tls.Enabled || !reflect.DeepEqual(tls.TrustedReleases, p.TrustedReleases) {
		t.Errorf("tls = %+v, want enabled with %v", tls, p.TrustedReleases)
	}
}

func TestMPCHelmRefusesAnUnpinnedImage(t *testing.T) {
	for _, tag := range []string{"", "latest"} {
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, "ImageTag must pin a release") {
					t.Errorf("tag %q: panic = %q, want one asking for a pinned tag", tag, msg)
				}
			}()
			p := mpchelmKubeIPProps()
			p.ImageTag = tag
			mpchelm.Values(p)
		}()
	}
}

func TestMPCHelmPrivateLinkPeersAreTheirServiceNames(t *testing.T) {
	p := mpchelmKubeIPProps()
	p.Peers = []mpchelm.PeerHost{{ID: 1, Host: jsii.String("mpc-node-1")}}
	var got kmscore.Values
	if err := yaml.Unmarshal([]byte(mpchelm.Values(p)), &got); err != nil {
		t.Fatal(err)
	}
	if want := []kmscore.Peer{{ID: 1, Host: "mpc-node-1", Port: 50001}}; !reflect.DeepEqual(got.KmsCore.ThresholdMode.PeersList, want) {
		t.Errorf("peers = %v, want %v", got.KmsCore.ThresholdMode.PeersList, want)
	}
}

// A KubeIP release binds the MPC ports on the node through the post-renderer,
// since the chart has no host-port setting.
func TestMPCHelmHostPortsRunThePostRenderer(t *testing.T) {
	p := mpchelmKubeIPProps()
	p.HostPorts, p.PostRenderer = []int{50001, 9646}, "../../../bin/mpc-postrender"
	rel := mpchelmSynth(t, func(s constructs.Construct) { mpchelm.New(s, "mpc", p) })
	pr := synthtest.Block(rel, "postrender")
	if pr["binary_path"] != "../../../bin/mpc-postrender" || !reflect.DeepEqual(synthtest.Strings(pr["args"]), []string{"--release", "kms-threshold-4", "--ports", "50001,9646"}) {
		t.Errorf("postrender = %v", pr)
	}
	if _, ok := mpchelmSynth(t, func(s constructs.Construct) { mpchelm.New(s, "mpc", mpchelmKubeIPProps()) })["postrender"]; ok {
		t.Error("a release without host ports runs a post-renderer")
	}
}
