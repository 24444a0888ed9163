import ArgumentParser
import RLHFDistributed
import RLHFTraining

/// `rlhf ppo`.
struct PPO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppo",
        abstract: "RLHF with PPO: actor, reference, reward and learner ranks under mpirun (see layout.* keys).",
        discussion: """
            Start it with as many ranks as the layout has roles (scripts/launch does), or fewer to let \
            roles share ranks, down to one process without mpirun.
            """)

    @OptionGroup var options: StageOptions
    @OptionGroup var control: RunControlOptions

    @Flag(help: "Print the number of ranks the config's layout uses, and exit (scripts/launch uses it).")
    var printRanks = false

    func run() throws {
        let config = try options.load(StageSchemas.ppo)
        if printRanks {
            let counts = try PPOSettings(config: config).layout
            print(counts.total)
            return
        }
        try runOnAllRanks(command: "ppo", threads: config.int("runtime.threads")) { group in
            let world = group.communicator
            do {
                let trainer = try PPOTrainer(config: config, world: world)
                let metrics = try trainer.run(control: control.value)
                if world.rank == 0 {
                    let summary = ["objective/scores", "objective/kl", "val/explained_var"].compactMap { key in
                        metrics[key].map { "\(key) \(String(format: "%.4f", $0))" }
                    }
                    Console.line(trainer.isFinished ? "ppo: done; " + summary.joined(separator: ", ")
                                                    : "ppo: stopped as asked; continue with --resume")
                }
            } catch {
                throw RoleFailure(roles: Self.roles(of: world.rank, config: config, worldSize: world.size), error: error)
            }
        }
    }

    /// The roles `rank` plays under the config's layout, for error messages.
    static func roles(of rank: Int, config: RunConfig, worldSize: Int) -> String {
        guard let counts = try? PPOSettings(config: config).layout,
              let layout = try? RoleLayout(counts: counts, worldSize: worldSize) else { return "no role" }
        return layout.instances(onRank: rank).map { "\($0.role.rawValue) \($0.index)" }.joined(separator: ", ")
    }
}

/// An error on a rank, with the roles it plays.
struct RoleFailure: Error, CustomStringConvertible {
    let roles: String
    let error: any Error
    var description: String { "[\(roles)] \(error)" }
}
