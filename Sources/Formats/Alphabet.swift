// Alphabet: the label set of a CTC model (blank at index 0), and how label text becomes tokens.
import Foundation
import Tensors

/// How the text of a Kaldi `text` line is cut into tokens.
public enum TokenUnit: String, Sendable, CaseIterable {
    /// Every character is a token, spaces included (handwriting: "a cat" → a, ␠, c, a, t).
    case characters = "chars"
    /// Every whitespace-separated word is a token (digit strings: "4 1 9" → 4, 1, 9).
    case words

    /// The tokens of a label text given as its whitespace-separated fields.
    public func tokens(of fields: [String]) -> [String] {
        switch self {
        case .words: return fields
        case .characters: return fields.joined(separator: " ").map { String($0) }
        }
    }

    /// The text a token sequence stands for (the inverse of `tokens(of:)` up to white space).
    public func text(of tokens: [String]) -> String {
        switch self {
        case .words: return tokens.joined(separator: " ")
        case .characters: return tokens.joined()
        }
    }
}

/// The output alphabet of a CTC network: index 0 is the blank, indices 1… are the tokens.
///
/// Graves et al. (2006) extend the label set L with a blank to L′ = L ∪ {blank}; this type
/// fixes the blank at 0 (as PyTorch's `ctc_loss` does by default) and stores the order, since
/// a saved model's output layer depends on it.
public struct Alphabet: Equatable, Sendable {
    /// The blank's printable name.
    public static let blankSymbol = "<blk>"
    /// The index of the blank.
    public static let blank = 0

    /// All symbols, the blank first.
    public let symbols: [String]
    private let indexOf: [String: Int]

    /// An alphabet of `tokens` (without the blank) in the given order; tokens must be unique and non-empty.
    public init(tokens: [String]) throws {
        var seen: [String: Int] = [:]
        for (i, t) in tokens.enumerated() {
            guard !t.isEmpty else { throw InputError(file: "alphabet", place: "token \(i + 1)", "empty token") }
            guard t != Alphabet.blankSymbol else {
                throw InputError(file: "alphabet", place: "token \(i + 1)", "\(Alphabet.blankSymbol) is reserved for the blank")
            }
            guard seen[t] == nil else { throw InputError(file: "alphabet", place: "token \(i + 1)", "duplicate token \"\(t)\"") }
            seen[t] = i + 1
        }
        symbols = [Alphabet.blankSymbol] + tokens
        indexOf = seen
    }

    /// The alphabet of every token that occurs in `labels`, sorted by Unicode scalars (so it is
    /// reproducible). A label that spells the blank's symbol is left out here; `encode` reports it.
    public init(collecting labels: [[String]]) {
        let unique = Set(labels.joined()).subtracting([Alphabet.blankSymbol, ""])
        let sorted = unique.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        symbols = [Alphabet.blankSymbol] + sorted
        indexOf = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0 + 1) })
    }

    /// Number of symbols including the blank (the width of the network's output layer).
    public var count: Int { symbols.count }

    /// The tokens without the blank.
    public var tokens: ArraySlice<String> { symbols.dropFirst() }

    /// The index of `token` (1…), or nil when it is not in the alphabet.
    public func index(of token: String) -> Int? { indexOf[token] }

    /// Indices of `tokens`; an unknown token is an error naming the file, the utterance and the token.
    public func encode(_ tokens: [String], file: String, key: String) throws -> [Int] {
        try tokens.map { t in
            guard let i = indexOf[t] else {
                throw InputError(file: file, place: key, "label \"\(t)\" is not in the model's alphabet (\(count - 1) tokens)")
            }
            return i
        }
    }

    /// The tokens for `indices` (blank included as its symbol).
    public func decode(_ indices: [Int]) -> [String] { indices.map { symbols[$0] } }

    /// The tokens as a JSON array (the form stored in a model's metadata).
    public var json: String {
        let data = try! JSONSerialization.data(withJSONObject: Array(tokens), options: [])
        return String(decoding: data, as: UTF8.self)
    }

    /// An alphabet from its JSON form (`json`).
    public init(json: String, file: String) throws {
        guard let array = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String] else {
            throw InputError(file: file, place: "alphabet", "expected a JSON array of token strings")
        }
        do { try self.init(tokens: array) } catch let e as InputError {
            throw InputError(file: file, place: e.place, e.message)
        }
    }
}
