// Formats: Kaldi archives, scp and text files, safetensors models, label alphabets.
