// SafeTensorsFuzzer: libFuzzer target for the safetensors reader and its tensor conversions.
import Formats
import FuzzSupport

/// Each input is a safetensors file; every tensor it holds is converted to floats, as the
/// model loader does (a non-float dtype is a `SafeTensorTypeError`, which the loader turns into
/// an `InputError` naming the tensor). A file that reads is serialized and read back: it must
/// come back equal, else the target aborts (a finding).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.safetensors")
    FuzzInput.expectInputError {
        let file = try SafeTensorsFile(contentsOf: path)
        for name in file.tensors.keys.sorted() {
            let tensor = try file.tensor(name, file: path)
            do { _ = try tensor.floats() } catch is SafeTensorTypeError {}
        }
        let copy = FuzzInput.store(file.serialized(), as: "copy.safetensors")
        do {
            let again = try SafeTensorsFile(contentsOf: copy)
            precondition(again == file, "serialized() did not read back to an equal file")
        } catch {
            fatalError("serialized() wrote a file that does not read back: \(error)")
        }
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_safetensors_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzSafeTensors)
}
