// The seqlab command: the root only configures; each stage is a subcommand in its own file.
import ArgumentParser
import Foundation
import Networks

@main
struct Seqlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqlab",
        abstract: "Sequence labelling with LSTM-CTC (speech, handwriting) and grid-world reinforcement learning.",
        discussion: """
        Stages compose as Unix pipes: features go to stdout as Kaldi archives, logs to
        stderr.
          seqlab extract audio --scp wav.scp \\
            | seqlab train --text text -o model.safetensors
          seqlab extract audio test/*.wav | seqlab decode -m model.safetensors > hyp.txt
        """,
        version: "0.1.0",
        subcommands: [Extract.self, CMVN.self, Train.self, Decode.self, Align.self, Label.self, Score.self, Combine.self, Average.self, LM.self, Inspect.self, Grid.self, Plot.self, Influence.self])

    /// Refuses a SEQLAB_ISA the kernels do not know (`KernelInstructionSet`) before any command runs.
    static func main() {
        if let problem = KernelInstructionSet.problem {
            FileHandle.standardError.write(Data("seqlab: \(problem)\n".utf8))
            Foundation.exit(2)
        }
        main(nil)
    }
}
