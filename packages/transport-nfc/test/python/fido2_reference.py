"""The reference client: Debian's python3-fido2 (CtapPcscDevice over pyscard) talks to whatever
FIDO card sits on a PC/SC reader, and prints what it got as one JSON object on stdout.

usage: fido2_reference.py READER_NAME info|full

`info` runs authenticatorGetInfo; `full` also runs makeCredential and getAssertion and checks the
assertion signature with python-fido2's own COSE code.
"""
import hashlib
import json
import sys

from fido2 import cbor
from fido2.ctap2 import Ctap2
from fido2.pcsc import CtapPcscDevice
from smartcard.System import readers


def main():
    name, mode = sys.argv[1], sys.argv[2]
    matches = [r for r in readers() if r.name == name]
    if not matches:
        print(json.dumps({"error": "no reader %r; readers: %r" % (name, [r.name for r in readers()])}))
        return 2
    device = CtapPcscDevice(matches[0].createConnection(), name)
    out = {"reader": name, "version": device.version, "capabilities": device.capabilities}
    try:
        ctap = Ctap2(device)
        info = ctap.info
        out["info"] = {
            "versions": list(info.versions),
            "aaguid": bytes(info.aaguid).hex(),
            "options": dict(info.options),
            "max_msg_size": info.max_msg_size,
        }
        if mode == "full":
            rp = {"id": "example.com", "name": "Example"}
            user = {"id": b"user-1", "name": "alice", "displayName": "Alice"}
            cdh_make = hashlib.sha256(b"python-fido2 make").digest()
            att = ctap.make_credential(cdh_make, rp, user, [{"type": "public-key", "alg": -7}])
            cred = att.auth_data.credential_data
            out["make"] = {
                "fmt": att.fmt,
                "auth_data": bytes(att.auth_data).hex(),
                "att_stmt_alg": att.att_statement.get("alg"),
                "att_stmt_sig": bytes(att.att_statement.get("sig", b"")).hex(),
                "credential_id": bytes(cred.credential_id).hex(),
                "public_key": cbor.encode(dict(cred.public_key)).hex(),
                "client_data_hash": cdh_make.hex(),
            }
            cdh_get = hashlib.sha256(b"python-fido2 get").digest()
            assertion = ctap.get_assertion(
                "example.com", cdh_get, [{"type": "public-key", "id": cred.credential_id}]
            )
            verified = True
            try:
                assertion.verify(cdh_get, cred.public_key)
            except Exception as e:  # the reference client's own check
                verified = "failed: %r" % (e,)
            out["get"] = {
                "auth_data": bytes(assertion.auth_data).hex(),
                "signature": bytes(assertion.signature).hex(),
                "credential_id": bytes(assertion.credential["id"]).hex(),
                "client_data_hash": cdh_get.hex(),
                "python_verified": verified,
            }
    finally:
        device.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
