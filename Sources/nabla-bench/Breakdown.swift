import Nabla

/// Where the time of W1 goes: leaves alone, leaves + build, and everything. Not a peer workload.
enum Breakdown {
    static func run(_ harness: Harness) -> [Record] {
        let leaves = harness.measure {
            let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
            blackHole((a, o))
        }
        let build = harness.measure {
            let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
            let g = Tutorial.graph(a: a, o: o).g
            blackHole(g.data)
        }
        let all = harness.measure {
            let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
            let g = Tutorial.graph(a: a, o: o).g
            g.backward()
            blackHole((a.grad, o.grad))
        }
        return [("leaves", leaves), ("leaves+build", build), ("leaves+build+backward", all)].map {
            Record(workload: "tutorial-breakdown", engine: "nabla-dynamic", metric: $0.0, value: $0.1.median * 1e9, unit: "ns")
        }
    }
}

extension Breakdown {
    static func scoped(_ harness: Harness) -> [Record] {
        let empty = harness.measure { GradientTape.record { tape in blackHole(tape.nodeCount) } }
        let build = harness.measure {
            GradientTape.record { tape in
                let a = tape.variable(2), o = tape.variable(1)
                blackHole(Tutorial.graph(a: a, o: o).g.data)
            }
        }
        return [("scope", empty), ("scope+build", build)].map {
            Record(workload: "tutorial-breakdown", engine: "nabla-gradient-tape", metric: $0.0, value: $0.1.median * 1e9, unit: "ns")
        }
    }
}
