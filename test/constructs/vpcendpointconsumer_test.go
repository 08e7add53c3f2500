package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/constructs/vpcendpointconsumer"
	"github.com/mpc-mesh/infra/internal/mesh"
	"github.com/mpc-mesh/infra/test/synthtest"
)

const (
	vpcendpointconsumerSvc2 = "com.amazonaws.vpce.eu-west-1.vpce-svc-0000000000000002"
	vpcendpointconsumerSvc3 = "com.amazonaws.vpce.us-east-1.vpce-svc-0000000000000003"
)

var vpcendpointconsumerSubnets = []string{"subnet-a", "subnet-b", "subnet-c"}

// vpcendpointconsumerPeers: party 2 in the consumer's own region, party 3 in another region.
func vpcendpointconsumerPeers() []mesh.Peer {
	return []mesh.Peer{
		{ID: 2, AccountID: "222222222222", Region: "eu-west-1", ServiceName: jsii.String(vpcendpointconsumerSvc2), AZIDs: jsii.Strings("euw1-az1", "euw1-az3")},
		{ID: 3, AccountID: "333333333333", Region: "us-east-1", ServiceName: jsii.String(vpcendpointconsumerSvc3), AZIDs: jsii.Strings("use1-az4")},
	}
}

func vpcendpointconsumerProps() *vpcendpointconsumer.Props {
	return &vpcendpointconsumer.Props{
		Region:                 "eu-west-1",
		VpcID:                  jsii.String("vpc-1"),
		SubnetIDs:              jsii.Strings(vpcendpointconsumerSubnets...),
		ClusterSecurityGroupID: jsii.String("sg-cluster"),
		AllowedCIDRs:           []string{"10.50.0.0/16"},
		Peers:                  vpcendpointconsumerPeers(),
	}
}

func vpcendpointconsumerSynth(t *testing.T, p *vpcendpointconsumer.Props) *synthtest.Doc {
	return synthtest.Stack(t, func(s constructs.Construct) { vpcendpointconsumer.New(s, "consumer", p) })
}

// vpcendpointconsumerKeyed returns the logical name of the only object whose name starts with
// prefix, so a test finds a peer's resource by its party-<id> construct id.
func vpcendpointconsumerKeyed(t *testing.T, m map[string]synthtest.Object, prefix string) string {
	t.Helper()
	var found []string
	for name := range m {
		if strings.HasPrefix(name, prefix) {
			found = append(found, name)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one object named %s*, have %v", prefix, synthtest.Names(m))
	}
	return found[0]
}

func TestVPCEndpointConsumerOneInterfaceEndpointPerPeerWithItsServiceName(t *testing.T) {
	doc := vpcendpointconsumerSynth(t, vpcendpointconsumerProps())
	eps := doc.Resources("aws_vpc_endpoint")
	if len(eps) != 2 {
		t.Fatalf("want 2 endpoints, got %v", synthtest.Names(eps))
	}
	sgName := vpcendpointconsumerKeyed(t, doc.Resources("aws_security_group"), "consumer_endpoint-sg_")
	want := map[string]struct {
		service string
		tags    map[string]any
	}{
		"consumer_party-2_": {vpcendpointconsumerSvc2, map[string]any{"Name": "mpc-partner-party-2-interface", "mpc:partner-party": "2", "mpc:partner-region": "eu-west-1", "mpc:partner-account": "222222222222", "mpc:component": "partner-interface"}},
		"consumer_party-3_": {vpcendpointconsumerSvc3, map[string]any{"Name": "mpc-partner-party-3-interface", "mpc:partner-party": "3", "mpc:partner-region": "us-east-1", "mpc:partner-account": "333333333333", "mpc:component": "partner-interface"}},
	}
	for prefix, w := range want {
		ep := eps[vpcendpointconsumerKeyed(t, eps, prefix)]
		if ep["service_name"] != w.service || ep["vpc_endpoint_type"] != "Interface" || ep["vpc_id"] != "vpc-1" {
			t.Errorf("%s = %v, want an Interface endpoint to %s", prefix, ep, w.service)
		}
		if ep["private_dns_enabled"] != false {
			t.Errorf("%s private_dns_enabled = %v, want false", prefix, ep["private_dns_enabled"])
		}
		if got := synthtest.Strings(ep["security_group_ids"]); !reflect.DeepEqual(got, []string{"${aws_security_group." + sgName + ".id}"}) {
			t.Errorf("%s security groups = %v", prefix, got)
		}
		if !reflect.DeepEqual(ep["tags"], any(w.tags)) {
			t.Errorf("%s tags = %v, want %v", prefix, ep["tags"], w.tags)
		}
	}
}

// Interface endpoints set no route_table_ids: route tables are meaningless
// for Interface endpoints.
func TestVPCEndpointConsumerInterfaceEndpointsHaveNoRouteTables(t *testing.T) {
	for name, ep := range vpcendpointconsumerSynth(t, vpcendpointconsumerProps()).Resources("aws_vpc_endpoint") {
		if _, ok := ep["route_table_ids"]; ok {
			t.Errorf("%s sets route_table_ids", name)
		}
	}
}

func TestVPCEndpointConsumerServiceRegionIsSetOnlyForCrossRegionPeers(t *testing.T) {
	eps := vpcendpointconsumerSynth(t, vpcendpointconsumerProps()).Resources("aws_vpc_endpoint")
	if got, ok := eps[vpcendpointconsumerKeyed(t, eps, "consumer_party-2_")]["service_region"]; ok {
		t.Errorf("same-region peer has service_region %v", got)
	}
	if got := eps[vpcendpointconsumerKeyed(t, eps, "consumer_party-3_")]["service_region"]; got != "us-east-1" {
		t.Errorf("cross-region peer service_region = %v, want us-east-1", got)
	}
}

// Subnets are matched to the peer NLB's zones by AZ id (an AZ name maps to a
// different physical zone in another account), and only for a same-region
// peer.
func TestVPCEndpointConsumerSameRegionEndpointUsesPeerAZIDsCrossRegionUsesAllSubnets(t *testing.T) {
	doc := vpcendpointconsumerSynth(t, vpcendpointconsumerProps())
	ds := doc.DataSources("aws_subnets")
	dsName := vpcendpointconsumerKeyed(t, ds, "consumer_party-2-subnets_")
	if len(ds) != 1 {
		t.Fatalf("want one subnet lookup (same-region peer only), got %v", synthtest.Names(ds))
	}
	filters, _ := ds[dsName]["filter"].([]any)
	wantFilters := []any{
		map[string]any{"name": "subnet-id", "values": []any{"subnet-a", "subnet-b", "subnet-c"}},
		map[string]any{"name": "availability-zone-id", "values": []any{"euw1-az1", "euw1-az3"}},
	}
	if !reflect.DeepEqual(filters, wantFilters) {
		t.Errorf("subnet filters = %v, want %v", filters, wantFilters)
	}
	eps := doc.Resources("aws_vpc_endpoint")
	if got := eps[vpcendpointconsumerKeyed(t, eps, "consumer_party-2_")]["subnet_ids"]; got != "${data.aws_subnets."+dsName+".ids}" {
		t.Errorf("same-region subnet_ids = %v, want the AZ-id filtered lookup", got)
	}
	if got := synthtest.Strings(eps[vpcendpointconsumerKeyed(t, eps, "consumer_party-3_")]["subnet_ids"]); !reflect.DeepEqual(got, vpcendpointconsumerSubnets) {
		t.Errorf("cross-region subnet_ids = %v, want all private subnets %v", got, vpcendpointconsumerSubnets)
	}
}

func TestVPCEndpointConsumerEndpointSecurityGroupAdmitsMPCPortsFromClusterAndCIDRsOnly(t *testing.T) {
	doc := vpcendpointconsumerSynth(t, vpcendpointconsumerProps())
	sg := doc.Resource("aws_security_group")
	if sg["ingress"] != nil || sg["egress"] != nil {
		t.Errorf("security group has inline rules: %v", sg)
	}
	if n := len(doc.Resources("aws_vpc_security_group_egress_rule")); n != 0 {
		t.Errorf("found %d egress rules, want none", n)
	}
	type source struct {
		port int
		from string
	}
	got := map[source]bool{}
	for name, r := range doc.Resources("aws_vpc_security_group_ingress_rule") {
		if r["cidr_ipv4"] == "0.0.0.0/0" || r["cidr_ipv6"] == "::/0" {
			t.Errorf("%s is open to the world", name)
		}
		if r["ip_protocol"] != "tcp" || r["from_port"] != r["to_port"] {
			t.Errorf("%s = %v, want one TCP port", name, r)
		}
		from, _ := r["referenced_security_group_id"].(string)
		if cidr, ok := r["cidr_ipv4"].(string); ok {
			from += cidr
		}
		port, _ := r["from_port"].(float64)
		got[source{int(port), from}] = true
	}
	want := map[source]bool{}
	for _, p := range mesh.PublishedPorts {
		want[source{p.Number, "sg-cluster"}] = true
		want[source{p.Number, "10.50.0.0/16"}] = true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ingress = %v, want %v", got, want)
	}
}

func TestVPCEndpointConsumerRoute53RecordsOnlyWithAZone(t *testing.T) {
	if n := len(vpcendpointconsumerSynth(t, vpcendpointconsumerProps()).Resources("aws_route53_record")); n != 0 {
		t.Errorf("found %d records without a zone", n)
	}
	p := vpcendpointconsumerProps()
	p.Route53ZoneID = jsii.String("Z0PRIVATE")
	doc := vpcendpointconsumerSynth(t, p)
	recs := doc.Resources("aws_route53_record")
	eps := doc.Resources("aws_vpc_endpoint")
	if len(recs) != 2 {
		t.Fatalf("want 2 records, got %v", synthtest.Names(recs))
	}
	for _, id := range []string{"2", "3"} {
		rec := recs[vpcendpointconsumerKeyed(t, recs, "consumer_party-"+id+"-dns_")]
		ep := vpcendpointconsumerKeyed(t, eps, "consumer_party-"+id+"_")
		if rec["zone_id"] != "Z0PRIVATE" || rec["name"] != "party-"+id+".mpc-partners.local" || rec["type"] != "A" {
			t.Errorf("record for %s = %v", id, rec)
		}
		want := map[string]any{
			"name":                   "${aws_vpc_endpoint." + ep + ".dns_entry[0].dns_name}",
			"zone_id":                "${aws_vpc_endpoint." + ep + ".dns_entry[0].hosted_zone_id}",
			"evaluate_target_health": true,
		}
		if got := synthtest.Block(rec, "alias"); !reflect.DeepEqual(got, want) {
			t.Errorf("record for %s alias = %v, want %v", id, got, want)
		}
	}
}

// Counting only the wanted Services while indexing the full peer and endpoint
// lists would shift names onto the wrong endpoints when one peer is skipped.
// Here party 2 gets no Service; party 3's must still point at party 3's
// endpoint, whatever the list order.
func TestVPCEndpointConsumerSkippedPeerCannotCrossWireExternalNames(t *testing.T) {
	for _, order := range [][]int{{2, 3}, {3, 2}} {
		doc := synthtest.Stack(t, func(s constructs.Construct) {
			p := vpcendpointconsumerProps()
			if order[0] == 3 {
				p.Peers = []mesh.Peer{p.Peers[1], p.Peers[0]}
			}
			cons := vpcendpointconsumer.New(s, "consumer", p)
			vpcendpointconsumer.NewExternalNames(s, "names", &vpcendpointconsumer.ServicesProps{
				Namespace: "kms",
				Peers:     []mesh.Peer{vpcendpointconsumerPeers()[1]},
				DNSNames:  cons.DNSNames(),
			})
		})
		eps := doc.Resources("aws_vpc_endpoint")
		ep3 := vpcendpointconsumerKeyed(t, eps, "consumer_party-3_")
		if eps[ep3]["service_name"] != vpcendpointconsumerSvc3 {
			t.Fatalf("endpoint party-3 leads to %v", eps[ep3]["service_name"])
		}
		svc := doc.Resource("kubernetes_service_v1")
		meta, spec := synthtest.Block(svc, "metadata"), synthtest.Block(svc, "spec")
		if meta["name"] != "mpc-node-3" {
			t.Errorf("order %v: service name = %v, want mpc-node-3", order, meta["name"])
		}
		if want := "${aws_vpc_endpoint." + ep3 + ".dns_entry[0].dns_name}"; spec["external_name"] != want {
			t.Errorf("order %v: external_name = %v, want %v", order, spec["external_name"], want)
		}
		labels, _ := meta["labels"].(map[string]any)
		annotations, _ := meta["annotations"].(map[string]any)
		if labels["app.kubernetes.io/name"] != "kms-3-core" || annotations["mpc.io/partner-party"] != "3" || annotations["mpc.io/partner-account"] != "333333333333" {
			t.Errorf("order %v: metadata = %v, want party 3's", order, meta)
		}
	}
}

func TestVPCEndpointConsumerExternalNameServicesNamedByPartyWithMeshMetadata(t *testing.T) {
	dns := map[int]*string{2: jsii.String("vpce-2.example"), 3: jsii.String("vpce-3.example")}
	doc := synthtest.Stack(t, func(s constructs.Construct) {
		vpcendpointconsumer.NewExternalNames(s, "names", &vpcendpointconsumer.ServicesProps{Namespace: "kms", Peers: vpcendpointconsumerPeers(), DNSNames: dns})
	})
	svcs := doc.Resources("kubernetes_service_v1")
	if len(svcs) != 2 {
		t.Fatalf("want 2 services, got %v", synthtest.Names(svcs))
	}
	for _, peer := range vpcendpointconsumerPeers() {
		id := strings.TrimPrefix(peer.Key(), "party-")
		svc := svcs[vpcendpointconsumerKeyed(t, svcs, "names_"+peer.Key()+"_")]
		meta, spec := synthtest.Block(svc, "metadata"), synthtest.Block(svc, "spec")
		if meta["name"] != "mpc-node-"+id || meta["namespace"] != "kms" {
			t.Errorf("party %s: metadata = %v", id, meta)
		}
		if spec["type"] != "ExternalName" || spec["external_name"] != "vpce-"+id+".example" {
			t.Errorf("party %s: spec = %v", id, spec)
		}
		wantAnn := map[string]any{
			"mpc.io/connection-type": "partner-interface",
			"mpc.io/partner-party":   id,
			"mpc.io/partner-account": peer.AccountID,
			"mpc.io/partner-region":  peer.Region,
		}
		if !reflect.DeepEqual(meta["annotations"], any(wantAnn)) {
			t.Errorf("party %s: annotations = %v, want %v", id, meta["annotations"], wantAnn)
		}
		wantLabels := map[string]any{
			"app.kubernetes.io/name":      "kms-" + id + "-core",
			"app.kubernetes.io/instance":  "kms-" + id + "-core",
			"app.kubernetes.io/component": "mpc-partner-interface",
			"app.kubernetes.io/part-of":   "mpc-mesh",
			"mpc.io/partner-service":      "true",
		}
		if !reflect.DeepEqual(meta["labels"], any(wantLabels)) {
			t.Errorf("party %s: labels = %v, want %v", id, meta["labels"], wantLabels)
		}
		ports, _ := spec["port"].([]any)
		if len(ports) != 2 || ports[0].(map[string]any)["port"] != float64(50001) {
			t.Errorf("party %s: ports = %v, want peer 50001, metrics (gRPC unpublished)", id, ports)
		}
	}
}
