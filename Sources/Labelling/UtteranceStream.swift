// UtteranceStream: labels one utterance while its frames arrive (unidirectional models), with partial hypotheses.
import Decoding
import Formats
import Networks
import Tensors

/// Streaming labelling of one utterance with a unidirectional model.
///
/// Each `append(_:)` runs the network over a chunk of frames starting from the LSTM state the
/// previous chunk left (`LSTMNetwork.forward(_:initialState:)`: h and s of every layer carried
/// over, so the forward pass continues exactly where it stopped), and feeds the chunk's
/// log-probabilities to the decoder's running state (`BestPathStream`, or the streaming
/// `PrefixBeamSearch`). `partial()` is the result decoding would give if the input ended after
/// the frames seen so far: best path, or the prefix beam search finished there (pending words
/// scored, sentence end added) — so a partial over N frames equals decoding those N frames.
///
/// A bidirectional model cannot stream (its reverse direction starts at the last frame): the
/// initialiser refuses it with a message saying so.
public struct UtteranceStream {
    private enum Search {
        case bestPath(BestPathStream)
        case beam(PrefixBeamSearch)
    }
    public let labeller: Labeller
    /// The utterance and the file it comes from, for error messages.
    public let key: String
    public let file: String
    private let network: LSTMNetwork<Float>
    private var state: LSTMNetwork<Float>.State?
    private var search: Search
    /// Frames consumed so far.
    public private(set) var frameCount = 0

    public init(labeller: Labeller, key: String, file: String) throws {
        let configuration = labeller.model.network.configuration
        guard labeller.model.task == .ctc, let network = labeller.model.network.lstm else {
            throw InputError(file: file, place: key,
                             "streaming decodes CTC label sequences with an LSTM model; this one is a --cell \(labeller.model.network.cell.rawValue) network for --task \(labeller.model.task.rawValue): decode without --stream")
        }
        guard !configuration.bidirectional else {
            throw InputError(file: file, place: key,
                             "streaming needs a unidirectional model, and this one is bidirectional (its reverse direction needs the whole utterance); train one with seqlab train --unidirectional, or decode without --stream")
        }
        self.labeller = labeller
        self.network = network
        self.key = key
        self.file = file
        let decoder = labeller.decoder
        search = labeller.bestPath ? .bestPath(BestPathStream(blank: decoder.blank, alphabet: decoder.alphabet))
                                   : .beam(decoder.makeSearch())
    }

    /// Runs the next `chunk` (n × D frames) through the network and the decoder; returns its
    /// log-probabilities (n × K). The chunk is checked like a whole utterance (dimension, finite
    /// values); errors name the frame within the utterance.
    @discardableResult
    public mutating func append(_ chunk: Matrix) throws -> Matrix {
        guard chunk.cols == labeller.model.inputDimension else {
            throw InputError(file: file, place: key,
                             "features have \(chunk.cols) dimensions, the model expects \(labeller.model.inputDimension) (extract them with the model's front end: seqlab inspect MODEL shows it)")
        }
        if let (r, c) = chunk.firstNonFinite {
            throw InputError(file: file, place: key, "non-finite feature at frame \(frameCount + r), dimension \(c)")
        }
        guard chunk.rows > 0 else { return Matrix(rows: 0, cols: labeller.model.network.configuration.classes) }
        let pass = network.forward(SequenceBatch(matrices: [chunk]), initialState: state, keepingTrainingState: false)
        state = pass.finalState
        let lp = pass.logProbabilities(ofSequence: 0).matrix
        try labeller.decoder.validate(lp, name: "\(file) (\(key), frames \(frameCount)–\(frameCount + chunk.rows - 1))")
        switch search {
        case .bestPath(var s):
            s.advance(logProbs: lp)
            search = .bestPath(s)
        case .beam(var s):
            search = .bestPath(BestPathStream())     // drop the enum's reference, so `s` is not copied on write
            s.advance(logProbs: lp)
            search = .beam(s)
        }
        frameCount += chunk.rows
        return lp
    }

    /// The best hypothesis over the frames so far (what `finish` would return first if the input ended now).
    public func partial() -> Hypothesis {
        switch search {
        case .bestPath(let s): s.hypothesis
        case .beam(let s): s.finish()[0]
        }
    }

    /// The n-best hypotheses over all frames, best first; an utterance without frames is an error.
    public func finish() throws -> [Hypothesis] {
        guard frameCount > 0 else { throw InputError(file: file, place: key, "no frames") }
        switch search {
        case .bestPath(let s): return [s.hypothesis]
        case .beam(let s): return s.finish()
        }
    }
}
