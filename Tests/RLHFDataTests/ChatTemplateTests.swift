import Foundation
import RLHFCore
import RLHFData
import Testing

@Suite struct ChatTemplateTests {
    static let presets: [ChatTemplate] = [.plain, .humanAssistant, .chatML]
    /// A GPT-2-style tokenizer (EOS, no BOS) and a Llama-style one (BOS and EOS).
    static let fixtureNames = ["bytelevel.json", "bytefallback.json"]

    static let conversation = [
        ChatMessage(role: .system, content: "Be brief."),
        ChatMessage(role: .user, content: "Hi there"),
        ChatMessage(role: .assistant, content: "Hello! How can I help?"),
        ChatMessage(role: .user, content: "Count to 3."),
        ChatMessage(role: .assistant, content: "1, 2, 3."),
    ]

    /// The text a response piece is tokenized as: an assistant prefix's final space, the
    /// content, the suffix.
    static func responseText(_ content: String, _ template: ChatTemplate) -> String {
        (template.assistant.prefix.hasSuffix(" ") ? " " : "") + content + template.assistant.suffix
    }

    /// Maximal runs of equal mask values, as (start, end, value).
    static func runs(_ mask: [Bool]) -> [(Range<Int>, Bool)] {
        var runs: [(Range<Int>, Bool)] = []
        var start = 0
        for index in 1...mask.count where index == mask.count || mask[index] != mask[start] {
            runs.append((start..<index, mask[start]))
            start = index
        }
        return runs
    }

    /// Invariants of `encode(prompt:response:)` that hold for every template and tokenizer.
    static func checkPromptResponse(_ template: ChatTemplate, _ tokenizer: any Tokenizer, prompt: String, response: String) {
        let example = template.encode(prompt: prompt, response: response, with: tokenizer)
        let promptTokens = template.encodePrompt(prompt, with: tokenizer)
        #expect(example.tokens.count == example.responseMask.count)
        #expect(Array(example.tokens.prefix(example.promptLength)) == promptTokens)
        #expect(example.promptLength == promptTokens.count)
        #expect(example.responseMask == Array(repeating: false, count: example.promptLength)
            + Array(repeating: true, count: example.tokens.count - example.promptLength))

        var responseTokens = tokenizer.encode(responseText(response, template))
        if let eos = tokenizer.specialTokens.eos { responseTokens.append(eos) }
        #expect(Array(example.tokens[example.promptLength...]) == responseTokens)
        if let bos = tokenizer.specialTokens.bos {
            #expect(example.tokens.first == bos)
        }
    }

    /// Invariants of `encode(messages:)` for `conversation`.
    static func checkConversation(_ template: ChatTemplate, _ tokenizer: any Tokenizer) {
        let example = template.encode(messages: conversation, with: tokenizer)
        #expect(example.tokens.count == example.responseMask.count)
        let runs = runs(example.responseMask)
        #expect(runs.map(\.1) == [false, true, false, true])
        #expect(example.promptLength == runs[0].0.upperBound)

        let eos = tokenizer.specialTokens.eos
        let answers = conversation.filter { $0.role == .assistant }.map(\.content)
        for ((range, _), answer) in zip(runs.filter(\.1), answers) {
            var expected = tokenizer.encode(responseText(answer, template))
            if range.upperBound == example.tokens.count, let eos { expected.append(eos) }
            #expect(Array(example.tokens[range]) == expected)
        }

        // Without a final assistant turn nothing is masked in after the last answer, and no EOS.
        let open = template.encode(messages: Array(conversation.dropLast()), with: tokenizer)
        #expect(open.responseMask.last == false)
        #expect(eos == nil || open.tokens.last != eos)
        let promptOnly = template.encode(messages: [conversation[1]], with: tokenizer)
        #expect(promptOnly.promptLength == promptOnly.tokens.count)
        #expect(!promptOnly.responseMask.contains(true))
    }

    @Test("prompt-response masks and prompt tokens", arguments: presets, fixtureNames)
    func promptResponse(template: ChatTemplate, name: String) throws {
        let tokenizer = try TokenizerFixtures.load(name)
        Self.checkPromptResponse(template, tokenizer, prompt: "What is 2+2?", response: "It is 4.")
        Self.checkPromptResponse(template, tokenizer, prompt: "Tell me a story", response: "Once upon a time 🦊\nthe end")
        Self.checkPromptResponse(template, tokenizer, prompt: "", response: "x")
    }

    @Test("multi-turn masks cover exactly the assistant turns", arguments: presets, fixtureNames)
    func multiTurn(template: ChatTemplate, name: String) throws {
        Self.checkConversation(template, try TokenizerFixtures.load(name))
    }

    @Test("templates render the documented text")
    func renderedText() throws {
        let tokenizer = try TokenizerFixtures.load("bytelevel.json")
        func text(_ template: ChatTemplate) -> String {
            tokenizer.decode(template.encode(prompt: "Hi", response: "Hello", with: tokenizer).tokens)
        }
        #expect(text(.plain) == "HiHello")
        #expect(text(.humanAssistant) == "\n\nHuman: Hi\n\nAssistant: Hello")
        #expect(text(.chatML) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n")
        #expect(tokenizer.decode(ChatTemplate.humanAssistant.encodePrompt("Hi", with: tokenizer)) == "\n\nHuman: Hi\n\nAssistant:")

        let conversation = tokenizer.decode(ChatTemplate.chatML.encode(messages: Self.conversation, with: tokenizer).tokens)
        #expect(conversation.hasPrefix("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n"))
        #expect(conversation.hasSuffix("<|im_start|>assistant\n1, 2, 3.<|im_end|>\n"))
    }

    @Test("Anthropic HH text under .plain tokenizes like .humanAssistant")
    func anthropicHH() throws {
        let tokenizer = try TokenizerFixtures.load("bytelevel.json")
        let raw = ChatTemplate.plain.encode(prompt: "\n\nHuman: What is 2+2?\n\nAssistant:", response: " It is 4.", with: tokenizer)
        let structured = ChatTemplate.humanAssistant.encode(prompt: "What is 2+2?", response: "It is 4.", with: tokenizer)
        #expect(raw == structured)
    }

    @Test("BOS and EOS follow the flags and the tokenizer")
    func bosAndEOS() throws {
        let llamaStyle = try TokenizerFixtures.load("bytefallback.json")
        let both = ChatTemplate.plain.encode(prompt: "a", response: "b", with: llamaStyle)
        #expect(both.tokens.first == 1)
        #expect(both.tokens.last == 2)
        #expect(both.responseMask.first == false && both.responseMask.last == true)

        var bare = ChatTemplate.plain
        bare.addBOS = false
        bare.addEOS = false
        let neither = bare.encode(prompt: "a", response: "b", with: llamaStyle)
        #expect(neither.tokens == llamaStyle.encode("a") + llamaStyle.encode("b"))
        #expect(neither.promptLength == llamaStyle.encode("a").count)

        // A GPT-2-style tokenizer has no BOS, so none is added.
        let byteLevel = try TokenizerFixtures.load("bytelevel.json")
        let example = ChatTemplate.plain.encode(prompt: "a", response: "b", with: byteLevel)
        #expect(example.tokens == byteLevel.encode("a") + byteLevel.encode("b") + [try #require(byteLevel.specialTokens.eos)])
    }

    @Test("presets are found by name")
    func presetNames() throws {
        #expect(try ChatTemplate(preset: "plain") == .plain)
        #expect(try ChatTemplate(preset: "human-assistant") == .humanAssistant)
        #expect(try ChatTemplate(preset: "chatml") == .chatML)
        #expect(try ChatTemplate.presetNames.map { name throws(TokenizerError) in try ChatTemplate(preset: name) } == Self.presets)
        #expect(throws: TokenizerError.unknownChatTemplate(name: "alpaca")) { try ChatTemplate(preset: "alpaca") }
        #expect(TokenizerError.unknownChatTemplate(name: "alpaca").description.contains("plain, human-assistant, chatml"))
    }

    @Test("every preset works with the llama2.c tokenizer", .enabled(if: TokenizerFixtures.hasLlama2cTokenizer, "needs ../shared/data/stories260k/tok512.bin"))
    func llama2c() throws {
        let tokenizer = try loadTokenizer(at: TokenizerFixtures.llama2cTokenizer)
        for template in Self.presets {
            Self.checkPromptResponse(template, tokenizer, prompt: "Once upon a time", response: "there was a cat.")
            Self.checkConversation(template, tokenizer)
        }
        #expect(tokenizer.decode(ChatTemplate.plain.encodePrompt("Once upon a time", with: tokenizer)) == "Once upon a time")
    }
}
