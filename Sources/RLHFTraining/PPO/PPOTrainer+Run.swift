import Foundation
import RLHFCore
import RLHFData
import RLHFDistributed

extension PPOTrainer {
    /// Runs the iterations (from the newest valid checkpoint when `control.resume`), writing
    /// metrics, checkpoints and, at the end, the policy and critic. Returns the last metrics.
    @discardableResult
    public func run(control: RunControl) throws -> [String: Double] {
        defer { watchdog.stop() }
        if world.rank == 0 { try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true) }
        try watchdog.waiting(for: "every rank to load the starting weights") {
            if control.resume { try restore() }
            try synchronizeWeights()
        }
        let metricsLog = world.rank == 0
            ? try MetricsLog(url: runDirectory.appendingPathComponent("metrics.jsonl"), resumeFromStep: control.resume ? iteration : nil)
            : nil
        if world.rank == 0, !control.resume {
            try Data(config.yaml().utf8).write(to: runDirectory.appendingPathComponent("config.yaml"), options: .atomic)
        }
        let stop = min(settings.iterations, control.stopAfterSteps ?? settings.iterations)
        let start = Date(), startIteration = iteration
        let schedule = PolicySchedule(overlap: settings.overlap, firstIteration: startIteration)
        var last: [String: Double] = [:]
        while iteration < stop {
            last = try runIteration(schedule: schedule)
            iteration += 1
            if let metricsLog {
                try metricsLog.log(step: iteration, last)
                var line = ProgressLine(step: iteration, totalSteps: settings.iterations, elapsed: Date().timeIntervalSince(start),
                                        startStep: startIteration)
                let shown = [("objective/scores", "score"), ("objective/kl", "kl"), ("objective/kl_coef", "beta"),
                             ("policy/clipfrac", "clipfrac"), ("val/explained_var", "expl_var"),
                             ("throughput/rollout_tokens_per_s", "rollout tok/s")]
                line.values = shown.compactMap { key, name in last[key].map { (name: name, value: $0) } }
                Console.line("ppo | \(line)")
            }
            if iteration == stop || (settings.checkpointEvery > 0 && iteration % settings.checkpointEvery == 0) {
                try saveCheckpoint()
            }
        }
        if iteration == settings.iterations { try saveFinalModels() }
        return last
    }

    /// Whether every iteration is done (false after a `stopAfterSteps` stop).
    public var isFinished: Bool { iteration == settings.iterations }

    /// One iteration through every phase; the metrics (complete on rank 0). The schedule puts the
    /// policy broadcast after the update (lockstep) or before it (overlap), which is all that
    /// differs between the two: with overlap, actor ranks leave the iteration once they have
    /// delivered and received the weights, and sample the next batch while the learners train.
    private func runIteration(schedule: PolicySchedule) throws -> [String: Double] {
        let started = Date()
        var seconds = [Double](repeating: 0, count: Phase.allCases.count)
        func timed<T>(_ phase: Phase, _ body: () throws -> T) rethrows -> T {
            let start = Date()
            defer { seconds[phase.rawValue] += Date().timeIntervalSince(start) }
            return try body()
        }
        let global = promptCursor.next(batch: settings.rolloutBatchSize, count: promptCount, seed: settings.seed)
        var generated = 0
        if let actor {
            generated = try timed(.generate) {
                try actor.generate(iteration: iteration, prompts: global.map { prompts[$0] }, layout: settings.layout, mailbox: mailbox)
            }
        }
        if let reference { try timed(.reference) { try reference.serve(layout: settings.layout, mailbox: mailbox) } }
        if let reward { try timed(.reward) { try reward.serve(layout: settings.layout, mailbox: mailbox) } }
        if let actor { try actor.deliver(iteration: iteration, layout: settings.layout, mailbox: mailbox) }
        if let version = schedule.broadcastBeforeTraining(iteration: iteration) {
            try timed(.broadcast) { try broadcastPolicy(version: version) }
        }
        var metrics: [String: Double] = [:]
        if let learner {
            let samples = try learner.receive(layout: settings.layout, mailbox: mailbox)
            try schedule.check(versions: samples.map(\.experience.weightVersion), iteration: iteration)
            metrics = try timed(.train) { try learner.update(iteration: iteration, samples: samples) }
            seconds[Phase.allreduce.rawValue] = metrics["timing/allreduce_s"] ?? 0
            seconds[Phase.values.rawValue] = metrics["timing/values_s"] ?? 0
            try watchdog.waiting(for: "the other learners' weight digests after iteration \(iteration + 1)") {
                try learner.group.verifyIdentical(learner.policy.parameters, context: "policy after iteration \(iteration + 1)")
                try learner.group.verifyIdentical(learner.critic.parameters, context: "critic after iteration \(iteration + 1)")
            }
        }
        if let version = schedule.broadcastAfterTraining(iteration: iteration) {
            try timed(.broadcast) { try broadcastPolicy(version: version) }
        }
        seconds[Phase.iteration.rawValue] = Date().timeIntervalSince(started)

        // Every rank reports to rank 0 rather than meeting the others in a collective, which would
        // hold the actors until the learners finish and undo the overlap; in lockstep rank 0 then
        // starts the next iteration on every rank at once, so that each phase's time counts from it.
        let own = StepReport(iteration: iteration, phaseSeconds: seconds.map(Float.init), generatedTokens: generated)
        if world.rank == 0, let total = StepReport.combining([own] + (try mailbox.reports(iteration: iteration))) {
            // Per phase, the slowest rank's time: what the iteration waited for.
            for phase in Phase.allCases { metrics["timing/\(phase.name)_s"] = Double(total.phaseSeconds[phase.rawValue]) }
            // Rank 0's own iteration, learner 0's: with overlap, ranks' iterations cover different
            // stretches of the pipeline and the slowest one overstates its period; this is it.
            metrics["timing/learner_iteration_s"] = seconds[Phase.iteration.rawValue]
            metrics["rollout/tokens"] = Double(total.generatedTokens)
            metrics["throughput/rollout_tokens_per_s"] = Double(total.generatedTokens) / max(metrics["timing/generate_s"] ?? 0, 1e-9)
        } else if world.rank != 0 {
            try mailbox.report(own)
        }
        if schedule.holdsRanksTogether { try mailbox.releaseRanks() }
        try watchdog.waiting(for: "the sends of iteration \(iteration + 1) to complete") { try mailbox.flush() }
        return metrics
    }

    /// The phases timed in `timing/*_s`; values (old log-probs and values, rewards, GAE) and allreduce are
    /// parts of train.
    enum Phase: Int, CaseIterable {
        case generate, reference, reward, values, train, allreduce, broadcast, iteration
        var name: String { String(describing: self) }
    }

    /// Learner 0 sends the policy, `version` (updates applied), to the actors, which sample the
    /// next batch with it.
    private func broadcastPolicy(version: Int) throws {
        guard let weightsGroup else { return }
        let source = world.rank == 0 ? learner?.policy.parameters : actor?.policy.parameters
        guard let buffer = source else { return }
        try watchdog.waiting(for: "policy version \(version) from learner 0 (rank 0)") {
            if world.rank == 0 { try mailbox.announcePolicy() } else { try mailbox.awaitPolicy() }
            try weightsGroup.broadcast(buffer, root: 0)
        }
        if let actor {
            if world.rank == 0, let learner { actor.policy.parameters.copy(from: learner.policy.parameters) }
            actor.weightVersion = version
        }
    }

    /// Makes every replica and every actor start from learner 0's weights.
    private func synchronizeWeights() throws {
        if let learner {
            try learner.group.communicator.broadcast(learner.policy.parameters, root: 0)
            try learner.group.communicator.broadcast(learner.critic.parameters, root: 0)
        }
        if let weightsGroup {
            let buffer = world.rank == 0 ? learner?.policy.parameters : actor?.policy.parameters
            if let buffer { try weightsGroup.broadcast(buffer, root: 0) }
            if world.rank == 0, let actor, let learner { actor.policy.parameters.copy(from: learner.policy.parameters) }
        }
        actor?.weightVersion = iteration
    }
}
