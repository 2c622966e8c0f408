/// Nabla's own drawing of a graph in layers, left to right: the inputs on the left, the output on
/// the right, as the tutorial draws its graph (no Graphviz needed). The layered method of
/// Sugiyama, Tagawa and Toda, in four steps, each a loop (nothing recurses over the graph's
/// depth):
///
/// 1. **Layers.** A node's layer is the longest path to it from a source, so every edge goes
///    from a lower layer to a higher one; then every node but the ones kept on the left is moved
///    right, to the layer just before its first user, so edges stay short (`o`, used only by
///    `g`, is drawn next to `g`); a node joined to nothing goes in the last column.
/// 2. **Bends.** An edge spanning several layers gets a bend point in each layer in between, a
///    node of no size that keeps its line out of other nodes' way (up to a budget, the shortest
///    edges first: past it, long edges are drawn straight; ``maximumBends``).
/// 3. **Order.** Within each layer, nodes are sorted by the barycentre (mean position) of their
///    neighbours in the layer before, then in the layer after, sweeping back and forth; the
///    order with the fewest crossings (counted exactly, with a Fenwick tree) is kept.
/// 4. **Coordinates.** Layers are columns as wide as their widest node, with room for edge
///    labels between them. In each column, nodes
///    are placed as near the mean height of their neighbours as the order and the gaps allow:
///    the least-squares placement under "in order, at least a gap apart", found exactly by pool
///    adjacent violators. So no two nodes overlap.
///
/// Nodes are given in topological order: every edge goes from a lower index to a higher one.
public struct LayeredLayout: Sendable {
    /// A point, in the drawing's units (pixels), y pointing down.
    public struct Point: Sendable, Equatable {
        /// The horizontal coordinate.
        public var x: Double
        /// The vertical coordinate (down).
        public var y: Double
        /// The point (x, y).
        public init(x: Double, y: Double) { (self.x, self.y) = (x, y) }
    }

    /// A node's size.
    public struct Size: Sendable, Equatable {
        /// The width.
        public var width: Double
        /// The height.
        public var height: Double
        /// A node `width` wide and `height` high.
        public init(width: Double, height: Double) { (self.width, self.height) = (width, height) }
    }

    /// Each node's top-left corner.
    public var origins: [Point]
    /// Each node's size, as given.
    public var sizes: [Size]
    /// Each node's layer (column), from 0 on the left.
    public var layers: [Int]
    /// Each edge's line, in the order the edges were given: from the middle of the source's
    /// right side, through its bends, to the middle of the target's left side.
    public var edgePaths: [[Point]]
    /// The drawing's width, margins included.
    public var width: Double
    /// The drawing's height, margins included.
    public var height: Double

    /// The space around the drawing.
    public static let margin = 24.0
    /// The horizontal gap between columns.
    public static let columnGap = 64.0
    /// The vertical gap between two nodes of a column.
    public static let nodeGap = 20.0
    /// The most bend points a layout adds (eight per node, at least 3,000, up to this), so
    /// that the work stays near linear in the graph's size: past it, long edges are drawn
    /// straight.
    public static let maximumBends = 60_000
    /// The widest gap after a column, for edge labels.
    public static let maximumLabelGap = 260.0
    /// The vertical gap beside a bend point.
    public static let bendGap = 8.0

    /// Lays out nodes of the given sizes joined by `edges` (`from` < `to`, indices into
    /// `sizes`). The nodes in `leftAligned` (the inputs) stay in the first column. An edge with
    /// a label `labelWidths[k]` wide (one per edge, or none) gets a gap that wide after its
    /// source's column, where its line starts (at most ``maximumLabelGap``).
    public init(sizes: [Size], edges: [(from: Int, to: Int)], leftAligned: [Int] = [], labelWidths: [Double] = []) {
        let n = sizes.count
        require(edges.allSatisfy { $0.from >= 0 && $0.from < $0.to && $0.to < n },
                "Nabla: LayeredLayout needs nodes in topological order (every edge from a lower index to a higher one)")
        self.sizes = sizes
        var layered = LayerAssignment(nodeCount: n, edges: edges, leftAligned: leftAligned)
        layered.addBends(budget: Swift.min(Self.maximumBends, Swift.max(3000, 8 * n)))
        layered.order()
        var gaps = [Double](repeating: Self.columnGap, count: (layered.layer.max() ?? 0) + 1)
        for (e, width) in zip(edges, labelWidths) {
            let l = layered.layer[e.from]
            gaps[l] = Swift.max(gaps[l], Swift.min(Self.maximumLabelGap, width + 24))
        }
        let placed = layered.coordinates(sizes: sizes, gaps: gaps)
        layers = Array(layered.layer.prefix(n))
        origins = (0..<n).map { Point(x: placed.x[$0] - sizes[$0].width / 2, y: placed.y[$0] - sizes[$0].height / 2) }
        edgePaths = layered.chains.map { chain in
            var points = [Point(x: placed.x[chain[0]] + sizes[chain[0]].width / 2, y: placed.y[chain[0]])]
            for bend in chain.dropFirst().dropLast() {
                let column = placed.columns[layered.layer[bend]]
                points.append(Point(x: column.lowerBound, y: placed.y[bend]))
                points.append(Point(x: column.upperBound, y: placed.y[bend]))
            }
            let last = chain[chain.count - 1]
            points.append(Point(x: placed.x[last] - sizes[last].width / 2, y: placed.y[last]))
            return points
        }
        width = placed.width
        height = placed.height
    }
}

/// The working state of a layout: the vertices (the nodes, then the bend points), their layers,
/// the segments between adjacent layers, and the order within each layer.
struct LayerAssignment {
    let nodeCount: Int
    /// Each vertex's layer.
    var layer: [Int]
    /// Segments between adjacent layers, both ways.
    var next: [[Int]], previous: [[Int]]
    /// Edges drawn straight, past the budget of bends: neighbours for the barycentres only.
    var farNext: [[Int]], farPrevious: [[Int]]
    /// Each edge as its vertices, source to target.
    var chains: [[Int]]
    /// The vertices of each layer, in order, and each vertex's place in its layer.
    var rows: [[Int]] = []
    var place: [Int] = []
    private let edges: [(from: Int, to: Int)]

    init(nodeCount n: Int, edges: [(from: Int, to: Int)], leftAligned: [Int]) {
        nodeCount = n
        self.edges = edges
        var incoming = [[Int]](repeating: [], count: n), outgoing = [[Int]](repeating: [], count: n)
        for e in edges {
            outgoing[e.from].append(e.to)
            incoming[e.to].append(e.from)
        }
        // Longest path from a source, then each node moved right to just before its first user.
        var layer = [Int](repeating: 0, count: n)
        for v in 0..<n { for u in incoming[v] { layer[v] = Swift.max(layer[v], layer[u] + 1) } }
        var pinned = [Bool](repeating: false, count: n)
        for v in leftAligned where v >= 0 && v < n { pinned[v] = true }
        for v in stride(from: n - 1, through: 0, by: -1) where !pinned[v] && !outgoing[v].isEmpty {
            layer[v] = outgoing[v].map { layer[$0] }.min()! - 1
        }
        // A node joined to nothing (a derivative that is a constant) goes in the last column.
        let last = layer.max() ?? 0
        for v in 0..<n where !pinned[v] && incoming[v].isEmpty && outgoing[v].isEmpty { layer[v] = last }
        // No empty columns.
        let used = Set(layer).sorted()
        var renumbered: [Int: Int] = [:]
        for (k, l) in used.enumerated() { renumbered[l] = k }
        self.layer = layer.map { renumbered[$0]! }
        next = outgoing.map { _ in [] }
        previous = next
        farNext = next
        farPrevious = next
        chains = edges.map { [$0.from, $0.to] }
    }

    /// Replaces edges spanning several layers by chains through bend points, shortest first,
    /// while the bends number at most `budget`.
    mutating func addBends(budget: Int) {
        var left = budget
        let bySpan = edges.indices.sorted { span(edges[$0]) < span(edges[$1]) }
        for e in bySpan {
            let (u, v) = edges[e]
            let gaps = span(edges[e]) - 1
            if gaps > left {
                farNext[u].append(v)
                farPrevious[v].append(u)
                continue
            }
            left -= gaps
            var chain = [u]
            for k in 0..<gaps {
                let bend = layer.count
                layer.append(layer[u] + 1 + k)
                next.append([])
                previous.append([])
                farNext.append([])
                farPrevious.append([])
                chain.append(bend)
            }
            chain.append(v)
            for (a, b) in zip(chain, chain.dropFirst()) {
                next[a].append(b)
                previous[b].append(a)
            }
            chains[e] = chain
        }
    }

    private func span(_ e: (from: Int, to: Int)) -> Int { layer[e.to] - layer[e.from] }

    /// Orders each layer by barycentre sweeps, keeping the order with the fewest crossings.
    mutating func order() {
        let layerCount = (layer.max() ?? -1) + 1
        rows = [[Int]](repeating: [], count: layerCount)
        for v in layer.indices { rows[layer[v]].append(v) }
        place = [Int](repeating: 0, count: layer.count)
        renumber()
        // Each vertex's neighbours on either side, the straight long edges' included.
        let before = previous.indices.map { previous[$0] + farPrevious[$0] }
        let after = next.indices.map { next[$0] + farNext[$0] }
        var best = rows, fewest = crossings()
        var keys: [Double] = []
        // Fewer sweeps on very large graphs: each costs a sort of every layer.
        let sweeps = layer.count > 20_000 ? 4 : 12
        for sweep in 0..<sweeps where fewest > 0 {
            let down = sweep % 2 == 0
            let sequence = down ? Array(1..<Swift.max(1, layerCount)) : Array((0..<Swift.max(0, layerCount - 1)).reversed())
            for l in sequence {
                // A vertex's key: the mean place of its neighbours, each as a fraction of its own
                // layer's size (its own place when it has none on that side).
                keys.removeAll(keepingCapacity: true)
                for v in rows[l] {
                    let neighbours = down ? before[v] : after[v]
                    if neighbours.isEmpty {
                        keys.append((Double(place[v]) + 0.5) / Double(rows[l].count))
                    } else {
                        var sum = 0.0
                        for u in neighbours { sum += (Double(place[u]) + 0.5) / Double(rows[layer[u]].count) }
                        keys.append(sum / Double(neighbours.count))
                    }
                }
                let row = rows[l]
                let sorted = row.indices.sorted { keys[$0] < keys[$1] || (keys[$0] == keys[$1] && $0 < $1) }
                for (k, i) in sorted.enumerated() {
                    rows[l][k] = row[i]
                    place[row[i]] = k
                }
            }
            let count = crossings()
            if count < fewest { (best, fewest) = (rows, count) }
        }
        rows = best
        renumber()
    }

    private mutating func renumber() {
        for row in rows { for (k, v) in row.enumerated() { place[v] = k } }
    }

    /// The crossings between segments of adjacent layers: for each pair of layers, the
    /// segments sorted by their left end, then the inversions among their right ends, counted
    /// with a Fenwick tree.
    func crossings() -> Int {
        var total = 0
        var rights: [Int] = [], tree: [Int] = []
        for l in 0..<Swift.max(0, rows.count - 1) {
            rights.removeAll(keepingCapacity: true)
            for u in rows[l] {
                let start = rights.count
                for w in next[u] { rights.append(place[w]) }
                rights[start...].sort()
            }
            tree.removeAll(keepingCapacity: true)
            tree.append(contentsOf: repeatElement(0, count: rows[l + 1].count + 1))
            for (seen, r) in rights.enumerated() {
                var atMost = 0, i = r + 1
                while i > 0 { atMost += tree[i]; i -= i & -i }
                total += seen - atMost
                i = r + 1
                while i < tree.count { tree[i] += 1; i += i & -i }
            }
        }
        return total
    }

    /// The vertices' centres, the columns' extents and the drawing's size.
    func coordinates(sizes: [LayeredLayout.Size], gaps: [Double]) -> (x: [Double], y: [Double], columns: [ClosedRange<Double>], width: Double, height: Double) {
        let count = layer.count, nodeCount = self.nodeCount
        let heights = (0..<count).map { $0 < nodeCount ? sizes[$0].height : 0 }
        let width = { (v: Int) in v < nodeCount ? sizes[v].width : 0 }
        let height = { (v: Int) in heights[v] }
        var columns: [ClosedRange<Double>] = []
        var left = LayeredLayout.margin
        for (l, row) in rows.enumerated() {
            let w = row.map(width).max() ?? 0
            columns.append(left...(left + w))
            left += w + gaps[l]
        }
        var x = [Double](repeating: 0, count: count)
        for v in 0..<count { x[v] = (columns[layer[v]].lowerBound + columns[layer[v]].upperBound) / 2 }

        // The smallest distance between the centres of two vertices next to each other.
        func separation(_ a: Int, _ b: Int) -> Double {
            (height(a) + height(b)) / 2 + (a < nodeCount && b < nodeCount ? LayeredLayout.nodeGap : LayeredLayout.bendGap)
        }
        var y = [Double](repeating: 0, count: count)
        for row in rows {
            var c = 0.0
            for (k, v) in row.enumerated() {
                if k > 0 { c += separation(row[k - 1], v) }
                y[v] = c
            }
            for v in row { y[v] -= c / 2 }
        }
        // Sweeps towards the neighbours' mean height, each layer placed exactly under its order.
        for sweep in 0..<8 {
            let down = sweep % 2 == 0, both = sweep >= 6
            let sequence = down ? Array(rows.indices) : Array(rows.indices.reversed())
            for l in sequence {
                let row = rows[l]
                guard !row.isEmpty else { continue }
                var desired: [Double] = []
                desired.reserveCapacity(row.count)
                for v in row {
                    var sum = 0.0, neighbours = 0
                    if both || down { for u in previous[v] { sum += y[u] }; neighbours += previous[v].count }
                    if both || !down { for u in next[v] { sum += y[u] }; neighbours += next[v].count }
                    desired.append(neighbours == 0 ? y[v] : sum / Double(neighbours))
                }
                var offsets = [0.0]
                for k in 1..<row.count { offsets.append(offsets[k - 1] + separation(row[k - 1], row[k])) }
                let placed = Self.isotonic(zip(desired, offsets).map { $0 - $1 })
                for k in row.indices { y[row[k]] = placed[k] + offsets[k] }
            }
        }
        let top = (0..<count).map { y[$0] - height($0) / 2 }.min() ?? 0
        for v in 0..<count { y[v] += LayeredLayout.margin - top }
        let bottom = (0..<count).map { y[$0] + height($0) / 2 }.max() ?? 0
        return (x, y, columns, Swift.max((columns.last?.upperBound ?? 0) + LayeredLayout.margin, 2 * LayeredLayout.margin),
                bottom + LayeredLayout.margin)
    }

    /// The non-decreasing sequence nearest to `values` in least squares (pool adjacent
    /// violators): runs that decrease are replaced by their mean.
    static func isotonic(_ values: [Double]) -> [Double] {
        var blocks: [(mean: Double, size: Int)] = []
        for value in values {
            blocks.append((value, 1))
            while blocks.count >= 2, blocks[blocks.count - 2].mean > blocks[blocks.count - 1].mean {
                let b = blocks.removeLast(), a = blocks.removeLast()
                let size = a.size + b.size
                blocks.append(((a.mean * Double(a.size) + b.mean * Double(b.size)) / Double(size), size))
            }
        }
        return blocks.flatMap { Array(repeating: $0.mean, count: $0.size) }
    }
}
