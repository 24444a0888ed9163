/// The whole-dialogue preference format of Anthropic's HH-RLHF data: `chosen` and `rejected` each
/// hold a full transcript, `"\n\nHuman: ...\n\nAssistant: ..."`, possibly of several turns, that
/// differ only in the last assistant reply.
enum AnthropicHH {
    /// The marker that opens an assistant turn.
    static let assistantMarker = "\n\nAssistant:"

    /// What a pair of dialogues splits into.
    enum Split: Equatable {
        /// The shared prompt, up to and including the last assistant marker, and the two replies.
        case pair(PreferencePair)
        /// Both dialogues are the same text, so they express no preference.
        case identical
        /// The dialogues differ before their last assistant marker, so they answer different prompts.
        case mismatchedPrompts
        /// The named dialogue (`"chosen"` or `"rejected"`) has no assistant marker.
        case missingMarker(field: String)
    }

    /// Splits two dialogues into their shared prompt and their replies.
    ///
    /// Texts are compared byte for byte rather than with `String`'s `==`, which would equate
    /// differently normalised Unicode and so call two different texts the same.
    static func split(chosen: String, rejected: String) -> Split {
        var chosen = chosen
        var rejected = rejected
        return chosen.withUTF8 { chosenBytes in
            rejected.withUTF8 { rejectedBytes in
                guard let chosenEnd = promptEnd(in: chosenBytes) else { return .missingMarker(field: "chosen") }
                guard let rejectedEnd = promptEnd(in: rejectedBytes) else { return .missingMarker(field: "rejected") }
                if chosenBytes.elementsEqual(rejectedBytes) {
                    return .identical
                }
                let prompt = chosenBytes[..<chosenEnd]
                guard prompt.elementsEqual(rejectedBytes[..<rejectedEnd]) else { return .mismatchedPrompts }
                // The marker is ASCII, so cutting just after it leaves valid UTF-8 on both sides.
                return .pair(PreferencePair(
                    prompt: String(decoding: prompt, as: UTF8.self),
                    chosen: String(decoding: chosenBytes[chosenEnd...], as: UTF8.self),
                    rejected: String(decoding: rejectedBytes[rejectedEnd...], as: UTF8.self)))
            }
        }
    }

    /// The prompt of one dialogue: the text up to and including its last assistant marker, or
    /// `nil` if there is none.
    static func prompt(of dialogue: String) -> String? {
        var dialogue = dialogue
        return dialogue.withUTF8 { bytes in
            promptEnd(in: bytes).map { String(decoding: bytes[..<$0], as: UTF8.self) }
        }
    }

    private static let markerBytes = Array(assistantMarker.utf8)

    /// The byte offset just past the last assistant marker in `bytes`, or `nil` if there is none.
    private static func promptEnd(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let marker = markerBytes
        var start = bytes.count - marker.count
        while start >= 0 {
            if bytes[start] == marker[0], bytes[start..<(start + marker.count)].elementsEqual(marker) {
                return start + marker.count
            }
            start -= 1
        }
        return nil
    }
}
