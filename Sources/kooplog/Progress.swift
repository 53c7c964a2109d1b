import Foundation

/// Progress of long work on stderr: a bar that redraws itself on a terminal, a plain line per
/// update otherwise (logs of the nightly job). Updates come every 65 536 events, so small ledgers
/// show none.
final class Progress {
    let label: String
    let total: UInt64?
    let terminal = isatty(2) == 1
    private var shown = false

    init(label: String, total: UInt64? = nil) {
        self.label = label
        self.total = total
    }

    func update(_ seq: UInt64) {
        shown = true
        guard terminal else {
            FileHandle.standardError.write(Data("\(label): seq \(seq)\(total.map { " of \($0)" } ?? "")\n".utf8))
            return
        }
        var line = "\r\(label) "
        if let total, total > 0 {
            let fraction = min(1, Double(seq) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += String(format: "%3.0f%% ", fraction * 100)
        }
        line += "seq \(seq)"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func done() {
        if terminal && shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
