// Resampler: sample-rate conversion of mono audio through libsamplerate's best sinc converter.
import CSampleRate
import Tensors

/// Converts mono audio from one sample rate to another with libsamplerate (Secret Rabbit Code,
/// `SRC_SINC_BEST_QUALITY`: band-limited sinc interpolation, the library's highest quality).
///
/// The output has round(n · to / from) samples (libsamplerate's own count, within one sample).
public enum Resampler {
    /// `samples` at `from` Hz resampled to `to` Hz; `file` names the source in errors.
    public static func resample(_ samples: [Float], from: Int, to: Int, file: String = "<audio>") throws -> [Float] {
        guard from > 0, to > 0 else { throw InputError(file: file, "cannot resample from \(from) Hz to \(to) Hz") }
        if from == to || samples.isEmpty { return samples }
        return try resample(samples, ratio: Double(to) / Double(from), file: file,
                            describe: "from \(from) Hz to \(to) Hz")
    }

    /// `samples` resampled by `ratio` (output rate / input rate, any real number in [1/256, 256]):
    /// about n · ratio samples. Speed perturbation uses fractional ratios such as 1/0.9.
    public static func resample(_ samples: [Float], ratio: Double, file: String = "<audio>") throws -> [Float] {
        try resample(samples, ratio: ratio, file: file, describe: "by a factor of \(ratio)")
    }

    static func resample(_ samples: [Float], ratio: Double, file: String, describe: String) throws -> [Float] {
        if ratio == 1 || samples.isEmpty { return samples }
        guard ratio.isFinite, ratio >= 1.0 / 256, ratio <= 256 else {
            throw InputError(file: file, "cannot resample \(describe): libsamplerate converts by at most a factor of 256")
        }
        let capacity = Int((Double(samples.count) * ratio).rounded(.up)) + 16
        var output = [Float](repeating: 0, count: capacity)
        var generated = 0
        let status: Int32 = samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                var data = SRC_DATA()
                data.data_in = input.baseAddress
                data.data_out = out.baseAddress
                data.input_frames = Int(input.count)
                data.output_frames = Int(out.count)
                data.src_ratio = ratio
                data.end_of_input = 1
                let s = src_simple(&data, Int32(SRC_SINC_BEST_QUALITY), 1)
                generated = Int(data.output_frames_gen)
                return s
            }
        }
        if status != 0 {
            throw InputError(file: file, "resampling \(describe) failed: \(String(cString: src_strerror(status)))")
        }
        output.removeSubrange(generated...)
        return output
    }
}
