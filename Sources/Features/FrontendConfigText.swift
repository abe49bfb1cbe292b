// FrontendConfigText: reads and writes a FrontendConfig as Kaldi-style config text.
import Foundation
import Tensors

extension FrontendConfig {
    /// The option names this config understands, in the order `configText` writes them.
    public static let optionNames: [String] = [
        "feature-type", "sample-frequency", "frame-length", "frame-shift", "preemphasis-coefficient",
        "remove-dc-offset", "window-type", "blackman-coeff", "round-to-power-of-two", "snip-edges",
        "dither", "energy-floor", "raw-energy", "use-energy", "num-mel-bins", "num-ceps", "low-freq",
        "high-freq", "vtln-warp", "vtln-low", "vtln-high", "cepstral-lifter", "use-log-fbank", "use-power", "htk-compat", "cmvn", "deltas",
        "resample", "allow-downsample", "allow-upsample", "channel",
    ]

    /// Parses Kaldi-style config text: one `--name=value` per line (a bare `--name` means true for
    /// a boolean), `#` starts a comment, blank lines are skipped, later lines override earlier
    /// ones (so `--resample`, which sets both `--allow-downsample` and `--allow-upsample`, and a
    /// direction's own line apply in the order given). `--feature-type` is applied first, since it decides the defaults (use-energy) the
    /// other lines override. Unknown names and bad values throw `InputError` naming `file` and
    /// the line; the result is validated (unless `validating` is false: a config that command-line
    /// options complete is validated once they are applied, as Kaldi applies them after the file).
    ///
    /// This is the format `compute-fbank-feats --config=FILE` reads, so Kaldi config files of the
    /// options above load unchanged.
    public init(configText: String, file: String = "<config>", validating: Bool = true) throws {
        var options: [(line: Int, name: String, value: String?)] = []
        for (index, raw) in configText.textLines.enumerated() {
            var text = Substring(raw)
            if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let place = "line \(index + 1)"
            guard trimmed.hasPrefix("--"), trimmed.count > 2 else {
                throw InputError(file: file, place: place, "expected --name=value, got '\(InputError.quoted(trimmed))'")
            }
            let body = trimmed.dropFirst(2)
            let name: String, value: String?
            if let eq = body.firstIndex(of: "=") {
                name = String(body[..<eq]); value = String(body[body.index(after: eq)...])
            } else {
                name = String(body); value = nil
            }
            let normalised = name.replacingOccurrences(of: "_", with: "-")
            guard Self.optionNames.contains(normalised) else {
                throw InputError(file: file, place: place, "unknown option '--\(InputError.quoted(name))' (known: \(Self.optionNames.joined(separator: ", ")))")
            }
            options.append((index + 1, normalised, value))
        }
        var type = AudioFeatureType.fbank
        for option in options where option.name == "feature-type" {
            type = try Self.parseEnum(option.value, option.name, file: file, line: option.line)
        }
        self.init(featureType: type)
        for option in options where option.name != "feature-type" {
            try apply(name: option.name, value: option.value, file: file, line: option.line)
        }
        if validating { try validate(file: file) }
    }

    /// Sets the option `name` (Kaldi spelling, without `--`) from its text `value`.
    /// A nil value means a bare `--name`, true for booleans.
    public mutating func apply(name: String, value: String?, file: String = "<config>", line: Int = 0) throws {
        let place = line > 0 ? "line \(line)" : nil
        func number() throws -> Double {
            guard let value, let d = Double(value.trimmingCharacters(in: .whitespaces)), d.isFinite else {
                throw InputError(file: file, place: place, "--\(name) expects a number, got '\(InputError.quoted(value ?? ""))'")
            }
            return d
        }
        func integer() throws -> Int {
            guard let value, let i = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw InputError(file: file, place: place, "--\(name) expects an integer, got '\(InputError.quoted(value ?? ""))'")
            }
            return i
        }
        func flag() throws -> Bool {
            guard let value else { return true }
            switch value.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "t", "1", "yes": return true
            case "false", "f", "0", "no": return false
            default: throw InputError(file: file, place: place, "--\(name) expects true or false, got '\(InputError.quoted(value))'")
            }
        }
        switch name {
        case "feature-type": featureType = try Self.parseEnum(value, name, file: file, line: line)
        case "sample-frequency": sampleFrequency = try number()
        case "frame-length": frameLength = try number()
        case "frame-shift": frameShift = try number()
        case "preemphasis-coefficient": preemphasisCoefficient = try number()
        case "remove-dc-offset": removeDCOffset = try flag()
        case "window-type": windowType = try Self.parseEnum(value, name, file: file, line: line)
        case "blackman-coeff": blackmanCoeff = try number()
        case "round-to-power-of-two": roundToPowerOfTwo = try flag()
        case "snip-edges": snipEdges = try flag()
        case "dither": dither = try number()
        case "energy-floor": energyFloor = try number()
        case "raw-energy": rawEnergy = try flag()
        case "use-energy": useEnergy = try flag()
        case "num-mel-bins": numMelBins = try integer()
        case "num-ceps": numCeps = try integer()
        case "low-freq": lowFreq = try number()
        case "high-freq": highFreq = try number()
        case "vtln-warp": vtlnWarp = try number()
        case "vtln-low": vtlnLow = try number()
        case "vtln-high": vtlnHigh = try number()
        case "cepstral-lifter": cepstralLifter = try number()
        case "use-log-fbank": useLogFbank = try flag()
        case "use-power": usePower = try flag()
        case "htk-compat": htkCompat = try flag()
        case "cmvn": cmvn = try Self.parseEnum(value, name, file: file, line: line)
        case "deltas": deltas = try integer()
        case "resample": resample = try flag()
        case "allow-downsample": allowDownsample = try flag()
        case "allow-upsample": allowUpsample = try flag()
        case "channel":
            let c = try integer()
            guard c >= -1 else { throw InputError(file: file, place: place, "--channel expects -1 (average all channels) or a channel index, got \(c)") }
            channel = c == -1 ? nil : c
        default:
            throw InputError(file: file, place: place, "unknown option '--\(InputError.quoted(name))'")
        }
    }

    /// The whole configuration as config text, one `--name=value` per line, every option
    /// written (so defaults changing later cannot change a stored front end).
    public var configText: String {
        func num(_ d: Double) -> String {
            d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)"
        }
        let values: [String: String] = [
            "feature-type": featureType.rawValue, "sample-frequency": num(sampleFrequency),
            "frame-length": num(frameLength), "frame-shift": num(frameShift),
            "preemphasis-coefficient": num(preemphasisCoefficient), "remove-dc-offset": "\(removeDCOffset)",
            "window-type": windowType.rawValue, "blackman-coeff": num(blackmanCoeff),
            "round-to-power-of-two": "\(roundToPowerOfTwo)", "snip-edges": "\(snipEdges)",
            "dither": num(dither), "energy-floor": num(energyFloor), "raw-energy": "\(rawEnergy)",
            "use-energy": "\(useEnergy)", "num-mel-bins": "\(numMelBins)", "num-ceps": "\(numCeps)",
            "low-freq": num(lowFreq), "high-freq": num(highFreq), "vtln-warp": num(vtlnWarp), "vtln-low": num(vtlnLow),
            "vtln-high": num(vtlnHigh), "cepstral-lifter": num(cepstralLifter),
            "use-log-fbank": "\(useLogFbank)", "use-power": "\(usePower)", "htk-compat": "\(htkCompat)",
            "cmvn": cmvn.rawValue, "deltas": "\(deltas)", "resample": "\(resample)",
            "allow-downsample": "\(allowDownsample)", "allow-upsample": "\(allowUpsample)",
            "channel": channel.map { "\($0)" } ?? "-1",
        ]
        return Self.optionNames.map { "--\($0)=\(values[$0]!)" }.joined(separator: "\n") + "\n"
    }

    /// Reads a config file (see `init(configText:file:)`).
    public init(configFile path: String) throws {
        guard let text = String(data: try readWholeFile(path), encoding: .utf8) else {
            throw InputError(file: path, "the config file is not UTF-8 text")
        }
        try self.init(configText: text, file: path)
    }

    static func parseEnum<E: RawRepresentable & CaseIterable>(_ value: String?, _ name: String, file: String, line: Int) throws -> E
    where E.RawValue == String {
        let text = (value ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        if let e = E(rawValue: text) { return e }
        throw InputError(file: file, place: line > 0 ? "line \(line)" : nil,
                         "--\(name) expects one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), got '\(InputError.quoted(value ?? ""))'")
    }
}
