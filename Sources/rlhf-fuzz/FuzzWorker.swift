import Foundation
import RLHFCore
import RLHFData
import RLHFDistributed
import RLHFTraining
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The child process that parses inputs, one after another, recording each in the shared slot
/// first. A trap ends it; the supervisor then saves the recorded input and starts a new worker
/// at the next index.
struct FuzzWorker {
    let target: FuzzTarget
    let mutator: Mutator
    let slot: InputSlot
    let seed: UInt64
    let runs: Int
    /// Where the input file is written before each run (tmpfs when there is one).
    let scratch: URL
    /// Where inputs that end in an error of a foreign type are saved.
    let findings: URL

    /// Runs inputs `slot[.completed]..<runs`.
    func run() throws {
        let file = scratch.appendingPathComponent(target.fileName)
        for (name, content) in target.companions {
            try Data(content).write(to: scratch.appendingPathComponent(name))
        }
        for index in slot[.completed]..<runs {
            let bytes = mutator.input(index: index, seed: seed)
            slot.record(bytes, index: index)
            try Data(bytes).write(to: file)
            do {
                try target.run(bytes, file)
                slot[.accepted] += 1
            } catch {
                slot[.rejected] += 1
                if !Self.isTyped(error) {
                    slot[.untyped] += 1
                    try saveFinding(bytes, index: index, detail: "error of type \(type(of: error)): \(error)")
                }
            }
            slot[.completed] = index + 1
        }
    }

    /// Whether `error` is one of the project's typed errors, which name the file and the problem.
    static func isTyped(_ error: Error) -> Bool {
        error is FormatError || error is DataError || error is TokenizerError || error is ConfigError
            || error is MessageError || error is CheckpointError
    }

    private func saveFinding(_ bytes: [UInt8], index: Int, detail: String) throws {
        let base = findings.appendingPathComponent("\(target.name)-untyped-\(index)")
        try FileManager.default.createDirectory(at: findings, withIntermediateDirectories: true)
        try Data(bytes).write(to: base.appendingPathExtension("bin"))
        try Data((detail + "\n").utf8).write(to: base.appendingPathExtension("txt"))
    }

    /// Caps the worker's address space, so that an allocation sized by a corrupt header fails
    /// (a trap the supervisor reports) instead of exhausting the machine.
    static func limitMemory(megabytes: Int) throws {
        var limit = rlimit(rlim_cur: rlim_t(megabytes) << 20, rlim_max: rlim_t(megabytes) << 20)
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_AS.rawValue)
        #else
        let resource = RLIMIT_AS
        #endif
        guard setrlimit(resource, &limit) == 0 else {
            throw FuzzError.system("cannot limit memory to \(megabytes) MB: \(String(cString: strerror(errno)))")
        }
    }
}
