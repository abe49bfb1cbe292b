// IAMOnDB: reads IAM On-Line Handwriting Database stroke XML into one labelled ink sample.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Tensors

/// A reader for the stroke XML of the IAM On-Line Handwriting Database (Liwicki & Bunke 2005):
///
///     <WhiteboardCaptureSession> … <StrokeSet>
///       <Stroke start_time="…" end_time="…"> <Point x="1073" y="1058" time="769.05"/> … </Stroke>
///     </StrokeSet> <Transcription> <TextLine text="…"/> </Transcription> …
///
/// One file is one sample (id: the file's name without extension). Each `<Stroke>` is a
/// pen-down stroke; `x`, `y` are whiteboard points with y growing downwards, `time` is seconds.
/// The label is, in order of preference: the caller's `label`, a sidecar `<name>.txt` beside the
/// file (its text with runs of white space made one space), the `text` attributes of the
/// `<TextLine>` elements joined by spaces, or the character data of a `<Text>` element; else empty.
public struct IAMOnDBReader: Sendable {
    public init() {}

    /// Reads the file at `path`; broken XML, a point without coordinates or no points at all is an
    /// `InputError` naming the line.
    public func read(path: String, label: String? = nil, id: String? = nil) throws(InputError) -> InkSample {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(file: path, "cannot read the file") }
        var sidecar: String?
        if label == nil {
            let txt = (path as NSString).deletingPathExtension + ".txt"
            if txt != path, let d = FileManager.default.contents(atPath: txt) {
                sidecar = collapseWhitespace(String(data: d, encoding: .utf8) ?? latin1String(d))
            }
        }
        return try read(data: data, name: path, label: label ?? sidecar, id: id)
    }

    /// Reads XML held in memory; `name` is used in errors and, without extension, as the default id.
    /// XML the parser would crash on (`XMLPreflight`) is an `InputError` before parsing.
    public func read(data: Data, name: String, label: String? = nil, id: String? = nil) throws(InputError) -> InkSample {
        if let problem = data.withUnsafeBytes({ XMLPreflight.problem($0, file: name) }) { throw problem }
        let delegate = IAMOnDBDelegate(file: name)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        let ok = parser.parse()
        if let error = delegate.error { throw error }
        // Some XMLParser builds recover from errors and return true; the delegate saw them.
        if !ok || parser.parserError != nil {
            throw InputError(file: name, place: "line \(parser.lineNumber)", "not well-formed XML: \(xmlErrorText(parser.parserError))")
        }
        let strokes = delegate.strokes.filter { !$0.points.isEmpty }
        guard !strokes.isEmpty else { throw InputError(file: name, "no <Stroke> with <Point x y> elements in a <StrokeSet>") }
        let transcription = delegate.textLines.isEmpty
            ? delegate.text.map(collapseWhitespace) : delegate.textLines.map(collapseWhitespace).joined(separator: " ")
        let stem = ((name as NSString).lastPathComponent as NSString).deletingPathExtension
        return InkSample(id: id ?? stem, label: label ?? transcription ?? "", strokes: strokes,
                         source: (name, delegate.firstStrokeLine ?? 1), category: nil, writer: delegate.writer,
                         yPointsUp: false)
    }
}

/// Runs of white space (including new lines) become one space; the ends are trimmed.
func collapseWhitespace(_ s: String) -> String {
    s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

/// Collects strokes and the transcription while XMLParser walks the document.
private final class IAMOnDBDelegate: NSObject, XMLParserDelegate {
    let file: String
    var strokes: [Stroke] = []
    var inStrokeSet = false, inStroke = false, inText = false
    var textLines: [String] = []
    var text: String?
    var writer: String?
    var firstStrokeLine: Int?
    var error: InputError?

    init(file: String) { self.file = file }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "StrokeSet": inStrokeSet = true
        case "Stroke" where inStrokeSet:
            inStroke = true
            strokes.append(Stroke(points: []))
            if firstStrokeLine == nil { firstStrokeLine = parser.lineNumber }
        case "Point" where inStroke:
            guard let x = attributes["x"].flatMap(Double.init), let y = attributes["y"].flatMap(Double.init),
                  x.isFinite, y.isFinite else {
                fail(parser, "<Point> needs numeric x and y attributes, found \(attributes.sorted { $0.key < $1.key }.map { "\(InputError.quoted($0.key))=\"\(InputError.quoted($0.value))\"" }.joined(separator: " "))")
                return
            }
            var t: Double?
            if let time = attributes["time"] {
                guard let v = Double(time), v.isFinite else { fail(parser, "<Point> time '\(InputError.quoted(time))' is not a number"); return }
                t = v
            }
            strokes[strokes.count - 1].points.append(PenPoint(x: x, y: y, t: t))
        case "TextLine":
            if let t = attributes["text"] { textLines.append(t) }
        case "Text": inText = true; text = text ?? ""
        case "Form":
            if let w = attributes["writerID"] { writer = w }
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "StrokeSet": inStrokeSet = false
        case "Stroke": inStroke = false
        case "Text": inText = false
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { text! += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        fail(parser, "not well-formed XML: \(xmlErrorText(parseError))")
    }

    private func fail(_ parser: XMLParser, _ message: String) {
        if error == nil { error = InputError(file: file, place: "line \(parser.lineNumber)", message) }
        parser.abortParsing()
    }
}
