// Features: Audio reading, Kaldi-compatible spectrogram/fbank/MFCC, CMVN, deltas; stroke parsing and pen features.
