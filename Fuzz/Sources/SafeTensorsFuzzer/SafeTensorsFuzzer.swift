// SafeTensorsFuzzer: libFuzzer target for the safetensors reader and its tensor conversions.
import Formats
import FuzzSupport

/// Each input is a safetensors file; every tensor it holds is converted to floats, as the
/// model loader does (a non-float dtype is a `SafeTensorTypeError`, which the loader turns into
/// an `InputError` naming the tensor).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.safetensors")
    FuzzInput.expectInputError {
        let file = try SafeTensorsFile(contentsOf: path)
        for name in file.tensors.keys.sorted() {
            let tensor = try file.tensor(name, file: path)
            do { _ = try tensor.floats() } catch is SafeTensorTypeError {}
        }
    }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_safetensors_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzSafeTensors)
}
