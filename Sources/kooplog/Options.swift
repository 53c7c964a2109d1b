import ArgumentParser
import Foundation
import KooplogDomain
import KooplogEngine
import KooplogStore

/// `--ledger DIR`, else `$KOOPLOG_LEDGER`, else a default under the user's data directory.
struct LedgerOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger directory (default: $KOOPLOG_LEDGER, else ~/.local/share/kooplog/ledger).", valueName: "DIR"))
    var ledger: String?

    var path: String {
        if let ledger { return ledger }
        let environment = ProcessInfo.processInfo.environment
        if let fromEnvironment = environment["KOOPLOG_LEDGER"], !fromEnvironment.isEmpty { return fromEnvironment }
        let dataHome =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return dataHome + "/kooplog/ledger"
    }

    func open(checkHead: Bool = true) throws -> Ledger {
        try Ledger.open(at: path, checkHead: checkHead)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv
}

/// Who records: `--actor`, else `$KOOPLOG_ACTOR`, else the login name.
func resolveActor(_ option: String?) -> String {
    if let option { return option }
    let environment = ProcessInfo.processInfo.environment
    if let actor = environment["KOOPLOG_ACTOR"], !actor.isEmpty { return actor }
    if let user = environment["USER"] ?? environment["LOGNAME"], !user.isEmpty { return user }
    return getlogin().map { String(cString: $0) } ?? "unknown"
}

/// Exit codes of SPEC.md §5.
enum Exit {
    static let discrepancy: Int32 = 1
    static let usage: Int32 = 64
    static let refused: Int32 = 65
    static let noInput: Int32 = 66
    static let ioError: Int32 = 74
    static let busy: Int32 = 75
}

/// Runs a command body, printing errors in plain words (or JSON) to stderr and mapping them to
/// exit codes.
func runMapped(format: OutputFormat = .text, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let refusal as Refusal {
        if format == .json {
            printError(JSONWriter.canonicalString(refusal.json))
        } else {
            printError("refused: \(refusal.description)\nnothing was appended.")
        }
        throw ExitCode(Exit.refused)
    } catch let error as StoreError {
        let code: Int32
        var text = "error: \(error.description)"
        switch error {
        case .busy: code = Exit.busy
        case .noSuchLedger:
            code = Exit.noInput
            text += "\ncreate one with: kooplog init --ledger \(error.context)"
        case .ledgerExists:
            code = Exit.usage
            break
        default: code = Exit.ioError
        }
        if format == .json {
            printError(JSONWriter.canonicalString(["code": .string(error.name), "message": .string(text)]))
        } else {
            printError(text)
        }
        throw ExitCode(code)
    } catch let error as FileProblem {
        printError("error: \(error.message)")
        throw ExitCode(error.code)
    }
}

struct FileProblem: Error {
    let message: String
    let code: Int32
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Buffered stdout for long outputs.
struct Output {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        endLine()
    }

    mutating func bytes(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        endLine()
    }

    /// One append result as a line of canonical JSON, written into the buffer.
    mutating func json(_ result: AppendResult) {
        result.writeCanonicalJSON(into: &buffer)
        endLine()
    }

    /// One append result as a text line (`seq N  HASH  TYPE[ id ID][NOTE]`), written into the
    /// buffer: an import prints one per event, and interpolating a String for each cost ~1 900
    /// instructions.
    mutating func text(_ result: AppendResult, note: StaticString) {
        func literal(_ text: StaticString) { JSONWriter.append(text, to: &buffer) }
        literal("seq ")
        JSONWriter.digits(result.seq, into: &buffer)
        literal("  ")
        result.hash.appendHex(to: &buffer)
        literal("  ")
        buffer.append(contentsOf: result.type.utf8)
        if let id = result.id {
            literal(" id ")
            buffer.append(contentsOf: id.utf8)
        }
        literal(note)
        endLine()
    }

    /// Ends the line just written; the buffer goes out once it holds 64 KiB.
    private mutating func endLine() {
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        if buffer.isEmpty { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads a file, or stdin for nil or "-".
/// A descriptor to read `path` from (standard input for nil or "-"); the caller closes a file's.
func openInput(_ path: String?) throws -> Int32 {
    guard let path, path != "-" else { return STDIN_FILENO }
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
        throw FileProblem(message: errno == ENOENT ? "no such file: \(path)" : "cannot read \(path): \(String(cString: strerror(errno)))", code: Exit.noInput)
    }
    var status = stat()
    guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT != S_IFDIR else {
        close(descriptor)
        throw FileProblem(message: "cannot read \(path): it is a directory", code: Exit.noInput)
    }
    return descriptor
}

func readInput(_ path: String?) throws -> [UInt8] {
    if let path, path != "-" {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileProblem(message: "no such file: \(path)", code: Exit.noInput)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileProblem(message: "cannot read \(path)", code: Exit.noInput)
        }
        return Array(data)
    }
    return Array(FileHandle.standardInput.readDataToEndOfFile())
}
