// FuzzInput: the scratch file and the outcome rule that every libFuzzer target shares.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibFuzzer
import Tensors

/// Helpers for the libFuzzer entry points (`LLVMFuzzerTestOneInput`, llvm.org/docs/LibFuzzer.html).
///
/// Most seqlab readers take a path, so each input is written to a file in a per-process scratch
/// folder (`$SEQLAB_FUZZ_SCRATCH`, else `$TMPDIR`, else `/tmp`) and read from there, through the
/// same code the command line runs. The rule for the outcome: returning normally or throwing an
/// `InputError` is correct; a trap, a sanitizer report, a hang, an allocation over libFuzzer's
/// `-malloc_limit_mb`, or any other error type escaping (the readers promise `InputError`s) is a
/// finding.
public enum FuzzInput {
    /// The scratch folder of this process, created on first use.
    public static let directory: String = {
        let base = (getenv("SEQLAB_FUZZ_SCRATCH") ?? getenv("TMPDIR")).map { String(cString: $0) } ?? "/tmp"
        let path = "\(base)/seqlab-fuzz-\(getpid())"
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            fatalError("cannot create the scratch folder \(path): \(String(cString: strerror(errno)))")
        }
        return path
    }()

    /// The path of `name` in the scratch folder.
    public static func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// Writes `bytes` to `name` in the scratch folder (replacing it) and returns its path. The file
    /// is overwritten and then cut to length rather than truncated first: on ext4 a truncate to
    /// zero followed by a write makes close wait for the disk, 100 times slower than the parse.
    @discardableResult
    public static func store(_ bytes: UnsafeRawBufferPointer, as name: String) -> String {
        let path = path(name)
        let fd = open(path, O_WRONLY | O_CREAT, 0o600)
        guard fd >= 0 else { fatalError("cannot write \(path): \(String(cString: strerror(errno)))") }
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { fatalError("cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        guard ftruncate(fd, off_t(bytes.count)) == 0 else { fatalError("cannot cut \(path): \(String(cString: strerror(errno)))") }
        close(fd)
        return path
    }

    /// Writes `bytes` to `name` in the scratch folder and returns its path.
    @discardableResult
    public static func store(_ bytes: [UInt8], as name: String) -> String {
        bytes.withUnsafeBytes { store($0, as: name) }
    }

    /// The libFuzzer input as a buffer (libFuzzer passes a null pointer for the empty input).
    public static func buffer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
        guard let data, size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: data, count: size)
    }

    /// Runs `body`; an `InputError` is the correct answer to bad input, any other error aborts
    /// (a finding: the readers must describe bad input as an `InputError`).
    public static func expectInputError(_ body: () throws -> Void) {
        do { try body() } catch is InputError {
        } catch {
            fatalError("a reader threw \(type(of: error)) instead of an InputError: \(error)")
        }
    }

    /// Runs libFuzzer's driver on `testOneInput` with the command line `argc`/`argv`: the body of
    /// each target's `<module>_main`, which SwiftPM's debug builds link as `main`.
    public static func run(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                           _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
        var count = argc
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return LLVMFuzzerRunDriver(&count, &arguments, testOneInput)
    }
}
