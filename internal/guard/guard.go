// Package guard checks a synthesized stack (its cdk.tf.json) against the
// security rules every stack of the mesh must satisfy, whatever construct
// produced it and whatever override or escape hatch changed it afterwards:
//
//   - RuleOpenIngress: no ingress rule (aws_security_group_rule,
//     aws_vpc_security_group_ingress_rule or an inline ingress block of
//     aws_security_group) admits 0.0.0.0/0 or ::/0 on an MPC port;
//   - RuleWildcardAction: no policy document (IAM role, trust, inline and
//     managed policies, KMS key policies, bucket policies, and
//     aws_iam_policy_document data sources) Allows "*" or "<service>:*",
//     or Allows through NotAction;
//   - RuleUnreadablePolicy: every policy document is JSON the guard can read
//     (or a reference to an aws_iam_policy_document it checks itself);
//   - RuleBucketEncryption, RuleBucketPublicAccess and RuleBucketVersioning:
//     every S3 bucket has a server-side-encryption configuration, a public
//     access block that blocks and ignores ACLs, and versioning enabled;
//   - RuleIMDSv2: every launch template and instance requires IMDSv2
//     session tokens (metadata_options.http_tokens = "required");
//   - RuleDefaultTagOverride: no AWS resource sets a tag key that its
//     provider's default_tags already set;
//   - RulePublicListing: no bucket policy lets everyone (Principal "*")
//     list a bucket, except under CA prefixes: the one exception is the
//     public vault's s3:ListBucket conditioned on s3:prefix equal to
//     PUB-p<id>/CACert/, because the MPC services find each party's CA
//     certificate by an anonymous listing of that prefix and peers' trust
//     syncs list it to copy the certificate. Any other public listing
//     would expose a bucket's inventory.
//
// Versioning and IMDSv2 live in nested blocks, which tfsec cannot read in
// .tf.json (aquasecurity/trivy#5907); the guard covers them instead.
//
// The package reads plain JSON and links no cdktf, so it runs in
// milliseconds; stacks.Synthesize applies it to every stack before the
// output is moved into place.
package guard

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/mpc-mesh/infra/internal/tfjson"
)

// Rule names, as they appear in a Violation.
const (
	RuleOpenIngress        = "open-ingress"
	RuleWildcardAction     = "wildcard-action"
	RuleUnreadablePolicy   = "unreadable-policy"
	RuleBucketEncryption   = "bucket-encryption"
	RuleBucketPublicAccess = "bucket-public-access"
	RuleBucketVersioning   = "bucket-versioning"
	RuleIMDSv2             = "imdsv2"
	RuleDefaultTagOverride = "default-tag-override"
	RulePublicListing      = "public-listing"
)

// Rules parameterize the checks of one stack.
type Rules struct {
	// MPCPorts are the TCP ports that no ingress rule may open to the whole
	// internet: the environment's gRPC, peer and metrics ports.
	MPCPorts []int
}

// Violation is one broken rule in one resource of one stack.
type Violation struct {
	// Stack is the stack name.
	Stack string
	// Resource is the Terraform address, such as aws_s3_bucket.vault_private-bucket_FC09F108.
	Resource string
	// Rule is one of the Rule* names.
	Rule string
	// Problem says what is wrong.
	Problem string
	// Fix says how to make the stack pass.
	Fix string
}

// String renders the violation as one line: stack, resource, problem, rule and fix.
func (v Violation) String() string {
	return fmt.Sprintf("stack %s: %s: %s [%s]; fix: %s", v.Stack, v.Resource, v.Problem, v.Rule, v.Fix)
}

// Error is returned when a stack breaks at least one rule; it lists them all.
type Error struct {
	// Violations, sorted by stack, resource and rule.
	Violations []Violation
}

// Error lists every violation, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		lines[i] = "  " + v.String()
	}
	return fmt.Sprintf("security guard: %d violation(s); nothing was written:\n%s", len(e.Violations), strings.Join(lines, "\n"))
}

// object is a decoded JSON object.
type object = map[string]any

// Check returns every violation of the synthesized stack doc (the content of
// its cdk.tf.json), sorted; an error only when doc is not JSON.
func Check(stack string, doc []byte, rules Rules) ([]Violation, error) {
	var raw object
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, fmt.Errorf("stack %s: synthesized JSON does not parse: %w", stack, err)
	}
	c := &checker{stack: stack, rules: rules, doc: raw}
	c.ingress()
	c.policies()
	c.buckets()
	c.imds()
	c.defaultTags()
	sort.Slice(c.found, func(i, j int) bool {
		a, b := c.found[i], c.found[j]
		if a.Stack != b.Stack {
			return a.Stack < b.Stack
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Rule+a.Problem < b.Rule+b.Problem
	})
	return c.found, nil
}

// CheckAll checks several stacks and returns an *Error listing every
// violation, or nil when all stacks pass.
func CheckAll(docs map[string][]byte, rules func(stack string) Rules) error {
	var all []Violation
	names := make([]string, 0, len(docs))
	for n := range docs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		found, err := Check(n, docs[n], rules(n))
		if err != nil {
			return err
		}
		all = append(all, found...)
	}
	if len(all) > 0 {
		return &Error{Violations: all}
	}
	return nil
}

type checker struct {
	stack string
	rules Rules
	doc   object
	found []Violation
}

func (c *checker) add(resource, rule, fix, format string, args ...any) {
	c.found = append(c.found, Violation{Stack: c.stack, Resource: resource, Rule: rule, Problem: fmt.Sprintf(format, args...), Fix: fix})
}

// each calls f for every block of a section ("resource" or "data") whose
// type passes match, in a stable order.
func (c *checker) each(section string, match func(typ string) bool, f func(typ, name string, r object)) {
	sec, _ := c.doc[section].(object)
	types := sortedKeys(sec)
	for _, typ := range types {
		if !match(typ) {
			continue
		}
		byName, _ := sec[typ].(object)
		for _, name := range sortedKeys(byName) {
			if r, ok := byName[name].(object); ok {
				f(typ, name, r)
			}
		}
	}
}

func is(types ...string) func(string) bool {
	return func(t string) bool {
		for _, x := range types {
			if t == x {
				return true
			}
		}
		return false
	}
}

// ---- open ingress ----------------------------------------------------------

const fixIngress = "admit only the peers' addresses, a VPC CIDR or a security group on MPC ports (config: firewall.extra_cidrs refuses /0)"

func (c *checker) ingress() {
	c.each("resource", is("aws_vpc_security_group_ingress_rule"), func(typ, name string, r object) {
		c.checkIngress(typ+"."+name, r["ip_protocol"], r["from_port"], r["to_port"], tfjson.Strings(r["cidr_ipv4"]), tfjson.Strings(r["cidr_ipv6"]))
	})
	c.each("resource", is("aws_security_group_rule"), func(typ, name string, r object) {
		if r["type"] == "ingress" {
			c.checkIngress(typ+"."+name, r["protocol"], r["from_port"], r["to_port"], tfjson.Strings(r["cidr_blocks"]), tfjson.Strings(r["ipv6_cidr_blocks"]))
		}
	})
	c.each("resource", is("aws_security_group"), func(typ, name string, r object) {
		for _, b := range tfjson.Blocks(r["ingress"]) {
			c.checkIngress(typ+"."+name+" (inline ingress)", b["protocol"], b["from_port"], b["to_port"], tfjson.Strings(b["cidr_blocks"]), tfjson.Strings(b["ipv6_cidr_blocks"]))
		}
	})
}

func (c *checker) checkIngress(addr string, protocol, from, to any, cidrs ...[]string) {
	var world []string
	for _, list := range cidrs {
		for _, cidr := range list {
			if p, err := netip.ParsePrefix(strings.TrimSpace(cidr)); err == nil && p.Bits() == 0 {
				world = append(world, cidr)
			}
		}
	}
	if len(world) == 0 {
		return
	}
	proto := strings.ToLower(fmt.Sprint(protocol))
	allPorts := proto == "-1" || proto == "all"
	if !allPorts && proto != "tcp" && proto != "6" {
		return
	}
	lo, okLo := from.(float64)
	hi, okHi := to.(float64)
	for _, port := range c.rules.MPCPorts {
		// A port that is a token cannot be read: assume it may be an MPC port.
		covered := allPorts || !okLo || !okHi || (lo <= float64(port) && float64(port) <= hi)
		if covered {
			c.add(addr, RuleOpenIngress, fixIngress, "admits %s on MPC port %d/tcp", strings.Join(world, ", "), port)
			return
		}
	}
}

// ---- policies ---------------------------------------------------------------

const fixPolicy = "name the actions the component calls (policy documents are built with internal/iampolicy)"

// policyKeys are the attributes that hold a JSON policy document.
var policyKeys = map[string]bool{"policy": true, "assume_role_policy": true}

// documentRef matches a reference to an aws_iam_policy_document's JSON,
// which is checked as a data source.
var documentRef = regexp.MustCompile(`^\$\{data\.aws_iam_policy_document\.[^.}]+\.(json|minified_json)\}$`)

// serviceWildcard matches "*" and "<service>:*".
var serviceWildcard = regexp.MustCompile(`^([a-z0-9-]+:)?\*$`)

func (c *checker) policies() {
	c.each("resource", func(t string) bool { return strings.HasPrefix(t, "aws_") }, func(typ, name string, r object) {
		walkPolicies(r, func(key, doc string) { c.checkPolicyJSON(typ+"."+name, key, doc) })
	})
	c.each("data", is("aws_iam_policy_document"), func(typ, name string, r object) {
		for i, s := range tfjson.Blocks(r["statement"]) {
			effect, _ := s["effect"].(string)
			if effect == "" {
				effect = "Allow"
			}
			c.checkStatement("data."+typ+"."+name, fmt.Sprintf("statement %d", i), effect, s["actions"], s["not_actions"])
		}
	})
}

// walkPolicies calls f for every string attribute named like a policy,
// at any depth (inline_policy blocks of aws_iam_role included).
func walkPolicies(v any, f func(key, doc string)) {
	switch x := v.(type) {
	case object:
		for _, k := range sortedKeys(x) {
			if s, ok := x[k].(string); ok && policyKeys[k] {
				f(k, s)
				continue
			}
			walkPolicies(x[k], f)
		}
	case []any:
		for _, e := range x {
			walkPolicies(e, f)
		}
	}
}

func (c *checker) checkPolicyJSON(addr, key, doc string) {
	doc = strings.TrimSpace(doc)
	if documentRef.MatchString(doc) {
		return
	}
	var p object
	if err := json.Unmarshal([]byte(maskInterpolations(doc)), &p); err != nil {
		c.add(addr, RuleUnreadablePolicy, "render the document as JSON with internal/iampolicy, or reference an aws_iam_policy_document data source",
			"%s is not a JSON policy document the guard can inspect (%.60q)", key, doc)
		return
	}
	statements := tfjson.Blocks(p["Statement"])
	for i, s := range statements {
		effect, _ := s["Effect"].(string)
		where := fmt.Sprintf("%s statement %d", key, i)
		if sid, _ := s["Sid"].(string); sid != "" {
			where = fmt.Sprintf("%s statement %q", key, sid)
		}
		c.checkStatement(addr, where, effect, s["Action"], s["NotAction"])
		if strings.HasPrefix(addr, "aws_s3_bucket_policy.") {
			c.checkPublicListing(addr, where, effect, s)
		}
	}
}

const fixListing = "grant public s3:ListBucket only with a StringEquals s3:prefix condition on CA prefixes PUB-p<id>/CACert/ (vault.CAListingStatement), or name the principals that need to list"

// caPrefix is the only prefix a bucket policy may let everyone list.
var caPrefix = regexp.MustCompile(`^PUB-p[0-9]+/CACert/$`)

// listActions are the actions that list a bucket's keys or versions.
var listActions = regexp.MustCompile(`(?i)^s3:(\*|List\*|ListBucket\*?|ListBucketVersions)$`)

// checkPublicListing flags a bucket policy statement that lets everyone
// list the bucket other than under CA prefixes only.
func (c *checker) checkPublicListing(addr, detail, effect string, s object) {
	if !strings.EqualFold(effect, "Allow") || !public(s["Principal"]) {
		return
	}
	lists := false
	for _, a := range tfjson.Strings(s["Action"]) {
		lists = lists || listActions.MatchString(strings.TrimSpace(a))
	}
	if !lists {
		return
	}
	cond, _ := s["Condition"].(object)
	eq, _ := cond["StringEquals"].(object)
	prefixes := tfjson.Strings(eq["s3:prefix"])
	ok := len(cond) == 1 && len(eq) == 1 && len(prefixes) > 0
	for _, p := range prefixes {
		ok = ok && caPrefix.MatchString(p)
	}
	for _, a := range tfjson.Strings(s["Action"]) {
		// Only ListBucket honours s3:prefix; any other list action is public in full.
		ok = ok && a == "s3:ListBucket"
	}
	if !ok {
		c.add(addr, RulePublicListing, fixListing, "%s lets everyone list the bucket beyond the CA prefixes", detail)
	}
}

// public reports whether a policy principal is everyone.
func public(p any) bool {
	switch x := p.(type) {
	case string:
		return x == "*"
	case object:
		for _, v := range tfjson.Strings(x["AWS"]) {
			if v == "*" {
				return true
			}
		}
	}
	return false
}

// checkStatement flags an Allow statement (where names it) that grants a
// wildcard action or uses NotAction.
func (c *checker) checkStatement(addr, detail, effect string, actions, notActions any) {
	if !strings.EqualFold(effect, "Allow") {
		return
	}
	for _, a := range tfjson.Strings(actions) {
		if serviceWildcard.MatchString(strings.TrimSpace(a)) {
			c.add(addr, RuleWildcardAction, fixPolicy, "%s Allows the wildcard action %q", detail, a)
		}
	}
	if len(tfjson.Strings(notActions)) > 0 {
		c.add(addr, RuleWildcardAction, fixPolicy, "%s Allows through NotAction, which grants every other action", detail)
	}
}

// maskInterpolations replaces every Terraform interpolation ${...} by a
// placeholder: an interpolation may hold unescaped double quotes (such as
// ${replace(x, "https://", "")}) that make the raw string invalid JSON until
// Terraform evaluates it. Nested braces and quoted strings inside the
// expression are skipped over.
func maskInterpolations(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		depth, inString, j := 0, false, i+1
		for ; j < len(s); j++ {
			switch ch := s[j]; {
			case inString && ch == '\\':
				j++
			case ch == '"':
				inString = !inString
			case !inString && ch == '{':
				depth++
			case !inString && ch == '}':
				depth--
			}
			if depth == 0 {
				break
			}
		}
		b.WriteString("tf-expression")
		i = j + 1
	}
	return b.String()
}

// ---- buckets ----------------------------------------------------------------

func (c *checker) buckets() {
	type state struct{ encrypted, blocked, versioned bool }
	buckets := map[string]*state{}
	byName := map[string]string{}
	c.each("resource", is("aws_s3_bucket"), func(typ, name string, r object) {
		st := &state{}
		// The pre-4.0 inline block still counts.
		if len(tfjson.Blocks(r["server_side_encryption_configuration"])) > 0 {
			st.encrypted = true
		}
		buckets[name] = st
		if b, ok := r["bucket"].(string); ok {
			byName[b] = name
		}
	})
	if len(buckets) == 0 {
		return
	}
	// target resolves a bucket attribute to the bucket resource it names.
	ref := regexp.MustCompile(`^\$\{aws_s3_bucket\.([^.}]+)\.(id|bucket)\}$`)
	target := func(r object) *state {
		s, _ := r["bucket"].(string)
		if m := ref.FindStringSubmatch(s); m != nil {
			return buckets[m[1]]
		}
		return buckets[byName[s]]
	}
	c.each("resource", is("aws_s3_bucket_server_side_encryption_configuration"), func(typ, name string, r object) {
		if st := target(r); st != nil {
			for _, rule := range tfjson.Blocks(r["rule"]) {
				for _, d := range tfjson.Blocks(rule["apply_server_side_encryption_by_default"]) {
					if alg, _ := d["sse_algorithm"].(string); alg != "" {
						st.encrypted = true
					}
				}
			}
		}
	})
	c.each("resource", is("aws_s3_bucket_versioning"), func(typ, name string, r object) {
		if st := target(r); st != nil {
			for _, v := range tfjson.Blocks(r["versioning_configuration"]) {
				if v["status"] == "Enabled" {
					st.versioned = true
				}
			}
		}
	})
	c.each("resource", is("aws_s3_bucket_public_access_block"), func(typ, name string, r object) {
		if st := target(r); st != nil && r["block_public_acls"] == true && r["ignore_public_acls"] == true {
			st.blocked = true
		}
	})
	for _, name := range sortedKeys(buckets) {
		st, addr := buckets[name], "aws_s3_bucket."+name
		if !st.encrypted {
			c.add(addr, RuleBucketEncryption, "add an aws_s3_bucket_server_side_encryption_configuration (SSE-KMS with a customer key, or AES256 for public content) as constructs/vault does",
				"bucket has no server-side-encryption configuration")
		}
		if !st.blocked {
			c.add(addr, RuleBucketPublicAccess, "add an aws_s3_bucket_public_access_block with block_public_acls and ignore_public_acls true (and the policy flags true unless the bucket is public by design)",
				"bucket has no public access block that blocks and ignores ACLs")
		}
		if !st.versioned {
			c.add(addr, RuleBucketVersioning, "add an aws_s3_bucket_versioning with status Enabled, so that an overwrite or delete of key material can be undone",
				"bucket versioning is not enabled")
		}
	}
}

// ---- IMDSv2 -------------------------------------------------------------------

func (c *checker) imds() {
	c.each("resource", is("aws_launch_template", "aws_instance"), func(typ, name string, r object) {
		md := tfjson.Blocks(r["metadata_options"])
		if len(md) == 0 || md[0]["http_tokens"] != "required" {
			c.add(typ+"."+name, RuleIMDSv2, `set metadata_options { http_tokens = "required" } (constructs/nodegroup does)`,
				"instances may use IMDSv1, whose credentials a server-side request forgery can read")
		}
	})
}

// ---- default tags -------------------------------------------------------------

func (c *checker) defaultTags() {
	defaults := map[string]map[string]bool{} // provider reference -> default tag keys
	providers, _ := c.doc["provider"].(object)
	for _, cfg := range tfjson.Blocks(providers["aws"]) {
		ref := "aws"
		if alias, _ := cfg["alias"].(string); alias != "" {
			ref = "aws." + alias
		}
		keys := map[string]bool{}
		for _, dt := range tfjson.Blocks(cfg["default_tags"]) {
			tags, _ := dt["tags"].(object)
			for k := range tags {
				keys[k] = true
			}
		}
		defaults[ref] = keys
	}
	c.each("resource", func(t string) bool { return strings.HasPrefix(t, "aws_") }, func(typ, name string, r object) {
		ref, _ := r["provider"].(string)
		ref = strings.TrimSuffix(strings.TrimPrefix(ref, "${"), "}")
		if ref == "" {
			ref = "aws"
		}
		tags, _ := r["tags"].(object)
		for _, k := range sortedKeys(tags) {
			if defaults[ref][k] {
				c.add(typ+"."+name, RuleDefaultTagOverride, "drop the tag from the resource: the provider's default_tags (stacks.DefaultTags) set it on every resource",
					"sets the tag %q that the provider's default tags already set", k)
			}
		}
	})
}

// ---- JSON helpers --------------------------------------------------------------

func sortedKeys[V any](m map[string]V) []string {
	res := make([]string, 0, len(m))
	for k := range m {
		res = append(res, k)
	}
	sort.Strings(res)
	return res
}
