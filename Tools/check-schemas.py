#!/usr/bin/env python3
"""Checks every schema under Schemas/ against the draft 2020-12 meta-schema and prints, for each
fixture, whether the schema of its type accepts it: lines `accept PATH` or `reject PATH`.
The test suite compares these verdicts with Kooplog's own decoder."""
import glob
import json
import os
import sys

import jsonschema

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Schemas")
schemas = {}
for path in sorted(glob.glob(os.path.join(root, "*.json"))):
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    schemas[os.path.basename(path)[: -len(".v1.json")]] = jsonschema.Draft202012Validator(schema)
print(f"schemas {len(schemas)}")
for path in sorted(glob.glob(os.path.join(root, "fixtures", "*", "*.json"))):
    type_name = os.path.basename(os.path.dirname(path))
    with open(path, encoding="utf-8") as f:
        value = json.load(f)
    if type_name not in schemas:
        print(f"missing-schema {type_name}")
        sys.exit(1)
    verdict = "accept" if schemas[type_name].is_valid(value) and schemas["envelope"].is_valid(value) else "reject"
    print(f"{verdict} {os.path.relpath(path, root)}")
