import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one parser's inputs in worker processes and turns their deaths into findings: a
/// worker killed by a signal (a trap: overflow, out-of-bounds index, failed allocation) is a
/// crash, one that stops making progress for `timeout` seconds is a hang. Each finding's input
/// is saved to `crashes/<parser>-<kind>-<index>.bin` with the worker's last words beside it,
/// and a new worker continues with the next input.
struct FuzzSupervisor {
    let target: FuzzTarget
    let options: FuzzOptions

    struct Finding {
        var kind: String
        var index: Int
        var file: URL
        var message: String
    }

    /// The figures of one parser's run, printed as a JSON line.
    struct Report {
        var parser: String
        var runs = 0, accepted = 0, rejected = 0, untyped = 0
        var seconds = 0.0
        var findings: [Finding] = []

        var jsonLine: String {
            let crashes = findings.filter { $0.kind == "crash" }.count, hangs = findings.filter { $0.kind == "hang" }.count
            let rate = seconds > 0 ? Double(runs) / seconds : 0
            return "{\"parser\": \"\(parser)\", \"runs\": \(runs), \"accepted\": \(accepted), \"rejected\": \(rejected), "
                + "\"crashes\": \(crashes), \"hangs\": \(hangs), \"untyped_errors\": \(untyped), "
                + "\"seconds\": \((seconds * 100).rounded() / 100), \"inputs_per_s\": \(rate.rounded())}"
        }
    }

    func run() throws -> Report {
        let scratch = try Self.makeScratchDirectory(for: target.name)
        defer { try? FileManager.default.removeItem(at: scratch.deletingLastPathComponent()) }
        let slot = try InputSlot(url: scratch.appendingPathComponent("slot"), capacity: options.maxLength, create: true)
        let log = scratch.appendingPathComponent("worker.log")
        var report = Report(parser: target.name)
        let start = Date()
        while slot[.completed] < options.runs {
            slot[.current] = -1
            let process = try startWorker(slot: slot, scratch: scratch, log: log)
            let hung = watch(process, slot: slot)
            if !hung, process.terminationReason == .exit, process.terminationStatus == 0 { break }
            let index = slot[.current]
            guard index >= 0 else {
                throw FuzzError.system("the \(target.name) worker failed before its first input: \(Self.lastWords(log))")
            }
            report.findings.append(try save(slot.recordedInput, kind: hung ? "hang" : "crash", index: index, log: log))
            slot[.completed] = index + 1
        }
        report.seconds = Date().timeIntervalSince(start)
        report.runs = slot[.completed]
        report.accepted = slot[.accepted]
        report.rejected = slot[.rejected]
        report.untyped = slot[.untyped]
        return report
    }

    private func startWorker(slot: InputSlot, scratch: URL, log: URL) throws -> Process {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = [target.name, "--worker", "--slot", slot.url.path, "--scratch", scratch.path] + options.arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw FuzzError.system("cannot create \(log.path)")
        }
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits for `process` to end; kills it when no input completes for `options.timeout`
    /// seconds. Returns whether it hung.
    private func watch(_ process: Process, slot: InputSlot) -> Bool {
        var completed = slot[.completed], lastProgress = Date()
        while process.isRunning {
            usleep(20_000)
            if slot[.completed] != completed {
                completed = slot[.completed]
                lastProgress = Date()
            } else if Date().timeIntervalSince(lastProgress) > options.timeout {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return true
            }
        }
        process.waitUntilExit()
        return false
    }

    private func save(_ input: [UInt8], kind: String, index: Int, log: URL) throws -> Finding {
        let base = options.crashes.appendingPathComponent("\(target.name)-\(kind)-\(index)")
        try FileManager.default.createDirectory(at: options.crashes, withIntermediateDirectories: true)
        try Data(input).write(to: base.appendingPathExtension("bin"))
        let message = kind == "hang" ? "no progress for \(options.timeout) s" : Self.lastWords(log)
        try Data((message + "\n").utf8).write(to: base.appendingPathExtension("txt"))
        return Finding(kind: kind, index: index, file: base.appendingPathExtension("bin"), message: message)
    }

    /// The end of the worker's standard error (the trap's message).
    private static func lastWords(_ log: URL) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(5).joined(separator: "\n")
    }

    /// This program, to start workers with.
    private static var executable: URL {
        #if os(Linux)
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        #else
        URL(fileURLWithPath: CommandLine.arguments[0])
        #endif
    }

    /// A fresh directory for the input files, in memory (`/dev/shm`) when the system has it;
    /// its parent is this run's own and is removed at the end.
    private static func makeScratchDirectory(for name: String) throws -> URL {
        let shm = URL(fileURLWithPath: "/dev/shm", isDirectory: true)
        let root = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        // A checkpoint directory's name, so that the manifest target checks the step too.
        let url = root.appendingPathComponent("rlhf-fuzz-\(name)-\(getpid())/step-00000002", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
