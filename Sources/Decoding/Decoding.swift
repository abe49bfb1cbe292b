// Decoding: Best path and prefix beam search, language models, forced alignment, edit distance.
