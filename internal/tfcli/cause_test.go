package tfcli

import "testing"

func TestCause(t *testing.T) {
	for out, want := range map[string]string{
		"Initializing...\n╷\n│ Error: Failed to query available provider packages\n│ \n│ Could not retrieve the list of available versions for provider hashicorp/helm: could not connect to registry.terraform.io\n╵\n":  "Error: Failed to query available provider packages — Could not retrieve the list of available versions for provider hashicorp/helm: could not connect to registry.terraform.io",
		"\nError: deleting ELBv2 Load Balancer (arn): operation error\n\n  with aws_lb.nlb,\n  on cdk.tf.json line 40, in resource.aws_lb.nlb:\n  40:       }\n\nOperationNotPermitted: deletion protection is enabled\n": "Error: deleting ELBv2 Load Balancer (arn): operation error — OperationNotPermitted: deletion protection is enabled",
		"Apply complete! Resources: 1 added, 0 changed, 0 destroyed.\n": "",
	} {
		if got := Cause(out); got != want {
			t.Errorf("Cause(%q)\n = %q\nwant %q", out, got, want)
		}
	}
}
