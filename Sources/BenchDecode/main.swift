// bench-decode: utterances per second of best-path and prefix beam search on synthetic CTC posteriors.
//
// Input generation follows ../shared/peers/bench_decode.py (same recipe, our seeded generator):
// 100 utterances, T = 200 frames, K = 30 classes (blank 0, space 1, 28 symbols), log-softmax of
// N(0,1) logits; "peaky" adds +8 to one class per frame along a mostly-blank path with 20 labels
// held 1–4 frames each (top posterior ≈ 0.99); "flat" leaves them near uniform.
// Run: swift run -c release bench-decode [--reps 3] [--json] [--dump DIR] [--load-arpa FILE]
// (scripts/bench decode runs it beside the peer). --json prints one JSON object per row instead of the table.
// --dump DIR writes the emissions (DIR/{peaky,flat}.f32: 100·200·30 float32, little-endian) and our
// top hypotheses with pyctcdecode-like pruning (DIR/{kind}-beam{16,64}.txt: token ids per line)
// for scripts/reference/compare-pyctcdecode.py.
import Foundation
import Tensors
import Decoding

let n = 100, frames = 200, classes = 30

func emissions(peaky: Bool, seed: UInt64) -> [Matrix] {
    var rng = SeededGenerator(seed: seed)
    return (0..<n).map { _ in
        var logits = Matrix(rows: frames, cols: classes)
        for i in 0..<logits.data.count { logits.data[i] = Float(rng.normal()) }
        if peaky {
            var path = [Int](repeating: 0, count: frames)
            var starts = Set<Int>()
            while starts.count < 20 { starts.insert(2 + Int(rng.next() % UInt64(frames - 8))) }
            for s in starts.sorted() {
                let hold = 1 + Int(rng.next() % 4), label = 1 + Int(rng.next() % UInt64(classes - 1))
                for f in s..<min(frames, s + hold) { path[f] = label }
            }
            for f in 0..<frames { logits[f, path[f]] += 8 }
        }
        for r in 0..<frames {
            var m = -Float.infinity
            for c in 0..<classes { m = max(m, logits[r, c]) }
            var s: Float = 0
            for c in 0..<classes { s += expf(logits[r, c] - m) }
            let lse = m + logf(s)
            for c in 0..<classes { logits[r, c] -= lse }
        }
        return logits
    }
}

var reps = 3
var dumpDirectory: String?
var jsonLines = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    if a == "--reps", let v = arguments.next().flatMap(Int.init), v > 0 {
        reps = v
    } else if a == "--json" {
        jsonLines = true
    } else if a == "--dump", let d = arguments.next() {
        dumpDirectory = d
    } else if a == "--load-arpa", let path = arguments.next() {
        // Times reading an ARPA file, then exits.
        let start = DispatchTime.now().uptimeNanoseconds
        let model = try NGramModel(path: path)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("\(path): n-grams per order \(model.counts), read in \(String(format: "%.2f", seconds)) s")
        exit(0)
    } else {
        FileHandle.standardError.write("usage: bench-decode [--reps N] [--json] [--dump DIR] [--load-arpa FILE]\n".data(using: .utf8)!)
        exit(2)
    }
}

let alphabet = ["<blank>", " "] + "abcdefghijklmnopqrstuvwxyz'.".map { String($0) }

// Language models for the fusion rows: a word 3-gram and a character 5-gram estimated by
// NGramBuilder from 2,000 seeded random sentences of 3–12 words drawn from 500 random words.
var textGenerator = SeededGenerator(seed: 5)
let letters = Array("abcdefghijklmnopqrstuvwxyz")
let lexicon = (0..<500).map { _ in String((0..<(2 + Int(textGenerator.next() % 7))).map { _ in letters[Int(textGenerator.next() % 26)] }) }
let sentences = (0..<2000).map { _ in (0..<(3 + Int(textGenerator.next() % 10))).map { _ in lexicon[Int(textGenerator.next() % 500)] }.joined(separator: " ") }
func languageModel(order: Int, unit: NGramUnit) throws -> NGramModel {
    var builder = NGramBuilder(order: order, unit: unit)
    for s in sentences { try builder.add(line: s) }
    return try NGramModel(arpa: builder.arpa(), file: "bench-\(unit.rawValue)\(order).arpa")
}
let wordLM = try languageModel(order: 3, unit: .word)
let charLM = try languageModel(order: 5, unit: .char)
if !jsonLines {
    print("| emissions | decoder | beam | pruning | s per 100 utts (median of \(reps)) | utt/s | same as greedy |")
    print("|---|---|---|---|---|---|---|")
}
for peaky in [true, false] {
    let data = emissions(peaky: peaky, seed: 11)
    let kind = peaky ? "peaky" : "flat"
    if let dir = dumpDirectory {
        var bytes = Data()
        for m in data { m.data.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        try bytes.write(to: URL(fileURLWithPath: dir).appendingPathComponent("\(kind).f32"))
        for width in [16, 64] {
            let decoder = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: width))
            let lines = try data.map { try decoder.decode(logProbs: $0)[0].tokens.map(String.init).joined(separator: " ") }
            try (lines.joined(separator: "\n") + "\n").write(to: URL(fileURLWithPath: dir).appendingPathComponent("\(kind)-beam\(width).txt"),
                                                           atomically: true, encoding: .utf8)
        }
    }
    let greedy = data.map { bestPathDecode(logProbs: $0).tokens }
    func run(_ name: String, beam: String, pruning: String, _ decodeOne: (Matrix) throws -> [Int]) rethrows {
        var times: [Double] = []
        var out: [[Int]] = []
        for _ in 0..<reps {
            let start = DispatchTime.now().uptimeNanoseconds
            out = try data.map(decodeOne)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let median = times.sorted()[times.count / 2]
        let agree = zip(out, greedy).filter { $0.0 == $0.1 }.count
        if jsonLines {
            print("{\"emissions\": \"\(kind)\", \"decoder\": \"\(name)\", \"beam\": \"\(beam)\", \"pruning\": \"\(pruning)\", \"s\": \(median), \"min_s\": \(times.min()!), \"max_s\": \(times.max()!), \"utt_per_s\": \(Double(n) / median), \"same_as_greedy\": \(Double(agree) / Double(n))}")
        } else {
            print("| \(kind) | \(name) | \(beam) | \(pruning) | \(String(format: "%.4f", median)) | \(String(format: "%.0f", Double(n) / median)) | \(Double(agree) / Double(n)) |")
        }
    }
    run("best path", beam: "-", pruning: "-") { bestPathDecode(logProbs: $0).tokens }
    for width in [16, 64] {
        let pruned = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: width))
        try run("prefix beam search", beam: "\(width)", pruning: "token −5, beam 10") { try pruned.decode(logProbs: $0)[0].tokens }
        let exact = CTCDecoder(alphabet: alphabet, options: .exact(beamWidth: width))
        try run("prefix beam search", beam: "\(width)", pruning: "none") { try exact.decode(logProbs: $0)[0].tokens }
    }
    let withWords = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: 16, wordBoundary: 1), languageModel: wordLM)
    try run("+ word 3-gram LM (α 0.5)", beam: "16", pruning: "token −5, beam 10") { try withWords.decode(logProbs: $0)[0].tokens }
    let withChars = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: 16, lmLevel: .token), languageModel: charLM)
    try run("+ char 5-gram LM (α 0.5)", beam: "16", pruning: "token −5, beam 10") { try withChars.decode(logProbs: $0)[0].tokens }
    let withLexicon = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: 16, wordBoundary: 1), lexicon: lexicon)
    try run("+ lexicon (500 words)", beam: "16", pruning: "token −5, beam 10") { try withLexicon.decode(logProbs: $0).first?.tokens ?? [] }
}
