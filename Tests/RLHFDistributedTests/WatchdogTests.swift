import Foundation
import RLHFDistributed
import Testing

/// The watchdog's reports go to a recorder instead of aborting. Timeouts are short (0.3 s), so
/// waits that must fire keep waiting until a report arrives (up to a generous limit, for a loaded
/// machine), and waits that must not fire stay far below the timeout.
struct WatchdogTests {
    private func makeWatchdog(timeout: Double, recorder: Recorder) -> Watchdog {
        Watchdog(
            timeout: timeout, rank: 3, roles: "reference 0", host: "node-a",
            onTimeout: { recorder.record($0) })
    }

    @Test func firesWhenAWaitOutlastsTheTimeoutAndNamesIt() {
        let recorder = Recorder()
        let watchdog = makeWatchdog(timeout: 0.3, recorder: recorder)
        defer { watchdog.stop() }
        let started = ContinuousClock.now
        watchdog.waiting(for: "scoring requests from actor 1 (rank 2)") {
            recorder.waitForReport(upTo: 10)
        }
        #expect(ContinuousClock.now - started >= .seconds(0.3))
        #expect(
            recorder.reports == [
                "rank 3 (reference 0) on host node-a: no progress for 0.3 s while waiting for "
                    + "scoring requests from actor 1 (rank 2); aborting the job"
            ])
    }

    @Test func firesOnceHoweverLongTheWaitLasts() {
        let recorder = Recorder()
        let watchdog = makeWatchdog(timeout: 0.3, recorder: recorder)
        defer { watchdog.stop() }
        watchdog.waiting(for: "weights") {
            recorder.waitForReport(upTo: 10)
            Thread.sleep(forTimeInterval: 0.8)
        }
        #expect(recorder.reports.count == 1)
    }

    @Test func doesNotFireForQuickWaits() {
        let recorder = Recorder()
        let watchdog = makeWatchdog(timeout: 0.3, recorder: recorder)
        defer { watchdog.stop() }
        for step in 0..<20 {
            let value = watchdog.waiting(for: "step \(step)") {
                Thread.sleep(forTimeInterval: 0.02)
                return step
            }
            #expect(value == step)
        }
        #expect(recorder.reports.isEmpty)
    }

    @Test func isDisarmedBetweenSequentialWaits() {
        let recorder = Recorder()
        let watchdog = makeWatchdog(timeout: 0.3, recorder: recorder)
        defer { watchdog.stop() }
        watchdog.waiting(for: "first") {}
        Thread.sleep(forTimeInterval: 0.8)  // Not waiting for anything.
        watchdog.waiting(for: "second") {}
        Thread.sleep(forTimeInterval: 0.5)
        #expect(recorder.reports.isEmpty)
    }

    @Test func innerWaitsThatFinishCountAsProgress() {
        let recorder = Recorder()
        let watchdog = makeWatchdog(timeout: 0.3, recorder: recorder)
        defer { watchdog.stop() }
        watchdog.waiting(for: "experience from all actors") {
            for actor in 0..<8 {
                watchdog.waiting(for: "experience from actor \(actor)") {
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
        }
        #expect(recorder.reports.isEmpty)
    }

    @Test func namesTheInnermostWaitThatHangs() {
        let recorder = Recorder()
        let watchdog = makeWatchdog(timeout: 0.3, recorder: recorder)
        defer { watchdog.stop() }
        watchdog.waiting(for: "scores and log-probs") {
            watchdog.waiting(for: "scores from reward 0 (rank 5)") {
                recorder.waitForReport(upTo: 10)
            }
        }
        #expect(recorder.reports.count == 1)
        #expect(
            recorder.reports.first?.contains("while waiting for scores from reward 0 (rank 5);")
                == true)
    }

    @Test func passesErrorsAndResultsThrough() {
        let watchdog = makeWatchdog(timeout: 0.3, recorder: Recorder())
        defer { watchdog.stop() }
        #expect(throws: MessageError.badMagic) {
            try watchdog.waiting(for: "a message") { () throws(MessageError) in throw .badMagic }
        }
        #expect(watchdog.waiting(for: "a number") { 42 } == 42)
    }

    @Test(arguments: [0.0, -1.0])
    func isDisabledByANonPositiveTimeout(timeout: Double) {
        let recorder = Recorder()
        let watchdog = makeWatchdog(timeout: timeout, recorder: recorder)
        watchdog.waiting(for: "anything") { Thread.sleep(forTimeInterval: 0.6) }
        #expect(recorder.reports.isEmpty)
    }

    @Test func doesNotFireAfterStop() {
        let recorder = Recorder()
        let watchdog = makeWatchdog(timeout: 0.3, recorder: recorder)
        watchdog.stop()
        watchdog.waiting(for: "anything") { Thread.sleep(forTimeInterval: 0.6) }
        #expect(recorder.reports.isEmpty)
    }

    @Test func reportsWholeSecondsWithoutADecimalPoint() {
        let recorder = Recorder()
        let watchdog = makeWatchdog(timeout: 1, recorder: recorder)
        defer { watchdog.stop() }
        watchdog.waiting(for: "weights from learner 0 (rank 0)") {
            recorder.waitForReport(upTo: 10)
        }
        #expect(recorder.reports.first?.contains(": no progress for 1 s while waiting") == true)
    }
}

/// Collects reports from the watchdog's thread.
private final class Recorder: @unchecked Sendable {
    // @unchecked: `stored` is only touched with `condition` locked.
    private let condition = NSCondition()
    private var stored: [String] = []

    var reports: [String] {
        condition.lock()
        defer { condition.unlock() }
        return stored
    }

    func record(_ report: String) {
        condition.lock()
        defer { condition.unlock() }
        stored.append(report)
        condition.broadcast()
    }

    /// Blocks until a report arrives or `seconds` pass: stands in for a receive that hangs.
    func waitForReport(upTo seconds: Double) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while stored.isEmpty, condition.wait(until: deadline) {}
    }
}
