/// Names of BAS 2025 accounts Kooplog uses by default, and common neighbours.
public enum AccountNames {
    static let names: [Int: String] = [
        1220: "Inventarier och verktyg", 1510: "Kundfordringar", 1630: "Skattekonto", 1790: "Upplupna intäkter", 1910: "Kassa",
        1930: "Företagskonto", 2083: "Medlemsinsatser", 2086: "Reservfond", 2091: "Balanserad vinst eller förlust",
        2098: "Vinst eller förlust från föregående år", 2099: "Årets resultat", 2440: "Leverantörsskulder",
        2611: "Utgående moms 25 %", 2621: "Utgående moms 12 %", 2631: "Utgående moms 6 %", 2641: "Ingående moms",
        2650: "Redovisningskonto för moms", 2710: "Personalskatt", 2731: "Avräkning sociala avgifter", 2880: "Erhållna ej förbrukade bidrag",
        2893: "Skulder till närstående", 2898: "Outtagen vinstutdelning", 3001: "Försäljning 25 % moms", 3002: "Försäljning 12 % moms",
        3003: "Försäljning 6 % moms", 3004: "Försäljning momsfri", 3981: "Erhållna EU-bidrag", 3985: "Erhållna statliga bidrag",
        3987: "Erhållna kommunala bidrag", 3988: "Erhållna bidrag för personal", 3989: "Övriga erhållna bidrag",
        4010: "Inköp material och varor", 5010: "Lokalhyra", 5020: "El för belysning", 5460: "Förbrukningsmaterial",
        6110: "Kontorsmateriel", 6570: "Bankkostnader", 7010: "Löner till kollektivanställda", 7210: "Löner till tjänstemän",
        7510: "Arbetsgivaravgifter", 8999: "Årets resultat",
    ]

    public static func name(_ account: Int) -> String { names[account] ?? "Konto \(account)" }
}
