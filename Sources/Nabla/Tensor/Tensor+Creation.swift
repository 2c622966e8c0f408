// Creation of tensors, as PyTorch spells it (`torch.zeros(…, requires_grad=True)`): each forwards
// to the NDArray constructor of the same name.

extension Tensor {
    /// A tensor of `shape` filled with 0 (`torch.zeros`); a leaf with `requiresGrad`.
    public static func zeros(_ shape: Shape, requiresGrad: Bool = false) -> Tensor {
        Tensor(NDArray.zeros(shape), requiresGrad: requiresGrad)
    }
    /// A tensor of `shape` filled with 1 (`torch.ones`); a leaf with `requiresGrad`.
    public static func ones(_ shape: Shape, requiresGrad: Bool = false) -> Tensor {
        Tensor(NDArray.ones(shape), requiresGrad: requiresGrad)
    }
    /// A tensor of `shape` filled with `value` (`torch.full`); a leaf with `requiresGrad`.
    public static func full(_ shape: Shape, _ value: Scalar, requiresGrad: Bool = false) -> Tensor {
        Tensor(NDArray.full(shape, value), requiresGrad: requiresGrad)
    }
    /// start, start + step, … below end (PyTorch's `torch.arange`); a step of 0 stops.
    public static func arange(_ start: Scalar, _ end: Scalar, step: Scalar = 1, requiresGrad: Bool = false) -> Tensor {
        Tensor(NDArray.arange(start, end, step: step), requiresGrad: requiresGrad)
    }
    /// `count` evenly spaced values from start to end inclusive (PyTorch's `torch.linspace`); a
    /// negative count stops.
    public static func linspace(_ start: Scalar, _ end: Scalar, count: Int, requiresGrad: Bool = false) -> Tensor {
        Tensor(NDArray.linspace(start, end, count: count), requiresGrad: requiresGrad)
    }
    /// The n×n identity matrix (PyTorch's `torch.eye`); a leaf with `requiresGrad`.
    public static func identity(_ n: Int, requiresGrad: Bool = false) -> Tensor {
        Tensor(NDArray.identity(n), requiresGrad: requiresGrad)
    }
    /// Normal values from a seeded generator (the same seed, the same numbers, everywhere): see
    /// `NDArray.randomNormal(_:mean:standardDeviation:seed:)`.
    public static func randomNormal(_ shape: Shape, mean: Scalar = 0, standardDeviation: Scalar = 1, seed: UInt64,
                                    requiresGrad: Bool = false) -> Tensor {
        Tensor(NDArray.randomNormal(shape, mean: mean, standardDeviation: standardDeviation, seed: seed), requiresGrad: requiresGrad)
    }
    /// Uniform values in [low, high) from a seeded generator (the same seed, the same numbers,
    /// everywhere).
    public static func randomUniform(_ shape: Shape, low: Scalar = 0, high: Scalar = 1, seed: UInt64,
                                     requiresGrad: Bool = false) -> Tensor {
        Tensor(NDArray.randomUniform(shape, low: low, high: high, seed: seed), requiresGrad: requiresGrad)
    }
}
