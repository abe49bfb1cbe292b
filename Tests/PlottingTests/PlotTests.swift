// Tests of the heat map, posterior and curve plots: element counts, where known values land, errors.
import Foundation
import Plotting
import Tensors
import TestSupport
import XCTest

final class PlotTests: XCTestCase {
    /// A 2 × 2 matrix: four cells, frame 0 on the left, dimension 0 at the bottom, min dark, max yellow.
    func testHeatMapCellsOfATwoByTwoMatrix() throws {
        var options = HeatMapOptions()
        options.plotWidth = 200
        options.plotHeight = 100
        // Frames are rows: frame 0 = (0, 2), frame 1 = (1, 3).
        let svg = try parseSVG(try heatMapSVG(matrix: Matrix([[0, 2], [1, 3]]), frameShift: 0.01, title: "two", yLabel: "dim",
                                              options: options))
        let cells = try XCTUnwrap(svg.groups("cells").first).elements("rect")
        XCTAssertEqual(cells.count, 4)
        // The plot area starts at (78, 40); each cell is 100 × 50, extended by half a pixel over its
        // right and upper neighbours (none at the right edge and the top).
        func cell(x: Double, y: Double, width: Double, height: Double) -> String? {
            cells.first { $0.number("x") == x && $0.number("y") == y && $0.number("width") == width && $0.number("height") == height }?
                .attributes["fill"]
        }
        XCTAssertEqual(cell(x: 78, y: 89.5, width: 100.5, height: 50.5), "#440154")   // frame 0, dim 0: the minimum
        XCTAssertEqual(cell(x: 178, y: 40, width: 100, height: 50), "#fde725")        // frame 1, dim 1: the maximum
        XCTAssertNotNil(cell(x: 78, y: 40, width: 100.5, height: 50))                  // frame 0, dim 1
        XCTAssertNotNil(cell(x: 178, y: 89.5, width: 100, height: 50.5))               // frame 1, dim 0
        // Time in seconds: 2 frames of 10 ms span 0 … 0.02 s, the last tick at the right edge.
        let xAxis = try XCTUnwrap(svg.groups("x-axis").first)
        XCTAssertEqual(xAxis.elements("text").last?.text, "time (s)")
        XCTAssertEqual(xAxis.elements("text").first?.text, "0.000")
        let lastTick = try XCTUnwrap(xAxis.elements("line").last)
        XCTAssertEqual(lastTick.number("x1"), 278)
        // Dimension ticks at cell centres: 0 at y = 115, 1 at y = 65.
        let yTicks = try XCTUnwrap(svg.groups("y-axis").first).elements("line").map { $0.number("y1")! }
        XCTAssertEqual(yTicks, [115, 65])
        // The colour bar: 64 steps.
        XCTAssertEqual(svg.groups("colour-bar").first?.elements("rect").count, 64)
    }

    /// Without a frame shift the x axis counts frames: whole numbers only, however few the frames.
    func testFrameAxisTicksAreWholeFrames() throws {
        for (frames, labels) in [(1, ["0", "1"]), (4, ["0", "1", "2", "3", "4"]), (7, ["0", "1", "2", "3", "4", "5", "6", "7"]),
                                 (25, ["0", "2", "4", "6", "8", "10", "12", "14", "16", "18", "20", "22", "24"])] {
            let matrix = Matrix(rows: frames, cols: 2, data: (0..<(frames * 2)).map(Float.init))
            let svg = try parseSVG(try heatMapSVG(matrix: matrix, frameShift: nil, title: "t", yLabel: "dim"))
            let xAxis = try XCTUnwrap(svg.groups("x-axis").first)
            XCTAssertEqual(xAxis.elements("text").map(\.text), labels + ["frame"], "\(frames) frames")
            // Frame boundaries: tick k at x = 78 + 900·k/T.
            let expected: [Double] = labels.map { label in
                let x = 78 + 900 * Double(label)! / Double(frames)
                return (x * 100).rounded() / 100
            }
            XCTAssertEqual(xAxis.elements("line").map { $0.number("x1")! }, expected, "\(frames) frames")
        }
        // Strokes have no frame shift: the posterior plot counts frames too.
        let logProbs = Matrix(rows: 3, cols: 2, data: [0, -9, -9, 0, 0, -9].map { Float($0) })
        let svg = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: ["<blk>", "a"], spans: [TokenSpan(label: 1, start: 1, end: 1)],
                                                 frameShift: nil, title: "p"))
        XCTAssertEqual(try XCTUnwrap(svg.groups("x-axis").last).elements("text").map(\.text), ["0", "1", "2", "3", "frame"])
    }

    /// Equal colours along a row merge into one rect; many frames are averaged to maxColumns.
    func testHeatMapMergesRunsAndDownsamples() throws {
        var options = HeatMapOptions()
        options.plotWidth = 300
        let run = try parseSVG(try heatMapSVG(matrix: Matrix([[0], [0], [5]]), frameShift: nil, title: "r", yLabel: "d", options: options))
        let rects = try XCTUnwrap(run.groups("cells").first).elements("rect")
        XCTAssertEqual(rects.map { $0.number("width")! }, [200.5, 100])
        XCTAssertEqual(run.groups("x-axis").first?.elements("text").last?.text, "frame")

        options.maxColumns = 10
        options.cells = .vector
        let long = Matrix(rows: 1000, cols: 2, data: (0..<2000).map { Float($0 % 2 == 0 ? $0 / 2 : 0) })
        let svg = try parseSVG(try heatMapSVG(matrix: long, frameShift: nil, title: "long", yLabel: "d", options: options))
        let cells = try XCTUnwrap(svg.groups("cells").first).elements("rect")
        // Dimension 0 rises bin by bin: 10 distinct colours; dimension 1 is constant: one rect.
        XCTAssertEqual(cells.count, 11)
        XCTAssertEqual(cells.last?.number("width"), 300)
        // The caption says a column is the mean of 100 frames; without reduction it gives the size only.
        XCTAssertTrue(svg.elements("text").contains { $0.text == "1000 frames × 2 dimensions; each column 100 frames (their mean; colours span the means)" },
                      "\(svg.elements("text").map(\.text))")
        XCTAssertTrue(run.elements("text").contains { $0.text == "3 frames × 1 dimension" }, "\(run.elements("text").map(\.text))")
        let single = try parseSVG(try heatMapSVG(matrix: Matrix([[7]]), frameShift: nil, title: "1", yLabel: "d"))
        XCTAssertTrue(single.elements("text").contains { $0.text == "1 frame × 1 dimension" }, "\(single.elements("text").map(\.text))")
        options.maxColumns = 300
        let uneven = try parseSVG(try heatMapSVG(matrix: long, frameShift: nil, title: "long", yLabel: "d", options: options))
        XCTAssertTrue(uneven.elements("text").contains { $0.text == "1000 frames × 2 dimensions; each column 3–4 frames (their mean; colours span the means)" },
                      "\(uneven.elements("text").map(\.text))")
    }

    /// Averaged columns are coloured over the range of the means, not of the single frames: the
    /// lowest column is dark violet, the highest yellow, and the colour bar is ticked over the means.
    func testAveragedColumnsSpanTheColourScale() throws {
        var options = HeatMapOptions()
        options.plotWidth = 100
        options.maxColumns = 10
        options.cells = .vector
        // Frame t of bin j = t / 10 alternates j + 10 and j − 10: the frames span −10…19, the ten
        // column means are 0, 1, …, 9.
        let frames = Matrix(rows: 100, cols: 1, data: (0..<100).map { t in Float(t / 10 + (t % 2 == 0 ? 10 : -10)) })
        let svg = try parseSVG(try heatMapSVG(matrix: frames, frameShift: nil, title: "mean", yLabel: "d", options: options))
        let cells = try XCTUnwrap(svg.groups("cells").first).elements("rect")
        XCTAssertEqual(cells.count, 10)
        XCTAssertEqual(cells.first?.attributes["fill"], "#440154")   // column 0, mean 0: the scale's low end
        XCTAssertEqual(cells.last?.attributes["fill"], "#fde725")    // column 9, mean 9: its high end
        let bar = try XCTUnwrap(svg.groups("y-axis").last).elements("text").map(\.text)
        XCTAssertEqual(bar, ["0", "2", "4", "6", "8"])
        XCTAssertTrue(svg.elements("text").contains { $0.text == "100 frames × 1 dimension; each column 10 frames (their mean; colours span the means)" },
                      "\(svg.elements("text").map(\.text))")
    }

    func testCurveEndpointsAndTicks() throws {
        let text = try curvesSVG(series: [Series(name: "a<b", points: [(0, 0), (5, 0.5), (10, 1)])],
                                 title: "T&C", xLabel: "epoch", yLabel: "loss")
        let svg = try parseSVG(text)
        XCTAssertEqual(svg.elements("title").first?.text, "T&C")
        // Plot area (82, 44) to (722, 304); x 0…10 padded by 3 % at each end: −0.3…10.3; y ticked
        // 0…1 by 0.2 and padded by 4 % of that: −0.04…1.04. No point lies on the frame.
        let line = try XCTUnwrap(svg.groups("series").first?.elements("polyline").first)
        let points = polylinePoints(line)
        func x(_ v: Double) -> Double { 82 + 640 * (v + 0.3) / 10.6 }
        func y(_ v: Double) -> Double { 304 - 260 * (v + 0.04) / 1.08 }
        XCTAssertEqual(points.count, 3)
        for (p, (vx, vy)) in zip(points, [(0.0, 0.0), (5, 0.5), (10, 1)]) {
            XCTAssertEqual(p.x, x(vx), accuracy: 0.01); XCTAssertEqual(p.y, y(vy), accuracy: 0.01)
        }
        XCTAssertEqual(points[0].x, 100.11, accuracy: 0.01); XCTAssertEqual(points[0].y, 294.37, accuracy: 0.01)
        XCTAssertEqual(svg.groups("series").first?.elements("circle").count, 3)
        let xAxis = try XCTUnwrap(svg.groups("x-axis").first)
        XCTAssertEqual(xAxis.elements("text").map(\.text), (0...10).map(String.init) + ["epoch"])
        let yAxis = try XCTUnwrap(svg.groups("y-axis").first)
        XCTAssertEqual(yAxis.elements("text").map(\.text), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "loss"])
        XCTAssertEqual(svg.groups("legend").first?.elements("text").map(\.text), ["a<b"])
    }

    /// The legend takes the top-right corner unless the data are there; then the top left.
    func testLegendAvoidsTheData() throws {
        func legendX(_ points: [(x: Double, y: Double)]) throws -> Double {
            let svg = try parseSVG(try curvesSVG(series: [Series(name: "s", points: points)], title: "", xLabel: "", yLabel: ""))
            return try XCTUnwrap(svg.groups("legend").first?.elements("rect").first?.number("x"))
        }
        let falling = (0...20).map { (x: Double($0), y: 1 - Double($0) / 20) }
        let rising = (0...20).map { (x: Double($0), y: Double($0) / 20) }
        XCTAssertGreaterThan(try legendX(falling), 402)   // right half of the 82…722 area
        XCTAssertEqual(try legendX(rising), 90)            // area.x + 8
    }

    /// The y axis is ticked at whole steps, 52…394 by 50 from 50 to 400, and reaches 4 % of that
    /// range (14) beyond the data, 38…408, so neither end point is drawn on the frame.
    func testYAxisTicksAreWholeStepsInAPaddedRange() throws {
        let svg = try parseSVG(try curvesSVG(series: [Series(name: "s", points: [(1, 394), (2, 196), (3, 52)])],
                                             title: "", xLabel: "", yLabel: ""))
        let labels = try XCTUnwrap(svg.groups("y-axis").first).elements("text").map(\.text)
        XCTAssertEqual(labels, ["50", "100", "150", "200", "250", "300", "350", "400"])
        let ticks = try XCTUnwrap(svg.groups("y-axis").first).elements("line").compactMap { $0.number("y1") }
        XCTAssertEqual(try XCTUnwrap(ticks.first), 304 - 260 * 12 / 370, accuracy: 0.01)   // 50, above the bottom (38)
        XCTAssertEqual(try XCTUnwrap(ticks.last), 304 - 260 * 362 / 370, accuracy: 0.01)   // 400, below the top (408)
        let points = polylinePoints(try XCTUnwrap(svg.groups("series").first?.elements("polyline").first))
        XCTAssertEqual(points.map(\.y).max()!, 304 - 260 * 14 / 370, accuracy: 0.01)
        XCTAssertEqual(points.map(\.y).min()!, 304 - 260 * 356 / 370, accuracy: 0.01)
    }

    func testLogScaleCurveAndGaps() throws {
        let points: [(x: Double, y: Double)] = [(1, 100), (2, .nan), (3, 10), (4, 1)]
        let svg = try parseSVG(try curvesSVG(series: [Series(name: "loss", points: points)], title: "log", xLabel: "x", yLabel: "y", logY: true))
        let lines = try XCTUnwrap(svg.groups("series").first).elements("polyline")
        XCTAssertEqual(lines.count, 2)   // broken at the NaN
        let a = polylinePoints(lines[0])[0], b = polylinePoints(lines[1])
        // Equal ratios are equal distances on a log axis: 100 → 10 → 1.
        XCTAssertEqual(b[0].y - a.y, b[1].y - b[0].y, accuracy: 0.02)
        XCTAssertThrowsError(try curvesSVG(series: [Series(name: "z", points: [(1, 0)])], title: "", xLabel: "", yLabel: "", logY: true)) {
            XCTAssertEqual("\($0)", "series \"z\" has y = 0 at x = 1; a log scale needs positive values")
        }
        // A training log names the epoch (the second line of the log), not a 0-based point index.
        let log = [TrainingLogEntry(epoch: 1, trainLoss: 2, validLoss: nil, validLabelErrorRate: nil, learningRate: nil),
                   TrainingLogEntry(epoch: 2, trainLoss: 0, validLoss: nil, validLabelErrorRate: nil, learningRate: nil)]
        XCTAssertThrowsError(try trainingCurvesSVG(log, title: "", logLoss: true)) {
            XCTAssertEqual("\($0)", "series \"training loss\" has y = 0 at epoch 2; a log scale needs positive values")
        }
    }

    func testPosteriorLinesAndAlignmentBoxes() throws {
        // 4 frames, labels blank, "a", " ". Frames 0–1 are "a", frame 3 is " ".
        let p: [[Float]] = [[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.9, 0.05, 0.05], [0.3, 0.1, 0.6]]
        let logProbs = Matrix(p.map { $0.map { log($0) } })
        var options = PosteriorPlotOptions()
        options.plotWidth = 400
        let spans = [TokenSpan(label: 1, start: 0, end: 1), TokenSpan(label: 2, start: 3, end: 3)]
        let svg = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: ["<blk>", "a", " "], spans: spans,
                                                 frameShift: nil, title: "p", options: options))
        let lines = svg.all.filter { $0.name == "g" && ($0.attributes["class"] ?? "").hasPrefix("posterior") }
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[0].attributes["class"], "posterior blank")
        // Area (78, 40), 400 × 220: frame t at x = 78 + 100 (t + 0.5), probability p at posteriorY(p).
        let a = polylinePoints(lines[1].elements("polyline")[0])
        assertClose(a.map(\.x), [128, 228, 328, 428], absolute: 0.01)
        assertClose(a.map(\.y), p.map { posteriorY(Double($0[1])) }, absolute: 0.01)
        let boxes = try XCTUnwrap(svg.groups("alignment").first)
        let rects = boxes.elements("rect")
        XCTAssertEqual(rects.count, 3)   // the band and two tokens
        XCTAssertEqual(rects[1].number("x"), 78); XCTAssertEqual(rects[1].number("width"), 200)
        XCTAssertEqual(rects[2].number("x"), 378); XCTAssertEqual(rects[2].number("width"), 100)
        XCTAssertEqual(boxes.elements("text").map(\.text), ["a", "␣"])
        // The legend lists the blank and the labels that reach 0.1.
        XCTAssertEqual(svg.groups("legend").first?.elements("text").map(\.text), ["<blk>", "a", "␣"])
        // The posterior axis labels its quarter ticks exactly.
        XCTAssertEqual(svg.groups("y-axis").first?.elements("text").map(\.text), ["0.00", "0.25", "0.50", "0.75", "1.00", "posterior"])
    }

    /// A blank certain (p = 1) but at frame 2, where "a" is certain, and "a" never seen elsewhere
    /// (p = 0): both lines are drawn inside the posterior frame (area y 40…260), not on its edges
    /// where the frame hides them; the ticks 0 and 1 sit at the lines; and the symbol of the token
    /// at the peak of 1 is between the frame and the blank's line at 1, touching neither.
    func testPosteriorLinesAtZeroAndOneAreInsideTheFrame() throws {
        var logProbs = Matrix(rows: 5, cols: 2, data: [Float](repeating: 0, count: 5).flatMap { [$0, -.infinity] })
        logProbs[2, 0] = -.infinity; logProbs[2, 1] = 0
        let svg = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: ["<blk>", "a"], spans: [TokenSpan(label: 1, start: 2, end: 2)],
                                                 frameShift: nil, title: ""))
        let blank = polylinePoints(try XCTUnwrap(svg.groups("posterior blank").first).elements("polyline")[0])
        let a = polylinePoints(try XCTUnwrap(svg.groups("posterior").first).elements("polyline")[0])
        XCTAssertEqual(blank.count, 5)
        // 0 at 260 − 220 × 0.04 / 1.13 = 252.2, 1 at 40 + 220 × 0.09 / 1.13 = 57.5.
        assertClose(blank.map(\.y), [57.52, 57.52, 252.21, 57.52, 57.52], absolute: 0.01)
        assertClose(a.map(\.y), [252.21, 252.21, 57.52, 252.21, 252.21], absolute: 0.01)
        let axis = try XCTUnwrap(svg.groups("y-axis").first)
        let tickYs = axis.elements("line").compactMap { $0.number("y1") }
        XCTAssertEqual(tickYs.count, 10)   // a grid line and a tick each
        XCTAssertEqual(try XCTUnwrap(tickYs.min()), 57.52, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(tickYs.max()), 252.21, accuracy: 0.01)
        // The symbol (12 px bold, capitals and digits about 0.73 em tall) 5 px above the peak.
        let symbol = try XCTUnwrap(svg.elements("text").first { $0.text == "a" && $0.attributes["font-size"] == "12" })
        let baseline = try XCTUnwrap(symbol.number("y"))
        XCTAssertEqual(baseline, 57.52 - 5, accuracy: 0.01)
        XCTAssertGreaterThan(baseline - 0.73 * 12, 40)
    }

    func testPosteriorsWithFeaturesDrawTheHeatMapAbove() throws {
        let logProbs = Matrix(rows: 3, cols: 2, data: [0, -9, -9, 0, 0, -9].map(Float.init))
        let features = Matrix(rows: 3, cols: 4, data: (0..<12).map(Float.init))
        let svg = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: ["<blk>", "x"], spans: [TokenSpan(label: 1, start: 1, end: 1)],
                                                 frameShift: 0.01, features: features, title: "f"))
        XCTAssertEqual(svg.groups("cells").first?.elements("rect").count, 12)
        XCTAssertEqual(svg.groups("colour-bar").count, 1)
        XCTAssertThrowsError(try posteriorsSVG(logProbs: logProbs, alphabet: ["<blk>", "x"], spans: [], frameShift: nil,
                                               features: features.rows(0..<2), title: "")) {
            XCTAssertEqual("\($0)", "the features have 2 frames but the posteriors 3")
        }
    }

    /// A label decoded from a one-frame spike is in the legend and its line, one point per 20
    /// frames, keeps the spike's height; a label that never reaches 0.1 is not in the legend.
    func testLegendThresholdIsOnThePosteriorsNotTheirAverage() throws {
        var logProbs = Matrix(rows: 200, cols: 3, repeating: log(0.02))
        for t in 0..<200 { logProbs[t, 0] = log(0.96) }
        logProbs[50, 0] = log(0.02); logProbs[50, 1] = log(0.96)
        var options = PosteriorPlotOptions()
        options.maxColumns = 10
        let svg = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: ["<blk>", "a", "b"], spans: [TokenSpan(label: 1, start: 50, end: 50)],
                                                 frameShift: nil, title: "", options: options))
        // The line of "a" peaks at 0.96 at its third point (frames 40…59), not at their mean 0.067.
        let a = polylinePoints(svg.all.filter { $0.attributes["class"] == "posterior" }[0].elements("polyline")[0])
        XCTAssertEqual(a.count, 10)
        XCTAssertEqual(a[2].y, posteriorY(0.96), accuracy: 0.01)
        XCTAssertEqual(a[3].y, posteriorY(0.02), accuracy: 0.01)
        XCTAssertEqual(svg.groups("legend").first?.elements("text").map(\.text), ["<blk>", "a"])
    }

    /// A ten-minute utterance (60,000 frames, 60 per drawn point): each one-frame spike of a label
    /// keeps its height in the line, the blank's line dips under it, the token's symbol sits just
    /// above the peak drawn, and the caption says what a point stands for.
    func testLongUtteranceKeepsOneFrameSpikes() throws {
        let frames = 60_000
        var logProbs = Matrix(rows: frames, cols: 2, repeating: log(0.01))
        for t in 0..<frames { logProbs[t, 0] = log(0.99) }
        let spikes = stride(from: 317, to: frames, by: 6000).map { $0 }
        for t in spikes { logProbs[t, 0] = log(0.1); logProbs[t, 1] = log(0.9) }
        let svg = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: ["<blk>", "a"],
                                                 spans: spikes.map { TokenSpan(label: 1, start: $0, end: $0) },
                                                 frameShift: 0.01, title: "long"))
        let a = polylinePoints(try XCTUnwrap(svg.groups("posterior").first).elements("polyline")[0])
        let blank = polylinePoints(try XCTUnwrap(svg.groups("posterior blank").first).elements("polyline")[0])
        XCTAssertEqual(a.count, 1000)
        XCTAssertEqual(blank.count, 1000)
        // Point j covers frames 60j…60j+59.
        for j in 0..<1000 {
            let spiked = spikes.contains { $0 / 60 == j }
            XCTAssertEqual(a[j].y, posteriorY(spiked ? 0.9 : 0.01), accuracy: 0.01, "point \(j)")
            XCTAssertEqual(blank[j].y, posteriorY(spiked ? 0.1 : 0.99), accuracy: 0.01, "point \(j)")
        }
        // Every token's symbol 5 px above its peak.
        let symbols = svg.elements("text").filter { $0.text == "a" && $0.attributes["font-size"] == "12" }
        XCTAssertEqual(symbols.count, spikes.count)
        for s in symbols { XCTAssertEqual(try XCTUnwrap(s.number("y")), posteriorY(0.9) - 5, accuracy: 0.01) }
        XCTAssertTrue(svg.elements("text").contains {
            $0.text == "60000 frames; each column 60 frames (labels: their highest posterior, the blank: its lowest)"
        }, "\(svg.elements("text").map(\.text))")
    }

    /// A transcript too long for the title line is cut at a token, with how many tokens there are,
    /// rather than running over the title and off the picture.
    func testLongTranscriptIsCutToFitBesideTheTitle() throws {
        let frames = 600
        var logProbs = Matrix(rows: frames, cols: 3, repeating: log(0.5))
        let spans = (0..<300).map { TokenSpan(label: 1 + $0 % 2, start: 2 * $0, end: 2 * $0) }
        for s in spans { logProbs[s.start, s.label] = log(0.9) }
        let title = "utt: posteriors of model.safetensors"
        let svg = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: ["<blk>", "a", "b"], spans: spans, frameShift: 0.01, title: title))
        let header = try XCTUnwrap(svg.elements("text").first { $0.number("y") == 24 && $0.attributes["text-anchor"] == "end" })
        XCTAssertTrue(header.text.hasPrefix("a b a b "), header.text)
        XCTAssertTrue(header.text.hasSuffix(" … (300 tokens)"), header.text)
        // Bold title at 15 px, the transcript at 13 px, 0.62 em per character, 20 px apart: both in 78…978.
        let titleEnd = 78 + Double(title.count) * 15 * 0.62
        XCTAssertGreaterThanOrEqual(978 - Double(header.text.count) * 13 * 0.62, titleEnd + 20)
        // A transcript that fits is written whole.
        let short = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: ["<blk>", "a", "b"], spans: Array(spans.prefix(3)),
                                                   frameShift: 0.01, title: title))
        XCTAssertEqual(short.elements("text").first { $0.number("y") == 24 && $0.attributes["text-anchor"] == "end" }?.text, "a b a")
    }

    /// With many probable labels the legend keeps the blank and the highest peaks, and says how many it left out.
    func testLegendOfManyLabelsFitsBesideThePlot() throws {
        let k = 30, frames = 30
        var logProbs = Matrix(rows: frames, cols: k, repeating: log(0.01))
        for t in 0..<frames { logProbs[t, t % (k - 1) + 1] = log(0.2 + 0.02 * Float(t % (k - 1))) }   // label j peaks at 0.18 + 0.02 j
        let alphabet = ["<blk>"] + (1..<k).map { "l\($0)" }
        let svg = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: alphabet, spans: [], frameShift: nil, title: ""))
        let names = try XCTUnwrap(svg.groups("legend").first).elements("text").map(\.text)
        // Room for (220 + 10 + 34 − 8) / 16 = 16 rows: the blank, the 14 highest (l16 … l29) and the note.
        XCTAssertEqual(names, ["<blk>"] + (16...29).map { "l\($0)" } + ["+15 more"])
    }

    /// Grey is the blank's: no label of a ten-digit or a 28-letter alphabet is drawn in a grey
    /// (equal red, green and blue), in its line, legend entry or alignment box.
    func testNoLabelIsGreyLikeTheBlank() throws {
        for k in [11, 29] {
            let frames = k - 1
            var logProbs = Matrix(rows: frames, cols: k, repeating: log(0.01))
            for t in 0..<frames { logProbs[t, t + 1] = log(0.8) }
            let alphabet = ["<blk>"] + (1..<k).map { "l\($0)" }
            let spans = (0..<frames).map { TokenSpan(label: $0 + 1, start: $0, end: $0) }
            let svg = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: alphabet, spans: spans, frameShift: nil, title: ""))
            func isGrey(_ colour: String?) -> Bool {
                guard let colour, colour.count == 7 else { return false }
                let hex = Array(colour.dropFirst())
                return hex[0...1] == hex[2...3] && hex[2...3] == hex[4...5]
            }
            let lines = svg.all.filter { $0.name == "g" && $0.attributes["class"] == "posterior" }.map { $0.elements("polyline")[0].attributes["stroke"] }
            XCTAssertEqual(lines.count, k - 1)
            XCTAssertEqual(lines.filter(isGrey), [], "\(k) labels")
            let legend = try XCTUnwrap(svg.groups("legend").first).elements("line").dropFirst().map { $0.attributes["stroke"] }
            XCTAssertEqual(legend.filter(isGrey), [], "\(k) labels")
            let boxes = try XCTUnwrap(svg.groups("alignment").first).elements("rect").dropFirst().map { $0.attributes["fill"] }
            XCTAssertEqual(boxes.count, k - 1)
            XCTAssertEqual(boxes.filter(isGrey), [], "\(k) labels")
        }
    }

    /// Past the ten colours of the palette, labels are told apart by dash patterns: no two legend
    /// entries share colour and dash, and each line is drawn as its legend entry shows it.
    func testLegendEntriesPastThePaletteAreDistinct() throws {
        let k = 15, frames = 14
        var logProbs = Matrix(rows: frames, cols: k, repeating: log(0.01))
        for t in 0..<frames { logProbs[t, t + 1] = log(0.8) }   // label t + 1 peaks at frame t
        let alphabet = ["<blk>"] + (1..<k).map { "l\($0)" }
        let svg = try parseSVG(try posteriorsSVG(logProbs: logProbs, alphabet: alphabet, spans: [], frameShift: nil, title: ""))
        let legend = try XCTUnwrap(svg.groups("legend").first)
        XCTAssertEqual(legend.elements("text").map(\.text), alphabet)
        let styles = legend.elements("line").map { "\($0.attributes["stroke"] ?? "") \($0.attributes["stroke-dasharray"] ?? "solid")" }
        XCTAssertEqual(styles.count, k)
        XCTAssertEqual(Set(styles).count, k, "\(styles)")
        XCTAssertEqual(styles[1], "#1f77b4 solid")
        XCTAssertEqual(styles[10], "#1f77b4 8 3", "the tenth label: the first colour, dashed")
        let lines = svg.all.filter { $0.name == "g" && ($0.attributes["class"] ?? "").hasPrefix("posterior") }
            .map { $0.elements("polyline")[0] }.map { "\($0.attributes["stroke"] ?? "") \($0.attributes["stroke-dasharray"] ?? "solid")" }
        XCTAssertEqual(lines, styles, "each line as its legend entry")
    }

    func testDegenerateInputsThrowClearErrors() {
        func message(_ body: () throws -> String) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { try heatMapSVG(matrix: Matrix(rows: 0, cols: 3), frameShift: nil, title: "", yLabel: "") },
                       "the features have no frames")
        XCTAssertEqual(message { try heatMapSVG(matrix: Matrix(rows: 2, cols: 0), frameShift: nil, title: "", yLabel: "") },
                       "the features have no dimensions")
        XCTAssertEqual(message { try heatMapSVG(matrix: Matrix([[1, .nan]]), frameShift: nil, title: "", yLabel: "") },
                       "the features have a non-finite value at frame 0, dimension 1")
        // The features above the posteriors are named as such too.
        XCTAssertEqual(message { try posteriorsSVG(logProbs: Matrix(rows: 1, cols: 2), alphabet: ["a", "b"], spans: [], frameShift: nil,
                                                   features: Matrix([[1, .infinity]]), title: "") },
                       "the features have a non-finite value at frame 0, dimension 1")
        XCTAssertEqual(message { try curvesSVG(series: [], title: "", xLabel: "", yLabel: "loss") },
                       "nothing to plot for \"loss\": no finite points")
        XCTAssertEqual(message { try curvesSVG(series: [Series(name: "s", points: [(1, .nan)])], title: "", xLabel: "", yLabel: "y") },
                       "nothing to plot for \"y\": no finite points")
        XCTAssertEqual(message { try curvesSVG(panels: [], title: "") }, "nothing to plot: no panels")
        let lp = Matrix(rows: 2, cols: 2)
        XCTAssertEqual(message { try posteriorsSVG(logProbs: lp, alphabet: ["a"], spans: [], frameShift: nil, title: "") },
                       "the alphabet has 1 label but the posteriors have 2 columns")
        XCTAssertEqual(message { try posteriorsSVG(logProbs: Matrix(rows: 2, cols: 1), alphabet: ["a", "b"], spans: [], frameShift: nil, title: "") },
                       "the alphabet has 2 labels but the posteriors have 1 column")
        XCTAssertEqual(message { try posteriorsSVG(logProbs: lp, alphabet: ["a", "b"], spans: [], frameShift: nil, features: Matrix(rows: 1, cols: 3),
                                                   title: "") },
                       "the features have 1 frame but the posteriors 2")
        XCTAssertEqual(message { try posteriorsSVG(logProbs: lp, alphabet: ["a", "b"], spans: [TokenSpan(label: 1, start: 1, end: 2)],
                                                   frameShift: nil, title: "") },
                       "token 0 spans frames 1...2, outside 0..<2")
        XCTAssertEqual(message { try posteriorsSVG(logProbs: lp, alphabet: ["a", "b"], spans: [TokenSpan(label: 2, start: 0, end: 0)],
                                                   frameShift: nil, title: "") },
                       "token 0 has label 2, outside the alphabet")
        XCTAssertEqual(message { try posteriorsSVG(logProbs: Matrix(rows: 0, cols: 2), alphabet: ["a", "b"], spans: [],
                                                   frameShift: nil, title: "") },
                       "the posteriors have no frames")
        // A constant matrix is not degenerate: one colour, drawn.
        XCTAssertNoThrow(try heatMapSVG(matrix: Matrix(rows: 3, cols: 2, repeating: 4), frameShift: nil, title: "", yLabel: ""))
    }

    /// A log whose epochs start again holds several runs: one warning line says where.
    func testTrainingLogRestartsAreFound() {
        let one = [1, 2, 3].map { TrainingLogEntry(epoch: $0, trainLoss: 1) }
        XCTAssertNil(TrainingLogEntry.restartWarning(one, file: "r.jsonl"))
        let two = [1, 2, 1, 2, 2].map { TrainingLogEntry(epoch: $0, trainLoss: 1) }
        XCTAssertEqual(TrainingLogEntry.restartWarning(two, file: "r.jsonl"),
                       "r.jsonl: the epochs start again 2 time(s) (epoch 1 after epoch 2 at entry 3): lines of several runs in one log")
    }

    /// The panels of one log share the epoch axis, though validation starts later than training.
    func testTrainingPanelsShareTheEpochAxis() throws {
        let entries = [TrainingLogEntry(epoch: 1, trainLoss: 50, learningRate: 0.01),
                       TrainingLogEntry(epoch: 2, trainLoss: 30, validLoss: 25, validLabelErrorRate: 0.3, learningRate: 0.01),
                       TrainingLogEntry(epoch: 3, trainLoss: 20, learningRate: 0.005),
                       TrainingLogEntry(epoch: 4, trainLoss: 15, validLoss: 12, validLabelErrorRate: 0.2, learningRate: 0.005)]
        let svg = try parseSVG(try trainingCurvesSVG(entries, title: "run"))
        let axes = svg.groups("x-axis")
        XCTAssertEqual(axes.count, 3)
        // Epochs 1…4 padded by 3 % of 3 at each end: epoch e at x = 82 + 640 (e − 0.91) / 3.18,
        // written with two decimals.
        let epochX: [Double] = [100.11, 301.37, 502.63, 703.89]
        for axis in axes {
            XCTAssertEqual(axis.elements("text").map(\.text), ["1", "2", "3", "4", "epoch"])
            let ticks = axis.elements("line").filter { $0.attributes["stroke"] == "#444444" }
            XCTAssertEqual(ticks.map { $0.number("x1")! }, epochX)
        }
        // The error rate at epochs 2 and 4 is drawn at those epochs' x.
        let errors = polylinePoints(svg.groups("series")[2].elements("polyline")[0])
        XCTAssertEqual(errors.map(\.x), [epochX[1], epochX[3]])
    }

    /// One epoch, losses 25 and 20 (ticks 20…25 by 1): both points inside the frame, not on it.
    func testOneEpochLossesAreNotDrawnOnTheFrame() throws {
        let svg = try parseSVG(try trainingCurvesSVG([TrainingLogEntry(epoch: 1, trainLoss: 25, validLoss: 20)], title: "one"))
        let dots = svg.groups("series").map { try? XCTUnwrap($0.elements("circle").first) }
        XCTAssertEqual(dots.count, 2)
        // The axis is 19.8…25.2 (4 % of 5 beyond the ticks) over y 304…44.
        XCTAssertEqual(try XCTUnwrap(dots[0]?.number("cy")), 304 - 260 * 5.2 / 5.4, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(dots[1]?.number("cy")), 304 - 260 * 0.2 / 5.4, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(dots[1]?.number("cx")), 402)
        XCTAssertEqual(try XCTUnwrap(svg.groups("y-axis").first).elements("text").map(\.text),
                       ["20", "21", "22", "23", "24", "25", "CTC loss per utterance"])
    }

    func testTrainingLogReadAndCurves() throws {
        let log = """
        {"epoch":1,"trainLoss":12.5,"validLoss":11,"validLabelErrorRate":0.5,"learningRate":0.001,"framesPerSecond":10,"seconds":1}

        {"epoch":2,"trainLoss":6.25,"validLoss":7,"validLabelErrorRate":0.25,"learningRate":0.0005,"framesPerSecond":10,"seconds":1}
        """
        let entries = try TrainingLogEntry.read(Data(log.utf8), file: "log.jsonl")
        XCTAssertEqual(entries, [TrainingLogEntry(epoch: 1, trainLoss: 12.5, validLoss: 11, validLabelErrorRate: 0.5, learningRate: 0.001),
                                 TrainingLogEntry(epoch: 2, trainLoss: 6.25, validLoss: 7, validLabelErrorRate: 0.25, learningRate: 0.0005)])
        let svg = try parseSVG(try trainingCurvesSVG(entries, title: "run"))
        // Losses, error rate, learning rate: three panels, four series; epochs ticked at whole numbers.
        XCTAssertEqual(svg.groups("x-axis").count, 3)
        XCTAssertEqual(svg.groups("x-axis")[0].elements("text").map(\.text), ["1", "2", "epoch"])
        XCTAssertEqual(svg.groups("series").count, 4)
        XCTAssertEqual(svg.groups("legend").flatMap { $0.elements("text").map(\.text) },
                       ["training loss", "validation loss", "validation label error rate", "learning rate"])

        let trainOnly = try TrainingLogEntry.read(Data("{\"epoch\":1,\"trainLoss\":3,\"learningRate\":0.1}\n".utf8), file: "l")
        XCTAssertEqual(try parseSVG(try trainingCurvesSVG(trainOnly, title: "")).groups("x-axis").count, 1)

        XCTAssertThrowsError(try TrainingLogEntry.read(Data("{\"epoch\":1,\"trainLoss\":3}\nnot json\n".utf8), file: "log.jsonl")) {
            XCTAssertTrue("\($0)".hasPrefix("log.jsonl: line 2: expected a JSON object"), "\($0)")
        }
        XCTAssertThrowsError(try TrainingLogEntry.read(Data("\n\n".utf8), file: "e.jsonl")) {
            XCTAssertEqual("\($0)", "e.jsonl: no epochs: the log is empty")
        }
    }
}

/// Where the posterior plot (area y 40…260, no features) draws probability p: on an axis from
/// −0.04 to 1.09, so 0 and 1 are inside the frame.
private func posteriorY(_ p: Double) -> Double { 260 - 220 * (p + 0.04) / 1.13 }
