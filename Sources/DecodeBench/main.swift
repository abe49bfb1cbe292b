// decode-bench: utterances per second of best-path and prefix beam search on synthetic CTC posteriors.
//
// Input generation follows ../shared/peers/bench_decode.py (same recipe, our seeded generator):
// 100 utterances, T = 200 frames, K = 30 classes (blank 0, space 1, 28 symbols), log-softmax of
// N(0,1) logits; "peaky" adds +8 to one class per frame along a mostly-blank path with 20 labels
// held 1–4 frames each (top posterior ≈ 0.99); "flat" leaves them near uniform.
// Run: swift run -c release decode-bench [--reps 3]
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
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    if a == "--reps", let v = arguments.next().flatMap(Int.init), v > 0 { reps = v } else {
        FileHandle.standardError.write("usage: decode-bench [--reps N]\n".data(using: .utf8)!)
        exit(2)
    }
}

let alphabet = ["<blank>", " "] + "abcdefghijklmnopqrstuvwxyz'.".map { String($0) }
print("| emissions | decoder | beam | pruning | s per 100 utts (median of \(reps)) | utt/s | same as greedy |")
print("|---|---|---|---|---|---|---|")
for peaky in [true, false] {
    let data = emissions(peaky: peaky, seed: 11)
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
        print("| \(peaky ? "peaky" : "flat") | \(name) | \(beam) | \(pruning) | \(String(format: "%.4f", median)) | \(String(format: "%.0f", Double(n) / median)) | \(Double(agree) / Double(n)) |")
    }
    run("best path", beam: "-", pruning: "-") { bestPathDecode(logProbs: $0).tokens }
    for width in [16, 64] {
        let pruned = CTCDecoder(alphabet: alphabet, options: BeamSearchOptions(beamWidth: width))
        try run("prefix beam search", beam: "\(width)", pruning: "token −5, beam 10") { try pruned.decode(logProbs: $0)[0].tokens }
        let exact = CTCDecoder(alphabet: alphabet, options: .exact(beamWidth: width))
        try run("prefix beam search", beam: "\(width)", pruning: "none") { try exact.decode(logProbs: $0)[0].tokens }
    }
}
