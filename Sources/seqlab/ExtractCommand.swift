// seqlab extract: the feature-extraction command group, and `extract audio` (files → Kaldi ark).
import ArgumentParser
import Features
import Formats
import Foundation
import Tensors

/// `seqlab extract …`: one subcommand per kind of input. To add one, append its type to
/// `subcommands` below (each lives in its own file, e.g. ExtractStrokesCommand.swift).
struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Compute features and write them as a Kaldi archive.",
        subcommands: [
            ExtractAudio.self,
            ExtractStrokes.self,
        ])
}

/// `seqlab extract audio`: Kaldi spectrogram / fbank / MFCC features of audio files.
struct ExtractAudio: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "Kaldi-compatible spectrogram, fbank or MFCC features of audio files (WAV, FLAC, OGG, …).",
        discussion: """
        Files come from the arguments, from a Kaldi wav.scp (--scp), or one path a line
        on stdin when the only argument is '-'. The utterance id is the file name
        without its extension (with parent folders when two inputs share it, as
        d1-a and d2-a), unless the scp gives it. As in Kaldi, a wav.scp location
        ending in '|' is a command (flac -c -d -s x.flac |, sph2pipe -f wav x.sph |,
        sox x.wav -t wav - |): it runs with /bin/sh -c, its stdin empty, and its
        stdout is read (into memory, at most 2 GiB) as the audio file, in any
        format libsndfile reads. A command that fails, is killed or writes no audio
        is reported at its line of the wav.scp with its exit status and the last
        line of its stderr (its stderr is not passed on), and skipped. Features go
        out in input order as a Kaldi archive (binary unless --text-ark), one T×D
        float matrix per utterance.

        With --segments (a Kaldi segments file, "uttid recording start end [channel]",
        times in seconds, end -1 for the end of the recording) the wav.scp lists
        recordings and each segment is an utterance, cut as Kaldi's extract-segments
        cuts: samples start×rate to end×rate (truncated), an end up to 0.5 s past the
        recording cut to it, segments of 0.1 s or less refused; the fifth field picks
        the channel (else --channel). Utterances go out in the segments file's order;
        consecutive segments of one recording are cut from one reading of it (the
        recording is held in memory meanwhile).

        Options have Kaldi's names and defaults (except dither, 0 here) and override
        those of --config, a Kaldi-style config file (--name=value lines, as a model
        stores its front end). Files at another rate than --sample-frequency are
        resampled; a config's --allow-downsample=false or --allow-upsample=false
        (Kaldi's options, true by default here) refuses that direction, and
        --no-resample (--resample=false in a config) refuses both.

        A file that cannot be used is reported on stderr and skipped; the exit status
        is then 1.

        Training-time augmentation (as Kaldi recipes do at data preparation):
        --speed-perturb 0.9,1.0,1.1 writes one utterance per factor, played that many
        times faster (tempo and pitch, like sox speed), under Kaldi's keys
        sp0.9-UTT, UTT, sp1.1-UTT. --vtlp-warps 0.9,1.0,1.1 (vocal tract length
        perturbation) computes each utterance's features once per factor with the mel
        filters warped as Kaldi's --vtln-warp does, keyed vtlp0.9-UTT, UTT, vtlp1.1-UTT
        (after any speed prefix: vtlp0.9-sp1.1-UTT). --noise-snr DB adds white Gaussian
        noise, or with --noise-files LIST (one path a line) a segment of one of those
        recordings, scaled to that signal-to-noise ratio over each utterance; the noise
        is seeded by --seed and the key, so --jobs does not change it. Labels follow
        the new keys with --text-in TEXT --text-out TEXT: each written utterance gets
        its source's label line (an utterance without one is reported and skipped).
        Speakers follow with --utt2spk-in UTT2SPK --utt2spk-out UTT2SPK, a copy as
        its own speaker as Kaldi's perturb_data_dir_speed.sh has it (sp0.9-UTT
        sp0.9-SPK, vtlp0.9-UTT vtlp0.9-SPK), for seqlab cmvn --utt2spk.

        Examples:
          seqlab extract audio --scp data/samples/wav.scp --type mfcc -o feats.ark
          find corpus -name '*.flac' | seqlab extract audio - --jobs 2 > feats.ark
          seqlab extract audio --scp train/wav.scp --speed-perturb 0.9,1.0,1.1 \\
            --text-in train/text --text-out sp/text \\
            --utt2spk-in train/utt2spk --utt2spk-out sp/utt2spk -o sp.ark
        """)

    @Argument(help: "Audio files, or '-' to read paths from stdin.", completion: .file())
    var files: [String] = []

    @Option(help: "A Kaldi wav.scp (uttid path per line; a location ending in '|' is a command whose stdout is the audio).", completion: .file())
    var scp: String?

    @Option(help: "A Kaldi segments file (uttid recording start end [channel]) cutting the --scp recordings into utterances.", completion: .file())
    var segments: String?

    @Option(name: [.short, .customLong("output")], help: "Output archive, '-' for stdout; Kaldi wspecifiers too (ark,scp:ARK,SCP, ark:| gzip -c > ARK.gz).", completion: .file())
    var output: String = "-"

    @Flag(help: "Write a text archive instead of a binary one.")
    var textArk = false

    @Option(help: "A Kaldi-style config file of front-end options (--name=value per line).", completion: .file())
    var config: String?

    @Option(name: .customLong("type"), help: "Feature type: spectrogram, fbank or mfcc (default fbank).")
    var featureType: String?

    @Option(help: "Rate (Hz) features are computed at; other rates are resampled (default 16000).")
    var sampleFrequency: Double?
    @Option(help: "Frame length in ms (default 25).")
    var frameLength: Double?
    @Option(help: "Frame shift in ms (default 10).")
    var frameShift: Double?
    @Option(help: "Number of mel bins (default 23).")
    var numMelBins: Int?
    @Option(help: "Number of cepstra for mfcc (default 13).")
    var numCeps: Int?
    @Option(help: "Window: povey, hamming, hanning, rectangular, blackman (default povey).")
    var windowType: String?
    @Option(help: "Only frames that fit in the signal: true or false (default true).")
    var snipEdges: Bool?
    @Option(parsing: .unconditional, help: "Low edge of the mel bins in Hz (default 20).")
    var lowFreq: Double?
    @Option(parsing: .unconditional, help: "High edge of the mel bins in Hz; 0 = Nyquist, negative = below Nyquist (default 0).")
    var highFreq: Double?
    @Option(help: "Gaussian dither added to samples, seeded by --seed (default 0).")
    var dither: Double?
    @Option(help: "Pre-emphasis coefficient (default 0.97).")
    var preemphasisCoefficient: Double?
    @Option(help: "Log energy as first fbank column / in place of C0: true or false (default: false fbank, true mfcc).")
    var useEnergy: Bool?
    @Flag(help: "Refuse files at another rate instead of resampling them.")
    var noResample = false
    @Option(parsing: .unconditional, help: "Channel to use (0-based); -1 averages all channels (default -1).")
    var channel: Int?
    @Option(help: "Per-utterance normalisation: none, mean or meanvar (default none).")
    var cmvn: String?
    @Option(help: "Append deltas: 0, 1 or 2 (default 0).")
    var deltas: Int?

    @Option(help: "Speed perturbation: comma-separated factors, e.g. 0.9,1.0,1.1; one utterance per factor, keyed sp0.9-UTT (1.0 keeps UTT).")
    var speedPerturb: String?
    @Option(help: "Vocal tract length perturbation: comma-separated mel warp factors, e.g. 0.9,1.0,1.1; features once per factor, keyed vtlp0.9-UTT (1.0 keeps UTT).")
    var vtlpWarps: String?
    @Option(parsing: .unconditional, help: "Add noise at this signal-to-noise ratio in dB (white Gaussian unless --noise-files).")
    var noiseSnr: Double?
    @Option(help: "A list of noise recordings (one path a line) mixed in at --noise-snr instead of white noise.", completion: .file())
    var noiseFiles: String?
    @Option(help: "A Kaldi text file (uttid labels…) whose lines are copied to --text-out under the written keys.", completion: .file())
    var textIn: String?
    @Option(help: "Where to write the label lines of the written utterances (with --text-in; '-' only when the archive goes to a file).", completion: .file())
    var textOut: String?
    @Option(help: "A Kaldi utt2spk file (uttid speaker) whose speakers are copied to --utt2spk-out, a copy's speaker with its key's prefix (sp0.9-UTT sp0.9-SPK).", completion: .file())
    var utt2spkIn: String?
    @Option(help: "Where to write the utt2spk lines of the written utterances (with --utt2spk-in; '-' only when neither the archive nor --text-out goes to stdout).", completion: .file())
    var utt2spkOut: String?

    @Option(name: .customLong("jobs"), help: "Files processed at once (default: all cores).")
    var jobsOption: Int?
    /// --jobs, or every core.
    var jobs: Int { jobsOption ?? ProcessInfo.processInfo.activeProcessorCount }
    @Option(help: "Seed of the dither and the added noise.")
    var seed: UInt64 = 0
    @Flag(help: "No progress or summary on stderr.")
    var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if scp != nil && !files.isEmpty { throw ValidationError("give files or --scp, not both") }
        if scp == nil && files.isEmpty { throw ValidationError("no input: give audio files, '-' for paths on stdin, or --scp") }
        if segments != nil && scp == nil { throw ValidationError("--segments needs --scp, the wav.scp of its recordings") }
        if files.count > 1 && files.contains("-") { throw ValidationError("'-' (paths on stdin) must be the only file argument") }
        try refuseStdinTwice([("the file list", files.contains("-") ? "-" : nil), ("--scp", scp), ("--segments", segments), ("--config", config),
                              ("--text-in", textIn), ("--utt2spk-in", utt2spkIn), ("--noise-files", noiseFiles)])
        if noiseFiles != nil && noiseSnr == nil { throw ValidationError("--noise-files needs --noise-snr") }
        if let noiseSnr, !noiseSnr.isFinite { throw ValidationError("--noise-snr expects a finite number of dB, got \(noiseSnr)") }
        // The factor lists are checked here, as a command line, before any file is read.
        do {
            if let speedPerturb { _ = try SpeedPerturbation.parseFactors(speedPerturb) }
            if let vtlpWarps { _ = try VocalTractPerturbation.parseWarps(vtlpWarps) }
        } catch let error as InputError {
            throw ValidationError(error.description)
        }
        if (textIn == nil) != (textOut == nil) { throw ValidationError("--text-in and --text-out go together") }
        if textOut == "-" && output == "-" { throw ValidationError("--text-out cannot share stdout with the archive; give it a file") }
        if (utt2spkIn == nil) != (utt2spkOut == nil) { throw ValidationError("--utt2spk-in and --utt2spk-out go together") }
        if utt2spkOut == "-" && (output == "-" || textOut == "-") {
            throw ValidationError("--utt2spk-out cannot share stdout with \(output == "-" ? "the archive" : "--text-out"); give it a file")
        }
    }

    /// The front end: --config's text, then each flag given as a `--name=value` line after it.
    /// A bad line of the config file is an input error naming the file and its line (exit 1), as
    /// is a config unworkable alone that the flags do not mend; a bad flag value, or a front end
    /// that the flags make unworkable, is a refused command line naming the option (exit 64).
    func frontendConfig() throws -> FrontendConfig {
        var text = ""
        if let config {
            guard let t = String(data: try readWholeFile(config), encoding: .utf8) else {
                throw InputError(file: config, "the config file is not UTF-8 text")
            }
            // The file alone: its own errors, at its lines. Whether the options fit together is
            // checked once the flags are applied over them (a config of fbank options can be
            // made a spectrogram by --type, as Kaldi's command line overrides its --config).
            _ = try FrontendConfig(configText: t, file: config, validating: false)
            text = t + "\n"
        }
        var flags: [(String, String?)] = [
            ("feature-type", featureType), ("sample-frequency", sampleFrequency.map { "\($0)" }),
            ("frame-length", frameLength.map { "\($0)" }), ("frame-shift", frameShift.map { "\($0)" }),
            ("num-mel-bins", numMelBins.map { "\($0)" }), ("num-ceps", numCeps.map { "\($0)" }),
            ("window-type", windowType), ("snip-edges", snipEdges.map { "\($0)" }),
            ("low-freq", lowFreq.map { "\($0)" }), ("high-freq", highFreq.map { "\($0)" }),
            ("dither", dither.map { "\($0)" }), ("preemphasis-coefficient", preemphasisCoefficient.map { "\($0)" }),
            ("use-energy", useEnergy.map { "\($0)" }), ("channel", channel.map { "\($0)" }),
            ("cmvn", cmvn), ("deltas", deltas.map { "\($0)" }),
        ]
        if noResample { flags.append(("resample", "false")) }
        // Each flag's value alone (a number, one of the choices): named by its flag (--type for feature-type).
        var probe = FrontendConfig(featureType: .fbank)
        for case let (name, value?) in flags {
            do {
                try probe.apply(name: name, value: value, file: "<command line>")
            } catch let error as InputError {
                throw ValidationError(name == "feature-type" ? error.message.replacingOccurrences(of: "--feature-type", with: "--type") : error.message)
            }
        }
        let given = flags.compactMap { name, value in value.map { "--\(name)=\($0)" } }
        let built: FrontendConfig
        do {
            built = try FrontendConfig(configText: text + given.joined(separator: "\n"), file: config ?? "<command line>")
        } catch let error as InputError where !given.isEmpty {
            // Every line and value reads, and the whole is unworkable: the config's fault when it
            // is so alone, in the same way (the flags did not mend it); else the flags'.
            if let config {
                do { _ = try FrontendConfig(configText: text, file: config) }
                catch let alone as InputError where alone.message == error.message { throw alone }
            }
            throw ValidationError(error.message + (config.map { " (with --config \($0))" } ?? ""))
        }
        // Flags of another feature type would be dropped: refused instead (as Kaldi's per-type binaries do).
        if numCeps != nil && built.featureType != .mfcc {
            throw ValidationError("--num-ceps is for --type mfcc; these features are \(built.featureType.rawValue)")
        }
        if built.featureType == .spectrogram {
            let melOnly = [("--num-mel-bins", numMelBins != nil), ("--low-freq", lowFreq != nil), ("--high-freq", highFreq != nil),
                           ("--use-energy", useEnergy != nil)].filter(\.1).map(\.0)
            if !melOnly.isEmpty {
                throw ValidationError("\(melOnly.joined(separator: ", ")) shape the mel filterbank of fbank and mfcc; a spectrogram has none (its first bin is the log energy)")
            }
        }
        return built
    }

    /// The augmentation the flags ask for (none by default).
    func makeAugmentation(config: FrontendConfig) throws -> AudioAugmentation {
        let factors = try speedPerturb.map { try SpeedPerturbation.parseFactors($0) } ?? [1]
        var noise: NoiseMixer?
        if let noiseSnr {
            if let noiseFiles {
                noise = try NoiseMixer.load(list: noiseFiles, snr: noiseSnr, sampleRate: Int(config.sampleFrequency.rounded()),
                                            channel: config.channel)
            } else {
                noise = try NoiseMixer(snr: noiseSnr)
            }
        }
        let warps = try vtlpWarps.map { try VocalTractPerturbation.parseWarps($0) } ?? [1]
        let extractor = FeatureExtractor(config: config, seed: seed)
        // A warp the front end cannot take is a flag that cannot work with the others: a refused command line.
        do {
            for warp in warps { _ = try VocalTractPerturbation.extractor(extractor, warp: warp) }
        } catch let error as InputError {
            throw ValidationError(error.description)
        }
        return AudioAugmentation(speedFactors: factors, noise: noise, seed: seed, vtlpWarps: warps)
    }

    func run() throws {
        try Self.reportingErrors(extract)
    }

    private func extract() throws {
        let config: FrontendConfig
        let items: [ExtractInput]
        let places: WavScpPlaces?
        let augmentation: AudioAugmentation
        var labelTable: [String: [String]]?
        var speakerTable: [String: String]?
        do {
            config = try frontendConfig()
            if let segments, let scp {
                (items, places) = try segmentInputs(segments: segments, scp: scp)
            } else {
                let list = try inputList(files: files, scp: scp, warn: Self.printWarning)
                items = list.items.map { ExtractInput(key: $0.key, path: $0.path, segments: nil) }
                places = list.places
            }
            augmentation = try makeAugmentation(config: config)
            if let textIn {
                labelTable = Dictionary(uniqueKeysWithValues: try KaldiText.read(path: textIn).map { ($0.key, $0.tokens) })
            }
            if let utt2spkIn { speakerTable = try KaldiText.readSpeakers(path: utt2spkIn) }
        } catch let error as InputError {
            Self.printMessage("\(error)")
            throw ExitCode.failure
        }
        if output == "-" && !textArk && isatty(1) == 1 {
            Self.printMessage("stdout: refusing to write a binary archive to a terminal; redirect stdout, use -o FILE, or --text-ark")
            throw ExitCode.failure
        }
        try Self.refuseSharedOutputs(SameFile.files(ofSpecifier: output).map { ("-o", $0) } + [("--text-out", textOut), ("--utt2spk-out", utt2spkOut)])
        try Self.refuseReplacingInputs(outputs: [("-o", output), ("--text-out", textOut), ("--utt2spk-out", utt2spkOut)],
                                       inputs: filesRead(items.map(\.path)) + [scp, segments, self.config, textIn, utt2spkIn, noiseFiles]
                                           + filesRead(augmentation.noise?.names ?? []))
        // The only BLAS product here is the small MFCC DCT, one utterance per thread: OpenBLAS's
        // own worker threads (started when the library loads, spinning on sched_yield while they
        // wait) only cost CPU, so run BLAS on the calling thread and stop them.
        setBLASThreads(1)
        openBLASThreadShutdown()
        // Every utterance allocates its samples and features afresh (megabytes a minute of audio):
        // keep freed memory in the process rather than faulting it in again for the next one.
        keepFreedMemory()
        Interrupt.install()
        // A killed run leaves its archive's temporary file beside the target (never a partial
        // archive under the final name); drop it before writing again.
        for leftover in KaldiArchiveWriter.removeLeftovers(of: output) {
            Self.printMessage("removed \(leftover), left by an interrupted write")
        }
        let labelsFile = try Self.openSideOutput(textOut)
        let speakersFile = try Self.openSideOutput(utt2spkOut)
        let writer = try KaldiArchiveWriter(path: output, mode: textArk ? .text : .binary)
        let extractor = FeatureExtractor(config: config, seed: seed)
        let progress = ProgressBar("extract", total: items.count, quiet: quiet, dataOnStdout: output == "-")
        let start = Date()
        var failures = 0, written = 0, frames = 0
        let labels = labelTable, speakers = speakerTable
        var labelLines: [(key: String, tokens: [String])] = [], speakerLines: [(key: String, tokens: [String])] = []
        let work: @Sendable (Int) -> [(source: String, result: Result<[(key: String, features: Matrix)], InputError>)] = { i in
            let item = items[i]
            func unlabelled(_ key: String) -> InputError? {
                if let labels, labels[key] == nil {
                    return InputError(file: textIn ?? "", place: "key \(key)", "no label line for \(item.path ?? key)")
                }
                if let speakers, speakers[key] == nil {
                    return InputError(file: utt2spkIn ?? "", place: "key \(key)", "no speaker line for \(item.path ?? key)")
                }
                return nil
            }
            guard let segments = item.segments else {
                do {
                    if let error = unlabelled(item.key) { throw error }
                    return [(item.key, .success(try extractor.features(file: item.path ?? "", key: item.key, augmentation: augmentation)))]
                }
                catch let e as InputError { return [(item.key, .failure(e))] }
                catch { return [(item.key, .failure(InputError(file: item.path ?? "", "\(error)")))] }
            }
            // The segments of one recording: read once, cut into its utterances.
            guard let path = item.path else {
                return segments.map { ($0.key, .failure(KaldiSegments.unknownRecording($0, scp: scp ?? ""))) }
            }
            let wanted = segments.filter { unlabelled($0.key) == nil }
            let pieces = wanted.map { segment in
                AudioPiece(key: segment.key, channel: segment.channel) { try segment.samples(frames: $0, rate: $1) }
            }
            var computed: [Result<[(key: String, features: Matrix)], InputError>]
            do { computed = try extractor.features(file: path, pieces: pieces, augmentation: augmentation) }
            catch let e as InputError { return [(item.key, .failure(e))] }
            catch { return [(item.key, .failure(InputError(file: path, "\(error)")))] }
            computed.reverse()
            return segments.map { segment in (segment.key, unlabelled(segment.key).map { .failure($0) } ?? computed.popLast()!) }
        }
        try orderedParallelMap(count: items.count, jobs: jobs, window: 4 * jobs, work: work) { i, results in
            for (source, result) in results {
                switch result {
                case .success(let utterances):
                    for (key, features) in utterances {
                        do {
                            try writer.write(key: key, matrix: features)
                            written += 1
                            frames += features.rows
                            if let labels { labelLines.append((key, labels[source] ?? [])) }
                            if let speaker = speakers?[source] {
                                // A copy is another speaker, as Kaldi's perturb_data_dir_speed.sh has it:
                                // sp0.9-UTT is spoken by sp0.9-SPK (the prefix of the key before the source's).
                                speakerLines.append((key, [String(key.dropLast(source.count)) + speaker]))
                            }
                        } catch let error as InputError where !writer.outputFailed {
                            // A key the archive cannot take (e.g. two files named alike): skip that one.
                            // A failed write (a full disk) ends the run instead: every later record would fail too.
                            progress.finish()
                            Self.printMessage("\(items[i].path ?? source): \(error)")
                            failures += 1
                        }
                    }
                case .failure(let error):
                    // After a signal, an utterance under way ends in the error of its stopped
                    // command: not a failure of the input; the run stops there.
                    if Interrupt.requested { return false }
                    progress.finish()
                    // A wav.scp command's failure is placed at its line (items are keyed by the scp's keys).
                    Self.printMessage("\(places?.placed(error, key: items[i].key) ?? error)")
                    // One error for a recording that cannot be read stands for each of its segments.
                    failures += results.count == 1 ? items[i].segments?.count ?? 1 : 1
                }
            }
            progress.advance()
            return !Interrupt.requested
        }
        progress.finish()
        // Nothing came out (every input failed, or --text-in labels none of them): the archive
        // and --text-out a run before wrote stay as they were, rather than become empty.
        let nothing = try Self.closeArchive(writer, wroteAny: written > 0, sideOutputs: [
            (labelsFile, { try KaldiText.encoded(labelLines, name: labelsFile?.name ?? "") }),
            (speakersFile, { try KaldiText.encoded(speakerLines, name: speakersFile?.name ?? "") }),
        ])
        if !quiet {
            let seconds = Date().timeIntervalSince(start)
            let inputs = segments == nil ? counted(items.count, "file") : counted(items.reduce(0) { $0 + ($1.segments?.count ?? 0) }, "segment")
            Self.printMessage(String(format: "%@ from %@, %@ of %d %@ features in %.1f s%@",
                              counted(written, "utterance"), inputs, counted(frames, "frame"), config.outputDimension,
                              config.featureType.rawValue, seconds, failures > 0 ? ", \(failures) failed" : ""))
        }
        if nothing { try Self.nothingWritten("utterance", why: failures > 0 ? " (every input failed)" : "", output: output) }
        if Interrupt.requested {
            Self.printMessage("interrupted; \(output == "-" ? "the archive" : output) holds the \(written) complete utterances written before the signal")
            throw ExitCode(Interrupt.exitStatus)
        }
        if failures > 0 { throw ExitCode.failure }
    }
}

/// OpenBLAS's exported `blas_thread_shutdown_` (the call its fork handler makes): ends the worker
/// threads; BLAS starts them again by itself if a later call asks for more than one thread.
private func openBLASThreadShutdown() {
    typealias Shutdown = @convention(c) () -> Int32
    _ = cFunction("blas_thread_shutdown_", as: Shutdown.self)?()
}

/// A C function of the running process by name, or nil when no loaded library has it.
private func cFunction<F>(_ name: String, as type: F.Type) -> F? {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
    return unsafeBitCast(symbol, to: type)
}

/// One unit of `extract audio`'s work: a file (its key and path), or with --segments a run of
/// consecutive segments of one recording (its path; nil when the wav.scp lacks the recording).
struct ExtractInput: Sendable {
    var key: String
    var path: String?
    var segments: [KaldiSegment]?
}

/// The runs of `segments`' lines, each with its recording's path in the wav.scp `scp`, and the
/// places of the wav.scp's commands.
private func segmentInputs(segments: String, scp: String) throws -> ([ExtractInput], WavScpPlaces) {
    let recordings = try WavScp.read(path: scp)
    let list = try KaldiSegments.read(path: segments)
    guard !list.isEmpty else {
        throw InputError(file: segments == "-" ? "stdin" : segments, "no segments (expected \"uttid recording start end\" lines)")
    }
    return (KaldiSegments.runs(list, recordings: recordings).map { ExtractInput(key: $0.segments[0].recording, path: $0.path, segments: $0.segments) },
            WavScpPlaces(path: scp, entries: recordings))
}
