// `seqlab cmvn` through the built binary: per-speaker statistics, pipes, and its errors.
import Foundation
import XCTest
import TestSupport

final class CMVNCommandTests: XCTestCase {
    /// The matrices of a Kaldi text archive, by key, in order.
    func parseTextArk(_ text: String) -> [(key: String, values: [Float])] {
        var out: [(String, [Float])] = []
        for chunk in text.components(separatedBy: "]") {
            let parts = chunk.components(separatedBy: "[")
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespacesAndNewlines)
            out.append((key, parts[1].split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Float($0) }))
        }
        return out
    }

    func testSpeakerStatisticsThroughAPipe() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ark = "a1  [\n  1 10\n  3 10 ]\nb1  [\n  7 7\n  9 8 ]\na2  [\n  5 40 ]\n"
        try "a1 spkA\na2 spkA\nb1 spkB\n".write(to: dir.appendingPathComponent("utt2spk"), atomically: true, encoding: .utf8)
        let r = try runSeqlab(["cmvn", "--utt2spk", dir.appendingPathComponent("utt2spk").path, "--text-ark"], stdin: Data(ark.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = parseTextArk(r.stdoutText)
        XCTAssertEqual(out.map(\.key), ["a1", "b1", "a2"])
        guard out.count == 3 else { return }
        let sa = Float((8.0 / 3).squareRoot()), sv = Float(200.0.squareRoot())
        assertClose(out[0].values, [-2 / sa, -10 / sv, 0, -10 / sv], absolute: 1e-5)
        assertClose(out[1].values, [-1, -1, 1, 1], absolute: 1e-5)   // b alone: ±1 in each column
        assertClose(out[2].values, [2 / sa, 20 / sv], absolute: 1e-5)
        // Binary out, read back by the next stage; --cmvn mean keeps the spread.
        let mean = try runSeqlab(["cmvn", "--utt2spk", dir.appendingPathComponent("utt2spk").path, "--cmvn", "mean", "-o",
                                  dir.appendingPathComponent("m.ark").path], stdin: Data(ark.utf8))
        XCTAssertEqual(mean.status, 0, mean.stderr)
        let grouped = try runSeqlab(["cmvn", "--cmvn", "none", "--utt2spk", dir.appendingPathComponent("m.ark").path,
                                     "--text-ark", dir.appendingPathComponent("m.ark").path])
        XCTAssertEqual(grouped.status, 64)
        XCTAssertTrue(grouped.stderr.contains("--utt2spk groups utterances for their statistics, and --cmvn none computes none"), grouped.stderr)
        let back = try runSeqlab(["cmvn", "--cmvn", "none", "--text-ark", dir.appendingPathComponent("m.ark").path])
        XCTAssertEqual(back.status, 0, back.stderr)
        assertClose(parseTextArk(back.stdoutText).flatMap(\.values), [-2, -10, 0, -10, -1, -0.5, 1, 0.5, 2, 20], absolute: 1e-5)
    }

    /// A binary archive of `count` utterances of `frames` × `dims` floats (Kaldi's "BFM " records).
    func binaryArchive(count: Int, frames: Int, dims: Int) -> Data {
        var data = Data()
        func int32(_ v: Int) { data.append(4); withUnsafeBytes(of: Int32(v).littleEndian) { data.append(contentsOf: $0) } }
        let values = (0..<(frames * dims)).map { Float($0 % 97) / 7 }
        let body = values.withUnsafeBytes { Data($0) }
        for i in 0..<count {
            data.append(contentsOf: Array("u\(i) \0BFM ".utf8))
            int32(frames); int32(dims)
            data.append(body)
        }
        return data
    }

    /// Per-utterance statistics need no other utterance, so each is written as it is read: most
    /// of the first utterance's normalised matrix (two output buffers' worth) comes out on stdout
    /// while stdin is still open, before the second is sent; the archive is the same as a run
    /// over the whole input at once.
    func testPerUtteranceCMVNWritesEachUtteranceBeforeTheInputEnds() throws {
        let one = binaryArchive(count: 1, frames: 1000, dims: 40)   // 160,000 bytes of floats
        let whole = try runSeqlab(["cmvn"], stdin: binaryArchive(count: 2, frames: 1000, dims: 40))
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let process = Process()
        process.executableURL = seqlabBinary()
        process.arguments = ["cmvn"]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A run that holds the archive until its end writes nothing here: stop it after 60 s.
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        stdin.fileHandleForWriting.write(one)
        let reader = stdout.fileHandleForReading
        var early = Data()
        while early.count < 1 << 17 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            early.append(chunk)
        }
        watchdog.cancel()
        guard early.count >= 1 << 17 else {
            XCTFail("\(early.count) bytes written while the input was open: the archive was held until its end")
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
            return
        }
        XCTAssertTrue(process.isRunning)
        // The second utterance: the same matrix, keyed u1 (binaryArchive keys u0, u1, …).
        var second = one
        second.replaceSubrange(0..<2, with: Array("u1".utf8))
        stdin.fileHandleForWriting.write(second)
        try stdin.fileHandleForWriting.close()
        let rest = reader.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(early + rest, whole.stdout)
    }

    /// Ctrl-C while the output file is written: the archive is dropped (the old one stays, no
    /// temporary file is left), exit status 130 with one line saying so; a temporary file an
    /// earlier killed run left beside the output is removed first, with a note.
    func testAnInterruptedWriteLeavesTheOldArchiveAndNoTemporaryFile() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.ark"), out = dir.appendingPathComponent("out.ark").path
        try binaryArchive(count: 1500, frames: 200, dims: 40).write(to: input)
        try Data("old archive".utf8).write(to: URL(fileURLWithPath: out))
        let leftover = dir.appendingPathComponent(".out.ark.tmp-Ab12Cd").path
        try Data("killed run".utf8).write(to: URL(fileURLWithPath: leftover))
        func temporaries() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix(".out.ark.tmp-") }
        }
        let process = Process()
        process.executableURL = seqlabBinary()
        process.arguments = ["cmvn", "--cmvn", "none", input.path, "-o", out]
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        // The writer's own temporary file (not the leftover) exists: the output is being written.
        while process.isRunning && temporaries().allSatisfy({ $0 == ".out.ark.tmp-Ab12Cd" }) && Date() < deadline { usleep(500) }
        XCTAssertTrue(process.isRunning, "cmvn finished before the signal; the interrupt tests nothing")
        kill(process.processIdentifier, SIGINT)
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, message)
        XCTAssertEqual(process.terminationStatus, 130, message)
        XCTAssertEqual(message, "seqlab cmvn: removed \(leftover), left by an interrupted write\n"
                       + "seqlab cmvn: interrupted; nothing was written, \(out) was left as it was\n")
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "old archive")
        XCTAssertEqual(temporaries(), [])
    }

    func testBadInputsAreOneLineErrors() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let utt2spk = dir.appendingPathComponent("utt2spk")
        try "a1 spkA extra\n".write(to: utt2spk, atomically: true, encoding: .utf8)
        let ark = Data("a1  [\n  1 2 ]\n".utf8)
        for (arguments, stdin, message) in [
            (["--utt2spk", utt2spk.path], ark, "utt2spk: line 1: expected `uttid speaker`, found 2 fields after the key"),
            ([String](), Data(), "stdin: no utterances"),
            ([String](), Data("a1  [\n  1 nan ]\n".utf8), "stdin: a1: non-finite feature at frame 0, dimension 1"),
            ([String](), Data("a [ ]\n".utf8), "stdin: a: no frames (an empty matrix); left out"),
            ([dir.appendingPathComponent("missing.ark").path], Data(), "missing.ark"),
        ] {
            let r = try runSeqlab(["cmvn", "--text-ark"] + arguments, stdin: stdin)
            XCTAssertEqual(r.status, 1, "\(arguments)")
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertEqual(r.stdout.count, 0, "nothing written half")
        }
        // One bad utterance among three: reported and left out, the other two normalised and written.
        let mixed = Data("a1  [\n  1 2\n  3 4 ]\na2  [\n  1 nan ]\na3  [\n  5 6\n  7 9 ]\n".utf8)
        let r = try runSeqlab(["cmvn", "--text-ark"], stdin: mixed)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("stdin: a2: non-finite feature at frame 0, dimension 1; left out"), r.stderr)
        let written = parseTextArk(r.stdoutText)
        XCTAssertEqual(written.map(\.key), ["a1", "a3"])
        XCTAssertEqual(written.first?.values, [-1, -1, 1, 1], "per-utterance mean and variance: (x − mean) / sd")
        // An utterance whose dimension is not its speaker's: named and left out, its speaker's
        // other utterance and the other speaker normalised and written (a1 alone, as above).
        try "a1 spkA\na2 spkA\nb1 spkB\n".write(to: utt2spk, atomically: true, encoding: .utf8)
        let wide = Data("a1  [\n  1 2\n  3 4 ]\na2  [\n  1 2 3 ]\nb1  [\n  7 7\n  9 8 ]\n".utf8)
        let w = try runSeqlab(["cmvn", "--text-ark", "--utt2spk", utt2spk.path], stdin: wide)
        XCTAssertEqual(w.status, 1)
        XCTAssertEqual(w.stderr, "seqlab cmvn: stdin: a2: 3 dimensions, but a1 of the same speaker has 2; left out\n")
        let normalised = parseTextArk(w.stdoutText)
        XCTAssertEqual(normalised.map(\.key), ["a1", "b1"])
        XCTAssertEqual(normalised.map(\.values), [[-1, -1, 1, 1], [-1, -1, 1, 1]])
        // A 0-frame utterance is reported as decode, align and train report it, and left out.
        let empty = try runSeqlab(["cmvn", "--text-ark"], stdin: Data("a1  [\n  1 2\n  3 4 ]\nz [ ]\n".utf8))
        XCTAssertEqual(empty.status, 1)
        XCTAssertEqual(empty.stderr, "seqlab cmvn: stdin: z: no frames (an empty matrix); left out\n")
        XCTAssertEqual(parseTextArk(empty.stdoutText).map(\.key), ["a1"])
    }
}
