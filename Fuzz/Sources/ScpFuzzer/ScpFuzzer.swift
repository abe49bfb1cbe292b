// ScpFuzzer: libFuzzer target for feature scp lists and the offsets they point at.
#if canImport(Glibc)
import Glibc
#endif
import Formats
import FuzzSupport

/// Each input is an scp file. It is parsed, and when every location names a plain file (no
/// folder, not `-`) it is read through `KaldiArchiveReader` from the folder
/// `$SEQLAB_FUZZ_ARCHIVES` (scripts/fuzz sets the Formats test fixtures: float.ark, cm.ark,
/// text.ark, …), so that fuzzed offsets land inside, between and past real records.
let archives: Void = {
    guard let folder = getenv("SEQLAB_FUZZ_ARCHIVES"), chdir(folder) == 0 else {
        fatalError("set SEQLAB_FUZZ_ARCHIVES to a folder of Kaldi archives (scripts/fuzz does)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScp(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    archives
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.scp")
    FuzzInput.expectInputError {
        let entries = try KaldiScp.read(path: path)
        guard entries.allSatisfy({ !$0.archivePath.contains("/") && $0.archivePath != "-" }) else { return }
        let reader = try KaldiArchiveReader(path: "scp:" + path)
        while try reader.next() != nil {}
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_scp_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzScp)
}
