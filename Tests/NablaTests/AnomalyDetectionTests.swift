import Testing
@testable import Nabla

/// `withAnomalyDetection` names the first op whose forward or backward pass made NaN or ±∞ from
/// finite numbers, with the file and line of the code that created it.
@Suite("Anomaly detection")
struct AnomalyDetectionTests {
    /// The anomaly `body` throws (its code is written outside a macro, so that the debug
    /// information maps it to this file, as for a user's code).
    func anomaly(in body: () -> Void) -> Anomaly? {
        do {
            try withAnomalyDetection(body)
            return nil
        } catch {
            return error as? Anomaly
        }
    }

    @Test func aTensorBackwardAnomalyNamesTheOpShapesAndLine() throws {
        let x = try Tensor<Double>(shape: [3], scalars: [4, 0, 1], requiresGrad: true)
        var line = 0
        let found = anomaly {
            line = #line + 1
            let y = sqrt(x) * 2                  // d/dx √x = 1/(2√x): ∞ at 0
            y.sum().backward()
        }
        let anomaly = try #require(found)
        #expect(anomaly.operation == "sqrt" && anomaly.pass == .backward && anomaly.inputShapes == [[3]])
        #expect(anomaly.detail == "in its gradient, 1 of 3 entries is inf")
        #expect(anomaly.origin?.file == "\(#filePath)" && anomaly.origin?.line == line, "\(anomaly)")
        #expect(anomaly.description.hasPrefix("anomaly: the backward pass of sqrt of [3] produced a non-finite value: in its gradient, 1 of 3 entries is inf, created at \(#filePath):\(line)"))
        // The computation itself ran to the end, as without detection.
        #expect(x.grad?.scalars[1] == .infinity)
    }

    @Test func aTensorForwardAnomalyIsTheFirstOpToMakeNaN() throws {
        let x = try Tensor<Float>(shape: [2, 2], scalars: [1, -1, 2, 3], requiresGrad: true)
        var line = 0
        let found = anomaly {
            let shifted = x - 0.5
            line = #line + 1
            let logged = log(shifted)            // log(-1.5) = nan
            (exp(logged) * 3).sum().backward()   // nan afterwards is not reported again
        }
        let anomaly = try #require(found)
        #expect(anomaly.operation == "log" && anomaly.pass == .forward && anomaly.inputShapes == [[2, 2]])
        #expect(anomaly.detail == "1 of 4 entries is nan")
        #expect(anomaly.origin?.line == line, "\(anomaly)")
    }

    @Test func valuesNameTheOpAndItsOperands() throws {
        let a = Value(0, requiresGrad: true)
        var line = 0
        let found = anomaly {
            let b = a - 2
            line = #line + 1
            let c = log(b)
            c.backward()
        }
        let anomaly = try #require(found)
        #expect(anomaly.operation == "log" && anomaly.pass == .forward && anomaly.detail == "log(-2) = nan")
        #expect(anomaly.inputShapes == [] && anomaly.origin?.line == line, "\(anomaly)")
    }

    @Test func gradientTapeScopesReportBackwardAnomalies() throws {
        var line = 0
        let found = anomaly {
            GradientTape.record { tape in
                let x = tape.variable(0)
                line = #line + 1
                let y = sqrt(x) + 1
                tape.backward(y)
            }
        }
        let anomaly = try #require(found)
        #expect(anomaly.operation == "sqrt" && anomaly.pass == .backward && anomaly.detail == "the derivative of sqrt(0) is inf")
        #expect(anomaly.origin?.line == line, "\(anomaly)")
    }

    @Test func finiteComputationsPassAndDetectionIsOffByDefault() throws {
        let w = Tensor<Double>.ones([2, 2], requiresGrad: true)
        let result = try withAnomalyDetection { () -> Double in
            let loss = relu(w.matmul(w) + 1).mean()
            loss.backward()
            return Double(loss.scalar)
        }
        #expect(result == 3)
        // Outside a scope nothing is checked or kept: the same NaN passes silently, as in PyTorch.
        let y = log(Tensor<Double>(NDArray([-1.0]), requiresGrad: true))
        #expect(y.scalar.isNaN)
        #expect(RecordingContext.forThisThread.anomalyDetector == nil)
        #expect(RecordingContext.forThisThread.modePointer.pointee == 0)
    }

    @Test func anErrorThrownByTheBodyPassesThrough() {
        struct Stop: Error, Equatable {}
        #expect(throws: Stop()) {
            try withAnomalyDetection { () throws -> Void in
                _ = log(Value(-1, requiresGrad: true))
                throw Stop()
            }
        }
    }

    @Test func noGradInsideAScopeRecordsNothing() throws {
        let w = Value(2, requiresGrad: true)
        try withAnomalyDetection {
            let y = withoutRecording { w * 3 }
            #expect(!y.requiresGrad && isRecording)
        }
    }
}
