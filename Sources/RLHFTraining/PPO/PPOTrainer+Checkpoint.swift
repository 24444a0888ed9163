import Foundation
import RLHFCore
import RLHFData
import RLHFDistributed

extension PPOTrainer {
    private var checkpointDirectory: URL { runDirectory.appendingPathComponent("checkpoints") }

    /// The whole PPO state after `iteration` iterations: policy and critic with their AdamW
    /// moments (in `policy/` and `critic/`, each a loadable model directory) and `ppo_state.json`.
    /// Every rank takes part (the actors' generator states are gathered); rank 0 writes.
    func saveCheckpoint() throws {
        let generators = try gatherGenerators()
        if world.rank == 0, let learner {
            let state = PPOState(iteration: iteration, klController: learner.klController, promptCursor: promptCursor,
                                 ptxCursor: learner.ptxCursor, actorGenerators: generators, layout: settings.layout,
                                 worldSize: world.size)
            let training = TrainingState(step: iteration, worldSize: world.size)
            let store = try CheckpointStore(directory: checkpointDirectory, keep: settings.keepCheckpoints)
            try store.save(step: iteration) { directory in
                try TrainingCheckpoint.write(to: directory.appendingPathComponent("policy"), model: learner.policy,
                                             optimizer: learner.policyOptimizer, state: training)
                try TrainingCheckpoint.write(to: directory.appendingPathComponent("critic"), model: learner.critic,
                                             optimizer: learner.criticOptimizer, state: training)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(state).write(to: directory.appendingPathComponent(PPOState.fileName))
            }
        }
        try world.barrier()
    }

    /// Every actor's generator state, in actor order (on every rank).
    private func gatherGenerators() throws -> [[String]] {
        let actors = settings.layout.actors
        var words = [UInt64](repeating: 0, count: actors * 4)
        for (index, generator) in actor?.generators ?? [:] {
            for (k, word) in generator.state.enumerated() { words[index * 4 + k] = word }
        }
        let all = try world.allgather(words)
        return (0..<actors).map { index in
            let owner = layout.rank(of: RoleInstance(role: .actor, index: index))
            return (0..<4).map { String(all[owner * actors * 4 + index * 4 + $0], radix: 16) }
        }
    }

    /// Rank 0 reads the newest valid checkpoint and sends each rank what its roles need.
    func restore() throws {
        var header: [UInt8] = []
        if world.rank == 0, let learner {
            let store = try CheckpointStore(directory: checkpointDirectory, keep: settings.keepCheckpoints)
            let latest = try store.latestValid()
            for problem in latest.skipped { Console.warning("warning: skipping damaged checkpoint: \(problem)") }
            let policy = try TrainingCheckpoint.read(from: latest.url.appendingPathComponent("policy"), verifyingManifest: false)
            let critic = try TrainingCheckpoint.read(from: latest.url.appendingPathComponent("critic"), verifyingManifest: false)
            let state = try JSONDecoder().decode(PPOState.self, from: Data(contentsOf: latest.url.appendingPathComponent(PPOState.fileName)))
            guard state.layout == settings.layout, state.worldSize == world.size else {
                throw TrainingError.cannotResume(
                    "\(latest.url.path) was written by a run with \(state.layout) on \(state.worldSize) ranks; this one has \(settings.layout) on \(world.size). Relaunch with the same layout and -np \(state.worldSize)")
            }
            guard policy.parameters.count == learner.policy.parameters.count, critic.parameters.count == learner.critic.parameters.count else {
                throw TrainingError.cannotResume("\(latest.url.path) holds models of other shapes than model.policy and the critic")
            }
            learner.policy.parameters.copy(from: policy.parameters)
            learner.critic.parameters.copy(from: critic.parameters)
            learner.policyOptimizer.restore(step: policy.optimizerStep, m: policy.m, v: policy.v)
            learner.criticOptimizer.restore(step: critic.optimizerStep, m: critic.m, v: critic.v)
            header = Array(try JSONEncoder().encode(state))
            Console.line("ppo: resuming from \(latest.url.path) (iteration \(state.iteration))")
        }
        try world.broadcast(bytes: &header, root: 0)
        let state = try JSONDecoder().decode(PPOState.self, from: Data(header))
        iteration = state.iteration
        promptCursor = state.promptCursor
        if let actor {
            for index in actor.indices where index < state.actorGenerators.count {
                actor.generators[index] = try PPOState.generator(from: state.actorGenerators[index])
            }
        }
        if let learner {
            learner.klController = state.klController
            learner.ptxCursor = state.ptxCursor
            let group = learner.group.communicator
            for buffer in [learner.policyOptimizer.m, learner.policyOptimizer.v, learner.criticOptimizer.m, learner.criticOptimizer.v] {
                try group.broadcast(buffer, root: 0)
            }
            if world.rank != 0 {
                learner.policyOptimizer.restore(step: state.iteration * settings.stepsPerIteration,
                                                m: learner.policyOptimizer.m.array, v: learner.policyOptimizer.v.array)
                learner.criticOptimizer.restore(step: state.iteration * settings.stepsPerIteration,
                                                m: learner.criticOptimizer.m.array, v: learner.criticOptimizer.v.array)
            }
        }
    }

    /// The trained policy (with its tokenizer, ready for `rlhf generate` or the next stage) and
    /// critic, in `output.dir/policy` and `output.dir/critic`.
    func saveFinalModels() throws {
        if world.rank == 0, let learner {
            let policyDirectory = runDirectory.appendingPathComponent("policy")
            try StageEnvironment.writeModel(learner.policy, tokenizerURL: tokenizerURL, to: policyDirectory)
            try StageEnvironment.writeModel(learner.critic, tokenizerURL: nil, to: runDirectory.appendingPathComponent("critic"))
            Console.line("ppo: policy in \(policyDirectory.path)")
        }
        try world.barrier()
    }
}
