import Foundation
import Testing
@testable import Nabla

/// Nabla's own layered layout: edges go left to right, nodes never overlap, crossings are
/// reduced, and nothing recurses over the graph's depth.
@Suite("Layered layout")
struct LayeredLayoutTests {
    /// Checks the layout's promises for `edges` over `sizes`.
    static func check(_ layout: LayeredLayout, _ edges: [(from: Int, to: Int)], _ sizes: [LayeredLayout.Size]) {
        for e in edges {
            #expect(layout.layers[e.from] < layout.layers[e.to], "edge \(e.from) → \(e.to) goes back")
        }
        for path in layout.edgePaths {
            #expect(zip(path, path.dropFirst()).allSatisfy { $0.x <= $1.x }, "an edge's line turns left")
        }
        // No two nodes overlap: sorted by left edge, each is compared with those that start
        // before it ends.
        let order = sizes.indices.sorted { layout.origins[$0].x < layout.origins[$1].x }
        for (k, i) in order.enumerated() {
            for j in order[(k + 1)...] {
                if layout.origins[j].x >= layout.origins[i].x + sizes[i].width { break }
                let apart = layout.origins[i].y + sizes[i].height <= layout.origins[j].y || layout.origins[j].y + sizes[j].height <= layout.origins[i].y
                #expect(apart, "nodes \(i) and \(j) overlap")
            }
        }
        for (origin, size) in zip(layout.origins, sizes) {
            #expect(origin.x >= 0 && origin.y >= 0 && origin.x + size.width <= layout.width && origin.y + size.height <= layout.height)
        }
    }

    @Test func theTutorialsGraphReadsLeftToRight() {
        // a o b c d e f g, as the tutorial draws them.
        let edges = [(0, 2), (2, 3), (2, 4), (3, 5), (4, 5), (5, 6), (6, 7), (1, 7)].map { (from: $0.0, to: $0.1) }
        let sizes = Array(repeating: LayeredLayout.Size(width: 90, height: 60), count: 8)
        let layout = LayeredLayout(sizes: sizes, edges: edges, leftAligned: [0, 1])
        Self.check(layout, edges, sizes)
        // Longest-path layers; c and d share a column; the inputs stay in the first.
        #expect(layout.layers == [0, 0, 1, 2, 2, 3, 4, 5])
        #expect(layout.origins[3].x == layout.origins[4].x)
    }

    @Test func aNodeUsedOnlyLaterMovesNextToItsUser() {
        // 0 → 1 → 2 → 4 and 3 → 4: node 3 (not an input) is drawn in the column before 4, as
        // the tutorial draws o beside g; an input stays in the first column.
        let edges = [(0, 1), (1, 2), (2, 4), (3, 4)].map { (from: $0.0, to: $0.1) }
        let sizes = Array(repeating: LayeredLayout.Size(width: 40, height: 30), count: 5)
        #expect(LayeredLayout(sizes: sizes, edges: edges, leftAligned: [0]).layers == [0, 1, 2, 2, 3])
        #expect(LayeredLayout(sizes: sizes, edges: edges, leftAligned: [0, 3]).layers == [0, 1, 2, 0, 3])
    }

    @Test func orderingRemovesAvoidableCrossings() {
        // Two sources, each feeding the target on the other side, in the first order given:
        // sorting by barycentre uncrosses them.
        let edges = [(0, 3), (1, 2)].map { (from: $0.0, to: $0.1) }
        var layered = LayerAssignment(nodeCount: 4, edges: edges, leftAligned: [0, 1])
        layered.addBends(budget: 100)
        layered.rows = [[0, 1], [2, 3]]
        layered.place = [0, 1, 0, 1]
        #expect(layered.crossings() == 1)
        layered.order()
        #expect(layered.crossings() == 0)
    }

    @Test func leastSquaresPlacementInOrder() {
        // Hand-worked pool adjacent violators: 3 > 1 pool to 2, then 2 ≤ 2 stays.
        #expect(LayerAssignment.isotonic([3, 1, 2]) == [2, 2, 2])
        #expect(LayerAssignment.isotonic([1, 2, 3]) == [1, 2, 3])
        #expect(LayerAssignment.isotonic([4, 0, 5, 1]) == [2, 2, 3, 3])
    }

    @Test func longEdgesBendAroundColumns() {
        // 0 → 1 → 2 → 3 and 0 → 3: the long edge gets a bend in each of the two columns between.
        let edges = [(0, 1), (1, 2), (2, 3), (0, 3)].map { (from: $0.0, to: $0.1) }
        let sizes = Array(repeating: LayeredLayout.Size(width: 50, height: 40), count: 4)
        let layout = LayeredLayout(sizes: sizes, edges: edges, leftAligned: [0])
        Self.check(layout, edges, sizes)
        #expect(layout.edgePaths[3].count == 2 + 2 * 2)
        // The bends are beside the chain's nodes, not on them.
        for bend in layout.edgePaths[3].dropFirst().dropLast() {
            for k in [1, 2] where bend.x >= layout.origins[k].x && bend.x <= layout.origins[k].x + 50 {
                #expect(bend.y < layout.origins[k].y || bend.y > layout.origins[k].y + 40)
            }
        }
    }

    @Test func aRandomProgramOf300NodesOnASmallStack() throws {
        // A seeded random graph of 300 nodes, each reading one to three earlier ones, and a
        // chain 5,000 deep, laid out on a thread with a 512 KiB stack: recursion over the depth
        // would overflow it.
        var rng = SplitMix64(seed: 14)
        var edges: [(from: Int, to: Int)] = []
        for v in 3..<300 {
            for u in Set((0..<Int.random(in: 1...3, using: &rng)).map { _ in Int.random(in: Swift.max(0, v - 40)..<v, using: &rng) }) {
                edges.append((u, v))
            }
        }
        let sizes = (0..<300).map { _ in LayeredLayout.Size(width: Double(Int.random(in: 40...160, using: &rng)), height: 62) }
        let randomEdges = edges
        let chain = (0..<4999).map { (from: $0, to: $0 + 1) }
        let chainSizes = Array(repeating: LayeredLayout.Size(width: 60, height: 40), count: 5000)
        nonisolated(unsafe) var layouts: [LayeredLayout] = []
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            layouts = [LayeredLayout(sizes: sizes, edges: randomEdges, leftAligned: [0, 1, 2]),
                       LayeredLayout(sizes: chainSizes, edges: chain, leftAligned: [0])]
            done.signal()
        }
        thread.stackSize = 512 << 10
        thread.start()
        done.wait()
        Self.check(layouts[0], edges, sizes)
        #expect(layouts[1].layers == Array(0..<5000))
        #expect(Set(layouts[1].origins.map(\.y)).count == 1)
    }

    @Test func aRandomScriptOf150StatementsIsExplainedAndLaidOut() throws {
        // Statements reading earlier names: the page's three views, every one laid out (150
        // statements become some 600 nodes in the backward graph).
        var rng = SplitMix64(seed: 7)
        var lines = ["s0 = x + y"]
        for k in 1..<150 {
            let a = k > 1 ? "s\(Int.random(in: Swift.max(0, k - 20)..<k, using: &rng))" : "x"
            let b = ["x", "y", "s\(k - 1)"].randomElement(using: &rng)!
            lines.append("s\(k) = " + ["tanh(\(a) + \(b))", "0.5*\(a) - \(b)", "sin(\(a))*\(b)", "max(\(a), \(b))"].randomElement(using: &rng)!)
        }
        let explanation = try Script(parsing: lines.joined(separator: "\n")).explanation(at: ["x": 0.3, "y": -0.2])
        let statements = try #require(explanation.view("statements"))
        #expect(statements.nodes.count == 152)
        for view in explanation.views {
            let byID = Dictionary(view.nodes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            for edge in view.edges {
                #expect(byID[edge.from]!.origin.x < byID[edge.to]!.origin.x)
            }
        }
    }
}
