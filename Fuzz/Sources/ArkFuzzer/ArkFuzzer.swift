// ArkFuzzer: libFuzzer target for the Kaldi archive reader (binary FM/DM/FV/DV/CM/CM2/CM3 and text matrices).
import Formats
import FuzzSupport
import Tensors

/// Each input is a whole archive, read to the end as `KaldiArchiveReader` streams it for
/// `extract`, `decode`, `label` and `inspect`. An archive that reads and holds only finite values
/// is then written back (binary with its scp, and text) and read again through both: the records
/// must come back equal, else the target aborts (a finding). Text archives cannot hold an empty
/// matrix's shape, so those are compared in binary only.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.ark")
    FuzzInput.expectInputError {
        let reader = try KaldiArchiveReader(path: path)
        var records: [KaldiRecord] = []
        while let record = try reader.next() {
            precondition(record.matrix.data.count == record.matrix.rows * record.matrix.cols, "matrix storage does not match its shape")
            records.append(record)
        }
        guard records.allSatisfy({ $0.matrix.allFinite }) else { return }
        let binary = FuzzInput.path("copy.ark"), scp = FuzzInput.path("copy.scp"), text = FuzzInput.path("copy.txt")
        let binaryWriter = try KaldiArchiveWriter(path: "ark,scp:\(binary),\(scp)")
        let textWriter = try KaldiArchiveWriter(path: text, mode: .text)
        for record in records {
            try binaryWriter.write(key: record.key, matrix: record.matrix)
            try textWriter.write(key: record.key, matrix: record.matrix)
        }
        try binaryWriter.close()
        try textWriter.close()
        for copy in [binary, "scp:" + scp, text] {
            let again = try KaldiArchiveReader(path: copy).readAll()
            precondition(again.count == records.count, "\(copy): \(again.count) records read back, \(records.count) written")
            for (a, b) in zip(records, again) where copy != text || (a.matrix.rows > 0 && a.matrix.cols > 0) {
                precondition(a == b, "\(copy): record \(a.key) read back as \(b.key) \(b.matrix.rows)×\(b.matrix.cols), "
                             + "written \(a.matrix.rows)×\(a.matrix.cols)")
            }
        }
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_ark_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzArchive)
}
