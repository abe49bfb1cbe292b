// seqlab label: raw audio or stroke files in, labels out (Kaldi text), through the model's own front end.
import ArgumentParser
import Foundation
import Features
import Formats
import Labelling
import Tensors

struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label audio or stroke files with a model (its own front end, then decoding).",
        discussion: """
        Files come from the arguments, a Kaldi wav.scp (--scp), or one path a line on
        stdin ('-'). Output is Kaldi text in input order:
          find corpus -name '*.wav' \\
            | seqlab label -m models/digits.safetensors --jobs 2 - > labels.txt
        A file that cannot be labelled, or a sample of a stroke file that cannot be
        read, is reported on stderr and skipped (the file's other samples are
        labelled); the exit status is then 1. Files given by path are keyed by their
        names as extract keys them (with parent folders when two share a name).
        With --output FILE, each file's lines are appended as it finishes and recorded
        in FILE.progress; after an interruption (Ctrl-C, kill, crash) the same command
        with --resume labels only the files not yet in FILE (failed files are tried
        again; Ctrl-C ends on one line saying how many files FILE holds); a different
        file list or output option is refused:
          seqlab label -m models/digits.safetensors --scp wav.scp -o labels.txt \\
            --resume

        With --segments (a Kaldi segments file, "uttid recording start end [channel]")
        the wav.scp lists recordings and each segment is an utterance, cut as
        extract audio --segments cuts it (see its help), labelled under its uttid in
        the segments file's order. Each segment is an item of its own: a bad segment
        is reported and the others labelled, and --resume labels only the segments
        not yet in FILE:
          seqlab label -m models/digits.safetensors --scp data/wav.scp \\
            --segments data/segments -o labels.txt
        """)

    @Argument(help: "Audio or stroke files, or '-' for paths on stdin.", completion: .file()) var files: [String] = []
    @Option(help: "A Kaldi wav.scp (uttid path per line; a location ending in '|' is a command whose stdout is the audio, as extract audio reads it).", completion: .file()) var scp: String?
    @Option(help: "A Kaldi segments file (uttid recording start end [channel]) cutting the --scp recordings into utterances.", completion: .file())
    var segments: String?
    @Option(name: .customLong("include-root"), help: "Folder that UNIPEN .INCLUDE paths are relative to (default: the including file's folder).", completion: .directory)
    var includeRoot: String?
    @OptionGroup var decoding: DecodingOptions
    @Option(name: [.short, .customLong("output")], help: "Write the labels to this file (- = stdout), recording progress in FILE.progress.", completion: .file()) var output = "-"
    @Flag(help: "Continue the interrupted run that wrote --output: skip the files it finished.") var resume = false
    @Option(name: .customLong("jobs"), help: "Files processed at once (default: all cores).") var jobsOption: Int?
    /// --jobs, or every core.
    var jobs: Int { jobsOption ?? ProcessInfo.processInfo.activeProcessorCount }
    @Flag(help: "Report the real-time factor (processing time / audio duration) on stderr.") var verbose = false
    @Flag(help: "No progress bar.") var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if scp != nil && !files.isEmpty { throw ValidationError("give files or --scp, not both") }
        if scp == nil && files.isEmpty { throw ValidationError("no input: give files, '-' for paths on stdin, or --scp") }
        if segments != nil && scp == nil { throw ValidationError("--segments needs --scp, the wav.scp of its recordings") }
        if files.count > 1 && files.contains("-") { throw ValidationError("'-' (paths on stdin) must be the only file argument") }
        try refuseStdinTwice([("the file list", files.contains("-") ? "-" : nil), ("--scp", scp), ("--segments", segments)] + decoding.inputs)
        if resume && output == "-" { throw ValidationError("--resume continues a file: give it with --output FILE") }
    }

    func run() throws {
        try Self.reportingErrors(label)
    }

    /// What one item is called in messages: a file, or with --segments a segment.
    private var noun: String { segments == nil ? "file" : "segment" }

    /// What decides the output file's contents: the input list (its length and a fingerprint of
    /// its keys and identities, in order) and the output options. `--resume` requires the same.
    private func runSettings(_ items: [LabelItem]) -> [(name: String, value: String)] {
        var hash = FNV1a64()
        for item in items {
            hash.add(utf8: item.key)
            hash.add(byte: 0)
            hash.add(utf8: item.identity)
            hash.add(byte: 0)
        }
        return [("input list", "\(items.count) \(noun)(s), fnv1a64:\(hash.hex)"), ("--include-root", includeRoot ?? "(none)")]
            + decoding.outputSettings
    }

    /// The items: the files, or with --segments one per segment (in the segments file's order)
    /// with its recording's path from the wav.scp.
    /// Also the places of the wav.scp's commands (nil without --scp).
    private func labelItems() throws -> ([LabelItem], WavScpPlaces?) {
        guard let segments, let scp else {
            let list = try inputList(files: files, scp: scp, warn: Self.printWarning)
            return (list.items.map { LabelItem(key: $0.key, path: $0.path, segment: nil) }, list.places)
        }
        var pathOf: [String: String] = [:]
        let recordings = try WavScp.read(path: scp)
        for entry in recordings { pathOf[entry.key] = entry.path }
        let list = try KaldiSegments.read(path: segments)
        guard !list.isEmpty else {
            throw InputError(file: segments == "-" ? "stdin" : segments, "no segments (expected \"uttid recording start end\" lines)")
        }
        return (list.map { LabelItem(key: $0.key, path: pathOf[$0.recording], segment: $0) }, WavScpPlaces(path: scp, entries: recordings))
    }

    private func label() throws {
        let labeller: Labeller
        let items: [LabelItem]
        let places: WavScpPlaces?
        let sink: ResumableOutput?
        var todo: [Int]
        var duplicates = 0
        do {
            var configured = try decoding.makeLabeller(for: Self.self)
            guard configured.model.task != .predict else {
                throw InputError(file: decoding.model, "a predict model outputs frames, not labels; extract features and use seqlab decode")
            }
            // --jobs files are in flight at once: each gets its share of the memory.
            configured.maxForwardBytes = configured.maxForwardBytes.map { $0 / jobs }
            // One file at a time gets every core; several at once get one each.
            configured.useThreads(jobs > 1 ? 1 : ProcessInfo.processInfo.activeProcessorCount)
            labeller = configured
            guard labeller.model.frontEnd != nil else {
                throw InputError(file: decoding.model, "the model stores no front end (train with --frontend CONFIG), so it cannot label raw files; use extract and decode")
            }
            if segments != nil, case .strokes? = labeller.model.frontEnd {
                throw InputError(file: decoding.model, "--segments cuts audio recordings, but the model's front end reads pen strokes")
            }
            (items, places) = try labelItems()
            // A stroke file's UNIPEN includes are read too (found by a first pass over its .INCLUDE
            // lines): the output is opened, and emptied, before any file is read.
            var included: [String] = []
            if case .strokes? = labeller.model.frontEnd {
                included = items.compactMap(\.path).flatMap { inkIncludedFiles(path: $0, includeRoot: includeRoot) }
            }
            try Self.refuseReplacingInputs(outputs: [("-o", output), ("-o", output == "-" ? nil : output + ".progress")],
                                           inputs: filesRead(items.map(\.path)) + [scp, segments, decoding.model, decoding.lm, decoding.lexicon] + included)
            sink = output == "-" ? nil : try ResumableOutput(path: output, resume: resume, settings: runSettings(items))
            // A file given twice is listed once (inputList); two other inputs with one key (`/a/x.wav` and
            // `a/x.wav`) are the first labelled, the second reported, as extract does.
            var firstOfKey: [String: Int] = [:]
            todo = items.indices.filter { i in
                if let first = firstOfKey[items[i].key] {
                    Self.printMessage("\(items[i].identity): duplicate key \"\(items[i].key)\" (the input given as item \(first + 1) too); skipped")
                    duplicates += 1
                    return false
                }
                firstOfKey[items[i].key] = i
                return true
            }
            if let sink {
                todo = todo.filter { !sink.wasFinished(key: items[$0].key, path: items[$0].identity) }
                if resume && !quiet {
                    Self.printMessage("continuing \(output): \(sink.resumedItems) \(noun)(s) done before, \(todo.count) to label")
                }
            }
        } catch let error as InputError {
            Self.printMessage("\(error)")
            throw ExitCode.failure
        }
        let writer = decoding.writer(for: labeller)
        let frameShift = labeller.model.frameShiftSeconds
        Interrupt.install()
        let progress = ProgressBar("label", total: todo.count, quiet: quiet, dataOnStdout: output == "-")
        let start = Date()
        var failures = 0, skippedSamples = 0, frames = 0, labelled = 0
        // The units of work: a file, or with --segments a run of consecutive segments (still to
        // label) of one recording, read once.
        var units: [[Int]] = []
        for i in todo {
            if let segment = items[i].segment, let last = units.last?.last,
               let previous = items[last].segment, previous.recording == segment.recording {
                units[units.count - 1].append(i)
            } else {
                units.append([i])
            }
        }
        // Per item of a unit: its lines, its frames, the notes on a stroke file (warnings, then the
        // samples it had to skip) and how many samples it skipped; or the error it met (one error
        // for all the items of a recording that cannot be read).
        typealias Labelled = (text: String, frames: Int, notes: [InputError], rejected: Int)
        let work: @Sendable (Int) -> [(items: [Int], result: Result<Labelled, InputError>)] = { [units, includeRoot, scp] u in
            let unit = units[u], first = items[unit[0]]
            guard first.segment != nil else {
                let path = first.path ?? ""
                do {
                    var out = "", count = 0
                    let read = try labeller.features(ofFile: path, key: first.key, includeRoot: includeRoot)
                    for u in read.utterances {
                        out += writer.lines(key: u.key, hypotheses: try labeller.labels(u.features, key: u.key, file: path))
                        count += u.features.rows
                    }
                    return [(unit, .success((out, count, read.warnings + read.rejected, read.rejected.count)))]
                } catch let e as InputError { return [(unit, .failure(e))] }
                catch { return [(unit, .failure(InputError(file: path, "\(error)")))] }
            }
            guard let path = first.path else {
                return unit.map { ([$0], .failure(KaldiSegments.unknownRecording(items[$0].segment!, scp: scp ?? ""))) }
            }
            let pieces = unit.map { i in
                let segment = items[i].segment!
                return AudioPiece(key: segment.key, channel: segment.channel) { try segment.samples(frames: $0, rate: $1) }
            }
            let computed: [Result<Matrix, InputError>]
            do { computed = try labeller.features(ofRecording: path, pieces: pieces) }
            catch let e as InputError { return [(unit, .failure(e))] }
            catch { return [(unit, .failure(InputError(file: path, "\(error)")))] }
            return zip(unit, computed).map { i, features in
                let key = items[i].key
                do {
                    let matrix = try features.get()
                    return ([i], .success((writer.lines(key: key, hypotheses: try labeller.labels(matrix, key: key, file: path)), matrix.rows, [], 0)))
                } catch let e as InputError { return ([i], .failure(e)) }
                catch { return ([i], .failure(InputError(file: path, "\(error)"))) }
            }
        }
        var writeError: InputError?
        try orderedParallelMap(count: units.count, jobs: jobs, window: 4 * jobs, work: work) { _, outcomes in
            for (indices, result) in outcomes {
                switch result {
                case .success(let (text, n, notes, rejected)):
                    if !notes.isEmpty { progress.finish() }
                    for (k, note) in notes.enumerated() {   // the warnings come first
                        if k < notes.count - rejected { Self.printWarning("\(note)") } else { Self.printMessage("\(note)") }
                    }
                    skippedSamples += rejected
                    let item = items[indices[0]]
                    if let sink {
                        do { try sink.append(text, key: item.key, path: item.identity) } catch let e as InputError {
                            writeError = e
                            return false
                        } catch { writeError = InputError(file: output, "\(error)"); return false }
                    } else {
                        try writeOut(text)
                    }
                    frames += n
                    labelled += 1
                case .failure(let error):
                    // After a signal, an item under way ends in the error of its stopped command:
                    // not a failure of the item (--resume labels it).
                    if Interrupt.requested { return false }
                    progress.finish()
                    // A wav.scp command's failure is placed at its line (the scp keys the recording).
                    let item = items[indices[0]]
                    Self.printMessage("\(places?.placed(error, key: item.segment?.recording ?? item.key) ?? error)")
                    failures += indices.count
                }
                progress.advance(by: indices.count)
            }
            return !Interrupt.requested
        }
        progress.finish()
        do { try sink?.close() } catch let e as InputError { writeError = writeError ?? e }
        if let writeError {
            Self.printMessage("\(writeError)")
            throw ExitCode.failure
        }
        if verbose {
            let seconds = Date().timeIntervalSince(start)
            var line = String(format: "%@ (%d failed), %@ in %.2f s", counted(todo.count, noun), failures, counted(frames, "frame"), seconds)
            if skippedSamples > 0 { line += ", \(skippedSamples) stroke sample(s) skipped" }
            if let frameShift, frames > 0 {
                let audio = Double(frames) * frameShift
                line += String(format: ", %.1f s of audio, real-time factor %.4f (%.0f× faster than real time)", audio, seconds / audio, audio / seconds)
            }
            Self.printMessage(line)
        }
        if Interrupt.requested {
            // Failed files are not counted: FILE does not hold them, and --resume tries them again.
            let total = grouped(items.count - duplicates)
            if let sink {
                Self.printMessage("interrupted; \(output) holds the labels of \(grouped(sink.finishedItems)) of \(total) \(noun)s; run the same command with --resume to continue")
            } else {
                Self.printMessage("interrupted after labelling \(grouped(labelled)) of \(total) \(noun)s")
            }
            throw ExitCode(Interrupt.exitStatus)
        }
        if failures > 0 || skippedSamples > 0 || duplicates > 0 { throw ExitCode.failure }
    }
}

/// One utterance source `label` labels: a file (its key and path), or with --segments a segment
/// (its uttid, its recording's path, nil when the wav.scp lacks the recording, and the segment).
struct LabelItem: Sendable {
    var key: String
    var path: String?
    var segment: KaldiSegment?

    /// What names the item beside its key in the progress journal and messages: the file's
    /// path, or the recording and the segment's times (and channel) as the segments line gives them.
    var identity: String {
        guard let segment else { return path ?? "" }
        return "\(path ?? segment.recording) \(segment.start) \(segment.end ?? -1)" + (segment.channel.map { " \($0)" } ?? "")
    }
}
