// Gradient hooks on dynamic tensors (PyTorch's `Tensor.register_hook`): a function called with
// the gradient flowing into a tensor during reverse mode, which may read it or replace it.
//
// A node's gradient is complete when the backward loop reaches the node (every use of it was
// recorded later, so was visited before), so that is where hooks run: once per backward pass, on
// the total gradient, before it is passed further down (or, for a leaf, before it is added into
// `grad`). Hooks on leaves live with the leaf (they apply on every tape the leaf is used on);
// hooks on computed tensors live on their tape, in `TensorTapeExtras`.

/// A hook registered with `Tensor.registerHook(_:)`; `remove()` unregisters it (PyTorch's
/// `RemovableHandle`). Dropping the handle does not remove the hook.
public final class TensorHookHandle {
    private let removal: () -> Void

    init(_ removal: @escaping () -> Void) { self.removal = removal }

    /// Unregisters the hook: later backward passes do not call it. Removing twice does nothing.
    public func remove() { removal() }
}

/// One registered hook; `body` is nil once removed.
final class TensorHookBox<Scalar: TensorScalar> {
    var body: ((Tensor<Scalar>) -> Tensor<Scalar>?)?
    init(_ body: @escaping (Tensor<Scalar>) -> Tensor<Scalar>?) { self.body = body }
}

/// What a tensor tape records beside its nodes: hooks on computed nodes, checkpointed nodes, and
/// for the private tapes of `checkpoint`, the indices of leaves kept apart from the leaves' own
/// (so that a recomputation never disturbs where a leaf sits on the caller's tape).
final class TensorTapeExtras<Scalar: TensorScalar> {
    var hooks: [Int32: [TensorHookBox<Scalar>]] = [:]
    var checkpoints: [Int32: CheckpointNode<Scalar>] = [:]
    /// Nodes recorded by a custom differentiable function's `apply` (DifferentiableFunction.swift).
    var customFunctions: [Int32: CustomFunctionNode<Scalar>] = [:]
    /// Nodes recorded by a fused matrix product (FusedMatmul.swift).
    var fusedProducts: [Int32: FusedProductNode<Scalar>] = [:]
    /// Non-nil on a checkpoint's private tape: leaf identity → node index on that tape.
    var isolatedLeaves: [ObjectIdentifier: Int32]?

    /// The node index of `leaf` on the isolated `tape`, recording it the first time.
    func isolatedIndex(of leaf: TensorLeaf<Scalar>, on tape: TensorTape<Scalar>) -> Int32 {
        let key = ObjectIdentifier(leaf)
        if let index = isolatedLeaves?[key] { return index }
        let index = tape.append(.leaf, -1, -1, leaf.data, requiresGrad: true)
        isolatedLeaves?[key] = index
        tape.leaves.append((index, leaf))
        return index
    }
}

extension TensorTape {
    /// The extras, made on first use.
    var madeExtras: TensorTapeExtras<Scalar> {
        if let extras { return extras }
        let made = TensorTapeExtras<Scalar>()
        extras = made
        return made
    }

    /// The hooks to run at each node in a backward pass over this tape: those on computed nodes,
    /// and those of its leaves (except on a checkpoint's private tape, whose leaves' hooks run
    /// on the caller's tape). Nil when there are none (the common case costs one look at each leaf).
    func hookTable() -> [Int32: [TensorHookBox<Scalar>]]? {
        var table = extras?.hooks ?? [:]
        if extras?.isolatedLeaves == nil {
            for (index, leaf) in leaves where !leaf.hooks.isEmpty { table[index, default: []] += leaf.hooks }
        }
        return table.isEmpty ? nil : table
    }

    /// `g` passed through `hooks` in the order they were registered, each seeing the previous
    /// one's result; run without recording (as PyTorch runs hooks outside `create_graph`).
    static func applying(_ hooks: [TensorHookBox<Scalar>], to g: NDArray<Scalar>) -> NDArray<Scalar> {
        if hooks.isEmpty { return g }
        return withoutRecording {
            var g = g
            for hook in hooks {
                guard let body = hook.body, let replaced = body(Tensor(g)) else { continue }
                require(replaced.shape == g.shape, "Tensor.registerHook: a hook returned a gradient of shape \(replaced.shape) for a tensor of shape \(g.shape)")
                g = replaced.data
            }
            return g
        }
    }

    /// `g` passed through `hooks`, recorded (for `differentiableGradients`): what a hook computes
    /// from the gradient is differentiated with it.
    static func applying(_ hooks: [TensorHookBox<Scalar>], to g: Tensor<Scalar>) -> Tensor<Scalar> {
        var g = g
        for hook in hooks {
            guard let body = hook.body, let replaced = body(g) else { continue }
            require(replaced.shape == g.shape, "Tensor.registerHook: a hook returned a gradient of shape \(replaced.shape) for a tensor of shape \(g.shape)")
            g = replaced
        }
        return g
    }
}

extension Tensor {
    /// Registers `hook`, called with the gradient flowing into this tensor during each later
    /// reverse pass through it (PyTorch's `tensor.register_hook(hook)`): once per pass, with the
    /// total gradient ∂L/∂self (of this tensor's shape), when it is complete. Returning a tensor
    /// replaces the gradient (same shape; for a computed tensor it is what flows on to its
    /// operands, for a leaf what is added into ``grad``); returning nil leaves it unchanged.
    /// Several hooks run in the order registered, each seeing the previous one's result.
    ///
    /// Works with ``backward(seed:)``, ``gradients(wrt:seed:)`` (the gradient returned for a
    /// tensor is the one after its hooks) and ``differentiableGradients(wrt:seed:)``. In the first
    /// two the hook gets the gradient as a constant tensor and runs without recording; in the
    /// last it gets the recorded gradient, and what it computes from it is differentiated again
    /// (as PyTorch's hooks under `create_graph=True`). A hook on a computed tensor applies to the
    /// graph that tensor belongs to; a hook on a leaf, to every graph the leaf is used in.
    /// Only tensors that require gradients can have hooks (a constant stops, as in PyTorch).
    ///
    /// ```swift
    /// let w = Tensor<Double>([1, 2], requiresGrad: true)
    /// let handle = w.registerHook { g in g * 2 }   // doubles ∂L/∂w
    /// (w * w).sum().backward()                      // w.grad = 2 · 2w = [4, 8]
    /// handle.remove()
    /// ```
    @discardableResult
    public func registerHook(_ hook: @escaping (Tensor) -> Tensor?) -> TensorHookHandle {
        let box = TensorHookBox(hook)
        if let leaf {
            leaf.hooks.removeAll { $0.body == nil }
            leaf.hooks.append(box)
        } else if let tape {
            tape.madeExtras.hooks[index, default: []].append(box)
        } else {
            requirementFailed("Tensor.registerHook: this tensor does not require gradients, so no gradient flows into it")
        }
        return TensorHookHandle { box.body = nil }
    }
}
