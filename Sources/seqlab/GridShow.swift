// `seqlab grid show`: a map in the terminal, with utilities and policy arrows, or as an SVG heat map.
import ArgumentParser
import GridRL

struct GridShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a grid map; with --values/--policy, value iteration's utilities and arrows.")

    @Argument(help: "The grid map file (- for standard input).", completion: .file())
    var map: String

    @Flag(help: "Show the utilities U(s) from value iteration.")
    var values = false

    @Flag(help: "Show the optimal policy as arrows (← ↑ → ↓).")
    var policy = false

    @Option(help: "Write a value heat map with arrows as SVG to this file (- for standard output).", completion: .file())
    var svg: String?

    @Option(help: "Decimals of the utilities (--values and the SVG's cells; default 3).")
    var digits: Int?

    @OptionGroup var memory: SolvingMemoryFlags

    func validate() throws {
        if memory.maxMemory != nil && !(values || policy || svg != nil) {
            throw ValidationError("--max-memory bounds solving the map: give --values, --policy or --svg")
        }
        if let digits {
            guard (0...12).contains(digits) else { throw ValidationError("--digits must be in 0…12") }
            guard values || svg != nil else { throw ValidationError("--digits sets the decimals of --values and --svg: give one of them") }
        }
        if svg == "-" && (values || policy) {
            throw ValidationError("--values and --policy print text to standard output, which --svg - fills with the SVG: write the SVG to a file")
        }
    }

    func run() throws {
        try Self.reportingErrors {
            try Self.refuseReplacingInputs(outputs: [("--svg", svg)], inputs: [self.map])
            let needsSolution = values || policy || svg != nil
            let map = needsSolution
                ? try SolvingMemoryFlags.readMap(self.map, limit: memory.limit, raise: "show a smaller map, without --values, --policy and --svg, or raise --max-memory",
                                                 requireDefinedUtilities: false, requireReachableTerminal: false)
                : try GridMap(contentsOf: self.map)
            let svgOutput = try Self.openSideOutput(svg)   // before drawing: a path that cannot be written fails first
            let solution = needsSolution ? valueIteration(GridMDP(map)) : nil
            // Drawn all the same, but solve would refuse such a map: say why the numbers mean nothing.
            if needsSolution && !map.terminalReachableFromStart {
                Self.printWarning("\(self.map == "-" ? "stdin" : self.map): no terminal cell can be reached from the start: the utilities and policy are not a solution")
            } else if needsSolution && map.discount == 1, let cell = map.firstStateWithoutTerminal {
                Self.printWarning("\(self.map == "-" ? "stdin" : self.map): no terminal cell can be reached from row \(cell / map.cols + 1), column \(cell % map.cols + 1) of the grid: with discount 1 its utility is not defined and the utilities shown there mean nothing")
            }
            if let warning = solution?.notConvergedWarning { Self.printWarning(warning) }
            var text = ""
            if svg != "-" {
                text += GridRendering.map(map)
                if let solution, values { text += "\n" + GridRendering.values(map, solution.utilities, digits: digits ?? 3) }
                if let solution, policy { text += "\n" + GridRendering.policy(map, solution.policy) }
                try writeOut(text)
            }
            if let svgOutput, let solution {
                var options = GridSVGOptions()
                options.digits = digits ?? 3
                try svgOutput.write(Array(gridSVG(map, utilities: solution.utilities, policy: solution.policy, options: options).utf8))
                try svgOutput.commit()
            }
        }
    }
}
