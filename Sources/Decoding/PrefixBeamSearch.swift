// PrefixBeamSearch: CTC prefix beam search in log space, one frame at a time (streaming state).
import Foundation
import Tensors

/// The state of a CTC prefix beam search (Graves 2012 §7.5 "prefix search decoding"; Hannun et al.
/// 2014, "First-pass large vocabulary continuous speech recognition using bi-directional recurrent
/// DNNs", Algorithm 1), advanced one frame of log-probabilities at a time.
///
/// For each prefix ℓ it keeps log p_b(ℓ) and log p_nb(ℓ), the probability that the frames so far
/// collapse to ℓ with the last frame blank or not. A frame with log-probabilities y:
///
///     p_b(ℓ)   ← (p_b(ℓ) + p_nb(ℓ)) · y_blank
///     p_nb(ℓ)  ← p_nb(ℓ) · y_last(ℓ)                        (the last token repeated)
///     p_nb(ℓc) ← (p_b(ℓ) + p_nb(ℓ)) · y_c    for c ≠ last(ℓ)
///     p_nb(ℓc) ← p_b(ℓ) · y_c                for c = last(ℓ)  (a repeat needs a blank between)
///
/// summed (log-added) when several terms reach the same prefix. Prefixes live in a `PrefixTrie`
/// with integer ids, so merging is an array lookup, never a string hash. The `beamWidth` prefixes
/// with the highest ranking score log(p_b + p_nb) + α·log p_lm + β·|units| survive (selected in
/// O(n) by quickselect). With no pruning and a beam at least as wide as the number of prefixes the
/// result is exact: log(p_b + p_nb) is the sum over all alignments of each label sequence.
///
/// Timing: beside the sums, each prefix carries the same recursion with max in place of sum
/// (Viterbi) and the token spans of that best single alignment (`TimingRecords`); a hypothesis's
/// token start and end frames are those of its most probable alignment within the beam.
public struct PrefixBeamSearch: Sendable {
    public let decoder: CTCDecoder
    private var trie: PrefixTrie
    private var records = TimingRecords()
    // The beam: prefix node, log p_b, log p_nb, and the best alignment ending in blank (log prob,
    // timing record, end of its last token) and in non-blank (log prob, record; last token ends now).
    private var beamNode: [Int32] = [0]
    private var beamPb: [Float] = [0]
    private var beamPnb: [Float] = [-.infinity]
    private var beamVb: [Float] = [0]
    private var beamRecB: [Int32] = [-1]
    private var beamEndB: [Int32] = [-1]
    private var beamVnb: [Float] = [-.infinity]
    private var beamRecNb: [Int32] = [-1]
    // Per trie node: candidate slot in the current frame (valid when slotStamp == generation).
    private var slotOfNode: [Int32] = [-1]
    private var slotStamp: [UInt32] = [0]
    private var generation: UInt32 = 0
    // Candidates of the current frame (structure of arrays, capacity beamWidth · K). A new prefix
    // has cNode = −1 and is (cParent, cToken). cRecNb = −2 marks a best non-blank alignment that
    // starts its last token in this frame, after record cPendPrev ending at cPendEnd.
    private var cNode: [Int32] = [], cParent: [Int32] = [], cToken: [Int32] = []
    private var cPb: [Float] = [], cPnb: [Float] = [], cScore: [Float] = []
    private var cVb: [Float] = [], cRecB: [Int32] = [], cEndB: [Int32] = []
    private var cVnb: [Float] = [], cRecNb: [Int32] = [], cPendPrev: [Int32] = [], cPendEnd: [Int32] = []
    private var cLM: [PrefixLMState] = []
    private var candidateCount = 0
    private var order: [Int32] = []
    private var tokens: [Int32] = []
    /// Every frame seen so far (row-major, for the per-token confidences).
    private var frames: [Float] = []
    /// Frames consumed so far.
    public private(set) var frameCount = 0

    init(decoder: CTCDecoder) {
        self.decoder = decoder
        trie = PrefixTrie(initial: decoder.scorer.initial)
        let capacity = max(1, decoder.options.beamWidth) * max(1, decoder.alphabet.count)
        let ints = [Int32](repeating: -1, count: capacity)
        let floats = [Float](repeating: -.infinity, count: capacity)
        cNode = ints; cParent = ints; cToken = ints; cRecB = ints; cEndB = ints; cRecNb = ints
        cPendPrev = ints; cPendEnd = ints
        cPb = floats; cPnb = floats; cScore = floats; cVb = floats; cVnb = floats
        cLM = [PrefixLMState](repeating: decoder.scorer.initial, count: capacity)
        order = [Int32](repeating: 0, count: capacity)
        tokens.reserveCapacity(decoder.alphabet.count)
    }

    /// Consumes one frame of K log-probabilities (K = alphabet size).
    public mutating func advance(frame: [Float]) {
        precondition(frame.count == decoder.alphabet.count, "frame has \(frame.count) classes, alphabet \(decoder.alphabet.count)")
        frame.withUnsafeBufferPointer { advance(frame: $0) }
    }

    /// Consumes every row of a T × K matrix.
    public mutating func advance(logProbs: Matrix) {
        precondition(logProbs.cols == decoder.alphabet.count, "matrix has \(logProbs.cols) classes, alphabet \(decoder.alphabet.count)")
        logProbs.data.withUnsafeBufferPointer { all in
            for r in 0..<logProbs.rows {
                advance(frame: UnsafeBufferPointer(rebasing: all[(r * logProbs.cols)..<((r + 1) * logProbs.cols)]))
            }
        }
    }

    /// Consumes one frame of K log-probabilities.
    public mutating func advance(frame lp: UnsafeBufferPointer<Float>) {
        let k = decoder.alphabet.count, blank = decoder.blank
        let options = decoder.options
        let t = Int32(frameCount)
        frames.append(contentsOf: lp)

        // Tokens tried as extensions in this frame (token pruning keeps the best non-blank one).
        tokens.removeAll(keepingCapacity: true)
        var bestToken = -1
        var bestValue = -Float.infinity
        for c in 0..<k where c != blank && (bestToken < 0 || lp[c] > bestValue) {
            bestToken = c
            bestValue = lp[c]
        }
        for c in 0..<k where c != blank && lp[c] > -.infinity {
            if let threshold = options.tokenMinLogProb, lp[c] < threshold, c != bestToken { continue }
            tokens.append(Int32(c))
        }

        // Expand every prefix of the beam into the candidates of this frame.
        generation &+= 1
        candidateCount = 0
        let lpBlank = lp[blank]
        for i in 0..<beamNode.count {
            let n = beamNode[i], pb = beamPb[i], pnb = beamPnb[i]
            let vb = beamVb[i], vnb = beamVnb[i]
            let total = logAddExp(pb, pnb)
            // Blank: ℓ stays, now ending in blank.
            let own = slot(existing: n)
            cPb[own] = logAddExp(cPb[own], total + lpBlank)
            let vBlank = (vnb > vb ? vnb : vb) + lpBlank
            if vBlank > cVb[own] {
                cVb[own] = vBlank
                if vnb > vb { cRecB[own] = beamRecNb[i]; cEndB[own] = t - 1 } else { cRecB[own] = beamRecB[i]; cEndB[own] = beamEndB[i] }
            }
            // The last token repeated: ℓ stays, ending in non-blank.
            let last = trie.token[Int(n)]
            if n != 0 {
                let y = lp[Int(last)]
                cPnb[own] = logAddExp(cPnb[own], pnb + y)
                if vnb + y > cVnb[own] { cVnb[own] = vnb + y; cRecNb[own] = beamRecNb[i] }
            }
            // Extensions ℓ → ℓc.
            for c in tokens {
                let repeated = c == last
                let source = repeated ? pb : total
                if source == -.infinity { continue }
                let child = trie.child(n, c)
                let s: Int
                if child >= 0 {
                    s = slot(existing: child)
                } else {
                    guard let state = decoder.scorer.extend(trie.lm[Int(n)], token: Int(c)) else { continue }
                    s = newSlot(node: -1, lm: state)
                    cParent[s] = n
                    cToken[s] = c
                }
                let y = lp[Int(c)]
                cPnb[s] = logAddExp(cPnb[s], source + y)
                let fromNb = !repeated && vnb > vb
                let v = (fromNb ? vnb : vb) + y
                if v > cVnb[s] {
                    cVnb[s] = v
                    cRecNb[s] = -2
                    if fromNb { cPendPrev[s] = beamRecNb[i]; cPendEnd[s] = t - 1 } else { cPendPrev[s] = beamRecB[i]; cPendEnd[s] = beamEndB[i] }
                }
            }
        }

        // Rank, prune, and keep the best beamWidth candidates.
        let alpha = options.lmWeight, beta = options.wordBonus
        var best = -Float.infinity
        for s in 0..<candidateCount {
            let lm = cLM[s]
            let score = logAddExp(cPb[s], cPnb[s]) + alpha * lm.lmScore + beta * Float(lm.units)
            cScore[s] = score
            if score > best { best = score }
        }
        let floor = options.beamPruneLogProb.map { best - $0 } ?? -.infinity
        var kept = 0
        for s in 0..<candidateCount where cScore[s] > -.infinity && cScore[s] >= floor {
            order[kept] = Int32(s)
            kept += 1
        }
        let width = max(1, options.beamWidth)
        if kept > width { selectTop(width, of: kept) }
        kept = min(kept, width)

        beamNode.removeAll(keepingCapacity: true)
        beamPb.removeAll(keepingCapacity: true)
        beamPnb.removeAll(keepingCapacity: true)
        beamVb.removeAll(keepingCapacity: true)
        beamRecB.removeAll(keepingCapacity: true)
        beamEndB.removeAll(keepingCapacity: true)
        beamVnb.removeAll(keepingCapacity: true)
        beamRecNb.removeAll(keepingCapacity: true)
        for j in 0..<kept {
            let s = Int(order[j])
            var node = cNode[s]
            if node < 0 {
                node = trie.addChild(cParent[s], cToken[s], lm: cLM[s])
                slotOfNode.append(-1)
                slotStamp.append(0)
            }
            var recNb = cRecNb[s]
            if recNb == -2 { recNb = records.add(start: t, previous: cPendPrev[s], previousEnd: cPendEnd[s]) }
            beamNode.append(node)
            beamPb.append(cPb[s])
            beamPnb.append(cPnb[s])
            beamVb.append(cVb[s])
            beamRecB.append(cRecB[s])
            beamEndB.append(cEndB[s])
            beamVnb.append(cVnb[s])
            beamRecNb.append(recNb)
        }
        frameCount += 1
    }

    /// A fresh candidate slot with no probability mass yet.
    @inline(__always)
    private mutating func newSlot(node: Int32, lm: PrefixLMState) -> Int {
        let s = candidateCount
        candidateCount += 1
        cNode[s] = node
        cPb[s] = -.infinity
        cPnb[s] = -.infinity
        cVb[s] = -.infinity
        cVnb[s] = -.infinity
        cRecB[s] = -1
        cRecNb[s] = -1
        cLM[s] = lm
        return s
    }

    /// The candidate slot of an existing trie node in this frame, created on first use.
    @inline(__always)
    private mutating func slot(existing node: Int32) -> Int {
        let n = Int(node)
        if slotStamp[n] == generation { return Int(slotOfNode[n]) }
        let s = newSlot(node: node, lm: trie.lm[n])
        slotStamp[n] = generation
        slotOfNode[n] = Int32(s)
        return s
    }

    /// Moves the `k` highest-scoring of `order[0..<count]` to the front (quickselect, median of three).
    private mutating func selectTop(_ k: Int, of count: Int) {
        var lo = 0, hi = count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let a = cScore[Int(order[lo])], b = cScore[Int(order[mid])], c = cScore[Int(order[hi])]
            let pivot = max(min(a, b), min(max(a, b), c))
            var i = lo, j = hi
            while i <= j {
                while cScore[Int(order[i])] > pivot { i += 1 }
                while cScore[Int(order[j])] < pivot { j -= 1 }
                if i <= j {
                    order.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            // Now order[lo...j] ≥ pivot ≥ order[i...hi].
            if k - 1 <= j { hi = j } else if k - 1 >= i { lo = i } else { return }
        }
    }

    /// The best prefix so far by ranking score (no sentence end added), as a hypothesis.
    public func bestSoFar() -> Hypothesis {
        var bestIndex = 0
        var bestScore = -Float.infinity
        for i in 0..<beamNode.count {
            let lm = trie.lm[Int(beamNode[i])]
            let score = logAddExp(beamPb[i], beamPnb[i]) + decoder.options.lmWeight * lm.lmScore
                + decoder.options.wordBonus * Float(lm.units)
            if score > bestScore { bestScore = score; bestIndex = i }
        }
        return hypothesis(entry: bestIndex, lm: trie.lm[Int(beamNode[bestIndex])], score: bestScore)
    }

    /// The n-best hypotheses after the last frame, best first: pending words scored, the sentence
    /// end added, prefixes the lexicon rejects dropped (so the list can be empty with a lexicon).
    public func finish() -> [Hypothesis] {
        var finished: [(entry: Int, lm: PrefixLMState, score: Float)] = []
        for i in 0..<beamNode.count {
            guard let lm = decoder.scorer.finish(trie.lm[Int(beamNode[i])]) else { continue }
            let acoustic = logAddExp(beamPb[i], beamPnb[i])
            if acoustic == -.infinity { continue }
            let score = acoustic + decoder.options.lmWeight * lm.lmScore + decoder.options.wordBonus * Float(lm.units)
            finished.append((i, lm, score))
        }
        finished.sort { $0.score != $1.score ? $0.score > $1.score : beamNode[$0.entry] < beamNode[$1.entry] }
        return finished.prefix(max(1, decoder.options.nBest)).map { hypothesis(entry: $0.entry, lm: $0.lm, score: $0.score) }
    }

    private func hypothesis(entry: Int, lm: PrefixLMState, score: Float) -> Hypothesis {
        let tokenIDs = trie.tokens(of: beamNode[entry])
        let k = decoder.alphabet.count
        let endsInNb = beamVnb[entry] > beamVb[entry]
        let spans = endsInNb ? records.spans(beamRecNb[entry], lastEnd: Int32(frameCount - 1))
                             : records.spans(beamRecB[entry], lastEnd: beamEndB[entry])
        var starts: [Int] = [], ends: [Int] = [], confidences: [Float] = []
        for (i, span) in spans.enumerated() where i < tokenIDs.count {
            var sum: Float = 0
            for f in span.start...max(span.start, span.end) { sum += expf(frames[f * k + tokenIDs[i]]) }
            starts.append(span.start)
            ends.append(span.end)
            confidences.append(sum / Float(max(span.start, span.end) - span.start + 1))
        }
        return Hypothesis(tokens: tokenIDs, text: tokenText(tokenIDs, alphabet: decoder.alphabet), score: score,
                          acousticScore: logAddExp(beamPb[entry], beamPnb[entry]), lmScore: lm.lmScore,
                          wordCount: Int(lm.units), tokenStartFrames: starts, tokenEndFrames: ends,
                          confidences: confidences)
    }
}
