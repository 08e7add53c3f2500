package synthtest_test

import (
	"os"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"
	"github.com/mpc-mesh/infra/test/synthtest"
)

func TestMain(m *testing.M) { os.Exit(synthtest.Main(m)) }

func TestStackFindsResources(t *testing.T) {
	doc := synthtest.Stack(t, func(s constructs.Construct) {
		eip.NewEip(s, jsii.String("one"), &eip.EipConfig{Domain: jsii.String("vpc")})
	})
	if got := doc.Resource("aws_eip")["domain"]; got != "vpc" {
		t.Fatalf("domain = %v, want vpc", got)
	}
	if n := len(doc.Resources("aws_s3_bucket")); n != 0 {
		t.Fatalf("found %d buckets in a stack that has none", n)
	}
}
