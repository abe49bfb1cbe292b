// SVGTree: parses SVG text with Foundation's XMLParser into elements, so tests can check what was drawn.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// One XML element with its attributes, text and children.
final class XMLElementNode {
    let name: String
    let attributes: [String: String]
    var text = ""
    var children: [XMLElementNode] = []
    init(name: String, attributes: [String: String]) { self.name = name; self.attributes = attributes }

    /// This element and all below it, depth first.
    var all: [XMLElementNode] { [self] + children.flatMap(\.all) }
    /// Descendants (and self) named `name`.
    func elements(_ name: String) -> [XMLElementNode] { all.filter { $0.name == name } }
    /// The groups (`g`) whose class is `className`.
    func groups(_ className: String) -> [XMLElementNode] { all.filter { $0.name == "g" && $0.attributes["class"] == className } }
    func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [XMLElementNode] = []
    var root: XMLElementNode?
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let node = XMLElementNode(name: elementName, attributes: attributes)
        stack.last?.children.append(node)
        if root == nil { root = node }
        stack.append(node)
    }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }
}

/// The root `svg` element of `text`; fails the test if it is not well-formed XML.
func parseSVG(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> XMLElementNode {
    let parser = XMLParser(data: Data(text.utf8))
    let builder = TreeBuilder()
    parser.delegate = builder
    guard parser.parse(), let root = builder.root else {
        XCTFail("not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")", file: file, line: line)
        throw XCTSkip("unparsable")
    }
    XCTAssertEqual(root.name, "svg", file: file, line: line)
    return root
}

/// The points of a polyline as (x, y) pairs.
func polylinePoints(_ node: XMLElementNode) -> [(x: Double, y: Double)] {
    (node.attributes["points"] ?? "").split(separator: " ").map {
        let xy = $0.split(separator: ",").map { Double($0)! }
        return (xy[0], xy[1])
    }
}
