public import KooplogDomain

// The read models' binary form (docs/FORMAT.md, "State records"): fields in declaration order.
// A change here changes the stored bytes: raise the projection's `version` with it.

extension Movement: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(seq)
        writer.put(date)
        writer.put(ore)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self.init(seq: try reader.get(), date: try reader.get(), ore: try reader.get())
    }
}

// MARK: finance

extension DebitCredit: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(debit)
        writer.put(credit)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self.init(debit: try reader.get(), credit: try reader.get())
    }
}

extension FiscalYearBooks: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(accounts)
        writer.put(verifikations)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        accounts = try reader.get()
        verifikations = try reader.get()
    }
}

extension InvoiceEntry: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(invoice)
        writer.put(customer)
        writer.put(customerKind)
        writer.put(date)
        writer.put(due)
        writer.put(issuedSeq)
        writer.put(grossOre)
        writer.put(settlements)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        invoice = try reader.get()
        customer = try reader.get()
        customerKind = try reader.get()
        date = try reader.get()
        due = try reader.get()
        issuedSeq = try reader.get()
        grossOre = try reader.get()
        settlements = try reader.get()
    }
}

extension GrantAccrualEntry: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(funder)
        writer.put(liabilityOre)
        writer.put(accruedOre)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        funder = try reader.get()
        liabilityOre = try reader.get()
        accruedOre = try reader.get()
    }
}

extension Allocation: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(seq)
        writer.put(date)
        writer.put(reserveFundOre)
        writer.put(retainedOre)
        writer.put(dividendOre)
        writer.put(reinvestedOre)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        seq = try reader.get()
        date = try reader.get()
        reserveFundOre = try reader.get()
        retainedOre = try reader.get()
        dividendOre = try reader.get()
        reinvestedOre = try reader.get()
    }
}

extension StoredSalesLine: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(text)
        writer.put(ore)
        writer.put(vat)
        writer.put(account)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        text = try reader.get()
        ore = try reader.get()
        vat = try reader.get()
        account = try reader.get()
    }
}

extension FinanceState: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(name)
        writer.put(registered)
        writer.put(startMonth)
        writer.put(vatRegistered)
        writer.put(closedYears)
        writer.put(lastDate)
        writer.put(years)
        writer.put(invoices)
        writer.put(invoiceLines)
        writer.put(grants)
        writer.put(statefulPostings)
        writer.put(allocations)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        name = try reader.get()
        registered = try reader.get()
        startMonth = try reader.get()
        vatRegistered = try reader.get()
        closedYears = try reader.get()
        lastDate = try reader.get()
        years = try reader.get()
        invoices = try reader.get()
        invoiceLines = try reader.get()
        grants = try reader.get()
        statefulPostings = try reader.get()
        allocations = try reader.get()
    }
}

// MARK: headcount

extension PlacementTerms: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(seq)
        writer.put(date)
        writer.put(form)
        writer.put(extent)
        writer.put(subsidy)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        seq = try reader.get()
        date = try reader.get()
        form = try reader.get()
        extent = try reader.get()
        subsidy = try reader.get()
    }
}

extension PlacementEntry: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(person)
        writer.put(startSeq)
        writer.put(from)
        writer.put(targetGroup)
        writer.put(referrer)
        writer.put(terms)
        writer.put(to)
        writer.put(endSeq)
        writer.put(outcome)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        person = try reader.get()
        startSeq = try reader.get()
        from = try reader.get()
        targetGroup = try reader.get()
        referrer = try reader.get()
        terms = try reader.get()
        to = try reader.get()
        endSeq = try reader.get()
        outcome = try reader.get()
    }
}

extension HeadcountState: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(placements)
        writer.put(active)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        placements = try reader.get()
        active = try reader.get()
    }
}

// MARK: members

extension MemberEntry: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(member)
        writer.put(kind)
        writer.put(admitted)
        writer.put(admittedSeq)
        writer.put(contributionOre)
        writer.put(payments)
        writer.put(refunds)
        writer.put(left)
        writer.put(leftSeq)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        member = try reader.get()
        kind = try reader.get()
        admitted = try reader.get()
        admittedSeq = try reader.get()
        contributionOre = try reader.get()
        payments = try reader.get()
        refunds = try reader.get()
        left = try reader.get()
        leftSeq = try reader.get()
    }
}

extension BoardElection.Seat: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(member)
        writer.put(role)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        member = try reader.get()
        role = try reader.get()
    }
}

extension BoardElection: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(seq)
        writer.put(date)
        writer.put(seats)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        seq = try reader.get()
        date = try reader.get()
        seats = try reader.get()
    }
}

extension MembersState: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(members)
        writer.put(elections)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        members = try reader.get()
        elections = try reader.get()
    }
}

// MARK: grants

extension GrantEntry.CoFinancingEntry: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(source)
        writer.put(ore)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        source = try reader.get()
        ore = try reader.get()
    }
}

extension GrantEntry: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(grant)
        writer.put(funder)
        writer.put(title)
        writer.put(awardedOre)
        writer.put(budgetOre)
        writer.put(from)
        writer.put(to)
        writer.put(awardedSeq)
        writer.put(awardedDate)
        writer.put(coFinancing)
        writer.put(received)
        writer.put(used)
        writer.put(repaid)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        grant = try reader.get()
        funder = try reader.get()
        title = try reader.get()
        awardedOre = try reader.get()
        budgetOre = try reader.get()
        from = try reader.get()
        to = try reader.get()
        awardedSeq = try reader.get()
        awardedDate = try reader.get()
        coFinancing = try reader.get()
        received = try reader.get()
        used = try reader.get()
        repaid = try reader.get()
    }
}

extension GrantsState: BinaryRecord {
    public func write(to writer: inout BinaryWriter) { writer.put(grants) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) { grants = try reader.get() }
}
