#!/usr/bin/env python3
"""AWS API client of the emulator (package internal/emulator).

`make emulator` and the end-to-end test (test/e2e) drive this script through
the Go package, which embeds it; it talks to moto_server with boto3, which is
installed together with moto, so no Go AWS SDK is needed.

    python3 awsapi.py ENDPOINT fixture          < parties.json > fixture.json
    python3 awsapi.py ENDPOINT state-bucket     < bucket.json  > {}
    python3 awsapi.py ENDPOINT state-locks      < bucket.json  > locks.json
    python3 awsapi.py ENDPOINT inventory        < scopes.json  > inventory.json

Requests and answers are JSON on stdin and stdout. Each party or scope names
an account id and one or more regions.

fixture creates what the stacks expect to exist already, per party: a VPC with
two private subnets (tag kubernetes.io/role/internal-elb=1) and two public
subnets (tag kubernetes.io/role/elb=1) in two availability zones, the EKS
cluster security group, the EKS cluster and the IAM OIDC provider of the
cluster's issuer.

state-bucket creates the S3 bucket of an environment's state backend
({"bucket": ..., "region": ...}), versioned, in the emulator's default
account, where the backend's dummy keys land; an existing bucket is kept.

inventory describes every resource kind the stacks create, per account and
region, untouched: the Go side (checks_test.go) decides what is right.

The emulator's account for a party is reached as the stacks reach it
(stacks/emulator.go): by assuming arn:aws:iam::<account>:role/mpc-emulator
with dummy keys; moto files the keys it returns under that account.
"""

import json
import sys

import boto3
import botocore.config
from botocore.exceptions import ClientError

ENDPOINT = ""

PRIVATE_TAG = "kubernetes.io/role/internal-elb"
PUBLIC_TAG = "kubernetes.io/role/elb"
FIXTURE_TAG = "mpc:e2e-fixture"


_credentials = {}


def credentials(account, region):
    """Keys of the emulator role in an account, as the stacks' providers get
    them (stacks/emulator.go): moto files the keys that AssumeRole returns
    under the role's account."""
    if account not in _credentials:
        sts = boto3.client(
            "sts",
            endpoint_url=ENDPOINT,
            region_name=region,
            aws_access_key_id="emulator",
            aws_secret_access_key="emulator",
        )
        partition = "aws"
        if region.startswith("cn-"):
            partition = "aws-cn"
        elif region.startswith("us-gov-"):
            partition = "aws-us-gov"
        c = sts.assume_role(
            RoleArn=f"arn:{partition}:iam::{account}:role/mpc-emulator", RoleSessionName="mpc-e2e"
        )["Credentials"]
        _credentials[account] = c
    return _credentials[account]


def client(service, account, region):
    c = credentials(account, region)
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
        config=botocore.config.Config(
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"},
        ),
    )


def tags(d):
    return [{"Key": k, "Value": v} for k, v in sorted(d.items())]


# ---------------------------------------------------------------- fixture


def create_party(p, oidc_done):
    account, region, name = p["account_id"], p["region"], p["cluster_name"]
    ec2 = client("ec2", account, region)
    cidr = p["vpc_cidr"]
    vpc = ec2.create_vpc(
        CidrBlock=cidr,
        TagSpecifications=[{"ResourceType": "vpc", "Tags": tags({"Name": name, FIXTURE_TAG: "1"})}],
    )["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    # /16 -> four /20s: private a, private b, public a, public b.
    octets = cidr.split("/")[0].split(".")
    base = f"{octets[0]}.{octets[1]}"
    subnets = {"private": [], "public": []}
    for i, (kind, zone) in enumerate(
        [("private", zones[0]), ("private", zones[1]), ("public", zones[0]), ("public", zones[1])]
    ):
        role = PRIVATE_TAG if kind == "private" else PUBLIC_TAG
        sn = ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=f"{base}.{i * 16}.0/20",
            AvailabilityZone=zone,
            TagSpecifications=[
                {
                    "ResourceType": "subnet",
                    "Tags": tags({"Name": f"{name}-{kind}-{zone}", role: "1", FIXTURE_TAG: "1"}),
                }
            ],
        )["Subnet"]["SubnetId"]
        subnets[kind].append(sn)
    sg = ec2.create_security_group(
        GroupName=f"eks-cluster-sg-{name}",
        Description=f"EKS created security group applied to ENI of cluster {name}",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": tags({FIXTURE_TAG: "1"})}],
    )["GroupId"]

    iam = client("iam", account, region)
    role_name = f"{name}-cluster"
    role = iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "eks.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
        Tags=tags({FIXTURE_TAG: "1"}),
    )["Role"]["Arn"]

    eks = client("eks", account, region)

    # EKS computes vpcId and clusterSecurityGroupId; moto stores
    # resourcesVpcConfig verbatim, so the request carries them.
    def add_computed(params, **_):
        body = json.loads(params["body"])
        body["resourcesVpcConfig"]["vpcId"] = vpc
        body["resourcesVpcConfig"]["clusterSecurityGroupId"] = sg
        params["body"] = json.dumps(body).encode()

    eks.meta.events.register("before-call.eks.CreateCluster", add_computed)
    cluster = eks.create_cluster(
        name=name,
        roleArn=role,
        resourcesVpcConfig={
            "subnetIds": subnets["private"] + subnets["public"],
            "endpointPrivateAccess": True,
            "endpointPublicAccess": True,
        },
        tags={FIXTURE_TAG: "1"},
    )["cluster"]
    issuer = cluster["identity"]["oidc"]["issuer"]
    url = issuer.removeprefix("https://")
    key = (account, url)
    if key not in oidc_done:
        oidc_done[key] = iam.create_open_id_connect_provider(
            Url=issuer,
            ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
            Tags=tags({FIXTURE_TAG: "1"}),
        )["OpenIDConnectProviderArn"]
    return {
        "party": p["party"],
        "account_id": account,
        "region": region,
        "vpc_id": vpc,
        "private_subnets": subnets["private"],
        "public_subnets": subnets["public"],
        "cluster_security_group_id": sg,
        "cluster_name": name,
        "oidc_issuer": issuer,
        "oidc_provider_arn": oidc_done[key],
    }


def fixture(req):
    done = {}
    return {"parties": [create_party(p, done) for p in req["parties"]]}


def state_bucket(req):
    s3 = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=req["region"],
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
        config=botocore.config.Config(s3={"addressing_style": "path"}),
    )
    try:
        params = {"Bucket": req["bucket"]}
        if req["region"] != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": req["region"]}
        s3.create_bucket(**params)
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    s3.put_bucket_versioning(Bucket=req["bucket"], VersioningConfiguration={"Status": "Enabled"})
    return {"bucket": req["bucket"]}


def state_locks(req):
    """The lock files (<key>.tflock) in the state bucket: who holds a lock."""
    s3 = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=req["region"],
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
        config=botocore.config.Config(s3={"addressing_style": "path"}),
    )
    objects = s3.list_objects_v2(Bucket=req["bucket"]).get("Contents", [])
    return {"locks": sorted(o["Key"] for o in objects if o["Key"].endswith(".tflock"))}


# ---------------------------------------------------------------- inventory


def ignore_missing(call, *codes):
    """Runs call, returning None when it fails with one of the error codes."""
    try:
        return call()
    except ClientError as e:
        if e.response["Error"]["Code"] in codes:
            return None
        raise


def tag_map(tag_list):
    return {t["Key"]: t["Value"] for t in tag_list or []}


def regional(account, region):
    ec2 = client("ec2", account, region)
    elb = client("elbv2", account, region)
    kms = client("kms", account, region)
    eks = client("eks", account, region)
    rds = client("rds", account, region)
    out = {"account_id": account, "region": region}

    out["vpcs"] = [
        {"id": v["VpcId"], "cidr": v["CidrBlock"], "tags": tag_map(v.get("Tags"))}
        for v in ec2.describe_vpcs()["Vpcs"]
    ]
    out["endpoint_services"] = []
    for svc in ec2.describe_vpc_endpoint_service_configurations()["ServiceConfigurations"]:
        perms = ec2.describe_vpc_endpoint_service_permissions(ServiceId=svc["ServiceId"])
        out["endpoint_services"].append(
            {
                "id": svc["ServiceId"],
                "name": svc["ServiceName"],
                "acceptance_required": svc.get("AcceptanceRequired"),
                "nlb_arns": svc.get("NetworkLoadBalancerArns", []),
                "supported_regions": [r.get("Region") for r in svc.get("SupportedRegions", [])],
                "allowed_principals": sorted(p["Principal"] for p in perms["AllowedPrincipals"]),
                "tags": tag_map(svc.get("Tags")),
            }
        )
    out["vpc_endpoints"] = [
        {
            "id": e["VpcEndpointId"],
            "type": e["VpcEndpointType"],
            "vpc_id": e["VpcId"],
            "service_name": e["ServiceName"],
            "service_region": e.get("ServiceRegion"),
            "state": e.get("State"),
            "subnet_ids": e.get("SubnetIds", []),
            "security_group_ids": [g["GroupId"] for g in e.get("Groups", [])],
            "tags": tag_map(e.get("Tags")),
        }
        for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
    ]
    rules = ec2.describe_security_group_rules()["SecurityGroupRules"]
    out["security_groups"] = []
    for g in ec2.describe_security_groups()["SecurityGroups"]:
        mine = [r for r in rules if r["GroupId"] == g["GroupId"]]
        out["security_groups"].append(
            {
                "id": g["GroupId"],
                "name": g["GroupName"],
                "vpc_id": g.get("VpcId"),
                "tags": tag_map(g.get("Tags")),
                "rules": [
                    {
                        "egress": r["IsEgress"],
                        "protocol": r.get("IpProtocol"),
                        "from": r.get("FromPort"),
                        "to": r.get("ToPort"),
                        "cidr_ipv4": r.get("CidrIpv4"),
                        "cidr_ipv6": r.get("CidrIpv6"),
                        "referenced_group": (r.get("ReferencedGroupInfo") or {}).get("GroupId"),
                    }
                    for r in mine
                ],
            }
        )
    out["addresses"] = [
        {
            "allocation_id": a.get("AllocationId"),
            "public_ip": a.get("PublicIp"),
            "tags": tag_map(a.get("Tags")),
        }
        for a in ec2.describe_addresses()["Addresses"]
    ]
    out["launch_templates"] = []
    for lt in ec2.describe_launch_templates()["LaunchTemplates"]:
        versions = ec2.describe_launch_template_versions(
            LaunchTemplateId=lt["LaunchTemplateId"], Versions=["$Latest"]
        )["LaunchTemplateVersions"]
        data = versions[0]["LaunchTemplateData"] if versions else {}
        out["launch_templates"].append(
            {
                "id": lt["LaunchTemplateId"],
                "name": lt["LaunchTemplateName"],
                "latest_version": lt.get("LatestVersionNumber"),
                "enclave_enabled": (data.get("EnclaveOptions") or {}).get("Enabled"),
                "http_tokens": (data.get("MetadataOptions") or {}).get("HttpTokens"),
                "http_endpoint": (data.get("MetadataOptions") or {}).get("HttpEndpoint"),
                "security_group_ids": data.get("SecurityGroupIds", []),
                "tags": tag_map(lt.get("Tags")),
            }
        )

    out["load_balancers"] = []
    for lb in elb.describe_load_balancers()["LoadBalancers"]:
        attrs = elb.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])
        listeners = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        out["load_balancers"].append(
            {
                "arn": lb["LoadBalancerArn"],
                "name": lb["LoadBalancerName"],
                "type": lb.get("Type"),
                "scheme": lb.get("Scheme"),
                "vpc_id": lb.get("VpcId"),
                "attributes": {a["Key"]: a["Value"] for a in attrs["Attributes"]},
                "listener_ports": sorted(l["Port"] for l in listeners),
            }
        )
    out["target_groups"] = [
        {"arn": tg["TargetGroupArn"], "name": tg["TargetGroupName"], "port": tg.get("Port")}
        for tg in elb.describe_target_groups()["TargetGroups"]
    ]

    out["kms_keys"] = []
    aliases = {}
    for a in kms.list_aliases()["Aliases"]:
        if a.get("TargetKeyId"):
            aliases.setdefault(a["TargetKeyId"], []).append(a["AliasName"])
    for k in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        if meta.get("KeyManager") == "AWS":
            continue
        policy = kms.get_key_policy(KeyId=k["KeyId"], PolicyName="default")["Policy"]
        out["kms_keys"].append(
            {
                "id": k["KeyId"],
                "arn": meta["Arn"],
                "state": meta["KeyState"],
                "aliases": sorted(aliases.get(k["KeyId"], [])),
                "policy": json.loads(policy),
                "key_spec": meta.get("KeySpec"),
                "multi_region": multi_region(meta),
            }
        )

    out["node_groups"] = []
    for cluster in eks.list_clusters()["clusters"]:
        for ng in eks.list_nodegroups(clusterName=cluster)["nodegroups"]:
            d = eks.describe_nodegroup(clusterName=cluster, nodegroupName=ng)["nodegroup"]
            out["node_groups"].append(
                {
                    "cluster": cluster,
                    "name": ng,
                    "subnets": d.get("subnets", []),
                    "launch_template": d.get("launchTemplate") or {},
                    "node_role": d.get("nodeRole"),
                }
            )
    out["db_instances"] = [
        {
            "id": db["DBInstanceIdentifier"],
            "deletion_protection": db.get("DeletionProtection"),
            "storage_encrypted": db.get("StorageEncrypted"),
            "publicly_accessible": db.get("PubliclyAccessible"),
        }
        for db in rds.describe_db_instances()["DBInstances"]
    ]
    return out


def multi_region(meta):
    """A key's multi-Region configuration, None for a single-region key."""
    if not meta.get("MultiRegion"):
        return None
    mrc = meta.get("MultiRegionConfiguration") or {}
    return {
        "type": mrc.get("MultiRegionKeyType"),
        "primary_arn": (mrc.get("PrimaryKey") or {}).get("Arn"),
        "replica_regions": sorted(r["Region"] for r in mrc.get("ReplicaKeys") or []),
    }


def replication(s3, name):
    """A bucket's replication configuration (its first rule), None without one."""
    cfg = ignore_missing(
        lambda: s3.get_bucket_replication(Bucket=name)["ReplicationConfiguration"],
        "ReplicationConfigurationNotFoundError",
    )
    if not cfg:
        return None
    rules = cfg.get("Rules") or [{}]
    rule = rules[0]
    dest = rule.get("Destination") or {}
    return {
        "role": cfg.get("Role"),
        "rules": len(cfg.get("Rules") or []),
        "status": rule.get("Status"),
        "destination": dest.get("Bucket"),
        "delete_markers": (rule.get("DeleteMarkerReplication") or {}).get("Status"),
        "replica_kms_key": (dest.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID"),
    }


def account_wide(account, region):
    """IAM and S3 answer for the whole account, whatever the region."""
    iam = client("iam", account, region)
    s3 = client("s3", account, region)
    out = {"account_id": account}
    out["roles"] = [
        {"name": r["RoleName"], "arn": r["Arn"]}
        for r in iam.list_roles()["Roles"]
        if not r["Path"].startswith("/aws-service-role/")
    ]
    out["policies"] = [
        {"name": p["PolicyName"], "arn": p["Arn"]} for p in iam.list_policies(Scope="Local")["Policies"]
    ]
    out["buckets"] = []
    for b in s3.list_buckets()["Buckets"]:
        name = b["Name"]
        versioning = s3.get_bucket_versioning(Bucket=name).get("Status")
        enc = ignore_missing(
            lambda: s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"],
            "ServerSideEncryptionConfigurationNotFoundError",
        )
        sse = None
        if enc and enc.get("Rules"):
            by_default = enc["Rules"][0].get("ApplyServerSideEncryptionByDefault", {})
            sse = {"algorithm": by_default.get("SSEAlgorithm"), "kms_key": by_default.get("KMSMasterKeyID")}
        pab = ignore_missing(
            lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
            "NoSuchPublicAccessBlockConfiguration",
        )
        policy = ignore_missing(lambda: s3.get_bucket_policy(Bucket=name)["Policy"], "NoSuchBucketPolicy")
        out["buckets"].append(
            {
                "name": name,
                "versioning": versioning,
                "encryption": sse,
                "public_access_block": pab,
                "policy": json.loads(policy) if policy else None,
                "region": s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1",
                "replication": replication(s3, name),
            }
        )
    return out


def inventory(req):
    """req: {"scopes": [{"account_id": ..., "regions": [...]}]}"""
    out = {"regional": [], "accounts": []}
    for scope in req["scopes"]:
        account = scope["account_id"]
        for region in scope["regions"]:
            out["regional"].append(regional(account, region))
        out["accounts"].append(account_wide(account, scope["regions"][0]))
    return out


def main():
    global ENDPOINT
    if len(sys.argv) != 3:
        sys.exit("usage: awsapi.py ENDPOINT fixture|state-bucket|state-locks|inventory < request.json")
    ENDPOINT = sys.argv[1]
    req = json.load(sys.stdin)
    commands = {"fixture": fixture, "state-bucket": state_bucket, "state-locks": state_locks, "inventory": inventory}
    if sys.argv[2] not in commands:
        sys.exit(f"unknown command {sys.argv[2]!r}")
    json.dump(commands[sys.argv[2]](req), sys.stdout, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
