#!/usr/bin/env python3
"""Generates the demo ledger's events (NDJSON), deterministically from a seed.

Two organisations in one ledger, fiscal years 2023-2025 closed and allocated, 2026 open:
- Tvätten i Dalby ek. för. (556677-8899), a car-wash ASF spun off from the municipality: sells washes
  to the municipality (invoices) and to private customers (card sales), employs people with wage
  subsidies, runs an ERUF (EU regional fund) project.
- Kooperativet Gröna Händer (716431-0059), a social cooperative of a dozen members with a café and
  gardening: people move between work training, internships and employment; an ESF project with
  co-financing; one payment recorded wrong and corrected by reversal.

No names of people, no personal identity numbers: people are P-001, members M-001.

Usage: Tools/make-demo-data.py [--seed N] > Tools/demo-data/demo.ndjson
"""
import argparse
import json
import random
import sys
from decimal import Decimal, ROUND_HALF_UP

CAR_WASH = "556677-8899"
COOP = "716431-0059"
YEARS = [2023, 2024, 2025]


def kr(x):
    return f"{Decimal(x).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def vat_of(net, rate):
    return (Decimal(net) * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Books:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.events = []
        self.result = {}  # (org, fiscal year) -> Decimal
        self.seq = 0
        self.start_month = {CAR_WASH: 1, COOP: 7}

    def fy(self, org, date):
        y, m = int(date[:4]), int(date[5:7])
        return y if m >= self.start_month[org] else y - 1

    def add(self, type_, org, date, data, id_=None, result=Decimal(0)):
        event = {"type": type_, "org": org, "date": date, "data": data}
        if id_:
            event["id"] = id_
        self.events.append(event)
        self.seq += 1
        if result:
            key = (org, self.fy(org, date))
            self.result[key] = self.result.get(key, Decimal(0)) + result
        return self.seq

    def money(self, low, high, step=50):
        return Decimal(self.rng.randrange(low // step, high // step + 1) * step)


def car_wash(b):
    org = CAR_WASH
    b.add("org.registered", org, "2023-01-01", {"name": "Tvätten i Dalby ek. för.", "fiscalYearStart": "01-01", "vatRegistered": True})
    for i, kind in enumerate(["worker"] * 6 + ["supporting"] * 2, start=1):
        b.add("member.admitted", org, "2023-01-02", {"member": f"M-{i:03}", "kind": kind, "contribution": "500"})
        b.add("member.contribution-paid", org, "2023-01-20", {"member": f"M-{i:03}", "amount": "500"}, id_=f"dalby-insats-{i}")
    b.add("board.elected", org, "2023-01-02", {"seats": [{"member": "M-001", "role": "chair"}, {"member": "M-002", "role": "ordinary"},
                                                        {"member": "M-003", "role": "ordinary"}, {"member": "M-007", "role": "ordinary"},
                                                        {"member": "M-004", "role": "deputy"}]})
    people = []
    for i in range(1, 15):
        person = f"P-{i:03}"
        form = "employment" if i <= 9 else "work-training"
        data = {"person": person, "form": form, "extent": b.rng.choice([50, 75, 100]), "targetGroup": i != 1,
                "referrer": "arbetsformedlingen" if i > 1 else "self"}
        if form == "employment" and i > 1:
            data["subsidy"] = b.rng.choice(["lonebidrag", "trygghetsanstallning", "nystartsjobb"])
        b.add("placement.started", org, f"2023-{1 + (i % 6):02}-01", data)
        people.append(person)
    b.add("grant.awarded", org, "2023-03-01", {"grant": "ERUF-2023-01", "funder": "eruf", "title": "Grön tvätt: vattenrening och nya jobb",
                                               "amount": "1200000", "budget": "2400000", "from": "2023-04-01", "to": "2025-12-31",
                                               "coFinancing": [{"source": "Dalby kommun", "amount": "800000"}, {"source": "Egen insats", "amount": "400000"}]})
    invoice_no = 0
    for year in YEARS + [2026]:
        months = range(1, 13) if year < 2026 else range(1, 3)
        for month in months:
            d = f"{year}-{month:02}"
            invoice_no += 1
            inv = f"{year}-{invoice_no:03}"
            net = b.money(38000, 52000)
            b.add("invoice.issued", org, f"{d}-05", {"invoice": inv, "customer": "Dalby kommun, fordonsenheten", "customerKind": "public",
                                                     "due": f"{d}-28", "lines": [{"text": "Tvätt av kommunens fordon", "amount": kr(net), "vat": 25}]},
                  result=net)
            if not (year == 2026 and month == 2):
                b.add("invoice.paid", org, f"{d}-27", {"invoice": inv, "amount": kr(net + vat_of(net, 25))}, id_=f"dalby-bank-{inv}")
            card = b.money(30000, 60000)
            b.add("sale.paid", org, f"{d}-28", {"customerKind": "private", "lines": [{"text": "Biltvätt, kortbetalningar", "amount": kr(card), "vat": 25}]},
                  id_=f"dalby-kort-{d}", result=card)
            bill = f"{d}-K"
            chem = b.money(6000, 9000)
            b.add("bill.received", org, f"{d}-10", {"bill": bill, "supplier": "Kemiservice AB", "due": f"{d}-25",
                                                    "lines": [{"text": "Tvättkemikalier", "amount": kr(chem), "vat": 25, "account": "4010"}]},
                  result=-chem)
            b.add("bill.paid", org, f"{d}-25", {"bill": bill, "amount": kr(chem + vat_of(chem, 25))}, id_=f"dalby-bg-{bill}")
            power = b.money(3000, 5000)
            b.add("expense.paid", org, f"{d}-15", {"supplier": "Dalby Energi", "lines": [{"text": "El och vatten", "amount": kr(power), "vat": 25, "account": "5020"}]},
                  result=-power)
            gross = b.money(110000, 120000, 100)
            tax = (gross * Decimal("0.22")).quantize(Decimal("1"))
            fees = (gross * Decimal("0.3142")).quantize(Decimal("0.01"))
            b.add("payroll.paid", org, f"{d}-25", {"period": d, "gross": kr(gross), "taxWithheld": kr(tax), "employerFees": kr(fees)},
                  id_=f"dalby-lon-{d}", result=-(gross + fees))
            # Taxes and fees for a month are paid to Skatteverket on the 12th of the next month.
            paid = f"{year + 1}-01-12" if month == 12 else f"{year}-{month + 1:02}-12"
            b.add("payroll.taxes-paid", org, paid, {"period": d, "taxWithheld": kr(tax), "employerFees": kr(fees)}, id_=f"dalby-skatt-{d}")
            subsidy = b.money(55000, 65000, 100)
            b.add("subsidy.received", org, f"{d}-20", {"subsidy": "lonebidrag", "amount": kr(subsidy), "period": d, "decision": "AF-2023-117"},
                  id_=f"dalby-af-{d}", result=subsidy)
            if year < 2026 and not (year == 2023 and month < 4):
                used = Decimal(30000)
                b.add("grant.used", org, f"{d}-28", {"grant": "ERUF-2023-01", "amount": kr(used), "text": f"Projektkostnader {d}"}, result=used)
            if year < 2026 and month in (6, 12):
                b.add("grant.received", org, f"{d}-15", {"grant": "ERUF-2023-01", "amount": "180000"}, id_=f"dalby-eruf-{d}")
        if year == 2024:
            b.add("placement.changed", org, "2024-03-01", {"person": "P-010", "form": "employment", "subsidy": "lonebidrag-utveckling"})
            b.add("placement.ended", org, "2024-09-30", {"person": "P-011", "outcome": "employment-elsewhere"})
            b.add("placement.ended", org, "2024-11-30", {"person": "P-012", "outcome": "education"})
        if year == 2025:
            b.add("placement.started", org, "2025-02-01", {"person": "P-015", "form": "work-training", "extent": 50, "targetGroup": True, "referrer": "kommun"})
            b.add("placement.ended", org, "2025-06-30", {"person": "P-013", "outcome": "employment-elsewhere"})


def cooperative(b):
    org = COOP
    b.add("org.registered", org, "2022-07-01", {"name": "Kooperativet Gröna Händer ek. för.", "fiscalYearStart": "07-01", "vatRegistered": True})
    for i in range(1, 14):
        kind = "worker" if i <= 10 else "supporting"
        b.add("member.admitted", org, "2022-07-01", {"member": f"M-{i:03}", "kind": kind, "contribution": "200"})
        b.add("member.contribution-paid", org, "2022-08-01", {"member": f"M-{i:03}", "amount": "200"}, id_=f"gh-insats-{i}")
    b.add("board.elected", org, "2022-07-01", {"seats": [{"member": f"M-{i:03}", "role": "chair" if i == 1 else "ordinary"} for i in range(1, 11)]})
    forms = ["work-training", "internship", "employment"]
    for i in range(1, 19):
        b.add("placement.started", org, f"2022-{7 + (i % 5):02}-01",
              {"person": f"P-{i:03}", "form": forms[i % 3], "extent": b.rng.choice([25, 50, 75, 100]), "targetGroup": True,
               "referrer": b.rng.choice(["arbetsformedlingen", "kommun", "forsakringskassan"]),
               **({"subsidy": "lonebidrag"} if forms[i % 3] == "employment" else {})})
    b.add("grant.awarded", org, "2022-09-01", {"grant": "ESF-2022-17", "funder": "esf", "title": "Vägen till arbete: förstudie",
                                               "amount": "248750", "budget": "497504", "from": "2022-09-01", "to": "2024-06-30",
                                               "coFinancing": [{"source": "Kommunerna i samverkan", "amount": "200000"}, {"source": "Region", "amount": "48754"}]})
    b.add("grant.received", org, "2022-10-01", {"grant": "ESF-2022-17", "amount": "100000"}, id_="gh-esf-1")
    inv = 0
    for fy in [2022] + YEARS:
        for k in range(12):
            y = fy + (1 if k >= 6 else 0)
            m = (7 + k - 1) % 12 + 1
            if (y, m) > (2026, 2):
                break
            d = f"{y}-{m:02}"
            cafe = b.money(25000, 40000)
            b.add("sale.paid", org, f"{d}-28", {"customerKind": "private", "lines": [{"text": "Caféförsäljning", "amount": kr(cafe), "vat": 12}]},
                  id_=f"gh-cafe-{d}", result=cafe)
            inv += 1
            ino = f"GH-{inv:04}"
            garden = b.money(20000, 35000)
            b.add("invoice.issued", org, f"{d}-03", {"invoice": ino, "customer": "Bostadsbolaget", "customerKind": "public", "due": f"{d}-28",
                                                      "lines": [{"text": "Trädgårdsskötsel", "amount": kr(garden), "vat": 25}]}, result=garden)
            gross_inv = garden + vat_of(garden, 25)
            if (y, m) == (2024, 3):
                wrong = b.add("invoice.paid", org, f"{d}-20", {"invoice": ino, "amount": kr(gross_inv - 1000)}, id_=f"gh-bank-{ino}")
                b.add("event.reversed", org, f"{d}-22", {"seq": wrong, "reason": "Fel belopp registrerat, rättas"}, id_=f"gh-rattelse-{ino}")
                b.add("invoice.paid", org, f"{d}-22", {"invoice": ino, "amount": kr(gross_inv)}, id_=f"gh-bank-{ino}-ratt")
            elif (y, m) != (2026, 2):
                b.add("invoice.paid", org, f"{d}-25", {"invoice": ino, "amount": kr(gross_inv)}, id_=f"gh-bank-{ino}")
            gross = b.money(42000, 48000, 100)
            tax = (gross * Decimal("0.2")).quantize(Decimal("1"))
            fees = (gross * Decimal("0.3142")).quantize(Decimal("0.01"))
            b.add("payroll.paid", org, f"{d}-25", {"period": d, "gross": kr(gross), "taxWithheld": kr(tax), "employerFees": kr(fees)}, id_=f"gh-lon-{d}",
                  result=-(gross + fees))
            b.add("payroll.taxes-paid", org, f"{d}-26", {"period": d, "taxWithheld": kr(tax), "employerFees": kr(fees)}, id_=f"gh-skatt-{d}")
            sub = b.money(20000, 26000, 100)
            b.add("subsidy.received", org, f"{d}-18", {"subsidy": "lonebidrag", "amount": kr(sub), "period": d}, id_=f"gh-af-{d}", result=sub)
            food = b.money(9000, 14000)
            b.add("expense.paid", org, f"{d}-10", {"supplier": "Grossisten AB", "lines": [{"text": "Råvaror café", "amount": kr(food), "vat": 12, "account": "4010"}]},
                  result=-food)
            if (fy, k) < (2024, 0) and (y, m) >= (2022, 9):
                b.add("grant.used", org, f"{d}-28", {"grant": "ESF-2022-17", "amount": "11000", "text": f"Projektledning {d}"}, result=Decimal(11000))
        if fy == 2023:
            b.add("grant.received", org, "2023-12-15", {"grant": "ESF-2022-17", "amount": "120000"}, id_="gh-esf-2")
            b.add("placement.changed", org, "2023-10-01", {"person": "P-001", "form": "employment", "subsidy": "nystartsjobb"})
            b.add("placement.changed", org, "2024-02-01", {"person": "P-004", "form": "internship"})
            b.add("placement.ended", org, "2024-05-31", {"person": "P-002", "outcome": "employment-elsewhere"})
            b.add("placement.ended", org, "2024-06-15", {"person": "P-005", "outcome": "education"})
        if fy == 2024:
            b.add("member.left", org, "2024-11-30", {"member": "M-012", "refund": "200"})
            b.add("member.admitted", org, "2025-01-15", {"member": "M-014", "kind": "worker", "contribution": "200"})
            b.add("member.contribution-paid", org, "2025-01-31", {"member": "M-014", "amount": "200"}, id_="gh-insats-14")
            b.add("placement.ended", org, "2025-03-31", {"person": "P-007", "outcome": "other-placement"})


def close_and_allocate(b):
    for org, closing in [(CAR_WASH, lambda y: f"{y + 1}-02-15"), (COOP, lambda y: f"{y + 1}-08-20")]:
        years = ([2022] if org == COOP else []) + YEARS
        for fy in years:
            if org == COOP and fy == 2025:
                continue  # the cooperative's 2025/26 is still open
            b.add("fiscal-year.closed", org, closing(fy), {"fiscalYear": str(fy)}, id_=f"close-{org}-{fy}")
            result = b.result.get((org, fy), Decimal(0))
            if result > 0:
                reserve = (result * Decimal("0.2")).quantize(Decimal("0.01"))
                data = {"fiscalYear": str(fy), "reserveFund": kr(reserve), "retained": kr(result - reserve)}
                data["reinvestments"] = [{"purpose": "Utbildning av handledare", "amount": kr(min(result - reserve, Decimal(20000)))}]
                stamma = f"{int(closing(fy)[:4])}-{'05' if org == CAR_WASH else '10'}-15"
                b.add("surplus.allocated", org, stamma, data, id_=f"stamma-{org}-{fy}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    b = Books(args.seed)
    car_wash(b)
    cooperative(b)
    # Registration order is by date, as a treasurer would record them (stable for equal dates).
    b.events.sort(key=lambda e: (e["date"], 0 if e["type"] == "org.registered" else 1))
    # Results were summed by date, not by order, so they stay right after sorting; reversal seqs do not:
    fix_reversal_targets(b.events)
    close_and_allocate_sorted(b)
    for event in b.events:
        sys.stdout.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")


def fix_reversal_targets(events):
    """After sorting, point each event.reversed at the seq of the payment it corrects (the event just before it with the
    wrong amount: the one whose id the reversal's id names)."""
    by_id = {e.get("id"): i + 1 for i, e in enumerate(events) if e.get("id")}
    for e in events:
        if e["type"] == "event.reversed":
            target_id = e["id"].replace("gh-rattelse-", "gh-bank-")
            e["data"]["seq"] = by_id[target_id]


def close_and_allocate_sorted(b):
    tail = Books(0)
    tail.result = b.result
    close_and_allocate(tail)
    merged = b.events + tail.events
    merged.sort(key=lambda e: (e["date"], 0 if e["type"] == "org.registered" else 1))
    fix_reversal_targets(merged)
    b.events[:] = merged


if __name__ == "__main__":
    main()
