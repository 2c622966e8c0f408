import Nabla

/// The cost of ``withAnomalyDetection(_:)``: the same units of work with detection off and on,
/// in the same run (W4's dynamic MLP step on one thread; W1 on `Value` and on a `GradientTape`).
/// Inside the scope every recorded op captures its call stack and every result is scanned.
enum AnomalyWorkload {
    static func run(_ harness: Harness) -> [Record] {
        Kernels.threads = 1
        var records: [Record] = []
        let step = TensorWorkloads.MLPData().dynamicStep(updating: false)
        func tutorialValue() -> Double {
            let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
            let g = Tutorial.graph(a: a, o: o).g
            g.backward()
            return a.grad
        }
        func tutorialTape() -> Double {
            GradientTape.record { tape in
                let a = tape.variable(2), o = tape.variable(1)
                tape.backward(Tutorial.graph(a: a, o: o).g)
                return a.grad
            }
        }
        let units: [(String, String, () -> Void)] = [
            ("mlp-step", "nabla-dynamic", { blackHole(step()) }),
            ("tutorial-dynamic", "nabla-dynamic", { blackHole(tutorialValue()) }),
            ("tutorial-dynamic", "nabla-gradient-tape", { blackHole(tutorialTape()) }),
        ]
        for (unit, engine, body) in units {
            let off = harness.measure(body)
            var on = off
            do {
                try withAnomalyDetection { on = harness.measure(body) }
            } catch {
                fatalError("anomaly-overhead: \(unit) reported \(error)")
            }
            records.append(Record(workload: "anomaly-overhead", engine: engine, metric: "slowdown", value: on.median / off.median,
                                  unit: "x", extra: [("measured", "\"\(unit)\""), ("off_us", number(off.median * 1e6)), ("on_us", number(on.median * 1e6))]))
        }
        records.append(releaseReport())
        return records
    }

    /// One anomaly caught in this (release) build, to show that its report names the line.
    static func releaseReport() -> Record {
        let x = Tensor<Double>(NDArray([4.0, 0, 1]), requiresGrad: true)
        let line = #line + 3
        var report = "none"
        do {
            try withAnomalyDetection { sqrt(x).sum().backward() }
        } catch let anomaly as Anomaly {
            report = anomaly.origin.map { "\($0.file):\($0.line)" } ?? "no origin"
        } catch {}
        return Record(workload: "anomaly-overhead", engine: "nabla-dynamic", metric: "origin_named", value: report.hasSuffix(":\(line)") ? 1 : 0,
                      unit: "bool", extra: [("origin", "\"\(report)\""), ("expected_line", "\(line)")])
    }
}
