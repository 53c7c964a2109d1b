public import Foundation

/// Finds the package's built executables (`kooplog`, `kooplog-torture`) next to the test bundle.
public enum Binaries {
    public static var directory: String {
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [argument0.path, argument0.deletingLastPathComponent().path]
        // Package root from this file: Tests/KooplogTestSupport/Processes.swift
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug").path)
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate + "/kooplog") {
            return candidate
        }
        preconditionFailure("kooplog executable not found near \(argument0.path); run swift build first")
    }

    public static var kooplog: String { directory + "/kooplog" }
    public static var torture: String { directory + "/kooplog-torture" }
}

/// What a finished process said.
public struct ProcessOutput: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs a program to completion with the given stdin and environment additions.
@discardableResult
public func runProcess(
    _ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]
) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["KOOPLOG_LEDGER"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let outPipe = Pipe()
    let errPipe = Pipe()
    let inPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = inPipe
    try process.run()
    // Read both pipes concurrently so a chatty child never blocks.
    nonisolated(unsafe) var errData = Data()
    let errThread = Thread { errData = errPipe.fileHandleForReading.readDataToEndOfFile() }
    errThread.start()
    if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)) }
    try inPipe.fileHandleForWriting.close()
    let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errThread.isFinished { usleep(1000) }
    return ProcessOutput(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `kooplog` with arguments.
@discardableResult
public func kooplog(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> ProcessOutput {
    try runProcess(Binaries.kooplog, arguments, stdin: stdin, environment: ["KOOPLOG_ACTOR": "test"].merging(environment) { $1 })
}

/// Starts the torture helper (`append-loop DIR PREFIX COUNT ORG [DATE]` or `hold DIR SECONDS`);
/// its stdout goes to the returned pipe (nil: discarded), stderr is discarded.
public func startTorture(_ arguments: [String], captureOutput: Bool = true) throws -> (process: Process, output: Pipe?) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Binaries.torture)
    process.arguments = arguments
    let pipe = captureOutput ? Pipe() : nil
    process.standardOutput = pipe ?? FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return (process, pipe)
}
