import ArgumentParser
import RLHFCore

/// The `rlhf` command: every stage of the recipe, under one binary that also runs under mpirun.
@main
struct RLHF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rlhf",
        abstract: "RLHF (SFT, reward model, PPO) for Llama-family models on OpenBLAS and OpenMPI.",
        subcommands: [TaskCommand.self, TokenizerCommand.self, Pretrain.self, SFT.self, Compare.self, RewardModel.self, PPO.self, Eval.self, Report.self, ConfigKeys.self, Diff.self,
                      Generate.self, Convert.self, Bench.self, Label.self]
    )

    static func main() {
        // Before anything touches OpenBLAS or MPI: a CPU newer than the OpenBLAS would otherwise
        // run its slowest kernels.
        OpenBLASCore.restartWithWideKernelsIfNeeded()
        main(nil)
    }
}
