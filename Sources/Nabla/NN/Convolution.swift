/// A 2-d convolution over NCHW images: filters [out, in/groups, kh, kw] as PyTorch stores them,
/// with stride, zero padding, dilation and groups (PyTorch's `nn.Conv2d`); the computation is
/// `conv2d(_:bias:stride:padding:dilation:groups:)`.
public final class Conv2d<Scalar: TensorScalar>: Layer {
    /// [outChannels, inChannels/groups, kernelHeight, kernelWidth].
    public let weight: Tensor<Scalar>
    /// [outChannels], or nil.
    public let bias: Tensor<Scalar>?
    /// The step between filter positions, (vertical, horizontal).
    public let stride: (Int, Int)
    /// The zeros added on each side, (vertical, horizontal).
    public let padding: (Int, Int)
    /// The spacing between the filter's taps, (vertical, horizontal); (1, 1) is a dense filter.
    public let dilation: (Int, Int)
    /// The number of independent channel groups: input channel block g (of in/groups) feeds only
    /// output channel block g (of out/groups); groups == in is a depthwise convolution.
    public let groups: Int

    /// Initialised as PyTorch does: uniform on ±1/√((in/groups)·kh·kw) for weights and bias.
    /// Channels not divisible by `groups`, or a size below 1, stop (a programmer error).
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                generator: inout SeededGenerator) {
        require(inChannels > 0 && outChannels > 0 && kernelSize.0 > 0 && kernelSize.1 > 0,
                     "Conv2d: channels and kernel size must be positive")
        require(stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0,
                "Conv2d: stride \(stride) and dilation \(dilation) must be positive, padding \(padding) not negative")
        require(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                "Conv2d: \(inChannels) input and \(outChannels) output channels are not both divisible by groups = \(groups)")
        let fanIn = inChannels / groups * kernelSize.0 * kernelSize.1
        weight = Tensor(Initialization.kaimingUniform([outChannels, inChannels / groups, kernelSize.0, kernelSize.1], fanIn: fanIn, generator: &generator), requiresGrad: true)
        self.bias = bias ? Tensor(Initialization.kaimingUniform([outChannels], fanIn: fanIn, generator: &generator), requiresGrad: true) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    /// A square kernel, stride, padding and dilation.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias, generator: &generator)
    }

    /// Input [N, in, H, W] → output [N, out, H′, W′], H′ = ⌊(H + 2·padding − dilation·(kernel − 1) − 1)/stride⌋ + 1 (likewise W′).
    /// Another channel count, or a kernel larger than the padded input, stops (a programmer error) on ``Tensor``; on ``TensorSymbol`` it is thrown when the graph compiles.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        input.conv2d(context.parameter(weight), bias: bias.map(context.parameter), stride: stride, padding: padding,
                     dilation: dilation, groups: groups)
    }
}

/// Max pooling over NCHW images: each output is the largest value in its kernel window,
/// padding counting as −∞ (PyTorch's `nn.MaxPool2d`, with dilation spacing the window's taps).
public final class MaxPool2d<Scalar: TensorScalar>: Layer {
    /// The window's (height, width), step between windows and padding on each side.
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    /// The spacing between the window's taps; (1, 1) is a dense window.
    public let dilation: (Int, Int)
    /// A square window; the stride defaults to the kernel size, as in PyTorch.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1) {
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        self.dilation = (dilation, dilation)
    }
    /// Input [N, C, H, W] → output [N, C, H′, W′], H′ = ⌊(H + 2·padding − dilation·(kernel − 1) − 1)/stride⌋ + 1 (likewise W′).
    /// Another rank, a window larger than the padded input, or padding above half the kernel, stops (a programmer error) on ``Tensor``; on ``TensorSymbol`` it is thrown when the graph compiles.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        input.maxPool2d(kernel: kernelSize, stride: stride, padding: padding, dilation: dilation)
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

/// Adaptive average pooling of NCHW images to a fixed output size, whatever the input's
/// (PyTorch's `nn.AdaptiveAvgPool2d`): output (i, j) averages rows ⌊i·H/OH⌋ ..< ⌈(i + 1)·H/OH⌉
/// and the columns likewise; the computation is `adaptiveAvgPool2d(outputSize:)`.
public final class AdaptiveAvgPool2d<Scalar: TensorScalar>: Layer {
    /// (OH, OW), the output's height and width.
    public let outputSize: (Int, Int)
    /// A layer pooling to `outputSize` (both positive; a stop otherwise).
    public init(outputSize: (Int, Int)) {
        require(outputSize.0 > 0 && outputSize.1 > 0, "AdaptiveAvgPool2d: output size \(outputSize) must be positive")
        self.outputSize = outputSize
    }
    /// A layer pooling to `outputSize` × `outputSize`.
    public convenience init(outputSize: Int) { self.init(outputSize: (outputSize, outputSize)) }
    /// Input [N, C, H, W] (or [C, H, W]) → output [N, C, OH, OW]. Another rank stops (a programmer error) on ``Tensor``; on ``TensorSymbol`` it is thrown when the graph compiles.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        input.adaptiveAvgPool2d(outputSize: outputSize)
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
