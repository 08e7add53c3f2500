package constructs_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/vpcendpointprovider"
	"github.com/mpc-mesh/infra/internal/mesh"
	"github.com/mpc-mesh/infra/test/synthtest"
)

const (
	vpcendpointproviderVpcCIDR   = "10.20.0.0/16"
	vpcendpointproviderPeerRoot2 = "arn:aws:iam::222222222222:root"
	vpcendpointproviderPeerRoot3 = "arn:aws:iam::333333333333:root"
)

func vpcendpointproviderProps() *vpcendpointprovider.Props {
	return &vpcendpointprovider.Props{
		PartyID:           1,
		NamePrefix:        "dev-p1",
		VpcID:             jsii.String("vpc-0123"),
		VpcCIDR:           jsii.String(vpcendpointproviderVpcCIDR),
		SubnetIDs:         jsii.Strings("subnet-a", "subnet-b", "subnet-c"),
		AllowedPrincipals: []string{vpcendpointproviderPeerRoot3, vpcendpointproviderPeerRoot2},
		SupportedRegions:  []string{"us-east-1", "eu-central-1"},
	}
}

// vpcendpointproviderSynth builds the provider side and exposes its AZ ids as the output "azids".
func vpcendpointproviderSynth(t *testing.T, p *vpcendpointprovider.Props) *synthtest.Doc {
	return synthtest.Stack(t, func(s constructs.Construct) {
		prov := vpcendpointprovider.New(s, "provider", p)
		cdktf.NewTerraformOutput(s, jsii.String("azids"), &cdktf.TerraformOutputConfig{Value: prov.AZIDs})
	})
}

// vpcendpointproviderRef is the interpolation of an attribute of a resource in the synthesized JSON.
func vpcendpointproviderRef(typ, name, attr string) string {
	return fmt.Sprintf("${%s.%s.%s}", typ, name, attr)
}

// vpcendpointproviderOnly returns the logical name of the only object of m, failing otherwise.
func vpcendpointproviderOnly(t *testing.T, m map[string]synthtest.Object) string {
	t.Helper()
	if len(m) != 1 {
		t.Fatalf("want one object, got %v", synthtest.Names(m))
	}
	return synthtest.Names(m)[0]
}

// vpcendpointproviderByPort indexes objects by their "port" attribute.
func vpcendpointproviderByPort(t *testing.T, m map[string]synthtest.Object, attr string) map[int]string {
	t.Helper()
	res := map[int]string{}
	for name, o := range m {
		port, _ := o[attr].(float64)
		if _, dup := res[int(port)]; dup {
			t.Fatalf("two objects on port %v", port)
		}
		res[int(port)] = name
	}
	return res
}

func TestVPCEndpointProviderNLBIsInternalCrossZoneAndDeletionProtected(t *testing.T) {
	doc := vpcendpointproviderSynth(t, vpcendpointproviderProps())
	nlb := doc.Resource("aws_lb")
	want := map[string]any{
		"name":                             "dev-p1-nlb",
		"load_balancer_type":               "network",
		"internal":                         true,
		"enable_cross_zone_load_balancing": true,
		"enable_deletion_protection":       true,
	}
	for k, v := range want {
		if nlb[k] != v {
			t.Errorf("aws_lb.%s = %v, want %v", k, nlb[k], v)
		}
	}
	if got := synthtest.Strings(nlb["subnets"]); !reflect.DeepEqual(got, []string{"subnet-a", "subnet-b", "subnet-c"}) {
		t.Errorf("subnets = %v, want the party's private subnets", got)
	}
	sgName := vpcendpointproviderOnly(t, doc.Resources("aws_security_group"))
	if got := synthtest.Strings(nlb["security_groups"]); !reflect.DeepEqual(got, []string{vpcendpointproviderRef("aws_security_group", sgName, "id")}) {
		t.Errorf("security_groups = %v, want only the NLB security group", got)
	}

	p := vpcendpointproviderProps()
	p.DisableDeletionProtection = true
	if got := vpcendpointproviderSynth(t, p).Resource("aws_lb")["enable_deletion_protection"]; got != false {
		t.Errorf("enable_deletion_protection with DisableDeletionProtection = %v, want false", got)
	}
}

func TestVPCEndpointProviderOneIPTargetGroupAndTCPListenerPerPort(t *testing.T) {
	doc := vpcendpointproviderSynth(t, vpcendpointproviderProps())
	nlbName := vpcendpointproviderOnly(t, doc.Resources("aws_lb"))
	tgs := doc.Resources("aws_lb_target_group")
	listeners := doc.Resources("aws_lb_listener")
	tgByPort := vpcendpointproviderByPort(t, tgs, "port")
	lsByPort := vpcendpointproviderByPort(t, listeners, "port")
	wantNames := map[int]string{50001: "dev-p1-peer", 9646: "dev-p1-metrics"}
	if len(tgs) != 2 || len(listeners) != 2 {
		t.Fatalf("want 2 target groups and 2 listeners (gRPC unpublished), got %v and %v", synthtest.Names(tgs), synthtest.Names(listeners))
	}
	for port, name := range wantNames {
		tg := tgs[tgByPort[port]]
		if tg == nil {
			t.Fatalf("no target group on port %d", port)
		}
		for k, v := range map[string]any{"name": name, "target_type": "ip", "protocol": "TCP", "vpc_id": "vpc-0123"} {
			if tg[k] != v {
				t.Errorf("target group %d %s = %v, want %v", port, k, tg[k], v)
			}
		}
		hc := synthtest.Block(tg, "health_check")
		if hc["protocol"] != "TCP" || hc["port"] != "traffic-port" {
			t.Errorf("target group %d health check = %v, want TCP on the traffic port", port, hc)
		}
		ls := listeners[lsByPort[port]]
		if ls == nil {
			t.Fatalf("no listener on port %d", port)
		}
		if ls["protocol"] != "TCP" || ls["load_balancer_arn"] != vpcendpointproviderRef("aws_lb", nlbName, "arn") {
			t.Errorf("listener %d = %v, want TCP on the NLB", port, ls)
		}
		act := synthtest.Block(ls, "default_action")
		if act["type"] != "forward" || act["target_group_arn"] != vpcendpointproviderRef("aws_lb_target_group", tgByPort[port], "arn") {
			t.Errorf("listener %d forwards to %v, want the target group of the same port", port, act)
		}
	}
}

func TestVPCEndpointProviderNLBSecurityGroupAdmitsMPCPortsFromVPCOnly(t *testing.T) {
	doc := vpcendpointproviderSynth(t, vpcendpointproviderProps())
	sg := doc.Resource("aws_security_group")
	if sg["ingress"] != nil || sg["egress"] != nil {
		t.Errorf("security group has inline rules: %v", sg)
	}
	for _, typ := range []string{"aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"} {
		rules := doc.Resources(typ)
		ports := map[int]bool{}
		for name, r := range rules {
			if r["cidr_ipv4"] != vpcendpointproviderVpcCIDR {
				t.Errorf("%s %s cidr = %v, want the VPC CIDR %s", typ, name, r["cidr_ipv4"], vpcendpointproviderVpcCIDR)
			}
			if r["ip_protocol"] != "tcp" || r["from_port"] != r["to_port"] {
				t.Errorf("%s %s = %v, want one TCP port", typ, name, r)
			}
			from, _ := r["from_port"].(float64)
			ports[int(from)] = true
		}
		if !reflect.DeepEqual(ports, map[int]bool{50001: true, 9646: true}) {
			t.Errorf("%s ports = %v, want exactly the published MPC ports", typ, ports)
		}
	}
}

func TestVPCEndpointProviderEndpointServicePassesPrincipalsAndRegionsThroughExactly(t *testing.T) {
	doc := vpcendpointproviderSynth(t, vpcendpointproviderProps())
	svc := doc.Resource("aws_vpc_endpoint_service")
	if got := synthtest.Strings(svc["allowed_principals"]); !reflect.DeepEqual(got, []string{vpcendpointproviderPeerRoot3, vpcendpointproviderPeerRoot2}) {
		t.Errorf("allowed_principals = %v", got)
	}
	if got := synthtest.Strings(svc["supported_regions"]); !reflect.DeepEqual(got, []string{"us-east-1", "eu-central-1"}) {
		t.Errorf("supported_regions = %v", got)
	}
	if svc["acceptance_required"] != false {
		t.Errorf("acceptance_required = %v, want false by default", svc["acceptance_required"])
	}
	nlbName := vpcendpointproviderOnly(t, doc.Resources("aws_lb"))
	if got := synthtest.Strings(svc["network_load_balancer_arns"]); !reflect.DeepEqual(got, []string{vpcendpointproviderRef("aws_lb", nlbName, "arn")}) {
		t.Errorf("network_load_balancer_arns = %v, want the Terraform-owned NLB", got)
	}
	if tags, _ := svc["tags"].(map[string]any); tags["Name"] != "mpc-node-1-endpoint-service" {
		t.Errorf("tags = %v", svc["tags"])
	}
}

// AZ names map to different physical zones in another account; the
// provider must publish AZ ids of the NLB subnets.
func TestVPCEndpointProviderPublishesAZIDsNotAZNames(t *testing.T) {
	doc := vpcendpointproviderSynth(t, vpcendpointproviderProps())
	ds := doc.DataSources("aws_subnet")
	name := vpcendpointproviderOnly(t, ds)
	if ds[name]["for_each"] != `${toset(["subnet-a", "subnet-b", "subnet-c"])}` || ds[name]["id"] != "${each.value}" {
		t.Errorf("data.aws_subnet = %v, want one lookup per NLB subnet", ds[name])
	}
	// The for expression sits in a local, so that a cross-stack reference
	// exports the list of ids, not the whole data.aws_subnet map (whose
	// available_ip_address_count drifts).
	locals, _ := doc.Raw["locals"].(map[string]any)
	if len(locals) != 1 {
		t.Fatalf("locals = %v, want one holding the AZ ids", locals)
	}
	for local, expr := range locals {
		want := "${[ for key, val in data.aws_subnet." + name + ": val.availability_zone_id]}"
		if expr != want {
			t.Errorf("local.%s = %v, want %v", local, expr, want)
		}
		if got := doc.Outputs()["azids"]["value"]; got != "${local."+local+"}" {
			t.Errorf("AZIDs = %v, want ${local.%s}", got, local)
		}
	}
}

// No NLB discovery by hostname, no shell-out to the AWS CLI: Terraform owns
// the NLB, so nothing parses the controller's hostname or runs the AWS CLI
// with ambient credentials on every plan.
func TestVPCEndpointProviderNoHostnameLookupOrShellOut(t *testing.T) {
	doc := synthtest.Stack(t, func(s constructs.Construct) {
		prov := vpcendpointprovider.New(s, "provider", vpcendpointproviderProps())
		vpcendpointprovider.NewClusterBinding(s, "cluster", &vpcendpointprovider.ClusterProps{
			PartyID: 1, Namespace: "mpc", TargetGroupARNs: prov.TargetGroupARNs, NLBSecurityGroupID: prov.SecurityGroupID,
		})
	})
	for _, typ := range []string{"external", "aws_lb", "aws_lbs"} {
		if n := len(doc.DataSources(typ)); n != 0 {
			t.Errorf("found %d data.%s", n, typ)
		}
	}
	if n := len(doc.Resources("null_resource")); n != 0 {
		t.Errorf("found %d null_resource", n)
	}
	svc := doc.Resource("kubernetes_service_v1")
	if typ := synthtest.Block(svc, "spec")["type"]; typ != "ClusterIP" {
		t.Errorf("service type = %v, want ClusterIP (no controller-made load balancer)", typ)
	}
	if _, ok := doc.Raw["provider"].(map[string]any)["external"]; ok {
		t.Error("an external provider is configured")
	}
}

func TestVPCEndpointProviderAWSNameFitsTheLimitAndKeepsSuffix(t *testing.T) {
	cases := []struct{ prefix, suffix, want string }{
		{"dev-p1", "-metrics", "dev-p1-metrics"},
		{strings.Repeat("a", 30), "-nlb", strings.Repeat("a", 28) + "-nlb"},
		{"mainnet-eu-central-1-p1-xy", "-metrics", "mainnet-eu-central-1-p1-metrics"},
		{"mainnet-eu-central-1-p12-x", "-metrics", "mainnet-eu-central-1-p12-metrics"},
	}
	for _, c := range cases {
		got := vpcendpointprovider.AWSName(c.prefix, c.suffix)
		if got != c.want {
			t.Errorf("AWSName(%q, %q) = %q, want %q", c.prefix, c.suffix, got, c.want)
		}
		if len(got) > vpcendpointprovider.MaxAWSNameLen {
			t.Errorf("AWSName(%q, %q) has %d characters", c.prefix, c.suffix, len(got))
		}
	}
	if vpcendpointprovider.MaxNamePrefixLen != 24 {
		t.Errorf("MaxNamePrefixLen = %d, want 32 - len(\"-metrics\") = 24", vpcendpointprovider.MaxNamePrefixLen)
	}
}

func TestVPCEndpointProviderLongPrefixYieldsDistinctValidNames(t *testing.T) {
	p := vpcendpointproviderProps()
	p.NamePrefix = "mainnet-eu-central-1-party-12345"
	doc := vpcendpointproviderSynth(t, p)
	seen := map[string]bool{}
	for _, typ := range []string{"aws_lb", "aws_lb_target_group"} {
		for _, o := range doc.Resources(typ) {
			name, _ := o["name"].(string)
			if len(name) > 32 || strings.HasSuffix(name, "-") || strings.Contains(name, "--") || seen[name] {
				t.Errorf("%s name %q is too long, malformed or repeated", typ, name)
			}
			seen[name] = true
		}
	}
	if len(seen) != 3 {
		t.Errorf("got %d distinct names, want 3 (NLB + 2 target groups)", len(seen))
	}
}

func TestVPCEndpointProviderAccepterPerPeerEndpointKeyedByPartyID(t *testing.T) {
	doc := synthtest.Stack(t, func(s constructs.Construct) {
		vpcendpointprovider.NewAccepter(s, "accept", &vpcendpointprovider.AccepterProps{
			ServiceID:   jsii.String("vpce-svc-1"),
			EndpointIDs: map[int]*string{3: jsii.String("vpce-from-3"), 2: jsii.String("vpce-from-2")},
		})
	})
	acc := doc.Resources("aws_vpc_endpoint_connection_accepter")
	if len(acc) != 2 {
		t.Fatalf("want 2 accepters, got %v", synthtest.Names(acc))
	}
	for name, a := range acc {
		want := map[bool]string{true: "vpce-from-2", false: "vpce-from-3"}[strings.HasPrefix(name, "accept_party-2_")]
		if !strings.HasPrefix(name, "accept_party-2_") && !strings.HasPrefix(name, "accept_party-3_") {
			t.Errorf("accepter %s is not keyed by party id", name)
		}
		if a["vpc_endpoint_id"] != want || a["vpc_endpoint_service_id"] != "vpce-svc-1" {
			t.Errorf("accepter %s = %v, want endpoint %s of service vpce-svc-1", name, a, want)
		}
	}
}

func TestVPCEndpointProviderClusterBindingServiceAndTargetGroupBindings(t *testing.T) {
	arns := map[string]*string{
		"grpc":    jsii.String("arn:tg/grpc"),
		"peer":    jsii.String("arn:tg/peer"),
		"metrics": jsii.String("arn:tg/metrics"),
	}
	doc := synthtest.Stack(t, func(s constructs.Construct) {
		vpcendpointprovider.NewClusterBinding(s, "cluster", &vpcendpointprovider.ClusterProps{
			PartyID:             4,
			Namespace:           "kms",
			ExtraSelectorLabels: map[string]string{"app.kubernetes.io/instance": "kms-core-4"},
			TargetGroupARNs:     arns,
			NLBSecurityGroupID:  jsii.String("sg-nlb"),
		})
	})
	svc := doc.Resource("kubernetes_service_v1")
	meta, spec := synthtest.Block(svc, "metadata"), synthtest.Block(svc, "spec")
	if meta["name"] != "mpc-node-4" || meta["namespace"] != "kms" || spec["type"] != "ClusterIP" {
		t.Errorf("service = %v / %v, want ClusterIP mpc-node-4 in kms", meta, spec)
	}
	wantSel := map[string]any{"app": "kms-core", "app.kubernetes.io/instance": "kms-core-4"}
	if !reflect.DeepEqual(spec["selector"], wantSel) {
		t.Errorf("selector = %v, want %v", spec["selector"], wantSel)
	}
	ports, _ := spec["port"].([]any)
	if len(ports) != len(mesh.PublishedPorts) {
		t.Fatalf("service ports = %v", ports)
	}
	for i, p := range mesh.PublishedPorts {
		got := ports[i].(map[string]any)
		want := map[string]any{"name": p.Name, "port": float64(p.Number), "target_port": fmt.Sprint(p.Number), "protocol": "TCP"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("service port %d = %v, want %v", i, got, want)
		}
	}

	tgbs := doc.Resources("kubernetes_manifest")
	if len(tgbs) != len(mesh.PublishedPorts) {
		t.Fatalf("want %d TargetGroupBindings, got %v", len(mesh.PublishedPorts), synthtest.Names(tgbs))
	}
	seen := map[string]bool{}
	for name, r := range tgbs {
		m, _ := r["manifest"].(map[string]any)
		md, _ := m["metadata"].(map[string]any)
		sp, _ := m["spec"].(map[string]any)
		ref, _ := sp["serviceRef"].(map[string]any)
		port, _ := ref["port"].(float64)
		var portName string
		for _, p := range mesh.PublishedPorts {
			if float64(p.Number) == port {
				portName = p.Name
			}
		}
		seen[portName] = true
		if m["apiVersion"] != "elbv2.k8s.aws/v1beta1" || m["kind"] != "TargetGroupBinding" {
			t.Errorf("%s is %v/%v", name, m["apiVersion"], m["kind"])
		}
		if md["name"] != "mpc-node-4-"+portName || md["namespace"] != "kms" {
			t.Errorf("%s metadata = %v", name, md)
		}
		if ref["name"] != "mpc-node-4" || sp["targetType"] != "ip" || sp["targetGroupARN"] != "arn:tg/"+portName {
			t.Errorf("%s spec = %v, want service mpc-node-4 port %v bound to arn:tg/%s", name, sp, port, portName)
		}
		wantNet := map[string]any{"ingress": []any{map[string]any{
			"from":  []any{map[string]any{"securityGroup": map[string]any{"groupID": "sg-nlb"}}},
			"ports": []any{map[string]any{"protocol": "TCP", "port": port}},
		}}}
		if !reflect.DeepEqual(sp["networking"], wantNet) {
			t.Errorf("%s networking = %v, want %v", name, sp["networking"], wantNet)
		}
	}
	if len(seen) != len(mesh.PublishedPorts) || seen[""] {
		t.Errorf("bound ports = %v, want peer and metrics once each", seen)
	}
}
