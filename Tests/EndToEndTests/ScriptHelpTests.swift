// The scripts of scripts/ as a new user first meets them: `--help` explains and does nothing else,
// and a missing or mistyped output folder is a usage error, not a folder named "--help".
import Foundation
import XCTest
import TestSupport

final class ScriptHelpTests: XCTestCase {
    private let scripts = packageRoot.appendingPathComponent("scripts")

    /// The executable files directly in scripts/ (the shell and Python entry points).
    private func executableScripts() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: scripts, includingPropertiesForKeys: [.isRegularFileKey])
            .filter { url in
                (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
                    && FileManager.default.isExecutableFile(atPath: url.path)
            }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The checkout's changed and untracked files (`git status`), or nil outside a git checkout.
    private func checkoutChanges() throws -> String? {
        guard FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent(".git").path) else { return nil }
        let result = try runProgram(URL(fileURLWithPath: "/usr/bin/env"),
                                    ["git", "-C", packageRoot.path, "status", "--porcelain", "--untracked-files=all"],
                                    timeout: 60)
        return result.status == 0 ? result.stdoutText : nil
    }

    private func contents(of dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    /// `-h` and `--help` print the script's help (with its usage) on stdout and exit 0, in a few
    /// seconds, having built, installed, written and removed nothing: no output in stderr (where
    /// builds and set-up report), no file in the working folder, no change to the checkout.
    func testEveryScriptExplainsItselfOnHelpAndDoesNothingElse() throws {
        let found = try executableScripts()
        // demo, test, setup and the experiment scripts at least; a listing that found few would check little.
        XCTAssertGreaterThan(found.count, 25, found.map(\.lastPathComponent).joined(separator: " "))
        let before = try checkoutChanges()
        for script in found {
            for flag in ["--help", "-h"] {
                let name = "scripts/\(script.lastPathComponent) \(flag)"
                let cwd = temporaryDirectory("script-help")
                let result = try runProgram(script, [flag], currentDirectory: cwd, timeout: 30)
                XCTAssertEqual(result.status, 0, "\(name): exit status; stderr: \(result.stderr.prefix(400))")
                XCTAssertTrue(result.stdoutText.lowercased().contains("usage:"),
                              "\(name) prints no usage: \(result.stdoutText.prefix(400))")
                XCTAssertEqual(result.stderr, "", "\(name) wrote to stderr (a build or set-up started?)")
                XCTAssertEqual(contents(of: cwd), [], "\(name) left files in the working folder")
            }
        }
        XCTAssertEqual(try checkoutChanges(), before, "a script's --help changed the checkout")
    }

    /// A file in scripts/ or scripts/reference/ starts with "#!" if and only if it is executable: a
    /// script with an interpreter line can be run as scripts/NAME (and the ones directly in scripts/
    /// are then checked by the tests here), and a data or source file there (a config, C source) is
    /// not marked runnable. The files of scripts/lib are sourced: no "#!", not executable.
    func testScriptsWithAnInterpreterLineAreExecutableAndNoOthers() throws {
        for (folder, least) in [("scripts", 25), ("scripts/reference", 10), ("scripts/lib", 2)] {
            let files = try FileManager.default.contentsOfDirectory(at: packageRoot.appendingPathComponent(folder),
                                                                    includingPropertiesForKeys: [.isRegularFileKey])
                .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            XCTAssertGreaterThanOrEqual(files.count, least, folder)
            for file in files {
                let interpreted = try Data(contentsOf: file).prefix(2) == Data("#!".utf8)
                XCTAssertEqual(FileManager.default.isExecutableFile(atPath: file.path), interpreted,
                               "\(folder)/\(file.lastPathComponent): \(interpreted ? "has a #! line but is not executable" : "is executable without a #! line")")
                if folder == "scripts/lib" { XCTAssertFalse(interpreted, "\(folder)/\(file.lastPathComponent) is sourced, not run") }
            }
        }
    }

    /// The scripts whose first argument is an output folder (their usage line says OUTDIR first):
    /// without it, or with an option in its place, they exit 2 with their usage on stderr and
    /// create nothing — not a folder named after the option.
    func testScriptsTakingAnOutputFolderRefuseAMissingOrOptionLikeOne() throws {
        var checked: [String] = []
        for script in try executableScripts() {
            let name = script.lastPathComponent
            let header = try String(contentsOf: script, encoding: .utf8)
            guard header.contains("Usage: scripts/\(name) OUTDIR") else { continue }
            checked.append(name)
            for arguments in [[], ["--epochs"], ["-x", "5"]] {
                let cwd = temporaryDirectory("script-usage")
                let result = try runProgram(script, arguments, currentDirectory: cwd, timeout: 30)
                let call = (["scripts/\(name)"] + arguments).joined(separator: " ")
                XCTAssertEqual(result.status, 2, "\(call): exit status; stderr: \(result.stderr.prefix(400))")
                let lines = result.stderr.split(separator: "\n")
                XCTAssertEqual(lines.count, 2, "\(call): stderr \(result.stderr)")
                XCTAssertTrue(lines.first?.hasPrefix("\(name): ") == true, "\(call): stderr \(result.stderr)")
                if let option = arguments.first {
                    XCTAssertTrue(lines.first?.hasSuffix(option) == true, "\(call) does not name \(option): \(result.stderr)")
                }
                XCTAssertTrue(lines.last?.hasPrefix("usage: scripts/\(name) OUTDIR") == true, "\(call): stderr \(result.stderr)")
                XCTAssertEqual(contents(of: cwd), [], "\(call) created files")
            }
        }
        for expected in ["yesno-experiment", "fsdd-experiments", "unipen-experiment", "make-digit-strings",
                         "pendigits-experiment", "classify-experiments"] {
            XCTAssertTrue(checked.contains(expected), "\(expected) not checked; checked: \(checked)")
        }
    }

    /// Runs scripts/NAME with ARGUMENTS in an empty folder and requires a usage error: status 2, a
    /// message naming `mentions` and the usage line on stderr, nothing built or created.
    private func assertRefused(_ name: String, _ arguments: [String], mentions: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let cwd = temporaryDirectory("script-refusal")
        let result = try runProgram(scripts.appendingPathComponent(name), arguments, currentDirectory: cwd, timeout: 30)
        let call = (["scripts/\(name)"] + arguments).joined(separator: " ")
        XCTAssertEqual(result.status, 2, "\(call): exit status; stderr: \(result.stderr.prefix(400))", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(mentions), "\(call) does not say \(mentions): \(result.stderr.prefix(400))",
                      file: file, line: line)
        XCTAssertTrue(result.stderr.contains("usage: scripts/\(name)"), "\(call): no usage line: \(result.stderr.prefix(400))",
                      file: file, line: line)
        XCTAssertEqual(contents(of: cwd), [], "\(call) created files", file: file, line: line)
    }

    /// classify-experiments takes a set name second: anything else (a typo, the epochs in its place)
    /// is refused before anything is built, rather than doing nothing with status 0.
    func testClassifyExperimentsRefusesAnUnknownSet() throws {
        try assertRefused("classify-experiments", ["out", "foo"], mentions: "fsdd|pendigits|all")
        try assertRefused("classify-experiments", ["out", "2"], mentions: "fsdd|pendigits|all")
        try assertRefused("classify-experiments", ["out", "all", "x"], mentions: "EPOCHS")
    }

    /// make-digit-strings takes counts and a seed: a word, a negative count, no training strings, or
    /// a word as seed is a usage error, not a shell error or an empty data set with status 0.
    func testMakeDigitStringsRefusesCountsThatAreNotPositiveNumbers() throws {
        try assertRefused("make-digit-strings", ["out", "abc", "2"], mentions: "TRAIN_COUNT")
        try assertRefused("make-digit-strings", ["out", "-3", "2"], mentions: "TRAIN_COUNT")
        try assertRefused("make-digit-strings", ["out", "2", "-1"], mentions: "TEST_COUNT")
        try assertRefused("make-digit-strings", ["out", "2", "2", "xyz"], mentions: "SEED")
    }

    /// make-samples takes an optional output folder, count and seed: an option in the folder's place,
    /// a count that is not a positive number, a word as seed or a fourth argument is a usage error,
    /// not a folder named "--foo", a shell error, or "wrote abc utterances" with status 0.
    func testMakeSamplesRefusesOptionsAndCountsThatAreNotPositiveNumbers() throws {
        try assertRefused("make-samples", ["--foo"], mentions: "not an option: --foo")
        try assertRefused("make-samples", ["out", "abc"], mentions: "COUNT")
        try assertRefused("make-samples", ["out", "0"], mentions: "COUNT")
        try assertRefused("make-samples", ["out", "-3"], mentions: "COUNT")
        try assertRefused("make-samples", ["out", "2", "xyz"], mentions: "SEED")
        try assertRefused("make-samples", ["out", "2", "1", "extra"], mentions: "extra")
    }

    /// make-samples run from another folder writes a relative OUTDIR there (not into the checkout),
    /// with a wav.scp whose paths open from that folder; and its defaults make the shipped
    /// data/samples again, byte for byte (the strings, voices, speeds and noise levels are seeded).
    func testMakeSamplesWritesWhereItIsCalledAndRemakesTheShippedSamples() throws {
        for tool in ["espeak-ng", "sox"] {
            let found = try runProgram(URL(fileURLWithPath: "/usr/bin/env"), ["sh", "-c", "command -v \(tool)"], timeout: 30)
            try XCTSkipIf(found.status != 0, "make-samples needs \(tool)")
        }
        let before = try checkoutChanges()
        let cwd = temporaryDirectory("make-samples")
        let result = try runProgram(scripts.appendingPathComponent("make-samples"), ["out"], currentDirectory: cwd, timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try checkoutChanges(), before, "make-samples out changed the checkout")
        let shipped = packageRoot.appendingPathComponent("data/samples")
        let made = cwd.appendingPathComponent("out")
        let scp = try String(contentsOf: made.appendingPathComponent("wav.scp"), encoding: .utf8)
        let entries = scp.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(entries.count, 12, scp)
        for entry in entries {
            XCTAssertEqual(entry.count, 2, scp)
            XCTAssertEqual(entry.last, "out/\(entry[0]).wav", scp)
            let mine = try Data(contentsOf: cwd.appendingPathComponent(entry[1]))
            let theirs = try Data(contentsOf: shipped.appendingPathComponent("\(entry[0]).wav"))
            XCTAssertEqual(mine, theirs, "\(entry[0]).wav differs from data/samples'")
        }
        XCTAssertEqual(try Data(contentsOf: made.appendingPathComponent("text")),
                       try Data(contentsOf: shipped.appendingPathComponent("text")))
        let shippedScp = try String(contentsOf: shipped.appendingPathComponent("wav.scp"), encoding: .utf8)
        XCTAssertEqual(scp.replacingOccurrences(of: " out/", with: " data/samples/"), shippedScp)
    }

    /// make-mazes takes an optional output folder (and seqlab binary), both from the folder it is
    /// called in: the mazes it writes there are the shipped data/grids ones, byte for byte, and the
    /// checkout is left alone; an option or a file as OUTDIR, a SEQLAB that is not there or a third
    /// argument is a usage error before anything is built.
    func testMakeMazesWritesWhereItIsCalledAndRemakesTheShippedMazes() throws {
        try assertRefused("make-mazes", ["--foo"], mentions: "not an option: --foo")
        try assertRefused("make-mazes", ["out", "no-such-seqlab"], mentions: "'no-such-seqlab'")
        try assertRefused("make-mazes", ["out", seqlabBinary().path, "extra"], mentions: "'extra'")
        let before = try checkoutChanges()
        let cwd = temporaryDirectory("make-mazes")
        try Data().write(to: cwd.appendingPathComponent("a-file"))
        let refused = try runProgram(scripts.appendingPathComponent("make-mazes"), ["a-file", seqlabBinary().path],
                                     currentDirectory: cwd, timeout: 30)
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").first, "make-mazes: OUTDIR is a folder, and a-file is a file")
        // SEQLAB as a path relative to the current folder, as OUTDIR is.
        let link = cwd.appendingPathComponent("seqlab")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: seqlabBinary())
        let result = try runProgram(scripts.appendingPathComponent("make-mazes"), ["out/grids", "./seqlab"],
                                    currentDirectory: cwd, timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "make-mazes: wrote out/grids/maze-8x8.grid and out/grids/maze-32x32.grid\n")
        XCTAssertEqual(contents(of: cwd.appendingPathComponent("out/grids")), ["maze-32x32.grid", "maze-8x8.grid"])
        for name in ["maze-8x8.grid", "maze-32x32.grid"] {
            XCTAssertEqual(try Data(contentsOf: cwd.appendingPathComponent("out/grids/\(name)")),
                           try Data(contentsOf: packageRoot.appendingPathComponent("data/grids/\(name)")), name)
        }
        XCTAssertEqual(try checkoutChanges(), before, "make-mazes out/grids changed the checkout")
    }

    /// The files under `root`, as paths relative to it, sorted.
    private func filesUnder(_ root: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        let prefix = root.resolvingSymlinksInPath().path + "/"
        return walker.compactMap { $0 as? URL }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .map { String($0.resolvingSymlinksInPath().path.dropFirst(prefix.count)) }
            .sorted()
    }

    /// make-fuzz-corpus writes the committed seeds (Fuzz/Corpus) again, byte for byte: the same
    /// files, none missing and none extra, so a change to a fixture or to make-malformed that alters
    /// the seeds shows here (run scripts/make-fuzz-corpus and commit what it changed). It writes a
    /// folder it is given and leaves the checkout alone.
    func testMakeFuzzCorpusRemakesTheCommittedSeeds() throws {
        let before = try checkoutChanges()
        let out = temporaryDirectory("make-fuzz-corpus").appendingPathComponent("corpus")
        let result = try runProgram(scripts.appendingPathComponent("make-fuzz-corpus"), [out.path], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try checkoutChanges(), before, "make-fuzz-corpus OUT changed the checkout")
        let committed = packageRoot.appendingPathComponent("Fuzz/Corpus")
        let made = filesUnder(out), kept = filesUnder(committed)
        // eleven targets, each with a few seeds; a listing that found few would compare little.
        XCTAssertGreaterThan(made.count, 100, made.joined(separator: " "))
        XCTAssertEqual(Set(made.map { $0.split(separator: "/")[0] }).count, 11, made.joined(separator: " "))
        XCTAssertEqual(made.filter { !kept.contains($0) }, [], "written by make-fuzz-corpus but not committed in Fuzz/Corpus")
        XCTAssertEqual(kept.filter { !made.contains($0) }, [], "committed in Fuzz/Corpus but not written by make-fuzz-corpus")
        for name in made where kept.contains(name) {
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent(name)),
                           try Data(contentsOf: committed.appendingPathComponent(name)),
                           "Fuzz/Corpus/\(name) differs from what make-fuzz-corpus writes")
        }
    }

    /// make-fuzz-corpus misused (two folders, an option, a file as OUT) says what is wrong and gives
    /// its usage line, in two lines with status 2 as the other scripts, not "Usage:" with status 1;
    /// it writes nothing, and a folder holding other files is still refused whole (status 1).
    func testMakeFuzzCorpusGivesAUsageLineOnMisuse() throws {
        for (arguments, message) in [(["out", "other"], "takes one folder OUT, not also 'other'"),
                                     (["--foo"], "unknown option --foo (OUT is a folder)"),
                                     (["-x", "out"], "unknown option -x (OUT is a folder)")] {
            try assertRefused("make-fuzz-corpus", arguments, mentions: message)
            let result = try runProgram(scripts.appendingPathComponent("make-fuzz-corpus"), arguments,
                                        currentDirectory: temporaryDirectory("script-usage"), timeout: 30)
            XCTAssertEqual(result.stderr, "make-fuzz-corpus: \(message)\nusage: scripts/make-fuzz-corpus [OUT]   (default OUT: Fuzz/Corpus)\n",
                           "\(arguments)")
        }
        let cwd = temporaryDirectory("script-usage")
        try Data().write(to: cwd.appendingPathComponent("a-file"))
        let file = try runProgram(scripts.appendingPathComponent("make-fuzz-corpus"), ["a-file"], currentDirectory: cwd, timeout: 30)
        XCTAssertEqual(file.status, 2, file.stderr)
        XCTAssertEqual(file.stderr.split(separator: "\n").first, "make-fuzz-corpus: OUT is a folder, and a-file is a file")
        try FileManager.default.createDirectory(at: cwd.appendingPathComponent("notes"), withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: cwd.appendingPathComponent("notes/todo.txt"))
        let other = try runProgram(scripts.appendingPathComponent("make-fuzz-corpus"), ["notes"], currentDirectory: cwd, timeout: 30)
        XCTAssertEqual(other.status, 1, other.stderr)
        XCTAssertTrue(other.stderr.hasPrefix("make-fuzz-corpus: notes holds todo.txt, which is not a fuzz corpus"), other.stderr)
        XCTAssertEqual(filesUnder(cwd), ["a-file", "notes/todo.txt"], "make-fuzz-corpus wrote or removed files when refusing")
    }

    /// scripts/fuzz misused says what is wrong with its usage line (status 2) before building
    /// anything. SECONDS went to libFuzzer's -max_total_time unchecked for `all`, and 0 for a target:
    /// libFuzzer reads a word (or 0) as no limit, so `scripts/fuzz all abc` ran each target without
    /// end; list and build ignored what followed them; a missing SECONDS or subcommand gave the
    /// usage alone, an unknown target a line without it. A `swift` that fails stands in for the
    /// toolchain and the scratch folder is a temporary one, so a script that went on to build or
    /// fuzz stops at once, in a folder of its own.
    func testFuzzScriptRefusesBadSecondsAndTargetsBeforeBuilding() throws {
        let toolchain = temporaryDirectory("failing-swift")
        let swift = toolchain.appendingPathComponent("swift")
        try "#!/bin/sh\necho \"swift $*: not to be run\" >&2\nexit 99\n".write(to: swift, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: swift.path)
        let work = temporaryDirectory("fuzz-work")
        let environment = ["PATH": toolchain.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                           "SEQLAB_FUZZ_WORK": work.path]
        for (arguments, message) in [([], "needs list, build, a target or all"),
                                     (["all"], "needs SECONDS after all"),
                                     (["all", "abc"], "SECONDS needs a whole number of 1 or more, not 'abc'"),
                                     (["ark", "1O"], "SECONDS needs a whole number of 1 or more, not '1O'"),
                                     (["ark", "0"], "SECONDS needs a whole number of 1 or more, not '0'"),
                                     (["arc", "10"], "unknown target 'arc' (scripts/fuzz list names them)"),
                                     (["list", "ark"], "list takes nothing more, not 'ark'")] {
            let result = try runProgram(scripts.appendingPathComponent("fuzz"), arguments,
                                        currentDirectory: temporaryDirectory("script-usage"), environment: environment, timeout: 60)
            let call = (["scripts/fuzz"] + arguments).joined(separator: " ")
            XCTAssertEqual(result.status, 2, "\(call): stderr \(result.stderr.prefix(400))")
            XCTAssertEqual(result.stderr, "fuzz: \(message)\nusage: scripts/fuzz list | build | TARGET SECONDS [ARGS…] | all SECONDS [ARGS…]\n", call)
        }
        XCTAssertEqual(contents(of: work), [], "scripts/fuzz built or fuzzed before refusing")
    }

    /// make-malformed misused (no folder, an option or a file in its place, a second folder, an
    /// unknown option, --model without its file) says what is wrong and gives its usage line, in
    /// two lines with status 2, not its whole description with status 1 or a Python traceback; a
    /// --model file that is not there is named before anything is written.
    func testMakeMalformedGivesAUsageLineOnMisuse() throws {
        for (arguments, message) in [([], "needs the output folder (DIR)"),
                                     (["--foo"], "the first argument is the output folder, not an option: --foo"),
                                     (["out", "other"], "takes one folder DIR (and --model), not also 'other'"),
                                     (["out", "--foo"], "unknown option --foo"),
                                     (["out", "--model"], "--model needs a value"),
                                     (["out", "--model", "--foo"], "--model needs a value")] {
            try assertRefused("make-malformed", arguments, mentions: message)
            let result = try runProgram(scripts.appendingPathComponent("make-malformed"), arguments,
                                        currentDirectory: temporaryDirectory("script-usage"), timeout: 30)
            XCTAssertEqual(result.stderr, "make-malformed: \(message)\nusage: scripts/make-malformed DIR [--model SEQLAB.safetensors]\n",
                           "\(arguments)")
        }
        let cwd = temporaryDirectory("script-usage")
        try Data().write(to: cwd.appendingPathComponent("a-file"))
        let file = try runProgram(scripts.appendingPathComponent("make-malformed"), ["a-file"], currentDirectory: cwd, timeout: 30)
        XCTAssertEqual(file.status, 2, file.stderr)
        XCTAssertEqual(file.stderr.split(separator: "\n").first, "make-malformed: DIR is a folder, and a-file is a file")
        let missing = try runProgram(scripts.appendingPathComponent("make-malformed"), ["out", "--model", "none.safetensors"],
                                     currentDirectory: cwd, timeout: 30)
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertEqual(missing.stderr, "make-malformed: none.safetensors: no such model file (--model)\n")
        XCTAssertEqual(contents(of: cwd), ["a-file"], "make-malformed wrote files before refusing")
    }

    /// setup given an option it does not know (a typo) says so with its usage line, which names
    /// the options it takes, before installing or building anything.
    func testSetupRefusesAnUnknownOptionWithItsUsage() throws {
        try assertRefused("setup", ["--foo"], mentions: "setup: unknown option --foo\nusage: scripts/setup [--no-build] [--test]\n")
        try assertRefused("setup", ["--no-build", "--tset"], mentions: "unknown option --tset")
    }

    /// train-digits checks its counts and output before it sets up and builds anything: a word or a
    /// count under 10 (no validation strings), no epochs, an option as OUTPUT or a fourth argument
    /// is a usage error, not a shell error (or an empty validation set) minutes later.
    func testTrainDigitsRefusesBadCountsBeforeBuilding() throws {
        try assertRefused("train-digits", ["abc"], mentions: "TRAIN_COUNT")
        try assertRefused("train-digits", ["5"], mentions: "TRAIN_COUNT")
        try assertRefused("train-digits", ["3000", "0"], mentions: "EPOCHS")
        try assertRefused("train-digits", ["3000", "x"], mentions: "EPOCHS")
        try assertRefused("train-digits", ["3000", "2", "--foo"], mentions: "not an option: --foo")
        try assertRefused("train-digits", ["3000", "2", "a.safetensors", "b"], mentions: "'b'")
    }

    /// kill-train and measure-memory name an option given without its value, or with a value that
    /// is not a number where one is needed, instead of failing on a shell error ("unbound variable").
    func testKillTrainAndMeasureMemoryRefuseMissingOrNonNumericValues() throws {
        try assertRefused("measure-memory", ["1", "--binary"], mentions: "--binary needs a value")
        try assertRefused("measure-memory", ["x"], mentions: "HOURS")
        try assertRefused("kill-train", ["2", "--seed", "x"], mentions: "--seed needs a whole number")
        try assertRefused("kill-train", ["2", "--epochs"], mentions: "--epochs needs a whole number")
        try assertRefused("kill-train", ["2", "--keep"], mentions: "--keep needs a value")
        try assertRefused("kill-train", ["2x"], mentions: "KILLS")
    }

    /// A usage that its header writes over two lines is shown whole in a usage error (kill-train's
    /// --binary and --keep sit on the second line), and the option descriptions after it are not.
    func testUsageErrorShowsTheUsageLinesContinuation() throws {
        let result = try runProgram(scripts.appendingPathComponent("kill-train"), ["--bogus"],
                                    currentDirectory: temporaryDirectory("script-usage"), timeout: 30)
        XCTAssertEqual(result.status, 2, result.stderr)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, result.stderr)
        XCTAssertEqual(lines.first, "kill-train: unknown argument --bogus (KILLS is a whole number)")
        XCTAssertTrue(lines.dropFirst().first?.hasPrefix("usage: scripts/kill-train [KILLS]") == true, result.stderr)
        XCTAssertTrue(lines.last?.contains("[--binary PATH] [--keep DIR]") == true, result.stderr)
    }

    // MARK: - Scripts called from another folder

    /// The environment for a script whose set-up builds seqlab: a `swift` standing in for the
    /// toolchain first on PATH, whose `build` does nothing and whose `--show-bin-path` names the
    /// folder of the binaries these tests run, so the script runs them without a release build.
    private func builtBinariesEnvironment() throws -> [String: String] {
        let dir = temporaryDirectory("swift-stand-in")
        let swift = dir.appendingPathComponent("swift")
        let bin = seqlabBinary().deletingLastPathComponent().path
        try "#!/bin/sh\ncase \"$*\" in *--show-bin-path*) echo '\(bin)' ;; esac\n".write(to: swift, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: swift.path)
        return ["PATH": dir.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    private func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    /// unipen-experiment runs extract in the UNIPEN folder: a relative OUTDIR (with a space) is
    /// still taken from the folder it is called from, where the archives, model and results go, and
    /// nothing is written beside the UNIPEN data. A small UNIPEN folder: the real data and
    /// includes, and a manifest of two training files and one file of each held-out writer.
    func testUnipenExperimentWritesARelativeOutdirWhereItIsCalled() throws {
        guard let unipen = sharedDataDirectory()?.appendingPathComponent("unipen"),
              exists(unipen.appendingPathComponent("MANIFEST.tsv")) else { throw XCTSkip("needs ../shared/data/unipen") }
        let small = temporaryDirectory("unipen-small")
        for folder in ["data", "include"] {
            try FileManager.default.createSymbolicLink(at: small.appendingPathComponent(folder),
                                                       withDestinationURL: unipen.appendingPathComponent(folder))
        }
        let files: Set = ["data/7/pcl/eng6.dat", "data/7/pap/pap1/kate.dat", "data/7/att/att0/a0511154.dat",
                          "data/7/imp/imp1/imp5089.dat", "data/7/art/art01trn.dat", "data/7/abm/wz0.dat"]
        let manifest = try String(contentsOf: unipen.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
            .split(separator: "\n")
        let kept = [manifest[0]] + manifest.dropFirst().filter { line in
            let fields = line.split(separator: "\t")
            return fields.count > 2 && fields[0] == "7" && files.contains(String(fields[2]))
        }
        XCTAssertEqual(kept.count, 1 + files.count, kept.joined(separator: "\n"))
        try (kept.joined(separator: "\n") + "\n").write(to: small.appendingPathComponent("MANIFEST.tsv"), atomically: true, encoding: .utf8)

        var environment = try builtBinariesEnvironment()
        environment["UNIPEN_DIR"] = small.path
        let cwd = temporaryDirectory("unipen-relative")
        let before = try checkoutChanges()
        let result = try runProgram(scripts.appendingPathComponent("unipen-experiment"), ["run 1", "1", "5", "--hidden", "4"],
                                    currentDirectory: cwd, environment: environment, timeout: 900)
        XCTAssertEqual(result.status, 0, result.stderr)
        let run = cwd.appendingPathComponent("run 1")
        for file in ["train.ark", "test.ark", "model.safetensors", "hyp.txt", "test-att.text", "hyp-abm.txt"] {
            XCTAssertTrue(exists(run.appendingPathComponent(file)), "no \(file) in the relative OUTDIR")
        }
        let results = try String(contentsOf: run.appendingPathComponent("results.txt"), encoding: .utf8)
        XCTAssertTrue(results.contains("8 training words"), results)
        XCTAssertTrue(results.contains("contributor abm (147 words): %CER"), results)
        XCTAssertEqual(contents(of: small), ["MANIFEST.tsv", "data", "include"], "written beside the UNIPEN data")
        XCTAssertEqual(try checkoutChanges(), before, "unipen-experiment changed the checkout")
    }

    /// kill-train's --binary and --keep are taken from the folder it is called from (it works in
    /// the checkout for the samples): the binary found there, the work folder (with a space) made
    /// there, and the checkout left alone.
    func testKillTrainTakesItsBinaryAndKeepFolderFromTheCurrentFolder() throws {
        let cwd = temporaryDirectory("kill-train-relative")
        try FileManager.default.createSymbolicLink(at: cwd.appendingPathComponent("seqlab-under-test"), withDestinationURL: seqlabBinary())
        let before = try checkoutChanges()
        let result = try runProgram(scripts.appendingPathComponent("kill-train"),
                                    ["0", "--epochs", "1", "--hidden", "4", "--binary", "./seqlab-under-test", "--keep", "kept work"],
                                    currentDirectory: cwd, timeout: 600)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdoutText.contains("the final model equals the uninterrupted run's bytes"), result.stdoutText)
        let kept = cwd.appendingPathComponent("kept work")
        for file in ["feats.ark", "reference/model.safetensors", "run/model.safetensors"] {
            XCTAssertTrue(exists(kept.appendingPathComponent(file)), "no \(file) in the --keep folder")
        }
        XCTAssertEqual(try checkoutChanges(), before, "kill-train changed the checkout")
    }

    /// measure-memory's --binary and --keep are taken from the folder it is called from. The binary
    /// here is a stand-in that records its command and fails (status 3): the rows show it, and the
    /// first command outside a row (the training features' extract) stops the script with it.
    func testMeasureMemoryTakesItsBinaryAndKeepFolderFromTheCurrentFolder() throws {
        let found = try runProgram(URL(fileURLWithPath: "/usr/bin/env"), ["sh", "-c", "command -v sox && test -x /usr/bin/time"], timeout: 30)
        try XCTSkipIf(found.status != 0, "measure-memory needs sox and /usr/bin/time")
        let cwd = temporaryDirectory("measure-memory-relative")
        let standIn = cwd.appendingPathComponent("stand-in")
        try "#!/bin/sh\necho \"$1 $2\" >> \"$(dirname \"$0\")/calls\"\necho \"stand-in: $1 refused\" >&2\nexit 3\n".write(to: standIn, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn.path)
        let before = try checkoutChanges()
        let result = try runProgram(scripts.appendingPathComponent("measure-memory"),
                                    ["0.01", "--skip-long-file", "--binary", "./stand-in", "--keep", "kept inputs"],
                                    currentDirectory: cwd, timeout: 120)
        XCTAssertEqual(result.status, 3, result.stderr)
        let rows = result.stdoutText.split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.filter { $0.hasSuffix(" 3") }.count, 3, result.stdoutText)
        let calls = try String(contentsOf: cwd.appendingPathComponent("calls"), encoding: .utf8)
        XCTAssertEqual(calls.split(separator: "\n"), ["extract audio", "decode -m", "label -m", "extract audio"])
        XCTAssertTrue(exists(cwd.appendingPathComponent("kept inputs/many-0.01/wav.scp")), "no inputs in the --keep folder")
        XCTAssertEqual(try checkoutChanges(), before, "measure-memory changed the checkout")
    }

    /// A measured command killed without a word (as the OOM killer kills) gets its row with its
    /// status (137), and the measuring goes on to the next command; the script does not stop on the
    /// empty message it has to show. The binary is a stand-in that records its command and SIGKILLs
    /// itself; the first command outside a row (the training features' extract) ends the script.
    func testMeasureMemoryReportsACommandKilledWithoutAMessage() throws {
        let found = try runProgram(URL(fileURLWithPath: "/usr/bin/env"), ["sh", "-c", "command -v sox && test -x /usr/bin/time"], timeout: 30)
        try XCTSkipIf(found.status != 0, "measure-memory needs sox and /usr/bin/time")
        let cwd = temporaryDirectory("measure-memory-killed")
        let standIn = cwd.appendingPathComponent("killed")
        try "#!/bin/sh\necho \"$1 $2\" >> \"$(dirname \"$0\")/calls\"\nkill -KILL $$\n".write(to: standIn, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn.path)
        let result = try runProgram(scripts.appendingPathComponent("measure-memory"),
                                    ["0.01", "--skip-long-file", "--binary", standIn.path, "--keep", cwd.appendingPathComponent("inputs").path],
                                    currentDirectory: cwd, timeout: 120)
        XCTAssertEqual(result.status, 137, result.stderr)
        let rows = result.stdoutText.split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 3, result.stdoutText)
        XCTAssertTrue(rows.allSatisfy { $0.hasSuffix(" 137") }, result.stdoutText)
        let calls = try String(contentsOf: cwd.appendingPathComponent("calls"), encoding: .utf8)
        XCTAssertEqual(calls.split(separator: "\n"), ["extract audio", "decode -m", "label -m", "extract audio"])
    }

    /// fsdd-experiments checks its set, EPOCHS and option values before it sets up, builds and
    /// makes the digit strings: a mistyped set was found only after all of that, EPOCHS was not
    /// checked at all (a flag in its place, `OUTDIR loso --speaker-cmvn`, was taken as EPOCHS and
    /// dropped), and an option without its value failed on a shell error.
    func testFsddExperimentsRefusesBadSetsEpochsAndOptionValuesBeforeBuilding() throws {
        try assertRefused("fsdd-experiments", ["out", "foo"], mentions: "not 'foo'")
        try assertRefused("fsdd-experiments", ["out", "loso", "--speaker-cmvn"], mentions: "EPOCHS is a positive whole number, not '--speaker-cmvn'")
        try assertRefused("fsdd-experiments", ["out", "all", "0"], mentions: "EPOCHS")
        try assertRefused("fsdd-experiments", ["out", "all", "2", "--conf"], mentions: "--conf needs a value")
        try assertRefused("fsdd-experiments", ["out", "all", "2", "--conf", "missing.conf"], mentions: "--conf missing.conf: no such file")
        try assertRefused("fsdd-experiments", ["out", "all", "2", "--add-train", "missing"], mentions: "--add-train missing")
        try assertRefused("fsdd-experiments", ["out", "all", "2", "--vtlp-warps"], mentions: "--vtlp-warps needs a value")
        try assertRefused("fsdd-experiments", ["out", "all", "2", "--average-last", "x"], mentions: "--average-last needs a whole number")
    }

    /// pendigits-experiment checks EPOCHS and refuses a third argument before it sets up, builds
    /// and extracts, instead of training with `--epochs abc` (a refusal after all of that) or
    /// ignoring the argument.
    func testPendigitsExperimentRefusesBadEpochsBeforeBuilding() throws {
        try assertRefused("pendigits-experiment", ["out", "abc"], mentions: "EPOCHS is a positive whole number, not 'abc'")
        try assertRefused("pendigits-experiment", ["out", "0"], mentions: "EPOCHS")
        try assertRefused("pendigits-experiment", ["out", "2", "extra"], mentions: "not also 'extra'")
    }

    /// classify-experiments refuses a fifth argument instead of ignoring it.
    func testClassifyExperimentsRefusesAnExtraArgument() throws {
        try assertRefused("classify-experiments", ["out", "all", "2", "8", "extra"], mentions: "not also 'extra'")
    }

    /// unipen-experiment checks EPOCHS, MAX_TRAIN_FILES and --scale before it sets up, builds and
    /// extracts: a train flag given where MAX_TRAIN_FILES goes (`out 20 --pen-rotation 5`) was taken
    /// as the count, and --scale without a value stopped on a shell error.
    func testUnipenExperimentRefusesBadCountsAndScaleBeforeBuilding() throws {
        try assertRefused("unipen-experiment", ["out", "abc"], mentions: "EPOCHS is a positive whole number, not 'abc'")
        try assertRefused("unipen-experiment", ["out", "20", "--pen-rotation", "5"],
                          mentions: "MAX_TRAIN_FILES is a positive whole number, not '--pen-rotation'")
        try assertRefused("unipen-experiment", ["out", "2", "5", "--scale"], mentions: "--scale is height, resolution or file")
        try assertRefused("unipen-experiment", ["out", "2", "5", "--scale", "hieght"], mentions: "not 'hieght'")
    }

    /// make-tts-digits checks STRINGS and SEED itself before it synthesises twelve voices (minutes),
    /// rather than leaving them to make-digit-strings at the end; a word as SEED stopped on a shell
    /// error ("unbound variable").
    func testMakeTtsDigitsRefusesBadCountsBeforeSynthesising() throws {
        try assertRefused("make-tts-digits", ["out", "abc"], mentions: "STRINGS is a positive whole number, not 'abc'")
        try assertRefused("make-tts-digits", ["out", "10", "x"], mentions: "SEED is a whole number, not 'x'")
        try assertRefused("make-tts-digits", ["out", "10", "1", "13"], mentions: "VOICES is 12 or 24, not '13'")
        try assertRefused("make-tts-digits", ["out", "10", "1", "12", "zz"], mentions: "not also 'zz'")
    }

    /// fsdd-unseen-speakers checks its seeds before it makes the synthetic voices and trains: a word
    /// as a seed (passed to `train --seed` after the voices were made) or a seed given twice (the
    /// same run voting twice) is a usage error, as a bad --voices is, with the usage line.
    func testFsddUnseenSpeakersRefusesBadSeedsBeforeMakingVoices() throws {
        try assertRefused("fsdd-unseen-speakers", ["out", "x", "y", "z"], mentions: "'x' is not a seed")
        try assertRefused("fsdd-unseen-speakers", ["out", "1", "1", "2"], mentions: "seed 1 is given twice")
        try assertRefused("fsdd-unseen-speakers", ["out", "--voices"], mentions: "--voices is 12 or 24")
        try assertRefused("fsdd-unseen-speakers", ["out", "1", "2"], mentions: "at least three seeds")
    }

    /// influence-demo runs in the checkout: its --out DIR (with a space, and as --out=DIR) is taken
    /// from the folder it is called from, where the curves and the summary go, not the checkout.
    func testInfluenceDemoWritesARelativeOutWhereItIsCalled() throws {
        _ = try builtTool("influence-demo")
        let before = try checkoutChanges()
        for out in [["--out", "demo out"], ["--out=demo out"]] {
            let cwd = temporaryDirectory("influence-demo-relative")
            let result = try runProgram(scripts.appendingPathComponent("influence-demo"),
                                        ["--lags", "10", "--networks", "esn", "--seeds", "1", "--esn-sequences", "64", "--validation", "16"] + out,
                                        currentDirectory: cwd, environment: try builtBinariesEnvironment(), timeout: 600)
            XCTAssertEqual(result.status, 0, "\(out): \(result.stderr)")
            XCTAssertEqual(contents(of: cwd.appendingPathComponent("demo out")), ["curves.jsonl", "curves.svg", "summary.md"], "\(out)")
        }
        XCTAssertEqual(try checkoutChanges(), before, "influence-demo changed the checkout")
    }

    /// kill-train shows why making its features failed (a seqlab that cannot run, or refuses), not
    /// just a status: here a stand-in binary that refuses with a message and status 1.
    func testKillTrainShowsWhyItsFeaturesCouldNotBeMade() throws {
        let cwd = temporaryDirectory("kill-train-extract")
        let standIn = cwd.appendingPathComponent("refusing")
        try "#!/bin/sh\necho \"refusing: $1 $2: cannot be done here\" >&2\nexit 1\n".write(to: standIn, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn.path)
        let result = try runProgram(scripts.appendingPathComponent("kill-train"), ["0", "--binary", standIn.path],
                                    currentDirectory: cwd, timeout: 60)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("refusing: extract audio: cannot be done here"), "stderr: \(result.stderr)")
    }

    /// unipen-seeds names a run whose model has no validation error in its training summary (one
    /// trained without validation words) and goes on, instead of ending with status 1 and no word
    /// on the empty search for it. The run here is a finished one (results.txt), so it is not trained
    /// again: a model trained with --valid-fraction 0.
    func testUnipenSeedsNamesARunWithoutValidationError() throws {
        let out = temporaryDirectory("unipen-seeds")
        let run = out.appendingPathComponent("seed-1")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let feats = run.appendingPathComponent("feats.ark").path
        let extract = try runSeqlab(["extract", "audio", "--scp", "data/samples/wav.scp", "--config", "models/digits.conf", "-o", feats, "--quiet"],
                                    currentDirectory: packageRoot)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let train = try runSeqlab(["train", "--feats", feats, "--text", "data/samples/text", "--tokens", "words", "--hidden", "2",
                                   "--epochs", "1", "--valid-fraction", "0", "--quiet", "-o", run.appendingPathComponent("model.safetensors").path],
                                  currentDirectory: packageRoot)
        XCTAssertEqual(train.status, 0, train.stderr)
        try "UNIPEN words, held-out contributors (att|imp|art|abm): %CER 50.00 [ 1 / 2, 0 ins, 1 del, 0 sub ]\n"
            .write(to: run.appendingPathComponent("results.txt"), atomically: true, encoding: .utf8)
        let result = try runProgram(scripts.appendingPathComponent("unipen-seeds"), [out.path, "1"],
                                    environment: try builtBinariesEnvironment(), timeout: 120)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("seed-1/model.safetensors: its training summary has no validation error"), result.stderr)
        XCTAssertTrue(result.stderr.contains("no run in \(out.path) has results"), result.stderr)
    }

    /// A run folder for unipen-breakdown: each held-out contributor's words (test-C.text) and the
    /// run's hypotheses (hyp-C.txt); `hyps` replaces a contributor's hypotheses.
    private func breakdownRun(_ hyps: [String: String] = [:]) throws -> URL {
        let run = temporaryDirectory("unipen-breakdown-run")
        for c in ["att", "imp", "art", "abm"] {
            let words = "\(c)1 ab\n\(c)2 x\n\(c)3 a1\n"
            try words.write(to: run.appendingPathComponent("test-\(c).text"), atomically: true, encoding: .utf8)
            try (hyps[c] ?? words).write(to: run.appendingPathComponent("hyp-\(c).txt"), atomically: true, encoding: .utf8)
        }
        return run
    }

    /// unipen-breakdown scores each kind of word per contributor; when seqlab score refuses one (here
    /// a hypothesis given twice, and a contributor with no hypothesis for its one-character word), the
    /// script says which words of which files and why, where it used to end with status 1 and no
    /// word (score's messages went to /dev/null).
    func testUnipenBreakdownSaysWhichScoringFailed() throws {
        let environment = try builtBinariesEnvironment()
        let good = try runProgram(scripts.appendingPathComponent("unipen-breakdown"), [try breakdownRun(["art": "art1 ab\nart2 x\nart3 a\n"]).path],
                                  environment: environment, timeout: 120)
        XCTAssertEqual(good.status, 0, good.stderr)
        let rows = good.stdoutText.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.count, 1 + 5 * 3, good.stdoutText)
        // "a1" read as "a": one deletion in two characters, and in all four contributors' eight.
        XCTAssertTrue(rows.contains("art          other         1  %CER 50.00 [ 1 / 2, 0 ins, 1 del, 0 sub ]"), good.stdoutText)
        XCTAssertTrue(rows.contains("all          other         4  %CER 12.50 [ 1 / 8, 0 ins, 1 del, 0 sub ]"), good.stdoutText)

        let twice = try breakdownRun(["imp": "imp1 ab\nimp1 ab\nimp2 x\nimp3 a1\n"])
        let duplicate = try runProgram(scripts.appendingPathComponent("unipen-breakdown"), [twice.path], environment: environment, timeout: 120)
        XCTAssertEqual(duplicate.status, 1, duplicate.stderr)
        XCTAssertTrue(duplicate.stderr.contains("unipen-breakdown: scoring the 'letters' words of imp (\(twice.path)/hyp-imp.txt against "
                                                + "\(twice.path)/test-imp.text) failed (seqlab score, status 1): seqlab score: imp.letters.hyp: line 2: "
                                                + "duplicate key \"imp1\" (first on line 1)\n"), duplicate.stderr)
        XCTAssertTrue(duplicate.stdoutText.hasSuffix("imp          single        1  %CER 0.00 [ 0 / 1, 0 ins, 0 del, 0 sub ]\n"), duplicate.stdoutText)

        let missing = try breakdownRun(["abm": "abm1 ab\nabm3 a1\n"])
        let none = try runProgram(scripts.appendingPathComponent("unipen-breakdown"), [missing.path], environment: environment, timeout: 120)
        XCTAssertEqual(none.status, 1, none.stderr)
        XCTAssertTrue(none.stderr.contains("unipen-breakdown: scoring the 'single' words of abm (\(missing.path)/hyp-abm.txt against "
                                           + "\(missing.path)/test-abm.text) failed (seqlab score, status 1): seqlab score: abm.single.hyp: "
                                           + "no utterance key matches one of abm.single.ref"), none.stderr)
    }

    /// unipen-continue checks EPOCHS before it sets up, links the run's files and resumes (where
    /// train refused `--epochs abc`, or a RUN and OUTDIR given in the wrong order, at the end).
    func testUnipenContinueRefusesBadEpochsBeforeBuilding() throws {
        try assertRefused("unipen-continue", ["run", "abc", "out"], mentions: "EPOCHS is a positive whole number, not 'abc'")
        try assertRefused("unipen-continue", ["run", "out", "13"], mentions: "EPOCHS is a positive whole number, not 'out'")
    }

    /// unipen-variants, unipen-breakdown and unipen-continue given too few or too many arguments (or
    /// unipen-continue a wrong option after OUTDIR) say what is wrong before their usage line, as the
    /// other scripts do, instead of the usage line alone.
    func testUnipenRunScriptsSayWhatIsWrongWithTheirArguments() throws {
        let variants = "needs the run folder RUN, the output folder OUTDIR and the variants' bounds R,S,W"
        try assertRefused("unipen-variants", [], mentions: "unipen-variants: \(variants)\n")
        try assertRefused("unipen-variants", ["run", "out"], mentions: "unipen-variants: \(variants)\n")
        try assertRefused("unipen-variants", ["run", "out", "5,0.25,0.1", "model.safetensors", "extra"],
                          mentions: "unipen-variants: takes RUN, OUTDIR, R,S,W and MODEL, not also 'extra'\n")
        try assertRefused("unipen-breakdown", [], mentions: "unipen-breakdown: needs the run folder (RUN)\nusage: scripts/unipen-breakdown RUN [HYP]\n")
        try assertRefused("unipen-breakdown", ["run", "hyp", "extra"], mentions: "unipen-breakdown: takes RUN and HYP, not also 'extra'\n")
        let continued = "unipen-continue: needs the run folder RUN, EPOCHS and the output folder OUTDIR\n"
        try assertRefused("unipen-continue", [], mentions: continued)
        try assertRefused("unipen-continue", ["run", "13"], mentions: continued)
        try assertRefused("unipen-continue", ["run", "13", "out", "--average-last"], mentions: "--average-last needs a whole number of 1 or more\n")
        try assertRefused("unipen-continue", ["run", "13", "out", "--average-last", "0"], mentions: "--average-last needs a whole number of 1 or more, not '0'")
        try assertRefused("unipen-continue", ["run", "13", "out", "--average", "3"],
                          mentions: "unknown argument '--average' after OUTDIR (the one option is --average-last N)")
        try assertRefused("unipen-continue", ["run", "13", "out", "--average-last", "3", "extra"], mentions: "not also 'extra'")
    }

    /// classify-experiments with SEQLAB=PATH runs that binary and builds nothing: its set-up runs
    /// with --no-build. A `swift` that fails stands in for the toolchain, so a build would end the
    /// run with its status (99); here the run gets past the set-up to the missing recordings.
    func testClassifyExperimentsWithSeqlabGivenBuildsNothing() throws {
        let toolchain = temporaryDirectory("failing-swift")
        let swift = toolchain.appendingPathComponent("swift")
        try "#!/bin/sh\necho \"swift $*: not to be run\" >&2\nexit 99\n".write(to: swift, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: swift.path)
        let cwd = temporaryDirectory("classify-seqlab")
        let environment = ["PATH": toolchain.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                           "SEQLAB": seqlabBinary().path, "FSDD_DIR": cwd.appendingPathComponent("no-recordings").path]
        let result = try runProgram(scripts.appendingPathComponent("classify-experiments"), ["out", "fsdd", "1", "4"],
                                    currentDirectory: cwd, environment: environment, timeout: 120)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertFalse(result.stderr.contains("not to be run"), result.stderr)
        XCTAssertTrue(result.stderr.contains("classify-experiments: no FSDD recordings at"), result.stderr)
    }

    /// unipen-seeds shows a run whose results.txt has no line for the mean of its last epochs (a run
    /// scored before the mean was) with "?" there, as the table means to, instead of ending with
    /// status 1 and no word on the empty search. The run is a finished one (results.txt), so it is
    /// not trained again: a model validated on a fifth of data/samples.
    func testUnipenSeedsShowsARunWithoutTheMeanOfItsLastEpochs() throws {
        let out = temporaryDirectory("unipen-seeds-mean")
        let run = out.appendingPathComponent("seed-1")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let feats = run.appendingPathComponent("feats.ark").path
        let extract = try runSeqlab(["extract", "audio", "--scp", "data/samples/wav.scp", "--config", "models/digits.conf", "-o", feats, "--quiet"],
                                    currentDirectory: packageRoot)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let model = run.appendingPathComponent("model.safetensors").path
        let train = try runSeqlab(["train", "--feats", feats, "--text", "data/samples/text", "--tokens", "words", "--hidden", "2",
                                   "--epochs", "1", "--valid-fraction", "0.2", "--quiet", "-o", model], currentDirectory: packageRoot)
        XCTAssertEqual(train.status, 0, train.stderr)
        try "UNIPEN words, held-out contributors (att|imp|art|abm): %CER 50.00 [ 1 / 2, 0 ins, 1 del, 0 sub ]\n"
            .write(to: run.appendingPathComponent("results.txt"), atomically: true, encoding: .utf8)
        let result = try runProgram(scripts.appendingPathComponent("unipen-seeds"), [out.path, "1"],
                                    environment: try builtBinariesEnvironment(), timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, result.stdoutText)
        let row = lines.count > 1 ? lines[1].split(separator: " ").map(String.init) : []
        XCTAssertEqual(row.first, "1", result.stdoutText)
        XCTAssertEqual(row.suffix(2), ["50.00%", "?%"], result.stdoutText)
        XCTAssertTrue(result.stderr.contains("1 run(s) with results; the vote needs three or more"), result.stderr)
    }
}
