import Foundation
import Testing
import RLHFCore

@Suite struct OptimizerTests {
    /// Ranges of parameters from 8 to 296 floats, most not a multiple of 16: the AVX-512 loop's
    /// masked tails and the SIMD8 loop's padded ones (`scripts/test` reruns this suite with
    /// `RLHF_WIDE_KERNELS=0`).
    @Test func adamWMatchesTheFormula() {
        let config = ModelConfig(dim: 8, nLayers: 1, nHeads: 2, nKVHeads: 1, hiddenDim: 20, vocabSize: 37, maxSeqLen: 4)
        let layout = ParameterLayout(config: config)
        let params = FloatBuffer(randomArray(layout.count, seed: 1))
        let grads = FloatBuffer(randomArray(layout.count, seed: 2))
        let start = params.array
        var adam = AdamW(layout: layout, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1)
        adam.update(parameters: params, gradients: grads, lr: 0.01)
        adam.update(parameters: params, gradients: grads, lr: 0.01)
        let gains = layout.views.filter { $0.shape.count == 1 }.map { $0.offset..<($0.offset + $0.count) }
        for i in 0..<layout.count {
            // Two steps with the same gradient g: m/c1 = g and v/c2 = g^2 after each step.
            let g = Double(grads[i])
            let decay = gains.contains { $0.contains(i) } ? 0.0 : 0.1
            var p = Double(start[i])
            for _ in 0..<2 { p -= 0.01 * (g / (abs(g) + 1e-8) + decay * p) }
            #expect(abs(Double(params[i]) - p) < 1e-5)
        }
        #expect(adam.step == 2)
    }

    @Test func clippingScalesToTheMaxNorm() {
        let grads = FloatBuffer([3, 4, 0, 0, 0, 0, 0, 0, 0, 12])
        #expect(GradientClipping.clip(grads, maxNorm: 1) == 13)
        #expect(abs(GradientClipping.globalNorm(grads) - 1) < 1e-5)
        #expect(GradientClipping.clip(grads, maxNorm: 5) < 5)
    }

    @Test func scheduleWarmsUpThenDecays() {
        let s = LearningRateSchedule(peak: 1e-3, warmupSteps: 10, totalSteps: 110, minRatio: 0.1)
        #expect(abs(s.rate(at: 0) - 1e-4) < 1e-9)
        #expect(abs(s.rate(at: 9) - 1e-3) < 1e-9)
        #expect(abs(s.rate(at: 60) - 5.5e-4) < 1e-7)
        #expect(abs(s.rate(at: 110) - 1e-4) < 1e-9)
        #expect(abs(s.rate(at: 500) - 1e-4) < 1e-9)
    }
}
