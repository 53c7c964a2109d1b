#!/usr/bin/env python3
"""Writes Schemas/: one JSON Schema (draft 2020-12) per event type and version, one for the envelope,
and example fixtures (one valid, several invalid) per type under Schemas/fixtures/<type>/.

The schemas check what a schema can: fields, types, patterns, enumerations, ranges, unknown fields.
Rules that need arithmetic or the ledger's state (a journal entry balances, an organisation number's
check digit, a real calendar date, a payment within what is outstanding) are checked by Kooplog.
Run after changing the catalogue: Tools/make-schemas.py; the test suite checks schemas and decoder agree.
"""
import copy
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Schemas")
VERSION = 1
DIALECT = "https://json-schema.org/draft/2020-12/schema"

NO_CONTROL = "[^\\u0000-\\u001f\\u007f]"
TEXT = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": f"^{NO_CONTROL}*[^\\u0000-\\u001f\\u007f ]{NO_CONTROL}*$"}
IDENT = {"type": "string", "pattern": "^[!-.0-~]{1,64}$", "description": "an opaque identifier: 1-64 printable ASCII characters, no space or /"}
AMOUNT = {"type": "string", "pattern": "^(0|[1-9][0-9]{0,12})(\\.[0-9]{1,2})?$", "description": "kronor, at most two decimals, never a number"}
POSITIVE = {"type": "string", "pattern": "^(0\\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,12}(\\.[0-9]{1,2})?)$", "description": "kronor above zero, at most two decimals"}
DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "a calendar date YYYY-MM-DD"}
PERIOD = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}
ACCOUNT = {"type": ["string", "integer"], "pattern": "^[1-8][0-9]{3}$", "minimum": 1000, "maximum": 8999}
YEAR = {"type": ["string", "integer"], "pattern": "^(19|20|21)[0-9]{2}$", "minimum": 1900, "maximum": 2199}
VAT = {"type": "integer", "enum": [25, 12, 6, 0]}
BOOL = {"type": "boolean"}


def enum(*values):
    return {"type": "string", "enum": list(values)}


FORM = enum("employment", "work-training", "internship", "daily-activity", "volunteer")
SUBSIDY = enum("lonebidrag", "lonebidrag-utveckling", "trygghetsanstallning", "skyddat-arbete", "nystartsjobb", "introduktionsjobb", "other")
REFERRER = enum("arbetsformedlingen", "kommun", "forsakringskassan", "region", "self", "other")
OUTCOME = enum("employment-elsewhere", "education", "other-placement", "unable-to-work", "other", "unknown")
CUSTOMER_KIND = enum("public", "private", "nonprofit")
FUNDER = enum("esf", "eruf", "arvsfonden", "state", "region", "municipality", "foundation", "other")


def obj(required, optional=None, **extra):
    props = dict(required)
    props.update(optional or {})
    schema = {"type": "object", "properties": props, "required": sorted(required), "additionalProperties": False}
    schema.update(extra)
    return schema


def lst(item, min_items=1, max_items=1000):
    return {"type": "array", "items": item, "minItems": min_items, "maxItems": max_items}


SALES_LINE = obj({"text": TEXT, "amount": POSITIVE, "vat": VAT}, {"account": ACCOUNT})
COST_LINE = obj({"text": TEXT, "amount": POSITIVE, "vat": VAT, "account": ACCOUNT})
JOURNAL_LINE = {"oneOf": [obj({"account": ACCOUNT, "debit": POSITIVE}), obj({"account": ACCOUNT, "credit": POSITIVE})]}

TYPES = {
    "org.registered": (obj({"name": TEXT}, {"fiscalYearStart": {"type": "string", "pattern": "^(0[1-9]|1[0-2])-01$"}, "vatRegistered": BOOL}),
                       {"name": "Tvätten ek. för.", "fiscalYearStart": "01-01", "vatRegistered": True}),
    "fiscal-year.closed": (obj({"fiscalYear": YEAR}), {"fiscalYear": "2024"}),
    "event.reversed": (obj({"seq": {"type": "integer", "minimum": 1}, "reason": TEXT}), {"seq": 2, "reason": "Fel belopp"}),
    "member.admitted": (obj({"member": IDENT, "kind": enum("worker", "supporting", "investing"), "contribution": AMOUNT}),
                        {"member": "M-003", "kind": "worker", "contribution": "500"}),
    "member.contribution-paid": (obj({"member": IDENT, "amount": POSITIVE}), {"member": "M-003", "amount": "500.00"}),
    "member.left": (obj({"member": IDENT, "refund": AMOUNT}), {"member": "M-003", "refund": "0"}),
    "board.elected": (obj({"seats": lst(obj({"member": IDENT, "role": enum("chair", "ordinary", "deputy")}), max_items=50)}),
                      {"seats": [{"member": "M-001", "role": "chair"}, {"member": "M-002", "role": "ordinary"}]}),
    "placement.started": (obj({"person": IDENT, "form": FORM, "extent": {"type": "integer", "minimum": 1, "maximum": 100}, "targetGroup": BOOL},
                              {"subsidy": SUBSIDY, "referrer": REFERRER}),
                          {"person": "P-017", "form": "work-training", "extent": 50, "targetGroup": True, "referrer": "arbetsformedlingen"}),
    "placement.changed": (obj({"person": IDENT}, {"form": FORM, "extent": {"type": "integer", "minimum": 1, "maximum": 100},
                                                  "subsidy": {"type": "string", "enum": SUBSIDY["enum"] + ["none"]}},
                              anyOf=[{"required": ["form"]}, {"required": ["extent"]}, {"required": ["subsidy"]}]),
                          {"person": "P-017", "form": "employment", "subsidy": "lonebidrag"}),
    "placement.ended": (obj({"person": IDENT, "outcome": OUTCOME}), {"person": "P-017", "outcome": "employment-elsewhere"}),
    "invoice.issued": (obj({"invoice": IDENT, "customer": TEXT, "customerKind": CUSTOMER_KIND, "due": DATE, "lines": lst(SALES_LINE, max_items=500)}),
                       {"invoice": "2025-017", "customer": "Dalby kommun", "customerKind": "public", "due": "2025-03-31",
                        "lines": [{"text": "Biltvätt", "amount": "10000", "vat": 25}]}),
    "invoice.paid": (obj({"invoice": IDENT, "amount": POSITIVE}), {"invoice": "2025-017", "amount": "12500.00"}),
    "invoice.credited": (obj({"invoice": IDENT, "reason": TEXT}, {"lines": lst(SALES_LINE, max_items=500)}),
                         {"invoice": "2025-017", "reason": "Dubbelfakturerat"}),
    "sale.paid": (obj({"customerKind": CUSTOMER_KIND, "lines": lst(SALES_LINE, max_items=500)}),
                  {"customerKind": "private", "lines": [{"text": "Kortbetalningar", "amount": "4000", "vat": 25}]}),
    "bill.received": (obj({"bill": IDENT, "supplier": TEXT, "due": DATE, "lines": lst(COST_LINE, max_items=500)}),
                      {"bill": "K-2025-03", "supplier": "Kemiservice AB", "due": "2025-03-25",
                       "lines": [{"text": "Tvättkemikalier", "amount": "8000", "vat": 25, "account": "4010"}]}),
    "bill.paid": (obj({"bill": IDENT, "amount": POSITIVE}), {"bill": "K-2025-03", "amount": "10000"}),
    "expense.paid": (obj({"supplier": TEXT, "lines": lst(COST_LINE, max_items=500)}),
                     {"supplier": "Dalby Energi", "lines": [{"text": "El", "amount": "3000", "vat": 25, "account": "5020"}]}),
    "payroll.paid": (obj({"period": PERIOD, "gross": POSITIVE, "taxWithheld": AMOUNT, "employerFees": AMOUNT}, {"account": ACCOUNT}),
                     {"period": "2025-03", "gross": "100000", "taxWithheld": "22000", "employerFees": "31420"}),
    "payroll.taxes-paid": (obj({"period": PERIOD, "taxWithheld": AMOUNT, "employerFees": AMOUNT}),
                           {"period": "2025-03", "taxWithheld": "22000", "employerFees": "31420"}),
    "subsidy.received": (obj({"subsidy": SUBSIDY, "amount": POSITIVE}, {"person": IDENT, "period": PERIOD,
                                                                        "decision": dict(TEXT, maxLength=64)}),
                         {"subsidy": "lonebidrag", "amount": "18500", "person": "P-017", "period": "2025-03", "decision": "AF-2025-117"}),
    "grant.awarded": (obj({"grant": IDENT, "funder": FUNDER, "title": TEXT, "amount": POSITIVE, "budget": POSITIVE, "from": DATE, "to": DATE},
                          {"coFinancing": lst(obj({"source": TEXT, "amount": POSITIVE}), max_items=50)}),
                      {"grant": "ESF-2008-01", "funder": "esf", "title": "Förstudie", "amount": "248750", "budget": "497504",
                       "from": "2008-08-04", "to": "2009-01-03", "coFinancing": [{"source": "Kommunerna", "amount": "248754"}]}),
    "grant.received": (obj({"grant": IDENT, "amount": POSITIVE}), {"grant": "ESF-2008-01", "amount": "100000"}),
    "grant.used": (obj({"grant": IDENT, "amount": POSITIVE, "text": TEXT}), {"grant": "ESF-2008-01", "amount": "20000", "text": "Projektledning"}),
    "grant.repaid": (obj({"grant": IDENT, "amount": POSITIVE}), {"grant": "ESF-2008-01", "amount": "5000"}),
    "journal.entry": (obj({"text": TEXT, "lines": lst(JOURNAL_LINE, min_items=2, max_items=10000)}),
                      {"text": "Kontantförsäljning", "lines": [{"account": "1930", "debit": "100"}, {"account": "3004", "credit": "100"}]}),
    "surplus.allocated": (obj({"fiscalYear": YEAR}, {"reserveFund": AMOUNT, "retained": AMOUNT, "dividend": AMOUNT,
                                                    "reinvestments": lst(obj({"purpose": TEXT, "amount": POSITIVE}), max_items=100)},
                              anyOf=[{"required": ["reserveFund"]}, {"required": ["retained"]}, {"required": ["dividend"]}]),
                          {"fiscalYear": "2024", "reserveFund": "20000", "retained": "80000",
                           "reinvestments": [{"purpose": "Utbildning", "amount": "20000"}]}),
}

ENVELOPE_PROPERTIES = {
    "type": {"type": "string", "pattern": "^[a-z]+(-[a-z]+)*\\.[a-z]+(-[a-z]+)*$"},
    "org": {"type": "string", "pattern": "^[0-9]{6}-[0-9]{4}$", "description": "organisationsnummer; the last digit is a Luhn check digit"},
    "date": DATE,
    "id": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[^\\s\\u0000-\\u001f\\u007f]([^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f])?$",
           "description": "idempotency key: 1-128 printable characters, no leading or trailing space"},
    "data": {"type": "object"},
}


def envelope_schema():
    return {"$schema": DIALECT, "$id": f"https://kooplog.example/schemas/envelope.v{VERSION}.json",
            "title": "A Kooplog input event (SPEC.md §2)", "type": "object",
            "properties": ENVELOPE_PROPERTIES, "required": ["type", "org", "date", "data"], "additionalProperties": False}


def type_schema(name, data_schema):
    props = dict(ENVELOPE_PROPERTIES)
    props["type"] = {"const": name}
    props["data"] = data_schema
    return {"$schema": DIALECT, "$id": f"https://kooplog.example/schemas/{name}.v{VERSION}.json",
            "title": f"{name}, schema version {VERSION}", "type": "object", "properties": props,
            "required": ["type", "org", "date", "data"], "additionalProperties": False}


def event(name, data):
    return {"type": name, "org": "769629-1231", "date": "2025-03-14", "data": data}


def invalid_variants(name, data_schema, valid):
    """(label, event) pairs every validator must refuse."""
    variants = []
    for field in data_schema.get("required", []):
        d = copy.deepcopy(valid)
        d.pop(field, None)
        variants.append((f"missing-{field}", event(name, d)))
    d = copy.deepcopy(valid)
    d["unexpected"] = "x"
    variants.append(("unknown-field", event(name, d)))
    for field, schema in data_schema["properties"].items():
        if field not in valid:
            continue
        if schema in (AMOUNT, POSITIVE):
            d = copy.deepcopy(valid)
            d[field] = "12.345"
            variants.append((f"three-decimals-{field}", event(name, d)))
            d = copy.deepcopy(valid)
            d[field] = "-5"
            variants.append((f"negative-{field}", event(name, d)))
            d = copy.deepcopy(valid)
            d[field] = 12.5
            variants.append((f"number-{field}", event(name, d)))
        elif schema.get("type") == "string" and "enum" in schema:
            d = copy.deepcopy(valid)
            d[field] = "no-such-choice"
            variants.append((f"bad-choice-{field}", event(name, d)))
        elif schema is TEXT or schema is IDENT:
            d = copy.deepcopy(valid)
            d[field] = 42
            variants.append((f"wrong-type-{field}", event(name, d)))
    ev = event(name, valid)
    ev.pop("org")
    variants.append(("missing-org", ev))
    ev = event(name, valid)
    ev["seq"] = 5
    variants.append(("envelope-unknown-field", ev))
    return variants


def write(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")


def main():
    write(os.path.join(ROOT, f"envelope.v{VERSION}.json"), envelope_schema())
    for name, (data_schema, valid) in TYPES.items():
        write(os.path.join(ROOT, f"{name}.v{VERSION}.json"), type_schema(name, data_schema))
        folder = os.path.join(ROOT, "fixtures", name)
        for old in os.listdir(folder) if os.path.isdir(folder) else []:
            os.remove(os.path.join(folder, old))
        write(os.path.join(folder, "valid-1.json"), event(name, valid))
        for label, bad in invalid_variants(name, data_schema, valid):
            write(os.path.join(folder, f"invalid-{label}.json"), bad)


if __name__ == "__main__":
    main()
