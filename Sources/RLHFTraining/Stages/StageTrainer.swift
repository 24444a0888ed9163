import Foundation
import RLHFCore
import RLHFData
import RLHFDistributed

/// The training loop every data-parallel stage (pretrain, SFT, reward model) shares:
/// global batches from a resumable cursor, one gradient all-reduce per step, clipping, AdamW on
/// the same update everywhere, evaluation, metrics, progress, and atomic checkpoints.
public final class StageTrainer<Objective: TrainingObjective> {
    /// The stage's name in progress lines and messages (`sft`, `rm`, ...).
    public let stage: String
    public let model: LlamaModel
    public let objective: Objective
    public let settings: OptimizationSettings
    public let group: DataParallelGroup
    /// Where `metrics.jsonl` and `checkpoints/` live.
    public let runDirectory: URL
    /// Numbers stored in every checkpoint beside the weights (e.g. a reward normalisation).
    public var extraState: [String: Double] = [:]

    private var optimizer: AdamW
    private var cursor = EpochCursor(epoch: 0, position: 0)
    private var step = 0
    private var nonFiniteGuard: NonFiniteGuard

    public init(stage: String, model: LlamaModel, objective: Objective, settings: OptimizationSettings,
                group: DataParallelGroup, runDirectory: URL) throws {
        guard objective.trainCount >= settings.batchSize * group.size else {
            throw TrainingError.noExamples(
                "\(objective.trainCount) training examples cannot fill one global batch of \(settings.batchSize) x \(group.size) ranks; lower train.batch_size or add data")
        }
        self.stage = stage
        self.model = model
        self.objective = objective
        self.settings = settings
        self.group = group
        self.runDirectory = runDirectory
        optimizer = AdamW(layout: model.layout, beta1: settings.beta1, beta2: settings.beta2, weightDecay: settings.weightDecay)
        nonFiniteGuard = NonFiniteGuard(limit: settings.maxNonFiniteSteps, setting: "train.max_nonfinite_steps")
    }

    /// Whether every step of `settings.steps` is done (false after a `stopAfter` stop).
    public var isFinished: Bool { step == settings.steps }

    /// Steps done so far.
    public var completedSteps: Int { step }

    private var checkpointDirectory: URL { runDirectory.appendingPathComponent("checkpoints") }

    /// Trains from step 0 (after making every replica equal to rank 0's), or from the newest
    /// valid checkpoint when `resume` is set, to `settings.steps`. Returns the final evaluation.
    ///
    /// With `stopAfter`, stops once that many steps are done, checkpointing as if interrupted
    /// there (the schedule still spans `settings.steps`): for jobs with a wall-time limit.
    @discardableResult
    public func run(resume: Bool, stopAfter: Int? = nil) throws -> [String: Double] {
        if resume {
            try restoreLatestCheckpoint()
        } else {
            try group.communicator.broadcast(model.parameters, root: 0)
        }
        let metrics = group.isLeader ? try MetricsLog(url: runDirectory.appendingPathComponent("metrics.jsonl"),
                                                       resumeFromStep: resume ? step : nil) : nil
        let schedule = settings.schedule
        let start = Date()
        let startStep = step
        var tokensSeen = 0.0
        var lastEvaluation: [String: Double] = [:]

        if !resume {
            // The baseline later evaluations are compared with; every rank takes part.
            let initial = try objective.evaluate(model, group: group)
            if let metrics, !initial.isEmpty {
                try metrics.log(step: 0, initial)
                Console.line(progressLine(step: 0, startStep: 0, elapsed: 0, values: initial))
            }
        }
        let stopStep = min(settings.steps, stopAfter ?? settings.steps)
        while step < stopStep {
            let stepStart = Date()
            let global = cursor.next(batch: settings.batchSize * group.size, count: objective.trainCount, seed: settings.seed)
            let local = group.localSlice(of: global)
            let globalWeight = try group.sum(objective.weight(of: local))
            guard globalWeight > 0 else {
                throw TrainingError.noExamples("step \(step + 1): the global batch has nothing to train on (every target masked)")
            }

            model.zeroGradients()
            let sums = try objective.accumulateGradients(of: model, on: local, scale: Float(1 / globalWeight))
            let reduceStart = Date()
            try group.sumGradients(of: model)
            let reduceSeconds = Date().timeIntervalSince(reduceStart)
            let total = ObjectiveSums(try group.sum(sums.array))

            let gradNorm = settings.gradientClip > 0
                ? GradientClipping.clip(model.gradients, maxNorm: settings.gradientClip)
                : GradientClipping.globalNorm(model.gradients)
            let loss = total.loss / globalWeight
            let lr = schedule.rate(at: step)
            // The loss is a global sum and the norm is of all-reduced gradients: every rank decides alike.
            let applied = try nonFiniteGuard.admits(step: step + 1, [("the training loss", loss), ("the gradient norm", Double(gradNorm))])
            if applied {
                optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: lr)
            } else if group.isLeader {
                Console.warning("warning: \(stage) step \(step + 1): non-finite loss (\(loss)) or gradient norm (\(gradNorm)); update skipped (\(nonFiniteGuard.consecutive) in a row, limit train.max_nonfinite_steps = \(settings.maxNonFiniteSteps))")
            }
            step += 1
            tokensSeen += total.tokens

            let stepSeconds = Date().timeIntervalSince(stepStart)
            var values: [String: Double] = [
                "train/loss": loss, "train/lr": Double(lr), "train/grad_norm": Double(gradNorm),
                "train/epoch": Double(cursor.epoch) + Double(cursor.position) / Double(objective.trainCount),
                "throughput/tokens_per_s": total.tokens / stepSeconds,
                "timing/step_s": stepSeconds, "timing/allreduce_s": reduceSeconds,
                "train/skipped_updates": applied ? 0 : 1,
            ]
            if objective is PreferenceObjective { values["train/accuracy"] = total.correct / globalWeight }
            let isLast = step == settings.steps
            if isLast || (settings.evalEvery > 0 && step % settings.evalEvery == 0) {
                lastEvaluation = try objective.evaluate(model, group: group)
                values.merge(lastEvaluation) { $1 }
            }
            if let metrics {
                try metrics.log(step: step, values)
                if isLast || step % max(settings.logEvery, 1) == 0 {
                    let elapsed = Date().timeIntervalSince(start)
                    Console.line(progressLine(step: step, startStep: startStep, elapsed: elapsed, values: values))
                }
            }
            if isLast || step == stopStep || (settings.checkpointEvery > 0 && step % settings.checkpointEvery == 0) {
                try saveCheckpoint()
            }
        }
        try group.verifyIdentical(model.parameters, context: "\(stage) after step \(step)")
        return lastEvaluation
    }

    /// `sft | step 120/1000 | loss 2.3456 | lr 3.0e-04 | ... | ETA 4m12s`, with the values a person
    /// watches; metrics.jsonl has them all.
    private func progressLine(step: Int, startStep: Int, elapsed: Double, values: [String: Double]) -> String {
        var line = ProgressLine(step: step, totalSteps: settings.steps, elapsed: elapsed, startStep: startStep)
        let shown = [("train/loss", "loss"), ("train/accuracy", "acc"), ("train/lr", "lr"), ("eval/loss", "eval_loss"),
                     ("eval/accuracy", "eval_acc"), ("throughput/tokens_per_s", "tok/s")]
        line.values = shown.compactMap { key, name in values[key].map { (name: name, value: $0) } }
        return "\(stage) | \(line)"
    }

    private var state: TrainingState {
        TrainingState(step: step, dataCursor: ["epoch": cursor.epoch, "position": cursor.position],
                      rngState: [], extra: extraState, worldSize: group.size)
    }

    /// Rank 0 writes; the others wait so that no rank runs ahead of a checkpoint it may need.
    private func saveCheckpoint() throws {
        try group.verifyIdentical(model.parameters, context: "\(stage) checkpoint at step \(step)")
        if group.isLeader {
            let store = try CheckpointStore(directory: checkpointDirectory, keep: settings.keepCheckpoints)
            let (model, optimizer, state) = (model, optimizer, state)
            try store.save(step: step) { directory in
                try TrainingCheckpoint.write(to: directory, model: model, optimizer: optimizer, state: state)
            }
        }
        try group.communicator.barrier()
    }

    /// Rank 0 reads the newest checkpoint that verifies and sends it to the others, so ranks on
    /// hosts without a shared file system resume too.
    private func restoreLatestCheckpoint() throws {
        var header: [UInt8] = []
        if group.isLeader {
            let store = try CheckpointStore(directory: checkpointDirectory, keep: settings.keepCheckpoints)
            let latest = try store.latestValid()
            for problem in latest.skipped {
                Console.warning("warning: skipping damaged checkpoint: \(problem)")
            }
            let saved = try TrainingCheckpoint.read(from: latest.url)
            guard saved.parameters.count == model.parameters.count, saved.head == model.head else {
                throw TrainingError.cannotResume(
                    "\(latest.url.path) holds a \(saved.head) model with \(saved.parameters.count) parameters; this run builds a \(model.head) model with \(model.parameters.count)")
            }
            guard saved.state.worldSize == group.size else {
                throw TrainingError.cannotResume(
                    "\(latest.url.path) was written by a run on \(saved.state.worldSize) ranks, this one has \(group.size); the data order per rank would change. Relaunch with -np \(saved.state.worldSize)")
            }
            model.parameters.copy(from: saved.parameters)
            optimizer.restore(step: saved.optimizerStep, m: saved.m, v: saved.v)
            header = Array(try JSONEncoder().encode(saved.state))
            Console.line("\(stage): resuming from \(latest.url.path) (step \(saved.state.step))")
        }
        try group.communicator.broadcast(bytes: &header, root: 0)
        let state = try JSONDecoder().decode(TrainingState.self, from: Data(header))
        try group.communicator.broadcast(model.parameters, root: 0)
        try group.communicator.broadcast(optimizer.m, root: 0)
        try group.communicator.broadcast(optimizer.v, root: 0)
        if !group.isLeader { optimizer.restore(step: state.step, m: optimizer.m.array, v: optimizer.v.array) }
        step = state.step
        cursor = EpochCursor(epoch: state.dataCursor["epoch"] ?? 0, position: state.dataCursor["position"] ?? 0)
        extraState = state.extra
    }
}
