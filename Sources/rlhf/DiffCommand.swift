import ArgumentParser
import Foundation
import RLHFCore

/// `rlhf diff`: how far apart two models' weights are.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the weights of two models of the same shape.",
        discussion: """
            Prints the largest absolute difference, the relative L2 difference ||a - b|| / ||b||, and \
            whether the buffers are bit-identical. Exits with 1 when the relative difference exceeds \
            --tolerance (default 0: bit-identical weights required).
            """)

    @Argument(help: "First model (Hugging Face directory or llama2.c .bin).") var first: String
    @Argument(help: "Second model.") var second: String
    @Option(help: "Largest accepted relative L2 difference.") var tolerance: Double = 0

    func run() throws {
        let a = try loadModel(at: URL(fileURLWithPath: first))
        let b = try loadModel(at: URL(fileURLWithPath: second))
        guard a.config == b.config, a.head == b.head else {
            throw ValidationError("the models differ in shape: \(a.config) (\(a.head)) vs \(b.config) (\(b.head))")
        }
        var maxAbs = 0.0, squaredDiff = 0.0, squaredNorm = 0.0, differing = 0
        for i in 0..<a.parameters.count {
            let x = Double(a.parameters[i]), y = Double(b.parameters[i])
            if a.parameters[i].bitPattern != b.parameters[i].bitPattern { differing += 1 }
            maxAbs = max(maxAbs, abs(x - y))
            squaredDiff += (x - y) * (x - y)
            squaredNorm += y * y
        }
        let relative = squaredNorm > 0 ? (squaredDiff / squaredNorm).squareRoot() : squaredDiff.squareRoot()
        print(String(format: "parameters %d, differing %d, max |a-b| %.3e, relative L2 %.3e, bit-identical %@",
                     a.parameters.count, differing, maxAbs, relative, differing == 0 ? "yes" : "no"))
        guard relative <= tolerance, tolerance > 0 || differing == 0 else {
            throw ValidationError(String(format: "the weights differ by %.3e relative, more than the tolerance %.1e", relative, tolerance))
        }
    }
}
