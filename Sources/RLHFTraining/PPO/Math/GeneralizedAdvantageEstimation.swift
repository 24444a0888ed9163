/// Generalized advantage estimation (Schulman et al. 2016) over one response, with bootstrap
/// value 0 after the last token (the episode ends there):
/// `delta_t = r_t + gamma V_{t+1} - V_t`, `A_t = delta_t + gamma lambda A_{t+1}`, `returns = A + V`.
///
/// The returns are the critic's regression targets. Accumulated in Double, so that long
/// responses do not gather Float rounding, and returned as Float.
public func generalizedAdvantages(rewards: [Float], values: [Float], gamma: Float, lambda: Float) -> (advantages: [Float], returns: [Float]) {
    precondition(rewards.count == values.count, "rewards and values differ in length")
    let discount = Double(gamma)
    let decay = Double(gamma) * Double(lambda)
    var advantages = [Float](repeating: 0, count: rewards.count)
    var returns = [Float](repeating: 0, count: rewards.count)
    var nextValue = 0.0
    var running = 0.0
    for t in rewards.indices.reversed() {
        let value = Double(values[t])
        let delta = Double(rewards[t]) + discount * nextValue - value
        running = delta + decay * running
        advantages[t] = Float(running)
        returns[t] = Float(running + value)
        nextValue = value
    }
    return (advantages, returns)
}
