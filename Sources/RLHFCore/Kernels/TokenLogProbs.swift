import Foundation

/// Log-probabilities of chosen tokens and the entropy of each position's distribution at a
/// temperature: the quantities the language-model loss, PPO and the KL penalty are built from.
///
/// With s = logits / tau, lse = log sum exp s:  logp = s[y] - lse,  H = lse - sum_j p_j s_j.
public enum TokenLogProbs {
    /// logp[N], entropy[N], lse[N] from logits[N, V] and targets[N]; `scratch` holds V floats.
    public static func forward(
        logp: UnsafeMutablePointer<Float>, entropy: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
        logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, scratch: UnsafeMutablePointer<Float>,
        rows n: Int, vocab v: Int, temperature tau: Float
    ) {
        let invTau = 1 / tau
        for i in 0..<n {
            let z = logits + i * v
            let m = maxOf(z, v) * invTau
            let sum = expShifted(z, scratch, v, scale: invTau, shift: m)
            let logSum = m + logf(sum)
            let expectedLogit = dot(scratch, z, v) / sum * invTau
            lse[i] = logSum
            logp[i] = z[Int(targets[i])] * invTau - logSum
            entropy[i] = logSum - expectedLogit
        }
    }

    /// dlogits[N, V] from dlogp[N] and dentropy[N]; may run in place over the logits buffer.
    ///
    /// dz_j = (1/tau) * ( dlogp * ([j == y] - p_j) - dH * p_j * (s_j - lse + H) )
    public static func backward(
        dlogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        lse: UnsafePointer<Float>, entropy: UnsafePointer<Float>,
        dlogp: UnsafePointer<Float>, dentropy: UnsafePointer<Float>,
        rows n: Int, vocab v: Int, temperature tau: Float
    ) {
        let invTau = 1 / tau
        for i in 0..<n {
            let z = logits + i * v, dz = dlogits + i * v
            let gl = dlogp[i], gh = dentropy[i]
            if gl == 0 && gh == 0 {
                dz.update(repeating: 0, count: v)
                continue
            }
            let shift = lse[i], h = entropy[i]
            var j = 0
            let vShift = SIMD8<Float>(repeating: shift), vScale = SIMD8<Float>(repeating: invTau)
            while j + 8 <= v {
                let s = load8(z + j) * vScale
                let p = exp8(s - vShift)
                store8(-p * (gl + gh * (s - vShift + h)) * vScale, dz + j)
                j += 8
            }
            while j < v {
                let s = z[j] * invTau
                let p = exp1(s - shift)
                dz[j] = -p * (gl + gh * (s - shift + h)) * invTau
                j += 1
            }
            dz[Int(targets[i])] += gl * invTau
        }
    }
}
