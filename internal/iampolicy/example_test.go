package iampolicy_test

import (
	"fmt"

	policy "github.com/mpc-mesh/infra/internal/iampolicy"
)

// ExampleDocument_JSON renders a bucket read policy.
func ExampleDocument_JSON() {
	doc := policy.New(policy.Statement{
		Sid:      "ReadVault",
		Effect:   policy.Allow,
		Action:   []string{"s3:GetObject"},
		Resource: []string{"arn:aws:s3:::mpc-dev-alice-public/*"},
	})
	fmt.Println(*doc.JSON())
	// Output: {"Version":"2012-10-17","Statement":[{"Sid":"ReadVault","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::mpc-dev-alice-public/*"]}]}
}
