// Package synthtest synthesizes small cdktf stacks inside tests and gives typed
// access to the resulting Terraform JSON, so construct tests assert on what
// Terraform will actually receive rather than on the bare booleans of
// cdktf.Testing_ToHaveResource*.
package synthtest

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	awsprovider "github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/internal/tfjson"
)

// Doc is one synthesized stack: the decoded cdk.tf.json.
type Doc struct {
	t   testing.TB
	Raw map[string]any
}

// Object is a decoded JSON object (a resource, a block, a policy statement).
type Object = map[string]any

// Stack builds a test stack with an AWS provider in eu-west-1, lets build add
// constructs to it, and returns the synthesized document.
func Stack(t testing.TB, build func(scope constructs.Construct)) *Doc {
	t.Helper()
	app := cdktf.Testing_App(nil)
	stack := cdktf.NewTerraformStack(app, jsii.String("test"))
	awsprovider.NewAwsProvider(stack, jsii.String("aws"), &awsprovider.AwsProviderConfig{Region: jsii.String("eu-west-1")})
	build(stack)
	return Synth(t, stack)
}

// Synth synthesizes an existing stack and decodes it.
func Synth(t testing.TB, stack cdktf.TerraformStack) *Doc {
	t.Helper()
	out := cdktf.Testing_Synth(stack, jsii.Bool(false))
	var raw map[string]any
	if err := json.Unmarshal([]byte(*out), &raw); err != nil {
		t.Fatalf("synthesized stack is not JSON: %v", err)
	}
	return &Doc{t: t, Raw: raw}
}

func (d *Doc) section(kind, typ string) map[string]Object {
	sec, _ := d.Raw[kind].(map[string]any)
	byType, _ := sec[typ].(map[string]any)
	res := map[string]Object{}
	for name, v := range byType {
		if o, ok := v.(map[string]any); ok {
			res[name] = o
		}
	}
	return res
}

// Resources returns every resource of a Terraform type, keyed by logical name.
func (d *Doc) Resources(typ string) map[string]Object { return d.section("resource", typ) }

// DataSources returns every data source of a Terraform type, keyed by logical name.
func (d *Doc) DataSources(typ string) map[string]Object { return d.section("data", typ) }

// Resource returns the only resource of a type and fails the test unless there is exactly one.
func (d *Doc) Resource(typ string) Object {
	d.t.Helper()
	all := d.Resources(typ)
	if len(all) != 1 {
		d.t.Fatalf("want exactly one %s, got %d: %v", typ, len(all), Names(all))
	}
	for _, o := range all {
		return o
	}
	return nil
}

// Outputs returns the stack's Terraform outputs keyed by name.
func (d *Doc) Outputs() map[string]Object {
	out := map[string]Object{}
	sec, _ := d.Raw["output"].(map[string]any)
	for k, v := range sec {
		if o, ok := v.(map[string]any); ok {
			out[k] = o
		}
	}
	return out
}

// Names returns the sorted keys of a map of objects.
func Names(m map[string]Object) []string {
	res := make([]string, 0, len(m))
	for k := range m {
		res = append(res, k)
	}
	sort.Strings(res)
	return res
}

// Policy decodes a JSON policy document held in a string attribute.
func (d *Doc) Policy(doc any) Object {
	d.t.Helper()
	s, ok := doc.(string)
	if !ok {
		d.t.Fatalf("policy is %T, want a JSON string", doc)
	}
	var p Object
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		d.t.Fatalf("policy is not JSON: %v\n%s", err, s)
	}
	return p
}

// Statements returns the Statement list of a decoded policy document.
func Statements(policy Object) []Object {
	list, _ := policy["Statement"].([]any)
	res := make([]Object, 0, len(list))
	for _, s := range list {
		if o, ok := s.(map[string]any); ok {
			res = append(res, o)
		}
	}
	return res
}

// Strings turns a JSON value that is a string or a list of strings into a slice.
func Strings(v any) []string { return tfjson.Strings(v) }

// Block returns a nested block that cdktf may render as an object or a one-element list.
func Block(o Object, key string) Object {
	if b := tfjson.Blocks(o[key]); len(b) > 0 {
		return b[0]
	}
	return nil
}

// Main runs a test package's tests and then stops the jsii runtime, so no Node
// process or temporary directory outlives the run. Call it from TestMain.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	jsii.Close()
	return code
}
