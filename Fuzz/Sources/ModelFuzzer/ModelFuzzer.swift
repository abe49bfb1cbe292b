// ModelFuzzer: libFuzzer target for the seqlab model loader (safetensors, network, alphabet, front end).
import FuzzSupport
import Labelling
import Networks

/// Each input is a model file, loaded as `label`/`decode` load it (`LabellingModel`, with its
/// alphabet and front-end metadata) and as a bare network (`LSTMNetwork.load`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzInput.store(FuzzInput.buffer(data, size), as: "input.safetensors")
    FuzzInput.expectInputError { _ = try LabellingModel(contentsOf: path) }
    FuzzInput.expectInputError { _ = try LSTMNetwork<Float>.load(contentsOf: path) }
    return 0
}

/// `main` of SwiftPM debug builds (see Fuzz/Package.swift).
@_cdecl("fuzz_model_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzInput.run(argc, argv, fuzzModel)
}
