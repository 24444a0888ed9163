import Foundation

/// Aborts the job when a rank waits too long for a message, naming what it waited for.
///
/// MPI has no timeouts: a rank whose peer hangs (or whose network link is cut) waits forever,
/// and so would the whole job. Wrap each blocking wait in `waiting(for:_:)`; a background thread
/// reports when waits have made no progress for `timeout` seconds. Progress is a wait starting
/// or finishing, so an outer wait that spans inner waits which complete does not fire, however
/// long it lasts; the report names the most recently started wait still running.
public final class Watchdog: Sendable {
    /// Nil when the watchdog is disabled.
    private let monitor: Monitor?

    /// A watchdog for the process running `roles` (e.g. `reference 0`) as `rank` on `host`.
    ///
    /// `timeout` is in seconds; 0 or less disables the watchdog. `onTimeout` receives the
    /// report, at most once; by default it prints it and aborts the job with exit code 3.
    public init(
        timeout: Double, rank: Int, roles: String, host: String,
        onTimeout: (@Sendable (String) -> Void)? = nil
    ) {
        guard timeout > 0 else {
            monitor = nil
            return
        }
        let process = "rank \(rank)" + (roles.isEmpty ? "" : " (\(roles))") + " on host \(host)"
        let monitor = Monitor(
            timeout: timeout, process: process,
            onTimeout: onTimeout ?? { MPIRuntime.abort(code: 3, message: $0) })
        // The thread holds the monitor, not the watchdog, so that releasing the watchdog stops it.
        let thread = Thread { monitor.run() }
        thread.name = "rlhf watchdog"
        thread.start()
        self.monitor = monitor
    }

    /// Runs `body`, a wait for `what` (e.g. `scoring requests from actor 1 (rank 2)`), with the
    /// timer armed.
    public func waiting<T, E: Error>(for what: String, _ body: () throws(E) -> T) throws(E) -> T {
        guard let monitor else { return try body() }
        let id = monitor.begin(what)
        defer { monitor.end(id) }
        return try body()
    }

    /// Ends the monitor thread; later waits are not watched.
    public func stop() {
        monitor?.stop()
    }

    deinit {
        monitor?.stop()
    }
}

/// The watchdog's state and its thread's loop, shared by the waiting threads and the monitor.
private final class Monitor: @unchecked Sendable {
    // @unchecked: every mutable property is read and written only with `condition` locked.
    private let timeout: Double
    private let process: String
    private let onTimeout: @Sendable (String) -> Void
    private let condition = NSCondition()
    /// What each running wait waits for, by id.
    private var waits: [Int: String] = [:]
    private var nextID = 0
    private var lastProgress = ContinuousClock.now
    private var fired = false
    private var stopped = false

    init(timeout: Double, process: String, onTimeout: @escaping @Sendable (String) -> Void) {
        self.timeout = timeout
        self.process = process
        self.onTimeout = onTimeout
    }

    /// Records the start of a wait for `what`, returning its id for `end`.
    func begin(_ what: String) -> Int {
        condition.lock()
        defer { condition.unlock() }
        let id = nextID
        nextID += 1
        waits[id] = what
        lastProgress = .now
        // Wakes the monitor if it was idle with no wait to time.
        condition.signal()
        return id
    }

    /// Records the end of the wait `begin` returned `id` for.
    func end(_ id: Int) {
        condition.lock()
        defer { condition.unlock() }
        waits[id] = nil
        lastProgress = .now
    }

    /// Makes `run()` return.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        condition.signal()
    }

    /// The monitor thread's loop, until `stop()`.
    func run() {
        condition.lock()
        defer { condition.unlock() }
        while !stopped {
            guard !fired, let newest = waits.max(by: { $0.key < $1.key }) else {
                condition.wait()
                continue
            }
            let left = timeout - (ContinuousClock.now - lastProgress) / .seconds(1)
            guard left <= 0 else {
                // At most 0.2 s at a time, since the condition's deadline is wall-clock time,
                // which can jump. Timed out or signalled, the loop checks again either way.
                _ = condition.wait(until: Date(timeIntervalSinceNow: min(left, 0.2)))
                continue
            }
            fired = true
            let report = "\(process): no progress for \(Self.format(timeout)) s while waiting for "
                + "\(newest.value); aborting the job"
            // Unlocked, so that the handler may use the watchdog (or wait on threads that do).
            condition.unlock()
            onTimeout(report)
            condition.lock()
        }
    }

    /// `300` rather than `300.0`, `0.3` as it is.
    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && seconds < 1e15 ? String(Int(seconds)) : String(seconds)
    }
}
