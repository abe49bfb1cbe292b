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
/// with the highest ranking score log(p_b + p_nb) + α·log p_lm + β·|units| survive (selected by
/// a bounded min-heap in one pass, no sort). With no pruning and a beam at least as wide as the number of prefixes the
/// result is exact: log(p_b + p_nb) is the sum over all alignments of each label sequence.
///
/// Timing: beside the sums, each prefix carries the same recursion with max in place of sum
/// (Viterbi) and the token spans of that best single alignment (`TimingRecords`); a hypothesis's
/// token start and end frames are those of its most probable alignment within the beam.
public struct PrefixBeamSearch: Sendable {
    /// One prefix of the beam: its node, log p_b, log p_nb, and its best alignments ending in blank
    /// (log prob vb, timing record recB, end frame of its last token endB) and in non-blank (vnb,
    /// recNb; its last token ends at the current frame).
    struct Entry {
        var node: Int32
        var pb: Float, pnb: Float, vb: Float, vnb: Float
        var recB: Int32, endB: Int32, recNb: Int32
    }

    /// A candidate prefix of the next beam. A new prefix has node = −1 and is (parent, token).
    /// recNb = −2 marks a best non-blank alignment whose last token starts in this frame, after
    /// record pendPrev whose last token ended at pendEnd.
    struct Candidate {
        var node: Int32, parent: Int32, token: Int32
        var pb: Float, pnb: Float, vb: Float, vnb: Float, score: Float
        var recB: Int32, endB: Int32, recNb: Int32, pendPrev: Int32, pendEnd: Int32
        var lm: PrefixLMState
    }

    public let decoder: CTCDecoder
    private var trie: PrefixTrie
    private var records = TimingRecords()
    private var beam: [Entry]
    private var nextBeam: [Entry] = []
    // Per trie node: candidate slot in the current frame (valid when slotStamp == generation).
    private var slotOfNode: [Int32] = [-1]
    private var slotStamp: [UInt32] = [0]
    private var generation: UInt32 = 0
    private var candidates: [Candidate]
    private var order: [Int32]
    private var heapScores: [Float]
    private var tokens: [Int32] = []
    /// Every frame seen so far (row-major, for the per-token confidences).
    private var frames: [Float] = []
    /// Frames consumed so far.
    public private(set) var frameCount = 0
    /// log p of the all-blank path (the empty output's only alignment).
    private var blankPathLogProb: Float = 0

    init(decoder: CTCDecoder) {
        self.decoder = decoder
        trie = PrefixTrie(initial: decoder.scorer.initial)
        beam = [Entry(node: 0, pb: 0, pnb: -.infinity, vb: 0, vnb: -.infinity, recB: -1, endB: -1, recNb: -1)]
        // Buffers grow with the beam actually reached (never sized from beamWidth alone, which may be huge).
        candidates = []
        order = []
        heapScores = []
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

    /// Consumes one frame of K log-probabilities (finite or −∞; `CTCDecoder.validate` checks a matrix).
    public mutating func advance(frame lp: UnsafeBufferPointer<Float>) {
        let k = decoder.alphabet.count, blank = decoder.blank
        precondition(lp.count == k && blank >= 0 && blank < k, "frame has \(lp.count) classes, alphabet \(k), blank \(blank)")
        let options = decoder.options
        let scorer = decoder.scorer
        let t = Int32(frameCount)
        frames.append(contentsOf: lp)
        blankPathLogProb += lp[blank]

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

        // At most one candidate per beam entry plus one per (entry, token) extension.
        let needed = beam.count * (tokens.count + 1)
        if candidates.count < needed {
            let blankCandidate = Candidate(node: -1, parent: -1, token: -1, pb: -.infinity, pnb: -.infinity, vb: -.infinity,
                                           vnb: -.infinity, score: -.infinity, recB: -1, endB: -1, recNb: -1,
                                           pendPrev: -1, pendEnd: -1, lm: scorer.initial)
            candidates += [Candidate](repeating: blankCandidate, count: needed - candidates.count)
            order += [Int32](repeating: 0, count: needed - order.count)
        }
        let heapSize = min(max(1, options.beamWidth), needed)
        if heapScores.count < heapSize { heapScores += [Float](repeating: 0, count: heapSize - heapScores.count) }

        // Work on owned buffers (moved out of self so that no copy-on-write check runs per access).
        generation &+= 1
        let stamp = generation
        var cand = candidates, slotOf = slotOfNode, stamps = slotStamp
        candidates = []; slotOfNode = []; slotStamp = []
        var count = 0
        do {
        // A local copy for reading; it ends with this block, before the trie grows below.
        let trie = self.trie
        cand.withUnsafeMutableBufferPointer { c in
        slotOf.withUnsafeMutableBufferPointer { slotOf in
        stamps.withUnsafeMutableBufferPointer { stamps in
        beam.withUnsafeBufferPointer { beam in
        tokens.withUnsafeBufferPointer { tokens in
            @inline(__always) func fresh(_ node: Int32, _ lm: PrefixLMState) -> Int {
                c[count] = Candidate(node: node, parent: -1, token: -1, pb: -.infinity, pnb: -.infinity, vb: -.infinity,
                                     vnb: -.infinity, score: -.infinity, recB: -1, endB: -1, recNb: -1, pendPrev: -1,
                                     pendEnd: -1, lm: lm)
                count += 1
                return count - 1
            }
            @inline(__always) func slot(_ node: Int32) -> Int {
                let n = Int(node)
                if stamps[n] == stamp { return Int(slotOf[n]) }
                let s = fresh(node, trie.lm[n])
                stamps[n] = stamp
                slotOf[n] = Int32(s)
                return s
            }
            let lpBlank = lp[blank]
            // Expand every prefix of the beam into the candidates of this frame.
            for e in beam {
                let n = e.node
                let total = logAddExp(e.pb, e.pnb)
                // Blank: ℓ stays, now ending in blank.
                let own = slot(n)
                c[own].pb = logAddExp(c[own].pb, total + lpBlank)
                let vBlank = max(e.vnb, e.vb) + lpBlank
                if vBlank > c[own].vb {
                    c[own].vb = vBlank
                    if e.vnb > e.vb { c[own].recB = e.recNb; c[own].endB = t - 1 } else { c[own].recB = e.recB; c[own].endB = e.endB }
                }
                // The last token repeated: ℓ stays, ending in non-blank.
                let last = trie.token[Int(n)]
                if n != 0 {
                    let y = lp[Int(last)]
                    c[own].pnb = logAddExp(c[own].pnb, e.pnb + y)
                    if e.vnb + y > c[own].vnb { c[own].vnb = e.vnb + y; c[own].recNb = e.recNb }
                }
                // Extensions ℓ → ℓc.
                for token in tokens {
                    let repeated = token == last
                    let source = repeated ? e.pb : total
                    if source == -.infinity { continue }
                    let child = trie.child(n, token)
                    let s: Int
                    if child >= 0 {
                        s = slot(child)
                    } else {
                        guard let state = scorer.extend(trie.lm[Int(n)], token: Int(token)) else { continue }
                        s = fresh(-1, state)
                        c[s].parent = n
                        c[s].token = token
                    }
                    let y = lp[Int(token)]
                    c[s].pnb = logAddExp(c[s].pnb, source + y)
                    let fromNb = !repeated && e.vnb > e.vb
                    let v = (fromNb ? e.vnb : e.vb) + y
                    if v > c[s].vnb {
                        c[s].vnb = v
                        c[s].recNb = -2
                        if fromNb { c[s].pendPrev = e.recNb; c[s].pendEnd = t - 1 } else { c[s].pendPrev = e.recB; c[s].pendEnd = e.endB }
                    }
                }
            }
        }}}}}
        }
        // Rank, prune, and keep the best beamWidth candidates.
        let alpha = options.lmWeight, beta = options.wordBonus
        let width = max(1, options.beamWidth)
        var kept = 0
        cand.withUnsafeMutableBufferPointer { c in
        order.withUnsafeMutableBufferPointer { order in
        heapScores.withUnsafeMutableBufferPointer { heap in
            var best = -Float.infinity
            for s in 0..<count {
                let score = logAddExp(c[s].pb, c[s].pnb) + alpha * c[s].lm.lmScore + beta * Float(c[s].lm.units)
                c[s].score = score
                if score > best { best = score }
            }
            let floor = options.beamPruneLogProb.map { best - $0 } ?? -.infinity
            // Top `width` by a min-heap of scores (root = the weakest kept): one sequential pass,
            // O(count · log width) at worst and far less when most candidates lose to the root.
            for s in 0..<count {
                let score = c[s].score
                if score == -.infinity || score < floor { continue }
                if kept < width {
                    var i = kept
                    kept += 1
                    while i > 0 {
                        let parent = (i - 1) / 2
                        if heap[parent] <= score { break }
                        heap[i] = heap[parent]
                        order[i] = order[parent]
                        i = parent
                    }
                    heap[i] = score
                    order[i] = Int32(s)
                } else if score > heap[0] {
                    var i = 0
                    while true {
                        let left = 2 * i + 1
                        if left >= kept { break }
                        let right = left + 1
                        let child = right < kept && heap[right] < heap[left] ? right : left
                        if heap[child] >= score { break }
                        heap[i] = heap[child]
                        order[i] = order[child]
                        i = child
                    }
                    heap[i] = score
                    order[i] = Int32(s)
                }
            }
        }}}

        nextBeam.removeAll(keepingCapacity: true)
        for j in 0..<kept {
            let s = Int(order[j])
            let cs = cand[s]
            var node = cs.node
            if node < 0 {
                node = self.trie.addChild(cs.parent, cs.token, lm: cs.lm)
                slotOf.append(-1)
                stamps.append(0)
            }
            var recNb = cs.recNb
            if recNb == -2 { recNb = records.add(start: t, previous: cs.pendPrev, previousEnd: cs.pendEnd) }
            nextBeam.append(Entry(node: node, pb: cs.pb, pnb: cs.pnb, vb: cs.vb, vnb: cs.vnb, recB: cs.recB, endB: cs.endB, recNb: recNb))
        }
        swap(&beam, &nextBeam)
        candidates = cand
        slotOfNode = slotOf
        slotStamp = stamps
        frameCount += 1
    }

    /// The best prefix so far by ranking score (no sentence end added), as a hypothesis.
    public func bestSoFar() -> Hypothesis {
        var bestIndex = 0
        var bestScore = -Float.infinity
        for i in 0..<beam.count {
            let lm = trie.lm[Int(beam[i].node)]
            let score = logAddExp(beam[i].pb, beam[i].pnb) + decoder.options.lmWeight * lm.lmScore
                + decoder.options.wordBonus * Float(lm.units)
            if score > bestScore { bestScore = score; bestIndex = i }
        }
        return hypothesis(entry: bestIndex, lm: trie.lm[Int(beam[bestIndex].node)], score: bestScore)
    }

    /// The n-best hypotheses after the last frame, best first: pending words scored, the sentence
    /// end added, prefixes the lexicon rejects dropped. When a lexicon rejects every prefix in the
    /// beam, the result is the empty hypothesis (always allowed), scored by the all-blank path.
    public func finish() -> [Hypothesis] {
        var finished: [(entry: Int, lm: PrefixLMState, score: Float)] = []
        for i in 0..<beam.count {
            guard let lm = decoder.scorer.finish(trie.lm[Int(beam[i].node)]) else { continue }
            let acoustic = logAddExp(beam[i].pb, beam[i].pnb)
            if acoustic == -.infinity { continue }
            let score = acoustic + decoder.options.lmWeight * lm.lmScore + decoder.options.wordBonus * Float(lm.units)
            finished.append((i, lm, score))
        }
        finished.sort { $0.score != $1.score ? $0.score > $1.score : beam[$0.entry].node < beam[$1.entry].node }
        if finished.isEmpty, let lm = decoder.scorer.finish(decoder.scorer.initial) {
            // Nothing in the beam is allowed (a lexicon rejected every prefix): the empty output,
            // scored by its one alignment (all blank), is.
            let score = blankPathLogProb + decoder.options.lmWeight * lm.lmScore
            return [Hypothesis(tokens: [], text: [], score: score, acousticScore: blankPathLogProb, lmScore: lm.lmScore,
                               wordCount: 0, tokenStartFrames: [], tokenEndFrames: [], confidences: [])]
        }
        // With a lexicon, prefixes that differ only in stray spaces read the same once those are
        // dropped (`hypothesis`): the best of them stands for all.
        var out: [Hypothesis] = [], seen = Set<[Int]>()
        for f in finished where out.count < max(1, decoder.options.nBest) {
            let h = hypothesis(entry: f.entry, lm: f.lm, score: f.score)
            if seen.insert(h.tokens).inserted { out.append(h) }
        }
        return out
    }

    private func hypothesis(entry: Int, lm: PrefixLMState, score: Float) -> Hypothesis {
        let e = beam[entry]
        let tokenIDs = trie.tokens(of: e.node)
        let k = decoder.alphabet.count
        let spans = e.vnb > e.vb ? records.spans(e.recNb, lastEnd: Int32(frameCount - 1))
                                 : records.spans(e.recB, lastEnd: e.endB)
        var starts: [Int] = [], ends: [Int] = [], confidences: [Float] = []
        // With a lexicon the output is its words separated by single boundaries: a boundary with no
        // word before it (leading, or after another boundary) or after it (trailing) is dropped.
        var keep = [Bool](repeating: true, count: tokenIDs.count)
        if decoder.scorer.constrained, let boundary = decoder.scorer.boundary {
            let lastWordToken = tokenIDs.lastIndex { $0 != boundary } ?? -1
            for i in tokenIDs.indices where tokenIDs[i] == boundary {
                keep[i] = i > 0 && tokenIDs[i - 1] != boundary && i < lastWordToken
            }
        }
        let kept = tokenIDs.indices.filter { keep[$0] }.map { tokenIDs[$0] }
        for (i, span) in spans.enumerated() where i < tokenIDs.count && keep[i] {
            var sum: Float = 0
            for f in span.start...max(span.start, span.end) { sum += expf(frames[f * k + tokenIDs[i]]) }
            starts.append(span.start)
            ends.append(span.end)
            confidences.append(sum / Float(max(span.start, span.end) - span.start + 1))
        }
        return Hypothesis(tokens: kept, text: tokenText(kept, alphabet: decoder.alphabet), score: score,
                          acousticScore: logAddExp(e.pb, e.pnb), lmScore: lm.lmScore,
                          wordCount: Int(lm.units), tokenStartFrames: starts, tokenEndFrames: ends,
                          confidences: confidences)
    }
}
