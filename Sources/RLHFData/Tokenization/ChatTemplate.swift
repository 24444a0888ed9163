/// How prompts, responses and conversations become tokens, with a mask marking the tokens a
/// model is trained to produce.
///
/// Each message is rendered as its role's `prefix`, the content, and its role's `suffix`. An
/// assistant turn's prefix belongs to the prompt (the policy is given it and generates from
/// there); its content and suffix, plus EOS after the final assistant turn, are the response.
/// Text is tokenized in pieces split exactly at those boundaries, so masks are exact and the
/// prompt part of `encode(prompt:response:)` is always `encodePrompt(prompt)`.
///
/// One exception to the split: a single space ending an assistant prefix is tokenized with the
/// response, because BPE vocabularies attach spaces to the word that follows ("ĠHello",
/// "▁Hello"). So `.humanAssistant` gives the prompt "…\n\nAssistant:" and the response
/// " Hello", which is exactly how Anthropic HH data is written.
///
/// With sentencepiece-style tokenizers (llama2.c, Llama), every piece gets the tokenizer's
/// dummy-prefix space, since each is encoded as a separate text.
public struct ChatTemplate: Equatable, Sendable {
    /// The text around the content of one role's messages.
    public struct Turn: Equatable, Sendable {
        /// Text before the content, e.g. "<|im_start|>user\n".
        public var prefix: String
        /// Text after the content, e.g. "<|im_end|>\n"; part of the response for the assistant.
        public var suffix: String

        public init(prefix: String = "", suffix: String = "") {
            self.prefix = prefix
            self.suffix = suffix
        }
    }

    /// The text around system messages.
    public var system: Turn
    /// The text around user messages, and around the prompt of a prompt-response pair.
    public var user: Turn
    /// The text around assistant messages, and around the response of a prompt-response pair.
    public var assistant: Turn
    /// Whether to start every sequence with the tokenizer's BOS, when it has one.
    public var addBOS: Bool
    /// Whether to end the final assistant response with the tokenizer's EOS, when it has one.
    /// The EOS is part of the response, so the model learns to stop.
    public var addEOS: Bool

    public init(system: Turn = Turn(), user: Turn = Turn(), assistant: Turn = Turn(), addBOS: Bool = true, addEOS: Bool = true) {
        self.system = system
        self.user = user
        self.assistant = assistant
        self.addBOS = addBOS
        self.addEOS = addEOS
    }

    /// Prompt and response concatenated verbatim: for data whose prompts already carry their
    /// format (Anthropic HH's "\n\nHuman: … \n\nAssistant:") and for plain-text stories.
    public static let plain = ChatTemplate()

    /// Anthropic HH's format: "\n\nHuman: {content}" and "\n\nAssistant: {content}".
    public static let humanAssistant = ChatTemplate(
        user: Turn(prefix: "\n\nHuman: "),
        assistant: Turn(prefix: "\n\nAssistant: ")
    )

    /// ChatML: "<|im_start|>{role}\n{content}<|im_end|>\n".
    public static let chatML = ChatTemplate(
        system: Turn(prefix: "<|im_start|>system\n", suffix: "<|im_end|>\n"),
        user: Turn(prefix: "<|im_start|>user\n", suffix: "<|im_end|>\n"),
        assistant: Turn(prefix: "<|im_start|>assistant\n", suffix: "<|im_end|>\n")
    )

    /// The names `init(preset:)` accepts, as config files spell them.
    public static let presetNames = ["plain", "human-assistant", "chatml"]

    /// The preset called `name` (one of `presetNames`).
    public init(preset name: String) throws(TokenizerError) {
        switch name {
        case "plain": self = .plain
        case "human-assistant": self = .humanAssistant
        case "chatml": self = .chatML
        default: throw .unknownChatTemplate(name: name)
        }
    }

    /// The prefix and suffix of `role`'s messages.
    public func turn(for role: ChatMessage.Role) -> Turn {
        switch role {
        case .system: system
        case .user: user
        case .assistant: assistant
        }
    }

    /// What a policy generates from: BOS, the prompt as a user turn, and the assistant prefix.
    public func encodePrompt(_ prompt: String, with tokenizer: any Tokenizer) -> [Int32] {
        let example = encode(messages: [ChatMessage(role: .user, content: prompt)], with: tokenizer, openAssistantTurn: true)
        return example.tokens
    }

    /// A prompt-response pair as one sequence: `encodePrompt(prompt)`, then the response, the
    /// assistant suffix and EOS, all masked in.
    public func encode(prompt: String, response: String, with tokenizer: any Tokenizer) -> TokenizedExample {
        encode(messages: [ChatMessage(role: .user, content: prompt), ChatMessage(role: .assistant, content: response)], with: tokenizer)
    }

    /// A conversation as one sequence, with every assistant turn's content and suffix masked
    /// in (and EOS, when the conversation ends with an assistant turn).
    public func encode(messages: [ChatMessage], with tokenizer: any Tokenizer) -> TokenizedExample {
        encode(messages: messages, with: tokenizer, openAssistantTurn: false)
    }

    /// Renders `messages` into pieces of prompt and response text and tokenizes each piece;
    /// with `openAssistantTurn`, ends with the prompt part of an assistant prefix.
    private func encode(messages: [ChatMessage], with tokenizer: any Tokenizer, openAssistantTurn: Bool) -> TokenizedExample {
        let (promptPrefix, responsePrefix) = splitAssistantPrefix()
        var pieces: [(text: String, isResponse: Bool)] = [("", false)]
        func append(_ text: String, isResponse: Bool) {
            if pieces[pieces.count - 1].isResponse == isResponse {
                pieces[pieces.count - 1].text += text
            } else {
                pieces.append((text, isResponse))
            }
        }
        for message in messages {
            let turn = turn(for: message.role)
            if message.role == .assistant {
                append(promptPrefix, isResponse: false)
                append(responsePrefix + message.content + turn.suffix, isResponse: true)
            } else {
                append(turn.prefix + message.content + turn.suffix, isResponse: false)
            }
        }
        if openAssistantTurn {
            append(promptPrefix, isResponse: false)
        }

        var tokens: [Int32] = []
        var mask: [Bool] = []
        if addBOS, let bos = tokenizer.specialTokens.bos {
            tokens.append(bos)
            mask.append(false)
        }
        for piece in pieces where !piece.text.isEmpty {
            let ids = tokenizer.encode(piece.text)
            tokens += ids
            mask += Array(repeating: piece.isResponse, count: ids.count)
        }
        if addEOS, !openAssistantTurn, messages.last?.role == .assistant, let eos = tokenizer.specialTokens.eos {
            tokens.append(eos)
            mask.append(true)
        }
        return TokenizedExample(tokens: tokens, responseMask: mask, promptLength: mask.firstIndex(of: true) ?? tokens.count)
    }

    /// The assistant prefix as (prompt part, response part): a final single space goes with
    /// the response, where BPE vocabularies expect it.
    private func splitAssistantPrefix() -> (String, String) {
        let utf8 = Array(assistant.prefix.utf8)
        guard utf8.last == 0x20 else { return (assistant.prefix, "") }
        return (String(decoding: utf8.dropLast(), as: UTF8.self), " ")
    }
}
