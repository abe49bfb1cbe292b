// BFloat16: reduced-precision inference and mixed-precision training for LSTM networks (weights
// and layer inputs rounded to bfloat16, products summed in float), by CKernels' bfloat16 products.

import CKernels

/// The arithmetic of an LSTM network's matrix products: at inference (`decode --precision`,
/// `LSTMNetwork.setPrecision`) and in training (`train --precision`, `LSTMNetwork.trainsInBFloat16`).
public enum ProductPrecision: String, CaseIterable, Sendable, Codable {
    /// Single precision throughout.
    case float32 = "fp32"
    /// The LSTM layers' input and recurrent products with both operands rounded to bfloat16 (8
    /// significant bits, nearest even) and their products summed in float; biases, the cell
    /// (gates, state, output) and the output layer stay in float. On CPUs with AVX512-BF16 a
    /// product of this kind reads half the bytes of a float one and runs about twice the
    /// multiply-adds per cycle; with AVX-512F or AVX2 the bfloat16 values are widened to float
    /// for FMAs (half the bytes, float's multiply-adds); elsewhere portable C computes the same
    /// values more slowly (`seqlab_bf16_family`).
    case bfloat16 = "bf16"
}

/// A weight matrix W (rows × cols) rounded to bfloat16 and packed once for CKernels'
/// `seqlab_bf16_gemm`, so that c (+)= x·Wᵀ runs with x rounded to bfloat16 as well. Immutable;
/// shared between threads.
public final class BFloat16Matrix: @unchecked Sendable {
    public let rows: Int, cols: Int
    private let packed: UnsafeMutablePointer<UInt16>

    /// W row-major with row stride `ld`.
    public convenience init(rows: Int, cols: Int, weights: UnsafePointer<Float>, ld: Int) {
        precondition(ld >= cols, "BFloat16Matrix: row stride \(ld) below \(cols) columns")
        self.init(rows: rows, cols: cols, stride: ld) { seqlab_bf16_pack(Int32(rows), Int32(cols), weights, Int32(ld), $0) }
    }

    /// W = wtᵀ, given wt (cols × rows, row-major with row stride `ld`): for a product with a matrix
    /// as it is stored, as backpropagation's dA·W_hh (`seqlab_bf16_pack_transposed`).
    public convenience init(rows: Int, cols: Int, transposing wt: UnsafePointer<Float>, ld: Int) {
        precondition(ld >= rows, "BFloat16Matrix: row stride \(ld) of the transpose below \(rows) rows")
        self.init(rows: rows, cols: cols, stride: ld) { seqlab_bf16_pack_transposed(Int32(rows), Int32(cols), wt, Int32(ld), $0) }
    }

    private init(rows: Int, cols: Int, stride: Int, pack: (UnsafeMutablePointer<UInt16>) -> Void) {
        precondition(rows > 0 && cols > 0 && max(rows, cols, stride) <= Int(Int32.max),
                     "BFloat16Matrix: bad shape \(rows) × \(cols), stride \(stride)")
        self.rows = rows
        self.cols = cols
        let count = seqlab_bf16_packed_count(Int32(rows), Int32(cols))
        packed = UnsafeMutableRawPointer.allocate(byteCount: count * 2, alignment: 64).bindMemory(to: UInt16.self, capacity: count)
        pack(packed)
    }

    deinit { packed.deallocate() }

    /// The instruction set the products run with here: "avx512bf16", "avx512", "avx2" or "generic".
    public static var kernelFamily: String { String(cString: seqlab_bf16_family()) }

    /// The same as a number: 3, 2, 1 or 0.
    public static var kernelFamilyID: Int { Int(seqlab_bf16_family_id()) }

    /// Whether the products run vectorised here (AVX2 or better), not in portable C.
    public static var vectorised: Bool { kernelFamilyID > 0 }

    /// bfloat16 pairs one row of `cols` inputs takes.
    public var pairsPerRow: Int { (cols + 1) / 2 }

    /// Rows of x rounded at a time: `multiply`'s scratch holds this many rows' pairs.
    public static let chunkRows = 64

    /// c (m × rows, row stride ldc) = x (m × cols, row stride ldx) · Wᵀ, plus c when `accumulate`
    /// (otherwise c is only written, so it need not be cleared first), the rows of x rounded to
    /// bfloat16 `chunkRows` at a time into `scratch` (min(m, chunkRows) × `pairsPerRow` pairs).
    public func multiply(m: Int, x: UnsafePointer<Float>, ldx: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
                         accumulate: Bool, scratch: UnsafeMutablePointer<UInt32>) {
        let pairs = pairsPerRow
        for first in stride(from: 0, to: m, by: Self.chunkRows) {
            let count = min(Self.chunkRows, m - first)
            for r in 0..<count { seqlab_bf16_round(Int32(cols), x + (first + r) * ldx, scratch + r * pairs) }
            seqlab_bf16_gemm(Int32(count), Int32(rows), Int32(cols), scratch, Int32(pairs), packed, c + first * ldc, Int32(ldc),
                             accumulate ? 1 : 0)
        }
    }
}

/// One LSTM direction's W_ih and W_hh in bfloat16 (`ProductPrecision.bfloat16`).
public struct LSTMBFloat16Weights: Sendable {
    public let input: BFloat16Matrix
    public let recurrent: BFloat16Matrix
}

/// One LSTM direction's W_ih and W_hh packed once for the panel product (`PanelMatrix`), for float
/// inference (`LSTMNetwork.setPrecision(.float32)`): a pass then reuses them instead of packing both
/// afresh, which took 8–13% of a 2×256 BLSTM's batch-1 inference. The same products, the same bits.
final class LSTMPanelWeights: @unchecked Sendable {
    let input: PanelMatrix
    let recurrent: PanelMatrix
    /// W_hh as one stream for the batch-1 step (`StreamMatrix`), where it pays.
    let recurrentStream: StreamMatrix?
    /// W_hh in halves for the split batch-1 recurrence (`LSTMSplitRecurrentWeights`), where it runs.
    let split: LSTMSplitRecurrentWeights?
    init(input: PanelMatrix, recurrent: PanelMatrix, recurrentStream: StreamMatrix? = nil, split: LSTMSplitRecurrentWeights? = nil) {
        self.input = input; self.recurrent = recurrent; self.recurrentStream = recurrentStream; self.split = split
    }
}

extension LSTMLayer where S == Float {
    /// W_ih and W_hh as they are now, packed for the panel product.
    func panelWeights() -> LSTMPanelWeights {
        weightIH.value.data.withUnsafeBufferPointer { wih in
            weightHH.value.data.withUnsafeBufferPointer { whh in
                LSTMPanelWeights(input: PanelMatrix(n: 4 * hidden, k: inputs, weights: wih.baseAddress!, rowStride: inputs, colStride: 1),
                                 recurrent: PanelMatrix(n: 4 * hidden, k: hidden, weights: whh.baseAddress!, rowStride: hidden, colStride: 1),
                                 recurrentStream: StreamMatrix(n: 4 * hidden, k: hidden, weights: whh.baseAddress!, ldw: hidden),
                                 split: LSTMSplitRecurrentWeights(hidden: hidden, weights: whh.baseAddress!))
            }
        }
    }

    /// W_ih and W_hh as they are now, rounded and packed.
    func bfloat16Weights() -> LSTMBFloat16Weights {
        weightIH.value.data.withUnsafeBufferPointer { wih in
            weightHH.value.data.withUnsafeBufferPointer { whh in
                LSTMBFloat16Weights(input: BFloat16Matrix(rows: 4 * hidden, cols: inputs, weights: wih.baseAddress!, ld: inputs),
                                    recurrent: BFloat16Matrix(rows: 4 * hidden, cols: hidden, weights: whh.baseAddress!, ld: hidden))
            }
        }
    }
}
