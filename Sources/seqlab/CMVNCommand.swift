// seqlab cmvn: per-speaker (or per-utterance) mean and variance normalisation of a feature archive.
import ArgumentParser
import Features
import Formats
import Foundation
import Tensors

extension CMVNMode: ExpressibleByArgument {}

struct CMVN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cmvn",
        abstract: "Normalise a feature archive's mean and variance per speaker (Kaldi's compute-cmvn-stats + apply-cmvn).",
        discussion: """
        Reads a Kaldi archive or scp (stdin by default) and writes it with every
        utterance normalised by the statistics of all frames of its speaker (--utt2spk,
        Kaldi's `uttid speaker` lines; without it, of its own frames), in the input
        order:
          seqlab extract audio --scp data/train/wav.scp --config mfcc.conf | \\
            seqlab cmvn --utt2spk data/train/utt2spk | \\
            seqlab train --text data/train/text -o model.safetensors
        Speaker statistics need every utterance of the speaker first, so with
        --utt2spk the archive is held in memory; without it each utterance is
        normalised and written as it is read, one at a time. A bad utterance (no
        frames, a NaN or infinite feature, or a dimension other than that of its
        speaker's first utterance) is named on stderr and left out of the statistics
        and the output; the rest are written, and the exit status is then 1. Ctrl-C
        (SIGINT), SIGTERM or SIGHUP while the output file is written leaves it as it
        was (exit status 130, 143 or 129). -o may name the archive read, which is
        then replaced once all of it is read (seqlab cmvn feats.ark -o feats.ark), but
        not an archive read through an scp (the scp would name byte offsets of the
        old archive in the new file), nor --utt2spk. Extract with --cmvn=none when
        the speaker's statistics should replace the utterance's. A model trained on
        speaker-normalised features needs the same step before decode (seqlab label
        reruns only the model's own front end).
        """)

    @Argument(help: "Feature archive or scp ('-' = stdin).", completion: .file())
    var feats = "-"

    @Option(help: "Kaldi utt2spk file (uttid speaker); utterances it does not name are their own speaker.", completion: .file())
    var utt2spk: String?

    @Option(help: "mean (subtract the mean), meanvar (and divide by the standard deviation) or none (copy the archive as it is).")
    var cmvn: CMVNMode = .meanvar

    @Option(name: [.short, .customLong("output")], help: "Archive to write ('-' = stdout); Kaldi wspecifiers too (ark,scp:ARK,SCP, ark:| gzip -c > ARK.gz).", completion: .file())
    var output = "-"

    @Flag(name: .customLong("text-ark"), help: "Write a text archive instead of a binary one.")
    var textArk = false

    func validate() throws {
        try refuseStdinTwice([("the archive", feats), ("--utt2spk", utt2spk)])
        if utt2spk != nil && cmvn == .none {
            throw ValidationError("--utt2spk groups utterances for their statistics, and --cmvn none computes none")
        }
    }

    func run() throws {
        try Self.reportingErrors {
            if output == "-" && !textArk && isatty(1) == 1 {
                throw InputError(file: "stdout", "refusing to write a binary archive to a terminal; redirect stdout, use -o FILE, or --text-ark")
            }
            try refuseWritingOverInputs()
            let speakerOf = try utt2spk.map { try KaldiText.readSpeakers(path: $0) } ?? [:]
            let name = feats == "-" ? "stdin" : feats
            let reader = try KaldiArchiveReader(path: feats)
            if utt2spk == nil { return try normaliseEachAsRead(reader, name: name) }
            var utterances: [(key: String, features: Matrix)] = []
            let (records, readFailures) = try Self.forEachUsableRecord(of: reader, name: name) { record in
                utterances.append((record.key, record.matrix))
            }
            var failures = readFailures
            // Nothing to normalise: each bad utterance said why (an empty input says so here).
            if utterances.isEmpty { try Self.finishBatch(records: records, failures: failures, input: name) }
            let unnamed = utterances.filter { speakerOf[$0.key] == nil }
            if let utt2spk, !unnamed.isEmpty {
                Self.printWarning("\(unnamed.count) utterance(s) not in \(utt2spk), normalised alone, e.g. \(unnamed.prefix(3).map(\.key).joined(separator: ", "))")
            }
            // An utterance whose dimension is not its speaker's is reported and left out; its
            // speaker's other utterances and the other speakers are normalised and written.
            for error in applySpeakerCMVN(&utterances, speakerOf: speakerOf, mode: cmvn, file: name) {
                Self.printMessage("\(error)")
                failures += 1
            }
            // A run killed while writing leaves the archive's temporary file beside it: drop it.
            for leftover in KaldiArchiveWriter.removeLeftovers(of: output) {
                Self.printMessage("removed \(leftover), left by an interrupted write")
            }
            // Ctrl-C, SIGTERM or SIGHUP while writing: the archive is dropped (an earlier one stays),
            // not left as a temporary file nor as a part that would pass for the whole.
            Interrupt.install()
            let writer = try KaldiArchiveWriter(path: output, mode: textArk ? .text : .binary)
            var written = 0
            for u in utterances where !Interrupt.requested {
                try writer.write(key: u.key, matrix: u.features)
                written += 1
            }
            if Interrupt.requested { try stopInterrupted(writer, written: "\(written) of \(utterances.count)") }
            try writer.close()
            try Self.finishBatch(records: records, failures: failures, input: name)
        }
    }

    /// Refuses, before any work (exit status 64), an output over an input other than the archive
    /// given itself: over --utt2spk or the scp read, like any command's output over its input, and
    /// over an archive an scp points into, which the scp would go on naming at the old archive's
    /// byte offsets, reading another utterance's bytes or none. The archive given itself is
    /// replaced only once all of it is read: in place, as `sort -o FILE FILE` does.
    private func refuseWritingOverInputs() throws {
        let scp = SameFile.scp(readBy: feats)
        try Self.refuseReplacingInputs(outputs: [("-o", output)], inputs: [utt2spk, scp])
        guard let scp else { return }
        let same = SameFile(outputs: SameFile.files(ofSpecifier: output))
        for archive in SameFile.files(readBy: feats).dropFirst() {
            if let written = same.output(replacing: archive) {
                throw ValidationError("-o \(written) is the archive \(scp) points into: rewriting it would leave \(scp) naming byte offsets of the old archive in the new file; write another archive, or read the archive itself and write the scp with it (cmvn \(archive) -o ark,scp:\(archive),\(scp))")
            }
        }
    }

    /// Reads `reader` to its end (or until `stop()`), handing each usable record to `body`. A bad
    /// utterance (unreadable, empty, non-finite; see `isUsable`) is reported and left out; a corrupt
    /// archive ends the input there (the records after it cannot be found), the ones before it
    /// having been handed on. Returns the records read and the failures, which make the exit status 1.
    private static func forEachUsableRecord(of reader: KaldiArchiveReader, name: String, until stop: () -> Bool = { false },
                                            _ body: (KaldiRecord) throws -> Void) throws -> (records: Int, failures: Int) {
        var records = 0, failures = 0
        while !stop() {
            let item: Result<KaldiRecord, InputError>
            do {
                guard let next = try reader.nextResult() else { break }
                item = next
            } catch let error as InputError {
                printMessage("\(error)")
                failures += 1
                break
            }
            records += 1
            switch item {
            case .failure(let error):
                printMessage("\(error)")
                failures += 1
            case .success(let record):
                guard isUsable(record, file: name) else { failures += 1; continue }
                try body(record)
            }
        }
        return (records, failures)
    }

    /// Ends a run stopped by Ctrl-C, SIGTERM or SIGHUP while writing: the archive is dropped (an
    /// earlier one stays), said in one line (`written`: how many utterances went to stdout already).
    private func stopInterrupted(_ writer: KaldiArchiveWriter, written: String) throws -> Never {
        writer.abandon()
        Self.printMessage(output == "-" ? "interrupted after writing \(written) utterances to stdout"
                          : "interrupted; nothing was written, \(output) was left as it was")
        throw ExitCode(Interrupt.exitStatus)
    }

    /// False, after naming it on stderr, for an utterance that cannot be normalised: no frames, or
    /// a NaN or infinite feature.
    private static func isUsable(_ record: KaldiRecord, file: String) -> Bool {
        if record.matrix.rows == 0 {
            printMessage("\(InputError(file: file, place: record.key, "no frames (an empty matrix); left out"))")
            return false
        }
        if let (r, c) = record.matrix.firstNonFinite {
            printMessage("\(InputError(file: file, place: record.key, "non-finite feature at frame \(r), dimension \(c); left out"))")
            return false
        }
        return true
    }

    /// Per-utterance statistics (no --utt2spk) need no other utterance: each is normalised and
    /// written as it is read, so no more than one is held. Bad utterances are reported and left
    /// out, as with speakers; an output file is replaced only when the run completes with at least
    /// one utterance written, and Ctrl-C, SIGTERM or SIGHUP drop it (an earlier one stays).
    private func normaliseEachAsRead(_ reader: KaldiArchiveReader, name: String) throws {
        // A run killed while writing leaves the archive's temporary file beside it: drop it.
        for leftover in KaldiArchiveWriter.removeLeftovers(of: output) {
            Self.printMessage("removed \(leftover), left by an interrupted write")
        }
        Interrupt.install()
        let writer = try KaldiArchiveWriter(path: output, mode: textArk ? .text : .binary)
        var written = 0
        let (records, failures) = try Self.forEachUsableRecord(of: reader, name: name, until: { Interrupt.requested }) { record in
            var record = record
            applyCMVN(&record.matrix, mode: cmvn)
            try writer.write(key: record.key, matrix: record.matrix)
            written += 1
        }
        if Interrupt.requested { try stopInterrupted(writer, written: "\(written)") }
        // Nothing to normalise: each bad utterance said why (an empty input says so here); an
        // earlier output file stays.
        guard written > 0 else {
            writer.abandon()
            return try Self.finishBatch(records: records, failures: failures, input: name)
        }
        try writer.close()
        try Self.finishBatch(records: records, failures: failures, input: name)
    }
}
