#!/usr/bin/env python3
"""An independent verifier of a Kooplog ledger, written only from docs/FORMAT.md.

It shares no code with Kooplog: Python's standard library and the `lmdb` binding from PyPI. It walks
the `events` database, recomputes every hash, checks the sequence, the links, the embedded seq, the
canonical JSON of each payload, the `ids` index and `meta.head`, and prints the head.

Usage: Tools/verify-independent.py LEDGER_DIR [--checkpoint SEQ:HASH ...] [--json]
Exit: 0 when everything agrees, 1 on the first discrepancy (with its seq), 66 when there is no ledger.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile

import lmdb

FORMAT = b"\x00\x00\x00\x01"
EXPECTED_KEYS = {"by", "data", "date", "org", "recorded", "type", "v"}


def canonical(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class Discrepancy(Exception):
    def __init__(self, seq, what):
        super().__init__(f"seq {seq}: {what}" if seq is not None else what)
        self.seq = seq
        self.what = what


def verify(path, checkpoints):
    data_file = os.path.join(path, "data.mdb")
    if not os.path.exists(data_file):
        print(f"no ledger at {path}", file=sys.stderr)
        sys.exit(66)
    # Work on a private copy: reading never touches the original's lock file.
    scratch = tempfile.mkdtemp(prefix="kooplog-verify-")
    try:
        shutil.copyfile(data_file, os.path.join(scratch, "data.mdb"))
        env = lmdb.open(scratch, readonly=True, lock=False, max_dbs=16, subdir=True)
        events = env.open_db(b"events", create=False)
        ids = env.open_db(b"ids", create=False)
        meta = env.open_db(b"meta", create=False)
        prev = bytes(32)
        expected = 1
        id_count = 0
        seen_hashes = {}
        with env.begin() as txn:
            if txn.get(b"format", db=meta) != FORMAT:
                raise Discrepancy(None, "meta.format is not 00000001")
            for key, value in txn.cursor(events):
                seq = int.from_bytes(key, "big")
                if len(key) != 8 or seq != expected:
                    raise Discrepancy(min(seq, expected), f"sequence gap: expected seq {expected}, found {seq}")
                if len(value) < 73 or value[64] != 1:
                    raise Discrepancy(seq, "record is malformed (length or format byte)")
                if value[65:73] != key:
                    raise Discrepancy(seq, f"record says seq {int.from_bytes(value[65:73], 'big')} but is stored under seq {seq}")
                if value[:32] != prev:
                    raise Discrepancy(seq, f"prev does not equal the hash of seq {seq - 1} (the chain is broken)")
                digest = hashlib.sha256(value[:32] + value[64:]).digest()
                if digest != value[32:64]:
                    raise Discrepancy(seq, "hash does not match the record's bytes (the record was changed)")
                payload = bytes(value[73:])
                try:
                    event = json.loads(payload.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as error:
                    raise Discrepancy(seq, f"payload is not JSON: {error}")
                if not isinstance(event, dict) or canonical(event) != payload:
                    raise Discrepancy(seq, "payload is not canonical JSON")
                missing = EXPECTED_KEYS - set(event)
                extra = set(event) - EXPECTED_KEYS - {"id"}
                if missing or extra:
                    raise Discrepancy(seq, f"payload fields wrong (missing {sorted(missing)}, extra {sorted(extra)})")
                if "id" in event:
                    id_count += 1
                    if txn.get(event["id"].encode("utf-8"), db=ids) != key:
                        raise Discrepancy(seq, f"ids index does not point id {event['id']!r} at this seq")
                seen_hashes[seq] = digest.hex()
                prev = digest
                expected += 1
            head_seq = expected - 1
            # The auditor's checkpoints first: they name the history that must still be there.
            for seq, digest in checkpoints:
                if seq not in seen_hashes:
                    raise Discrepancy(seq, f"checkpoint {seq}: the log has no seq {seq} (it was truncated or rewritten)")
                if seen_hashes[seq] != digest:
                    raise Discrepancy(seq, f"checkpoint {seq}: the log's hash is {seen_hashes[seq]}, not {digest}: the history was rewritten")
            head = txn.get(b"head", db=meta)
            if head_seq == 0:
                if head is not None and head != bytes(8) + bytes(32):
                    raise Discrepancy(None, "meta.head is set but the log is empty")
            elif head is None or head != head_seq.to_bytes(8, "big") + prev:
                stored = int.from_bytes(head[:8], "big") if head else 0
                raise Discrepancy(min(stored, head_seq) + 1, f"meta.head (seq {stored}) does not match the last record (seq {head_seq})")
            if txn.stat(ids)["entries"] != id_count:
                raise Discrepancy(None, f"ids index has {txn.stat(ids)['entries']} entries, the log {id_count} events with an id")
        env.close()
        return head_seq, prev.hex()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ledger")
    parser.add_argument("--checkpoint", action="append", default=[], help="SEQ:HASH the log must still hold")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    checkpoints = []
    for text in args.checkpoint:
        seq, _, digest = text.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            parser.error(f"--checkpoint {text} is not SEQ:HASH")
        checkpoints.append((int(seq), digest.lower()))
    try:
        seq, digest = verify(args.ledger, checkpoints)
    except Discrepancy as problem:
        if args.json:
            print(json.dumps({"ok": False, "seq": problem.seq, "what": problem.what}))
        else:
            print(f"DISCREPANCY {problem}")
        sys.exit(1)
    if args.json:
        print(json.dumps({"ok": True, "head": {"seq": seq, "hash": digest}}))
    else:
        print(f'{{"seq": {seq}, "hash": "{digest}"}}')
        print("independent verify: the chain, the indexes and the head agree")


if __name__ == "__main__":
    main()
