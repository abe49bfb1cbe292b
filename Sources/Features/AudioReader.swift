// AudioReader: reads any file libsndfile reads into samples on the 16-bit integer scale.
import CSndFile
import Foundation
import Tensors

/// What an audio file holds, as its header says (for `inspect` and for error messages).
public struct AudioInfo: Sendable, Equatable {
    /// Container format, e.g. "WAV (Microsoft)", "FLAC (Free Lossless Audio Codec)".
    public var format: String
    /// Sample encoding, e.g. "Signed 16 bit PCM".
    public var encoding: String
    public var sampleRate: Int
    public var channels: Int
    /// Frames (samples per channel).
    public var frames: Int
    /// Duration in seconds.
    public var duration: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }
}

/// Mono audio on Kaldi's scale: samples as Float in [-32768, 32767], as Kaldi's WaveData reads
/// 16-bit WAV (libsndfile's normalised [-1, 1) values times 32768, exact for 16-bit PCM).
public struct Audio: Sendable {
    public var samples: [Float]
    public var sampleRate: Int
    public var info: AudioInfo
}

/// Reads audio files through libsndfile (WAV, FLAC, OGG/Vorbis, AIFF, …).
///
/// Multichannel audio is averaged to mono or one channel is picked. Bad files (missing, empty,
/// truncated, not audio, no frames, non-finite float samples) throw `InputError` naming the file.
public enum AudioReader {
    /// Upper bound on channels accepted from a header (guards allocation on a corrupt header).
    static let maxChannels = 1024
    /// Samples read per call (over all channels), so memory grows with what is really in the
    /// file, not with what its header claims.
    static let chunkFrames = 65_536

    /// The header of `path` without reading the samples. A Kaldi command location (`… |`,
    /// `AudioSource`) is run to read it.
    public static func info(path: String) throws -> AudioInfo {
        try AudioSource(location: path).info()
    }

    /// Reads `path` to mono: channel `channel` (0-based), or the average of all channels when nil.
    /// A Kaldi command location (`… |`, `AudioSource`) is run and its output read.
    public static func read(path: String, channel: Int? = nil) throws -> Audio {
        try AudioSource(location: path).read(channel: channel)
    }

    /// Reads the open `handle` of `path` (its header `info`) to mono, as `read(path:channel:)`.
    static func read(_ handle: OpaquePointer, info: AudioInfo, path: String, channel: Int?) throws -> Audio {
        let channels = info.channels
        if let channel, channel >= channels {
            throw InputError(file: path, "channel \(channel) requested, but the file has \(channels) channel(s)")
        }
        if channels == 1 {
            let samples = try readMono(handle, path: path, frames: info.frames, pcm16: info.encoding == pcm16Name)
            var read = info
            read.frames = samples.count
            return Audio(samples: samples, sampleRate: info.sampleRate, info: read)
        }
        var samples: [Float] = []
        samples.reserveCapacity(min(info.frames, 1 << 24))
        let framesPerRead = max(256, chunkFrames / channels)
        var buffer = [Float](repeating: 0, count: framesPerRead * channels)
        var total = 0
        while true {
            let got = Int(buffer.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(framesPerRead)) })
            if got <= 0 { break }
            for f in 0..<got {
                let base = f * channels
                var v: Float
                if let channel {
                    v = buffer[base + channel]
                } else if channels == 1 {
                    v = buffer[base]
                } else {
                    var s: Float = 0
                    for c in 0..<channels { s += buffer[base + c] }
                    v = s / Float(channels)
                }
                guard v.isFinite else {
                    throw InputError(file: path, place: "frame \(total + f)", "sample is \(v) (NaN or infinite); audio samples must be finite")
                }
                v *= 32768
                samples.append(v)
            }
            total += got
        }
        let error = sf_error(handle)
        if error != 0 {
            throw InputError(file: path, place: "frame \(total)", "read error: \(String(cString: sf_strerror(handle)))")
        }
        if total < info.frames {
            throw InputError(file: path, place: "frame \(total)", "truncated: the header promises \(info.frames) frames, only \(total) could be read")
        }
        if total == 0 { throw InputError(file: path, "the audio has no samples") }
        var read = info
        read.frames = total
        return Audio(samples: samples, sampleRate: info.sampleRate, info: read)
    }

    /// libsndfile's name of 16-bit PCM, the encoding read as integers (`sf_readf_short`).
    static let pcm16Name = formatName(Int32(SF_FORMAT_PCM_16))

    /// A mono file read straight into the sample array, chunk by chunk (memory follows what the
    /// file really holds). 16-bit PCM is read as integers and converted, which is exact and
    /// skips libsndfile's scaling to [-1, 1); other encodings are read as floats and scaled.
    static func readMono(_ handle: OpaquePointer, path: String, frames: Int, pcm16: Bool) throws -> [Float] {
        var shorts = [Int16](repeating: 0, count: pcm16 ? chunkFrames : 0)
        /// Reads up to chunkFrames samples to `out` on the 16-bit scale; the count read (≤ 0: end).
        func readChunk(_ out: UnsafeMutablePointer<Float>) -> Int {
            if pcm16 {
                return shorts.withUnsafeMutableBufferPointer { s in
                    let got = Int(sf_readf_short(handle, s.baseAddress, sf_count_t(chunkFrames)))
                    for i in 0..<max(got, 0) { out[i] = Float(s[i]) }
                    return got
                }
            }
            let got = Int(sf_readf_float(handle, out, sf_count_t(chunkFrames)))
            for i in 0..<max(got, 0) { out[i] *= 32768 }
            return got
        }
        // As many samples as the header promises (bounded), plus room for one more chunk, read
        // in place; a stream that holds more than its header says continues below.
        var ended = false
        var samples = [Float](unsafeUninitializedCapacity: min(frames, 1 << 24) + chunkFrames) { buffer, count in
            while count + chunkFrames <= buffer.count {
                let got = readChunk(buffer.baseAddress! + count)
                if got <= 0 { ended = true; return }
                count += got
            }
        }
        while !ended {
            let old = samples.count
            samples.append(contentsOf: repeatElement(0, count: chunkFrames))
            let got = samples.withUnsafeMutableBufferPointer { readChunk($0.baseAddress! + old) }
            samples.removeLast(chunkFrames - max(got, 0))
            ended = got <= 0
        }
        if !pcm16, let bad = firstNonFinite(samples) {
            throw InputError(file: path, place: "frame \(bad)", "sample is \(samples[bad] / 32768) (NaN or infinite); audio samples must be finite")
        }
        let total = samples.count
        let error = sf_error(handle)
        if error != 0 {
            throw InputError(file: path, place: "frame \(total)", "read error: \(String(cString: sf_strerror(handle)))")
        }
        if total < frames {
            throw InputError(file: path, place: "frame \(total)", "truncated: the header promises \(frames) frames, only \(total) could be read")
        }
        if total == 0 { throw InputError(file: path, "the audio has no samples") }
        return samples
    }

    /// Opens `path` for reading and checks its header.
    static func open(_ path: String) throws -> (OpaquePointer, AudioInfo) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(file: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw InputError(file: path, "is a directory, expected an audio file") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if size == 0 { throw InputError(file: path, "the file is empty, expected audio") }
        var sfInfo = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &sfInfo) else {
            throw InputError(file: path, "not audio libsndfile can read: \(String(cString: sf_strerror(nil)))")
        }
        return try checked(handle, sfInfo, name: path)
    }

    /// Opens the audio file held in `memory` (libsndfile's virtual I/O), named `name` in messages,
    /// and checks its header. `memory` must stay alive until the handle is closed.
    static func open(_ memory: MemoryFile, name: String) throws -> (OpaquePointer, AudioInfo) {
        var io = SF_VIRTUAL_IO(
            get_filelen: { MemoryFile.from($0).length },
            seek: { offset, whence, user in MemoryFile.from(user).seek(offset, whence) },
            read: { destination, count, user in MemoryFile.from(user).read(destination, count) },
            write: { _, _, _ in 0 },
            tell: { MemoryFile.from($0).position })
        var sfInfo = SF_INFO()
        guard let handle = sf_open_virtual(&io, Int32(SFM_READ), &sfInfo, Unmanaged.passUnretained(memory).toOpaque()) else {
            throw InputError(file: name, "its output is not audio libsndfile can read: \(String(cString: sf_strerror(nil)))")
        }
        return try checked(handle, sfInfo, name: name)
    }

    /// Checks the header of the just opened `handle` (closing it when it is refused).
    private static func checked(_ handle: OpaquePointer, _ sfInfo: SF_INFO, name path: String) throws -> (OpaquePointer, AudioInfo) {
        guard sfInfo.channels >= 1, sfInfo.channels <= maxChannels else {
            sf_close(handle)
            throw InputError(file: path, "header declares \(sfInfo.channels) channels, expected 1 to \(maxChannels)")
        }
        guard sfInfo.samplerate > 0 else {
            sf_close(handle)
            throw InputError(file: path, "header declares sample rate \(sfInfo.samplerate), expected a positive rate")
        }
        guard sfInfo.frames > 0 else {
            sf_close(handle)
            throw InputError(file: path, "the audio has no frames")
        }
        if let problem = headerProblem(handle) {
            sf_close(handle)
            throw InputError(file: path, problem)
        }
        let info = AudioInfo(format: formatName(sfInfo.format & Int32(SF_FORMAT_TYPEMASK)),
                             encoding: formatName(sfInfo.format & Int32(SF_FORMAT_SUBMASK)),
                             sampleRate: Int(sfInfo.samplerate), channels: Int(sfInfo.channels),
                             frames: Int(sfInfo.frames))
        return (handle, info)
    }

    /// libsndfile opens a WAV/AIFF whose data chunk runs past the end of the file, shortening it
    /// silently; its log then says `data : N (should be M)` with N > M. Such a file was cut off:
    /// refuse it rather than guess. Sizes 0 and ≥ 2³¹ − 4096 are the placeholders of streamed
    /// files (written to a pipe), not truncation.
    static func headerProblem(_ handle: OpaquePointer) -> String? {
        var log = [CChar](repeating: 0, count: 8192)
        _ = log.withUnsafeMutableBufferPointer { sf_command(handle, Int32(SFC_GET_LOG_INFO), $0.baseAddress, Int32($0.count)) }
        let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "(" || $0 == ")" })
            guard parts.count >= 5, parts[0] == "data" || parts[0] == "SSND", parts[2] == "should", parts[3] == "be",
                  let declared = Int(parts[1]), let actual = Int(parts[4]) else { continue }
            if declared > actual && declared > 0 && declared < 0x7FFF_F000 {
                return "truncated: the header declares \(declared) bytes of audio data, the file holds \(actual)"
            }
        }
        return nil
    }

    /// libsndfile's name for a major format or an encoding.
    static func formatName(_ format: Int32) -> String {
        var formatInfo = SF_FORMAT_INFO()
        formatInfo.format = format
        let status = sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &formatInfo, Int32(MemoryLayout<SF_FORMAT_INFO>.size))
        guard status == 0, let name = formatInfo.name else { return String(format: "0x%06x", format) }
        return String(cString: name)
    }
}

/// Where audio comes from: a file, or for a Kaldi command location (`flac -c -d -s x.flac |`,
/// `sox x.wav -t wav - |`; see `ShellCommand`) the bytes the command writes to stdout, run once
/// when the source is made and held in memory (at most `maxCommandBytes`), then read by
/// libsndfile as it reads a file, so any format it reads may come out of the command. Errors
/// name the file, or the command (`command "…"`).
public final class AudioSource: @unchecked Sendable {
    /// The path or the command as given.
    public let location: String
    /// How messages name the source: the path, or `command "…"` (`ShellCommand.name`).
    public let name: String
    /// The command's output; nil for a file.
    private let bytes: [UInt8]?
    /// The most a command may write (an hour of 16 kHz 16-bit WAV is about 115 MB).
    public static let maxCommandBytes = 1 << 31

    /// True when `location` is a command (`ShellCommand.isCommand`).
    public var isCommand: Bool { bytes != nil }

    /// A file, or the output of the command `location` (run now; throws when it fails).
    public init(location: String) throws {
        self.location = location
        if ShellCommand.isCommand(location) {
            name = ShellCommand.name(location)
            bytes = try ShellCommand.output(of: location, limit: Self.maxCommandBytes)
        } else {
            name = location
            bytes = nil
        }
    }

    /// Runs `body` on the source opened by libsndfile (closed after).
    func withHandle<T>(_ body: (OpaquePointer, AudioInfo) throws -> T) throws -> T {
        guard let bytes else {
            let (handle, info) = try AudioReader.open(location)
            defer { sf_close(handle) }
            return try body(handle, info)
        }
        return try bytes.withUnsafeBytes { raw in
            let memory = MemoryFile(raw)
            return try withExtendedLifetime(memory) {
                let (handle, info) = try AudioReader.open(memory, name: name)
                defer { sf_close(handle) }
                return try body(handle, info)
            }
        }
    }

    /// The header, without reading the samples.
    public func info() throws -> AudioInfo { try withHandle { $1 } }

    /// The audio in mono: channel `channel` (0-based), or the average of all channels when nil.
    public func read(channel: Int? = nil) throws -> Audio {
        try withHandle { try AudioReader.read($0, info: $1, path: name, channel: channel) }
    }
}

/// Bytes in memory read as a file through libsndfile's virtual I/O (`sf_open_virtual`).
final class MemoryFile {
    let bytes: UnsafeRawBufferPointer
    var position: sf_count_t = 0
    var length: sf_count_t { sf_count_t(bytes.count) }

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The `MemoryFile` a virtual I/O callback's user data points at.
    static func from(_ user: UnsafeMutableRawPointer?) -> MemoryFile {
        Unmanaged<MemoryFile>.fromOpaque(user!).takeUnretainedValue()
    }

    func seek(_ offset: sf_count_t, _ whence: Int32) -> sf_count_t {
        let base: sf_count_t
        switch whence {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = position
        case SEEK_END: base = length
        default: return -1
        }
        let target = base + offset
        guard target >= 0 else { return -1 }
        position = min(target, length)
        return position
    }

    func read(_ destination: UnsafeMutableRawPointer?, _ count: sf_count_t) -> sf_count_t {
        guard let destination, count > 0, position < length else { return 0 }
        let n = min(count, length - position)
        destination.copyMemory(from: bytes.baseAddress! + Int(position), byteCount: Int(n))
        position += n
        return n
    }
}

/// The index of the first NaN or infinity in `x[from...]`, or nil: one branch-free pass taking the
/// largest exponent field (all ones only for those), then a search only when there is one.
func firstNonFinite(_ x: [Float], from: Int = 0) -> Int? {
    let any: Bool = x.withUnsafeBufferPointer { p in
        var largest: UInt32 = 0
        for i in from..<p.count { largest = max(largest, p[i].bitPattern & 0x7F80_0000) }
        return largest == 0x7F80_0000
    }
    guard any else { return nil }
    return x[from...].firstIndex { !$0.isFinite }
}
