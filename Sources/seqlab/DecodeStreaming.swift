// seqlab decode --stream: rows decoded as they arrive, partial results every --chunk frames.
import ArgumentParser
import Foundation
import Formats
import Labelling
import Tensors

extension Decode {
    /// Reads the archive row by row (`KaldiRowReader`), runs each `chunk` rows through an
    /// `UtteranceStream` and prints its partial result (JSON lines on stdout; the other formats
    /// on stderr when it is a terminal, overwriting one line), then the final lines as `decode` prints them.
    func runStreaming() throws {
        let labeller: Labeller
        let reader: KaldiRowReader
        let name = feats == "-" ? "stdin" : feats
        do {
            labeller = try decoding.makeLabeller(for: Self.self)
            if labeller.model.task != .ctc || labeller.model.network.lstm == nil {
                throw InputError(file: decoding.model, "--stream decodes CTC label sequences with an LSTM model; this one is a --cell \(labeller.model.network.cell.rawValue) network for --task \(labeller.model.task.rawValue): decode without --stream")
            }
            if labeller.model.network.configuration.bidirectional {
                throw InputError(file: decoding.model, "--stream needs a unidirectional model; this one is bidirectional (its reverse direction needs the whole utterance): train one with seqlab train --unidirectional, or decode without --stream")
            }
            reader = try KaldiRowReader(path: feats)
        } catch let error as InputError {
            Self.printMessage("\(error)")
            throw ExitCode.failure
        }
        let writer = decoding.writer(for: labeller)
        let partialsToStdout = decoding.format == .jsonl
        let partialsToTerminal = !partialsToStdout && isatty(2) == 1
        let dimension = labeller.model.inputDimension
        var failures = 0, records = 0
        var mismatches = DimensionMismatches()
        while true {
            let start: KaldiRecordStart
            do {
                guard let s = try reader.nextRecord() else { break }
                start = s
                records += 1
            } catch let error as InputError {
                Self.printMessage("\(error)")
                failures += 1
                break   // a corrupt archive cannot be resynchronised
            }
            // The dimension error before any row arrives (the reader skips the record's rows).
            if let cols = start.cols, let error = labeller.dimensionMismatch(Matrix(rows: 0, cols: cols), key: start.key, file: name) {
                if mismatches.isFirst(dimension: cols, key: start.key) { Self.printMessage("\(error)") }
                failures += 1
                continue
            }
            var rows: [Float] = []
            var pending = 0
            let lines: String
            do {
                var utterance = try UtteranceStream(labeller: labeller, key: start.key, file: name)
                func flush() throws {
                    guard pending > 0 else { return }
                    try utterance.append(Matrix(rows: pending, cols: rows.count / pending, data: rows))
                    rows.removeAll(keepingCapacity: true)
                    pending = 0
                }
                while true {
                    let row: [Float]?
                    do { row = try reader.nextRow() } catch let error as InputError {
                        if partialsToTerminal { writeStandardError("\r\u{1B}[K") }
                        Self.printMessage("\(error)")
                        throw ExitCode.failure   // the archive is corrupt from here on
                    }
                    guard let row else { break }
                    rows += row
                    pending += 1
                    if row.count != dimension { try flush() }   // a text record's wrong width: the error now, not after a chunk
                    if pending == chunkFrames {
                        try flush()
                        let line = writer.partialLine(key: start.key, frames: utterance.frameCount, hypothesis: utterance.partial())
                        if partialsToStdout { try writeOut(line) }
                        if partialsToTerminal { writeStandardError("\r\u{1B}[K" + fitTerminalLine(line.dropLast())) }
                    }
                }
                try flush()
                if partialsToTerminal { writeStandardError("\r\u{1B}[K") }
                lines = writer.lines(key: start.key, hypotheses: try utterance.finish())
            } catch let error as InputError {
                if partialsToTerminal { writeStandardError("\r\u{1B}[K") }
                Self.printMessage("\(error)")
                failures += 1
                continue
            }
            try writeOut(lines)   // outside the catch: stdout failing ends the run, not one utterance
        }
        for line in mismatches.summaries(file: name, expected: dimension) { Self.printMessage(line) }
        try Self.finishBatch(records: records, failures: failures, input: name)
    }
}
