import Foundation
import RLHFCore
import RLHFData
import RLHFDistributed

/// `rlhf ppo`: the roles of the design card on the ranks of the job. Every rank runs the same
/// loop and plays the roles the layout gives it, in a fixed phase order per iteration:
/// actors generate and send rollouts out, references and rewards answer, actors ship experience,
/// learners update, learner 0 broadcasts the policy to the actors. Every send is non-blocking
/// and every receive waits only for a message of an earlier phase, so any sharing of roles
/// among ranks (down to one process) runs the same code without deadlock.
public final class PPOTrainer {
    let config: RunConfig
    let settings: PPOSettings
    let world: Communicator
    let layout: RoleLayout
    let runDirectory: URL
    let mailbox: Mailbox
    let watchdog: Watchdog
    let learnerGroup: DataParallelGroup?
    /// Learner 0 and the actor ranks: the policy broadcast's communicator.
    let weightsGroup: Communicator?
    let tokenizerURL: URL
    var learner: LearnerRole?
    var actor: ActorRole?
    var reference: ReferenceRole?
    var reward: RewardRole?
    /// Every iteration's prompts, tokenized (actor ranks only).
    let prompts: [[Int32]]
    /// The number of prompts, known on every rank so that every rank's cursor agrees.
    let promptCount: Int
    var promptCursor = EpochCursor()
    var iteration = 0

    public init(config: RunConfig, world: Communicator) throws {
        self.config = config
        let settings = try PPOSettings(config: config)
        self.settings = settings
        self.world = world
        let layout = try RoleLayout(counts: settings.layout, worldSize: world.size)
        self.layout = layout
        guard settings.layout.actors < MessageTag.maxActors else {
            throw ConfigError.invalidValue(key: "layout.actors", reason: "must be below \(MessageTag.maxActors)")
        }
        runDirectory = URL(fileURLWithPath: config.string("output.dir"))
        let mine = layout.instances(onRank: world.rank)
        let names = layout.roleNames(onRank: world.rank)
        watchdog = Watchdog(timeout: settings.watchdogSeconds, rank: world.rank, roles: names, host: world.hostname)
        // Every rank names itself before any work, so that scripts/launch can say which role a
        // rank that mpirun reports lost was playing, and on which host, even if it dies loading.
        Console.line("ppo: rank \(world.rank) on \(world.hostname): \(names)")
        mailbox = Mailbox(world: world, layout: layout, watchdog: watchdog)
        let isLearner = mine.contains { $0.role == .learner }, isActor = mine.contains { $0.role == .actor }
        learnerGroup = try world.split(color: isLearner ? 0 : nil, key: world.rank).map(DataParallelGroup.init)
        weightsGroup = try world.split(color: isActor || world.rank == 0 ? 0 : nil, key: world.rank)

        let policyPath = config.string("model.policy")
        tokenizerURL = try StageEnvironment.tokenizerURL(config: config, modelPath: policyPath)
        let tokenizer = try loadTokenizer(at: tokenizerURL)
        let template = try ChatTemplate(preset: config.string("tokenizer.template"))
        let padToken = tokenizer.paddingToken
        let options = LoadOptions(skipBadLines: config.bool("data.skip_bad_lines"))
        let span = settings.maxPromptTokens + settings.maxNewTokens

        func load(_ path: String, _ what: String) throws -> LlamaModel {
            let model = try loadModel(at: URL(fileURLWithPath: path))
            guard tokenizer.vocabSize <= model.config.vocabSize else {
                throw PPOError.incompatible("the tokenizer has \(tokenizer.vocabSize) tokens but the \(what) (\(path)) has a vocabulary of \(model.config.vocabSize)")
            }
            guard span <= model.config.maxSeqLen else {
                throw PPOError.incompatible("data.max_prompt_tokens + rollout.max_new_tokens = \(span) exceeds the \(what)'s context of \(model.config.maxSeqLen) (\(path))")
            }
            return model
        }

        var prompts: [[Int32]] = []
        if isActor {
            let policy = try load(policyPath, "policy")
            actor = ActorRole(indices: mine.filter { $0.role == .actor }.map(\.index), policy: policy, settings: settings,
                              eosToken: tokenizer.specialTokens.eos)
            var texts: [String] = []
            for path in config.stringList("data.prompts") {
                let (loaded, summary) = try loadPrompts(at: URL(fileURLWithPath: path), options: options)
                if world.rank == layout.rank(of: RoleInstance(role: .actor, index: 0)) { Console.line("data: \(summary)") }
                texts += loaded
            }
            prompts = texts.map { Self.truncated(template.encodePrompt($0, with: tokenizer), to: settings.maxPromptTokens,
                                                 keepingFirst: tokenizer.specialTokens.bos != nil) }
            guard prompts.count >= settings.rolloutBatchSize else {
                throw TrainingError.noExamples("\(prompts.count) prompts cannot fill one rollout batch of \(settings.rolloutBatchSize)")
            }
        }
        self.prompts = prompts
        promptCount = Int(try world.allreduceMax(Double(prompts.count)))
        let referenceIndices = mine.filter { $0.role == .reference }.map(\.index)
        if !referenceIndices.isEmpty {
            let path = config.optionalString("model.reference") ?? policyPath
            reference = ReferenceRole(indices: referenceIndices, model: try load(path, "reference"),
                                      temperature: settings.sampling.temperature, padToken: padToken)
        }
        let rewardIndices = mine.filter { $0.role == .reward }.map(\.index)
        if !rewardIndices.isEmpty {
            reward = RewardRole(indices: rewardIndices, scorer: try Self.scorer(config: config, tokenizer: tokenizer,
                                                                                   padToken: padToken, load: load))
        }
        if let learnerIndex = mine.first(where: { $0.role == .learner })?.index, let learnerGroup {
            let policy = try load(policyPath, "policy")
            let critic = try Self.critic(config: config, policy: policy, seed: settings.seed, load: load)
            var windows: [TrainingSequence] = []
            if settings.ptxCoefficient > 0 {
                let (documents, summary) = try loadTextDocuments(at: config.stringList("data.pretrain").map { URL(fileURLWithPath: $0) },
                                                                 options: options)
                if learnerGroup.isLeader { Console.line("data: \(summary)") }
                windows = StageData(tokenizer: tokenizer, template: template, maxLength: policy.config.maxSeqLen)
                    .pretrainingWindows(documents)
            }
            learner = LearnerRole(index: learnerIndex, policy: policy, critic: critic, group: learnerGroup, settings: settings,
                                  padToken: padToken, ptxWindows: windows)
        }
        if world.rank == 0 { Console.line("ppo: \(settings.layout) on \(world.size) ranks") }
        // With overlap the learners are the critical path; where ranks share cores, the others
        // yield to them and fill the cores a learner leaves idle.
        if settings.overlap, learner == nil { Self.lowerPriorityOfEveryThread(by: 10) }
        if settings.overlap, world.rank == 0, let shared = (0..<world.size).first(where: { rank in
            let roles = Set(layout.instances(onRank: rank).map(\.role))
            return roles.contains(.learner) && roles.contains(.actor)
        }) {
            Console.warning("warning: ppo.overlap: rank \(shared) is both a learner and an actor, so its sampling cannot overlap its training; the rollouts are still one step stale. Give the actors ranks of their own (layout.*, -np) for the speed-up")
        }
    }

    /// Raises the nice value of every thread of this process by `nice`. Linux keeps it per
    /// thread, and the BLAS threads already exist, so the call goes to each task of the process.
    private static func lowerPriorityOfEveryThread(by nice: Int32) {
        #if os(Linux)
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        for thread in tasks.compactMap({ id_t($0) }) {
            setpriority(which, thread, getpriority(which, thread) + nice)
        }
        #else
        setpriority(PRIO_PROCESS, 0, getpriority(PRIO_PROCESS, 0) + nice)
        #endif
    }

    /// A prompt of at most `limit` tokens: its last ones, after BOS when it starts with one.
    static func truncated(_ tokens: [Int32], to limit: Int, keepingFirst: Bool) -> [Int32] {
        guard tokens.count > limit else { return tokens }
        return keepingFirst && limit > 1 ? [tokens[0]] + tokens.suffix(limit - 1) : Array(tokens.suffix(limit))
    }

    static func scorer(config: RunConfig, tokenizer: any Tokenizer, padToken: Int32,
                       load: (String, String) throws -> LlamaModel) throws -> any Scorer {
        if let rule = config.optionalString("reward.scorer") {
            return try KeywordScorer.parse(rule, tokenizer: tokenizer)
        }
        guard let path = config.optionalString("model.reward") else {
            throw TrainingError.invalidSetting("nothing scores the rollouts: set model.reward (a reward model) or reward.scorer")
        }
        let model = try load(path, "reward model")
        guard model.head == .scalar else {
            throw PPOError.incompatible("model.reward \(path) is a language model; train a reward model with rlhf rm")
        }
        let normalization = config.bool("reward.normalize")
            ? try RewardNormalization.read(modelDirectory: URL(fileURLWithPath: path)) : nil
        return RewardModelScorer(model: model, normalization: normalization, padToken: padToken)
    }

    static func critic(config: RunConfig, policy: LlamaModel, seed: UInt64,
                       load: (String, String) throws -> LlamaModel) throws -> LlamaModel {
        let path = config.optionalString("model.critic") ?? (config.optionalString("reward.scorer") == nil ? config.optionalString("model.reward") : nil)
        guard let path else { return try RewardModelStage.rewardModel(fromTrunkOf: policy, headStd: 0, seed: seed) }
        let critic = try load(path, "critic")
        guard critic.head == .scalar else { throw PPOError.incompatible("the critic \(path) must be a scalar-head model") }
        return critic
    }
}
