// KernelInstructionSet: the kernel families picked at run time, and the SEQLAB_ISA limit on them.

import CKernels
import Foundation

/// What the network's C kernels run with here (the LSTM cell, Adam, the panel product, the bfloat16
/// products) and the limit the environment variable SEQLAB_ISA puts on them (in any case): "avx512bf16"
/// (no limit), "avx512", "avx2" or "generic" (portable C). The panel product and Adam give the same
/// bits in every family; the cell kernels' exp rounds a little differently in each (the shipped
/// model's scores move in the sixth digit); below AVX-512 the backward's blocked products leave
/// libxsmm for OpenBLAS. It lets one CPU run, and time, the paths of others (docs/RESULTS.md, "The
/// AVX2 path on a CPU with AVX-512"), as OPENBLAS_CORETYPE does for OpenBLAS, which it does not
/// touch.
public enum KernelInstructionSet {
    /// The names SEQLAB_ISA takes, from the widest.
    public static let names = ["avx512bf16", "avx512", "avx2", "generic"]

    /// The message for a SEQLAB_ISA the kernels do not know (one line, without "seqlab: "), or nil.
    public static var problem: String? {
        guard seqlab_isa_limit() < 0 else { return nil }
        let value = ProcessInfo.processInfo.environment["SEQLAB_ISA"] ?? ""
        return "SEQLAB_ISA=\(value): expected one of \(names.joined(separator: ", ")) (or unset)"
    }

    /// "SEQLAB_ISA=…" when the variable holds the kernels below what they could run (avx512, avx2
    /// or generic), else nil: for messages that say why a kernel is missing.
    public static var setting: String? {
        guard (0...2).contains(seqlab_isa_limit()) else { return nil }
        return "SEQLAB_ISA=" + (ProcessInfo.processInfo.environment["SEQLAB_ISA"] ?? "")
    }

    /// The families chosen here: the cell kernels' and the panel product's, and the bfloat16 products'.
    public static var summary: String { "\(String(cString: seqlab_kernel_family())), bfloat16 \(BFloat16Matrix.kernelFamily)" }
}
