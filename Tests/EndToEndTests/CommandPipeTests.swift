// Kaldi command locations (`… |`) through the built binary: wav.scp entries whose audio a command
// writes (`flac -c -d -s x.flac |`, `sox x.wav -t wav - |`), and archives read through a command
// (`ark:gzip -dc feats.ark.gz |`), as Kaldi data directories and recipes use them.
import Foundation
import XCTest
import TestSupport

final class CommandPipeTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let model = packageRoot.appendingPathComponent("models/digits.safetensors").path
    static let config = packageRoot.appendingPathComponent("models/digits.conf").path

    /// The path of `program` on PATH, or nil.
    func installed(_ program: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Three tones of different lengths and pitches, as WAV files in `dir`.
    func writeTones() throws -> [String] {
        try [(440.0, 0.6), (660.0, 0.9), (300.0, 0.45)].enumerated().map { i, tone in
            let url = dir.appendingPathComponent("tone\(i).wav")
            try wavBytes(samples: toneSamples(hz: tone.0, seconds: tone.1, rate: 16000), rate: 16000).write(to: url)
            return url.path
        }
    }

    func extract(_ scp: String, _ output: String, _ extra: [String] = []) throws -> ProcessResult {
        try runSeqlab(["extract", "audio", "--scp", scp, "-o", output, "--quiet"] + extra, currentDirectory: dir)
    }

    /// `cat x.wav |` (and `sox x.wav -t wav - |` when sox is installed) entries give the archive
    /// the plain paths give, byte for byte; so does a segments file cutting recordings a command
    /// writes, with speed perturbation.
    func testCommandEntriesGiveTheFeaturesOfTheFiles() throws {
        let tones = try writeTones()
        let plain = try writeTextFile(tones.enumerated().map { "u\($0.offset) \($0.element)\n" }.joined(), "plain.scp", in: dir)
        let plainArk = dir.appendingPathComponent("plain.ark").path
        let reference = try extract(plain, plainArk)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let expected = try Data(contentsOf: URL(fileURLWithPath: plainArk))
        XCTAssertGreaterThan(expected.count, 1000)
        var commands: [(String, (String) -> String)] = [("cat", { "cat \($0) |" })]
        if installed("sox") != nil { commands.append(("sox", { "sox \($0) -t wav - |" })) } else { print("sox is not installed: its wav.scp lines are not tested") }
        for (name, command) in commands {
            let scp = try writeTextFile(tones.enumerated().map { "u\($0.offset) \(command($0.element))\n" }.joined(), "\(name).scp", in: dir)
            let out = dir.appendingPathComponent("\(name).ark").path
            let r = try extract(scp, out, ["--jobs", "2"])
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            XCTAssertEqual(r.stderr, "", name)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), expected, "\(name): the archive differs from the plain paths'")
        }
        // Segments of recordings a command writes, perturbed: as the plain recordings.
        let segments = try writeTextFile("s0 u0 0.00 0.30\ns1 u0 0.30 -1\ns2 u1 0.10 0.80\n", "segments", in: dir)
        let catScp = try writeTextFile(tones.enumerated().map { "u\($0.offset) cat \($0.element) |\n" }.joined(), "cat2.scp", in: dir)
        let viaPlain = dir.appendingPathComponent("seg-plain.ark").path, viaCat = dir.appendingPathComponent("seg-cat.ark").path
        let flags = ["--segments", segments, "--speed-perturb", "0.9,1.0"]
        let p = try extract(plain, viaPlain, flags), c = try extract(catScp, viaCat, flags)
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: viaCat)), try Data(contentsOf: URL(fileURLWithPath: viaPlain)))
    }

    /// Commands that fail in the middle of a batch (a non-zero exit, a signal, nothing written, bytes
    /// that are no audio) are each named on one line, at their line of the wav.scp, with the exit
    /// status and the last line of their stderr; their stderr goes nowhere else; the other
    /// utterances are extracted, in order, and the exit status is 1.
    func testFailingCommandsAreReportedAndTheRestExtracted() throws {
        let tones = try writeTones()
        let scp = try writeTextFile("""
            u0 cat \(tones[0]) |
            bad1 exit 3 |
            bad2 echo first >&2; echo the cause >&2; exit 2 |
            u1 cat \(tones[1]) |
            bad3 kill -9 $$ |
            bad4 true |
            bad5 echo not audio |
            u2 \(tones[2])

            """, "wav.scp", in: dir)
        let out = dir.appendingPathComponent("out.ark").path
        let r = try extract(scp, out, ["--jobs", "3"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").map(String.init), [
            "seqlab extract audio: \(scp): line 2: command \"exit 3 |\": exited with status 3",
            "seqlab extract audio: \(scp): line 3: command \"echo first >&2; echo the cause >&2; exit 2 |\": exited with status 2 (stderr: \"the cause\")",
            "seqlab extract audio: \(scp): line 5: command \"kill -9 $$ |\": killed by signal 9 (SIGKILL)",
            "seqlab extract audio: \(scp): line 6: command \"true |\": exited with status 0 but wrote nothing to stdout",
            "seqlab extract audio: \(scp): line 7: command \"echo not audio |\": its output is not audio libsndfile can read: Format not recognised.",
        ])
        // The good ones, as the plain files give them.
        let plain = try writeTextFile(tones.enumerated().map { "u\($0.offset) \($0.element)\n" }.joined(), "plain.scp", in: dir)
        let plainArk = dir.appendingPathComponent("plain.ark").path
        XCTAssertEqual(try extract(plain, plainArk).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), try Data(contentsOf: URL(fileURLWithPath: plainArk)))
        // label reports a failing command the same way and labels the rest.
        let label = try runSeqlab(["label", "-m", Self.model, "--scp", scp, "--jobs", "2", "--quiet"], currentDirectory: dir)
        XCTAssertEqual(label.status, 1, label.stderr)
        XCTAssertEqual(label.stdoutText.split(separator: "\n").map { String($0.split(separator: " ")[0]) }, ["u0", "u1", "u2"])
        XCTAssertTrue(label.stderr.contains("seqlab label: \(scp): line 3: command \"echo first >&2; echo the cause >&2; exit 2 |\": exited with status 2 (stderr: \"the cause\")\n"), label.stderr)
        XCTAssertFalse(label.stderr.split(separator: "\n").contains { $0 == "first" || $0 == "the cause" }, "a command's stderr got through: \(label.stderr)")
    }

    /// A LibriSpeech wav.scp line, `flac -c -d -s x.flac |`, on a recording of the shared data
    /// converted to FLAC: the features of the WAV file itself.
    func testLibriSpeechFlacLine() throws {
        guard let flac = installed("flac") else { throw XCTSkip("flac is not installed (apt-get install flac)") }
        guard let shared = sharedDataDirectory() else { throw XCTSkip("../shared/data is absent") }
        let wav = shared.appendingPathComponent("fsdd/recordings/3_theo_7.wav").path
        guard FileManager.default.fileExists(atPath: wav) else { throw XCTSkip("\(wav) is absent") }
        let flacFile = dir.appendingPathComponent("1089-134686-0000.flac").path
        let encoded = try runProgram(URL(fileURLWithPath: flac), ["-s", "-f", "-o", flacFile, wav])
        XCTAssertEqual(encoded.status, 0, encoded.stderr)
        let scp = try writeTextFile("1089-134686-0000 flac -c -d -s \(flacFile) |\n", "wav.scp", in: dir)
        let plain = try writeTextFile("1089-134686-0000 \(wav)\n", "plain.scp", in: dir)
        let a = dir.appendingPathComponent("flac.ark").path, b = dir.appendingPathComponent("wav.ark").path
        for (list, out) in [(scp, a), (plain, b)] {
            let r = try extract(list, out, ["--config", Self.config])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
    }

    /// `ark:gzip -dc feats.ark.gz |` reads what the archive holds; a truncated gzip stream is an
    /// error naming the command and its stderr, not a shorter archive; `scp:CMD |` reads the list
    /// from the command.
    func testArchivesThroughCommands() throws {
        guard let gzip = installed("gzip") else { throw XCTSkip("gzip is not installed") }
        let tones = try writeTones()
        let plain = try writeTextFile(tones.enumerated().map { "u\($0.offset) \($0.element)\n" }.joined(), "plain.scp", in: dir)
        let ark = dir.appendingPathComponent("feats.ark").path, scp = dir.appendingPathComponent("feats.scp").path
        XCTAssertEqual(try extract(plain, "ark,scp:\(ark),\(scp)").status, 0)
        let zipped = try runProgram(URL(fileURLWithPath: gzip), ["-k", ark])
        XCTAssertEqual(zipped.status, 0, zipped.stderr)
        let gz = try Data(contentsOf: URL(fileURLWithPath: ark + ".gz"))
        let cut = dir.appendingPathComponent("cut.ark.gz").path
        try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: cut))

        func cmvn(_ input: String, _ name: String) throws -> (ProcessResult, String) {
            let out = dir.appendingPathComponent(name).path
            return (try runSeqlab(["cmvn", input, "-o", out], currentDirectory: dir), out)
        }
        let (direct, directOut) = try cmvn(ark, "direct.ark")
        XCTAssertEqual(direct.status, 0, direct.stderr)
        let expected = try Data(contentsOf: URL(fileURLWithPath: directOut))
        for input in ["ark:gzip -dc \(ark).gz |", "gzip -dc \(ark).gz |", "scp:cat \(scp) |"] {
            let (r, out) = try cmvn(input, "piped.ark")
            XCTAssertEqual(r.status, 0, "\(input): \(r.stderr)")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), expected, input)
        }
        let (truncated, truncatedOut) = try cmvn("ark:gzip -dc \(cut) |", "cut.ark")
        XCTAssertEqual(truncated.status, 1, truncated.stderr)
        let lines = truncated.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, truncated.stderr)
        XCTAssertTrue(truncated.stderr.hasPrefix("seqlab cmvn: command \"gzip -dc \(cut) |\": byte "), truncated.stderr)
        XCTAssertTrue(truncated.stderr.hasSuffix(": exited with status 1 (stderr: \"gzip: \(cut): unexpected end of file\")\n"), truncated.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: truncatedOut), "a cut-off input left an output")
        // A command that is not there: its exit status 127 and the shell's message.
        let (missing, _) = try cmvn("ark:no-such-program-here \(ark) |", "none.ark")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("seqlab cmvn: command \"no-such-program-here \(ark) |\": byte 0: exited with status 127 (stderr: \""), missing.stderr)
        // An output command given as input is named as one.
        let fromOutput = try runSeqlab(["cmvn", "ark:| gzip -c > out.gz", "-o", "x.ark"], currentDirectory: dir)
        XCTAssertEqual(fromOutput.status, 1)
        XCTAssertEqual(fromOutput.stderr, "seqlab cmvn: ark:| gzip -c > out.gz: an output command (\"| CMD\") is written to, not read; a command whose output is read ends in \"|\" (ark:gzip -dc feats.ark.gz |)\n")
    }

    /// -o "ark:| CMD" writes the archive into a command's stdin, as Kaldi recipes write
    /// ark:| gzip -c > feats.ark.gz: gunzip gives back the archive written to a file, byte for
    /// byte (extract, extract with ark,t:, cmvn); a command that fails, or ends before it has
    /// read the archive, is one line naming it and exit status 1.
    func testArchivesWrittenIntoCommands() throws {
        guard installed("gzip") != nil else { throw XCTSkip("gzip is not installed") }
        let tones = try writeTones()
        let plain = try writeTextFile(tones.enumerated().map { "u\($0.offset) \($0.element)\n" }.joined(), "plain.scp", in: dir)
        func gunzipped(_ name: String) throws -> Data {
            let r = try runProgram(URL(fileURLWithPath: installed("gzip")!), ["-dc", dir.appendingPathComponent(name).path])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdout
        }
        func contents(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }
        for (mode, extra) in [("binary", [String]()), ("text", ["--text-ark"])] {
            XCTAssertEqual(try extract(plain, "\(mode).ark", extra).status, 0)
            let piped = try extract(plain, "ark:| gzip -c > \(mode).ark.gz", extra)
            XCTAssertEqual(piped.status, 0, piped.stderr)
            XCTAssertEqual(piped.stderr, "")
            XCTAssertEqual(try gunzipped("\(mode).ark.gz"), try contents("\(mode).ark"), mode)
        }
        let text = try extract(plain, "ark,t:| gzip -c > t.ark.gz")
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertEqual(try gunzipped("t.ark.gz"), try contents("text.ark"))
        XCTAssertEqual(try runSeqlab(["cmvn", "binary.ark", "-o", "cmvn.ark"], currentDirectory: dir).status, 0)
        let cmvn = try runSeqlab(["cmvn", "ark:gzip -dc binary.ark.gz |", "-o", "ark:| gzip -c > cmvn.ark.gz"], currentDirectory: dir)
        XCTAssertEqual(cmvn.status, 0, cmvn.stderr)
        XCTAssertEqual(try gunzipped("cmvn.ark.gz"), try contents("cmvn.ark"))
        // Failures: the command's status and the last line of its stderr, or that it stopped reading.
        let missingFolder = try extract(plain, "ark:| gzip -c > no-such-folder/x.gz")
        XCTAssertEqual(missingFolder.status, 1, missingFolder.stderr)
        XCTAssertEqual(missingFolder.stderr.split(separator: "\n").count, 1, missingFolder.stderr)
        XCTAssertTrue(missingFolder.stderr.hasPrefix("seqlab extract audio: command \"| gzip -c > no-such-folder/x.gz\": exited with status 2 (stderr: \""), missingFolder.stderr)
        XCTAssertTrue(missingFolder.stderr.contains("no-such-folder/x.gz"), missingFolder.stderr)
        let failing = try extract(plain, "ark:| cat > /dev/null; exit 3")
        XCTAssertEqual(failing.status, 1, failing.stderr)
        XCTAssertEqual(failing.stderr, "seqlab extract audio: command \"| cat > /dev/null; exit 3\": exited with status 3\n")
        // More than a pipe holds (about 250 KB of text), so that writing it fails once head is gone.
        let early = try extract(plain, "ark:| head -c 10 > /dev/null", ["--text-ark", "--speed-perturb", "0.9,1.0,1.1"])
        XCTAssertEqual(early.status, 1, early.stderr)
        XCTAssertEqual(early.stderr, "seqlab extract audio: command \"| head -c 10 > /dev/null\": exited with status 0 before reading all its input\n")
    }

    /// A --noise-files line may be a command too: the noise is the same as the file's; a failing
    /// one is named at its line of the list.
    func testNoiseListCommands() throws {
        let tones = try writeTones()
        let speech = try writeTextFile("u0 \(tones[0])\nu1 \(tones[1])\n", "wav.scp", in: dir)
        let plainList = try writeTextFile("# noises\n\(tones[2])\n", "plain.list", in: dir)
        let catList = try writeTextFile("# noises\ncat \(tones[2]) |\n", "cat.list", in: dir)
        let a = dir.appendingPathComponent("a.ark").path, b = dir.appendingPathComponent("b.ark").path
        for (list, out) in [(plainList, a), (catList, b)] {
            let r = try extract(speech, out, ["--noise-snr", "5", "--noise-files", list, "--seed", "3"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: b)), try Data(contentsOf: URL(fileURLWithPath: a)))
        let badList = try writeTextFile("\(tones[2])\n\ncat \(tones[2]).missing |\n", "bad.list", in: dir)
        let r = try extract(speech, dir.appendingPathComponent("c.ark").path, ["--noise-snr", "5", "--noise-files", badList])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "seqlab extract audio: \(badList): line 3: command \"cat \(tones[2]).missing |\": exited with status 1 (stderr: \"cat: \(tones[2]).missing: No such file or directory\")\n")
    }

    /// An output over the audio file a command reads is refused before any work, as one over a
    /// listed file is (the command would have read it, and the archive replaced it).
    func testOutputOverAFileACommandReadsIsRefused() throws {
        let tones = try writeTones()
        let scp = try writeTextFile("u0 cat \(tones[0]) |\nu1 sox \(tones[1]) -t wav - |\n", "wav.scp", in: dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: tones[1]))
        let r = try extract(scp, tones[1])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertEqual(r.stderr, "seqlab extract audio: -o \(tones[1]) is the input \(tones[1]): writing it would replace that input; give another output path\n")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: tones[1])), before)
        let label = try runSeqlab(["label", "-m", Self.model, "--scp", scp, "-o", tones[1], "--quiet"])
        XCTAssertEqual(label.status, 64, label.stderr)
        XCTAssertTrue(label.stderr.hasSuffix("-o \(tones[1]) is the input \(tones[1]): writing it would replace that input; give another output path\n"), label.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: tones[1])), before)
    }

    /// inspect describes a wav.scp of commands: how many, which programs, and the audio files their
    /// words name (a missing one is named as a missing plain entry is).
    func testInspectDescribesCommandEntries() throws {
        let tones = try writeTones()
        let scp = try writeTextFile("""
            a \(tones[0])
            b flac -c -d -s \(tones[1]).flac |
            c sox \(tones[2]) -t wav - |
            d flac -c -d -s \(tones[1]) |

            """, "wav.scp", in: dir)
        let r = try runSeqlab(["inspect", scp])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stdoutText, """
            \(scp): wav.scp
              entries: 4
              audio files found: 1
              commands ("… |", run to read their audio): 3 (flac 2, sox 1)
              audio files the commands name: 2 found, 1 missing

            """)
        XCTAssertEqual(r.stderr, "seqlab inspect: \(scp): line 2: \(tones[1]).flac: no such audio file, named by the command\n")
        let good = try writeTextFile("a cat \(tones[0]) |\n", "good.scp", in: dir)
        let g = try runSeqlab(["inspect", good])
        XCTAssertEqual(g.status, 0, g.stderr)
        XCTAssertEqual(g.stdoutText, "\(good): wav.scp\n  entries: 1\n  audio files found: 0\n  commands (\"… |\", run to read their audio): 1 (cat 1)\n  audio files the commands name: 1 found\n")
    }

    /// The processes running `sleep SECONDS` (not zombies), found in /proc.
    func sleepers(_ seconds: String) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(Int32.init).filter { process in
            guard let command = FileManager.default.contents(atPath: "/proc/\(process)/cmdline"),
                  command == Data("sleep\0\(seconds)\0".utf8),
                  let stat = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            return !stat[stat.index(after: close)...].hasPrefix(" Z")
        }
    }

    /// SIGTERM while wav.scp commands run (`sleep 12; cat x.wav |`) stops them at once: label and
    /// extract end within moments with status 128 + 15 and their one line saying so, not after
    /// the commands have run their course, and no process of a command is left running.
    func testASignalStopsTheRunningCommands() throws {
        let tones = try writeTones()
        let seconds = "12.\(Int.random(in: 100...999))"
        let scp = try writeTextFile(tones.enumerated().map { "u\($0.offset) sleep \(seconds); cat \($0.element) |\n" }.joined(), "slow.scp", in: dir)
        let labels = dir.appendingPathComponent("labels.txt").path, archive = dir.appendingPathComponent("feats.ark").path
        for (arguments, expected) in [
            (["label", "-m", Self.model, "--scp", scp, "--jobs", "2", "--quiet", "-o", labels],
             "seqlab label: interrupted; \(labels) holds the labels of 0 of 3 files; run the same command with --resume to continue\n"),
            (["extract", "audio", "--scp", scp, "--jobs", "2", "--quiet", "-o", archive],
             "seqlab extract audio: interrupted; \(archive) holds the 0 complete utterances written before the signal\n"),
        ] {
            let process = Process()
            process.executableURL = seqlabBinary()
            process.arguments = arguments
            let stderr = Pipe()
            process.standardError = stderr
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while sleepers(seconds).count < 2 && Date() < deadline { usleep(10_000) }
            XCTAssertEqual(sleepers(seconds).count, 2, "the commands did not start; the signal tests nothing")
            let start = Date()
            kill(process.processIdentifier, SIGTERM)
            let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, "waited for the commands: \(message)")
            XCTAssertEqual(process.terminationReason, .exit, message)
            XCTAssertEqual(process.terminationStatus, 128 + SIGTERM, message)
            XCTAssertEqual(message, expected)
            XCTAssertEqual(sleepers(seconds), [], "processes of the commands are left running")
        }
    }
}
