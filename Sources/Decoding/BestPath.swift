// Best-path (greedy) CTC decoding: argmax per frame, collapse repeats, drop blanks.
import Foundation
import Tensors

/// Best-path decoding (Graves et al. 2006, §3.2; Graves 2012, §7.5 "best path decoding").
///
/// `logProbs` is T × K (frames × classes, log-probabilities, `blank` one of the classes). The most
/// probable frame labelling π* = argmax per frame is collapsed (repeats merged, blanks removed).
/// Each token's frames are the run of frames labelled with it; its confidence is the **mean**
/// posterior exp(log p) over that run. The score is log p(π* | x), the sum of the per-frame maxima
/// (a lower bound on the label sequence's probability, which beam search computes exactly).
/// Ties in a frame go to the lowest class index.
public func bestPathDecode(logProbs: Matrix, blank: Int = 0, alphabet: [String]? = nil) -> Hypothesis {
    var stream = BestPathStream(blank: blank, alphabet: alphabet)
    stream.advance(logProbs: logProbs)
    return stream.hypothesis
}

/// The alphabet strings of `tokens` (the decimal index where there is no alphabet entry).
func tokenText(_ tokens: [Int], alphabet: [String]?) -> [String] {
    tokens.map { t in
        if let alphabet, t >= 0, t < alphabet.count { return alphabet[t] }
        return String(t)
    }
}
