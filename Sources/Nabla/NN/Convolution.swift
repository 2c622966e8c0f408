/// A 2-d convolution over NCHW images: filters [out, in, kh, kw] as PyTorch stores them, with
/// stride and zero padding (PyTorch's `nn.Conv2d`, without dilation or groups).
public final class Conv2d<Scalar: TensorScalar>: Layer {
    /// [outChannels, inChannels, kernelHeight, kernelWidth].
    public let weight: Tensor<Scalar>
    /// [outChannels], or nil.
    public let bias: Tensor<Scalar>?
    /// The step between filter positions, (vertical, horizontal).
    public let stride: (Int, Int)
    /// The zeros added on each side, (vertical, horizontal).
    public let padding: (Int, Int)

    /// Initialised as PyTorch does: uniform on ±1/√(in·kh·kw) for weights and bias.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), bias: Bool = true, generator: inout SeededGenerator) {
        require(inChannels > 0 && outChannels > 0 && kernelSize.0 > 0 && kernelSize.1 > 0,
                     "Conv2d: channels and kernel size must be positive")
        let fanIn = inChannels * kernelSize.0 * kernelSize.1
        weight = Tensor(Initialization.kaimingUniform([outChannels, inChannels, kernelSize.0, kernelSize.1], fanIn: fanIn, generator: &generator), requiresGrad: true)
        self.bias = bias ? Tensor(Initialization.kaimingUniform([outChannels], fanIn: fanIn, generator: &generator), requiresGrad: true) : nil
        self.stride = stride
        self.padding = padding
    }

    /// A square kernel, stride and padding.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            bias: Bool = true, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), bias: bias, generator: &generator)
    }

    /// Input [N, in, H, W] → output [N, out, H′, W′], H′ = ⌊(H + 2·padding − kernel)/stride⌋ + 1 (likewise W′).
    /// Another channel count, or a kernel larger than the padded input, stops (a programmer error) on ``Tensor``; on ``TensorSymbol`` it is thrown when the graph compiles.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        input.conv2d(context.parameter(weight), bias: bias.map(context.parameter), stride: stride, padding: padding)
    }
}

/// Max pooling over NCHW images: each output is the largest value in its kernel window,
/// padding counting as −∞ (PyTorch's `nn.MaxPool2d`).
public final class MaxPool2d<Scalar: TensorScalar>: Layer {
    /// The window's (height, width), step between windows and padding on each side.
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    /// A square window; the stride defaults to the kernel size, as in PyTorch.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
    }
    /// Input [N, C, H, W] → output [N, C, H′, W′], H′ = ⌊(H + 2·padding − kernel)/stride⌋ + 1 (likewise W′).
    /// Another rank, or a window larger than the padded input, stops (a programmer error) on ``Tensor``; on ``TensorSymbol`` it is thrown when the graph compiles.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        input.maxPool2d(kernel: kernelSize, stride: stride, padding: padding)
    }
}

/// Average pooling over NCHW images (padding counted as zeros, PyTorch's default): PyTorch's
/// `nn.AvgPool2d`.
public final class AvgPool2d<Scalar: TensorScalar>: Layer {
    /// The window's (height, width), step between windows and padding on each side.
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    /// A square window; the stride defaults to the kernel size, as in PyTorch.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
    }
    /// Input [N, C, H, W] → output [N, C, H′, W′], H′ = ⌊(H + 2·padding − kernel)/stride⌋ + 1 (likewise W′).
    /// Another rank, or a window larger than the padded input, stops (a programmer error) on ``Tensor``; on ``TensorSymbol`` it is thrown when the graph compiles.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        input.avgPool2d(kernel: kernelSize, stride: stride, padding: padding)
    }
}

/// Flattens every axis from `startAxis` on into one: [N, C, H, W] → [N, C·H·W] (PyTorch's
/// `nn.Flatten`).
public final class Flatten<Scalar: TensorScalar>: Layer {
    /// The first axis merged (1 by default, keeping the batch axis).
    public let startAxis: Int
    /// A layer merging the axes from `startAxis` on (a non-negative axis).
    public init(startAxis: Int = 1) { self.startAxis = startAxis }
    /// The input reshaped to its first `startAxis` dimensions followed by their product.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        let kept = Array(input.shape.dimensions.prefix(startAxis))
        return input.reshaped(Shape(kept + [input.shape.dimensions.dropFirst(startAxis).reduce(1, *)]))
    }
}
