extension RuleBook {
    /// Rule 8: an event can be reversed once; the reversal undoes its effect on the rule state.
    /// Reversals, registrations and closings are not reversible; an event that later events
    /// depend on (an invoice with payments) is reversible only after those are reversed.
    static func reverse(_ p: EventReversed, by reversal: Event, seq: UInt64, state: inout some RuleState) throws {
        guard p.seq < seq, let target = try state.recordedEvent(p.seq) else {
            throw Refusal(.unknownReference, field: "data.seq", "there is no event with seq \(p.seq) to reverse")
        }
        let event = target.event
        guard event.org == reversal.org else {
            throw Refusal(.unknownReference, field: "data.seq", "event \(p.seq) belongs to \(event.org), not to \(reversal.org)")
        }
        if let by = try state.load(RuleKey.reversal(p.seq), as: UInt64.self) {
            throw Refusal(.alreadyReversed, field: "data.seq", "event \(p.seq) was already reversed by seq \(by)")
        }
        let org = event.org
        switch event.body {
        case .eventReversed, .orgRegistered, .fiscalYearClosed:
            throw Refusal(
                .notReversible, field: "data.seq",
                "event \(p.seq) is a \(event.type), which cannot be reversed")
        case .memberAdmitted(let x):
            let key = RuleKey.member(org, x.member)
            if let member = try state.load(key, as: MemberRecord.self), member.admittedSeq == p.seq {
                guard member.paidOre == 0, member.leftSeq == nil else {
                    throw Refusal(
                        .notReversible, field: "data.seq",
                        "member \(x.member) has payments or has left; reverse those events first")
                }
                try state.store(key, MemberRecord?.none)
            }
        case .memberContributionPaid(let x):
            let key = RuleKey.member(org, x.member)
            if var member = try state.load(key, as: MemberRecord.self) {
                guard member.paidOre - x.amount.ore >= member.refundedOre else {
                    throw Refusal(.notReversible, field: "data.seq", "member \(x.member) has had a refund; reverse member.left first")
                }
                member.paidOre -= x.amount.ore
                try state.store(key, member)
            }
        case .memberLeft(let x):
            let key = RuleKey.member(org, x.member)
            if var member = try state.load(key, as: MemberRecord.self), member.leftSeq == p.seq {
                member.leftSeq = nil
                member.refundedOre -= x.refund.ore
                try state.store(key, member)
            }
        case .boardElected, .placementChanged:
            break
        case .placementStarted(let x):
            let key = RuleKey.person(org, x.person)
            if let person = try state.load(key, as: PersonRecord.self), person.startSeq == p.seq {
                try state.store(key, PersonRecord?.none)
            }
        case .placementEnded(let x):
            let key = RuleKey.person(org, x.person)
            guard var person = try state.load(key, as: PersonRecord.self), person.endedSeq == p.seq, !person.active else {
                throw Refusal(
                    .notReversible, field: "data.seq",
                    "person \(x.person) has started another placement since; reverse or end that first")
            }
            person.active = true
            person.endedSeq = nil
            try state.store(key, person)
        case .invoiceIssued(let x):
            let key = RuleKey.invoice(org, x.invoice)
            if let invoice = try state.load(key, as: InvoiceRecord.self), invoice.issuedSeq == p.seq {
                guard invoice.paidOre == 0, invoice.creditedOre == 0 else {
                    throw Refusal(
                        .notReversible, field: "data.seq",
                        "invoice \(x.invoice) has payments or credits; reverse those first")
                }
                try state.store(key, InvoiceRecord?.none)
            }
        case .invoicePaid(let x):
            let key = RuleKey.invoice(org, x.invoice)
            if var invoice = try state.load(key, as: InvoiceRecord.self) {
                invoice.paidOre -= x.amount.ore
                try state.store(key, invoice)
            }
        case .invoiceCredited(let x):
            let key = RuleKey.invoice(org, x.invoice)
            if var invoice = try state.load(key, as: InvoiceRecord.self) {
                let credited = x.lines.map { $0.reduce(Money.zero) { $0 + $1.gross } } ?? Money(ore: invoice.grossOre)
                invoice.creditedOre -= credited.ore
                try state.store(key, invoice)
            }
        case .billReceived(let x):
            let key = RuleKey.bill(org, x.bill)
            if let bill = try state.load(key, as: BillRecord.self), bill.receivedSeq == p.seq {
                guard bill.paidOre == 0 else {
                    throw Refusal(.notReversible, field: "data.seq", "bill \(x.bill) has payments; reverse those first")
                }
                try state.store(key, BillRecord?.none)
            }
        case .billPaid(let x):
            let key = RuleKey.bill(org, x.bill)
            if var bill = try state.load(key, as: BillRecord.self) {
                bill.paidOre -= x.amount.ore
                try state.store(key, bill)
            }
        case .grantAwarded(let x):
            let key = RuleKey.grant(org, x.grant)
            if let grant = try state.load(key, as: GrantRecord.self), grant.awardedSeq == p.seq {
                guard grant.receivedOre == 0, grant.usedOre == 0, grant.repaidOre == 0 else {
                    throw Refusal(.notReversible, field: "data.seq", "grant \(x.grant) has money received, used or repaid; reverse those first")
                }
                try state.store(key, GrantRecord?.none)
            }
        case .grantReceived(let x):
            try adjustGrant(org, x.grant, event.body, postings: try state.postings(ofSeq: p.seq) ?? [], sign: -1, state: &state)
        case .grantUsed(let x):
            try adjustGrant(org, x.grant, event.body, postings: try state.postings(ofSeq: p.seq) ?? [], sign: -1, state: &state)
        case .grantRepaid(let x):
            try adjustGrant(org, x.grant, event.body, postings: try state.postings(ofSeq: p.seq) ?? [], sign: -1, state: &state)
        case .surplusAllocated(let x):
            let key = RuleKey.year(org, x.fiscalYear)
            if var year = try state.load(key, as: YearRecord.self), year.allocatedSeq == p.seq {
                year.allocatedSeq = nil
                try state.store(key, year)
            }
        case .salePaid, .expensePaid, .payrollPaid, .payrollTaxesPaid, .subsidyReceived, .journalEntry:
            break
        }
        try state.store(RuleKey.reversal(p.seq), seq)
    }
}
