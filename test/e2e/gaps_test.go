package e2e

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// emulatorGap is a difference between what a stack asks for and what the
// emulator reports back, which makes a second plan show a change that real
// AWS would not. Each entry names the resource type and the top-level
// attribute, and says why.
type emulatorGap struct {
	Resource, Attribute, Reason string
}

// emulatorGaps is the one list of tolerated plan differences after apply.
// A re-plan may change or replace a resource only in these attributes; any
// other difference fails the test. Entries that no plan needed are reported
// in the log, so the list can only shrink as the emulator improves.
var emulatorGaps = []emulatorGap{
	{
		Resource:  "aws_vpc_endpoint",
		Attribute: "service_region",
		Reason:    "moto 5.2.1 neither stores nor returns ServiceRegion on interface endpoints; a cross-region endpoint reads back without it and the re-plan wants to replace it",
	},
	{
		Resource:  "aws_eks_node_group",
		Attribute: "remote_access",
		Reason:    "moto 5.2.1 reports a default remoteAccess (ec2SshKey eksKeypair) on node groups created without one; remote_access forces a replacement",
	},
	{
		Resource:  "aws_launch_template",
		Attribute: "tag_specifications",
		Reason:    "moto 5.2.1 copies the template's own tags (resource type launch-template) into the template data's TagSpecifications, so it reads back one specification more than was sent",
	},
	{
		Resource:  "aws_lb",
		Attribute: "enforce_security_group_inbound_rules_on_private_link_traffic",
		Reason:    "moto 5.2.1 does not return EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic in DescribeLoadBalancers, so the NLB's \"off\" reads back empty",
	},
	{
		Resource:  "aws_vpc_security_group_ingress_rule",
		Attribute: "description",
		Reason:    "moto 5.2.1 returns a rule's Description only for CIDR rules; a rule that references a security group reads back without one",
	},
	{
		Resource:  "aws_db_parameter_group",
		Attribute: "parameter",
		Reason:    "moto 5.2.1 returns DescribeDBParameters entries without Source; when parameters are configured the provider keeps only Source=user entries, so it reads none back",
	},
	{
		Resource:  "aws_db_instance",
		Attribute: "monitoring_interval",
		Reason:    "moto 5.2.1 does not model enhanced monitoring (its RDS backend has no MonitoringInterval): the instance reads back with 0",
	},
	{
		Resource:  "aws_db_instance",
		Attribute: "monitoring_role_arn",
		Reason:    "moto 5.2.1 does not model enhanced monitoring: no MonitoringRoleArn is returned",
	},
	{
		Resource:  "aws_db_instance",
		Attribute: "performance_insights_enabled",
		Reason:    "moto 5.2.1 does not model Performance Insights: the instance reads back with it off",
	},
	{
		Resource:  "aws_s3_bucket_replication_configuration",
		Attribute: "rule",
		Reason:    "moto 5.2.1 drops SourceSelectionCriteria from a stored replication rule, so the rule reads back without sse_kms_encrypted_objects and the re-plan wants to add it",
	},
	{
		Resource:  "aws_db_instance",
		Attribute: "performance_insights_kms_key_id",
		Reason:    "moto 5.2.1 does not model Performance Insights: no key is returned",
	},
	{
		Resource:  "aws_db_instance",
		Attribute: "performance_insights_retention_period",
		Reason:    "moto 5.2.1 does not model Performance Insights: no retention period is returned",
	},
}

// planChange is one resource change of `terraform show -json` output.
type planChange struct {
	Address string `json:"address"`
	Mode    string `json:"mode"`
	Type    string `json:"type"`
	Change  struct {
		Actions      []string       `json:"actions"`
		Before       map[string]any `json:"before"`
		After        map[string]any `json:"after"`
		AfterUnknown map[string]any `json:"after_unknown"`
		ReplacePaths [][]any        `json:"replace_paths"`
	} `json:"change"`
}

type planJSON struct {
	ResourceChanges []planChange `json:"resource_changes"`
	OutputChanges   map[string]struct {
		Actions []string `json:"actions"`
	} `json:"output_changes"`
}

// gapReport is what a plan with changes amounts to: the tolerated gaps it
// hit and the differences nothing tolerates.
type gapReport struct {
	// Seen are the tolerated gaps, "type.attribute", with the addresses that hit them.
	Seen map[string][]string
	// Untolerated describes every change no gap covers.
	Untolerated []string
}

// matchGaps checks the changes of one stack's plan against emulatorGaps.
//
// What counts is the cause of each change: for a replacement, the
// attributes that force it (replace_paths); for an update, the attributes
// whose new value is known and differs. Attributes that only become unknown
// are consequences of another change in the same plan (a new launch
// template version, a replaced endpoint's id) and are judged there; a
// change made only of unknowns, with no other change to explain it, is
// reported. So are outputs that change while no resource does.
func matchGaps(stack string, planData []byte) (gapReport, error) {
	rep := gapReport{Seen: map[string][]string{}}
	var plan planJSON
	if err := json.Unmarshal(planData, &plan); err != nil {
		return rep, fmt.Errorf("%s: decode the plan: %w", stack, err)
	}
	var caused int
	var onlyUnknown []string
	for _, rc := range plan.ResourceChanges {
		if rc.Mode != "managed" || isNoop(rc.Change.Actions) {
			continue
		}
		actions := strings.Join(rc.Change.Actions, ",")
		if rc.Change.Before == nil || rc.Change.After == nil {
			caused++
			rep.Untolerated = append(rep.Untolerated, fmt.Sprintf("%s: %s (%s of a whole resource)", stack, rc.Address, actions))
			continue
		}
		causes := causeAttributes(rc)
		if len(causes) == 0 {
			onlyUnknown = append(onlyUnknown, rc.Address)
			continue
		}
		caused++
		var bad []string
		for _, attr := range causes {
			if g := findGap(rc.Type, attr); g != nil {
				key := g.Resource + "." + g.Attribute
				rep.Seen[key] = append(rep.Seen[key], stack+": "+rc.Address)
				continue
			}
			bad = append(bad, fmt.Sprintf("%s: %s -> %s", attr, short(rc.Change.Before[attr]), short(rc.Change.After[attr])))
		}
		if len(bad) > 0 {
			rep.Untolerated = append(rep.Untolerated, fmt.Sprintf("%s: %s (%s): %s", stack, rc.Address, actions, strings.Join(bad, "; ")))
		}
	}
	if caused > 0 {
		return rep, nil
	}
	for _, addr := range onlyUnknown {
		rep.Untolerated = append(rep.Untolerated, fmt.Sprintf("%s: %s changes only through values unknown until apply, and nothing in the plan explains them", stack, addr))
	}
	if len(onlyUnknown) == 0 {
		var names []string
		for name, oc := range plan.OutputChanges {
			if !isNoop(oc.Actions) {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			rep.Untolerated = append(rep.Untolerated, fmt.Sprintf("%s: output %s changes while no resource does", stack, n))
		}
	}
	return rep, nil
}

// causeAttributes returns the top-level attributes that cause a change:
// those forcing a replacement, or else those whose planned value is known
// and differs from the current one. Sorted.
func causeAttributes(rc planChange) []string {
	set := map[string]bool{}
	replace := slices.Contains(rc.Change.Actions, "delete") && slices.Contains(rc.Change.Actions, "create")
	if replace {
		for _, p := range rc.Change.ReplacePaths {
			if len(p) > 0 {
				if name, ok := p[0].(string); ok {
					set[name] = true
				}
			}
		}
	}
	if !replace || len(set) == 0 {
		for k := range rc.Change.Before {
			set[k] = true
		}
		for k := range rc.Change.After {
			set[k] = true
		}
		for k := range set {
			if hasTrue(rc.Change.AfterUnknown[k]) || reflect.DeepEqual(rc.Change.Before[k], rc.Change.After[k]) {
				delete(set, k)
			}
		}
	}
	res := make([]string, 0, len(set))
	for k := range set {
		res = append(res, k)
	}
	sort.Strings(res)
	return res
}

func isNoop(actions []string) bool {
	return len(actions) == 0 || (len(actions) == 1 && (actions[0] == "no-op" || actions[0] == "read"))
}

func findGap(resource, attr string) *emulatorGap {
	for i := range emulatorGaps {
		if emulatorGaps[i].Resource == resource && emulatorGaps[i].Attribute == attr {
			return &emulatorGaps[i]
		}
	}
	return nil
}

// hasTrue reports whether an after_unknown value marks anything unknown.
func hasTrue(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case []any:
		for _, e := range x {
			if hasTrue(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasTrue(e) {
				return true
			}
		}
	}
	return false
}

// short renders a value for an error message.
func short(v any) string {
	data, _ := json.Marshal(v)
	s := string(data)
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
