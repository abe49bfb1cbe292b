// PrefixTrie: the arena of beam-search prefixes, one node per distinct label prefix, integer ids.

/// An arena of label prefixes: node i is its parent's prefix plus `token[i]`; node 0 is empty.
///
/// The same prefix always has the same id (children are found through a (parent, token) hash),
/// so the beam search merges hypotheses by comparing integers, and a prefix's language-model
/// state is computed once.
struct PrefixTrie: Sendable {
    private(set) var parent: [Int32] = [-1]
    private(set) var token: [Int32] = [-1]
    private(set) var length: [Int32] = [0]
    private(set) var lm: [PrefixLMState]
    private var children = IntTable(capacity: 1024)

    init(initial: PrefixLMState) { lm = [initial] }

    var count: Int { parent.count }

    /// The child of `node` by `token`, or −1.
    @inline(__always)
    func child(_ node: Int32, _ token: Int32) -> Int32 { children.get(pairKey(node, token)) }

    /// Adds the child of `node` by `token` (which must not exist) and returns its id.
    mutating func addChild(_ node: Int32, _ token: Int32, lm state: PrefixLMState) -> Int32 {
        let id = Int32(parent.count)
        children.set(pairKey(node, token), id)
        parent.append(node)
        self.token.append(token)
        length.append(length[Int(node)] + 1)
        lm.append(state)
        return id
    }

    /// The tokens of the prefix `node`, first to last.
    func tokens(of node: Int32) -> [Int] {
        var out = [Int](repeating: 0, count: Int(length[Int(node)]))
        var n = node
        var i = out.count - 1
        while n > 0 {
            out[i] = Int(token[Int(n)])
            i -= 1
            n = parent[Int(n)]
        }
        return out
    }
}

/// Token timings of best alignments as persistent linked lists (one record per emitted token).
///
/// Record r says: a token started at `start[r]`; before it, the alignment had emitted the list
/// `previous[r]` (−1: nothing), whose last token ended at `previousEnd[r]`. Records are never
/// changed, so many beam entries can share their histories.
struct TimingRecords: Sendable {
    private(set) var start: [Int32] = []
    private(set) var previous: [Int32] = []
    private(set) var previousEnd: [Int32] = []

    mutating func add(start s: Int32, previous p: Int32, previousEnd e: Int32) -> Int32 {
        start.append(s)
        previous.append(p)
        previousEnd.append(e)
        return Int32(start.count - 1)
    }

    /// (start, end) of each token of the list ending in `record`, whose last token ends at `lastEnd`.
    func spans(_ record: Int32, lastEnd: Int32) -> [(start: Int, end: Int)] {
        var out: [(Int, Int)] = []
        var r = record, end = lastEnd
        while r >= 0 {
            out.append((Int(start[Int(r)]), Int(end)))
            end = previousEnd[Int(r)]
            r = previous[Int(r)]
        }
        return out.reversed()
    }
}
