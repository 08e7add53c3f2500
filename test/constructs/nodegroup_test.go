package constructs_test

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsekscluster"

	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/test/synthtest"
)

// nodegroupBaseProps is a KubeIP-style node group with explicit enclave sizes.
func nodegroupBaseProps() *nodegroup.Props {
	return &nodegroup.Props{
		ClusterName:                   jsii.String("kms-dev"),
		NodeGroupName:                 "kms-dev-p1-enclave",
		SubnetIDs:                     jsii.Strings("subnet-a", "subnet-b"),
		ClusterPrimarySecurityGroupID: jsii.String("sg-cluster"),
		AdditionalSecurityGroupIDs:    jsii.Strings("sg-firewall"),
		InstanceTypes:                 []string{"m5.2xlarge"},
		DiskSizeGiB:                   80,
		Labels:                        nodegroup.KubeIPLabels(),
		Taints:                        nodegroup.KubeIPTaints(),
		EnclaveCPUCount:               6,
		EnclaveMemoryMiB:              24576,
	}
}

func nodegroupSynth(t *testing.T, props *nodegroup.Props) *synthtest.Doc {
	t.Helper()
	return synthtest.Stack(t, func(s constructs.Construct) { nodegroup.New(s, "enclave", props) })
}

func TestNodeGroupLaunchTemplateRequiresIMDSv2WithHopLimit2(t *testing.T) {
	lt := nodegroupSynth(t, nodegroupBaseProps()).Resource("aws_launch_template")
	md := synthtest.Block(lt, "metadata_options")
	if md["http_tokens"] != "required" || md["http_endpoint"] != "enabled" || md["http_put_response_hop_limit"] != 2.0 {
		t.Errorf("metadata_options = %v, want endpoint enabled, tokens required, hop limit 2", md)
	}
}

func TestNodeGroupEnclaveOptionsAreOnByDefault(t *testing.T) {
	lt := nodegroupSynth(t, nodegroupBaseProps()).Resource("aws_launch_template")
	if eo := synthtest.Block(lt, "enclave_options"); eo["enabled"] != true {
		t.Errorf("enclave_options = %v, want enabled", eo)
	}
}

// DiskSizeGiB must reach the nodes: it sizes the launch template's root
// volume, an encrypted gp3 on /dev/xvda.
func TestNodeGroupDiskSizeReachesTheEncryptedGp3RootVolume(t *testing.T) {
	lt := nodegroupSynth(t, nodegroupBaseProps()).Resource("aws_launch_template")
	bdm := synthtest.Block(lt, "block_device_mappings")
	if bdm["device_name"] != "/dev/xvda" {
		t.Errorf("device_name = %v, want /dev/xvda", bdm["device_name"])
	}
	ebs := synthtest.Block(bdm, "ebs")
	if ebs["volume_type"] != "gp3" || ebs["volume_size"] != 80.0 || ebs["encrypted"] != "true" {
		t.Errorf("root volume = %v, want encrypted gp3 of 80 GiB", ebs)
	}
}

func TestNodeGroupDiskSizeDefaultsTo50GiB(t *testing.T) {
	p := nodegroupBaseProps()
	p.DiskSizeGiB = 0
	lt := nodegroupSynth(t, p).Resource("aws_launch_template")
	if got := synthtest.Block(synthtest.Block(lt, "block_device_mappings"), "ebs")["volume_size"]; got != 50.0 {
		t.Errorf("default volume_size = %v, want 50", got)
	}
}

func TestNodeGroupNodesCarryClusterThenAdditionalSecurityGroups(t *testing.T) {
	lt := nodegroupSynth(t, nodegroupBaseProps()).Resource("aws_launch_template")
	if got := synthtest.Strings(lt["vpc_security_group_ids"]); !reflect.DeepEqual(got, []string{"sg-cluster", "sg-firewall"}) {
		t.Errorf("vpc_security_group_ids = %v", got)
	}
}

// The three worker policies are attached once each, never twice: IAM holds
// one attachment per role and policy, so destroying either duplicate would
// detach the policy the other still declares.
func TestNodeGroupWorkerPoliciesAreAttachedOnceEach(t *testing.T) {
	for _, ssm := range []bool{false, true} {
		p := nodegroupBaseProps()
		p.EnableSSM = ssm
		doc := nodegroupSynth(t, p)
		want := map[string]int{"AmazonEKSWorkerNodePolicy": 1, "AmazonEKS_CNI_Policy": 1, "AmazonEC2ContainerRegistryReadOnly": 1}
		if ssm {
			want["AmazonSSMManagedInstanceCore"] = 1
		}
		got := map[string]int{}
		for _, a := range doc.Resources("aws_iam_role_policy_attachment") {
			arn := a["policy_arn"].(string)
			i := strings.Index(arn, ":iam::aws:policy/")
			if i < 0 {
				t.Fatalf("policy_arn %q is not an AWS-managed policy", arn)
			}
			got[arn[i+len(":iam::aws:policy/"):]]++
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ssm=%v: attachments = %v, want %v", ssm, got, want)
		}
	}
}

func TestNodeGroupNodeRoleTrustsOnlyEC2(t *testing.T) {
	doc := nodegroupSynth(t, nodegroupBaseProps())
	role := doc.Resource("aws_iam_role")
	if role["name"] != "kms-dev-p1-enclave-node" {
		t.Errorf("role name = %v", role["name"])
	}
	stmts := synthtest.Statements(doc.Policy(role["assume_role_policy"]))
	if len(stmts) != 1 {
		t.Fatalf("want one trust statement, got %v", stmts)
	}
	if svc := stmts[0]["Principal"].(map[string]any)["Service"]; svc != "ec2.amazonaws.com" {
		t.Errorf("trusted service = %v", svc)
	}
	if a := synthtest.Strings(stmts[0]["Action"]); !reflect.DeepEqual(a, []string{"sts:AssumeRole"}) {
		t.Errorf("trust actions = %v", a)
	}
}

func nodegroupTaintsOf(ng synthtest.Object) []map[string]any {
	var res []map[string]any
	for _, x := range ng["taint"].([]any) {
		res = append(res, x.(map[string]any))
	}
	return res
}

func TestNodeGroupKubeIPLabelsAndTaint(t *testing.T) {
	ng := nodegroupSynth(t, nodegroupBaseProps()).Resource("aws_eks_node_group")
	wantLabels := map[string]any{"nodepool": "mpc-enclave", "mpc.io/enclave": "true", "kubeip": "true"}
	if !reflect.DeepEqual(ng["labels"], wantLabels) {
		t.Errorf("labels = %v, want %v", ng["labels"], wantLabels)
	}
	want := []map[string]any{{"key": "mpc.io/enclave", "value": "true", "effect": "NO_SCHEDULE"}}
	if got := nodegroupTaintsOf(ng); !reflect.DeepEqual(got, want) {
		t.Errorf("taints = %v, want %v", got, want)
	}
}

func TestNodeGroupPrivateLinkLabelsAndTaint(t *testing.T) {
	p := nodegroupBaseProps()
	p.Labels, p.Taints = nodegroup.PrivateLinkLabels(), nodegroup.PrivateLinkTaints()
	ng := nodegroupSynth(t, p).Resource("aws_eks_node_group")
	wantLabels := map[string]any{"node.kubernetes.io/enclave-enabled": "true"}
	if !reflect.DeepEqual(ng["labels"], wantLabels) {
		t.Errorf("labels = %v, want %v", ng["labels"], wantLabels)
	}
	want := []map[string]any{{"key": "node.kubernetes.io/enclave-enabled", "value": "true", "effect": "NO_SCHEDULE"}}
	if got := nodegroupTaintsOf(ng); !reflect.DeepEqual(got, want) {
		t.Errorf("taints = %v, want %v", got, want)
	}
}

func TestNodeGroupTolerationsTranslateEffects(t *testing.T) {
	got := nodegroup.Tolerations([]nodegroup.Taint{
		{Key: "a", Value: "1", Effect: "NO_SCHEDULE"},
		{Key: "b", Value: "2", Effect: "NO_EXECUTE"},
		{Key: "c", Value: "3", Effect: "PREFER_NO_SCHEDULE"},
	})
	want := []nodegroup.Toleration{
		{Key: "a", Operator: "Equal", Value: "1", Effect: "NoSchedule"},
		{Key: "b", Operator: "Equal", Value: "2", Effect: "NoExecute"},
		{Key: "c", Operator: "Equal", Value: "3", Effect: "PreferNoSchedule"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tolerations = %v, want %v", got, want)
	}
}

func TestNodeGroupShape(t *testing.T) {
	ng := nodegroupSynth(t, nodegroupBaseProps()).Resource("aws_eks_node_group")
	if ng["node_group_name"] != "kms-dev-p1-enclave" || ng["node_group_name_prefix"] != nil {
		t.Errorf("node group name = %v / prefix %v, want the explicit name", ng["node_group_name"], ng["node_group_name_prefix"])
	}
	if ng["ami_type"] != "AL2023_x86_64_STANDARD" || ng["capacity_type"] != "ON_DEMAND" {
		t.Errorf("ami/capacity = %v/%v", ng["ami_type"], ng["capacity_type"])
	}
	sc := synthtest.Block(ng, "scaling_config")
	// One enclave node, as a party that leaves nodegroup out gets.
	if sc["min_size"] != 1.0 || sc["max_size"] != 1.0 || sc["desired_size"] != 1.0 {
		t.Errorf("scaling_config = %v, want 1/1/1", sc)
	}
	if uc := synthtest.Block(ng, "update_config"); uc["max_unavailable"] != 1.0 {
		t.Errorf("update_config = %v", uc)
	}
	lt := synthtest.Block(ng, "launch_template")
	if id, _ := lt["id"].(string); !strings.HasPrefix(id, "${aws_launch_template.") || !strings.HasSuffix(id, ".id}") {
		t.Errorf("launch_template.id = %v", lt["id"])
	}
	if v, _ := lt["version"].(string); !strings.HasPrefix(v, "${aws_launch_template.") || !strings.HasSuffix(v, ".latest_version}") {
		t.Errorf("launch_template.version = %v, want the latest version", lt["version"])
	}
	if _, ok := ng["remote_access"]; ok {
		t.Error("remote_access is set; EKS rejects it with a custom launch template")
	}
	ign := synthtest.Strings(synthtest.Block(ng, "lifecycle")["ignore_changes"])
	if !reflect.DeepEqual(ign, []string{"scaling_config[0].desired_size"}) {
		t.Errorf("ignore_changes = %v", ign)
	}
	if got := synthtest.Strings(ng["subnet_ids"]); !reflect.DeepEqual(got, []string{"subnet-a", "subnet-b"}) {
		t.Errorf("subnet_ids = %v", got)
	}
}

// nodegroupScriptOf decodes the launch template's base64 MIME user data and returns its shell-script part.
func nodegroupScriptOf(t *testing.T, lt synthtest.Object) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(lt["user_data"].(string))
	if err != nil {
		t.Fatalf("user_data is not base64: %v", err)
	}
	head, body, _ := strings.Cut(string(raw), "\n\n")
	ct := strings.TrimPrefix(strings.Split(head, "\n")[1], "Content-Type: ")
	media, params, err := mime.ParseMediaType(ct)
	if err != nil || media != "multipart/mixed" {
		t.Fatalf("content type %q: %v", ct, err)
	}
	r := multipart.NewReader(strings.NewReader(body), params["boundary"])
	part, err := r.NextPart()
	if err != nil {
		t.Fatalf("no MIME part: %v\n%s", err, raw)
	}
	if !strings.HasPrefix(part.Header.Get("Content-Type"), "text/x-shellscript") {
		t.Errorf("part content type = %q", part.Header.Get("Content-Type"))
	}
	b, _ := io.ReadAll(part)
	return string(b)
}

func TestNodeGroupUserDataConfiguresTheAllocator(t *testing.T) {
	script := nodegroupScriptOf(t, nodegroupSynth(t, nodegroupBaseProps()).Resource("aws_launch_template"))
	for _, want := range []string{
		"ENCLAVE_CPU_COUNT=6\n",
		"ENCLAVE_MEMORY_MIB=24576\n",
		"dnf install -y aws-nitro-enclaves-cli",
		`s/^cpu_count:.*/cpu_count: $ENCLAVE_CPU_COUNT/" /etc/nitro_enclaves/allocator.yaml`,
		`s/^memory_mib:.*/memory_mib: $ENCLAVE_MEMORY_MIB/" /etc/nitro_enclaves/allocator.yaml`,
		"systemctl enable nitro-enclaves-allocator.service",
		"systemctl restart nitro-enclaves-allocator.service",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
}

func TestNodeGroupUnsetEnclaveSizeIsComputedFromTheInstanceType(t *testing.T) {
	p := nodegroupBaseProps()
	p.EnclaveCPUCount, p.EnclaveMemoryMiB = 0, 0
	doc := nodegroupSynth(t, p)
	ds := doc.DataSources("aws_ec2_instance_type")
	if len(ds) != 1 {
		t.Fatalf("want one aws_ec2_instance_type, got %v", synthtest.Names(ds))
	}
	var ref string
	for n, d := range ds {
		ref = "data.aws_ec2_instance_type." + n
		if d["instance_type"] != "m5.2xlarge" {
			t.Errorf("instance_type = %v, want the first instance type", d["instance_type"])
		}
	}
	lt := doc.Resource("aws_launch_template")
	ud := lt["user_data"].(string)
	for _, want := range []string{"floor((0.75 * " + ref + ".default_vcpus))", "floor((0.75 * " + ref + ".memory_size))"} {
		if !strings.Contains(ud, want) {
			t.Errorf("user_data lacks %q:\n%s", want, ud)
		}
	}
	// Evaluate the expression with Terraform itself, as for an m5.2xlarge
	// (8 vCPUs, 32768 MiB): the allocator must get 6 CPUs and 24576 MiB.
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform not installed; expression not evaluated")
	}
	expr := strings.NewReplacer(ref+".default_vcpus", "8", ref+".memory_size", "32768").Replace(ud)
	expr = strings.TrimSuffix(strings.TrimPrefix(expr, "${"), "}")
	cmd := exec.Command(tf, "console")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(expr + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("terraform console: %v\n%s", err, out)
	}
	lt["user_data"] = strings.Trim(strings.TrimSpace(string(out)), `"`)
	script := nodegroupScriptOf(t, lt)
	if !strings.Contains(script, "ENCLAVE_CPU_COUNT=6\n") || !strings.Contains(script, "ENCLAVE_MEMORY_MIB=24576\n") {
		t.Errorf("evaluated script does not reserve 6 CPUs / 24576 MiB:\n%s", script)
	}
}

// With enclaves off, nothing reads the instance type: its data source exists
// only with enclaves on, and a reference to it otherwise would fail.
func TestNodeGroupDisabledEnclavesReadNoInstanceType(t *testing.T) {
	p := nodegroupBaseProps()
	p.DisableEnclaves = true
	p.EnclaveCPUCount, p.EnclaveMemoryMiB = 0, 0
	doc := nodegroupSynth(t, p)
	if ds := doc.DataSources("aws_ec2_instance_type"); len(ds) != 0 {
		t.Errorf("instance type read with enclaves off: %v", synthtest.Names(ds))
	}
	lt := doc.Resource("aws_launch_template")
	if _, ok := lt["user_data"]; ok {
		t.Error("user_data set with enclaves off")
	}
	if _, ok := lt["enclave_options"]; ok {
		t.Error("enclave_options set with enclaves off")
	}
}

// Enclaves on AL2 are refused: the allocator script would silently never run
// on AL2 nodes (only AL2023's nodeadm bootstrap runs it).
func TestNodeGroupAL2WithEnclavesIsRefused(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("AL2_x86_64 with enclaves did not panic")
		}
		if msg, _ := r.(string); !strings.Contains(msg, "AL2023") {
			t.Errorf("panic message %q does not name the fix", r)
		}
	}()
	p := nodegroupBaseProps()
	p.AMIType = "AL2_x86_64"
	nodegroupSynth(t, p)
}

// nodegroupPartsOf decodes the launch template's base64 MIME user data into
// its parts, content type and body, in order.
func nodegroupPartsOf(t *testing.T, lt synthtest.Object) [][2]string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(lt["user_data"].(string))
	if err != nil {
		t.Fatalf("user_data is not base64: %v", err)
	}
	head, body, _ := strings.Cut(string(raw), "\n\n")
	_, params, err := mime.ParseMediaType(strings.TrimPrefix(strings.Split(head, "\n")[1], "Content-Type: "))
	if err != nil {
		t.Fatal(err)
	}
	var res [][2]string
	r := multipart.NewReader(strings.NewReader(body), params["boundary"])
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			return res
		}
		if err != nil {
			t.Fatalf("bad MIME part: %v\n%s", err, raw)
		}
		b, _ := io.ReadAll(part)
		res = append(res, [2]string{part.Header.Get("Content-Type"), string(b)})
	}
}

// nodegroupCustomAMIProps boots a custom AMI with known cluster values.
func nodegroupCustomAMIProps() *nodegroup.Props {
	p := nodegroupBaseProps()
	p.AMIID = "ami-0123456789abcdef0"
	p.Cluster = &nodegroup.ClusterJoin{Endpoint: jsii.String("https://ABC.gr7.eu-west-1.eks.amazonaws.com"), CA: jsii.String("LS0tQ0E="), ServiceCIDR: jsii.String("172.20.0.0/16")}
	return p
}

// A custom AMI gets nothing from EKS: the launch template names the image,
// the node group names no AMI type or release (EKS refuses them), and the
// user data joins the node to the cluster with a nodeadm NodeConfig before
// the allocator script runs.
func TestNodeGroupCustomAMIJoinsTheClusterThroughNodeConfig(t *testing.T) {
	doc := nodegroupSynth(t, nodegroupCustomAMIProps())
	lt, ng := doc.Resource("aws_launch_template"), doc.Resource("aws_eks_node_group")
	if lt["image_id"] != "ami-0123456789abcdef0" {
		t.Errorf("image_id = %v, want the custom AMI", lt["image_id"])
	}
	if _, ok := ng["ami_type"]; ok {
		t.Errorf("ami_type = %v with a custom AMI", ng["ami_type"])
	}
	if _, ok := ng["release_version"]; ok {
		t.Errorf("release_version = %v with a custom AMI", ng["release_version"])
	}
	parts := nodegroupPartsOf(t, lt)
	if len(parts) != 2 || parts[0][0] != "application/node.eks.aws" || !strings.HasPrefix(parts[1][0], "text/x-shellscript") {
		t.Fatalf("parts = %v, want the NodeConfig then the allocator script", parts)
	}
	for _, want := range []string{"kind: NodeConfig", "    name: kms-dev\n", "    apiServerEndpoint: https://ABC.gr7.eu-west-1.eks.amazonaws.com\n", "    certificateAuthority: LS0tQ0E=\n", "    cidr: 172.20.0.0/16\n"} {
		if !strings.Contains(parts[0][1], want) {
			t.Errorf("NodeConfig lacks %q:\n%s", want, parts[0][1])
		}
	}
	if !strings.Contains(parts[1][1], "ENCLAVE_CPU_COUNT=6\n") {
		t.Errorf("allocator script missing after the NodeConfig:\n%s", parts[1][1])
	}
}

// Without a custom AMI the user data holds only the allocator script: EKS
// writes the NodeConfig of its own AMIs.
func TestNodeGroupEKSAMIHasNoNodeConfig(t *testing.T) {
	parts := nodegroupPartsOf(t, nodegroupSynth(t, nodegroupBaseProps()).Resource("aws_launch_template"))
	if len(parts) != 1 || !strings.HasPrefix(parts[0][0], "text/x-shellscript") {
		t.Errorf("parts = %v, want the allocator script only", parts)
	}
	if _, ok := nodegroupSynth(t, nodegroupBaseProps()).Resource("aws_launch_template")["image_id"]; ok {
		t.Error("image_id set without a custom AMI")
	}
}

// nodegroupWithClusterLookup synthesizes a custom-AMI node group whose
// cluster values are references to an EKS cluster data source, as in the
// party stack.
func nodegroupWithClusterLookup(t *testing.T) synthtest.Object {
	t.Helper()
	return synthtest.Stack(t, func(s constructs.Construct) {
		c := dataawsekscluster.NewDataAwsEksCluster(s, jsii.String("c"), &dataawsekscluster.DataAwsEksClusterConfig{Name: jsii.String("kms-dev")})
		p := nodegroupCustomAMIProps()
		p.Cluster = &nodegroup.ClusterJoin{
			Endpoint:    c.Endpoint(),
			CA:          c.CertificateAuthority().Get(jsii.Number(0)).Data(),
			ServiceCIDR: c.KubernetesNetworkConfig().Get(jsii.Number(0)).ServiceIpv4Cidr(),
		}
		nodegroup.New(s, "enclave", p)
	}).Resource("aws_launch_template")
}

// Cluster values known only at apply time stay Terraform references in the
// NodeConfig.
func TestNodeGroupCustomAMINodeConfigTakesClusterReferences(t *testing.T) {
	ud, _ := nodegroupWithClusterLookup(t)["user_data"].(string)
	for _, want := range []string{"data.aws_eks_cluster.c.endpoint", "data.aws_eks_cluster.c.certificate_authority[0].data", "data.aws_eks_cluster.c.kubernetes_network_config[0].service_ipv4_cidr", "base64encode("} {
		if !strings.Contains(ud, want) {
			t.Errorf("user_data lacks %q:\n%s", want, ud)
		}
	}
}

func TestNodeGroupReleaseVersionIsPinned(t *testing.T) {
	p := nodegroupBaseProps()
	p.ReleaseVersion = "1.33.8-20260304"
	ng := nodegroupSynth(t, p).Resource("aws_eks_node_group")
	if ng["release_version"] != "1.33.8-20260304" || ng["ami_type"] != "AL2023_x86_64_STANDARD" {
		t.Errorf("release_version/ami_type = %v/%v, want the pin on the EKS AMI", ng["release_version"], ng["ami_type"])
	}
	if _, ok := nodegroupSynth(t, nodegroupBaseProps()).Resource("aws_eks_node_group")["release_version"]; ok {
		t.Error("release_version set without a pin")
	}
}

func TestNodeGroupMaxUnavailablePercentageReplacesTheCount(t *testing.T) {
	p := nodegroupBaseProps()
	p.MaxUnavailablePercentage = 33
	uc := synthtest.Block(nodegroupSynth(t, p).Resource("aws_eks_node_group"), "update_config")
	if uc["max_unavailable_percentage"] != 33.0 || uc["max_unavailable"] != nil {
		t.Errorf("update_config = %v, want only max_unavailable_percentage 33", uc)
	}
	p = nodegroupBaseProps()
	p.MaxUnavailable = 2
	uc = synthtest.Block(nodegroupSynth(t, p).Resource("aws_eks_node_group"), "update_config")
	if uc["max_unavailable"] != 2.0 || uc["max_unavailable_percentage"] != nil {
		t.Errorf("update_config = %v, want only max_unavailable 2", uc)
	}
}

// Contradictory settings EKS would refuse at apply time are refused at synth.
func TestNodeGroupContradictionsAreRefused(t *testing.T) {
	for name, change := range map[string]func(*nodegroup.Props){
		"custom AMI with release":    func(p *nodegroup.Props) { p.ReleaseVersion = "1.33.8-20260304" },
		"custom AMI without cluster": func(p *nodegroup.Props) { p.Cluster = nil },
		"count and percentage":       func(p *nodegroup.Props) { p.MaxUnavailable, p.MaxUnavailablePercentage = 1, 10 },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			p := nodegroupCustomAMIProps()
			change(p)
			nodegroupSynth(t, p)
		})
	}
}

// Terraform itself evaluates the user data of a custom AMI whose cluster
// values are references: the NodeConfig it yields carries the values the
// references resolve to.
func TestNodeGroupCustomAMIUserDataEvaluatesToTheNodeConfig(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform not installed; expression not evaluated")
	}
	lt := nodegroupWithClusterLookup(t)
	expr := strings.NewReplacer(
		"data.aws_eks_cluster.c.endpoint", `"https://ABC.eks.amazonaws.com"`,
		"data.aws_eks_cluster.c.certificate_authority[0].data", `"LS0tQ0E="`,
		"data.aws_eks_cluster.c.kubernetes_network_config[0].service_ipv4_cidr", `"10.100.0.0/16"`,
	).Replace(lt["user_data"].(string))
	expr = strings.TrimSuffix(strings.TrimPrefix(expr, "${"), "}")
	cmd := exec.Command(tf, "console")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(expr + "\n")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if x, ok := err.(*exec.ExitError); ok {
			stderr = x.Stderr
		}
		t.Fatalf("terraform console: %v\n%s\nexpression: %s", err, stderr, expr)
	}
	lt["user_data"] = strings.Trim(strings.TrimSpace(string(out)), `"`)
	parts := nodegroupPartsOf(t, lt)
	if len(parts) != 2 {
		t.Fatalf("parts = %v", parts)
	}
	for _, want := range []string{"    apiServerEndpoint: https://ABC.eks.amazonaws.com\n", "    certificateAuthority: LS0tQ0E=\n", "    cidr: 10.100.0.0/16\n"} {
		if !strings.Contains(parts[0][1], want) {
			t.Errorf("evaluated NodeConfig lacks %q:\n%s", want, parts[0][1])
		}
	}
}
