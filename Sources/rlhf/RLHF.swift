import ArgumentParser

/// The `rlhf` command: every stage of the recipe, under one binary that also runs under mpirun.
@main
struct RLHF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rlhf",
        abstract: "RLHF (SFT, reward model, PPO) for Llama-family models on OpenBLAS and OpenMPI.",
        subcommands: [TaskCommand.self, TokenizerCommand.self, Pretrain.self, SFT.self, Compare.self, RewardModel.self, PPO.self, Eval.self, Report.self, ConfigKeys.self, Diff.self,
                      Generate.self, Convert.self, Bench.self, Label.self]
    )
}
