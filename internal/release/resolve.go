// Package release reads the MPC services release a cluster stack
// synthesizes (helm_release, its values, the stack's ConfigMaps and
// ServiceAccounts), resolves the Terraform expressions the synthesized
// stacks already answer, and renders it with a chart through Helm's own
// library, post-renderer included, as the helm provider would install it.
// What the rendered release must hold is checked elsewhere (mpc-render's
// chartcheck, the API-server check).
package release

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/mpc-mesh/infra/internal/tfjson"
)

// Stacks holds synthesized stacks by name: each decoded cdk.tf.json.
type Stacks map[string]tfjson.Object

// LoadStacks reads the named stacks from a synthesis output folder
// (cdktf.out).
func LoadStacks(outdir string, names ...string) (Stacks, error) {
	res := Stacks{}
	for _, n := range names {
		raw, err := os.ReadFile(filepath.Join(outdir, "stacks", n, "cdk.tf.json"))
		if err != nil {
			return nil, fmt.Errorf("stack %s is not synthesized in %s: %w", n, outdir, err)
		}
		var doc tfjson.Object
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("stack %s: %w", n, err)
		}
		res[n] = doc
	}
	return res, nil
}

// remoteStatePrefix starts the name of every cross-stack reference input;
// the rest is the producing stack's name.
const remoteStatePrefix = "cross-stack-reference-input-"

var reExpr = regexp.MustCompile(`\$\{([^{}]+)\}`)

// Resolve replaces every Terraform expression ${...} in s, read in stack,
// by the value it will have where the synthesized JSON already holds it: an
// attribute written in a resource of the same stack, or an output of
// another stack reached through a cross-stack reference. A value only known
// after apply (an ARN, an Elastic IP) becomes Unknown(stack, address).
func (st Stacks) Resolve(stack, s string) string {
	for depth := 0; depth < 8 && strings.Contains(s, "${"); depth++ {
		s = reExpr.ReplaceAllStringFunc(s, func(m string) string {
			return st.expression(stack, reExpr.FindStringSubmatch(m)[1])
		})
	}
	return s
}

// Unknown is the placeholder of a value known only after apply: the stack
// and the resource address it comes from.
func Unknown(stack, address string) string {
	return fmt.Sprintf("unknown(%s/%s)", stack, address)
}

func (st Stacks) expression(stack, expr string) string {
	parts := strings.Split(expr, ".")
	if len(parts) == 5 && parts[0] == "data" && parts[1] == "terraform_remote_state" && parts[3] == "outputs" {
		producer := strings.TrimPrefix(parts[2], remoteStatePrefix)
		doc, ok := st[producer]
		if !ok {
			return Unknown(producer, "output."+parts[4])
		}
		outputs, _ := doc["output"].(tfjson.Object)
		out, _ := outputs[parts[4]].(tfjson.Object)
		v, ok := out["value"].(string)
		if !ok {
			return Unknown(producer, "output."+parts[4])
		}
		return st.Resolve(producer, v)
	}
	if len(parts) < 3 {
		return Unknown(stack, expr)
	}
	resources, _ := st[stack]["resource"].(tfjson.Object)
	byType, _ := resources[parts[0]].(tfjson.Object)
	var cur any = byType[parts[1]]
	for _, attr := range parts[2:] {
		name, index := attr, -1
		if i := strings.Index(attr, "["); i >= 0 {
			name = attr[:i]
			fmt.Sscanf(attr[i:], "[%d]", &index)
		}
		obj, ok := cur.(tfjson.Object)
		if !ok {
			return Unknown(stack, expr)
		}
		cur = obj[name]
		if index >= 0 {
			blocks := tfjson.Blocks(cur)
			if index >= len(blocks) {
				return Unknown(stack, expr)
			}
			cur = blocks[index]
		}
	}
	if v, ok := cur.(string); ok {
		return v
	}
	return Unknown(stack, expr)
}
