import Testing
@testable import Nabla
#if canImport(Glibc)
import Glibc
#endif
import CNablaKernels

/// Gradient hooks (PyTorch's `Tensor.register_hook`) and checkpointing
/// (`torch.utils.checkpoint.checkpoint`) on dynamic tensors.
@Suite("Checkpointing and gradient hooks")
struct CheckpointAndHookTests {
    // MARK: Hooks

    @Test func aLeafHookSeesTheGradientAndCanReplaceIt() {
        // PyTorch: w = tensor([1., 2.], requires_grad=True); w.register_hook(lambda g: g * 2)
        //          (w * w).sum().backward()  → the hook sees 2w = [2, 4]; w.grad = [4, 8]
        let w = Tensor<Double>([1, 2], requiresGrad: true)
        var seen: [[Double]] = []
        w.registerHook { g in seen.append(g.scalars); return g * 2 }
        (w * w).sum().backward()
        #expect(seen == [[2, 4]])
        #expect(w.grad?.scalars == [4, 8])
    }

    @Test func aHookOnAComputedTensorSeesItsTotalGradientOnceAndClipsIt() {
        // y = x², L = Σ y·[4, −1.5] + Σ y: ∂L/∂y = [5, −0.5] (both uses added, seen once).
        // Clipped to [−1, 1]: [1, −0.5], so ∂L/∂x = 2x · that = [2·1·1, 2·(−3)·(−0.5)] = [2, 3]
        // (unclipped it would be [10, 3]). PyTorch: y.register_hook(lambda g: g.clamp(-1, 1)).
        let x = Tensor<Double>([1, -3], requiresGrad: true)
        let y = x * x
        var seen: [[Double]] = []
        y.registerHook { g in seen.append(g.scalars); return g.clamped(to: -1...1) }
        let loss = (y * Tensor([4, -1.5])).sum() + y.sum()
        loss.backward()
        #expect(seen == [[5, -0.5]])
        #expect(x.grad?.scalars == [2, 3])
    }

    @Test func gradientsWrtReturnWhatTheHooksLeave() {
        // Same graph: ∂L/∂y after the clip is [1, −0.5], ∂L/∂x = [2, 3]; no grad accumulates.
        let x = Tensor<Double>([1, -3], requiresGrad: true)
        let y = x * x
        y.registerHook { $0.clamped(to: -1...1) }
        let loss = (y * Tensor([4, -1.5])).sum() + y.sum()
        let grads = loss.gradients(wrt: [y, x])
        #expect(grads.map(\.scalars) == [[1, -0.5], [2, 3]])
        #expect(x.grad == nil)
    }

    @Test func aRemovedHookIsNotCalled() {
        let w = Tensor<Double>([1, 2], requiresGrad: true)
        var calls = 0
        let handle = w.registerHook { g in calls += 1; return g * 100 }
        let kept = w.registerHook { _ in calls += 10; return nil }   // reads only
        handle.remove()
        handle.remove()   // twice: nothing
        (w * w).sum().backward()
        #expect(calls == 10)
        #expect(w.grad?.scalars == [2, 4])   // 2w, unchanged
        kept.remove()
        w.zeroGrad()
        (w * w).sum().backward()
        #expect(calls == 10)
    }

    @Test func hooksUnderDifferentiableGradientsAreDifferentiated() {
        // y = x³ with a hook g ↦ g·x on y: ∂L/∂x = x · 3x² = 3x³ = 24 at x = 2, and its
        // derivative 9x² = 36. PyTorch: y.register_hook(lambda g: g * x);
        // g, = torch.autograd.grad(y, x, create_graph=True); g.backward().
        let x = Tensor<Double>(2, requiresGrad: true)
        let y = x * x * x
        y.registerHook { g in g * x }
        let g = y.differentiableGradients(wrt: [x])[0]
        #expect(g.scalar == 24)
        g.backward()
        #expect(x.grad?.scalar == 36)
    }

    @Test func perLayerGradientNormsOfAnMLPAreLoggedDuringATrainingStep() {
        // x = [1, 2]; h = relu(x·W1) = relu([2, 1]) = [2, 1]; out = h·W2 = 6 − 2 = 4;
        // L = ½(out − 1)² = 4.5, ∂L/∂out = 3.
        // ∂L/∂W2 = hᵀ·3 = [[6], [3]], norm √45;   ∂L/∂h = 3·W2ᵀ = [9, −6] (relu passes both);
        // ∂L/∂W1 = xᵀ·[9, −6] = [[9, −6], [18, −12]], norm √585.
        let w1 = Tensor<Double>([[1, -1], [0.5, 1]], requiresGrad: true)
        let w2 = Tensor<Double>([[3], [-2]], requiresGrad: true)
        var log: [(String, Double)] = []
        for (name, weight) in [("layer1.weight", w1), ("layer2.weight", w2)] {
            weight.registerHook { g in log.append((name, g.norm().scalar)); return nil }
        }
        let x = Tensor<Double>([[1, 2]])
        let h = relu(x.matmul(w1))
        h.registerHook { g in log.append(("layer1.output", g.norm().scalar)); return nil }
        let out = h.matmul(w2)
        let loss = 0.5 * ((out - 1) * (out - 1)).sum()
        loss.backward()
        // Reverse order of recording: W2's leaf node was recorded after h, h after W1.
        #expect(log.map(\.0) == ["layer2.weight", "layer1.output", "layer1.weight"])
        #expect(log[0].1 == (45.0).squareRoot())
        #expect(log[1].1 == (117.0).squareRoot())      // ‖[9, −6]‖
        #expect(log[2].1 == (585.0).squareRoot())
        // The step itself: SGD with learning rate 0.1.
        withoutRecording {
            for w in [w1, w2] { w.updateData { $0 = $0 - 0.1 * w.grad! } }
        }
        #expect(w2.data.scalars == [3 - 0.6, -2 - 0.3])
    }

    // MARK: Checkpointing

    /// An MLP of `depth` tanh layers, each `width` wide, with its weights and biases.
    struct MLP {
        var weights: [Tensor<Double>]
        var biases: [Tensor<Double>]
        init(depth: Int, width: Int) {
            weights = (0..<depth).map { Tensor(NDArray.randomNormal([width, width], seed: UInt64(10 + $0)) * 0.5, requiresGrad: true) }
            biases = (0..<depth).map { Tensor(NDArray.randomNormal([width], seed: UInt64(50 + $0)), requiresGrad: true) }
        }
        func layers(_ range: Range<Int>, _ x: Tensor<Double>) -> Tensor<Double> {
            range.reduce(x) { h, k in tanh(h.matmul(weights[k]) + biases[k]) }
        }
        /// The network, with layers checkpointed `every` at a time (nil: none).
        func callAsFunction(_ x: Tensor<Double>, every: Int?) -> Tensor<Double> {
            guard let every else { return layers(0..<weights.count, x) }
            var h = x
            for start in stride(from: 0, to: weights.count, by: every) {
                let range = start..<Swift.min(start + every, weights.count)
                h = checkpoint(h) { layers(range, $0) }
            }
            return h
        }
        var parameters: [Tensor<Double>] { weights + biases }
    }

    @Test func checkpointedGradientsEqualThePlainOnesBitForBit() {
        let mlp = MLP(depth: 6, width: 5)
        let x0 = Tensor<Double>(NDArray.randomNormal([3, 5], seed: 1), requiresGrad: true)
        func loss(every: Int?) -> Tensor<Double> {
            let h = mlp(x0 * 2, every: every)   // a computed input to the first checkpoint
            return (h * h).sum()
        }
        var plain: [NDArray<Double>] = []
        for every in [nil, 1, 2, 4] as [Int?] {
            for p in mlp.parameters + [x0] { p.zeroGrad() }
            let l = loss(every: every)
            l.backward()
            let grads = (mlp.parameters + [x0]).map { $0.grad! }
            if every == nil { plain = grads } else { #expect(grads == plain, "every \(every!)") }
            // gradients(wrt:) agrees too, including for the checkpoint's computed input.
            let again = loss(every: every).gradients(wrt: mlp.parameters + [x0])
            #expect(again == plain)
        }
    }

    @Test func checkpointKeepsOnlyItsOutputOnTheGraph() {
        // Checkpointed 4 layers at a time: the 17 leaves (input, 8 weights, 8 biases) and one
        // node per checkpoint, holding only the leaves' values and the two [32, 16] outputs.
        // Plain, on the same graph (the leaves already there): 3 nodes per layer (matmul, +, tanh).
        let mlp = MLP(depth: 8, width: 16)
        let x = Tensor<Double>(NDArray.randomNormal([32, 16], seed: 2), requiresGrad: true)
        let tape = RecordingContext.forThisThread.currentTensorTape(Double.self)
        let start = tape.nodes.count
        let checkpointed = mlp(x, every: 4)
        #expect(checkpointed.tape === tape)
        #expect(tape.nodes.count - start == 19)
        let elements = tape.nodes[start...].reduce(0) { $0 + $1.value.shape.count }
        #expect(elements == 32 * 16 + 8 * (16 * 16 + 16) + 2 * 32 * 16)
        let middle = tape.nodes.count
        let plain = mlp(x, every: nil)
        #expect(tape.nodes.count - middle == 24)
        #expect(plain.data == checkpointed.data)
        checkpointed.sum().backward()
        #expect(mlp.weights.allSatisfy { $0.grad != nil } && x.grad != nil)
    }

    @Test func parametersPassedOrCapturedGetTheSameGradients() {
        // f(x, w) = Σ tanh(x·w)·w[0,0]: w both passed and captured reaches the same leaf.
        let w = Tensor<Double>([[0.5, -1], [2, 0.25]], requiresGrad: true)
        let x = Tensor<Double>([[1, 2]], requiresGrad: true)
        func f(_ x: Tensor<Double>, _ w: Tensor<Double>) -> Tensor<Double> { tanh(x.matmul(w)).sum() * w.slice([0..<1, 0..<1]).sum() }
        let plain = f(x, w).gradients(wrt: [x, w])
        let passed = checkpoint([x, w]) { f($0[0], $0[1]) }.gradients(wrt: [x, w])
        let captured = checkpoint(x) { f($0, w) }.gradients(wrt: [x, w])
        #expect(passed == plain)
        #expect(captured == plain)
    }

    @Test func secondOrderThroughACheckpoint() {
        // Hessian-vector product through a checkpointed segment equals the plain one.
        let mlp = MLP(depth: 3, width: 4)
        let x = Tensor<Double>(NDArray.randomNormal([2, 4], seed: 3), requiresGrad: true)
        func hvp(every: Int?) -> [NDArray<Double>] {
            for p in mlp.parameters + [x] { p.zeroGrad() }
            let h = mlp(x, every: every)
            let g = (h * h).sum().differentiableGradients(wrt: [x])[0]
            (g * g).sum().backward()
            return (mlp.parameters + [x]).map { $0.grad! }
        }
        let plain = hvp(every: nil)
        let checkpointed = hvp(every: 2)
        for (a, b) in zip(plain, checkpointed) {
            #expect(zip(a.scalars, b.scalars).allSatisfy { Swift.abs($0 - $1) <= 1e-12 * Swift.max(1, Swift.abs($0)) })
        }
    }

    @Test func hooksInsideACheckpointRunOnceAndLeafHooksOnce() {
        let w = Tensor<Double>([1, 2], requiresGrad: true)
        var leafCalls = 0, innerCalls = 0
        w.registerHook { g in leafCalls += 1; return g * 2 }
        let x = Tensor<Double>([3, 4], requiresGrad: true)
        let y = checkpoint(x) { x in
            let inner = x * w
            inner.registerHook { _ in innerCalls += 1; return nil }
            return inner * inner
        }
        y.sum().backward()
        // ∂/∂w Σ(xw)² = 2x²w = [18, 64], doubled by the hook: [36, 128].
        #expect(w.grad?.scalars == [36, 128])
        #expect(x.grad?.scalars == [2 * 3 * 1, 2 * 4 * 4])   // 2xw² = [6, 32]
        #expect(leafCalls == 1 && innerCalls == 1)
    }

    @Test func underNoGradACheckpointIsThePlainCall() {
        let w = Tensor<Double>([1, 2], requiresGrad: true)
        let y = withoutRecording { checkpoint(w) { $0 * $0 } }
        #expect(!y.requiresGrad && y.scalars == [1, 4])
    }

    #if canImport(Glibc)
    @Test func dropoutMasksReplayIdentically() async {
        // In a process of its own: the shared dropout generator is global state.
        await #expect(processExitsWith: .success) {
            let x = Tensor<Double>(NDArray.randomNormal([64], seed: 4), requiresGrad: true)
            DropoutRandomness.shared.reseed(11)
            let y = checkpoint(x) { x in x * Tensor(DropoutRandomness.shared.mask(x.shape, keep: 0.5)) }
            let after = DropoutRandomness.shared.generator.withLock { $0.state }
            y.sum().backward()
            // ∂Σy/∂x is the mask, the one the forward run drew: y / x.
            let mask = zip(y.scalars, x.scalars).map { $0 / $1 }
            let replayed = zip(x.grad!.scalars, mask).allSatisfy { Swift.abs($0 - $1) < 1e-12 }
            // The generator continues after backward as if there had been no recomputation.
            let unchanged = DropoutRandomness.shared.generator.withLock { $0.state } == after
            let someDropped = mask.contains(0) && mask.contains(2)
            exit(replayed && unchanged && someDropped ? 0 : 1)
        }
    }

    @Test func theActivationsAreNotKeptAndTheRecomputationIsFreed() async {
        // In a process of its own, so that no other test allocates meanwhile. 16 layers of
        // [128, 128] Doubles (128 KiB an array): the plain forward pass keeps 3 arrays a layer
        // (matmul, +, tanh: 6 MiB); checkpointed 4 layers at a time it keeps the 4 outputs
        // (0.5 MiB); after its backward pass, the 16 weight gradients and the input's (2.1 MiB)
        // are added, and nothing of the recomputations is left.
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            let mlp = MLP(depth: 16, width: 128)
            let x = Tensor<Double>(NDArray.randomNormal([128, 128], seed: 5), requiresGrad: true)
            let before = Int(nabla_heap_bytes_in_use())
            let plain = mlp(x, every: nil)
            let plainBytes = Int(nabla_heap_bytes_in_use()) - before
            withExtendedLifetime(plain) {}
            let start = Int(nabla_heap_bytes_in_use())
            let checkpointed = mlp(x, every: 4)
            let checkpointedBytes = Int(nabla_heap_bytes_in_use()) - start
            checkpointed.sum().backward()
            let afterBackward = Int(nabla_heap_bytes_in_use()) - start
            withExtendedLifetime(checkpointed) {}
            print("heap grown: plain forward \(plainBytes), checkpointed forward \(checkpointedBytes), after its backward \(afterBackward) bytes")
            fflush(nil)
            let ok = plainBytes >= 6 << 20 && checkpointedBytes < 1 << 20 && afterBackward < 3 << 20
            exit(ok ? 0 : 1)
        }
        print(String(decoding: result?.standardOutputContent ?? [], as: UTF8.self))
    }
    #endif
}
