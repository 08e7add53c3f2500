// Package iampolicy builds IAM and resource policy documents (IAM role and
// trust policies, S3 bucket policies, KMS key policies) as typed Go values and
// renders them to the JSON string Terraform expects. Values may contain cdktf
// tokens; they are resolved when the stack is synthesized.
package iampolicy

import (
	"bytes"
	"encoding/json"

	"github.com/aws/jsii-runtime-go"
)

// Version is the policy language version every document uses.
const Version = "2012-10-17"

// Document is a policy document: a version and an ordered list of statements.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one policy statement. Principal is either the string "*"
// (anonymous) or a map such as {"AWS": [...]}; Condition maps an operator to
// its key/value pairs.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// Allow and Deny are the two statement effects.
const (
	Allow = "Allow"
	Deny  = "Deny"
)

// New returns a document with the standard version and the given statements in order.
func New(statements ...Statement) Document {
	return Document{Version: Version, Statement: statements}
}

// AWSPrincipal returns the principal block for AWS account or role ARNs.
func AWSPrincipal(arns ...string) map[string]any {
	return map[string]any{"AWS": arns}
}

// ServicePrincipal returns the principal block for an AWS service such as ec2.amazonaws.com.
func ServicePrincipal(service string) map[string]any {
	return map[string]any{"Service": service}
}

// JSON renders the document. HTML escaping is off so that tokens and ARNs stay readable.
func (d Document) JSON() *string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		// Every field is a plain Go value; encoding cannot fail.
		panic(err)
	}
	return jsii.String(string(bytes.TrimSpace(buf.Bytes())))
}
