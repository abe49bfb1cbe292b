// AudioMagic: names the audio format a file starts with, so readers of other kinds can say so.

/// The audio format whose file starts with `bytes` (WAV, FLAC, Ogg, AIFF, AU, MP3), nil for others:
/// a reader of features or strokes given audio says what it got instead of what it failed to parse.
public func audioFormat<C: Collection>(startingWith bytes: C) -> String? where C.Element == UInt8 {
    let magics: [(String, String)] = [("RIFF", "WAV"), ("RIFX", "WAV"), ("fLaC", "FLAC"), ("OggS", "Ogg"), ("FORM", "AIFF"),
                                      (".snd", "AU"), ("ID3", "MP3")]
    return magics.first { bytes.starts(with: Array($0.0.utf8)) }?.1
}
