"""moto_server with two fixes to multi-Region KMS replica keys (moto 5.2.1),
which the backup key's replica needs:

- ReplicateKey shallow-copies the primary key, so the primary and its
  replica share one MultiRegionConfiguration and one set of aliases.
  DescribeKey on the replica then marks that shared configuration REPLICA,
  and the provider refuses the primary ("is not a multi-Region primary
  key"); and the primary's alias counts as the replica's, so creating the
  same alias in the replica region fails with AlreadyExists (aliases are
  regional in KMS). The replica gets its own copy of both here.
- ReplicateKey ignores its Tags, Description and Policy: the provider waits
  (10 minutes) for the replica's tags to appear, and a re-plan finds the
  description missing. All three are applied to the replica here.

- CreateAlias of an alias that already names the same key answers
  AlreadyExists. Under load moto can answer a request late enough that the
  provider's SDK retries it, and the retry of a CreateAlias that did succeed
  then fails the apply (seen once for the backup key's replica alias).
  Creating an alias that already names the requested key succeeds here;
  one that names another key still fails.

Everything else is moto_server as installed; the arguments are its own.
"""

import copy
import json
import sys

from moto.kms import models, responses
from moto.server import main

_replicate_key = models.KmsBackend.replicate_key


def replicate_key(self, key_id, replica_region):
    primary = self.keys[self.get_key_id(key_id)]
    replica = _replicate_key(self, primary.id, replica_region)
    replica.multi_region_configuration = copy.deepcopy(primary.multi_region_configuration)
    replica.multi_region_configuration["MultiRegionKeyType"] = "REPLICA"
    replica.aliases = {}
    primary.multi_region_configuration["MultiRegionKeyType"] = "PRIMARY"
    return replica


_respond = responses.KmsResponse.replicate_key


def respond(self):
    out = json.loads(_respond(self))
    replica = out["ReplicaKeyMetadata"]
    backend = models.kms_backends[self.current_account][self._get_param("ReplicaRegion")]
    key = backend.keys[replica["KeyId"]]
    tags = self._get_param("Tags") or []
    if tags:
        backend.tag_resource(key.id, tags)
    if self._get_param("Description") is not None:
        key.description = replica["Description"] = self._get_param("Description")
    if self._get_param("Policy"):
        key.policy = out["ReplicaPolicy"] = self._get_param("Policy")
    return json.dumps(out)


_set_alias = responses.KmsResponse._set_alias


def set_alias(self, update=False):
    if not update:
        backend = self.kms_backend
        current = backend.get_key_id_from_alias(self._get_param("AliasName") or "")
        try:
            target = backend.get_key_id(self._get_param("TargetKeyId"))
        except Exception:
            target = None
        if current is not None and current == target:
            return json.dumps(None)
    return _set_alias(self, update)


models.KmsBackend.replicate_key = replicate_key
responses.KmsResponse._set_alias = set_alias
responses.KmsResponse.replicate_key = respond

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
